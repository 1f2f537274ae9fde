"""Every dashboard figure against a direct computation on the requests, on a history built through the workflow."""

import math
from collections import Counter
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from services.accounts.models import Role
from services.casework import actions
from services.clock import local
from services.db import as_utc
from services.requests import service as filing
from services.requests.models import ServiceRequest
from services.stats import figures, summary
from services.stats.scope import Period, Scope
from services.workflow import transitions
from services.workflow.states import OPEN_STATES, Status
from services.workflow.transitions import Actor
from tests.factories import make_district, make_request, make_user
from tests.services.casework.support import make_office

T0 = datetime(2026, 9, 1, 8, 0, tzinfo=UTC)
SEPTEMBER = Period(date(2026, 9, 1), date(2026, 9, 30))
NOW = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)


def at(days: float, hours: float = 0) -> datetime:
    return T0 + timedelta(days=days, hours=hours)


@pytest.fixture
def history(db, store):
    """Two departments, two districts and a month of requests going every way the workflow allows."""
    s = db.session
    west = make_district(s, bounds=(-2.35, 34.91, -2.33, 34.93), population=20_000)
    east = make_district(s, bounds=(-2.33, 34.91, -2.31, 34.93), population=5_000)
    lights = make_office(s)
    roads = make_office(s)
    papers = make_office(s, place=False)
    second_agent = make_user(s, Role.AGENT, department=lights.department)
    in_west, in_east = {"lon": -2.34}, {"lon": -2.32}

    def move(req, *names, when, user=None, note="Motif"):
        for n, name in enumerate(names):
            actor = Actor.SUPERVISOR if name == "merge" else Actor.AGENT
            who = user or (lights.agent if req.department_id == lights.department.id else roads.agent)
            transitions.apply(s, req, name, actor=actor, user=who, note=note, now=when + timedelta(minutes=n))
        s.flush()

    r = {}
    r["fixed"] = lights.report(s, store, now=at(1), **in_west)
    move(r["fixed"], "acknowledge", "start", "resolve", when=at(3, 7))
    move(r["fixed"], "close", when=at(4))
    filing.rate(s, r["fixed"], user=r["fixed"].citizen, proven_filer=False, rating=5, comment=None, now=at(5))
    r["slow"] = lights.report(s, store, now=at(2), **in_west)
    move(r["slow"], "acknowledge", "start", when=at(2, 3), user=second_agent)
    r["copy"] = lights.report(s, store, now=at(6), **in_west)
    transitions.apply(s, r["copy"], "merge", actor=Actor.SUPERVISOR, user=lights.supervisor, now=at(7))
    move(r["slow"], "resolve", when=at(25), user=second_agent)  # past the 10 working days
    filing.rate(s, r["slow"], user=r["slow"].citizen, proven_filer=False, rating=2, comment=None, now=at(26))
    r["refused"] = lights.report(s, store, now=at(4), **in_east)
    move(r["refused"], "reject", when=at(5))
    r["nothing"] = roads.report(s, store, now=at(5), **in_east)
    move(r["nothing"], "acknowledge", "close_without_action", when=at(7))
    r["waiting"] = roads.report(s, store, now=at(9), **in_west)
    move(r["waiting"], "acknowledge", when=at(9, 2))
    # Filed at 23:30 UTC on 31 August: 00:30 on 1 September in Berkane (UTC+1 then).
    r["midnight"] = roads.report(s, store, now=at(-1, 15.5), **in_east)
    move(r["midnight"], "acknowledge", "start", "resolve", when=at(31))  # handled in October
    r["nowhere"] = make_request(s, store, service=papers.service, now=at(14))  # no place asked: no district
    r["unconfirmed"] = lights.report(s, store, now=at(3), user=None, contact_email="anon@example.org", **in_west)
    r["reopened"] = lights.report(s, store, now=at(19), **in_east)
    move(r["reopened"], "acknowledge", "start", "resolve", when=at(20))
    transitions.apply(
        s, r["reopened"], "reopen", actor=Actor.CITIZEN, user=r["reopened"].citizen, note="Non", now=at(21)
    )
    move(r["reopened"], "resolve", when=at(23, 5))
    s.flush()
    return {"lights": lights, "roads": roads, "west": west, "east": east, "requests": r, "agent2": second_agent}


# --------------------------------------------------------------------------- direct computations


def _requests(session):
    return [r for r in session.scalars(select(ServiceRequest)) if r.status != Status.PENDING_CONFIRMATION]


def _in(scope: Scope, moment) -> bool:
    return moment is not None and scope.period.contains(local(as_utc(moment)).date())


def _scoped(session, scope: Scope):
    return [
        r
        for r in _requests(session)
        if scope.district_id in (None, r.district_id) and scope.department_id in (None, r.department_id)
    ]


