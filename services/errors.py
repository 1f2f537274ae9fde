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
    """Bad input; `field` names the offending field, `errors` holds one per field when many are wrong."""

    code = "invalid"

    def __init__(self, code: str | None = None, *, field: str | None = None, errors=(), **params):
        super().__init__(code, field=field, **params)
        self.errors: list[Invalid] = list(errors)


def collect(**checks):
    """Run every check (name -> zero-argument callable) and raise one Invalid listing all failures.

    Returns the checks' results by name when all pass, so a form can show every
    problem at once instead of one per submission.
    """
    results, errors = {}, []
    for name, check in checks.items():
        try:
            results[name] = check()
        except Invalid as exc:
            errors.extend(exc.errors or [exc])
    if len(errors) == 1:
        raise errors[0]
    if errors:
        raise Invalid("invalid", errors=errors)
    return results


class Conflict(ServiceError):
    """The object changed or already exists."""

    code = "conflict"
