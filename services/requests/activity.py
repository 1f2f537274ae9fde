"""How requests arrive and end in a town like Berkane: the model behind the demo history and the bench's million.

A plan says, for one request, which service and district, when it is filed, and every step of its path
(acknowledged, assigned, started, decided, closed, rated...) with its time, cut at `now`: what has not happened
yet is left out, so recent requests are still open and some are overdue. The demo history carries plans out
through the real service functions; bench/generate_requests.py writes them as rows. Both draw from this one
model, so the dashboard shows the same rhythms on a demo portal and at a million requests:
- services weighted (street lights, containers and certificates are the most common), districts by population;
- weekdays busier than weekends at the counters, a dip during Ramadan and on public holidays, more waste in
  summer and around Eid al-Adha, more dark street lamps in the long winter nights, certificates in the summer
  when families living abroad come home, and a growing use of the portal year after year;
- outcomes mixed by kind of service (about 75 resolved for 8 rejected, 7 closed without action and 4 duplicates),
  delays drawn from a lognormal law around each service's usual time, decisions of the counters in office hours.
"""

import bisect
import math
import random
from collections import deque
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache

import holidays

from services.catalog.models import ServiceKind
from services.clock import LOCAL_TZ, local

OFFICE, STREET, LIGHTING, SANITATION = "office", "street", "lighting", "sanitation"
RESOLVED, REJECTED, NO_ACTION, DUPLICATE = "resolved", "rejected", "no_action", "duplicate"
OUTCOMES = (RESOLVED, REJECTED, NO_ACTION, DUPLICATE)

# By kind of service: shares of (resolved, rejected, closed without action, duplicate) among handled requests.
# Weighted by the services' volumes they give about 78 / 8.5 / 7.5 / 4 over the whole commune.
KIND_OUTCOMES = {
    ServiceKind.CERTIFICATE: (0.86, 0.11, 0.03, 0.0),
    ServiceKind.REQUEST: (0.80, 0.12, 0.08, 0.0),
    ServiceKind.REPORT: (0.75, 0.045, 0.095, 0.11),
    ServiceKind.COMPLAINT: (0.60, 0.20, 0.20, 0.0),
}


@dataclass(frozen=True)
class Profile:
    weight: float  # relative share of all requests
    median_hours: float  # usual time from filing to the outcome
    spread: float = 0.9  # sigma of the lognormal law of that time
    rhythm: str = OFFICE


PROFILES = {
    "residence-certificate": Profile(16, 30),
    "birth-record-extract": Profile(10, 8),
    "life-certificate": Profile(5, 6),
    "administrative-certificate": Profile(4, 90),
    "signature-legalisation": Profile(6, 20),
    "certified-copy": Profile(5, 6),
    "building-permit-information": Profile(1, 150, 0.8),
    "public-space-occupation": Profile(0.5, 300, 0.7),
    "street-light-outage": Profile(20, 30, 0.9, LIGHTING),
    "new-street-light": Profile(1, 500, 0.6, LIGHTING),
    "container-problem": Profile(14, 14, 0.9, SANITATION),
    "illegal-dumping": Profile(6, 50, 0.9, SANITATION),
    "bulky-waste-pickup": Profile(4, 90, 0.6, SANITATION),
    "road-damage": Profile(4, 150, 0.9, STREET),
    "water-leak-public-space": Profile(2, 8, 1.0, STREET),
    "stray-animals": Profile(1.5, 60, 1.0, STREET),
    "damaged-bus-shelter": Profile(1, 140, 0.8, STREET),
    "general-complaint": Profile(1.5, 250, 0.8),
    "suggestion": Profile(0.5, 400, 0.7),
}
DEFAULT_PROFILE = Profile(0.5, 120)

