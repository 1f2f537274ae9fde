"""Reports on a specific street light or container: found by code or by nearness, and the light's state follows."""

from datetime import timedelta

import pytest
from geoalchemy2.shape import to_shape
from sqlalchemy import select

from gis.lighting import upkeep
from gis.lighting.models import LightMaintenance
from services.casework import actions
from services.db import utcnow
from services.errors import Invalid
from services.notifications.models import OutboxMessage
from services.requests.models import ServiceRequest
from services.requests.service import confirm_contact
from services.workflow import transitions
from services.workflow.transitions import Actor
from tests.factories import make_container, make_district, make_light
from tests.services.casework.support import CENTRE, count, make_office

LAT, LON = CENTRE
# About 20 m and 60 m north of the centre (1 degree of latitude is about 111 km).
NEAR, FAR = 20 / 111_200, 60 / 111_200


@pytest.fixture
def lighting(db):
    make_district(db.session)
    return make_office(db.session, asset_layer="street_light")


def report(db, store, office, **kw):
    return office.report(db.session, store, **kw)


def test_a_report_clicked_near_a_light_is_about_that_light_and_sits_on_it(db, store, lighting):
    light = make_light(db.session, lon=LON, lat=LAT)
    make_light(db.session, lon=LON, lat=LAT + 2 * FAR)  # a neighbour further away
    request = report(db, store, lighting, lat=LAT + NEAR, lon=LON)
    assert request.asset_ref == light.code
    point = to_shape(request.location)
    assert (round(point.x, 6), round(point.y, 6)) == (LON, LAT)


def test_a_report_clicked_far_from_every_light_keeps_the_clicked_point(db, store, lighting):
    make_light(db.session, lon=LON, lat=LAT)
    request = report(db, store, lighting, lat=LAT + FAR, lon=LON)
    assert request.asset_ref is None
    assert round(to_shape(request.location).y, 6) == round(LAT + FAR, 6)


def test_a_report_only_snaps_to_assets_of_its_own_layer(db, store, lighting):
    make_container(db.session, lon=LON, lat=LAT)
    request = report(db, store, lighting, lat=LAT + NEAR, lon=LON)
    assert request.asset_ref is None


def test_the_code_printed_on_the_pole_finds_the_light_however_it_is_typed(db, store, lighting):
    make_light(db.session, code="BRK-L-000123", lon=LON + 0.001, lat=LAT)
    request = report(db, store, lighting, lat=None, lon=None, district="", asset=" brk-l-000 123 ")
    assert request.asset_ref == "BRK-L-000123"
    assert request.district_id is not None  # from the light's position: the citizen named no district
    assert round(to_shape(request.location).x, 6) == round(LON + 0.001, 6)


def test_an_unknown_code_is_refused_and_nothing_is_saved(db, store, lighting):
    make_light(db.session, code="BRK-L-000123")
    with pytest.raises(Invalid) as error:
        report(db, store, lighting, asset="BRK-L-999999")
    assert error.value.code == "asset_unknown"
    assert count(db.session, ServiceRequest) == 0


def test_a_report_on_a_working_light_shows_it_out_until_the_report_is_resolved(db, store, lighting):
    light = make_light(db.session, lon=LON, lat=LAT)
    request = report(db, store, lighting, lat=LAT, lon=LON)
    assert light.status == "out"
    agent = lighting.agent
    actions.transition(db.session, request, "acknowledge", user=agent)
    actions.assign(db.session, request, agent.id, user=agent)
    actions.transition(db.session, request, "start", user=agent)
    actions.resolve(db.session, request, user=agent, note="Lampe remplacée", photos=[], store=store)
    assert light.status == "working"
    assert light.last_maintenance_at is not None
    kinds = [(e.kind, e.status_before, e.status_after) for e in light.history]
    assert kinds == [("fault_reported", "working", "out"), ("repaired", "out", "working")]
    assert light.history[-1].fault_started_at == light.history[0].at


