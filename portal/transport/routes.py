"""Buses for residents: the lines, a stop's next departures, a line's stops and hours, and the stops near a place.

Every page works without JavaScript; the maps are an enhancement (static/js/transport.js). Times are the
network's local time (its agency's timezone). A route's colour comes from a small stylesheet built from the feed,
since the pages' Content-Security-Policy allows no inline style.
"""

from dataclasses import dataclass
from datetime import datetime, time, timedelta

from babel.dates import format_time
from flask import Blueprint, abort, current_app, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from geoalchemy2.shape import to_shape
from shapely.geometry import mapping
from sqlalchemy import func, select

from gis.districts.models import District
from gis.districts.queries import list_districts
from gis.transport import departures, queries
from gis.transport.models import Route, Stop
from portal.auth.access import STAFF_ROLES
from portal.extensions import db
from portal.i18n import current_language, localized
from portal.transport.forms import NearForm, StopSearchForm
from services.catalog import service as catalog
from services.catalog.models import Service, ServiceKind
from services.db import utcnow
from services.requests.models import ServiceRequest
from services.workflow.states import OPEN_STATES

bp = Blueprint("transport", __name__)

ASSET_LAYER = "bus_stop"
PER_DAY = 20  # departures listed for each day on a stop's page
_OPEN = tuple(s.value for s in OPEN_STATES)
_PUBLIC_KINDS = (ServiceKind.REPORT.value, ServiceKind.COMPLAINT.value)


@bp.app_context_processor
def _transport_helpers():
    language = current_language
    return {
        "stop_name": lambda stop: queries.stop_name(stop, language()),
        "route_name": lambda route: queries.route_name(route, language()),
    }


def _clock(moment: datetime) -> str:
    """A bus time as the page's language writes it, in the network's own timezone (24-hour clock)."""
    return format_time(moment, "HH:mm", tzinfo=moment.tzinfo, locale=get_locale())


def _midnight(day, tz) -> datetime:
    return datetime.combine(day, time(0), tz)


# --------------------------------------------------------------------------- route colours


def _hex(value: str | None) -> str | None:
    value = (value or "").strip().lstrip("#")
    return value.upper() if len(value) == 6 and all(c in "0123456789abcdefABCDEF" for c in value) else None


def _luminance(colour: str) -> float:
    def channel(c: int) -> float:
        c = c / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (int(colour[i : i + 2], 16) for i in (0, 2, 4))
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def _contrast(a: str, b: str) -> float:
    light, dark = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def badge_colours(route: Route) -> tuple[str, str]:
    """The route's colour and a text colour readable on it (the feed's when it is, else black or white: WCAG AA)."""
    background = _hex(route.color) or "1D4F91"
    text = _hex(route.text_color)
    if text is None or _contrast(background, text) < 4.5:
        text = max(("000000", "FFFFFF"), key=lambda c: _contrast(background, c))
    return background, text


@bp.route("/transport/lines.css")
def line_colours():
    """A class per route (.line--<id>) in its colours, for the line badges of every transport page."""
    rules = []
    for route_pk, color, text_color in db.session.execute(select(Route.id, Route.color, Route.text_color)):
        background, text = badge_colours(Route(color=color, text_color=text_color))
        rules.append(f".line--{route_pk} {{ background: #{background}; color: #{text}; border-color: #{text}; }}")
    response = current_app.response_class("\n".join(rules) + "\n", mimetype="text/css")
    response.headers["Cache-Control"] = "public, max-age=300"
    return response


# --------------------------------------------------------------------------- the transport page


def _district_choices() -> list[tuple[str, str]]:
    districts = sorted(list_districts(db.session), key=localized)
    return [("", _("Choose your district"))] + [(str(d.id), localized(d)) for d in districts]


def _stop_point(stop: Stop) -> dict:
    point = to_shape(stop.geom)
    return {
        "lat": round(point.y, 6),
        "lon": round(point.x, 6),
        "name": queries.stop_name(stop, current_language()),
        "url": url_for(".stop", stop_id=stop.stop_id),
    }


@bp.route("/transport")
def index():
    search = StopSearchForm(request.args)
    near = NearForm(request.args)
    near.district.choices = _district_choices()
    status = 200

    found = None
    if request.args.get("q") is not None:
        if search.validate():
            found = queries.search_stops(db.session, search.q.data or "")
        else:
            status = 400

    nearby, district, point = None, None, None
    asked_near = any(request.args.get(k) for k in ("district", "lat", "lon"))
    if asked_near:
        if near.validate():
            point = near.point
            if point is not None:
                nearby = queries.stops_near(db.session, *point)
            elif near.district.data:
                district = db.session.get(District, int(near.district.data)) if near.district.data.isdigit() else None
                if district is None:
                    near.district.errors = [_("Choose your district in the list.")]
                    status = 400
                else:
                    inside = queries.stops_in_district(db.session, district)
                    inside.sort(key=lambda s: queries.stop_name(s, current_language()))
                    nearby = [queries.NearStop(s, None) for s in inside]
        else:
            status = 400

    map_data = None
    if point is not None:
        map_data = {"point": {"lon": point[0], "lat": point[1]}, "stops": [_stop_point(n.stop) for n in nearby or []]}
    elif nearby:
        map_data = {"point": None, "stops": [_stop_point(n.stop) for n in nearby]}
    return render_template(
        "transport/index.html",
        search=search,
        near=near,
        found=found,
        nearby=nearby,
        district=district,
        point=point,
        radius=round(queries.NEAR_METRES),
        routes=queries.list_routes(db.session),
        map_data=map_data,
    ), status


