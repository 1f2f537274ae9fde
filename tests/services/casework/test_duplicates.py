"""Duplicate candidates (same service, 50 m, 14 days, or the same asset) and merging a copy into its master."""

import math
from datetime import timedelta

import pytest
from sqlalchemy import select

from services.casework import actions, audit, duplicates
from services.db import as_utc, utcnow
from services.errors import Invalid
from services.notifications.models import OutboxMessage
from services.requests import service as requests
from services.workflow.states import Status
from tests.factories import make_district, make_request, make_service
from tests.services.casework.support import CENTRE, make_office, snapshot

# WGS84, as both PostGIS (geography) and SpatiaLite (ST_Distance(a, b, 1)) measure on it.
A = 6_378_137.0
F = 1 / 298.257223563
E2 = F * (2 - F)


def offset(lat: float, lon: float, *, north_m: float = 0.0, east_m: float = 0.0) -> tuple[float, float]:
    """The point `north_m` metres due north or `east_m` metres due east of (lat, lon) on the ellipsoid.

    Over tens of metres the meridian's and the parallel's radii of curvature are constant to a few parts in
    10^8 (micrometres here), and a short parallel arc is the geodesic to within far less than that.
    """
    phi = math.radians(lat)
    w = 1 - E2 * math.sin(phi) ** 2
    meridian = A * (1 - E2) / w**1.5  # metres per radian of latitude
    normal = A / math.sqrt(w)  # radius of the parallel circle, divided by cos(latitude)
    if north_m:
        # Use the radius at the middle of the step, found in two passes.
        middle = phi + north_m / meridian / 2
        meridian = A * (1 - E2) / (1 - E2 * math.sin(middle) ** 2) ** 1.5
        return lat + math.degrees(north_m / meridian), lon
    return lat, lon + math.degrees(east_m / (normal * math.cos(phi)))


@pytest.fixture
def office(db):
    make_district(db.session, bounds=(-2.33, 34.91, -2.31, 34.93))
    return make_office(db.session)


def found(db, request) -> dict[int, duplicates.Candidate]:
    return {c.request.id: c for c in duplicates.candidates(db.session, request)}


@pytest.mark.parametrize("direction", ["north_m", "east_m"])
def test_a_report_49_metres_away_is_a_candidate_and_one_51_metres_away_is_not(db, store, office, direction):
    here = office.report(db.session, store)
    lat, lon = offset(*CENTRE, **{direction: 49})
    near = office.report(db.session, store, lat=lat, lon=lon)
    lat, lon = offset(*CENTRE, **{direction: 51})
    far = office.report(db.session, store, lat=lat, lon=lon)
    candidates = found(db, here)
    assert set(candidates) == {near.id}
    assert candidates[near.id].distance_m == pytest.approx(49.0, abs=0.11)
    assert candidates[near.id].same_asset is False
    # The relation holds both ways: the near one finds this one, the far one finds nothing within 50 m of it
    # but the near one (2 m away).
    assert set(found(db, near)) == {here.id, far.id}
    assert set(found(db, far)) == {near.id}


def test_reports_filed_13_days_apart_are_candidates_and_15_days_apart_are_not(db, store, office):
    now = utcnow()
    here = office.report(db.session, store, now=now)
    earlier = office.report(db.session, store, now=now - timedelta(days=13))
    older = office.report(db.session, store, now=now - timedelta(days=15))
    later = office.report(db.session, store, now=now + timedelta(days=13))
    much_later = office.report(db.session, store, now=now + timedelta(days=15))
    assert as_utc(older.filed_at) == now - timedelta(days=15)
    assert set(found(db, here)) == {earlier.id, later.id}
    assert set(found(db, older)) == {earlier.id}
    assert set(found(db, much_later)) == {later.id}


def test_reports_of_another_service_are_not_candidates_even_on_the_same_spot(db, store, office):
    here = office.report(db.session, store)
    neighbour = make_office(db.session, department=office.department)  # same department, another e-service
    there = neighbour.report(db.session, store)
    assert found(db, here) == {}
    assert found(db, there) == {}


def test_closed_decided_merged_and_unconfirmed_reports_are_not_candidates(db, store, office):
    here = office.report(db.session, store)
    rejected = office.report(db.session, store)
    actions.reject(db.session, rejected, user=office.agent, reason="Hors de la commune")
    closed = office.report(db.session, store)
    for name in ("acknowledge", "start"):
        actions.transition(db.session, closed, name, user=office.agent)
    actions.resolve(db.session, closed, user=office.agent, note=None, photos=[], store=store)
    actions.transition(db.session, closed, "close", user=office.agent)
    master = office.report(db.session, store)
    copy = office.report(db.session, store)
    actions.merge(db.session, copy, master, user=office.supervisor)
    unconfirmed = office.report(db.session, store, contact_email="voisin@example.org")
    assert unconfirmed.status == Status.PENDING_CONFIRMATION
    assert set(found(db, here)) == {master.id}
    assert copy.status == Status.DUPLICATE and rejected.status == Status.REJECTED and closed.status == Status.CLOSED


def test_the_same_asset_matches_without_a_point(db, store):
    service = make_service(db.session, asset_layer="street_light")
    lamp = make_request(db.session, store, service=service)
    same = make_request(db.session, store, service=service)
    other_lamp = make_request(db.session, store, service=service)
    unmarked = make_request(db.session, store, service=service)
    # Test set-up: filing does not record which asset yet (the map picker will); the columns are set here.
    lamp.asset_ref, same.asset_ref, other_lamp.asset_ref = "SL-0042", "SL-0042", "SL-0043"
    db.session.flush()
    assert lamp.location is None and lamp.asset_layer == "street_light"
    [candidate] = duplicates.candidates(db.session, lamp)
    assert (candidate.request.id, candidate.distance_m, candidate.same_asset) == (same.id, None, True)
    assert duplicates.candidates(db.session, unmarked) == []  # no point and no asset: nothing to compare


