"""The commune's time zone, from the pinned tzdata package (not the system's copy).

Morocco's rules change by decree (it returned to UTC+0 on 2026-09-20); pinning
tzdata keeps our computations and Babel's formatting (pytz) on the same rules.
"""

from datetime import datetime
from importlib import resources
from zoneinfo import ZoneInfo

TIMEZONE_NAME = "Africa/Casablanca"


def _load(name: str) -> ZoneInfo:
    area, city = name.split("/")
    with resources.files(f"tzdata.zoneinfo.{area}").joinpath(city).open("rb") as fh:
        return ZoneInfo.from_file(fh, key=name)


LOCAL_TZ = _load(TIMEZONE_NAME)


def local(moment: datetime) -> datetime:
    """An aware datetime in the commune's local time."""
    return moment.astimezone(LOCAL_TZ)
