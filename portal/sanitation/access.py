"""Who works on waste collection: administrators, and the agents and heads of the cleanliness department."""

from services.accounts.models import Role

# The department that empties containers and plans rounds (services.demo seeds it under this code).
CLEANLINESS = "cleanliness"


def may_plan_collection(user) -> bool:
    if not user.is_authenticated:
        return False
    if user.has_role(Role.ADMIN):
        return True
    department = user.department if user.has_role(Role.AGENT, Role.SUPERVISOR) else None
    return department is not None and department.code == CLEANLINESS