def direct_flow(session, scope: Scope, group=lambda r: None) -> dict:
    result: dict = {}
    for r in _scoped(session, scope):
        row = result.setdefault(group(r), Counter())
        if _in(scope, r.filed_at):
            row["received"] += 1
        if r.outcome and _in(scope, r.handled_at):
            row[r.outcome] += 1
            if r.outcome != "duplicate" and as_utc(r.handled_at) <= as_utc(r.deadline_at):
                row["answered_on_time"] += 1
            if r.rating:
                row["rated"] += 1
                row["rating_sum"] += r.rating
    return {k: v for k, v in result.items() if +v}


def direct_delays(session, scope: Scope, group=lambda r: None) -> dict:
    result: dict = {}
    for r in _scoped(session, scope):
        if r.outcome == "resolved" and _in(scope, r.handled_at):
            hours = math.floor((as_utc(r.handled_at) - as_utc(r.filed_at)).total_seconds() / 3600)
            result.setdefault(group(r), []).append(hours)
    return {k: sorted(v) for k, v in result.items()}


def direct_workload(session, scope: Scope) -> dict:
    result: dict = {}
    for r in _scoped(session, scope):
        if r.outcome and r.handled_by_id and _in(scope, r.handled_at):
            result.setdefault(r.handled_by_id, Counter())[r.outcome] += 1
    return result


def percentile_disc(values: list[int], p: float) -> int | None:
    return values[math.ceil(p * len(values)) - 1] if values else None


def direct_backlog(session, scope: Scope, now: datetime) -> list[ServiceRequest]:
    end = min(scope.period.bounds()[1].astimezone(UTC), now)
    return [
        r
        for r in _scoped(session, scope)
        if as_utc(r.filed_at) < end
        and (r.status_enum in OPEN_STATES or (r.handled_at is not None and as_utc(r.handled_at) >= end))
    ]


def as_counter(flow: figures.Flow) -> Counter:
    return +Counter({name: getattr(flow, name) for name in summary.COUNTERS})


def assert_all_figures_exact(session, scope: Scope, now: datetime = NOW) -> None:
    assert summary.drift(session) == []
    assert {None: as_counter(figures.flows(session, scope)[None])} == (direct_flow(session, scope) or {None: Counter()})
    for by, group in (
        ("service", lambda r: r.service_id),
        ("department", lambda r: r.department_id),
        ("district", lambda r: r.district_id or 0),
        ("day", lambda r: None),
    ):
        if by == "day":
            total = Counter()
            for flow in figures.flows(session, scope, "day").values():
                total.update(as_counter(flow))
            assert +total == direct_flow(session, scope).get(None, Counter())
            continue
        got = {k: as_counter(v) for k, v in figures.flows(session, scope, by).items() if as_counter(v)}
        assert got == direct_flow(session, scope, group), by
    delays = figures.delays(session, scope)
    for kind, group in (
        ("all", lambda r: None),
        ("service", lambda r: r.service_id),
        ("department", lambda r: r.department_id),
    ):
        expected = {
            key: (len(hours), percentile_disc(hours, 0.5), percentile_disc(hours, 0.9))
            for key, hours in direct_delays(session, scope, group).items()
        }
        assert {key: (d.count, d.median, d.p90) for key, d in delays[kind].items() if d.count} == expected, kind
    loads = figures.workload(session, scope)
    assert {user: +load.handled for user, load in loads.items() if +load.handled} == direct_workload(session, scope)
    waiting = direct_backlog(session, scope, now)
    got = figures.backlog(session, scope, now=now)
    assert sum(b.open for b in got.values()) == len(waiting)
    end = figures.reference_time(scope, now)
    assert sum(b.overdue for b in got.values()) == sum(as_utc(r.deadline_at) < end for r in waiting)
    ages = Counter(min(3, sum((end - as_utc(r.filed_at)) > timedelta(days=d) for d in (7, 30, 90))) for r in waiting)
    total_ages = [sum(b.ages[i] for b in got.values()) for i in range(4)]
    assert total_ages == [ages[i] for i in range(4)]


# --------------------------------------------------------------------------- the tests


def test_a_month_of_requests_gives_the_figures_counted_by_hand(db, history):
    s, r = db.session, history["requests"]
    month = figures.flows(s, Scope(SEPTEMBER))[None]
    # Received in September (local days): all but the unconfirmed one.
    assert month.received == 9
    assert (month.resolved, month.rejected, month.no_action, month.duplicate) == (3, 1, 1, 1)
    # Answered on time: the quick fix, the refusal, the closure and the reopened one; the slow fix is late.
    assert month.answered_on_time == 4
    assert (month.rated, month.rating_sum) == (2, 7)
    assert month.satisfaction == 3.5
    # Closing a resolved request counts nothing more; closing without action never counts as resolved.
    assert r["fixed"].outcome == "resolved" and r["nothing"].outcome == "no_action"
    delays = figures.delays(s, Scope(SEPTEMBER))["all"][None]
    # Whole hours from filing to resolution: 2 Sep 08:00 -> 4 Sep 15:02, 3 -> 26 Sep, 20 Sep 08:00 -> 24 Sep 13:00.
    # 55, 101 and 552 hours: the median is the second, the 90th percentile the third.
    assert (delays.count, delays.median, delays.p90) == (3, 101, 552)
    # The request filed at 00:30 local time on 1 September is September's; it was still waiting at the end.
    first = figures.flows(s, Scope(Period(date(2026, 9, 1), date(2026, 9, 1))))[None]
    assert first.received == 1
    waiting = figures.backlog(s, Scope(SEPTEMBER), now=NOW)
    assert sum(b.open for b in waiting.values()) == 3  # waiting, midnight (handled in October), nowhere


