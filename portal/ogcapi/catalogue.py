"""The collections the OGC API publishes: which layer each one serves, with its title and description."""

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from gis import layers
from gis.layers import Layer
from services.requests.public_layer import RECENT_DAYS, REPORTS


@dataclass(frozen=True)
class Collection:
    layer: Layer
    title: str
    description: str

    @property
    def id(self) -> str:
        return self.layer.name


COLLECTIONS: dict[str, Collection] = {
    c.id: c
    for c in (
        Collection(
            layers.DISTRICTS,
            _l("Districts"),
            _l("The districts of the commune, with their names in Arabic and French and their population."),
        ),
        Collection(
            layers.LIGHTS,
            _l("Street lights"),
            _l("Every light point of the public lighting: the code painted on its pole, its lamp, power and state."),
        ),
        Collection(
            layers.CABINETS,
            _l("Lighting control cabinets"),
            _l("The control cabinets that switch the street lights on and off, with their dimming schedule."),
        ),
        Collection(
            layers.CONTAINERS,
            _l("Waste containers"),
            _l("Waste containers: kind, capacity and, where a sensor measures it, fill level and time of reading."),
        ),
        Collection(
            layers.ZONES,
            _l("Collection zones"),
            _l("Waste collection zones: who collects, on which days and at what time."),
        ),
        Collection(
            layers.STOPS,
            _l("Bus stops"),
            _l("The stops of the urban bus network, with their names in Arabic and French."),
        ),
        Collection(
            layers.BUS_ROUTES,
            _l("Bus lines"),
            _l("The lines of the urban bus network, each drawn along its route."),
        ),
        Collection(
            REPORTS,
            _l("Reported problems"),
            _l(
                "Problems reported in public space that are being handled or were dealt with in the last %(days)s "
                "days: the service concerned, the status and the dates only, never who reported them.",
                days=RECENT_DAYS,
            ),
        ),
    )
}
