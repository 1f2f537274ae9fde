"""A department's queue: each filter, the search, the sort orders, the pages and the counts at the top."""

from datetime import timedelta

import pytest

from services.casework import actions, queue
from services.casework.queue import DUE_SOON, QueueFilter
from services.db import utcnow
from services.requests import privacy
from services.workflow.states import Status
from tests.factories import PASSWORD, make_district, make_user
from tests.services.casework.support import make_office

NOW = utcnow().replace(microsecond=0)


@pytest.fixture
def world(db):
    s = db.session
    north = make_district(s, bounds=(-2.33, 34.91, -2.31, 34.93))
    south = make_district(s, bounds=(-2.33, 34.89, -2.31, 34.91))
    office = make_office(s)
    return north, south, office


DEFAULT = QueueFilter()


def ids(db, office, f: QueueFilter = DEFAULT, *, user=None, **kw) -> list[int]:
    page = queue.department_queue(
        db.session, office.department.id, f, user_id=(user or office.agent).id, now=kw.pop("now", NOW), **kw
    )
    return [r.id for r in page.items]


def test_the_queue_shows_open_requests_and_the_status_filter_shows_the_others(db, store, world):
    _north, _south, office = world
    s = db.session
    new, rejected, resolved = (office.report(s, store) for _ in range(3))
    actions.reject(s, rejected, user=office.agent, reason="Hors de la commune")
    actions.transition(s, resolved, "acknowledge", user=office.agent)
    actions.transition(s, resolved, "start", user=office.agent)
    actions.resolve(s, resolved, user=office.agent, note=None, photos=[], store=store)
    assert ids(db, office) == [new.id]
    assert ids(db, office, QueueFilter(status="open")) == [new.id]
    assert sorted(ids(db, office, QueueFilter(status="all"))) == sorted([new.id, rejected.id, resolved.id])
    assert ids(db, office, QueueFilter(status="rejected")) == [rejected.id]
    assert ids(db, office, QueueFilter(status="resolved")) == [resolved.id]
    assert ids(db, office, QueueFilter(status="nonsense")) == []


def test_unconfirmed_requests_and_other_departments_requests_never_appear(db, store, world):
    _north, _south, office = world
    s = db.session
    mine = office.report(s, store, text="Lampe éteinte")
    office.report(s, store, text="Lampe éteinte", contact_email="voisin@example.org")  # not confirmed
    elsewhere = make_office(s)
    theirs = elsewhere.report(s, store, text="Lampe éteinte")
    for f in (
        QueueFilter(),
        QueueFilter(status="all"),
        QueueFilter(status="pending_confirmation"),
        QueueFilter(status="all", q="eteinte"),
        QueueFilter(status="all", q=theirs.tracking_number),
        QueueFilter(status="all", service_id=elsewhere.service.id),
        QueueFilter(status="all", assigned="unassigned"),
    ):
        assert set(ids(db, office, f)) <= {mine.id}, f
    assert ids(db, elsewhere, QueueFilter(status="all")) == [theirs.id]
    counts = queue.counts(s, office.department.id, user_id=office.agent.id, now=NOW)
    assert (counts.open, counts.unassigned) == (1, 1)


def test_the_service_filter(db, store, world):
    _north, _south, office = world
    s = db.session
    lamps = office.report(s, store)
    holes = make_office(s, department=office.department)
    hole = holes.report(s, store)
    assert ids(db, office, QueueFilter(service_id=office.service.id)) == [lamps.id]
    assert ids(db, office, QueueFilter(service_id=holes.service.id)) == [hole.id]
    assert sorted(ids(db, office, QueueFilter())) == sorted([lamps.id, hole.id])


def test_the_district_filter_uses_the_polygon_for_a_point_and_the_declared_district_without_one(db, store, world):
    north, south, office = world
    s = db.session
    in_north = office.report(s, store, lat="34.9200", lon="-2.3200")
    in_south = office.report(s, store, lat="34.9000", lon="-2.3200")
    declared_south = office.report(s, store, lat=None, lon=None, district=south.id)
    assert (in_north.district_id, in_south.district_id, declared_south.district_id) == (north.id, south.id, south.id)
    assert declared_south.location is None
    # Test set-up: a declared district that disagrees with the point (edited by hand): the point wins.
    in_north.district_id = south.id
    s.flush()
    assert ids(db, office, QueueFilter(district_id=north.id)) == [in_north.id]
    assert sorted(ids(db, office, QueueFilter(district_id=south.id))) == sorted([in_south.id, declared_south.id])


