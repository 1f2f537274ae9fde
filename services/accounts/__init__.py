"""Accounts, roles and departments."""

from services.accounts.models import Department, Role, User

__all__ = ["Department", "Role", "User"]
