"""Users, their roles and the commune's departments."""

import enum
import secrets
from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, DateTime, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from services.db import Base, utcnow


class Role(enum.StrEnum):
    CITIZEN = "citizen"
    AGENT = "agent"
    SUPERVISOR = "supervisor"
    MAYOR_OFFICE = "mayor_office"
    ADMIN = "admin"

    @property
    def needs_department(self) -> bool:
        return self in (Role.AGENT, Role.SUPERVISOR)

    @property
    def is_staff(self) -> bool:
        return self is not Role.CITIZEN


LOCALES = ("ar", "fr")
_ROLE_VALUES = ", ".join(f"'{r.value}'" for r in Role)
_DEPARTMENT_ROLES = "'agent', 'supervisor'"


def new_session_token() -> str:
    return secrets.token_urlsafe(24)


class Department(Base):
    """A service or division of the commune (مصلحة / Service)."""

    __tablename__ = "department"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name_ar: Mapped[str] = mapped_column(String(200))
    name_fr: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(254))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    members: Mapped[list["User"]] = relationship(back_populates="department")

    def __repr__(self) -> str:
        return f"<Department {self.code}>"


class User(Base):
    """A person who signs in: a citizen or a member of staff."""

    __tablename__ = "user_account"
    __table_args__ = (
        CheckConstraint(f"role IN ({_ROLE_VALUES})", name="role_known"),
        CheckConstraint(
            f"(role IN ({_DEPARTMENT_ROLES})) = (department_id IS NOT NULL)",
            name="department_iff_departmental_role",
        ),
        CheckConstraint("locale IS NULL OR locale IN ('ar', 'fr')", name="locale_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    full_name: Mapped[str] = mapped_column(String(120))
    phone: Mapped[str | None] = mapped_column(String(20))
    cnie: Mapped[str | None] = mapped_column(String(10), unique=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20), default=Role.CITIZEN.value, index=True)
    department_id: Mapped[int | None] = mapped_column(ForeignKey("department.id"), index=True)
    locale: Mapped[str | None] = mapped_column(String(2))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Rotated on every password change; it is part of the login cookie, so every
    # other session and "remember me" cookie stops working at once.
    session_token: Mapped[str] = mapped_column(String(64), default=new_session_token)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    password_changed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    department: Mapped[Department | None] = relationship(back_populates="members")

    # The attributes Flask-Login expects, without importing it here.
    is_authenticated = True
    is_anonymous = False

    def get_id(self) -> str:
        """The login cookie's id; it changes with the session token."""
        return f"{self.id}:{self.session_token}"

    @property
    def role_enum(self) -> Role:
        return Role(self.role)

    def has_role(self, *roles: Role) -> bool:
        return self.role_enum in roles

    def __repr__(self) -> str:
        return f"<User {self.id} {self.role}>"
