"""Generate a million requests over three years on PostGIS: the dashboard benchmark's data.

On a database migrated with `flask db upgrade` and seeded with `flask seed demo --history 0` (departments,
districts, e-services, staff, street lights, containers, bus stops), writes N requests (default 1,000,000) filed
over the last three years, drawn from services.requests.activity, the model the demo history also follows:
services weighted, districts by population, weekdays and weekends, Ramadan, summer and Eid al-Adha, year-on-year
growth; about 75 resolved for 8 rejected, 7 closed without action and 4 merged as duplicates, a backlog of a few
thousand still open (some overdue), delays around each service's usual time with a lognormal tail beyond the
legal deadline, decisions of the counters in office hours, ratings for about 30 % of handled requests.

Each request gets what the filing path would have given it: a tracking number of its year (the counters are
moved on, so the portal files the next one), an idempotency key, a secret salt, the citizen (40,000 citizens, a
few of whom file often) or a confirmed email for reports filed without an account, answers to its service's form,
the normalised search text, a point inside its district or the street light, container or bus stop it names, its
legal deadline and internal target (working days skip weekends and holidays), and its history (filed, confirmed,
acknowledged, assigned, started, a document asked for and given, decided, reopened, closed, rated, merged) in
request_event, consistent with its state (services.casework.audit.replay agrees). Handlers are agents of the
service's department (3 to 30 per department, added here), merges are made by its head.

Rows go in by COPY in batches; then the summaries are rebuilt (services.stats.summary.rebuild) and the tables
vacuumed and analysed, as autovacuum would leave them on a live server. Deterministic for a seed and a `now`.

Run: .venv/bin/python bench/generate_requests.py [--requests N] [--seed S] [--now ISO] [--database NAME] [--keep]
"""

import argparse
import contextlib
import hashlib
import json
import random
import sys
import tempfile
import time
from collections import Counter, deque
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import cache
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np
import psycopg
import shapely

DEFAULT_REQUESTS = 1_000_000
CITIZENS = 40_000
BATCH = 25_000
DOMAIN = "bench.berkane.example"
LOCAL_SERVER = "postgresql://postgres@127.0.0.1:5432"

REQUEST_COLUMNS = (
    "id",
    "tracking_number",
    "year",
    "sequence",
    "idempotency_key",
    "secret_salt",
    "service_id",
    "service_version_id",
    "department_id",
    "citizen_id",
    "assigned_to_id",
    "contact_email",
    "contact_confirmed_at",
    "confirm_token_hash",
    "locale",
    "status",
    "answers",
    "search_text",
    "district_id",
    "address",
    "location",
    "asset_layer",
    "asset_ref",
    "filed_at",
    "deadline_at",
    "target_at",
    "updated_at",
    "resolved_at",
    "closed_at",
    "outcome",
    "handled_at",
    "handled_by_id",
    "hours_to_handle",
    "document_requested",
    "rating",
    "rating_comment",
    "rated_at",
    "merged_into_id",
    "row_version",
)
EVENT_COLUMNS = (
    "request_id",
    "at",
    "actor_id",
    "actor_kind",
    "action",
    "from_status",
    "to_status",
    "is_public",
    "note",
    "data",
)


# --------------------------------------------------------------------------- the database


@contextlib.contextmanager
def bench_database(name: str | None, keep: bool, label: str = "berkane_bench_requests"):
    """Yield (SQLAlchemy URL, created now?): a throwaway database, or `name` kept (and reused if it exists)."""
    if name is None:
        from tests.pgcluster import postgis_database

        with postgis_database(label) as url:
            yield url, True
        return
    with psycopg.connect(f"{LOCAL_SERVER}/postgres", autocommit=True) as admin:
        exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone() is not None
        if not exists:
            admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}", not exists
    finally:
        if not keep:
            with psycopg.connect(f"{LOCAL_SERVER}/postgres", autocommit=True) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def make_app(url: str, folder: str):
    from config import TestConfig
    from portal import create_app

    return create_app(
        TestConfig,
        SQLALCHEMY_DATABASE_URI=url,
        UPLOAD_DIR=f"{folder}/uploads",
        SIGNING_KEY_FILE=f"{folder}/signing_key.pem",
        LOG_LEVEL="WARNING",
    )


