"""Legal deadlines: working days skip weekends and Moroccan public holidays.

The `holidays` package estimates the religious holidays (Eid al-Fitr, Eid al-Adha,
Islamic New Year, the Prophet's birthday) from the Hijri calendar; dates fixed
otherwise by decree are passed in as `extra_holidays`.
"""

from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from functools import lru_cache

import holidays

from services.catalog.models import DelayUnit
from services.clock import LOCAL_TZ, local

WEEKEND = (5, 6)  # Saturday, Sunday


@lru_cache(maxsize=32)
def _moroccan_holidays(year: int) -> frozenset[date]:
    return frozenset(holidays.Morocco(years=year))


def public_holidays(year: int, language: str) -> list[tuple[date, str]]:
    """The public holidays the `holidays` package knows for a year, by date, named in `language`.

    The package names Morocco's holidays in Arabic and French (and English); religious ones
    carry its own "estimated" mark, since the Ministry fixes them when the moon is seen.
    """
    known = holidays.Morocco(years=year)
    if language not in known.supported_languages:
        language = "fr"
    return sorted(holidays.Morocco(years=year, language=language).items())


def is_working_day(day: date, extra_holidays: Iterable[date] = ()) -> bool:
    return day.weekday() not in WEEKEND and day not in _moroccan_holidays(day.year) and day not in extra_holidays


def add_working_days(start: date, days: int, extra_holidays: Iterable[date] = ()) -> date:
    """The `days`-th working day after `start` (the day of filing itself never counts)."""
    extra = frozenset(extra_holidays)
    day, left = start, days
    while left > 0:
        day += timedelta(days=1)
        if is_working_day(day, extra):
            left -= 1
    return day


def deadline(filed_at: datetime, value: int, unit: str, extra_holidays: Iterable[date] = ()) -> datetime:
    """When the answer is due: the end of the last working day, or `value` hours later."""
    if DelayUnit(unit) is DelayUnit.HOURS:
        return filed_at + timedelta(hours=value)
    last_day = add_working_days(local(filed_at).date(), value, extra_holidays)
    return datetime.combine(last_day, time(23, 59, 59), tzinfo=LOCAL_TZ)
