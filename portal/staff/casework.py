"""One request as staff work on it: details, history, actions, messages and notes."""

from portal.staff.routes import bp  # noqa: F401 (routes join the staff blueprint)
