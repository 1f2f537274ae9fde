"""The monthly report: every dashboard section's tables and charts for one calendar month, as a PDF.

The charts are the page's Vega-Lite specs, rendered to PNG by vl-convert (Vega in an embedded V8, no browser,
no network): WeasyPrint's own SVG text layout places Arabic labels wrongly, resvg's shapes them correctly.
"""

import base64
from datetime import date

import vl_convert
from flask import current_app, render_template, request
from flask_babel import force_locale, format_date
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict
from wtforms import MonthField, SelectChoice, SelectField
from wtforms.validators import InputRequired, Optional, ValidationError

from portal.auth.access import DASHBOARD_ROLES, roles_required
from portal.i18n import FORMAT_LOCALES, LANGUAGE_NAMES, current_language
from portal.pdf import render_pdf
from services.stats.scope import Period

from . import charts
from .routes import DEFAULT_SECTION, bp, scope_sentence
from .scope import read_filters, today
from .tables import SECTIONS, DataTable

VEGA_LITE = "6.4"  # the Vega-Lite the page loads (portal/static/vendor/vega), so both draw the same chart
SCALE = 2  # pixels per CSS pixel: sharp on paper and on a zoomed screen


class ReportForm(FlaskForm):
    class Meta:
        csrf = False

    month = MonthField(
        _l("Month"),
        validators=[InputRequired(_l("Choose the month of the report."))],
        invalid_value_message=_l("Enter the month as year-month, for example 2026-11."),
        render_kw={"dir": "ltr"},
        id="report-month",
    )
    # Their choices and checks are the dashboard filters' (read_filters), copied in.
    district = SelectField(_l("District"), validate_choice=False, validators=[Optional()], id="report-district")
    department = SelectField(_l("Department"), validate_choice=False, validators=[Optional()], id="report-department")
    lang = SelectField(
        _l("Language of the report"),
        choices=[SelectChoice(code, name, render_kw={"lang": code}) for code, name in LANGUAGE_NAMES.items()],
        validators=[Optional()],
        id="report-lang",
    )

    def validate_month(self, field):
        if field.data and field.data > today():
            raise ValidationError(_l("This month has not started yet: choose this month or an earlier one."))

    def take_choices(self, filters) -> None:
        self.district.choices = filters.district.choices
        self.department.choices = filters.department.choices


def report_form(filters) -> ReportForm:
    """The page's report form: last month, the page's district and department, in the page's language."""
    form = ReportForm(MultiDict())
    form.take_choices(filters)
    last_month = today().replace(day=1).toordinal() - 1
    form.month.data = date.fromordinal(last_month)
    form.district.data = filters.district.data
    form.department.data = filters.department.data
    form.lang.data = current_language()
    return form


def _filter_args(form: ReportForm) -> MultiDict:
    """The dashboard's filters for the report's month, district and department (a supervisor's is forced)."""
    args = MultiDict({name: request.args[name] for name in ("district", "department") if request.args.get(name)})
    if form.month.data and not form.month.errors:
        period = Period.month(form.month.data.year, form.month.data.month)
        args.update({"period": "custom", "start": period.start.isoformat(), "end": period.end.isoformat()})
    return args


@bp.route("/report.pdf")
@roles_required(*DASHBOARD_ROLES)
def report_pdf():
    form = ReportForm(request.args)
    valid = form.validate()
    filters, scope = read_filters(_filter_args(form))
    form.take_choices(filters)
    for name in ("district", "department"):
        getattr(form, name).errors = list(getattr(filters, name).errors)
    if not valid or scope is None or form.district.errors or form.department.errors:
        return _form_again(form), 400
    with force_locale(FORMAT_LOCALES[form.lang.data or current_language()]):
        sections = [(section, section.build(scope)) for section in SECTIONS.values()]
        pdf = render_pdf(
            "dashboard/report.html",
            month=format_date(scope.period.start, "LLLL y"),
            scope_text=scope_sentence(scope),
            sections=sections,
            chart_image=chart_image,
            generated=format_date(today(), "long"),
        )
    response = current_app.response_class(pdf, mimetype="application/pdf")
    name = f"berkane-report-{scope.period.start:%Y-%m}.pdf"
    response.headers["Content-Disposition"] = f'inline; filename="{name}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _form_again(form: ReportForm) -> str:
    """The dashboard page again, with the report form and what is wrong with it, in the reader's language."""
    current = SECTIONS.get(request.args.get("section", "")) or SECTIONS.get(DEFAULT_SECTION)
    current = current or next(iter(SECTIONS.values()))
    filters, scope = read_filters(MultiDict())
    return render_template(
        "dashboard/section.html",
        sections=SECTIONS,
        current=current,
        form=filters,
        scope=scope,
        tables=current.build(scope) if scope is not None else [],
        query={},
        report=form,
    )


def chart_image(table: DataTable) -> dict:
    """The table's chart as a PNG data address, with its size in CSS pixels."""
    lang = current_language()
    spec = charts.for_print(charts.spec(table, lang), lang)
    png = vl_convert.vegalite_to_png(spec, vl_version=VEGA_LITE, scale=SCALE)
    width = int.from_bytes(png[16:20], "big") / SCALE  # from the PNG header
    return {"src": "data:image/png;base64," + base64.b64encode(png).decode(), "width": width}


@bp.context_processor
def _chart_helpers():
    return {
        "chart_json": lambda table: charts.script_json(charts.spec(table, current_language())),
        "report_form": report_form,
    }
