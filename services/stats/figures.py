"""Service statistics for a scope, from the summaries and the requests' index.

A period is read as its whole months from the monthly summaries and its other days from the daily summary
(counts) or the requests' covering index (times to resolution, agents' outcomes): the same rules, so the same
figures, in a few rows per month. The backlog comes from the requests themselves.

Definitions (the dashboard's notes say the same to its readers):
- received: requests filed in the period (confirmed ones: a request waiting for its email confirmation is not).
- resolved / rejected / closed without action / merged as duplicates: requests whose outcome was set in the
  period. Closing a resolved request is not counted again; closing without action is never "resolved".
- answered within the legal delay: resolved, rejected or closed without action no later than the deadline.
- time to resolution: whole hours from filing to resolution, for requests resolved in the period; the median
  and the 90th percentile are the lower ("discrete") ones: values that some request actually took.
- satisfaction: the mean of the 1-5 ratings given to requests handled in the period.
- backlog: requests received by the end of the period and not handled by then, as the records stand now.
"""

from collections import Counter, defaultdict
from collections.abc import Hashable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from fractions import Fraction

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from services.db import as_utc, utcnow
from services.requests.models import ServiceRequest
from services.stats.models import (
    AGENT_COUNTERS,
    COUNTERS,
    WHOLE_COMMUNE,
    AgentMonthly,
    DailyStat,
    MonthlyStat,
    ResolutionHours,
)
from services.stats.scope import Scope
from services.stats.tally import scope_filters, utc_bounds
from services.workflow.states import OPEN_STATES, Outcome, Status

AGE_BUCKETS = (7, 30, 90)  # backlog ages: up to a week, a month, a quarter, and older
_OPEN = [s.value for s in OPEN_STATES]


@dataclass
class Flow:
    """The summary's counters for one group."""

    received: int = 0
    resolved: int = 0
    rejected: int = 0
    no_action: int = 0
    duplicate: int = 0
    answered_on_time: int = 0
    rated: int = 0
    rating_sum: int = 0

    @property
    def answered(self) -> int:
        return self.resolved + self.rejected + self.no_action

    @property
    def on_time_share(self) -> float | None:
        return self.answered_on_time / self.answered if self.answered else None

    @property
    def satisfaction(self) -> float | None:
        return self.rating_sum / self.rated if self.rated else None

    def add(self, other: "Flow") -> None:
        for name in COUNTERS:
            setattr(self, name, getattr(self, name) + getattr(other, name))


# The percentiles of times to resolution the dashboard shows, as exact fractions.
MEDIAN = Fraction(1, 2)
P90 = Fraction(9, 10)


@dataclass(frozen=True)
class Delays:
    """Whole hours to resolution of a group's resolved requests: how many, and the lower ("discrete") median and
    90th percentile, the smallest value with at least that share of the requests at or below it."""

    count: int = 0
    median: int | None = None
    p90: int | None = None


def _summary_filters(scope: Scope, model: type, first: date, last: date, *, district_key: int | None = None) -> list:
    """The summary rows of `model` from `first` to `last` (days, or months as their first days) in the scope (or,
    given `district_key`, those rows of the scope's department)."""
    moment = model.day if model is DailyStat else model.month
    filters = [moment >= first, moment <= last]
    district_key = scope.district_id if district_key is None else district_key
    if district_key is not None:
        filters.append(model.district_key == district_key)
    if scope.department_id is not None:
        filters.append(model.department_id == scope.department_id)
    return filters


def _parts(scope: Scope) -> list[tuple[type, date, date]]:
    """Where the period's rows are: (summary, first, last) for its whole months, then its other days."""
    months, cuts = scope.period.split()
    parts = [(MonthlyStat, *months)] if months else []
    return parts + [(DailyStat, cut.start, cut.end) for cut in cuts]


GROUPS = {
    "service": "service_id",
    "department": "department_id",
    "district": "district_key",
    "day": "day",
}


