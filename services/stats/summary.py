"""Keeps the statistics summaries exact: every flush that files, decides, moves or rates a request adds its difference.

The summaries (services.stats.models):
- `stats_daily`: a request contributes +1 `received` on the local day it was filed, and, once it has an outcome,
  +1 to that outcome (and maybe to `answered_on_time` and the ratings) on the local day it was handled;
- `stats_monthly`: the same, by local month, so that long periods read a few rows per month;
- `stats_resolution_hours`: a resolved request, +1 at its whole hours to resolution, in the month it was handled,
  in its district and in the whole commune;
- `stats_agent_monthly`: +1 to the outcome, for who decided it, in the month it was handled.

After each flush the contribution of the request as it was is taken away and the one as it is now is added, by
upserts that serialise on the summary row, so concurrent transactions never lose a count and a rollback takes
the difference back with it. `rebuild` recomputes every summary from the requests (after a bulk load), and
`drift` lists any row that differs from a recomputation (`flask stats check`).
"""

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import delete, event, inspect, select
from sqlalchemy.orm import Session

from gis.spatial import add_to_counters, bulk_insert
from services.clock import local
from services.db import as_utc
from services.stats.models import (
    AGENT_COUNTERS,
    COUNTERS,
    WHOLE_COMMUNE,
    AgentMonthly,
    DailyStat,
    MonthlyStat,
    ResolutionHours,
)
from services.workflow.states import ANSWERED, Outcome, Status

# The request's columns the summaries depend on, in the order of `Facts`.
FIELDS = (
    "status",
    "filed_at",
    "department_id",
    "service_id",
    "district_id",
    "outcome",
    "handled_at",
    "deadline_at",
    "rating",
    "hours_to_handle",
    "handled_by_id",
)

# Each summary and its counters; a row's key is its primary key's values, in column order.
SUMMARIES = {
    DailyStat: COUNTERS,
    MonthlyStat: COUNTERS,
    ResolutionHours: ("requests",),
    AgentMonthly: AGENT_COUNTERS,
}
Key = tuple
Changes = dict[type, dict[Key, Counter]]


@dataclass(frozen=True)
class Facts:
    status: str
    filed_at: datetime
    department_id: int
    service_id: int
    district_id: int | None
    outcome: str | None
    handled_at: datetime | None
    deadline_at: datetime
    rating: int | None
    hours_to_handle: int | None
    handled_by_id: int | None


def local_day(moment: datetime) -> date:
    return local(as_utc(moment)).date()


def _empty() -> Changes:
    return {model: defaultdict(Counter) for model in SUMMARIES}


def contribution(facts: Facts | None) -> Changes:
    """What one request adds to each summary, by row."""
    added = _empty()
    # Filed without an account and not confirmed yet: not received (it may never be).
    if facts is None or facts.status == Status.PENDING_CONFIRMATION:
        return added
    district_key = facts.district_id or 0
    where = (facts.department_id, facts.service_id, district_key)
    filed = local_day(facts.filed_at)
    added[DailyStat][(filed, *where)]["received"] += 1
    added[MonthlyStat][(filed.replace(day=1), *where)]["received"] += 1
    if facts.outcome is not None and facts.handled_at is not None:
        handled = local_day(facts.handled_at)
        month = handled.replace(day=1)
        counts = Counter({facts.outcome: 1})
        if Outcome(facts.outcome) in ANSWERED and as_utc(facts.handled_at) <= as_utc(facts.deadline_at):
            counts["answered_on_time"] += 1
        if facts.rating is not None:
            counts["rated"] += 1
            counts["rating_sum"] += facts.rating
        added[DailyStat][(handled, *where)].update(counts)
        added[MonthlyStat][(month, *where)].update(counts)
        if facts.outcome == Outcome.RESOLVED and facts.hours_to_handle is not None:
            for key in (district_key, WHOLE_COMMUNE):
                added[ResolutionHours][(key, month, *where[:2], facts.hours_to_handle)]["requests"] += 1
        if facts.handled_by_id is not None:
            added[AgentMonthly][(month, facts.handled_by_id, facts.department_id, district_key)][facts.outcome] += 1
    return added


