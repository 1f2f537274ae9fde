"""A year of demo activity, carried out through the real filing and workflow functions (idempotent).

Residents file requests over the last months (services.requests.activity draws who, what, where and when);
each request then moves along the workflow at its planned times: acknowledged, assigned, started, decided,
reopened now and then, closed, rated. Steps run in the order they happened across all requests, with `now`
set to their time, so the history entries, the street lights' faults, the deadlines and the daily summary
are what the portal would have recorded on those days. What is still ahead of `now` has not happened yet:
the recent requests form the backlog, some of them overdue. The emails these steps queued belong to the past:
they are marked as sent.
"""

import heapq
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

import shapely
from geoalchemy2.shape import to_shape
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from gis.districts.models import District
from gis.lighting.models import LightPoint
from gis.sanitation.models import WasteContainer
from gis.transport.models import Stop
from services.accounts.models import Department, Role, User
from services.accounts.passwords import hash_password
from services.casework import actions
from services.catalog.forms import FieldDef, FieldType, parse_fields
from services.catalog.models import Service
from services.clock import local
from services.db import utcnow
from services.demo import DEMO_EMAIL_DOMAIN
from services.errors import Invalid
from services.notifications.models import MessageStatus, OutboxMessage
from services.requests import activity
from services.requests.holidays import decreed_days
from services.requests.models import ServiceRequest
from services.requests.service import file_request, rate
from services.requests.uploads import FileStore
from services.workflow import transitions
from services.workflow.transitions import Actor

KEY_PREFIX = "demo-history-"
DEFAULT_COUNT = 1200
DEFAULT_MONTHS = 12
MAX_COUNT = 20_000
RESIDENTS = 40
AGENTS_PER_DEPARTMENT = 2
# The demo's other accounts' passwords, so that a developer can sign in as any department's staff.
STAFF_PASSWORD = "demo-agent-2026"  # noqa: S105 (demo data only)
RESIDENT_PASSWORD = "demo-citizen-2026"  # noqa: S105 (demo data only)

FIRST_NAMES = ("Amina", "Said", "Khadija", "Mohamed", "Latifa", "Rachid", "Naima", "Abdellah", "Houda", "Mustapha")
LAST_NAMES = ("Bakkali", "Ziani", "Alaoui", "Belhaj", "Mansouri", "Kaddouri", "Lahlou", "Ouazzani", "Sbai", "Tahiri")
STREETS = (
    "Boulevard Mohammed V",
    "Avenue Hassan II",
    "Rue de Fès",
    "Boulevard Mohammed VI",
    "Rue Al Massira",
    "شارع محمد الخامس",
    "زنقة الأندلس",
    "شارع الحسن الثاني",
)
TEXTS = {
    "street-light-outage": (
        "العمود الكهربائي مطفأ منذ ليلتين والشارع مظلم.",
        "Le lampadaire est éteint depuis deux nuits, la rue est dans le noir.",
        "الضوء يشتعل وينطفئ طوال الليل.",
        "Le lampadaire clignote toute la nuit.",
    ),
    "container-problem": (
        "الحاوية ممتلئة والنفايات على الرصيف.",
        "Le conteneur déborde, des sacs jonchent le trottoir.",
        "غطاء الحاوية مكسور.",
    ),
    "illegal-dumping": (
        "أكوام من مخلفات البناء في الأرض الخلاء.",
        "Dépôt de gravats sur le terrain vague derrière l'école.",
    ),
    "road-damage": ("حفرة كبيرة وسط الطريق.", "Nid-de-poule profond au milieu de la chaussée."),
    "water-leak-public-space": (
        "الماء يسيل في الطريق منذ الصباح.",
        "De l'eau s'écoule sur la chaussée depuis ce matin.",
    ),
    "stray-animals": ("كلاب ضالة قرب المدرسة.", "Des chiens errants près de l'école."),
    "damaged-bus-shelter": ("زجاج ملجأ المحطة مكسور.", "La vitre de l'abribus est cassée."),
}
GENERIC_TEXTS = ("نرجو التدخل في أقرب الآجال.", "Merci d'intervenir rapidement.", "Berkane")
NOTES = {
    "reject": ("الملف ناقص.", "Le dossier est incomplet."),
    "close_without_action": ("لم نجد أي مشكل في المكان المشار إليه.", "Aucun problème constaté sur place."),
    "request_document": ("نسخة من البطاقة الوطنية", "Copie de la CNIE"),
    "provide_document": ("أرسلت الوثيقة المطلوبة.", "Voici la pièce demandée."),
    "reopen": ("المشكل عاد من جديد.", "Le problème est revenu."),
}
COMMENTS = ("شكرا على السرعة.", "Merci, c'est réparé.", "Trop long.", "الخدمة جيدة.")
_LAYERS = {"street_light": LightPoint, "waste_container": WasteContainer}


