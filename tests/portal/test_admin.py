"""Administrators manage staff accounts, roles and departments in the back office."""

from sqlalchemy import func, select

from services.accounts.models import Department, User
from tests.conftest import page_text, tr
from tests.factories import PASSWORD, make_department, make_user


def test_admin_creates_an_agent_who_can_then_sign_in(client, login_as, db, app):
    login_as("admin")
    department = make_department(db.session)
    db.session.commit()
    response = client.submit(
        "/admin/users/new",
        {
            "full_name": "Hassan Alaoui",
            "email": "hassan@example.org",
            "role": "agent",
            "department_id": str(department.id),
            "password": "temporary passphrase",
        },
    )
    assert response.status_code == 302
    agent = db.session.scalar(select(User).where(User.email == "hassan@example.org"))
    assert agent.role == "agent" and agent.department_id == department.id
    fresh = app.test_client()
    r = fresh.submit("/login", {"email": "hassan@example.org", "password": "temporary passphrase"})
    assert r.headers["Location"] == "/staff/"


def test_agent_without_department_is_refused_with_a_message_and_not_saved(client, login_as, db):
    login_as("admin")
    client.set_cookie("brk_lang", "fr")
    before = db.session.scalar(select(func.count(User.id)))
    response = client.submit(
        "/admin/users/new",
        {
            "full_name": "No Dept",
            "email": "nodept@example.org",
            "role": "agent",
            "department_id": "",
            "password": "temporary passphrase",
        },
    )
    assert response.status_code == 200
    assert tr("fr", "Agents and heads of department must belong to a department.") in page_text(response)
    assert db.session.scalar(select(func.count(User.id))) == before


def test_admin_changes_a_role_and_deactivates_an_account(client, login_as, db):
    login_as("admin")
    agent = make_user(db.session, "agent")
    db.session.commit()
    response = client.submit(
        f"/admin/users/{agent.id}",
        {"full_name": agent.full_name, "role": "supervisor", "department_id": str(agent.department_id)},
    )
    assert response.status_code == 302
    db.session.refresh(agent)
    assert agent.role == "supervisor" and agent.is_active is False  # the box was unticked


def test_admin_resets_a_password(client, login_as, db):
    login_as("admin")
    user = make_user(db.session)
    db.session.commit()
    response = client.submit(
        f"/admin/users/{user.id}/password",
        {"reset-new_password": "new passphrase here"},
        form_url=f"/admin/users/{user.id}",
    )
    assert response.status_code == 302
    from services.accounts.passwords import verify_password

    db.session.refresh(user)
    assert verify_password(user.password_hash, "new passphrase here")
    assert not verify_password(user.password_hash, PASSWORD)


def test_user_list_searches_by_name(client, login_as, db):
    login_as("admin")
    make_user(db.session, full_name="Rachid Searchable")
    make_user(db.session, full_name="Someone Else")
    db.session.commit()
    text = page_text(client.get("/admin/?q=searchable"))
    assert "Rachid Searchable" in text and "Someone Else" not in text


def test_unknown_user_is_a_404(client, login_as):
    login_as("admin")
    assert client.get("/admin/users/999999").status_code == 404


def test_admin_adds_a_department_in_both_languages(client, login_as, db):
    login_as("admin")
    response = client.submit(
        "/admin/departments/new",
        {
            "code": "parks",
            "name_ar": "مصلحة المساحات الخضراء",
            "name_fr": "Service des espaces verts",
            "is_active": "y",
        },
    )
    assert response.status_code == 302
    department = db.session.scalar(select(Department).where(Department.code == "parks"))
    assert department.name_ar == "مصلحة المساحات الخضراء"
    client.set_cookie("brk_lang", "fr")
    assert "Service des espaces verts" in page_text(client.get("/"))


def test_department_form_requires_both_names(client, login_as, db):
    login_as("admin")
    response = client.submit("/admin/departments/new", {"code": "parks", "name_ar": "", "name_fr": "Parcs"})
    assert response.status_code == 200
    assert db.session.scalar(select(Department).where(Department.code == "parks")) is None
