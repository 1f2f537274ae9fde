"""Waste collection: residents look up their collection days; the cleanliness department sees full containers,
plans a collection round and finds where dumping is reported again and again."""

import json
from datetime import time
from functools import wraps

from babel.dates import get_day_names
from babel.lists import format_list
from flask import Blueprint, abort, jsonify, render_template, request, url_for
from flask_babel import format_decimal, format_time, get_locale, ngettext
from flask_babel import gettext as _
from flask_login import current_user
from geoalchemy2.shape import to_shape
from shapely.geometry import mapping

from gis.districts.models import District
from gis.districts.queries import district_at, list_districts
from gis.sanitation import queries, rounds
from gis.sanitation.models import Weekday
from portal.auth.access import STAFF_ROLES, roles_required
from portal.errors import apply_to_form
from portal.extensions import db
from portal.i18n import CONTAINER_KIND_LABELS, localized
from portal.sanitation.access import may_plan_collection
from portal.sanitation.forms import (
    CollectionForm,
    ContainersForm,
    HotspotsForm,
    RoundForm,
)
from services.db import utcnow
from services.errors import ServiceError
from services.sanitation import hotspots as dumping

bp = Blueprint("sanitation", __name__)


def cleanliness_staff(view):
    @roles_required(*STAFF_ROLES)
    @wraps(view)
    def wrapped(*args, **kwargs):
        if not may_plan_collection(current_user):
            abort(403)
        return view(*args, **kwargs)

    return wrapped


@bp.app_context_processor
def _sanitation_helpers():
    return {
        "weekday_list": weekday_list,
        "clock": clock,
        "container_kind_label": lambda kind: CONTAINER_KIND_LABELS.get(kind, kind),
        "distance_km": lambda metres: format_decimal(metres / 1000, "#,##0.00"),
    }


def weekday_list(weekdays) -> str:
    """'Monday, Wednesday and Friday' in the page's language, or 'Every day'."""
    if len(set(weekdays)) == len(Weekday):
        return _("Every day")
    names = get_day_names("wide", locale=get_locale())
    return format_list([names[Weekday(day) - 1] for day in weekdays], locale=get_locale())


def clock(moment: time) -> str:
    """A local time of day as the page's language writes it (stored zone hours are already local)."""
    return format_time(moment, "short", rebase=False)


def _district_choices(placeholder: str) -> list[tuple[str, str]]:
    districts = sorted(list_districts(db.session), key=localized)
    return [("", placeholder)] + [(str(d.id), localized(d)) for d in districts]


# --------------------------------------------------------------------------- residents


@bp.route("/collection")
def collection():
    form = CollectionForm(request.args)
    form.district.choices = _district_choices(_("Choose your district"))
    asked = bool(request.args.get("district") or (request.args.get("lon") and request.args.get("lat")))
    schedules, district, point, now = [], None, None, utcnow()
    if asked and form.validate():
        if form.lon.data is not None and form.lat.data is not None:
            point = (form.lon.data, form.lat.data)
            district = district_at(db.session, *point)
            schedule = queries.schedule_at(db.session, *point, now=now)
            schedules = [schedule] if schedule else []
        elif form.district.data:
            district_id = int(form.district.data)
            schedules = queries.district_schedules(db.session, district_id, now=now)
            district = db.session.get(District, district_id)
    if district is not None:
        form.district.data = str(district.id)
    # The point is shown on the map, never sent back: a district chosen next must not be overridden by it.
    form.lon.data = form.lat.data = None
    return render_template(
        "sanitation/collection.html",
        form=form,
        asked=asked and not form.errors,
        schedules=schedules,
        district=district,
        point=point,
    ), 400 if form.errors else 200


@bp.route("/collection/zones.geojson")
def zones_geojson():
    """The collection zones with their contractor, for the map of the collection page."""
    features = [
        {
            "type": "Feature",
            "id": zone.id,
            "properties": {"name": localized(zone), "contractor": zone.contractor},
            "geometry": mapping(to_shape(zone.geom)),
        }
        for zone in queries.list_zones(db.session)
    ]
    response = jsonify({"type": "FeatureCollection", "features": features})
    response.mimetype = "application/geo+json"
    return response


