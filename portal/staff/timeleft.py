"""Time left before a deadline, in words and with a level the page colours (never colour alone)."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import format_timedelta
from flask_babel import gettext as _

from services.db import as_utc, utcnow

SOON = timedelta(hours=48)


@dataclass(frozen=True)
class TimeLeft:
    level: str  # "overdue", "soon", "ok" or "met" (the request no longer waits for an answer)
    text: str

    @property
    def css(self) -> str:
        return f"time-left time-left--{self.level}"


def time_left(deadline: datetime | None, *, is_open: bool = True, now: datetime | None = None) -> TimeLeft | None:
    """How long until `deadline` (or how late it is), for a request still waiting for an answer."""
    if deadline is None:
        return None
    if not is_open:
        return TimeLeft("met", _("Answered"))
    remaining = as_utc(deadline) - (now or utcnow())
    if remaining < timedelta(0):
        late = format_timedelta(-remaining, granularity="hour", threshold=1.5)
        return TimeLeft("overdue", _("Overdue by %(time)s", time=late))
    left = format_timedelta(remaining, granularity="hour", threshold=1.5)
    if remaining < SOON:
        return TimeLeft("soon", _("Due soon: %(time)s left", time=left))
    return TimeLeft("ok", _("%(time)s left", time=left))
