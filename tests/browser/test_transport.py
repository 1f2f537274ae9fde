"""A resident looks up a bus line and a stop's next departures, in a real browser, in Arabic and in French, on the
demo network (`flask seed demo` lays it out): the line's map and stops, the stop's map, times and report link."""

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from gis.transport.models import Stop
from portal.extensions import db
from tests.conftest import tr

LANGUAGES = ["ar", "fr"]


def _centre_stop(live_app) -> tuple[str, dict[str, str]]:
    """The stop every line of the demo network shares (in the town centre): its id and names."""
    with live_app.app_context():
        from gis.transport.queries import routes_at

        stops = db.session.scalars(select(Stop).order_by(Stop.id)).all()
        stop = max(stops, key=lambda s: len(routes_at(db.session, s)))
        found = stop.stop_id, {"ar": stop.name_ar or stop.name, "fr": stop.name_fr or stop.name}
        db.session.remove()
        return found


@pytest.mark.parametrize("lang", LANGUAGES)
def test_a_resident_reads_a_line_and_the_next_buses_at_a_stop(visitor_factory, live_app, lang):
    stop_id, names = _centre_stop(live_app)
    visitor = visitor_factory(lang)
    page = visitor.goto("/transport")
    expect(page.get_by_role("heading", name=tr(lang, "Bus lines"))).to_be_visible()
    expect(page.locator(".transport-map.leaflet-container")).to_be_visible()  # the map, with JavaScript

    page.locator(".line-list a", has_text="2").first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(tr(lang, "Line %(name)s") % {"name": "2"})
    expect(page.locator(".transport-map path.leaflet-interactive, .transport-map svg path").first).to_be_attached()
    expect(page.locator(".direction")).to_have_count(2)
    expect(page.get_by_text(tr(lang, "The last bus leaves after midnight.")).first).to_be_visible()
    visitor.check("route")

    page.locator(f'.route-stops a[href$="/transport/stops/{stop_id}"]').first.click()
    heading = page.get_by_role("heading", level=1)
    expect(heading).to_have_text(names[lang])
    title = tr(lang, "Bus stop %(name)s") % {"name": names[lang]}
    expect(page).to_have_title(f"{title} — {tr(lang, 'Commune of Berkane')}")
    assert page.locator("html").get_attribute("dir") == ("rtl" if lang == "ar" else "ltr")
    expect(page.locator("table.departures")).to_have_count(2)
    expect(page.locator("table.departures time").first).to_be_visible()
    expect(page.locator(".transport-map.leaflet-container")).to_be_visible()
    report = page.get_by_role("link", name=tr(lang, "Report a problem with this stop"))
    expect(report).to_have_attribute("href", f"/services/damaged-bus-shelter/file?asset={stop_id[-3:]}")
    visitor.check("stop")