def test_the_same_asset_and_a_nearby_point_both_count(db, store, office):
    here = office.report(db.session, store)
    far_on_the_same_lamp = office.report(db.session, store, lat=offset(*CENTRE, north_m=300)[0])
    here.asset_layer = far_on_the_same_lamp.asset_layer = "street_light"  # test set-up, as above
    here.asset_ref = far_on_the_same_lamp.asset_ref = "SL-0042"
    db.session.flush()
    [candidate] = duplicates.candidates(db.session, here)
    assert candidate.same_asset is True
    assert candidate.distance_m == pytest.approx(300, abs=0.5)


def test_a_merge_into_itself_into_a_duplicate_or_into_a_closed_request_is_refused(db, store, office):
    s, boss = db.session, office.supervisor
    first, second, third = (office.report(s, store) for _ in range(3))
    actions.merge(s, second, first, user=boss)

    def refused(duplicate, master):
        before = [snapshot(s, duplicate), snapshot(s, master)]
        with pytest.raises(Invalid) as error:
            actions.merge(s, duplicate, master, user=boss)
        assert [snapshot(s, duplicate), snapshot(s, master)] == before
        return error.value

    assert refused(third, third).code == "merge_into_itself"
    chained = refused(third, second)  # the master is itself a duplicate: no chains
    assert (chained.code, chained.params["number"]) == ("merge_master_closed", second.tracking_number)
    actions.reject(s, first, user=office.agent, reason="Hors de la commune")
    assert refused(third, first).code == "merge_master_closed"  # decided: only an open request is a master
    for name in ("acknowledge", "start"):
        actions.transition(s, third, name, user=office.agent)
    actions.resolve(s, third, user=office.agent, note=None, photos=[], store=store)
    assert refused(office.report(s, store), third).code == "merge_master_closed"
    neighbour = make_office(s, department=office.department)
    assert refused(neighbour.report(s, store), office.report(s, store)).code == "merge_other_service"


def test_a_request_others_were_merged_into_cannot_become_a_duplicate_itself(db, store, office):
    """Its followers would stop hearing anything: merge the other one into it instead."""
    s, boss = db.session, office.supervisor
    master, follower, other = (office.report(s, store) for _ in range(3))
    actions.merge(s, follower, master, user=boss)
    before = [snapshot(s, master), snapshot(s, other)]
    with pytest.raises(Invalid) as refused:
        actions.merge(s, master, other, user=boss)
    assert (refused.value.code, refused.value.params["number"]) == ("merge_has_duplicates", other.tracking_number)
    assert [snapshot(s, master), snapshot(s, other)] == before
    actions.merge(s, other, master, user=boss)
    assert {r.merged_into_id for r in (follower, other)} == {master.id}


def test_after_a_merge_the_duplicates_citizen_follows_the_masters_public_news(db, store, office):
    s = db.session
    master = office.report(s, store)
    copy = office.report(s, store, text="Même lampe")
    anonymous = office.report(s, store, contact_email="Voisin@Example.org", locale="ar")
    token_mail = s.scalars(select(OutboxMessage).where(OutboxMessage.kind == "confirm_contact")).one()
    requests.confirm_contact(s, token_mail.context["path"].rsplit("/", 1)[1])
    s.flush()
    for duplicate in (copy, anonymous):
        actions.merge(s, duplicate, master, user=office.supervisor)

    assert (copy.status, copy.merged_into_id, copy.assigned_to_id) == (Status.DUPLICATE, master.id, None)
    assert copy.closed_at is not None
    merge_mail = _mails(s, "status_changed")[-2]
    assert (merge_mail.recipient, merge_mail.context["master"]) == (copy.citizen.email, master.tracking_number)
    assert merge_mail.context["status"] == Status.DUPLICATE
    assert [e.action for e in master.events] == ["filed", "merged_in", "merged_in"]
    assert not any(e.is_public for e in master.events if e.action == "merged_in")

    already = len(_mails(s))
    actions.post_message(s, master, user=office.agent, body="Intervention prévue jeudi.")
    news = _mails(s)[already:]
    assert [(m.kind, m.recipient, m.locale) for m in news] == [
        ("message_posted", master.citizen.email, "fr"),
        ("message_posted", copy.citizen.email, "fr"),
        ("message_posted", "voisin@example.org", "ar"),
    ]
    assert "master" not in news[0].context
    for mail, reader in zip(news[1:], (copy, anonymous), strict=True):
        assert mail.context["master"] == master.tracking_number
        assert mail.context["tracking_number"] == reader.tracking_number  # the follower's own number
        assert mail.context["message"] == "Intervention prévue jeudi."

    # Internal notes and assignments stay internal: no email to anyone.
    already = len(_mails(s))
    actions.add_note(s, master, user=office.agent, body="Nacelle réservée")
    actions.assign(s, master, office.agent.id, user=office.agent)
    assert len(_mails(s)) == already
    # A status change of the master reaches the followers too.
    actions.transition(s, master, "start", user=office.agent)
    assert [m.recipient for m in _mails(s)[already:]] == [
        master.citizen.email,
        copy.citizen.email,
        "voisin@example.org",
    ]
    assert audit.discrepancies(copy) == [] and audit.discrepancies(master) == []


def _mails(session, kind=None):
    stmt = select(OutboxMessage).order_by(OutboxMessage.id)
    if kind:
        stmt = stmt.where(OutboxMessage.kind == kind)
    return list(session.scalars(stmt))
