"""A citizen reports an outage on one street light from the city map, and the map then shows it out.

In Arabic and in French: the light's popup opens the report form on that light, the receipt names it, and both the
public map and the lighting staff's page then show the light as out.
"""

import pytest
from geoalchemy2.shape import to_shape
from playwright.sync_api import expect
from sqlalchemy import select

from gis.lighting.models import LightPoint
from portal.extensions import db
from services.catalog.demo import DESCRIPTION
from tests.browser.test_back_office import AGENT
from tests.browser.test_journeys import DEMO, _sign_in
from tests.conftest import tr


@pytest.fixture(scope="module")
def lights(live_app):
    """Two working demo lights, one per language, far from the other browser tests' reports."""
    with live_app.app_context():
        chosen = db.session.scalars(
            select(LightPoint)
            .where(LightPoint.status == "working", LightPoint.is_demo.is_(True))
            .order_by(LightPoint.code.desc())
            .limit(2)
        ).all()
        found = {}
        for lang, light in zip(("ar", "fr"), chosen, strict=True):
            point = to_shape(light.geom)
            found[lang] = (light.code, point.x, point.y)
        db.session.remove()
    return found


def _light_popup(page, code: str):
    """The popup of the light at the centre of the map (opened there, zoomed in)."""
    map_box = page.locator("#city-map")
    expect(map_box).to_have_attribute("data-ready", "yes")
    expect(page.locator("path.map-feature--lights").first).to_be_visible()
    map_box.scroll_into_view_if_needed()
    box = map_box.bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    popup = page.locator(".leaflet-popup-content .map-popup")
    expect(popup).to_be_visible()
    expect(popup).to_contain_text(code)
    return popup


@pytest.mark.parametrize("lang", ["ar", "fr"])
def test_a_citizen_reports_an_outage_on_a_light_from_the_map_and_the_light_then_shows_out(
    visitor_factory, lights, lang
):
    code, lon, lat = lights[lang]
    citizen = visitor_factory(lang)
    citizen.goto("/login")
    _sign_in(citizen, lang, DEMO["citizen"].email, DEMO["citizen"].password)

    page = citizen.goto(f"/map?lat={lat}&lon={lon}&zoom=19")
    popup = _light_popup(page, code)
    expect(popup).to_contain_text(tr(lang, "Working"))
    popup.get_by_role("link", name=tr(lang, "Report a problem with this street light")).click()

    expect(page.locator("#asset-chosen")).to_be_visible()
    expect(page.locator("input[name$='__asset']")).to_have_value(code)
    page.get_by_label(DESCRIPTION[f"label_{lang}"], exact=False).first.fill(
        {"ar": "المصباح مطفأ منذ ثلاث ليال", "fr": "Le lampadaire est éteint depuis trois nuits"}[lang]
    )
    citizen.check("outage-form")
    page.get_by_role("button", name=tr(lang, "Send my request")).click()
    expect(page.get_by_text(code).first).to_be_visible()
    citizen.check("outage-receipt")

    page = citizen.goto(f"/map?lat={lat}&lon={lon}&zoom=19")
    popup = _light_popup(page, code)
    expect(popup).to_contain_text(tr(lang, "Out"))
    citizen.check("outage-on-map")

    agent = visitor_factory(lang)
    agent.goto("/login")
    _sign_in(agent, lang, AGENT.email, AGENT.password)
    page = agent.goto(f"/staff/lighting/lights/{code}")
    expect(page.locator("#light-status")).to_have_text(tr(lang, "Out"))
    expect(page.get_by_text(tr(lang, "Fault reported"))).to_be_visible()
    agent.check("outage-light-page")
