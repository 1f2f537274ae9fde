"""The city map in a real browser, in Arabic and in French: layers turned on and off, street lights in clusters
then one by one, a light's popup in the page's language with its report link, and the page without JavaScript."""

import re

import pytest
from geoalchemy2.shape import from_shape
from playwright.sync_api import expect
from shapely.geometry import LineString, Point
from sqlalchemy import select

from gis.lighting.models import LightPoint, Street
from gis.sanitation.models import WasteContainer
from portal.extensions import db
from tests.browser.test_back_office import _report
from tests.conftest import tr

LANGUAGES = ["ar", "fr"]
# Just outside the demo town's districts, where the demo map has no light of its own: zoomed in, it stands alone.
LIGHT = ("MAP-L-000001", -2.3600, 34.8900)
CONTAINER = ("MAP-C-000001", -2.3180, 34.9150)
# A report in the Al Amal district, far from the demo's and the back office tests' reports.
REPORT_AT = (-2.2983, 34.9160)


def _pattern(template: str) -> re.Pattern:
    """A translated sentence with its %(name)s numbers written any way the browser formats them."""
    parts = re.split(r"%\(\w+\)s", template)
    return re.compile("^" + r"[\d\s.,\u00a0\u202f\u066c]+".join(re.escape(p) for p in parts) + "$")


@pytest.fixture(scope="module")
def city(live_app):
    """A street, a light and a container in the live portal (once: its database outlives the tests)."""
    with live_app.app_context():
        if db.session.scalar(select(LightPoint).where(LightPoint.code == LIGHT[0])) is None:
            db.session.add(
                Street(
                    code="MAP-S-1",
                    name_ar="شارع محمد الخامس",
                    name_fr="Boulevard Mohammed V",
                    geom=from_shape(LineString([(-2.3250, 34.9201), (-2.3160, 34.9201)]), srid=4326),
                )
            )
            code, lon, lat = LIGHT
            db.session.add(
                LightPoint(
                    code=code,
                    technology="led",
                    power_w=70,
                    status="working",
                    geom=from_shape(Point(lon, lat), srid=4326),
                )
            )
            code, lon, lat = CONTAINER
            db.session.add(
                WasteContainer(
                    code=code,
                    kind="recycling",
                    capacity_l=1100,
                    fill_level=85,
                    geom=from_shape(Point(lon, lat), srid=4326),
                )
            )
            db.session.commit()
        db.session.remove()


def _ready(page):
    expect(page.locator("#city-map")).to_have_attribute("data-ready", "yes")


def _layer(page, lang: str, title: str):
    return page.get_by_role("checkbox", name=tr(lang, title))


@pytest.mark.parametrize("lang", LANGUAGES)
def test_a_resident_turns_layers_on_and_off_and_sees_lights_grouped_at_city_zoom(visitor_factory, city, lang):
    visitor = visitor_factory(lang)
    page = visitor.goto("/")
    page.get_by_role("link", name=tr(lang, "City map")).click()
    expect(page.get_by_role("heading", name=tr(lang, "City map"), level=1)).to_be_visible()
    _ready(page)
    # No base map is configured: the districts and the streets draw the town; the lights come as counted groups.
    expect(page.locator("path.map-feature--districts").first).to_be_visible()
    expect(page.locator("path.map-feature--streets").first).to_be_visible()
    lights = page.locator(".map-cluster--lights")
    expect(lights.first).to_be_visible()
    expect(lights.first).to_have_attribute(
        "title", _pattern(tr(lang, "Street lights: %(count)s, not working: %(faulty)s. Zoom in to see them."))
    )
    visitor.check("city-map")

    _layer(page, lang, "Streets").uncheck()
    expect(page.locator("path.map-feature--streets")).to_have_count(0)
    _layer(page, lang, "Street lights").uncheck()
    expect(lights).to_have_count(0)
    _layer(page, lang, "Waste containers").check()
    expect(page.locator(".map-cluster--containers").first).to_be_visible()
    _ready(page)
    visitor.check("city-map-containers")


@pytest.mark.parametrize("lang", LANGUAGES)
def test_a_lights_popup_speaks_the_pages_language_and_opens_the_report_form_on_that_light(visitor_factory, city, lang):
    code, lon, lat = LIGHT
    visitor = visitor_factory(lang)
    page = visitor.goto(f"/map?lat={lat}&lon={lon}&zoom=19")
    _ready(page)
    light = page.locator("path.map-feature--lights")
    expect(light).to_have_count(1)
    light.click()
    popup = page.locator(".leaflet-popup-content .map-popup")
    expect(popup).to_be_visible()
    expect(popup).to_have_attribute("dir", "rtl" if lang == "ar" else "ltr")
    expect(popup).to_contain_text(tr(lang, "Street light %(code)s") % {"code": code})
    expect(popup).to_contain_text(tr(lang, "Working"))
    expect(popup).to_contain_text(tr(lang, "LED"))
    expect(page.locator(".leaflet-popup-close-button")).to_have_attribute("aria-label", tr(lang, "Close"))
    report = popup.get_by_role("link", name=tr(lang, "Report a problem with this street light"))
    expect(report).to_have_attribute("href", f"/services/street-light-outage/file?asset={code}")
    visitor.check("city-map-light-popup")

    report.click()
    expect(
        page.get_by_text(
            tr(lang, "You are reporting a problem on %(code)s, as chosen on the city map.") % {"code": code}
        )
    ).to_be_visible()
    visitor.check("report-from-map")


@pytest.mark.parametrize("lang", LANGUAGES)
def test_reported_problems_show_on_the_map_when_asked_for(visitor_factory, live_app, city, lang):
    _report(live_app, lang, REPORT_AT, "Lampadaire éteint près de l'école")
    visitor = visitor_factory(lang)
    page = visitor.goto(f"/map?lat={REPORT_AT[1]}&lon={REPORT_AT[0]}&zoom=19")
    _ready(page)
    expect(page.locator("path.map-feature--reports")).to_have_count(0)
    _layer(page, lang, "Reported problems").check()
    report = page.locator("path.map-feature--reports").last  # the newest is drawn on top
    expect(report).to_be_visible()
    report.click()
    popup = page.locator(".leaflet-popup-content .map-popup")
    for text in ("Status", "Received", "Reported on"):
        expect(popup).to_contain_text(tr(lang, text))
    visitor.check("city-map-report-popup")


@pytest.mark.parametrize("lang", LANGUAGES)
def test_without_javascript_the_map_page_links_to_each_layers_data(visitor_factory, city, lang):
    visitor = visitor_factory(lang, javascript=False)
    page = visitor.goto("/map")
    expect(
        page.get_by_text(
            tr(
                lang,
                "The interactive map needs JavaScript. Its data is listed below, layer by layer, "
                "in the open GeoJSON format.",
            )
        )
    ).to_be_visible()
    expect(page.get_by_role("checkbox")).to_have_count(0)  # the layer list is hidden: it would do nothing
    link = page.get_by_role("link", name=tr(lang, "Street lights") + " (GeoJSON)")
    expect(link).to_have_attribute("href", "/api/layers/lights.geojson")
