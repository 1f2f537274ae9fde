"""The mayor's office reads the services dashboard in a real browser, in Arabic and in French: key figures as
computed from the requests, the tables, the charts and the district map drawn, another period chosen in the
form; and a head of department sees only their own department."""

from datetime import date

from playwright.sync_api import expect
from sqlalchemy import select

from portal.dashboard.scope import preset_period, today
from portal.extensions import db
from services.accounts.models import User
from services.stats import figures
from services.stats.scope import Period, Scope
from tests.browser.test_journeys import DEMO, _sign_in
from tests.conftest import tr


def _received(live_app, *, department_email: str | None = None, period=None) -> int:
    with live_app.app_context():
        department_id = None
        if department_email:
            department_id = db.session.scalar(select(User.department_id).where(User.email == department_email))
        scope = Scope(period or preset_period("last_12_months", today()), department_id=department_id)
        received = figures.flows(db.session, scope)[None].received
        db.session.remove()
    return received


def _number(lang: str, value: int) -> str:
    from babel.numbers import format_decimal

    return format_decimal(value, locale=f"{lang}_MA")


def test_the_mayors_office_reads_the_services_figures_tables_charts_and_map(visitor_factory, live_app):
    mayor = DEMO["mayor_office"]
    received = _received(live_app)
    assert received > 0, "the demo has requests filed in the last twelve months"
    for lang in ("ar", "fr"):
        visitor = visitor_factory(lang)
        visitor.goto("/login")
        _sign_in(visitor, lang, mayor.email, mayor.password)
        page = visitor.page
        expect(page.locator("html")).to_have_attribute("dir", "rtl" if lang == "ar" else "ltr")
        expect(page.get_by_role("heading", level=1)).to_contain_text(tr(lang, "Dashboard"))

        cards = page.locator("#data-key-figures")
        received_card = cards.locator(".key-figures__item").first
        expect(received_card.locator("dt")).to_have_text(tr(lang, "Received", context="requests"))
        expect(received_card.locator("dd")).to_have_text(_number(lang, received))

        by_service = page.locator("#data-by-service")
        expect(by_service.locator("caption")).to_have_text(tr(lang, "Requests by service"))
        expect(by_service.locator("tfoot td").first).to_have_text(_number(lang, received))
        # Every chart drawn as SVG, the district map included, each named by its table's caption.
        for name in ("by-service", "weekly", "by-district"):
            chart = page.locator(f"#table-{name} .dashboard-chart svg").first
            expect(chart).to_be_visible(timeout=15_000)
        expect(page.locator("#table-by-district .dashboard-chart path").first).to_be_visible()
        page.locator("#table-weekly").scroll_into_view_if_needed()
        visitor.check(f"dashboard-services-{lang}")

    # Another period from the form: the figures follow it.
    page.get_by_label(tr("fr", "Period"), exact=True).select_option("custom")
    page.get_by_label(tr("fr", "From"), exact=True).fill("2026-01-01")
    page.get_by_label(tr("fr", "To (included)"), exact=True).fill("2026-01-31")
    page.get_by_role("button", name=tr("fr", "Show"), exact=True).click()
    january = _received(live_app, period=Period(date(2026, 1, 1), date(2026, 1, 31)))
    expect(page.locator("#data-key-figures .key-figures__item dd").first).to_have_text(_number("fr", january))
    visitor.check("dashboard-january-fr")


def test_a_head_of_department_reads_only_their_departments_figures(visitor_factory, live_app):
    head = DEMO["supervisor"]
    own = _received(live_app, department_email=head.email)
    visitor = visitor_factory("fr")
    visitor.goto("/login")
    _sign_in(visitor, "fr", head.email, head.password)
    visitor.goto("/dashboard/")
    page = visitor.page
    expect(page.get_by_label(tr("fr", "Department"), exact=True)).to_have_count(0)
    expect(page.locator("#data-key-figures .key-figures__item dd").first).to_have_text(_number("fr", own))
    visitor.check("dashboard-supervisor-fr")
