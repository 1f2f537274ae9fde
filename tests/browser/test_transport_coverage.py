"""The mayor's office reads the bus coverage of the demo network in a real browser, in Arabic and in French:
the table with the commune's total, the map coloured by district, a stricter minimum, and the table alone
without JavaScript."""

import re

from playwright.sync_api import expect

from gis.transport.coverage import DEFAULT_MIN_DEPARTURES, MAX_MIN_DEPARTURES, coverage_by_district
from portal.extensions import db
from services.clock import local
from services.db import utcnow
from tests.browser.test_journeys import DEMO, _sign_in
from tests.conftest import tr

URL = "/staff/transport/coverage"


def _expected(live_app):
    """Today's coverage of the demo network as the domain computes it (its figures are checked by hand elsewhere)."""
    with live_app.app_context():
        coverage = coverage_by_district(db.session, local(utcnow()).date(), min_departures=DEFAULT_MIN_DEPARTURES)
        rows = [
            {
                "ar": row.district.name_ar,
                "fr": row.district.name_fr,
                "stops": row.stops_served,
                "map": row.covered_geojson,
            }
            for row in coverage.districts
        ]
        db.session.remove()
    return coverage.stops_served, rows


def _cells(page, name: str):
    row = page.locator("#coverage-table tbody tr").filter(has=page.get_by_role("rowheader", name=name, exact=True))
    return row.locator("td")


def test_the_mayors_office_reads_the_bus_coverage_by_district_on_a_map_and_in_a_table(visitor_factory, live_app):
    mayor = DEMO["mayor_office"]
    stops_served, rows = _expected(live_app)
    busiest = max(rows, key=lambda row: row["stops"])
    assert stops_served and busiest["stops"], "the demo network serves some stop 20 times today"
    for lang in ("ar", "fr"):
        visitor = visitor_factory(lang)
        visitor.goto("/login")
        _sign_in(visitor, lang, mayor.email, mayor.password)
        visitor.page.get_by_role("link", name=tr(lang, "Bus coverage"), exact=True).click()
        page = visitor.page
        expect(page.locator("html")).to_have_attribute("dir", "rtl" if lang == "ar" else "ltr")
        expect(page.get_by_role("heading", level=1)).to_have_text(tr(lang, "Bus coverage by district"))
        expect(
            page.get_by_text(tr(lang, "Demonstration data: this bus network is made up and is not Berkane's."))
        ).to_be_visible()

        # Today, twenty buses at least: one row per district and the commune's total.
        expect(page.locator("#coverage-table tbody tr")).to_have_count(len(rows))
        expect(_cells(page, busiest[lang]).last).to_have_text(str(busiest["stops"]))
        expect(_cells(page, busiest[lang]).nth(1)).to_have_text(re.compile(r"[1-9]"))
        expect(page.locator("#coverage-table tfoot td").last).to_have_text(str(stops_served))

        # The map: every district drawn and coloured, and the covered areas over them.
        canvas = page.locator(".coverage-map__canvas")
        expect(canvas).to_be_visible()
        expect(canvas.locator("path.leaflet-interactive")).to_have_count(len(rows))
        expect(canvas.locator("path:not(.leaflet-interactive)")).to_have_count(sum(bool(row["map"]) for row in rows))
        canvas.scroll_into_view_if_needed()
        visitor.check(f"coverage-{lang}")

    # Asking for more buses than any stop sees leaves nothing covered, and says so.
    page.get_by_label(tr("fr", "A stop counts when buses stop there at least (times that day)")).fill(
        str(MAX_MIN_DEPARTURES)
    )
    page.get_by_role("button", name=tr("fr", "Show")).click()
    expect(page.locator("#coverage-table tfoot td").last).to_have_text("0")
    expect(page.get_by_text(tr("fr", "No stop is served that often on this day."))).to_be_visible()

    # Without JavaScript the table is all there is, and says the same.
    plain = visitor_factory("fr", javascript=False)
    plain.goto("/login")
    _sign_in(plain, "fr", mayor.email, mayor.password)
    page = plain.goto(URL)
    expect(page.locator(".coverage-map")).to_be_hidden()
    expect(_cells(page, busiest["fr"]).last).to_have_text(str(busiest["stops"]))
