"""The summaries the dashboard's figures are read from, kept exact in the same transaction as each change."""

from datetime import date

from sqlalchemy import Date, Integer
from sqlalchemy.orm import Mapped, mapped_column

from services.db import Base

# The counters of a summary row, in column order.
COUNTERS = ("received", "resolved", "rejected", "no_action", "duplicate", "answered_on_time", "rated", "rating_sum")


class _Counts:
    """The COUNTERS columns a daily or monthly summary row has."""

    received: Mapped[int] = mapped_column(Integer, default=0)
    resolved: Mapped[int] = mapped_column(Integer, default=0)
    rejected: Mapped[int] = mapped_column(Integer, default=0)
    no_action: Mapped[int] = mapped_column(Integer, default=0)
    duplicate: Mapped[int] = mapped_column(Integer, default=0)
    answered_on_time: Mapped[int] = mapped_column(Integer, default=0)
    rated: Mapped[int] = mapped_column(Integer, default=0)
    rating_sum: Mapped[int] = mapped_column(Integer, default=0)


class DailyStat(_Counts, Base):
    """Counts for one local day, department, service and district (0: no district).

    `received` counts requests filed that day; the outcome counters, `answered_on_time` (resolved, rejected
    or closed without action by the legal deadline) and the ratings count requests handled that day.
    Derived data: no foreign keys, so it can be rebuilt from the requests at any time.
    """

    __tablename__ = "stats_daily"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    department_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    service_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    district_key: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)


class MonthlyStat(_Counts, Base):
    """The daily summary added up by local month (`month`: its first day), for periods of many months.

    A period is read as its whole months from here and its cut months' days from `stats_daily`.
    """

    __tablename__ = "stats_monthly"

    month: Mapped[date] = mapped_column(Date, primary_key=True)
    department_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    service_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    district_key: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)


# The district key of the rows that count the whole commune, every district and none.
WHOLE_COMMUNE = -1


class ResolutionHours(Base):
    """How many requests resolved in a local month took exactly `hours` whole hours, by department, service and
    district: the times to resolution as a histogram, so that medians and percentiles of any set of months and
    groups are exact. Each request is counted twice, in its district (0: none) and in the whole commune
    (WHOLE_COMMUNE), so that the commune's percentiles read half as many rows."""

    __tablename__ = "stats_resolution_hours"

    # The district first: the commune's rows, or one district's, for a run of months are one range of the key.
    district_key: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    month: Mapped[date] = mapped_column(Date, primary_key=True)
    department_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    service_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    hours: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    requests: Mapped[int] = mapped_column(Integer, default=0)


# The counters of an agent's monthly row: the outcomes they decided.
AGENT_COUNTERS = ("resolved", "rejected", "no_action", "duplicate")


class AgentMonthly(Base):
    """The outcomes each member of staff decided in a local month, by the request's department and district."""

    __tablename__ = "stats_agent_monthly"

    month: Mapped[date] = mapped_column(Date, primary_key=True)
    agent_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    department_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    district_key: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    resolved: Mapped[int] = mapped_column(Integer, default=0)
    rejected: Mapped[int] = mapped_column(Integer, default=0)
    no_action: Mapped[int] = mapped_column(Integer, default=0)
    duplicate: Mapped[int] = mapped_column(Integer, default=0)
