"""Account operations. Functions flush, the caller commits."""

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from services.accounts.models import LOCALES, Department, Role, User, new_session_token
from services.accounts.passwords import hash_password, needs_rehash, verify_password
from services.accounts.validation import (
    check_password,
    normalise_cnie,
    normalise_email,
    normalise_name,
    normalise_phone,
)
from services.db import Page, utcnow
from services.errors import Conflict, Invalid, NotAllowed, NotFound, collect


def _email_taken(session: Session, email: str, *, except_id: int | None = None) -> bool:
    stmt = select(User.id).where(User.email == email)
    if except_id is not None:
        stmt = stmt.where(User.id != except_id)
    return session.scalar(stmt) is not None


def _check_locale(locale: str | None) -> str | None:
    if locale is not None and locale not in LOCALES:
        raise Invalid("locale_unknown", field="locale")
    return locale


def clean_registration(*, full_name: str, email: str, password: str, phone: str, cnie: str) -> dict:
    """Normalised registration values, or one Invalid that lists every bad field."""
    return collect(
        full_name=lambda: normalise_name(full_name),
        email=lambda: normalise_email(email),
        phone=lambda: normalise_phone(phone),
        cnie=lambda: normalise_cnie(cnie),
        password=lambda: check_password(password, email=email),
    )


def register_citizen(
    session: Session,
    *,
    full_name: str,
    email: str,
    password: str,
    phone: str,
    cnie: str,
    locale: str | None = None,
) -> User:
    """Create a citizen account from the self-registration form."""
    clean = clean_registration(full_name=full_name, email=email, password=password, phone=phone, cnie=cnie)
    email, name, phone, cnie = clean["email"], clean["full_name"], clean["phone"], clean["cnie"]
    if _email_taken(session, email):
        raise Conflict("email_taken", field="email")
    if session.scalar(select(User.id).where(User.cnie == cnie)) is not None:
        raise Conflict("cnie_taken", field="cnie")
    user = User(
        email=email,
        full_name=name,
        phone=phone,
        cnie=cnie,
        password_hash=hash_password(password),
        role=Role.CITIZEN.value,
        locale=_check_locale(locale),
    )
    session.add(user)
    session.flush()
    return user


def authenticate(session: Session, email: str, password: str) -> User:
    """The active user with these credentials, or NotAllowed('bad_credentials')."""
    try:
        email = normalise_email(email)
    except Invalid:
        email = None
    user = session.scalar(select(User).where(User.email == email)) if email else None
    ok = verify_password(user.password_hash if user else None, password or "")
    if not ok or user is None:
        raise NotAllowed("bad_credentials")
    if not user.is_active:
        raise NotAllowed("account_inactive")
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.last_login_at = utcnow()
    session.flush()
    return user


def change_password(session: Session, user: User, current: str, new: str) -> None:
    """Change the password and end every other session of this user."""
    if not verify_password(user.password_hash, current or ""):
        raise Invalid("current_password_wrong", field="current_password")
    check_password(new, email=user.email)
    if verify_password(user.password_hash, new):
        raise Invalid("password_unchanged", field="new_password")
    _set_password(user, new)
    session.flush()


def _set_password(user: User, password: str) -> None:
    user.password_hash = hash_password(password)
    user.password_changed_at = utcnow()
    user.session_token = new_session_token()


def set_locale(session: Session, user: User, locale: str) -> None:
    user.locale = _check_locale(locale)
    session.flush()


def update_profile(session: Session, user: User, *, full_name: str, phone: str) -> None:
    user.full_name = normalise_name(full_name)
    user.phone = normalise_phone(phone) if (phone or "").strip() else None
    session.flush()