def build(url: str, count: int, seed: int, folder: str, now: datetime | None = None, log=print) -> dict:
    """Migrate, seed the demo city, generate `count` requests, rebuild the summary, vacuum; returns timings."""
    from flask_migrate import upgrade

    from portal.extensions import db
    from services.stats import summary

    app = make_app(url, folder)
    timings = {}
    with app.app_context():
        start = time.perf_counter()
        upgrade()
        result = app.test_cli_runner().invoke(args=["seed", "demo", "--history", "0"])
        if result.exit_code != 0:
            raise RuntimeError(result.output)
        timings["migrate_and_seed_s"] = time.perf_counter() - start
        log(f"migrated and seeded the demo city in {timings['migrate_and_seed_s']:.1f} s")

        start = time.perf_counter()
        counts = generate(db.session, count, seed, now=now, log=log)
        db.session.commit()
        timings["generate_s"] = time.perf_counter() - start
        log(
            f"generated and copied {count:,} requests, {counts['events']:,} history entries "
            f"in {timings['generate_s']:.1f} s"
        )

        start = time.perf_counter()
        written = summary.rebuild(db.session)
        db.session.commit()
        timings["rebuild_s"] = time.perf_counter() - start
        rows = ", ".join(f"{table} {count:,}" for table, count in written.items())
        log(f"rebuilt the summaries ({rows} rows) in {timings['rebuild_s']:.1f} s")
        db.engine.dispose()

    start = time.perf_counter()
    with psycopg.connect(url.replace("postgresql+psycopg", "postgresql"), autocommit=True) as connection:
        for table in (
            "service_request",
            "request_event",
            *(model.__tablename__ for model in summary.SUMMARIES),
            "user_account",
            "outbox_message",
        ):
            connection.execute(f"VACUUM (ANALYZE) {table}")
        connection.execute("ANALYZE")
    timings["vacuum_analyze_s"] = time.perf_counter() - start
    log(f"vacuumed and analysed in {timings['vacuum_analyze_s']:.1f} s")
    timings.update(counts)
    return timings


# --------------------------------------------------------------------------- what the city holds


@dataclass
class ServiceRow:
    id: int
    code: str
    kind: str
    department_id: int
    version_id: int
    delay_value: int
    delay_unit: str
    target_value: int | None
    asset_layer: str | None
    fields: list


def _services(session) -> list[ServiceRow]:
    from sqlalchemy import select

    from services.catalog.forms import parse_fields
    from services.catalog.models import Service

    rows = []
    for service in session.scalars(select(Service).where(Service.is_active.is_(True)).order_by(Service.code)):
        v = service.current
        rows.append(
            ServiceRow(
                service.id,
                service.code,
                service.kind,
                service.department_id,
                v.id,
                v.delay_value,
                v.delay_unit,
                v.target_value,
                v.asset_layer,
                parse_fields(v.fields),
            )
        )
    return rows


