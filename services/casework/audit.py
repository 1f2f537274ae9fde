"""The audit trail: a request's whole history, and the proof that it accounts for the request's state."""

from dataclasses import dataclass

from services.requests.models import RequestEvent, ServiceRequest


@dataclass(frozen=True)
class Replayed:
    """What the history alone says a request is now."""

    status: str | None
    department_id: int | None
    assigned_to_id: int | None
    merged_into_id: int | None
    document_requested: bool
    rating: int | None


def replay(request: ServiceRequest, events: list[RequestEvent] | None = None) -> Replayed:
    """Rebuild the request's state from its history entries alone, oldest first."""
    status = department = assignee = merged = rating = None
    document = False
    for event in sorted(events if events is not None else request.events, key=lambda e: e.id):
        data = event.data or {}
        if event.action == "filed":
            department = data.get("department_id", request.service.department_id)
        if event.to_status is not None:
            status = event.to_status
        if event.action == "assign":
            assignee = data.get("assignee_id")
        elif event.action in ("unassign", "reroute"):
            assignee = None
        if event.action == "reroute":
            department = data.get("to_department")
        if event.action == "request_document":
            document = True
        if event.action == "merge":
            merged, assignee = data.get("master_id"), None
        if event.action == "rated":
            rating = data.get("rating")
    return Replayed(status, department, assignee, merged, document, rating)


def current(request: ServiceRequest) -> Replayed:
    return Replayed(
        request.status,
        request.department_id,
        request.assigned_to_id,
        request.merged_into_id,
        bool(request.document_requested),
        request.rating,
    )


def discrepancies(request: ServiceRequest) -> list[str]:
    """The fields on which the request and its history disagree (none, for an intact trail)."""
    told, actual = replay(request), current(request)
    return [name for name in Replayed.__dataclass_fields__ if getattr(told, name) != getattr(actual, name)]