# --------------------------------------------------------------------------- the cleanliness department


def _depot_choices() -> list[tuple[str, str]]:
    return [(str(d.id), f"{localized(d)} ({d.code})") for d in queries.list_depots(db.session)]


@bp.route("/staff/sanitation/containers")
@cleanliness_staff
def containers():
    form = ContainersForm(request.args)
    form.district.choices = _district_choices(_("All districts"))
    round_form = RoundForm(request.args)
    round_form.depot.choices = _depot_choices()
    found, status = [], 200
    if form.validate():
        threshold = form.threshold.data if form.threshold.data is not None else queries.DEFAULT_THRESHOLD
        form.threshold.data = threshold
        district_id = int(form.district.data) if form.district.data else None
        found = queries.full_containers(db.session, threshold=threshold, district_id=district_id)
    else:
        status = 400
    return render_template(
        "sanitation/containers.html",
        form=form,
        round_form=round_form,
        found=found,
        max_stops=rounds.MAX_STOPS,
    ), status


def script_json(data) -> str:
    """JSON to embed in a <script type="application/json"> element: no "</script>" can close it early."""
    return json.dumps(data).replace("<", "\\u003c")


# The containers listing's own arguments, kept on the way back from a round.
LISTING_ARGS = ("threshold", "district")


def _round_map(plan: rounds.Round) -> str:
    """The round as the map script draws it: the depot, then each stop in order."""

    def where(geom) -> list[float]:
        shape = to_shape(geom)
        return [round(shape.y, 7), round(shape.x, 7)]

    return script_json(
        {
            "depot": {"at": where(plan.depot.geom), "label": localized(plan.depot)},
            "stops": [
                {"at": where(stop.container.geom), "label": f"{stop.position}. {stop.container.code}"}
                for stop in plan.stops
            ],
        }
    )


@bp.route("/staff/sanitation/round")
@cleanliness_staff
def collection_round():
    form = RoundForm(request.args)
    form.depot.choices = _depot_choices()
    chosen = request.args.getlist("container", type=int)
    plan, status = None, 200
    if not form.depot.data:
        form.depot.errors = [_("Choose the depot the round leaves from.")]
        status = 400
    elif form.validate():
        try:
            plan = rounds.plan_round(db.session, int(form.depot.data), chosen)
        except ServiceError as exc:
            apply_to_form(form, exc)
            status = 400
    else:
        status = 400
    return render_template(
        "sanitation/round.html",
        form=form,
        plan=plan,
        round_map=_round_map(plan) if plan else None,
        now=utcnow(),
        back=url_for(
            "sanitation.containers", **{k: v for k, v in request.args.items() if k in ("threshold", "district")}
        ),
    ), status


@bp.route("/staff/sanitation/hotspots")
@cleanliness_staff
def hotspots():
    form = HotspotsForm(request.args)
    spots, status = [], 200
    if form.validate():
        for field in (form.days, form.radius, form.min_reports):
            if field.data is None:
                field.data = field.default
        try:
            spots = dumping.dumping_hotspots(
                db.session, days=form.days.data, radius_m=form.radius.data, min_reports=form.min_reports.data
            )
        except ServiceError as exc:
            apply_to_form(form, exc)
            status = 400
    else:
        status = 400
    spots_map = script_json(
        [
            {
                "at": [round(s.spot.lat, 7), round(s.spot.lon, 7)],
                "count": s.spot.count,
                "label": ngettext(
                    "Hotspot %(rank)s: %(num)s report", "Hotspot %(rank)s: %(num)s reports", s.spot.count, rank=i
                ),
            }
            for i, s in enumerate(spots, start=1)
        ]
    )
    return render_template(
        "sanitation/hotspots.html",
        form=form,
        spots=spots,
        spots_map=spots_map,
    ), status
