"""What a dashboard figure is computed over: a period of local days, and optionally a district and a department."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from services.clock import LOCAL_TZ
from services.errors import Invalid

# Three years and a bit: enough for year-on-year comparisons, short enough to stay fast.
MAX_DAYS = 3 * 366 + 31


@dataclass(frozen=True)
class Period:
    """From `start` to `end`, both included, as days in the commune's time zone."""

    start: date
    end: date

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise Invalid("period_reversed", field="end")
        if (self.end - self.start).days + 1 > MAX_DAYS:
            raise Invalid("period_too_long", field="start", max=MAX_DAYS)

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def bounds(self) -> tuple[datetime, datetime]:
        """[start of the first day, start of the day after the last) as aware local datetimes."""
        return (
            datetime.combine(self.start, time(), LOCAL_TZ),
            datetime.combine(self.end + timedelta(days=1), time(), LOCAL_TZ),
        )

    def contains(self, day: date) -> bool:
        return self.start <= day <= self.end

    def split(self) -> tuple[tuple[date, date] | None, list["Period"]]:
        """The whole months in the period, as the first days of the first and the last (None if there is none),
        and the days left outside them, as at most two periods: the summaries by month answer for the first,
        the daily ones for the others."""
        first = self.start if self.start.day == 1 else _next_month(self.start)
        after = self.end + timedelta(days=1)
        following = after if after.day == 1 else after.replace(day=1)  # the first day after the whole months
        if first >= following:
            return None, [self]
        last = (following - timedelta(days=1)).replace(day=1)
        cuts = []
        if self.start < first:
            cuts.append(Period(self.start, first - timedelta(days=1)))
        if following <= self.end:
            cuts.append(Period(following, self.end))
        return (first, last), cuts

    @classmethod
    def month(cls, year: int, month: int) -> "Period":
        first = date(year, month, 1)
        return cls(first, _next_month(first) - timedelta(days=1))

    @classmethod
    def last_days(cls, today: date, days: int) -> "Period":
        return cls(today - timedelta(days=days - 1), today)


def _next_month(day: date) -> date:
    return date(day.year + (day.month == 12), day.month % 12 + 1, 1)


@dataclass(frozen=True)
class Scope:
    """A period, narrowed to one district and/or one department when they are set (None: the whole commune)."""

    period: Period
    district_id: int | None = None
    department_id: int | None = None