@dataclass
class Staff:
    supervisors: list[User]
    agents: list[User]

    def agent(self, share: float) -> User:
        return self.agents[int(share * len(self.agents))]

    def supervisor(self, share: float) -> User:
        return self.supervisors[int(share * len(self.supervisors))]


def already_seeded(session: Session) -> bool:
    return (
        session.scalar(select(ServiceRequest.id).where(ServiceRequest.idempotency_key.like(f"{KEY_PREFIX}%")).limit(1))
        is not None
    )


def seed_history(
    session: Session,
    store: FileStore,
    *,
    count: int = DEFAULT_COUNT,
    months: int = DEFAULT_MONTHS,
    seed: int = 2026,
    now: datetime | None = None,
    progress: Callable[[int], object] | None = None,
) -> int:
    """File `count` requests over the last `months` and move them along; returns how many were filed now."""
    if count <= 0 or already_seeded(session):
        return 0
    now = now or utcnow()
    rng = random.Random(seed)  # noqa: S311 (reproducible demo data, not secrets)
    staff = _staff(session, DEMO_EMAIL_DOMAIN)
    residents = _residents(session, DEMO_EMAIL_DOMAIN)
    districts = list(session.scalars(select(District).order_by(District.code)))
    if not districts:
        raise ValueError("seed the districts first")
    services = [
        s
        for s in session.scalars(select(Service).where(Service.is_active.is_(True)).order_by(Service.code))
        if s.department_id in staff and not any(f.type is FieldType.FILE and f.required for f in _fields(s))
    ]
    infos = [
        activity.ServiceInfo(s.code, s.kind, s.department_id, any(f.type is FieldType.LOCATION for f in _fields(s)))
        for s in services
    ]
    places = Places(rng, session, districts)
    planner = activity.Planner(rng, infos, [d.population or 1 for d in districts], now, anonymous_share=0.0)
    first = local(now).date() - timedelta(days=round(months * 30.44))
    plans = list(planner.plans(first, count))
    outbox_before = session.scalar(select(func.max(OutboxMessage.id))) or 0
    extra = decreed_days(session)
    due = [(step.at, plan.index, n) for plan in plans for n, step in enumerate(_ordered(plan))]
    heapq.heapify(due)
    ordered = {plan.index: _ordered(plan) for plan in plans}
    filed: dict[int, ServiceRequest] = {}
    done = 0
    while due:
        _at, index, n = heapq.heappop(due)
        plan, step = plans[index], ordered[index][n]
        citizen = residents[int(len(residents) * rng.random() ** 2)] if step.action == "filed" else None
        if step.action == "filed":
            filed[index] = _file(session, store, plan, services, places, citizen, extra)
            done += 1
            if progress:
                progress(1)
        else:
            _move(session, plan, step, filed, staff[plan.service.department_id])
    # Those emails went out on the days they were written.
    session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id > outbox_before, OutboxMessage.status == MessageStatus.PENDING.value)
        .values(status=MessageStatus.SENT.value, sent_at=OutboxMessage.next_attempt_at, attempts=1)
    )
    session.flush()
    return done


def _ordered(plan: activity.Plan) -> list[activity.Step]:
    # The master's note of a merge is written by the merge itself.
    return sorted((s for s in plan.steps if s.action != "merged_in"), key=lambda s: s.at)


_FIELDS: dict[int, list[FieldDef]] = {}


def _fields(service: Service) -> list[FieldDef]:
    version = service.current
    if version.id not in _FIELDS:
        _FIELDS[version.id] = parse_fields(version.fields)
    return _FIELDS[version.id]


# --------------------------------------------------------------------------- who files, who handles