def flows(session: Session, scope: Scope, by: str | None = None) -> dict[Hashable, Flow]:
    """The summaries' counters over the scope, in one group (key None) or by service, department, district or day."""
    parts = [(DailyStat, scope.period.start, scope.period.end)] if by == "day" else _parts(scope)
    result: dict[Hashable, Flow] = {}
    for model, first, last in parts:
        sums = [func.coalesce(func.sum(getattr(model, name)), 0) for name in COUNTERS]
        group = [getattr(model, GROUPS[by])] if by else []
        statement = select(*group, *sums).where(*_summary_filters(scope, model, first, last))
        if group:
            statement = statement.group_by(*group)
        for row in session.execute(statement):
            key, values = (row[0], row[1:]) if group else (None, row)
            result.setdefault(key, Flow()).add(Flow(*(int(v) for v in values)))
    if not by and None not in result:
        result[None] = Flow()
    return result


def delays(session: Session, scope: Scope) -> dict[str, dict[Hashable, Delays]]:
    """Hours to resolution of the requests resolved in the scope: overall (key None), by service and department.

    How many requests took each whole number of hours, from the monthly histogram for whole months (its rows for
    the whole commune, or for the district) and from the requests' index for the other days.
    """
    months, cuts = scope.period.split()
    statements = []
    if months:
        district = WHOLE_COMMUNE if scope.district_id is None else scope.district_id
        statements.append(
            select(
                ResolutionHours.service_id,
                ResolutionHours.department_id,
                ResolutionHours.hours,
                func.sum(ResolutionHours.requests),
            )
            .where(*_summary_filters(scope, ResolutionHours, *months, district_key=district))
            .group_by(ResolutionHours.service_id, ResolutionHours.department_id, ResolutionHours.hours)
        )
    for cut in cuts:
        start, end = utc_bounds(cut)
        # From the index on handled_at alone (a request waiting for its email confirmation has no outcome yet).
        statements.append(
            select(
                ServiceRequest.service_id,
                ServiceRequest.department_id,
                ServiceRequest.hours_to_handle,
                func.count(),
            )
            .where(
                ServiceRequest.handled_at >= start,
                ServiceRequest.handled_at < end,
                ServiceRequest.outcome == Outcome.RESOLVED.value,
                ServiceRequest.hours_to_handle.is_not(None),
                *scope_filters(scope),
            )
            .group_by(ServiceRequest.service_id, ServiceRequest.department_id, ServiceRequest.hours_to_handle)
        )
    overall, by_service, by_department = Counter(), defaultdict(Counter), defaultdict(Counter)
    for statement in statements:
        for service_id, department_id, hours, count in session.execute(statement).tuples():
            count = int(count)
            overall[hours] += count
            by_service[service_id][hours] += count
            by_department[department_id][hours] += count
    histograms = {"all": {None: overall}, "service": by_service, "department": by_department}
    return {
        kind: {key: _percentiles(counts) for key, counts in groups.items() if counts}
        for kind, groups in histograms.items()
    }


def _percentiles(counts: Counter) -> Delays:
    """The count, median and 90th percentile of a histogram {hours: requests}, exactly (no floating point)."""
    total = sum(counts.values())
    found: dict[Fraction, int] = {}
    seen = 0
    wanted = [MEDIAN, P90]
    for hours in sorted(counts):
        seen += counts[hours]
        while wanted and seen * wanted[0].denominator >= total * wanted[0].numerator:
            found[wanted.pop(0)] = hours
        if not wanted:
            break
    return Delays(total, found.get(MEDIAN), found.get(P90))


@dataclass
class Backlog:
    """Requests still waiting at the end of the period, for one group."""

    open: int = 0
    overdue: int = 0
    ages: tuple[int, ...] = (0, 0, 0, 0)  # up to 7 days, 8-30, 31-90, more than 90
    oldest_filed_at: datetime | None = None

    def add(self, other: "Backlog") -> None:
        self.open += other.open
        self.overdue += other.overdue
        self.ages = tuple(a + b for a, b in zip(self.ages, other.ages, strict=True))
        if other.oldest_filed_at is not None and (
            self.oldest_filed_at is None or other.oldest_filed_at < self.oldest_filed_at
        ):
            self.oldest_filed_at = other.oldest_filed_at


