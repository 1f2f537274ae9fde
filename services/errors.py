"""Domain errors. Each carries a stable code that the web layer translates."""


class ServiceError(Exception):
    """Base of every error the domain raises on purpose."""

    code = "error"

    def __init__(self, code: str | None = None, *, field: str | None = None, **params):
        self.code = code or self.code
        self.field = field
        self.params = params
        super().__init__(self.code)


class NotFound(ServiceError):
    code = "not_found"


class NotAllowed(ServiceError):
    code = "not_allowed"


class InvalidTransition(ServiceError):
    code = "invalid_transition"


class Invalid(ServiceError):
    """Bad input; `field` names the offending field when there is one."""

    code = "invalid"


class Conflict(ServiceError):
    """The object changed or already exists."""

    code = "conflict"
