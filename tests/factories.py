"""Plain factories: make_*(session, **overrides) -> a flushed model instance."""

import itertools
from datetime import date, time

from geoalchemy2.shape import from_shape
from shapely.geometry import MultiPolygon, Point, box

from gis.districts.models import District
from gis.lighting.models import LightPoint
from gis.sanitation.models import CollectionZone, Depot, WasteContainer
from gis.transport.models import Calendar, CalendarDate, Route, Stop, StopTime, Trip
from services.accounts.models import Department, Role, User
from services.accounts.passwords import hash_password

PASSWORD = "correct horse battery"
_HASH = hash_password(PASSWORD)  # hashed once: Argon2 is slow on purpose
_seq = itertools.count(1)


def make_department(session, **overrides) -> Department:
    n = next(_seq)
    values = {"code": f"dept-{n}", "name_ar": f"مصلحة {n}", "name_fr": f"Service {n}"} | overrides
    department = Department(**values)
    session.add(department)
    session.flush()
    return department


def make_user(session, role: Role | str = Role.CITIZEN, **overrides) -> User:
    n = next(_seq)
    role = Role(role)
    values = {
        "email": f"user{n}@example.org",
        "full_name": f"Test User {n}",
        "password_hash": _HASH,
        "role": role.value,
    }
    if role is Role.CITIZEN:
        values |= {"cnie": f"T{n:06d}", "phone": "+212612345678"}
    if role.needs_department and "department" not in overrides and "department_id" not in overrides:
        values["department"] = make_department(session)
    values |= overrides
    user = User(**values)
    session.add(user)
    session.flush()
    return user


def make_district(session, *, bounds=(-2.33, 34.91, -2.31, 34.93), **overrides) -> District:
    n = next(_seq)
    values = {
        "code": f"district-{n}",
        "name_ar": f"حي {n}",
        "name_fr": f"Quartier {n}",
        "population": 10_000,
        "geom": from_shape(MultiPolygon([box(*bounds)]), srid=4326),
    } | overrides
    district = District(**values)
    session.add(district)
    session.flush()
    return district


def make_service(session, *, kind: str = "report", department=None, fields=None, **overrides):
    """A service saved through the catalogue, so its definition is checked like an admin's."""
    from services.catalog.service import save_service

    n = next(_seq)
    department = department or make_department(session)
    values = {
        "code": f"service-{n}",
        "kind": kind,
        "department_id": department.id,
        "name_ar": f"خدمة {n}",
        "name_fr": f"Service en ligne {n}",
        "delay_value": 10,
        "delay_unit": "working_days",
        "fields": fields
        if fields is not None
        else [{"name": "details", "type": "textarea", "label_ar": "التفاصيل", "label_fr": "Détails", "required": True}],
    } | overrides
    service = save_service(session, **values)
    session.flush()
    return service


def make_request(session, store, *, service=None, user=None, values=None, files=None, **overrides):
    """A request filed through the service layer (by a new citizen unless told otherwise)."""
    from services.requests.service import file_request, new_idempotency_key

    service = service or make_service(session)
    if user is None and "contact_email" not in overrides:
        user = make_user(session)
    filed = file_request(
        session,
        service_code=service.code,
        user=user,
        locale=overrides.pop("locale", "fr"),
        values=values if values is not None else {"details": "Lampe éteinte depuis trois jours"},
        files=files or {},
        idempotency_key=overrides.pop("idempotency_key", new_idempotency_key()),
        store=store,
        **overrides,
    )
    session.flush()
    return filed.request


def make_light(session, *, lon: float = -2.32, lat: float = 34.92, **overrides):
    n = next(_seq)
    values = {
        "code": f"L-{n:06d}",
        "technology": "hps",
        "power_w": 150,
        "pole_height_m": 8.0,
        "geom": from_shape(Point(lon, lat), srid=4326),
    } | overrides
    light = LightPoint(**values)
    session.add(light)
    session.flush()
    return light


def make_container(session, *, lon: float = -2.32, lat: float = 34.92, **overrides):
    n = next(_seq)
    values = {
        "code": f"C-{n:06d}",
        "kind": "household",
        "capacity_l": 1100,
        "geom": from_shape(Point(lon, lat), srid=4326),
    } | overrides
    container = WasteContainer(**values)
    session.add(container)
    session.flush()
    return container


def make_zone(session, *, bounds=(-2.33, 34.91, -2.31, 34.93), days="1,3,5", hours=("20:00", "23:00"), **overrides):
    n = next(_seq)
    values = {
        "code": f"zone-{n}",
        "name_ar": f"منطقة الجمع {n}",
        "name_fr": f"Secteur de collecte {n}",
        "contractor": f"Entreprise {n}",
        "days": days,
        "start_time": time.fromisoformat(hours[0]),
        "end_time": time.fromisoformat(hours[1]),
        "geom": from_shape(MultiPolygon([box(*bounds)]), srid=4326),
    } | overrides
    zone = CollectionZone(**values)
    session.add(zone)
    session.flush()
    return zone


def make_depot(session, *, lon: float = -2.32, lat: float = 34.92, **overrides):
    n = next(_seq)
    values = {
        "code": f"D-{n:03d}",
        "name_ar": f"مستودع {n}",
        "name_fr": f"Dépôt {n}",
        "geom": from_shape(Point(lon, lat), srid=4326),
    } | overrides
    depot = Depot(**values)
    session.add(depot)
    session.flush()
    return depot


# --------------------------------------------------------------------------- urban transport


def make_calendar(session, service_id: str, days: str = "1111100", start=None, end=None) -> Calendar:
    """A calendar.txt row; `days` is seven 0/1 flags from Monday."""

    names = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
    row = Calendar(
        service_id=service_id,
        start_date=start or date(2026, 1, 1),
        end_date=end or date(2026, 12, 31),
        **{name: flag == "1" for name, flag in zip(names, days, strict=True)},
    )
    session.add(row)
    session.flush()
    return row


def make_calendar_date(session, service_id: str, day, exception_type: int) -> CalendarDate:

    row = CalendarDate(service_id=service_id, date=day, exception_type=exception_type)
    session.add(row)
    session.flush()
    return row


def make_stop(session, lon: float = -2.32, lat: float = 34.92, **overrides) -> Stop:

    n = next(_seq)
    values = {"stop_id": f"S{n}", "code": f"{n}", "name": f"Stop {n}", "geom": from_shape(Point(lon, lat), srid=4326)}
    stop = Stop(**(values | overrides))
    session.add(stop)
    session.flush()
    return stop


def make_route(session, **overrides) -> Route:

    n = next(_seq)
    values = {"route_id": f"R{n}", "short_name": f"{n}", "long_name": f"Route {n}", "route_type": 3}
    route = Route(**(values | overrides))
    session.add(route)
    session.flush()
    return route


def make_trip(session, route=None, service_id: str = "WK", stops=(), times=(), **overrides) -> Trip:
    """A trip with stop times: `times` are "HH:MM:SS" departures (GTFS times may pass 24:00), one per stop."""

    n = next(_seq)
    route = route or make_route(session)
    trip = Trip(**({"trip_id": f"T{n}", "route_id": route.id, "service_id": service_id} | overrides))
    session.add(trip)
    session.flush()
    for sequence, (stop, clock) in enumerate(zip(stops, times, strict=True), start=1):
        h, m, s = (int(part) for part in clock.split(":"))
        seconds = h * 3600 + m * 60 + s
        session.add(
            StopTime(trip_id=trip.id, stop_sequence=sequence, stop_id=stop.id, arrival_s=seconds, departure_s=seconds)
        )
    session.flush()
    return trip
