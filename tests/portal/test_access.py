"""Every role reaches its own pages and gets 403 (or the sign-in page) elsewhere."""

import pytest

from tests.factories import make_department, make_user

PAGES = ["/account", "/staff/", "/staff/queue", "/dashboard/", "/admin/", "/admin/departments", "/admin/users/new"]

ALLOWED = {
    "citizen": {"/account"},
    "agent": {"/account", "/staff/", "/staff/queue"},  # /staff/ leads to the queue
    "supervisor": {"/account", "/staff/", "/staff/queue", "/dashboard/"},
    "mayor_office": {"/account", "/dashboard/"},
    "admin": set(PAGES) - {"/staff/queue"},  # a queue is a department's; administrators see the overview
}


@pytest.mark.parametrize("url", PAGES)
def test_anonymous_visitors_are_sent_to_sign_in(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")


@pytest.mark.parametrize("role", list(ALLOWED))
def test_each_role_reaches_exactly_its_pages(client, login_as, role):
    login_as(role)
    for url in PAGES:
        expected = 200 if url in ALLOWED[role] else 403
        assert client.get(url, follow_redirects=True).status_code == expected, f"{role} on {url}"


@pytest.mark.parametrize("role", ["citizen", "agent", "supervisor", "mayor_office"])
def test_non_admins_cannot_change_users_or_departments(client, login_as, db, role):
    login_as(role)
    victim = make_user(db.session, "agent")
    department = make_department(db.session)
    db.session.commit()
    token = client.csrf_token("/account")
    posts = [
        (f"/admin/users/{victim.id}", {"full_name": "X", "role": "admin", "is_active": "y"}),
        (f"/admin/users/{victim.id}/password", {"reset-new_password": "hijacked password"}),
        ("/admin/users/new", {"full_name": "X", "email": "x@example.org", "role": "admin", "password": "x" * 12}),
        (f"/admin/departments/{department.id}", {"code": "x", "name_ar": "x", "name_fr": "x"}),
    ]
    for url, data in posts:
        assert client.post(url, data={"csrf_token": token, "reset-csrf_token": token, **data}).status_code == 403
    db.session.refresh(victim)
    assert victim.role == "agent"


def test_agent_sees_only_their_own_department_in_the_staff_area(client, login_as, db):
    mine = make_department(db.session, name_fr="Éclairage public")
    other = make_department(db.session, name_fr="Voirie")
    make_user(db.session, "agent", department=other, full_name="Colleague Elsewhere")
    login_as("agent", department=mine)
    client.set_cookie("brk_lang", "fr")
    page = client.get("/staff/", follow_redirects=True).get_data(as_text=True)
    assert "Éclairage public" in page
    assert "Voirie" not in page and "Colleague Elsewhere" not in page


def test_deactivated_user_is_signed_out_on_next_request(client, login_as, db):
    user = login_as("agent")
    assert client.get("/staff/queue").status_code == 200
    user.is_active = False
    db.session.commit()
    assert client.get("/staff/queue").status_code == 302