def start(db, office, request):
    actions.transition(db.session, request, "acknowledge", user=office.agent)
    actions.assign(db.session, request, office.agent.id, user=office.agent)
    actions.transition(db.session, request, "start", user=office.agent)


def test_the_light_stays_out_while_another_report_on_it_is_open(db, store, lighting):
    light = make_light(db.session, lon=LON, lat=LAT)
    first = report(db, store, lighting, lat=LAT, lon=LON)
    second = report(db, store, lighting, lat=LAT + NEAR, lon=LON)
    assert second.asset_ref == light.code
    start(db, lighting, first)
    actions.resolve(db.session, first, user=lighting.agent, note="Réparée", photos=[], store=store)
    assert light.status == "out"
    start(db, lighting, second)
    actions.resolve(db.session, second, user=lighting.agent, note="Réparée", photos=[], store=store)
    assert light.status == "working"


def test_a_merged_duplicate_leaves_the_light_out_under_its_master(db, store, lighting):
    light = make_light(db.session, lon=LON, lat=LAT)
    master = report(db, store, lighting, lat=LAT, lon=LON)
    duplicate = report(db, store, lighting, lat=LAT, lon=LON)
    actions.merge(db.session, duplicate, master, user=lighting.supervisor)
    assert duplicate.status == "duplicate"
    assert light.status == "out"


def test_a_dismissed_report_gives_the_light_back_the_state_it_had(db, store, lighting):
    light = make_light(db.session, lon=LON, lat=LAT, status="flickering")
    request = report(db, store, lighting, lat=LAT, lon=LON)
    assert light.status == "flickering"  # a known fault is not overwritten by a report
    actions.reject(db.session, request, user=lighting.agent, reason="Le point lumineux fonctionne normalement.")
    assert light.status == "flickering"
    light2 = make_light(db.session, lon=LON + 0.01, lat=LAT)
    other = report(db, store, lighting, lat=LAT, lon=LON + 0.01)
    assert light2.status == "out"
    actions.reject(db.session, other, user=lighting.agent, reason="Le point lumineux fonctionne normalement.")
    assert light2.status == "working"
    assert light2.history[-1].kind == "status_set"


def test_a_report_filed_without_an_account_marks_the_light_only_once_confirmed(db, store, lighting):
    light = make_light(db.session, lon=LON, lat=LAT)
    request = report(db, store, lighting, lat=LAT, lon=LON, user=None, contact_email="voisin@example.org")
    assert request.status == "pending_confirmation"
    assert light.status == "working"
    mail = db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "confirm_contact")).one()
    token = mail.context["path"].rsplit("/", 1)[1]  # the link the filer received
    confirm_contact(db.session, token)
    assert light.status == "out"


def test_reopening_a_resolved_report_shows_the_light_out_again(db, store, lighting):
    light = make_light(db.session, lon=LON, lat=LAT)
    request = report(db, store, lighting, lat=LAT, lon=LON)
    start(db, lighting, request)
    actions.resolve(db.session, request, user=lighting.agent, note="Réparée", photos=[], store=store)
    transitions.apply(
        db.session, request, "reopen", actor=Actor.CITIZEN, user=request.citizen, note="Toujours éteinte ce soir."
    )
    assert light.status == "out"


def test_mean_time_to_repair_is_counted_per_district_from_the_first_report(db):
    district = make_district(db.session)
    now = utcnow()
    for hours in (10, 30):
        light = make_light(db.session, district_id=district.id)
        upkeep.fault_reported(db.session, light.code, request_id=1, at=now - timedelta(hours=hours))
        upkeep.fault_reported(db.session, light.code, request_id=2, at=now - timedelta(hours=hours - 5))
        upkeep.reports_ended(db.session, light.code, request_id=2, repaired=True, at=now)
    [row] = [r for r in upkeep.mean_time_to_repair(db.session) if r.district is district]
    assert (row.repairs, round(row.mean_hours, 6)) == (2, 20.0)
    assert count(db.session, LightMaintenance, LightMaintenance.kind == "repaired") == 2