# --------------------------------------------------------------------------- a stop


@dataclass(frozen=True)
class Row:
    """A departure as the page shows it."""

    clock: str
    at: datetime
    route_pk: int | None
    route_id: str
    route_label: str
    headsign: str | None
    arrives_only: bool
    headway_min: int | None


def _towards(translated: str | None, headsign: str | None, fallback: str | None) -> str:
    """Where a bus goes, in the page's language: the terminus's name when the feed translates it, else the feed's
    headsign (in the feed's language), else the terminus's own name."""
    return translated or headsign or fallback or ""


def _rows(found: list[departures.Departure], route_pks: dict[str, int]) -> list[Row]:
    language = current_language()
    return [
        Row(
            clock=_clock(d.at),
            at=d.at,
            route_pk=route_pks.get(d.route_id),
            route_id=d.route_id,
            route_label=d.route_short_name or d.route_long_name or d.route_id,
            headsign=_towards(getattr(d, f"terminus_name_{language}"), d.headsign, d.terminus_name),
            arrives_only=d.arrives_only,
            headway_min=round(d.headway_s / 60) if d.headway_s else None,
        )
        for d in found
    ]


def report_service() -> Service | None:
    """The e-service about a bus stop (a damaged shelter, a missing sign), when the catalogue has one."""
    services = catalog.services_for_layer(db.session, ASSET_LAYER)
    return services[0] if services else None


def _reports_on(stop: Stop):
    """Staff see their own department's reports on the stop; everyone else only how many are being handled."""
    on_stop = (ServiceRequest.asset_layer == ASSET_LAYER, ServiceRequest.asset_ref == queries.asset_code(stop))
    department_id = getattr(current_user, "department_id", None)
    if current_user.is_authenticated and current_user.has_role(*STAFF_ROLES) and department_id is not None:
        # An agent sees only their department's requests, here as in the queue.
        reports = db.session.scalars(
            select(ServiceRequest)
            .where(*on_stop, ServiceRequest.department_id == department_id)
            .order_by(ServiceRequest.filed_at.desc())
            .limit(50)
        ).all()
        return list(reports), None
    count = db.session.scalar(
        select(func.count())
        .select_from(ServiceRequest)
        .join(Service, Service.id == ServiceRequest.service_id)
        .where(
            *on_stop,
            ServiceRequest.status.in_(_OPEN),
            ServiceRequest.merged_into_id.is_(None),
            Service.kind.in_(_PUBLIC_KINDS),
        )
    )
    return None, count


@bp.route("/transport/stops/<path:stop_id>")
def stop(stop_id: str):
    found = queries.get_stop(db.session, stop_id)
    if found is None:
        abort(404)
    tz = departures.network_timezone(db.session)
    now = utcnow()
    today = now.astimezone(tz).date()
    tomorrow = today + timedelta(days=1)
    routes = queries.routes_at(db.session, found)
    route_pks = {r.route_id: r.id for r in routes}
    today_rows = _rows(
        departures.next_departures(db.session, found, now=now, until=_midnight(tomorrow, tz), limit=PER_DAY, tz=tz),
        route_pks,
    )
    tomorrow_rows = _rows(
        departures.next_departures(
            db.session,
            found,
            now=_midnight(tomorrow, tz),
            until=_midnight(tomorrow + timedelta(days=1), tz),
            limit=PER_DAY,
            tz=tz,
        ),
        route_pks,
    )
    service = report_service()
    reports, open_count = _reports_on(found)
    point = _stop_point(found)
    return render_template(
        "transport/stop.html",
        stop=found,
        code=found.code,
        routes=routes,
        days=[(today, _("Today"), today_rows), (tomorrow, _("Tomorrow"), tomorrow_rows)],
        per_day=PER_DAY,
        timezone=tz.key,
        report_url=url_for("citizen.file_request", code=service.code, asset=queries.asset_code(found))
        if service
        else None,
        reports=reports,
        open_count=open_count,
        map_data={"point": None, "stops": [point], "zoom": 17},
        city_map_url=url_for("maps.city_map", lat=point["lat"], lon=point["lon"], zoom=18),
    )


# --------------------------------------------------------------------------- a route


@bp.route("/transport/routes/<path:route_id>")
def route(route_id: str):
    found = queries.get_route(db.session, route_id)
    if found is None:
        abort(404)
    tz = departures.network_timezone(db.session)
    today = utcnow().astimezone(tz).date()
    start = departures.service_day_start(today, tz)
    directions = queries.route_directions(db.session, found, today)

    def clock(seconds: int | None) -> str | None:
        return None if seconds is None else _clock((start + timedelta(seconds=seconds)).astimezone(tz))

    shown = [
        {
            "direction": d,
            "towards": _towards(
                getattr(d.stops[-1], f"name_{current_language()}") if d.stops else None,
                d.headsign,
                queries.stop_name(d.stops[-1], current_language()) if d.stops else None,
            ),
            "first": clock(d.first_s),
            "last": clock(d.last_s),
            "after_midnight": d.last_s is not None and d.last_s >= 86400,
        }
        for d in directions
    ]
    seen, stops = set(), []
    for d in directions:
        for s in d.stops:
            if s.id not in seen:
                seen.add(s.id)
                stops.append(_stop_point(s))
    line = mapping(to_shape(found.geom)) if found.geom is not None else None
    return render_template(
        "transport/route.html",
        route=found,
        directions=shown,
        today=today,
        timezone=tz.key,
        map_data={"point": None, "stops": stops, "line": line, "colour": "#" + badge_colours(found)[0]},
    )
