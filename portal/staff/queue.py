"""The department's queue: filters, search, sorting, paging and bulk assignment."""

from portal.staff.routes import bp  # noqa: F401 (routes join the staff blueprint)
