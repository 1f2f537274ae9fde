"""The street-lighting pages: faults, repair times, energy figures and a light's upkeep, in both languages."""

import re
from datetime import time

import pytest
from geoalchemy2.shape import from_shape
from shapely.geometry import Point

from gis.lighting import energy, queries
from gis.lighting.energy import DimStep, Load
from gis.lighting.models import Cabinet, LightPoint
from services.accounts.models import Role
from tests.conftest import page_text, tr
from tests.factories import make_department, make_light, make_service

YEAR = 2026


def cabinet(db, dimming=()):
    item = Cabinet(
        code=f"CAB-{len(dimming)}-{id(dimming)}", dimming=list(dimming), geom=from_shape(Point(-2.32, 34.92))
    )
    db.session.add(item)
    db.session.flush()
    return item


@pytest.fixture
def lighting_department(db):
    department = make_department(db.session, code="lighting")
    make_service(db.session, department=department, asset_layer="street_light")
    return department


def test_lamps_are_grouped_by_dimming_schedule_with_their_watts_summed(db):
    dimmed = cabinet(db, [{"start": "00:00", "end": "05:00", "level": 0.5}])
    make_light(db.session, power_w=100, cabinet_id=dimmed.id)
    make_light(db.session, power_w=200, cabinet_id=dimmed.id)
    make_light(db.session, power_w=150)
    loads = {load.schedule: load for load in queries.loads(db.session)}
    half = (DimStep(time(0), time(5), 0.5),)
    assert loads[()] == Load(1, 150.0, ())
    assert (loads[half].count, loads[half].count * loads[half].power_w) == (2, 300)


def test_a_malformed_dimming_schedule_is_refused(db):
    with pytest.raises(Exception) as error:
        queries.parse_schedule([{"start": "25:00", "end": "05:00", "level": 0.5}])
    assert error.value.code == "dimming_invalid"


@pytest.mark.parametrize("lang", ["ar", "fr"])
def test_the_mayors_office_reads_the_years_energy_and_the_led_scenario(client, db, login_as, lang, app):
    for _ in range(10):
        make_light(db.session, technology="hps", power_w=150)
    make_light(db.session, technology="led", power_w=60, status="out")
    login_as(Role.MAYOR_OFFICE)
    client.set_cookie("brk_lang", lang)
    response = client.get(f"/staff/lighting?year={YEAR}&led_percent=40&led_cost=3000")
    assert response.status_code == 200
    text = page_text(response)
    hours = energy.year_hours(YEAR)
    kwh = (10 * 150 + 60) * hours / 1000
    saving_kwh = 10 * 150 * 0.6 * hours / 1000
    tariff = app.config["LIGHTING_TARIFF_MAD_PER_KWH"]
    # Grouping separators differ by locale (Morocco's Arabic uses a dot): compare the digits.
    figures = set(re.findall(r"\d+", re.sub(r"(?<=\d)[ .,\u202f\u00a0\u066c](?=\d{3})", "", text)))
    assert {str(round(kwh)), str(round(saving_kwh * tariff)), "30000"} <= figures  # 10 lamps at 3,000 MAD
    assert tr(lang, "Lights not working") in text
    assert "L-" in text and tr(lang, "Out") in text


def test_an_impossible_scenario_is_explained_and_the_defaults_are_shown(client, db, login_as):
    login_as(Role.MAYOR_OFFICE)
    client.set_cookie("brk_lang", "fr")
    text = page_text(client.get("/staff/lighting?led_percent=5"))
    assert tr("fr", "There is a problem") in text


def test_citizens_do_not_see_the_lighting_pages(client, db, login_as):
    light = make_light(db.session)
    login_as(Role.CITIZEN)
    assert client.get("/staff/lighting").status_code == 403
    assert client.get(f"/staff/lighting/lights/{light.code}").status_code == 403


@pytest.mark.parametrize("lang", ["ar", "fr"])
def test_a_lighting_agent_records_a_visit_that_joins_the_lights_history(
    client, db, login_as, lighting_department, lang
):
    light = make_light(db.session, status="out")
    login_as(Role.AGENT, department=lighting_department)
    client.set_cookie("brk_lang", lang)
    url = f"/staff/lighting/lights/{light.code}"
    response = client.submit(url, {"status": "working", "note": "Lampe et amorceur remplacés"})
    assert response.status_code == 303
    db.session.expire_all()
    light = db.session.get(LightPoint, light.id)
    assert light.status == "working" and light.last_maintenance_at is not None
    [entry] = light.history
    assert (entry.kind, entry.status_before, entry.status_after) == ("status_set", "out", "working")
    text = page_text(client.get(url))
    assert "Lampe et amorceur remplacés" in text and tr(lang, "State changed") in text


def test_a_bad_state_is_refused_and_nothing_is_recorded(client, db, login_as, lighting_department):
    light = make_light(db.session, status="out")
    login_as(Role.AGENT, department=lighting_department)
    response = client.submit(f"/staff/lighting/lights/{light.code}", {"status": "on_fire"})
    assert response.status_code == 400
    db.session.expire_all()
    assert db.session.get(LightPoint, light.id).history == []


def test_staff_of_other_departments_read_a_light_but_cannot_record_visits(client, db, login_as, lighting_department):
    light = make_light(db.session, status="out")
    login_as(Role.AGENT)
    url = f"/staff/lighting/lights/{light.code}"
    page = client.get(url)
    assert page.status_code == 200 and 'name="status"' not in page.get_data(as_text=True)
    assert client.submit(url, {"status": "working"}, form_url="/staff/lighting").status_code == 403
    db.session.expire_all()
    assert db.session.get(LightPoint, light.id).status == "out"


def test_an_unknown_light_is_not_found(client, db, login_as):
    login_as(Role.ADMIN)
    assert client.get("/staff/lighting/lights/NOPE-1").status_code == 404


@pytest.mark.parametrize("lang", ["ar", "fr"])
def test_a_lighting_agent_sets_a_cabinets_dimming_and_records_its_meter(
    client, db, login_as, lighting_department, lang
):
    box = cabinet(db)
    make_light(db.session, power_w=100, cabinet_id=box.id)
    login_as(Role.AGENT, department=lighting_department)
    client.set_cookie("brk_lang", lang)
    url = f"/staff/lighting/cabinets/{box.code}"
    steps = {"dimming-steps-0-start": "00:00", "dimming-steps-0-end": "05:00", "dimming-steps-0-level": "50"}
    assert client.submit(url, steps | {"dimming-submit": "1"}).status_code == 303
    for day, index in (("2026-01-01T12:00", "100"), ("2026-02-01T12:00", "160")):
        response = client.submit(url, {"reading-read_at": day, "reading-index_kwh": index, "reading-submit": "1"})
        assert response.status_code == 303
    db.session.expire_all()
    saved = db.session.get(Cabinet, box.id)
    assert saved.dimming == [{"start": "00:00", "end": "05:00", "level": 0.5}]
    assert [float(r.index_kwh) for r in saved.readings] == [100, 160]
    text = page_text(client.get(url))
    assert "60" in text and tr(lang, "Meter readings") in text

    response = client.submit(
        url, {"reading-read_at": "2026-03-01T12:00", "reading-index_kwh": "90", "reading-submit": "1"}
    )
    assert response.status_code == 400
    message = tr(lang, "This index is lower than an earlier reading (or higher than a later one).")
    assert message in page_text(response)
    db.session.expire_all()
    assert len(db.session.get(Cabinet, box.id).readings) == 2