def _staff(session: Session, domain: str) -> dict[int, Staff]:
    """Each department's active supervisors and agents, adding a head and two agents where they are missing."""
    password_hash = None
    teams = {}
    for department in session.scalars(select(Department).where(Department.is_active.is_(True)).order_by(Department.id)):
        members = list(
            session.scalars(
                select(User).where(User.department_id == department.id, User.is_active.is_(True)).order_by(User.id)
            )
        )
        team = Staff(
            [u for u in members if u.role == Role.SUPERVISOR.value], [u for u in members if u.role == Role.AGENT.value]
        )
        wanted = [(Role.SUPERVISOR, f"{department.code}-head")] if not team.supervisors else []
        wanted += [
            (Role.AGENT, f"{department.code}-agent{n}") for n in range(len(team.agents) + 1, AGENTS_PER_DEPARTMENT + 1)
        ]
        for role, local_part in wanted:
            password_hash = password_hash or hash_password(STAFF_PASSWORD)
            n = department.id * 3 + len(team.agents)
            user = User(
                email=f"{local_part}@{domain}",
                full_name=f"{FIRST_NAMES[n % 10]} {LAST_NAMES[(n * 3 + 1) % 10]}",
                role=role.value,
                department_id=department.id,
                password_hash=password_hash,
            )
            session.add(user)
            session.flush()
            (team.supervisors if role is Role.SUPERVISOR else team.agents).append(user)
        teams[department.id] = team
    return teams


def _residents(session: Session, domain: str) -> list[User]:
    emails = [f"resident{n:02d}@{domain}" for n in range(1, RESIDENTS + 1)]
    found = {u.email: u for u in session.scalars(select(User).where(User.email.in_(emails)))}
    password_hash = None
    for n, email in enumerate(emails, 1):
        if email in found:
            continue
        password_hash = password_hash or hash_password(RESIDENT_PASSWORD)
        found[email] = User(
            email=email,
            full_name=f"{FIRST_NAMES[n % 10]} {LAST_NAMES[(n * 7) % 10]}",
            phone=f"+2126{61000000 + n:08d}",
            cnie=f"HR{n:04d}",
            role=Role.CITIZEN.value,
            locale="ar" if n % 3 else "fr",
            password_hash=password_hash,
        )
        session.add(found[email])
    session.flush()
    return [found[e] for e in emails]


# --------------------------------------------------------------------------- where


class Places:
    """Points inside each district, a few dumping hotspots, and the assets (lights, containers, stops) per district."""

    def __init__(self, rng: random.Random, session: Session, districts: list[District]):
        self.rng = rng
        self.districts = districts
        self.shapes = [to_shape(d.geom) for d in districts]
        self.hotspots = [[self.point(i) for _ in range(3)] for i in range(len(districts))]
        by_id = {d.id: i for i, d in enumerate(districts)}
        self.assets: dict[str, list[list[str]]] = {}
        for layer, model in _LAYERS.items():
            lists = [[] for _ in districts]
            for code, district_id in session.execute(select(model.code, model.district_id).order_by(model.id)):
                if district_id in by_id:
                    lists[by_id[district_id]].append(code)
            self.assets[layer] = lists
        stops = [[] for _ in districts]
        for stop_id, code, geom in session.execute(
            select(Stop.stop_id, Stop.code, Stop.geom).where(Stop.location_type == 0).order_by(Stop.id)
        ):
            point = to_shape(geom)
            for i, shape in enumerate(self.shapes):
                if shape.contains(point):
                    stops[i].append(code or stop_id)
                    break
        self.assets["bus_stop"] = stops

    def point(self, district: int, near: tuple[float, float] | None = None, metres: float = 60) -> tuple[float, float]:
        shape, rng = self.shapes[district], self.rng
        minx, miny, maxx, maxy = shape.bounds
        for _ in range(200):
            if near is not None:
                lon = near[0] + rng.gauss(0, metres / 91_000)
                lat = near[1] + rng.gauss(0, metres / 111_000)
            else:
                lon, lat = rng.uniform(minx, maxx), rng.uniform(miny, maxy)
            if shapely.contains_xy(shape, lon, lat):
                return round(lon, 6), round(lat, 6)
        centre = shape.representative_point()
        return centre.x, centre.y

    def asset(self, layer: str | None, district: int) -> str | None:
        codes = self.assets.get(layer or "", [[] for _ in self.districts])[district]
        # Reports cluster on a few troublesome assets: the square of a uniform draw favours the first ones.
        return codes[int(len(codes) * self.rng.random() ** 2)] if codes else None


