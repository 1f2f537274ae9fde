"""The states a request goes through."""

import enum


class Status(enum.StrEnum):
    PENDING_CONFIRMATION = "pending_confirmation"  # filed without an account, email not confirmed yet
    NEW = "new"
    ACKNOWLEDGED = "acknowledged"
    ASSIGNED = "assigned"
    IN_PROGRESS = "in_progress"
    WAITING_CITIZEN = "waiting_citizen"
    RESOLVED = "resolved"
    APPROVED = "approved"  # certificates: the document is issued
    REJECTED = "rejected"
    CLOSED = "closed"
    DUPLICATE = "duplicate"


# States in which the department still owes an answer (the legal deadline runs).
OPEN_STATES = frozenset({Status.NEW, Status.ACKNOWLEDGED, Status.ASSIGNED, Status.IN_PROGRESS, Status.WAITING_CITIZEN})
# States with a decision the citizen can rate, and reopen within REOPEN_DAYS.
DECIDED_STATES = frozenset({Status.RESOLVED, Status.APPROVED, Status.REJECTED})
FINAL_STATES = frozenset({Status.CLOSED, Status.DUPLICATE})


class Outcome(enum.StrEnum):
    """How a request ended; statistics count these, never the status "closed" (closing is not fixing)."""

    RESOLVED = "resolved"  # fixed, or the certificate issued
    REJECTED = "rejected"  # refused with a motivated decision
    NO_ACTION = "no_action"  # closed without action (nothing to do, not the commune's competence, unreachable)
    DUPLICATE = "duplicate"  # merged into another request, which carries the work


# The outcomes that answer the citizen: they count towards delays and the legal deadline.
ANSWERED = frozenset({Outcome.RESOLVED, Outcome.REJECTED, Outcome.NO_ACTION})