def reference_time(scope: Scope, now: datetime | None = None) -> datetime:
    """When the backlog is looked at: the end of the period, or now if the period has not ended."""
    _, end = utc_bounds(scope.period)
    now = now or utcnow()
    return min(end, now)


def backlog(session: Session, scope: Scope, *, now: datetime | None = None) -> dict[tuple[int, int], Backlog]:
    """The backlog at the end of the period, by (service, department)."""
    at = reference_time(scope, now)
    bounds = [at - timedelta(days=days) for days in AGE_BUCKETS]

    def older(limit: datetime):
        return func.coalesce(func.sum(case((ServiceRequest.filed_at < limit, 1), else_=0)), 0)

    rows = session.execute(
        select(
            ServiceRequest.service_id,
            ServiceRequest.department_id,
            func.count(),
            func.coalesce(func.sum(case((ServiceRequest.deadline_at < at, 1), else_=0)), 0),
            *(older(b) for b in bounds),
            func.min(ServiceRequest.filed_at),
        )
        .where(
            ServiceRequest.filed_at < at,
            ServiceRequest.status != Status.PENDING_CONFIRMATION.value,
            # Open now, or handled only after the period's end (both served by an index).
            ServiceRequest.status.in_(_OPEN) | (ServiceRequest.handled_at >= at),
            *scope_filters(scope),
        )
        .group_by(ServiceRequest.service_id, ServiceRequest.department_id)
    )
    result = {}
    for service_id, department_id, count, overdue, week, month, quarter, oldest in rows:
        # older(b) counts those filed before each bound: turn the cumulative counts into buckets.
        ages = (count - week, week - month, month - quarter, quarter)
        result[(service_id, department_id)] = Backlog(
            int(count), int(overdue), tuple(int(a) for a in ages), as_utc(oldest) if oldest else None
        )
    return result


@dataclass
class AgentLoad:
    handled: Counter = field(default_factory=Counter)  # outcome -> count, in the period
    open_assigned: int = 0  # assigned to them and still open now


def workload(session: Session, scope: Scope) -> dict[int, AgentLoad]:
    """Per agent: what they handled in the period, by outcome, and the open requests assigned to them now."""
    result: dict[int, AgentLoad] = defaultdict(AgentLoad)
    months, cuts = scope.period.split()
    if months:
        for user_id, *counts in session.execute(
            select(AgentMonthly.agent_id, *(func.sum(getattr(AgentMonthly, name)) for name in AGENT_COUNTERS))
            .where(*_summary_filters(scope, AgentMonthly, *months))
            .group_by(AgentMonthly.agent_id)
        ):
            result[user_id].handled.update({name: int(n) for name, n in zip(AGENT_COUNTERS, counts, strict=True)})
    for cut in cuts:
        start, end = utc_bounds(cut)
        for user_id, outcome, count in session.execute(
            select(ServiceRequest.handled_by_id, ServiceRequest.outcome, func.count())
            .where(
                ServiceRequest.handled_at >= start,
                ServiceRequest.handled_at < end,
                ServiceRequest.handled_by_id.is_not(None),
                ServiceRequest.outcome.is_not(None),
                *scope_filters(scope),
            )
            .group_by(ServiceRequest.handled_by_id, ServiceRequest.outcome)
        ):
            result[user_id].handled[outcome] += count
    for user_id, count in session.execute(
        select(ServiceRequest.assigned_to_id, func.count())
        # The open requests are few: found by their status, then grouped (unassigned ones too, left out here).
        .where(ServiceRequest.status.in_(_OPEN), *scope_filters(scope))
        .group_by(ServiceRequest.assigned_to_id)
    ):
        if user_id is not None:
            result[user_id].open_assigned += count
    return dict(result)


def weeks(days: Iterable[tuple[date, Flow]], period_start: date, period_end: date) -> list[tuple[date, Flow]]:
    """Daily flows gathered into weeks starting on Monday, every week of the period present (empty ones too)."""
    first = period_start - timedelta(days=period_start.weekday())
    totals: dict[date, Flow] = {}
    monday = first
    while monday <= period_end:
        totals[monday] = Flow()
        monday += timedelta(days=7)
    for day, flow in days:
        totals[day - timedelta(days=day.weekday())].add(flow)
    return sorted(totals.items())