def test_the_assignment_filter(db, store, world):
    _north, _south, office = world
    s = db.session
    mine, colleagues, nobodys = (office.report(s, store) for _ in range(3))
    colleague = make_user(s, "agent", department=office.department)
    actions.assign(s, mine, office.agent.id, user=office.agent)
    actions.assign(s, colleagues, colleague.id, user=office.supervisor)
    assert ids(db, office, QueueFilter(assigned="me")) == [mine.id]
    assert ids(db, office, QueueFilter(assigned="me"), user=colleague) == [colleagues.id]
    assert ids(db, office, QueueFilter(assigned="unassigned")) == [nobodys.id]
    assert len(ids(db, office, QueueFilter(assigned="whatever"))) == 3


def test_overdue_and_due_soon_split_at_the_deadline_and_48_hours_later(db, store, world):
    _north, _south, office = world
    s = db.session
    deadlines = {
        "long overdue": NOW - timedelta(days=30),
        "just overdue": NOW - timedelta(microseconds=1),
        "due now": NOW,
        "due just inside 48 h": NOW + DUE_SOON - timedelta(microseconds=1),
        "due at 48 h": NOW + DUE_SOON,
        "due later": NOW + timedelta(days=10),
    }
    made = {}
    for name, deadline in deadlines.items():
        made[name] = office.report(s, store)
        made[name].deadline_at = deadline  # test set-up: deadlines relative to a fixed now
    decided = office.report(s, store)
    actions.reject(s, decided, user=office.agent, reason="Hors de la commune")
    decided.deadline_at = NOW - timedelta(days=3)  # late, but answered: not overdue
    s.flush()

    def names(due, status="open"):
        found = set(ids(db, office, QueueFilter(due=due, status=status)))
        return {name for name, r in made.items() if r.id in found} | ({"decided"} if decided.id in found else set())

    assert names("overdue") == names("overdue", status="all") == {"long overdue", "just overdue"}
    assert names("soon") == names("soon", status="all") == {"due now", "due just inside 48 h"}
    assert names(None) == set(deadlines)
    counts = queue.counts(s, office.department.id, user_id=office.agent.id, now=NOW)
    assert (counts.open, counts.overdue, counts.due_soon) == (6, 2, 2)


def test_search_by_tracking_number_typed_loosely(db, store, world):
    _north, _south, office = world
    s = db.session
    wanted, _other = office.report(s, store), office.report(s, store)
    number = wanted.tracking_number  # BRK-2026-000123-4
    year, sequence, check = number.split("-")[1:]
    for typed in (number, number.lower(), f" brk {year} {sequence} {check} ", f"BRK{year}{sequence}{check}"):
        assert ids(db, office, QueueFilter(q=typed)) == [wanted.id], typed
    assert ids(db, office, QueueFilter(q=sequence)) == [wanted.id]  # part of the number


@pytest.mark.parametrize(
    ("name", "typed"),
    [
        ("Fatima Zahra Alaoui", "alaoui"),
        ("Fatima Zahra Alaoui", "ZAHRA alaoui"),
        ("Aïcha Hélène Benali", "Hélène"),
        ("Aïcha Hélène Benali", "helene"),
        ("Aïcha Hélène Benali", "AICHA"),
        ("أحمد الإدريسي", "أحمد"),
        ("أحمد الإدريسي", "احمد الادريسي"),
    ],
)
def test_search_by_the_citizens_name(db, store, world, name, typed):
    _north, _south, office = world
    s = db.session
    wanted = office.report(s, store, user=make_user(s, full_name=name))
    office.report(s, store, user=make_user(s, full_name="Youssef Berrada"))
    assert ids(db, office, QueueFilter(q=typed)) == [wanted.id]


def test_an_erased_citizens_name_no_longer_finds_their_requests(db, store, world):
    _north, _south, office = world
    s = db.session
    citizen = make_user(s, full_name="Aïcha Benali")
    request = office.report(s, store, user=citizen)
    assert ids(db, office, QueueFilter(q="aicha")) == [request.id]
    privacy.delete_account(s, citizen, password=PASSWORD)
    assert ids(db, office, QueueFilter(q="aicha")) == []
    assert ids(db, office, QueueFilter(q="benali")) == []
    assert ids(db, office, QueueFilter(q=request.tracking_number)) == [request.id]


