"""The dashboard's sections, in tab order; each module registers its tables."""

from . import services  # noqa: F401
