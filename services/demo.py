"""The idempotent demo dataset that `flask seed demo` loads.

Running it twice leaves the same data: departments and districts are matched by
code, accounts by email (their demo passwords are set again so the printed
credentials always work), the map layers by what the generators would make.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from gis.districts import demo as district_demo
from gis.districts.models import District
from gis.districts.queries import save_district
from gis.lighting import demo as lighting_demo
from gis.sanitation import demo as sanitation_demo
from services.accounts import service as accounts
from services.accounts.models import Role, User
from services.accounts.passwords import hash_password
from services.casework.demo import seed_templates
from services.catalog.demo import seed_services
from services.db import utcnow

DEMO_EMAIL_DOMAIN = "demo.berkane.example"

DEPARTMENTS = [
    ("civil-status", "مكتب الحالة المدنية", "Bureau d'état civil"),
    (
        "legalisation",
        "مصلحة تصحيح الإمضاء ومطابقة النسخ لأصولها",
        "Service de la légalisation de signature et de la certification conforme",
    ),
    ("urban-planning", "قسم التعمير", "Division de l'urbanisme"),
    ("public-lighting", "مصلحة الإنارة العمومية", "Service de l'éclairage public"),
    ("cleanliness", "مصلحة النظافة", "Service de la propreté"),
    ("public-health", "المكتب الجماعي لحفظ الصحة", "Bureau municipal d'hygiène"),
    ("roads", "مصلحة الطرق", "Service de la voirie"),
    ("urban-transport", "مصلحة النقل الحضري", "Service du transport urbain"),
]


@dataclass(frozen=True)
class DemoAccount:
    role: Role
    email: str
    password: str
    full_name: str
    department: str | None = None
    cnie: str | None = None
    phone: str | None = None


ACCOUNTS = [
    DemoAccount(Role.ADMIN, f"admin@{DEMO_EMAIL_DOMAIN}", "demo-admin-2026", "Salma Benali"),
    DemoAccount(Role.MAYOR_OFFICE, f"mayor@{DEMO_EMAIL_DOMAIN}", "demo-mayor-2026", "Karim El Idrissi"),
    DemoAccount(
        Role.SUPERVISOR, f"supervisor@{DEMO_EMAIL_DOMAIN}", "demo-supervisor-2026", "Nadia Amrani", "public-lighting"
    ),
    DemoAccount(Role.AGENT, f"agent@{DEMO_EMAIL_DOMAIN}", "demo-agent-2026", "Youssef Berrada", "public-lighting"),
    DemoAccount(Role.AGENT, f"agent2@{DEMO_EMAIL_DOMAIN}", "demo-agent-2026", "Hicham Tazi", "public-lighting"),
    DemoAccount(
        Role.SUPERVISOR,
        f"supervisor-cleanliness@{DEMO_EMAIL_DOMAIN}",
        "demo-supervisor-2026",
        "Imane Chakir",
        "cleanliness",
    ),
    DemoAccount(
        Role.CITIZEN,
        f"citizen@{DEMO_EMAIL_DOMAIN}",
        "demo-citizen-2026",
        "Fatima Zahra Ouali",
        cnie="F123456",
        phone="+212612345678",
    ),
    DemoAccount(
        Role.CITIZEN,
        f"citizen2@{DEMO_EMAIL_DOMAIN}",
        "demo-citizen-2026",
        "Omar Haddad",
        cnie="H654321",
        phone="+212698765432",
    ),
]


def seed_departments(session: Session) -> dict[str, int]:
    existing = {d.code: d for d in accounts.list_departments(session)}
    ids = {}
    for code, name_ar, name_fr in DEPARTMENTS:
        department = accounts.save_department(
            session,
            department_id=existing[code].id if code in existing else None,
            code=code,
            name_ar=name_ar,
            name_fr=name_fr,
            email=f"{code}@{DEMO_EMAIL_DOMAIN}",
        )
        ids[code] = department.id
    return ids


def seed_accounts(session: Session, department_ids: dict[str, int]) -> list[DemoAccount]:
    for account in ACCOUNTS:
        user = session.scalar(select(User).where(User.email == account.email))
        if user is None:
            if account.role is Role.CITIZEN:
                accounts.register_citizen(
                    session,
                    full_name=account.full_name,
                    email=account.email,
                    password=account.password,
                    phone=account.phone or "",
                    cnie=account.cnie or "",
                )
            else:
                accounts.create_user(
                    session,
                    full_name=account.full_name,
                    email=account.email,
                    role=account.role.value,
                    password=account.password,
                    department_id=department_ids.get(account.department or ""),
                )
        else:
            user.password_hash = hash_password(account.password)
            user.is_active = True
            user.role = account.role.value
            user.department_id = department_ids.get(account.department or "")
    session.flush()
    return ACCOUNTS


def seed_districts(session: Session, seed: int = 2026) -> int:
    districts = district_demo.generate(seed)
    for d in districts:
        save_district(
            session,
            code=d.code,
            name_ar=d.name_ar,
            name_fr=d.name_fr,
            population=d.population,
            geometry=d.geometry,
            is_demo=True,
        )
    return len(districts)


DEFAULT_LIGHTS, MAX_LIGHTS = lighting_demo.DEFAULT_LIGHTS, lighting_demo.MAX_LIGHTS
DEFAULT_CONTAINERS, MAX_CONTAINERS = sanitation_demo.DEFAULT_CONTAINERS, sanitation_demo.MAX_CONTAINERS


@dataclass(frozen=True)
class DemoCity:
    """What the demo map layers hold after seeding, and whether each part was (re)written now."""

    streets: int
    lights: int
    cabinets: int
    readings: int
    containers: int
    sensors: int
    zones: int
    routes: int
    depots: int
    lighting_written: bool
    sanitation_written: bool


def seed_city(
    session: Session,
    *,
    lights: int = DEFAULT_LIGHTS,
    containers: int = DEFAULT_CONTAINERS,
    seed: int = 2026,
    now: datetime | None = None,
    progress: Callable[[int], object] | None = None,
) -> DemoCity:
    """Street lighting and sanitation layers over the demo districts (seed those first).

    Layers already as asked are left alone; otherwise only rows flagged as demo are replaced (DemoLayerInUse
    when rows that are not demo data hang on them).
    `progress` is told of lights, then containers, as they are written.
    """
    districts = list(session.scalars(select(District).where(District.is_demo.is_(True)).order_by(District.code)))
    if not districts:
        raise ValueError("seed the demo districts first")
    now = now or utcnow()
    lit, lit_written = lighting_demo.seed_lighting(
        session, districts, lights=lights, seed=seed, now=now, progress=progress
    )
    clean, clean_written = sanitation_demo.seed_sanitation(
        session, districts, lit.streets, containers=containers, seed=seed, now=now, progress=progress
    )
    return DemoCity(
        streets=len(lit.streets),
        lights=len(lit.lights),
        cabinets=len(lit.cabinets),
        readings=len(lit.readings),
        containers=len(clean.containers),
        sensors=sum(1 for c in clean.containers if c.fill_level is not None),
        zones=len(clean.zones),
        routes=len(clean.routes),
        depots=len(clean.depots),
        lighting_written=lit_written,
        sanitation_written=clean_written,
    )


def seed_demo(session: Session) -> list[DemoAccount]:
    """Load (or refresh) the whole demo dataset; returns the demo accounts."""
    department_ids = seed_departments(session)
    seed_districts(session)
    seed_services(session, department_ids)
    seed_templates(session, department_ids)
    return seed_accounts(session, department_ids)
