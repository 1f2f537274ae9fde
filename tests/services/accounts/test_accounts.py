"""Registration, sign-in and account management rules."""

import pytest
from sqlalchemy import func, select

from services.accounts import service as accounts
from services.accounts.models import Role, User
from services.errors import Conflict, Invalid, NotAllowed
from tests.factories import PASSWORD, make_department, make_user

GOOD = {
    "full_name": "Amina  El Fassi",
    "email": "Amina.ElFassi@Example.org",
    "password": "une phrase secrète",
    "phone": "06 12 34 56 78",
    "cnie": "ab 123456",
}


def _count(db):
    return db.session.scalar(select(func.count(User.id)))


def test_citizen_registration_normalises_email_phone_cnie_and_name(db):
    user = accounts.register_citizen(db.session, **GOOD, locale="fr")
    assert user.email == "amina.elfassi@example.org"
    assert user.phone == "+212612345678"
    assert user.cnie == "AB123456"
    assert user.full_name == "Amina El Fassi"
    assert user.role == Role.CITIZEN.value
    assert user.locale == "fr"
    assert user.password_hash.startswith("$argon2id$")
    assert GOOD["password"] not in user.password_hash


@pytest.mark.parametrize(
    "field, value, code",
    [
        ("cnie", "123456", "cnie_invalid"),
        ("cnie", "ABC12345", "cnie_invalid"),
        ("cnie", "A1", "cnie_invalid"),
        ("cnie", "AB1234567", "cnie_invalid"),
        ("phone", "12345", "phone_invalid"),
        ("phone", "not a phone", "phone_invalid"),
        ("email", "amina@", "email_invalid"),
        ("password", "short", "password_too_short"),
        ("password", "aaaaaaaaaaaa", "password_too_weak"),
        ("full_name", " ", "name_required"),
        ("full_name", "x" * 121, "name_too_long"),
    ],
)
def test_registration_refuses_bad_input_and_saves_nothing(db, field, value, code):
    before = _count(db)
    with pytest.raises(Invalid) as exc:
        accounts.register_citizen(db.session, **(GOOD | {field: value}))
    assert exc.value.code == code
    assert exc.value.field == ("password" if field == "password" else field)
    assert _count(db) == before


def test_registration_refuses_an_email_or_cnie_already_used(db):
    accounts.register_citizen(db.session, **GOOD)
    with pytest.raises(Conflict) as exc:
        accounts.register_citizen(db.session, **(GOOD | {"cnie": "ZZ999999"}))
    assert exc.value.code == "email_taken"
    with pytest.raises(Conflict) as exc:
        accounts.register_citizen(db.session, **(GOOD | {"email": "other@example.org"}))
    assert exc.value.code == "cnie_taken"


def test_authenticate_accepts_the_right_password_only(db):
    user = make_user(db.session, email="k@example.org")
    assert accounts.authenticate(db.session, " K@Example.org ", PASSWORD).id == user.id
    assert user.last_login_at is not None
    with pytest.raises(NotAllowed) as exc:
        accounts.authenticate(db.session, "k@example.org", "wrong password!")
    assert exc.value.code == "bad_credentials"
    with pytest.raises(NotAllowed) as exc:
        accounts.authenticate(db.session, "nobody@example.org", PASSWORD)
    assert exc.value.code == "bad_credentials"


def test_deactivated_account_cannot_sign_in(db):
    make_user(db.session, email="gone@example.org", is_active=False)
    with pytest.raises(NotAllowed) as exc:
        accounts.authenticate(db.session, "gone@example.org", PASSWORD)
    assert exc.value.code == "account_inactive"


def test_password_change_rotates_the_session_token_so_other_sessions_end(db):
    user = make_user(db.session)
    old_login_id = user.get_id()
    accounts.change_password(db.session, user, PASSWORD, "a brand new passphrase")
    assert accounts.user_for_login_id(db.session, old_login_id) is None
    assert accounts.user_for_login_id(db.session, user.get_id()).id == user.id
    assert accounts.authenticate(db.session, user.email, "a brand new passphrase").id == user.id


