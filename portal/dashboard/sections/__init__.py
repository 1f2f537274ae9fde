"""The dashboard's sections, in tab order; each module registers its tables."""

# The imports register the tabs, so they keep this order.
# isort: off
from . import services  # noqa: F401
from . import lighting  # noqa: F401
from . import sanitation  # noqa: F401
from . import transport  # noqa: F401
