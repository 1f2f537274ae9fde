"""Keeps `stats_daily` exact: every flush that files, decides, moves or rates a request adds its difference.

A request contributes +1 `received` on the local day it was filed, and, once it has an outcome, +1 to that
outcome (and maybe to `answered_on_time` and the ratings) on the local day it was handled. After each flush
the contribution of the request as it was is taken away and the one as it is now is added, by upserts that
serialise on the summary row, so concurrent transactions never lose a count and a rollback takes the
difference back with it. `rebuild` recomputes the whole table from the requests (after a bulk load), and
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
from services.stats.models import COUNTERS, DailyStat
from services.workflow.states import ANSWERED, Outcome, Status

# The request's columns the summary depends on, in the order of `Facts`.
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
)
Key = tuple[date, int, int, int]


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


def local_day(moment: datetime) -> date:
    return local(as_utc(moment)).date()


def contribution(facts: Facts | None) -> dict[Key, Counter]:
    """What one request adds to the summary, by row."""
    added: dict[Key, Counter] = defaultdict(Counter)
    # Filed without an account and not confirmed yet: not received (it may never be).
    if facts is None or facts.status == Status.PENDING_CONFIRMATION:
        return added
    where = (facts.department_id, facts.service_id, facts.district_id or 0)
    added[(local_day(facts.filed_at), *where)]["received"] += 1
    if facts.outcome is not None and facts.handled_at is not None:
        counts = added[(local_day(facts.handled_at), *where)]
        counts[facts.outcome] += 1
        if Outcome(facts.outcome) in ANSWERED and as_utc(facts.handled_at) <= as_utc(facts.deadline_at):
            counts["answered_on_time"] += 1
        if facts.rating is not None:
            counts["rated"] += 1
            counts["rating_sum"] += facts.rating
    return added


def _rows(changes: dict[Key, Counter]) -> list[dict]:
    rows = []
    for (day, department_id, service_id, district_key), counts in changes.items():
        if any(counts.values()):
            rows.append(
                {
                    "day": day,
                    "department_id": department_id,
                    "service_id": service_id,
                    "district_key": district_key,
                    **{name: counts.get(name, 0) for name in COUNTERS},
                }
            )
    return rows


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
    changes: dict[Key, Counter] = defaultdict(Counter)
    for collection, gone in ((session.new, False), (session.dirty, False), (session.deleted, True)):
        for obj in collection:
            if getattr(obj, "__tablename__", None) != "service_request":
                continue
            for key, counts in contribution(None if gone else _now(obj)).items():
                changes[key].update(counts)
            for key, counts in contribution(_before(obj)).items():
                changes[key].subtract(counts)
    rows = _rows(changes)
    if rows:
        add_to_counters(session.connection(), DailyStat.__table__, rows, COUNTERS)


event.listen(Session, "after_flush", _after_flush)


# --------------------------------------------------------------------------- rebuilding and checking


def _all_facts(session: Session) -> Iterable[Facts]:
    from services.requests.models import ServiceRequest

    columns = [getattr(ServiceRequest, name) for name in FIELDS]
    for row in session.execute(select(*columns).execution_options(yield_per=20_000)):
        yield Facts(*row)


def recompute(session: Session, progress: Callable[[int], None] | None = None) -> dict[Key, Counter]:
    """The summary as the requests say it should be, computed in Python with the same rules."""
    totals: dict[Key, Counter] = defaultdict(Counter)
    for n, facts in enumerate(_all_facts(session), 1):
        for key, counts in contribution(facts).items():
            totals[key].update(counts)
        if progress and n % 50_000 == 0:
            progress(n)
    return totals


def rebuild(session: Session, progress: Callable[[int], None] | None = None) -> int:
    """Replace the whole summary by a recomputation; returns the number of rows written."""
    rows = _rows(recompute(session, progress))
    session.execute(delete(DailyStat))
    connection = session.connection()
    for start in range(0, len(rows), 20_000):
        bulk_insert(connection, DailyStat.__table__, rows[start : start + 20_000])
    return len(rows)


def drift(session: Session) -> list[tuple[Key, dict, dict]]:
    """Every summary row that differs from a recomputation: (key, stored, expected); empty when exact."""
    expected = {
        (r["day"], r["department_id"], r["service_id"], r["district_key"]): {n: r[n] for n in COUNTERS}
        for r in _rows(recompute(session))
    }
    stored = {}
    for row in session.scalars(select(DailyStat)):
        counts = {n: getattr(row, n) for n in COUNTERS}
        if any(counts.values()):
            stored[(row.day, row.department_id, row.service_id, row.district_key)] = counts
    zero = dict.fromkeys(COUNTERS, 0)
    return [
        (key, stored.get(key, zero), expected.get(key, zero))
        for key in sorted(set(expected) | set(stored))
        if stored.get(key) != expected.get(key)
    ]