def test_password_change_needs_the_current_password(db):
    user = make_user(db.session)
    with pytest.raises(Invalid) as exc:
        accounts.change_password(db.session, user, "not my password", "a brand new passphrase")
    assert exc.value.code == "current_password_wrong"


def test_staff_roles_need_an_active_department_and_other_roles_have_none(db):
    with pytest.raises(Invalid) as exc:
        accounts.create_user(db.session, full_name="A B", email="a@example.org", role="agent", password=PASSWORD)
    assert exc.value.code == "department_required"
    inactive = make_department(db.session, is_active=False)
    with pytest.raises(Invalid):
        accounts.create_user(
            db.session,
            full_name="A B",
            email="a@example.org",
            role="agent",
            password=PASSWORD,
            department_id=inactive.id,
        )
    department = make_department(db.session)
    mayor = accounts.create_user(
        db.session,
        full_name="M O",
        email="m@example.org",
        role="mayor_office",
        password=PASSWORD,
        department_id=department.id,
    )
    assert mayor.department_id is None


def test_database_refuses_an_agent_without_department(db):
    from sqlalchemy.exc import IntegrityError

    with pytest.raises(IntegrityError), db.session.begin_nested():
        db.session.add(User(email="x@example.org", full_name="X", password_hash="x", role="agent"))
        db.session.flush()


def test_admin_cannot_demote_or_deactivate_themselves(db):
    admin = make_user(db.session, Role.ADMIN)
    with pytest.raises(NotAllowed):
        accounts.update_user(
            db.session, admin, admin.id, full_name="A", role="agent", department_id=None, is_active=True
        )
    with pytest.raises(NotAllowed):
        accounts.update_user(
            db.session, admin, admin.id, full_name="A", role="admin", department_id=None, is_active=False
        )


def test_deactivating_a_user_keeps_them_and_ends_their_sessions(db):
    admin = make_user(db.session, Role.ADMIN)
    agent = make_user(db.session, Role.AGENT)
    login_id = agent.get_id()
    accounts.update_user(
        db.session,
        admin,
        agent.id,
        full_name=agent.full_name,
        role="agent",
        department_id=agent.department_id,
        is_active=False,
    )
    assert db.session.get(User, agent.id).is_active is False
    assert accounts.user_for_login_id(db.session, login_id) is None


def test_department_cannot_be_deactivated_while_it_has_active_staff(db):
    agent = make_user(db.session, Role.AGENT)
    d = agent.department
    with pytest.raises(Invalid) as exc:
        accounts.save_department(
            db.session, department_id=d.id, code=d.code, name_ar=d.name_ar, name_fr=d.name_fr, is_active=False
        )
    assert exc.value.code == "department_has_staff"


def test_department_codes_are_unique_and_both_names_required(db):
    accounts.save_department(db.session, code="roads", name_ar="مصلحة الطرق", name_fr="Service de la voirie")
    with pytest.raises(Conflict):
        accounts.save_department(db.session, code="ROADS", name_ar="ب", name_fr="B")
    with pytest.raises(Invalid) as exc:
        accounts.save_department(db.session, code="parks", name_ar=" ", name_fr="Parcs")
    assert exc.value.code == "name_ar_required"


def test_user_list_filters_by_role_and_text(db):
    make_user(db.session, Role.AGENT, full_name="Zineb Agent")
    make_user(db.session, Role.CITIZEN, full_name="Zineb Citizen")
    page = accounts.list_users(db.session, query="zineb", role="agent")
    assert [u.full_name for u in page.items] == ["Zineb Agent"]
    assert page.total == 1


def test_registration_reports_all_bad_fields_at_once(db):
    with pytest.raises(Invalid) as exc:
        accounts.register_citizen(db.session, **(GOOD | {"email": "x@", "phone": "1", "cnie": "1", "password": "a"}))
    assert {e.field for e in exc.value.errors} == {"email", "phone", "cnie", "password"}