def get_user(session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound("user_not_found")
    return user


def user_for_login_id(session: Session, login_id: str) -> User | None:
    """Resolve the id stored in the login cookie ("<id>:<session token>")."""
    user_part, _, token = (login_id or "").partition(":")
    if not user_part.isdigit() or not token:
        return None
    user = session.get(User, int(user_part))
    if user is None or not user.is_active or user.session_token != token:
        return None
    return user


def _resolve_department(session: Session, role: Role, department_id: int | None) -> int | None:
    if not role.needs_department:
        return None
    if department_id is None:
        raise Invalid("department_required", field="department_id")
    department = session.get(Department, department_id)
    if department is None or not department.is_active:
        raise Invalid("department_unknown", field="department_id")
    return department.id


def _parse_role(value: str) -> Role:
    try:
        return Role(value)
    except ValueError as exc:
        raise Invalid("role_unknown", field="role") from exc


def create_user(
    session: Session,
    *,
    full_name: str,
    email: str,
    role: str,
    password: str,
    department_id: int | None = None,
    phone: str | None = None,
    locale: str | None = None,
) -> User:
    """An administrator creates an account with any role."""
    role_enum = _parse_role(role)
    email = normalise_email(email)
    name = normalise_name(full_name)
    check_password(password, email=email)
    if _email_taken(session, email):
        raise Conflict("email_taken", field="email")
    user = User(
        email=email,
        full_name=name,
        phone=normalise_phone(phone) if phone else None,
        password_hash=hash_password(password),
        role=role_enum.value,
        department_id=_resolve_department(session, role_enum, department_id),
        locale=_check_locale(locale),
    )
    session.add(user)
    session.flush()
    return user


def update_user(
    session: Session,
    actor: User,
    user_id: int,
    *,
    full_name: str,
    role: str,
    department_id: int | None,
    is_active: bool,
) -> User:
    """An administrator changes a user's name, role, department or activation."""
    user = get_user(session, user_id)
    role_enum = _parse_role(role)
    if user.id == actor.id and (role_enum is not Role.ADMIN or not is_active):
        # An administrator cannot lock themselves out of the back office.
        raise NotAllowed("cannot_demote_self")
    if (user.role == Role.CITIZEN.value) != (role_enum is Role.CITIZEN):
        # Staff accounts are separate from the person's citizen account, and vice versa.
        raise Invalid("citizen_role_fixed", field="role")
    user.full_name = normalise_name(full_name)
    user.role = role_enum.value
    user.department_id = _resolve_department(session, role_enum, department_id)
    if user.is_active and not is_active:
        user.session_token = new_session_token()
    user.is_active = is_active
    session.flush()
    return user


def reset_password(session: Session, user_id: int, password: str) -> User:
    """An administrator sets a new password; the user's sessions end."""
    user = get_user(session, user_id)
    check_password(password, email=user.email)
    _set_password(user, password)
    session.flush()
    return user


def list_users(
    session: Session,
    *,
    query: str = "",
    role: str | None = None,
    page: int = 1,
    per_page: int = 25,
) -> Page[User]:
    stmt = select(User)
    if role:
        stmt = stmt.where(User.role == _parse_role(role).value)
    if query.strip():
        like = f"%{query.strip().lower()}%"
        stmt = stmt.where(or_(func.lower(User.email).like(like), func.lower(User.full_name).like(like)))
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    page = max(1, page)
    items = session.scalars(stmt.order_by(User.full_name, User.id).limit(per_page).offset((page - 1) * per_page)).all()
    return Page(list(items), total, page, per_page)


def list_departments(session: Session, *, active_only: bool = False) -> list[Department]:
    stmt = select(Department).order_by(Department.code)
    if active_only:
        stmt = stmt.where(Department.is_active.is_(True))
    return list(session.scalars(stmt))


def get_department(session: Session, department_id: int) -> Department:
    department = session.get(Department, department_id)
    if department is None:
        raise NotFound("department_not_found")
    return department


def _clean_department_fields(code: str, name_ar: str, name_fr: str, email: str | None):
    code = (code or "").strip().lower()
    if not code or len(code) > 40 or not all(c.isascii() and (c.isalnum() or c in "-_") for c in code):
        raise Invalid("department_code_invalid", field="code")
    name_ar = " ".join((name_ar or "").split())
    name_fr = " ".join((name_fr or "").split())
    if not name_ar:
        raise Invalid("name_ar_required", field="name_ar")
    if not name_fr:
        raise Invalid("name_fr_required", field="name_fr")
    return code, name_ar[:200], name_fr[:200], normalise_email(email) if email else None


def save_department(
    session: Session,
    *,
    department_id: int | None = None,
    code: str,
    name_ar: str,
    name_fr: str,
    email: str | None = None,
    is_active: bool = True,
) -> Department:
    """Create a department, or update it when department_id is given."""
    code, name_ar, name_fr, email = _clean_department_fields(code, name_ar, name_fr, email)
    existing = session.scalar(select(Department).where(Department.code == code))
    department = get_department(session, department_id) if department_id else Department()
    if existing is not None and existing is not department:
        raise Conflict("department_code_taken", field="code")
    if not is_active and department.id is not None:
        staff = session.scalar(
            select(func.count(User.id)).where(User.department_id == department.id, User.is_active.is_(True))
        )
        if staff:
            raise Invalid("department_has_staff", field="is_active", count=staff)
    department.code, department.name_ar, department.name_fr = code, name_ar, name_fr
    department.email, department.is_active = email, is_active
    session.add(department)
    session.flush()
    return department