def _values(rng: random.Random, plan: activity.Plan, service: Service, places: Places) -> dict[str, str]:
    day = local(plan.filed_at).date()
    values: dict[str, str] = {}
    for f in _fields(service):
        if f.type in (FieldType.TEXT, FieldType.TEXTAREA):
            values[f.name] = rng.choice(TEXTS.get(service.code, GENERIC_TEXTS))
        elif f.type is FieldType.NUMBER:
            low = int(f.min) if f.min is not None else 1
            high = int(f.max) if f.max is not None else low + 5
            values[f.name] = str(
                rng.randint(low, min(high, low + 5)) if f.name != "birth_year" else rng.randint(1950, 2010)
            )
        elif f.type is FieldType.DATE:
            values[f.name] = (day + timedelta(days=rng.randint(1, 20))).isoformat()
        elif f.type is FieldType.CHOICE:
            values[f.name] = rng.choice(f.choices).value
        elif f.type is FieldType.YES_NO:
            values[f.name] = rng.choice(("yes", "no"))
        elif f.type is FieldType.LOCATION and plan.district is not None:
            _place(rng, values, f.name, plan, service, places)
    return values


def _place(rng, values: dict, name: str, plan: activity.Plan, service: Service, places: Places) -> None:
    layer = service.current.asset_layer
    code = places.asset(layer, plan.district) if layer and rng.random() < 0.85 else None
    if code is not None:
        values[f"{name}__asset"] = code
        return
    near = (
        rng.choice(places.hotspots[plan.district]) if service.code == "illegal-dumping" and rng.random() < 0.5 else None
    )
    lon, lat = places.point(plan.district, near)
    values[f"{name}__lon"], values[f"{name}__lat"] = f"{lon:.6f}", f"{lat:.6f}"
    values[f"{name}__address"] = f"{rng.randint(1, 180)} {rng.choice(STREETS)}"


# --------------------------------------------------------------------------- the steps


def _file(session, store, plan, services, places, citizen, extra) -> ServiceRequest:
    service = next(s for s in services if s.code == plan.service.code)
    rng = places.rng
    return file_request(
        session,
        service_code=service.code,
        user=citizen,
        locale=citizen.locale or plan.locale,
        values=_values(rng, plan, service, places),
        files={},
        idempotency_key=f"{KEY_PREFIX}{plan.index:06d}-{service.code}"[:64],
        store=store,
        extra_holidays=extra,
        now=plan.filed_at,
    ).request


def _note(action: str, request: ServiceRequest) -> str | None:
    texts = NOTES.get(action)
    return texts[0 if request.locale == "ar" else 1] if texts else None


def _move(session: Session, plan: activity.Plan, step: activity.Step, filed: dict, team: Staff) -> None:
    request = filed[plan.index]
    agent, head = team.agent(plan.handler), team.supervisor(plan.handler)
    user = {"agent": agent, "supervisor": head, "citizen": request.citizen, "system": None}[step.by]
    actor = Actor(step.by)
    if step.action == "rated":
        rate(
            session,
            request,
            user=request.citizen,
            proven_filer=False,
            rating=plan.rating,
            comment=COMMENTS[plan.index % len(COMMENTS)] if plan.index % 7 == 0 else None,
            now=step.at,
        )
        return
    if step.action == "assign":
        transitions.apply(
            session,
            request,
            "assign",
            actor=actor,
            user=user,
            data={"assignee_id": agent.id, "previous_id": request.assigned_to_id},
            now=step.at,
        )
        request.assigned_to = agent
        session.flush()
        return
    if step.action == "merge":
        actions.merge(session, request, filed[plan.master], user=user, now=step.at)
        return
    data, email = None, None
    if step.action == "reject":
        data, email = _appeal(session, request)
    transitions.apply(
        session,
        request,
        step.action,
        actor=actor,
        user=user,
        note=_note(step.action, request),
        data=data,
        email=email,
        now=step.at,
    )


def _appeal(session: Session, request: ServiceRequest) -> tuple[dict | None, dict | None]:
    """What casework.actions.reject adds to a decision: how to contest it."""
    from services.casework.actions import appeal_route

    try:
        appeal = appeal_route(session, request.department_id)
    except Invalid:
        return None, None
    return (
        {"template_id": None, "appeal_ar": appeal.body_ar, "appeal_fr": appeal.body_fr},
        {"appeal": appeal.body(request.locale)},
    )
