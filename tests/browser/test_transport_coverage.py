"""The mayor's office reads the bus coverage of the demo districts in a real browser, in Arabic and in French:
the table with the commune's total, the map coloured by district, and the table alone without JavaScript."""

import re
from datetime import date

import pytest
from geoalchemy2.shape import to_shape
from playwright.sync_api import expect
from sqlalchemy import delete, select

from gis.districts.models import District
from gis.transport.models import Calendar, Route, Stop, StopTime, Trip
from portal.extensions import db
from tests.browser.test_journeys import DEMO, _sign_in
from tests.conftest import tr
from tests.factories import make_calendar, make_route, make_stop, make_trip

MONDAY = date(2026, 11, 23)
URL = f"/staff/transport/coverage?date={MONDAY}&min_departures=20"
PREFIX = "browser-coverage"  # the rows this test adds, and removes when done


@pytest.fixture
def small_network(live_app):
    """A line through three demo districts' centres, 24 buses on weekdays; a fourth stop with 5 buses only."""
    with live_app.app_context():
        districts = db.session.scalars(select(District).order_by(District.code).limit(4)).all()
        centres = [to_shape(d.geom).representative_point() for d in districts]
        make_calendar(db.session, f"{PREFIX}-WK", "1111100")
        line = make_route(db.session, route_id=f"{PREFIX}-1", short_name="1", long_name="Ligne 1")
        stops = [
            make_stop(db.session, c.x, c.y, stop_id=f"{PREFIX}-S{i}", code=f"{PREFIX}-{i}")
            for i, c in enumerate(centres)
        ]
        for hour in range(24):
            make_trip(
                db.session,
                line,
                f"{PREFIX}-WK",
                stops=stops[:3],
                times=[f"{5 + hour // 2:02d}:{30 * (hour % 2) + m:02d}:00" for m in (0, 5, 10)],
                trip_id=f"{PREFIX}-T{hour}",
            )
        for n in range(5):
            make_trip(
                db.session,
                line,
                f"{PREFIX}-WK",
                stops=stops[3:],
                times=[f"{8 + n:02d}:00:00"],
                trip_id=f"{PREFIX}-U{n}",
            )
        db.session.commit()
        names = {lang: [getattr(d, f"name_{lang}") for d in districts] for lang in ("ar", "fr")}
        db.session.remove()
    yield names
    with live_app.app_context():
        trips = select(Trip.id).where(Trip.trip_id.startswith(PREFIX))
        db.session.execute(delete(StopTime).where(StopTime.trip_id.in_(trips)))
        db.session.execute(delete(Trip).where(Trip.trip_id.startswith(PREFIX)))
        db.session.execute(delete(Route).where(Route.route_id.startswith(PREFIX)))
        db.session.execute(delete(Stop).where(Stop.stop_id.startswith(PREFIX)))
        db.session.execute(delete(Calendar).where(Calendar.service_id.startswith(PREFIX)))
        db.session.commit()
        db.session.remove()


def _row(page, name: str):
    return page.locator("#coverage-table tbody tr").filter(has=page.get_by_role("rowheader", name=name, exact=True))


def test_the_mayors_office_reads_the_bus_coverage_by_district_on_a_map_and_in_a_table(visitor_factory, small_network):
    mayor = DEMO["mayor_office"]
    for lang in ("ar", "fr"):
        visitor = visitor_factory(lang)
        visitor.goto("/login")
        _sign_in(visitor, lang, mayor.email, mayor.password)
        visitor.page.get_by_role("link", name=tr(lang, "Bus coverage"), exact=True).click()
        page = visitor.page
        expect(page.get_by_role("heading", level=1)).to_have_text(tr(lang, "Bus coverage by district"))
        page.get_by_label(tr(lang, "Day"), exact=True).fill(MONDAY.isoformat())
        page.get_by_role("button", name=tr(lang, "Show")).click()
        expect(page.locator("html")).to_have_attribute("dir", "rtl" if lang == "ar" else "ltr")

        served, thin = small_network[lang][:3], small_network[lang][3]
        for name in served:
            expect(_row(page, name).locator("td").last).to_have_text("1")
            expect(_row(page, name).locator("td").nth(1)).to_have_text(re.compile(r"[1-9]"))
        # Five buses are fewer than twenty: the fourth district's stop does not count.
        expect(_row(page, thin).locator("td").last).to_have_text("0")
        expect(page.locator("#coverage-table tfoot td").last).to_have_text("3")

        # The map: every district drawn, and the covered areas over them (a walk may cross into a neighbour).
        canvas = page.locator(".coverage-map__canvas")
        expect(canvas).to_be_visible()
        expect(canvas.locator("path.leaflet-interactive")).to_have_count(
            page.locator("#coverage-table tbody tr").count()
        )
        expect(canvas.locator("path:not(.leaflet-interactive)").nth(2)).to_be_attached()
        canvas.scroll_into_view_if_needed()
        visitor.check(f"coverage-{lang}")

    # Without JavaScript the table is all there is, and says the same.
    plain = visitor_factory("fr", javascript=False)
    plain.goto("/login")
    _sign_in(plain, "fr", mayor.email, mayor.password)
    page = plain.goto(URL)
    expect(page.locator(".coverage-map")).to_be_hidden()
    expect(_row(page, small_network["fr"][0]).locator("td").last).to_have_text("1")
