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

    @classmethod
    def month(cls, year: int, month: int) -> "Period":
        first = date(year, month, 1)
        following = date(year + (month == 12), month % 12 + 1, 1)
        return cls(first, following - timedelta(days=1))

    @classmethod
    def last_days(cls, today: date, days: int) -> "Period":
        return cls(today - timedelta(days=days - 1), today)


@dataclass(frozen=True)
class Scope:
    """A period, narrowed to one district and/or one department when they are set (None: the whole commune)."""

    period: Period
    district_id: int | None = None
    department_id: int | None = None
