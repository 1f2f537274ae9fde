"""What the city map offers: its layers grouped by theme, their titles, legends and the words of their popups."""

from dataclasses import dataclass

from babel.dates import get_day_names
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l

from gis import layers
from portal.i18n import CONTAINER_KIND_LABELS, LIGHT_STATUS_LABELS, STATUS_LABELS, TECHNOLOGY_LABELS
from services.requests.public_layer import REPORTS

# The e-service a popup's "report a problem" link opens, per layer, pre-filled with the asset's code.
REPORT_SERVICES = {"lights": "street-light-outage", "containers": "container-problem"}


@dataclass(frozen=True)
class MapLayer:
    layer: layers.Layer
    title: str
    visible: bool  # shown when the page opens
    legend: tuple[tuple[str, str], ...]  # (swatch modifier, label)

    @property
    def name(self) -> str:
        return self.layer.name


THEMES = (
    (
        _l("The city"),
        (
            MapLayer(layers.DISTRICTS, _l("Districts"), True, (("district", _l("District boundary")),)),
            MapLayer(layers.STREETS, _l("Streets"), True, (("street", _l("Street")),)),
        ),
    ),
    (
        _l("Public lighting"),
        (
            MapLayer(
                layers.LIGHTS,
                _l("Street lights"),
                True,
                (("light", _l("Street light working")), ("light-faulty", _l("Street light not working"))),
            ),
        ),
    ),
    (
        _l("Cleanliness"),
        (
            MapLayer(
                layers.CONTAINERS,
                _l("Waste containers"),
                False,
                (("container", _l("Waste container")), ("container-full", _l("Waste container nearly full"))),
            ),
            MapLayer(layers.ZONES, _l("Collection zones"), False, (("zone", _l("Collection zone")),)),
            MapLayer(layers.ROUTES, _l("Collection routes"), False, (("route", _l("Collection route")),)),
        ),
    ),
    (
        _l("Transport"),
        (
            MapLayer(layers.STOPS, _l("Bus stops"), False, (("stop", _l("Bus stop")),)),
            MapLayer(layers.BUS_ROUTES, _l("Bus routes"), False, (("bus-route", _l("Bus route, in its colour")),)),
        ),
    ),
    (
        _l("Reported problems"),
        (
            MapLayer(
                REPORTS,
                _l("Reported problems"),
                False,
                (("report", _l("Problem being handled")), ("report-decided", _l("Problem recently dealt with"))),
            ),
        ),
    ),
)

MAP_LAYERS: dict[str, MapLayer] = {m.name: m for _theme, items in THEMES for m in items}
# The layers the portal serves beyond gis/ ones (the public reports come from services/).
EXTRA_LAYERS = {REPORTS.name: REPORTS}


def popup_strings() -> dict:
    """Every word the map's script shows, in the page's language (the script holds none of its own)."""
    texts = {
        "light_title": _l("Street light %(code)s"),
        "container_title": _l("Waste container %(code)s"),
        "status": _l("State"),
        "technology": _l("Lamp"),
        "power": _l("Power"),
        "watts": _l("%(watts)s W"),
        "kind": _l("Kind"),
        "capacity": _l("Capacity"),
        "litres": _l("%(litres)s L"),
        "fill_level": _l("Fill level"),
        "not_measured": _l("Not measured"),
        "population": _l("Population"),
        "contractor": _l("Collected by"),
        "days": _l("Collection days"),
        "hours": _l("Collection hours"),
        "hours_range": _l("%(start)s to %(end)s"),
        "zone": _l("Collection zone"),
        "request_state": _l("Status"),
        "filed_at": _l("Reported on"),
        "decided_at": _l("Dealt with on"),
        "report_light": _l("Report a problem with this street light"),
        "report_container": _l("Report a problem with this container"),
        "cluster_lights": _l("Street lights: %(count)s, not working: %(faulty)s. Zoom in to see them."),
        "cluster_containers": _l("Waste containers: %(count)s, nearly full: %(full)s. Zoom in to see them."),
        "cluster_reports": _l("Reported problems: %(count)s, being handled: %(open)s. Zoom in to see them."),
        "cluster_stops": _l("Bus stops: %(count)s. Zoom in to see them."),
        "stop_code": _l("Stop code"),
        "stop_page": _l("Next departures and lines"),
        "route_title": _l("Line %(name)s"),
        "route_page": _l("Stops and times of this line"),
        "zoom_in": _l("Zoom in"),
        "zoom_out": _l("Zoom out"),
        "close": _l("Close"),
        "failed": _l("Part of the map could not be loaded. Move the map or reload the page to try again."),
    }
    return {
        **{key: str(value) for key, value in texts.items()},
        "light_status": {k: str(v) for k, v in LIGHT_STATUS_LABELS.items()},
        "technologies": {k: str(v) for k, v in TECHNOLOGY_LABELS.items()},
        "container_kinds": {k: str(v) for k, v in CONTAINER_KIND_LABELS.items()},
        "request_status": {k: str(v) for k, v in STATUS_LABELS.items()},
        # ISO weekday number -> name, from the locale's own calendar.
        "weekdays": {str(i + 1): name for i, name in get_day_names("wide", locale=get_locale()).items()},
    }