@pytest.mark.parametrize("which", ["commune", "west", "east", "lights", "roads", "west-roads"])
def test_every_figure_matches_a_direct_computation_in_every_scope(db, history, which):
    district = {"west": history["west"].id, "east": history["east"].id, "west-roads": history["west"].id}.get(which)
    department = {"lights": history["lights"], "roads": history["roads"], "west-roads": history["roads"]}.get(which)
    for period in (
        SEPTEMBER,  # a whole month: from the monthly summaries
        Period(date(2026, 8, 1), date(2026, 11, 20)),  # whole months, then days
        Period(date(2026, 10, 1), date(2026, 10, 31)),
        Period(date(2026, 8, 31), date(2026, 10, 1)),  # a day, a whole month, a day
        Period(date(2026, 9, 2), date(2026, 9, 25)),  # days within a month
        Period(date(2026, 9, 20), date(2026, 10, 8)),  # days across a month's end
    ):
        assert_all_figures_exact(db.session, Scope(period, district, department.department.id if department else None))


def test_the_figures_stay_exact_right_after_new_requests_and_moves(db, store, history):
    s, lights, roads = db.session, history["lights"], history["roads"]
    scope = Scope(Period(date(2026, 8, 1), date(2026, 11, 30)))
    before = figures.flows(s, scope)[None]
    new = lights.report(s, store, now=at(70), lon=-2.34)
    after = figures.flows(s, scope)[None]
    assert after.received == before.received + 1
    assert_all_figures_exact(s, scope)
    transitions.apply(s, new, "acknowledge", actor=Actor.AGENT, user=lights.agent, now=at(70, 1))
    transitions.apply(s, new, "close_without_action", actor=Actor.AGENT, user=lights.agent, note="Rien", now=at(71))
    s.flush()
    assert figures.flows(s, scope)[None].no_action == before.no_action + 1
    assert_all_figures_exact(s, scope)
    # Sent to another department, the request's figures move with it.
    moved = lights.report(s, store, now=at(72), lon=-2.32)
    actions.reroute(s, moved, roads.department.id, user=lights.supervisor, reason="Voirie", tell_citizen=False)
    s.flush()
    assert_all_figures_exact(s, Scope(scope.period, department_id=roads.department.id))
    assert_all_figures_exact(s, Scope(scope.period, department_id=lights.department.id))
    # An unconfirmed request counts from the moment its email is confirmed.
    unconfirmed = history["requests"]["unconfirmed"]
    transitions.apply(s, unconfirmed, "confirm", actor=Actor.SYSTEM, now=at(3, 1))
    s.flush()
    assert figures.flows(s, scope)[None].received == after.received + 2
    assert_all_figures_exact(s, scope)


def test_a_rolled_back_change_leaves_the_summary_as_it_was(db, store, history):
    s, lights = db.session, history["lights"]
    s.commit()
    scope = Scope(Period(date(2026, 8, 1), date(2026, 11, 30)))
    before = as_counter(figures.flows(s, scope)[None])
    lights.report(s, store, now=at(40), lon=-2.34)
    assert as_counter(figures.flows(s, scope)[None])["received"] == before["received"] + 1
    s.rollback()
    assert as_counter(figures.flows(s, scope)[None]) == before
    assert summary.drift(s) == []


def test_a_rebuild_gives_back_the_summary_kept_along_the_way(db, history):
    s = db.session
    scope = Scope(Period(date(2026, 8, 1), date(2026, 11, 30)))
    kept = {k: as_counter(v) for k, v in figures.flows(s, scope, "service").items()}
    summary.rebuild(s)
    assert {k: as_counter(v) for k, v in figures.flows(s, scope, "service").items()} == kept
    assert summary.drift(s) == []


def test_workload_counts_each_agents_decisions_and_open_assignments(db, history):
    s, lights = db.session, history["lights"]
    loads = figures.workload(s, Scope(SEPTEMBER))
    assert loads[history["agent2"].id].handled == Counter({"resolved": 1})
    assert loads[lights.agent.id].handled == Counter({"resolved": 2, "rejected": 1})
    assert loads[lights.supervisor.id].handled == Counter({"duplicate": 1})


def test_weeks_start_on_monday_and_keep_empty_weeks(db, history):
    weeks = figures.weeks(figures.flows(db.session, Scope(SEPTEMBER), "day").items(), SEPTEMBER.start, SEPTEMBER.end)
    assert [w.isoformat() for w, _ in weeks] == ["2026-08-31", "2026-09-07", "2026-09-14", "2026-09-21", "2026-09-28"]
    assert sum(f.received for _, f in weeks) == 9
