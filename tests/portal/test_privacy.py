"""Law 09-08 through the pages: a copy of one's data, erasure of the account, nothing personal on public pages."""

import json
import re

from sqlalchemy import select

from services.accounts.models import Role
from services.notifications.models import OutboxMessage
from services.requests.models import ServiceRequest
from tests.conftest import page_text, tr
from tests.factories import PASSWORD, make_district, make_service


def test_a_citizen_downloads_their_data_as_json(client, login_as):
    citizen = login_as(Role.CITIZEN, full_name="Youssef Amrani", cnie="FA654321")
    response = client.get("/account/data.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    assert response.headers["Content-Disposition"].startswith("attachment")
    data = json.loads(response.data)
    assert data["account"]["email"] == citizen.email and data["account"]["cnie"] == "FA654321"


def test_staff_have_no_citizen_data_export(client, login_as):
    login_as(Role.AGENT)
    assert client.get("/account/data.json").status_code == 403


def test_a_citizen_deletes_their_account_with_their_password(client, db, login_as):
    citizen = login_as(Role.CITIZEN, full_name="Youssef Amrani")
    email = citizen.email
    client.set_cookie("brk_lang", "fr")
    wrong = client.submit("/account/delete", {"password": "not my password"})
    assert wrong.status_code == 400
    assert tr("fr", "Your current password is not correct.") in page_text(wrong)

    done = client.submit("/account/delete", {"password": PASSWORD})
    assert done.status_code == 302
    db.session.refresh(citizen)
    assert citizen.full_name != "Youssef Amrani" and not citizen.is_active
    assert client.get("/my-requests").status_code == 302  # signed out
    login = client.submit("/login", {"email": email, "password": PASSWORD})
    assert login.status_code == 200
    assert tr("fr", "The email address or password is not correct.") in page_text(login)


def test_someone_following_a_report_with_its_secret_never_sees_who_filed_it(client, db, app):
    make_service(
        db.session,
        code="pothole",
        kind="report",
        fields=[{"name": "details", "type": "text", "label_ar": "ع", "label_fr": "Détails", "required": True}],
    )
    make_district(db.session)
    db.session.commit()
    page = client.get("/services/pothole/file").get_data(as_text=True)
    key = re.search(r'name="idempotency_key" type="hidden" value="([^"]+)"', page).group(1)
    response = client.submit(
        "/services/pothole/file",
        {
            "details": "Nid de poule",
            "idempotency_key": key,
            "contact_email": "hamid.b@example.org",
            "contact_phone": "0661234567",
        },
    )
    request = db.session.scalar(select(ServiceRequest))
    token = db.session.scalar(select(OutboxMessage)).context["path"]
    client.submit(token, {})
    html = client.get(response.headers["Location"].split("?")[0]).get_data(as_text=True)
    assert "Nid de poule" in html
    for personal in ("hamid.b@example.org", "0661234567", "+212661234567", "hamid.b"):
        assert personal not in html
    assert request.tracking_number in html
