"""Reporting on a specific street light through the web form, without JavaScript, in both languages."""

import pytest
from sqlalchemy import select

from gis.lighting.models import LightPoint
from services.requests.models import ServiceRequest
from tests.conftest import page_text, tr
from tests.factories import make_district, make_light, make_service, make_user
from tests.portal.test_filing import FIELDS, form_key

URL = "/services/light-out/file"


@pytest.fixture
def lighting(db, login_as):
    make_service(db.session, kind="report", code="light-out", fields=FIELDS, asset_layer="street_light")
    district = make_district(db.session)
    light = make_light(db.session, code="BRK-L-000777", lon=-2.3212, lat=34.9195, district_id=district.id)
    citizen = make_user(db.session)
    db.session.commit()
    login_as(user=citizen)
    return light, district


@pytest.mark.parametrize("lang", ["ar", "fr"])
def test_the_form_opened_from_a_lights_popup_starts_on_that_light(client, lighting, lang):
    _light, district = lighting
    client.set_cookie("brk_lang", lang)
    response = client.get(URL + "?asset=brk-l-000777")
    page = response.get_data(as_text=True)
    assert tr(lang, "You are reporting a problem on %(code)s, as chosen on the city map.") % {
        "code": "BRK-L-000777"
    } in page_text(response)
    assert 'value="BRK-L-000777"' in page
    assert 'value="34.919500"' in page and 'value="-2.321200"' in page
    assert f'<option selected value="{district.id}">' in page


def test_an_unknown_code_in_the_link_opens_an_empty_form(client, lighting):
    page = client.get(URL + "?asset=BRK-L-123456").get_data(as_text=True)
    assert 'value="BRK-L-123456"' not in page
    assert 'name="location__lat" type="hidden" value=""' in page


@pytest.mark.parametrize("lang", ["ar", "fr"])
def test_a_citizen_without_javascript_reports_a_light_by_the_code_on_its_pole(client, db, lighting, lang):
    light, _district = lighting
    client.set_cookie("brk_lang", lang)
    response = client.submit(
        URL,
        {
            "location__asset": "brk-l-000777",
            "description": "Le lampadaire devant l'école est éteint",
            "idempotency_key": form_key(client, URL),
        },
    )
    assert response.status_code == 303
    request = db.session.scalars(select(ServiceRequest)).one()
    assert (request.asset_layer, request.asset_ref, request.address) == ("street_light", "BRK-L-000777", "BRK-L-000777")
    db.session.expire_all()
    assert db.session.get(LightPoint, light.id).status == "out"


@pytest.mark.parametrize("lang", ["ar", "fr"])
def test_a_mistyped_code_is_explained_and_nothing_is_saved(client, db, lighting, lang):
    client.set_cookie("brk_lang", lang)
    response = client.submit(
        URL,
        {"location__asset": "BRK-L-000778", "description": "Éteint", "idempotency_key": form_key(client, URL)},
    )
    assert response.status_code == 400
    message = tr(lang, "No street light, container or bus stop has this reference. Check the code printed on it.")
    assert message in page_text(response)
    assert db.session.scalars(select(ServiceRequest)).all() == []