# Filing by local hour: counters' services in the morning and after dinner, dark lamps seen at night.
HOURS = {
    OFFICE: (1, 0.5, 0.3, 0.2, 0.2, 0.3, 1, 3, 6, 9, 10, 10, 9, 7, 6, 6, 5, 5, 5, 6, 6, 5, 3, 2),
    STREET: (1, 0.5, 0.3, 0.2, 0.2, 0.5, 2, 4, 6, 7, 7, 7, 6, 6, 6, 6, 6, 6, 7, 8, 8, 6, 4, 2),
    LIGHTING: (3, 1, 0.5, 0.3, 0.3, 0.5, 1, 2, 3, 3, 3, 3, 3, 3, 3, 3, 3, 4, 6, 10, 12, 12, 10, 6),
}
HOURS[SANITATION] = HOURS[STREET]
# Monday .. Sunday: the counters are closed at weekends, the street is not.
WEEKDAYS = {
    OFFICE: (1.15, 1.05, 1.05, 1.0, 0.85, 0.35, 0.25),
    STREET: (1.1, 1.0, 1.0, 1.0, 0.95, 0.9, 0.85),
}
GROWTH_PER_YEAR = 0.15  # more residents use the portal every year
OFFICE_OPENS, OFFICE_CLOSES = time(8, 30), time(16, 30)
ASSIGNED_SHARE = 0.4  # the others are taken up straight from the queue
REOPEN_SHARE = 0.02  # resolved reports the citizen reopens within the week
DOCUMENT_SHARE = 0.05  # certificates for which a missing document is asked for
RATED_SHARE = 0.30
# Staff close most decided requests once the week to reopen them has passed (nothing closes them by itself).
CLOSED_SHARE = 0.6
CLOSE_AFTER_DAYS = (7, 12)
MASTER_WINDOW = timedelta(days=14)  # a duplicate repeats a report of the last two weeks
# Ratings 1..5 by outcome and whether the answer came within the legal delay.
RATINGS = {
    (RESOLVED, True): (2, 3, 10, 35, 50),
    (RESOLVED, False): (8, 12, 25, 35, 20),
    (REJECTED, True): (35, 25, 20, 12, 8),
    (REJECTED, False): (50, 25, 13, 8, 4),
    (NO_ACTION, True): (30, 25, 25, 12, 8),
    (NO_ACTION, False): (45, 25, 15, 10, 5),
}


def profile(code: str) -> Profile:
    return PROFILES.get(code, DEFAULT_PROFILE)


@lru_cache(maxsize=16)
def _holidays(year: int) -> dict[date, str]:
    return dict(holidays.Morocco(years=year, language="en_US"))


@lru_cache(maxsize=16)
def ramadan(year: int) -> tuple[date, date]:
    """The first and last day of Ramadan that ends in `year` (the month before Eid al-Fitr)."""
    fitr = min(d for d, name in _holidays(year).items() if "Fitr" in name)
    return fitr - timedelta(days=29), fitr - timedelta(days=1)


@lru_cache(maxsize=16)
def _adha(year: int) -> date:
    return min(d for d, name in _holidays(year).items() if "Adha" in name)


def day_factor(rhythm: str, day: date, today: date) -> float:
    """How busy `day` is for services of this rhythm, relative to an ordinary weekday of this year."""
    office = rhythm == OFFICE
    factor = WEEKDAYS[OFFICE if office else STREET][day.weekday()]
    factor *= (1 + GROWTH_PER_YEAR) ** (-(today - day).days / 365.25)
    first, last = ramadan(day.year)
    if first <= day <= last:
        factor *= 0.75 if office else 1.1 if rhythm == SANITATION else 0.9
    if day in _holidays(day.year):
        factor *= 0.25 if office else 0.8
    if rhythm == SANITATION:
        if 0 <= (day - _adha(day.year)).days <= 3:
            factor *= 2.5  # the sacrifice's skins and waste
        if day.month in (6, 7, 8):
            factor *= 1.45
    elif rhythm == LIGHTING:
        factor *= 1.2 if day.month in (11, 12, 1, 2) else 0.85 if day.month in (5, 6, 7, 8) else 1.0
    elif office and day.month in (7, 8):
        factor *= 1.2  # families living abroad come home for the summer
    return factor


def is_office_day(day: date) -> bool:
    return day.weekday() < 5 and day not in _holidays(day.year)


def office_time(rng: random.Random, moment: datetime) -> datetime:
    """`moment`, or if the counters are closed then, a time on the next working morning or afternoon."""
    at = local(moment)
    if is_office_day(at.date()) and OFFICE_OPENS <= at.time() < OFFICE_CLOSES:
        return moment
    day = at.date() if at.time() < OFFICE_OPENS else at.date() + timedelta(days=1)
    while not is_office_day(day):
        day += timedelta(days=1)
    opening = datetime.combine(day, OFFICE_OPENS, LOCAL_TZ)
    return (opening + timedelta(minutes=rng.uniform(0, 480))).astimezone(UTC)


# --------------------------------------------------------------------------- plans


@dataclass(frozen=True)
class ServiceInfo:
    code: str
    kind: str
    department_id: int
    located: bool  # the form asks where