@pytest.mark.parametrize(
    ("text", "typed"),
    [
        ("Lampe éteinte près de l'école", "eteinte"),
        ("Lampe éteinte près de l'école", "ÉCOLE pres"),
        ("Lampe éteinte près de l'école", "Eteinte   ECOLE"),
        ("الإنارةُ العموميّةُ معطّلةٌ قرب المدرسة", "معطلة"),
        ("الإنارةُ العموميّةُ معطّلةٌ قرب المدرسة", "الانارة"),
        ("الإنارةُ العموميّةُ معطّلةٌ قرب المدرسة", "الأنارة العمومية"),
        ("الإنارة العمومية معطلة", "الإنارةُ"),
    ],
)
def test_search_in_french_without_accents_and_in_arabic_without_diacritics_or_with_another_alef(
    db, store, world, text, typed
):
    _north, _south, office = world
    s = db.session
    wanted = office.report(s, store, text=text)
    office.report(s, store, text="Nid de poule avenue Mohammed V / حفرة في الطريق")
    assert ids(db, office, QueueFilter(q=typed)) == [wanted.id]


def test_every_search_term_must_match_and_wildcards_are_plain_characters(db, store, world):
    _north, _south, office = world
    s = db.session
    office.report(s, store, text="Lampe éteinte")
    office.report(s, store, text="Remise à 100_%")
    assert ids(db, office, QueueFilter(q="eteinte inconnu")) == []
    assert len(ids(db, office, QueueFilter(q="%"))) == 1
    assert len(ids(db, office, QueueFilter(q="_"))) == 1
    assert len(ids(db, office, QueueFilter(q="   "))) == 2


def test_sort_orders(db, store, world):
    _north, _south, office = world
    s = db.session
    a, b, c = (office.report(s, store, now=NOW - timedelta(days=d)) for d in (3, 2, 1))
    # Test set-up: deadlines in another order than filing, and updates in a third.
    a.deadline_at, b.deadline_at, c.deadline_at = (
        NOW + timedelta(days=2),
        NOW + timedelta(days=1),
        NOW + timedelta(days=3),
    )
    s.flush()
    a.updated_at, b.updated_at, c.updated_at = NOW, NOW - timedelta(hours=2), NOW - timedelta(hours=1)
    s.flush()
    assert ids(db, office, QueueFilter(sort="deadline")) == [b.id, a.id, c.id]
    assert ids(db, office, QueueFilter(sort="filed")) == [c.id, b.id, a.id]
    assert ids(db, office, QueueFilter(sort="updated")) == [a.id, c.id, b.id]
    assert ids(db, office, QueueFilter(sort="nonsense")) == [b.id, a.id, c.id]


def test_pages_are_bounded(db, store, world):
    _north, _south, office = world
    s = db.session
    made = [office.report(s, store, now=NOW - timedelta(minutes=m)) for m in range(5)]
    newest_first = [r.id for r in made]
    f = QueueFilter(sort="filed")

    def page(n):
        p = queue.department_queue(s, office.department.id, f, user_id=office.agent.id, page=n, per_page=2, now=NOW)
        return p.page, p.pages, p.total, [r.id for r in p.items]

    assert page(1) == (1, 3, 5, newest_first[:2])
    assert page(2) == (2, 3, 5, newest_first[2:4])
    assert page(3) == (3, 3, 5, newest_first[4:])
    assert page(0) == page(-4) == page(1)
    assert page(4) == page(99) == page(3)
    empty = queue.department_queue(s, make_office(s).department.id, f, user_id=office.agent.id, page=7, now=NOW)
    assert (empty.page, empty.pages, empty.total, empty.items) == (1, 1, 0, [])


def test_counts_at_the_top_of_the_queue(db, store, world):
    _north, _south, office = world
    s = db.session
    late_mine, soon, later, decided = (office.report(s, store) for _ in range(4))
    office.report(s, store, contact_email="voisin@example.org")  # unconfirmed: not counted
    make_office(s).report(s, store)  # another department: not counted
    actions.assign(s, late_mine, office.agent.id, user=office.agent)
    actions.reject(s, decided, user=office.agent, reason="Hors de la commune")
    late_mine.deadline_at = decided.deadline_at = NOW - timedelta(days=1)  # test set-up
    soon.deadline_at, later.deadline_at = NOW + timedelta(hours=47), NOW + timedelta(hours=49)
    s.flush()
    counts = queue.counts(s, office.department.id, user_id=office.agent.id, now=NOW)
    assert counts == queue.QueueCounts(open=3, unassigned=2, mine=1, overdue=1, due_soon=1)
    assert counts.open == len(ids(db, office))
    assert counts.overdue == len(ids(db, office, QueueFilter(due="overdue")))
    assert counts.due_soon == len(ids(db, office, QueueFilter(due="soon")))
    assert counts.mine == len(ids(db, office, QueueFilter(assigned="me")))
    assert counts.unassigned == len(ids(db, office, QueueFilter(assigned="unassigned")))
    assert decided.status == Status.REJECTED