def _merge(into: Changes, changes: Changes, sign: int = 1) -> None:
    for model, rows in changes.items():
        target = into[model]
        for key, counts in rows.items():
            if sign > 0:
                target[key].update(counts)
            else:
                target[key].subtract(counts)


def _key_columns(model: type) -> list[str]:
    return [column.name for column in model.__table__.primary_key.columns]


def _rows(model: type, changes: dict[Key, Counter]) -> list[dict]:
    keys, counters = _key_columns(model), SUMMARIES[model]
    return [
        {**dict(zip(keys, key, strict=True)), **{name: counts.get(name, 0) for name in counters}}
        for key, counts in changes.items()
        if any(counts.values())
    ]


# --------------------------------------------------------------------------- keeping it exact


def _before(obj) -> Facts | None:
    """The request as the database had it before this flush (None if it was not there)."""
    state = inspect(obj)
    if state.key is None or obj in state.session.new:
        return None
    values = []
    for name in FIELDS:
        history = state.attrs[name].history
        if history.added or history.deleted:
            # Changed in this flush: the old value, or None when there was none (these columns load their old
            # value before a change, `active_history`, so an empty `deleted` never hides a stored one).
            values.append(history.deleted[0] if history.deleted else None)
        elif history.unchanged:
            values.append(history.unchanged[0])
        else:
            values.append(getattr(obj, name))
    return Facts(*values)


def _now(obj) -> Facts:
    return Facts(*(getattr(obj, name) for name in FIELDS))


def _after_flush(session: Session, flush_context) -> None:
    changes = _empty()
    for collection, gone in ((session.new, False), (session.dirty, False), (session.deleted, True)):
        for obj in collection:
            if getattr(obj, "__tablename__", None) != "service_request":
                continue
            _merge(changes, contribution(None if gone else _now(obj)))
            _merge(changes, contribution(_before(obj)), sign=-1)
    connection = None
    for model, rows in changes.items():
        rows = _rows(model, rows)
        if rows:
            connection = connection or session.connection()
            add_to_counters(connection, model.__table__, rows, SUMMARIES[model])


event.listen(Session, "after_flush", _after_flush)


# --------------------------------------------------------------------------- rebuilding and checking


def _all_facts(session: Session) -> Iterable[Facts]:
    from services.requests.models import ServiceRequest

    columns = [getattr(ServiceRequest, name) for name in FIELDS]
    for row in session.execute(select(*columns).execution_options(yield_per=20_000)):
        yield Facts(*row)


def recompute(session: Session, progress: Callable[[int], None] | None = None) -> Changes:
    """Every summary as the requests say it should be, computed in Python with the same rules."""
    totals = _empty()
    for n, facts in enumerate(_all_facts(session), 1):
        _merge(totals, contribution(facts))
        if progress and n % 50_000 == 0:
            progress(n)
    return totals


def rebuild(session: Session, progress: Callable[[int], None] | None = None) -> dict[str, int]:
    """Replace every summary by a recomputation; returns the rows written, by table."""
    written = {}
    connection = session.connection()
    for model, changes in recompute(session, progress).items():
        rows = _rows(model, changes)
        session.execute(delete(model))
        for start in range(0, len(rows), 20_000):
            bulk_insert(connection, model.__table__, rows[start : start + 20_000])
        written[model.__tablename__] = len(rows)
    return written


def drift(session: Session) -> list[tuple[str, Key, dict, dict]]:
    """Every summary row that differs from a recomputation: (table, key, stored, expected); empty when exact."""
    found = []
    for model, changes in recompute(session).items():
        keys, counters = _key_columns(model), SUMMARIES[model]
        expected = {
            key: {n: counts.get(n, 0) for n in counters} for key, counts in changes.items() if any(counts.values())
        }
        stored = {}
        for row in session.scalars(select(model)):
            counts = {n: getattr(row, n) for n in counters}
            if any(counts.values()):
                stored[tuple(getattr(row, k) for k in keys)] = counts
        zero = dict.fromkeys(counters, 0)
        found += [
            (model.__tablename__, key, stored.get(key, zero), expected.get(key, zero))
            for key in sorted(set(expected) | set(stored))
            if stored.get(key) != expected.get(key)
        ]
    return found