class Places:
    """Points drawn inside each district (numpy, in bulk), dumping hotspots, and the assets each district holds."""

    POOL = 50_000

    def __init__(self, seed: int, session, districts):
        from geoalchemy2.shape import to_shape
        from sqlalchemy import func, select

        from gis.assets import LAYERS

        self.np = np.random.default_rng(seed)
        self.shapes = [to_shape(d.geom) for d in districts]
        self.points = [self._pool(i) for i in range(len(districts))]
        self.cursor = [0] * len(districts)
        self.hotspots = [self._near(i, self.points[i][:3], 60) for i in range(len(districts))]
        self.hot_cursor = [0] * len(districts)
        self.assets: dict[str, list[list[tuple[str, float, float]]]] = {}
        for layer, model in LAYERS.items():
            code = func.coalesce(model.code, model.stop_id) if layer == "bus_stop" else model.code
            where = (model.location_type == 0,) if layer == "bus_stop" else ()
            lists = [[] for _ in districts]
            rows = session.execute(
                select(code, func.ST_X(model.geom), func.ST_Y(model.geom)).where(*where).order_by(model.id)
            )
            for ref, lon, lat in rows:
                for i, shape in enumerate(self.shapes):
                    if shapely.contains_xy(shape, lon, lat):
                        lists[i].append((ref, lon, lat))
                        break
            self.assets[layer] = lists

    def _pool(self, district: int) -> np.ndarray:
        shape = self.shapes[district]
        minx, miny, maxx, maxy = shape.bounds
        found = []
        while sum(len(f) for f in found) < self.POOL:
            xs = self.np.uniform(minx, maxx, self.POOL)
            ys = self.np.uniform(miny, maxy, self.POOL)
            inside = shapely.contains_xy(shape, xs, ys)
            found.append(np.column_stack([xs[inside], ys[inside]]))
        return np.round(np.concatenate(found)[: self.POOL], 6)

    def _near(self, district: int, centres: np.ndarray, metres: float) -> np.ndarray:
        shape = self.shapes[district]
        picks = self.np.integers(0, len(centres), self.POOL)
        xs = centres[picks, 0] + self.np.normal(0, metres / 91_000, self.POOL)
        ys = centres[picks, 1] + self.np.normal(0, metres / 111_000, self.POOL)
        inside = shapely.contains_xy(shape, xs, ys)
        return np.round(np.column_stack([xs[inside], ys[inside]]), 6)

    def point(self, district: int, hotspot: bool = False) -> tuple[float, float]:
        pool, cursors = (self.hotspots, self.hot_cursor) if hotspot else (self.points, self.cursor)
        n = cursors[district]
        cursors[district] = (n + 1) % len(pool[district])
        x, y = pool[district][n]
        return float(x), float(y)


# --------------------------------------------------------------------------- people


def _staff(session, services: list[ServiceRow], password_hash: str) -> dict[int, tuple[list[int], list[int]]]:
    """Each department's (supervisor ids, agent ids), with agents added in proportion to its share of requests."""
    from sqlalchemy import insert, select

    from services.accounts.models import Department, Role, User
    from services.requests.activity import profile

    share = Counter()
    for s in services:
        share[s.department_id] += profile(s.code).weight
    total = sum(share.values())
    teams = {}
    for department in session.scalars(select(Department).order_by(Department.id)):
        members = session.execute(
            select(User.id, User.role).where(User.department_id == department.id, User.is_active.is_(True))
        ).all()
        heads = [i for i, role in members if role == Role.SUPERVISOR.value]
        agents = [i for i, role in members if role == Role.AGENT.value]
        wanted = max(3, round(120 * share[department.id] / total))
        rows = []
        if not heads:
            rows.append((Role.SUPERVISOR, f"{department.code}-head"))
        rows += [(Role.AGENT, f"{department.code}-agent{n:02d}") for n in range(len(agents) + 1, wanted + 1)]
        for role, name in rows:
            user_id = session.execute(
                insert(User)
                .values(
                    email=f"{name}@{DOMAIN}",
                    full_name=_name(len(agents) + department.id * 37),
                    role=role.value,
                    department_id=department.id,
                    password_hash=password_hash,
                    locale="fr" if department.id % 2 else "ar",
                )
                .returning(User.id)
            ).scalar_one()
            (heads if role is Role.SUPERVISOR else agents).append(user_id)
        teams[department.id] = (heads, agents)
    return teams


def _name(n: int) -> str:
    from services.requests.history_demo import FIRST_NAMES, LAST_NAMES

    return f"{FIRST_NAMES[n % len(FIRST_NAMES)]} {LAST_NAMES[(n // len(FIRST_NAMES)) % len(LAST_NAMES)]}"