@dataclass
class Step:
    action: str  # filed, confirm, a transition of the workflow, rated, or merged_in (on the master)
    at: datetime
    by: str  # citizen | agent | supervisor | system


@dataclass
class Plan:
    index: int
    service: ServiceInfo
    district: int | None  # index in the planner's districts, for services the form locates
    filed_at: datetime
    anonymous: bool
    steps: list[Step]
    handler: float  # in [0, 1): which member of the department's staff handles it
    rating: int | None = None
    master: int | None = None  # index of the plan a duplicate is merged into
    locale: str = "ar"
    # What the planner needs to pick masters; never written.
    open_from: datetime | None = None
    planned_end: datetime | None = None
    reopened: bool = False
    outcome: str | None = field(default=None)  # the planned outcome (reached or not by now)

    def done(self, action: str) -> bool:
        return any(s.action == action for s in self.steps)


class Planner:
    """Draws plans of requests filed over a span of days, in the order they are filed."""

    def __init__(
        self,
        rng: random.Random,
        services: list[ServiceInfo],
        district_weights: list[float],
        now: datetime,
        *,
        anonymous_share: float = 0.2,
        confirm_never: float = 0.01,
    ):
        self.rng = rng
        self.services = services
        self.district_cum = _cumulative(district_weights)
        self.now = now
        self.today = local(now).date()
        self.anonymous_share = anonymous_share
        self.confirm_never = confirm_never
        self._hours = {r: _cumulative(w) for r, w in HOURS.items()}
        self._recent: dict[str, deque[Plan]] = {}

    def days(self, first: date) -> list[date]:
        return [first + timedelta(days=n) for n in range((self.today - first).days + 1)]

    def plans(self, first: date, count: int):
        """`count` plans filed from `first` to now, sorted by filing time."""
        rng, days = self.rng, self.days(first)
        cells, weights = [], []
        for day in days:
            for s, service in enumerate(self.services):
                p = profile(service.code)
                cells.append((day, s))
                weights.append(p.weight * day_factor(p.rhythm, day, self.today))
        chosen = rng.choices(range(len(cells)), cum_weights=_cumulative(weights), k=count)
        filings = []
        for cell in chosen:
            day, s = cells[cell]
            rhythm = profile(self.services[s].code).rhythm
            moment = self._filing_time(day, rhythm)
            for _ in range(20):  # today's hours still to come: draw again among those gone by
                if moment <= self.now:
                    break
                moment = self._filing_time(day, rhythm)
            filings.append((min(moment, self.now), s))
        filings.sort()
        for index, (moment, s) in enumerate(filings):
            yield self.plan(index, self.services[s], moment)

    def _filing_time(self, day: date, rhythm: str) -> datetime:
        rng = self.rng
        hour = bisect.bisect(self._hours[rhythm], rng.random() * self._hours[rhythm][-1])
        start = datetime.combine(day, time(min(hour, 23)), LOCAL_TZ)
        return (start + timedelta(seconds=rng.uniform(0, 3600))).astimezone(UTC)

    def plan(self, index: int, service: ServiceInfo, filed_at: datetime) -> Plan:
        rng, now = self.rng, self.now
        p = profile(service.code)
        kind = ServiceKind(service.kind)
        district = bisect.bisect(self.district_cum, rng.random() * self.district_cum[-1]) if service.located else None
        anonymous = kind in (ServiceKind.REPORT, ServiceKind.COMPLAINT) and rng.random() < self.anonymous_share
        plan = Plan(
            index,
            service,
            district,
            filed_at,
            anonymous,
            [Step("filed", filed_at, "citizen")],
            rng.random(),
            locale="ar" if rng.random() < 0.65 else "fr",
        )
        open_from = filed_at
        if anonymous:
            if rng.random() < self.confirm_never:
                return plan
            open_from = filed_at + timedelta(minutes=rng.lognormvariate(math.log(20), 1.2))
            plan.steps.append(Step("confirm", open_from, "system"))
        plan.open_from = open_from
        outcome = _draw(rng, OUTCOMES, KIND_OUTCOMES[kind])
        if outcome == DUPLICATE:
            hours = rng.lognormvariate(math.log(6), 1.0)
        else:
            factor = {RESOLVED: 1.0, REJECTED: 0.9, NO_ACTION: 1.3}[outcome]
            hours = rng.lognormvariate(math.log(p.median_hours * factor), p.spread)
        end = open_from + timedelta(hours=max(hours, 0.05))
        if p.rhythm == OFFICE:
            end = office_time(rng, end)
        if outcome == DUPLICATE:
            master = self._master(plan, end)
            if master is None:
                outcome = NO_ACTION
            else:
                # The same problem reported again, from the same place.
                plan.master, plan.district = master.index, master.district
                if end <= now:
                    master.steps.append(Step("merged_in", end, "supervisor"))
                    master.steps.sort(key=lambda s: s.at)
        plan.outcome = outcome
        self._path(plan, kind, outcome, open_from, end)
        if outcome != DUPLICATE and KIND_OUTCOMES[kind][3]:
            recent = self._recent.setdefault(service.code, deque())
            recent.append(plan)
            while recent[0].filed_at < filed_at - MASTER_WINDOW:
                recent.popleft()
        plan.steps = [s for s in plan.steps if s.at <= now]
        if not plan.done("rated"):
            plan.rating = None
        return plan

    def _master(self, plan: Plan, at: datetime) -> Plan | None:
        """The latest request of the same service still open at `at`, to merge a duplicate into."""
        recent = self._recent.get(plan.service.code)
        for candidate in reversed(recent or ()):
            if (
                not candidate.reopened
                and candidate.open_from is not None
                and candidate.open_from < at
                and candidate.planned_end is not None
                and candidate.planned_end > at
            ):
                return candidate
        return None

    def _path(self, plan: Plan, kind: ServiceKind, outcome: str, start: datetime, end: datetime) -> None:
        rng, steps = self.rng, plan.steps
        span = end - start

        def at(low: float, high: float) -> datetime:
            return start + span * rng.uniform(low, high)

        if outcome == DUPLICATE:
            if rng.random() < 0.5:
                steps.append(Step("acknowledge", at(0.1, 0.5), "agent"))
            steps.append(Step("merge", end, "supervisor"))
            plan.planned_end = end
            return
        steps.append(Step("acknowledge", at(0.03, 0.15), "agent"))
        if outcome == NO_ACTION:
            steps.append(Step("close_without_action", end, "agent"))
            plan.planned_end = end
            self._rate(plan, outcome, end)
            return
        worked = outcome == RESOLVED or rng.random() < 0.5
        if worked:
            if rng.random() < ASSIGNED_SHARE:
                steps.append(Step("assign", at(0.15, 0.3), "supervisor" if rng.random() < 0.6 else "agent"))
            steps.append(Step("start", at(0.3, 0.55), "agent"))
            if kind is ServiceKind.CERTIFICATE and rng.random() < DOCUMENT_SHARE:
                steps.append(Step("request_document", at(0.55, 0.65), "agent"))
                steps.append(Step("provide_document", at(0.7, 0.85), "citizen"))
        if outcome == REJECTED:
            steps.append(Step("reject", end, "agent" if worked else "supervisor"))
        else:
            decision = "approve" if kind is ServiceKind.CERTIFICATE else "resolve"
            steps.append(Step(decision, end, "agent"))
            if kind is not ServiceKind.CERTIFICATE and rng.random() < REOPEN_SHARE:
                plan.reopened = True
                reopen = end + timedelta(days=rng.uniform(0.2, 6.5))
                steps.append(Step("reopen", reopen, "citizen"))
                end = reopen + timedelta(
                    hours=rng.lognormvariate(math.log(profile(plan.service.code).median_hours), 0.6)
                )
                steps.append(Step(decision, end, "agent"))
        plan.planned_end = end
        if rng.random() < CLOSED_SHARE:
            steps.append(Step("close", end + timedelta(days=rng.uniform(*CLOSE_AFTER_DAYS)), "agent"))
        self._rate(plan, outcome, end)

    def _rate(self, plan: Plan, outcome: str, end: datetime) -> None:
        rng = self.rng
        if rng.random() >= RATED_SHARE:
            return
        # Whether the answer was on time is only known with the deadline; a quick answer is the best guess here.
        quick = end - (plan.open_from or plan.filed_at) <= timedelta(hours=2 * profile(plan.service.code).median_hours)
        plan.rating = 1 + _draw(rng, range(5), RATINGS[(outcome, quick)])
        plan.steps.append(Step("rated", end + timedelta(hours=rng.uniform(0.2, 120)), "citizen"))


def _cumulative(weights) -> list[float]:
    total, out = 0.0, []
    for w in weights:
        total += w
        out.append(total)
    return out


def _draw(rng: random.Random, values, weights):
    values = list(values)
    return values[bisect.bisect(_cumulative(weights), rng.random() * sum(weights))]
