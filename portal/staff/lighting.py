"""Street lighting for staff and the mayor's office: faults, repair times, energy, and a light's upkeep."""

from datetime import UTC, date, timedelta

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import format_date
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from gis.lighting import cabinets, queries, upkeep
from gis.lighting.models import LightPoint, LightStatus
from portal.auth.access import STAFF_ROLES, roles_required
from portal.errors import apply_to_form
from portal.extensions import db
from portal.i18n import LIGHT_STATUS_LABELS, TECHNOLOGY_LABELS
from portal.staff.lighting_forms import (
    MAINTENANCE_LABELS,
    DimmingForm,
    LightStatusForm,
    ReadingForm,
    ScenarioForm,
)
from portal.staff.routes import bp
from services.accounts.models import Role
from services.catalog import service as catalog
from services.clock import LOCAL_TZ, local
from services.db import utcnow
from services.errors import NotFound, ServiceError
from services.requests.models import ServiceRequest
from services.workflow.states import OPEN_STATES

LIGHTING_ROLES = (*STAFF_ROLES, Role.MAYOR_OFFICE)
LAYER = "street_light"


@bp.app_context_processor
def _lighting_labels():
    return {
        "technology_label": lambda code: TECHNOLOGY_LABELS.get(code, code),
        "maintenance_label": lambda code: MAINTENANCE_LABELS.get(code, code),
        "month_name": lambda year, month: format_date(date(year, month, 1), "LLLL"),
    }


def may_maintain(user) -> bool:
    """Admins, and the staff of the departments that handle reports on street lights."""
    if user.has_role(Role.ADMIN):
        return True
    return user.has_role(Role.AGENT, Role.SUPERVISOR) and user.department_id in catalog.departments_for_layer(
        db.session, LAYER
    )


@bp.route("/lighting")
@roles_required(*LIGHTING_ROLES)
def lighting():
    config = current_app.config
    form = ScenarioForm(request.args)
    valid = form.validate()
    this_year = local(utcnow()).year
    year = (form.year.data if valid and form.year.data else None) or this_year
    ratio = (form.led_percent.data if valid and form.led_percent.data else None) or round(
        config["LED_EQUIVALENT_RATIO"] * 100
    )
    led_cost = float(form.led_cost.data) if valid and form.led_cost.data is not None else config["LED_UNIT_COST_MAD"]
    form.year.data, form.led_percent.data, form.led_cost.data = year, ratio, led_cost
    tariff, co2 = config["LIGHTING_TARIFF_MAD_PER_KWH"], config["LIGHTING_CO2_KG_PER_KWH"]

    page = request.args.get("page", 1, type=int)
    counts = queries.status_counts(db.session)
    mix = queries.technology_mix(db.session)
    lamps = sum(count for _tech, _power, count in mix)
    led = sum(count for tech, _power, count in mix if tech.value == "led")
    return render_template(
        "staff/lighting.html",
        form=form,
        year=year,
        counts=counts,
        total=sum(counts.values()),
        faulty=queries.faulty_lights(db.session, page=max(page, 1)),
        repairs=upkeep.mean_time_to_repair(db.session, since=utcnow() - timedelta(days=365)),
        months=queries.year_energy(db.session, year, tariff_mad_per_kwh=tariff, co2_kg_per_kwh=co2),
        retrofit=queries.retrofit(
            db.session,
            year,
            led_ratio=ratio / 100,
            led_unit_cost_mad=led_cost,
            tariff_mad_per_kwh=tariff,
            co2_kg_per_kwh=co2,
        ),
        led_share=led / lamps if lamps else None,
        tariff=tariff,
        co2_factor=co2,
        status_labels=LIGHT_STATUS_LABELS,
    )


def _light_or_404(code: str) -> LightPoint:
    try:
        return upkeep.get_light(db.session, code)
    except NotFound:
        abort(404)


def _reports(light: LightPoint) -> list[ServiceRequest]:
    return list(
        db.session.scalars(
            select(ServiceRequest)
            .where(ServiceRequest.asset_layer == LAYER, ServiceRequest.asset_ref == light.code)
            .order_by(ServiceRequest.filed_at.desc())
        )
    )


@bp.route("/lighting/lights/<code>", methods=["GET", "POST"])
@roles_required(*LIGHTING_ROLES)
def light_detail(code: str):
    light = _light_or_404(code)
    maintainer = may_maintain(current_user)
    form = LightStatusForm() if maintainer else None
    status = 200
    if request.method == "POST":
        if not maintainer:
            abort(403)
        if form.validate():
            try:
                upkeep.set_status(
                    db.session, light.code, form.status.data, actor_id=current_user.id, note=form.note.data
                )
                db.session.commit()
            except ServiceError as exc:
                db.session.rollback()
                apply_to_form(form, exc)
                status = 400
            else:
                flash(_("The visit is recorded in the light's history."), "success")
                return redirect(url_for("staff.light_detail", code=light.code), 303)
        else:
            status = 400
    elif form is not None:
        form.status.data = light.status
    reports = _reports(light)
    return render_template(
        "staff/light.html",
        light=light,
        form=form,
        reports=reports,
        open_states={s.value for s in OPEN_STATES},
        tracking={r.id: r.tracking_number for r in reports},
        status_labels=LIGHT_STATUS_LABELS,
        working=LightStatus.WORKING.value,
    ), status


@bp.route("/lighting/cabinets/<code>", methods=["GET", "POST"])
@roles_required(*LIGHTING_ROLES)
def cabinet_detail(code: str):
    try:
        cabinet = cabinets.get_cabinet(db.session, code)
    except NotFound:
        abort(404)
    maintainer = may_maintain(current_user)
    dimming_form = DimmingForm(prefix="dimming") if maintainer else None
    reading_form = ReadingForm(prefix="reading") if maintainer else None
    status = 200
    if request.method == "POST":
        if not maintainer:
            abort(403)
        form = dimming_form if "dimming-submit" in request.form else reading_form
        if form.validate():
            try:
                if form is dimming_form:
                    cabinets.set_dimming(db.session, cabinet.code, [step.data for step in form.steps])
                    done = _("The dimming schedule is saved.")
                else:
                    cabinets.record_reading(
                        db.session,
                        cabinet.code,
                        read_at=form.read_at.data.replace(tzinfo=LOCAL_TZ).astimezone(UTC),
                        index_kwh=form.index_kwh.data,
                        actor_id=current_user.id,
                    )
                    done = _("The reading is recorded.")
                db.session.commit()
            except ServiceError as exc:
                db.session.rollback()
                apply_to_form(form, exc)
                status = 400
            else:
                flash(done, "success")
                return redirect(url_for("staff.cabinet_detail", code=cabinet.code), 303)
        else:
            status = 400
    elif dimming_form is not None:
        for row, step in zip(dimming_form.steps, cabinet.dimming or [], strict=False):
            row.form.start.data, row.form.end.data = step["start"], step["end"]
            row.form.level.data = f"{step['level'] * 100:g}"
    lights = db.session.scalars(
        select(LightPoint).where(LightPoint.cabinet_id == cabinet.id).order_by(LightPoint.code)
    ).all()
    return render_template(
        "staff/cabinet.html",
        cabinet=cabinet,
        lights=lights,
        periods=list(reversed(cabinets.periods(db.session, cabinet))),
        dimming_form=dimming_form,
        reading_form=reading_form,
        status_labels=LIGHT_STATUS_LABELS,
    ), status