def _citizens(session, count: int, password_hash: str, rng: random.Random) -> list[tuple[int, str, str]]:
    """COPY `count` citizen accounts; returns (id, full name, locale) in order of their number."""
    from sqlalchemy import text

    now = datetime.now(UTC)
    connection = session.connection().connection.driver_connection
    with connection.cursor() as cursor:
        columns = (
            "email, full_name, phone, cnie, password_hash, role, locale, is_active, session_token, created_at, "
            "password_changed_at"
        )
        with cursor.copy(f"COPY user_account ({columns}) FROM STDIN") as copy:
            for n in range(count):
                copy.write_row(
                    (
                        f"citizen{n:05d}@{DOMAIN}",
                        _name(n * 7 + n // 100),
                        f"+2126{70000000 + n:08d}",
                        f"BN{n:06d}",
                        password_hash,
                        "citizen",
                        "ar" if rng.random() < 0.65 else "fr",
                        True,
                        f"{rng.getrandbits(128):032x}",
                        now,
                        now,
                    )
                )
    rows = session.execute(
        text("SELECT id, full_name, locale FROM user_account WHERE email LIKE :pattern ORDER BY email"),
        {"pattern": f"citizen%@{DOMAIN}"},
    ).all()
    return [tuple(r) for r in rows]


# --------------------------------------------------------------------------- requests


class Deadlines:
    """services.requests.deadlines.deadline, remembered by local day for working days (the same answer each time)."""

    def __init__(self):
        from services.requests import deadlines

        self.deadlines = deadlines
        self.days: dict[tuple[date, int], datetime] = {}

    def __call__(self, start: datetime, value: int | None, unit: str) -> datetime | None:
        from services.clock import local

        if value is None:
            return None
        if unit == "hours":
            return start + timedelta(hours=value)
        key = (local(start).date(), value)
        if key not in self.days:
            self.days[key] = self.deadlines.deadline(start, value, unit).astimezone(UTC)
        return self.days[key]


@cache
def _normalise(text: str) -> str:
    from services.catalog.text import normalise

    return normalise(text)


def _search_text(parts) -> str:
    return " ".join(t for t in (_normalise(p) for p in parts if p) if t)


def generate(session, count: int, seed: int, *, now: datetime | None = None, log=print) -> dict:
    """Write `count` requests filed over the last three years; returns counts of what was written."""
    from sqlalchemy import func, select, text

    from gis.districts.models import District
    from services.accounts.passwords import hash_password
    from services.casework.models import ResponseTemplate
    from services.catalog.forms import FieldType
    from services.clock import local
    from services.requests import activity
    from services.requests.history_demo import COMMENTS, GENERIC_TEXTS, NOTES, STREETS, TEXTS
    from services.requests.models import ServiceRequest, TrackingCounter
    from services.requests.tracking import format_number
    from services.workflow.states import OPEN_STATES, Status
    from services.workflow.transitions import OUTCOMES, TRANSITIONS

    now = now or datetime.now(UTC)
    rng = random.Random(seed)  # noqa: S311 (reproducible bench data, not secrets)
    salts = random.Random(seed + 1)  # noqa: S311
    started = time.perf_counter()
    services = _services(session)
    districts = list(session.scalars(select(District).order_by(District.code)))
    places = Places(seed, session, districts)
    password_hash = hash_password(f"bench-{seed}-not-for-signing-in")
    teams = _staff(session, services, password_hash)
    citizens = _citizens(session, CITIZENS, password_hash, rng)
    appeal = session.scalar(
        select(ResponseTemplate).where(ResponseTemplate.kind == "appeal", ResponseTemplate.is_active.is_(True))
    )
    log(
        f"  places, {sum(len(a) + len(h) for a, h in teams.values())} staff, {len(citizens):,} citizens "
        f"in {time.perf_counter() - started:.1f} s"
    )

    infos = [
        activity.ServiceInfo(s.code, s.kind, s.department_id, any(f.type is FieldType.LOCATION for f in s.fields))
        for s in services
    ]
    by_code = {s.code: s for s in services}
    planner = activity.Planner(rng, infos, [d.population or 1 for d in districts], now)
    first = local(now).date() - timedelta(days=3 * 365 - 1)
    deadline = Deadlines()
    base_id = (session.scalar(select(func.max(ServiceRequest.id))) or 0) + 1
    counters = {row.year: row.last for row in session.scalars(select(TrackingCounter))}
    open_values = {s.value for s in OPEN_STATES}
    public = {name: t.public for name, t in TRANSITIONS.items()}
    targets = {name: t.target.value for name, t in TRANSITIONS.items()}
    appeal_data = {"template_id": None, "appeal_ar": appeal.body_ar, "appeal_fr": appeal.body_fr} if appeal else {}
    # Most history entries carry the same few data: their JSON is written once.
    empty, no_photos = "{}", json.dumps({"photos": 0})
    appeal_json = json.dumps(appeal_data)
    filed_json = {s.department_id: json.dumps({"department_id": s.department_id}) for s in services}
    rated_json = {n: json.dumps({"rating": n}) for n in range(1, 6)}
    pending, new = Status.PENDING_CONFIRMATION.value, Status.NEW.value
    decided_states = {Status.RESOLVED.value, Status.APPROVED.value, Status.REJECTED.value}
    ended_states = {Status.CLOSED.value, Status.DUPLICATE.value}
    outcome_values = {name: o.value for name, o in OUTCOMES.items()}
    connection = session.connection().connection.driver_connection
    requests_rows, event_rows = [], []
    written = Counter()
    places_of: dict[int, tuple] = {}
    window: deque = deque()

    def citizen_index() -> int:
        # A few residents file often: the square of a uniform draw favours the first numbers.
        return int(len(citizens) * rng.random() ** 2)

    def place_for(plan, service: ServiceRow):
        """(district index, address, lon, lat, asset ref) of a located request."""
        if plan.master is not None and plan.master in places_of:
            d, address, lon, lat, ref = places_of[plan.master]
            if ref is None:
                lon, lat = round(lon + rng.gauss(0, 0.0002), 6), round(lat + rng.gauss(0, 0.00015), 6)
                if not shapely.contains_xy(places.shapes[d], lon, lat):
                    lon, lat = places_of[plan.master][2:4]
            return d, address, lon, lat, ref
        d = plan.district
        assets = places.assets.get(service.asset_layer or "", None)
        if assets and assets[d] and rng.random() < 0.85:
            ref, lon, lat = assets[d][int(len(assets[d]) * rng.random() ** 2)]
            return d, ref, lon, lat, ref
        hotspot = service.code == "illegal-dumping" and rng.random() < 0.5
        lon, lat = places.point(d, hotspot)
        return d, f"{rng.randint(1, 180)} {rng.choice(STREETS)}", lon, lat, None

    def answers_for(plan, service: ServiceRow, place, locale: str) -> dict:
        answers = {}
        day = local(plan.filed_at).date()
        for f in service.fields:
            if f.type in (FieldType.TEXT, FieldType.TEXTAREA):
                answers[f.name] = rng.choice(TEXTS.get(service.code, GENERIC_TEXTS))
            elif f.type is FieldType.NUMBER:
                low = int(f.min) if f.min is not None else 1
                high = int(f.max) if f.max is not None else low + 5
                answers[f.name] = str(
                    rng.randint(1950, 2010) if f.name == "birth_year" else rng.randint(low, min(high, low + 5))
                )
            elif f.type is FieldType.DATE:
                answers[f.name] = (day + timedelta(days=rng.randint(1, 20))).isoformat()
            elif f.type is FieldType.CHOICE:
                answers[f.name] = rng.choice(f.choices).value
            elif f.type is FieldType.YES_NO:
                answers[f.name] = rng.random() < 0.5
            elif f.type is FieldType.LOCATION and place is not None:
                d, address, lon, lat, ref = place
                answers[f.name] = {
                    "district_id": districts[d].id,
                    "address": address,
                    "lon": lon,
                    "lat": lat,
                    "asset_ref": ref,
                }
        return answers

    def write(plan) -> None:
        service = by_code[plan.service.code]
        request_id = base_id + plan.index
        heads, agents = teams[service.department_id]
        agent = agents[int(plan.handler * len(agents))]
        head = heads[int(plan.handler * len(heads))]
        year = local(plan.filed_at).year
        counters[year] = sequence = counters.get(year, 0) + 1
        number = format_number(year, sequence)
        key = f"bench-{seed}-{request_id:010d}"
        if plan.anonymous:
            citizen_id, name, locale = None, "", plan.locale
            email = f"resident{citizen_index():05d}@example.org"
        else:
            citizen_id, name, locale = citizens[citizen_index()]
            email = None
        place = place_for(plan, service) if plan.service.located else None
        if place is not None:
            places_of[plan.index] = place
        answers = answers_for(plan, service, place, locale)
        parts = [place[1] if place else "", name] + [v for v in answers.values() if isinstance(v, str)]

        status = pending if plan.anonymous else new
        users = {"agent": agent, "supervisor": head, "citizen": citizen_id, "system": None}
        confirmed = assigned = resolved = closed = outcome = handled = handled_by = rated_at = None
        document = False
        changes = 0
        for step in plan.steps:
            action, at, by = step.action, step.at, step.by
            data = empty
            note = None
            before = status
            if action == "filed":
                event_rows.append(
                    (
                        request_id,
                        at,
                        citizen_id,
                        "citizen",
                        "filed",
                        None,
                        status,
                        True,
                        None,
                        filed_json[service.department_id],
                    )
                )
                continue
            if action == "rated":
                rated_at = at
                event_rows.append(
                    (
                        request_id,
                        at,
                        citizen_id,
                        "citizen",
                        "rated",
                        None,
                        None,
                        True,
                        None,
                        rated_json[plan.rating],
                    )
                )
                changes += 1
                continue
            if action == "merged_in":  # written with the duplicate's merge, which knows its number
                continue
            status = targets[action]
            changes += 1
            if action == "confirm":
                confirmed = at
            elif action == "assign":
                data = json.dumps({"assignee_id": agent, "previous_id": assigned})
                assigned = agent
            elif action == "request_document":
                document = True
            elif action == "reject":
                data = appeal_json
            elif action == "resolve":
                data = no_photos
            elif action == "merge":
                master_id = base_id + plan.master
                data = json.dumps({"master_id": master_id, "master": numbers.get(plan.master, "")})
                assigned = None
                merged_in.append((master_id, at, head, plan.index, number))
            if action in NOTES:
                note = NOTES[action][0 if locale == "ar" else 1]
            if status in decided_states:
                resolved = at
            if action == "reopen":
                resolved = None
            if status in ended_states:
                closed = at
            decided = outcome_values.get(action)
            if decided is not None or status in open_values:
                outcome = decided
                handled = at if decided is not None else None
                handled_by = users[by] if decided is not None else None
            event_rows.append((request_id, at, users[by], by, action, before, status, public[action], note, data))
        numbers[plan.index] = number
        start = confirmed or plan.filed_at
        requests_rows.append(
            (
                request_id,
                number,
                year,
                sequence,
                key,
                f"{salts.getrandbits(128):032x}",
                service.id,
                service.version_id,
                service.department_id,
                citizen_id,
                assigned,
                email,
                confirmed,
                hashlib.sha256(key.encode()).hexdigest() if status == pending else None,
                locale,
                status,
                json.dumps(answers, ensure_ascii=False),
                _search_text(parts),
                districts[place[0]].id if place else None,
                place[1] if place else None,
                f"SRID=4326;POINT({place[2]!r} {place[3]!r})" if place else None,
                service.asset_layer,
                place[4] if place else None,
                plan.filed_at,
                deadline(start, service.delay_value, service.delay_unit),
                deadline(start, service.target_value, service.delay_unit),
                plan.steps[-1].at,
                resolved,
                closed,
                outcome,
                handled,
                handled_by,
                int((handled - plan.filed_at).total_seconds() // 3600) if handled else None,
                document,
                plan.rating if rated_at else None,
                COMMENTS[plan.index % len(COMMENTS)] if rated_at and plan.index % 7 == 0 else None,
                rated_at,
                base_id + plan.master if plan.master is not None and outcome == "duplicate" else None,
                1 + changes,
            )
        )
        written["requests"] += 1
        written[f"status {status}"] += 1
        written[f"outcome {outcome}"] += 1

    numbers: dict[int, str] = {}
    merged_in: list = []

    def flush() -> None:
        if not requests_rows:
            return
        with connection.cursor() as cursor:
            with cursor.copy(f"COPY service_request ({', '.join(REQUEST_COLUMNS)}) FROM STDIN") as copy:
                for row in requests_rows:
                    copy.write_row(row)
            for master_id, at, head, index, number in merged_in:
                event_rows.append(
                    (
                        master_id,
                        at,
                        head,
                        "supervisor",
                        "merged_in",
                        None,
                        None,
                        False,
                        None,
                        json.dumps({"duplicate_id": base_id + index, "duplicate": number}),
                    )
                )
            with cursor.copy(f"COPY request_event ({', '.join(EVENT_COLUMNS)}) FROM STDIN") as copy:
                for row in event_rows:
                    copy.write_row(row)
        written["events"] += len(event_rows)
        requests_rows.clear()
        event_rows.clear()
        merged_in.clear()
        if written["requests"] % 100_000 < BATCH:
            log(f"  {written['requests']:,} requests written, {time.perf_counter() - started:.0f} s")

    for plan in planner.plans(first, count):
        window.append(plan)
        # A duplicate names a master of the last two weeks: plans leave the window once none can name them.
        while window[0].filed_at < plan.filed_at - activity.MASTER_WINDOW - timedelta(days=1):
            old = window.popleft()
            write(old)
            places_of.pop(old.index - 100_000, None)  # far older than any master a duplicate can name
            if len(requests_rows) >= BATCH:
                flush()
    while window:
        write(window.popleft())
    flush()

    for year, last in counters.items():
        session.execute(
            text(
                "INSERT INTO tracking_counter (year, last) VALUES (:year, :last) "
                "ON CONFLICT (year) DO UPDATE SET last = GREATEST(tracking_counter.last, EXCLUDED.last)"
            ),
            {"year": year, "last": last},
        )
    session.execute(
        text("SELECT setval(pg_get_serial_sequence('service_request', 'id'), (SELECT max(id) FROM service_request))")
    )
    return dict(written)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=DEFAULT_REQUESTS)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument(
        "--now", type=datetime.fromisoformat, help="the moment the data ends, ISO with a UTC offset (default: now)"
    )
    parser.add_argument("--database", help="a database name to create (or reuse if it exists) on 127.0.0.1:5432")
    parser.add_argument("--keep", action="store_true", help="keep --database afterwards (default: drop it)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder, bench_database(args.database, args.keep) as (url, fresh):
        if not fresh:
            sys.exit(f"{args.database} exists already: drop it, or reuse it with bench/dashboard.py --reuse")
        start = time.perf_counter()
        timings = build(url, args.requests, args.seed, folder, now=args.now, log=lambda line: print(line, flush=True))
        print(f"total {time.perf_counter() - start:.1f} s")
        for key in sorted(k for k in timings if k.startswith(("status", "outcome"))):
            print(f"  {key:<28}{timings[key]:>10,}")


if __name__ == "__main__":
    main()
