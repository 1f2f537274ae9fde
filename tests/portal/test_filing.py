"""Filing, receipts and tracking through the web pages, without JavaScript, in both languages."""

import io
import re

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from services.accounts.models import Role
from services.notifications.models import OutboxMessage
from services.requests.models import ServiceRequest
from services.workflow import transitions
from services.workflow.transitions import Actor
from tests.conftest import page_text, tr
from tests.factories import make_district, make_service, make_user
from tests.services.requests.test_uploads import jpeg_with_gps

FIELDS = [
    {"name": "location", "type": "location", "label_ar": "المكان", "label_fr": "Lieu", "required": True},
    {
        "name": "description",
        "type": "textarea",
        "label_ar": "وصف المشكل",
        "label_fr": "Description",
        "required": True,
        "max_length": 500,
    },
    {
        "name": "lamps",
        "type": "number",
        "label_ar": "عدد المصابيح",
        "label_fr": "Nombre de lampes",
        "min": 1,
        "max": 20,
    },
    {
        "name": "photo",
        "type": "file",
        "label_ar": "صورة",
        "label_fr": "Photo",
        "file_types": ["jpeg", "png"],
        "max_files": 2,
    },
]


@pytest.fixture
def report(db):
    service = make_service(
        db.session,
        kind="report",
        code="light-out",
        name_fr="Panne d'éclairage",
        name_ar="عطب في الإنارة",
        fields=FIELDS,
    )
    district = make_district(db.session, name_fr="Hay Al Qods", name_ar="حي القدس")
    db.session.commit()
    return service, district


def form_key(client, url) -> str:
    page = client.get(url).get_data(as_text=True)
    return re.search(r'name="idempotency_key" type="hidden" value="([^"]+)"', page).group(1)


def good_answers(district, **changes):
    return {
        "location__district": str(district.id),
        "location__address": "Avenue Mohammed V, en face de la poste",
        "description": "Trois lampadaires éteints depuis lundi",
        "lamps": "3",
    } | changes


def requests_in(db) -> int:
    return db.session.scalar(select(func.count()).select_from(ServiceRequest))


@pytest.mark.parametrize("lang", ["ar", "fr"])
def test_the_form_is_built_from_the_service_definition(client, report, lang):
    client.set_cookie("brk_lang", lang)
    text = page_text(client.get("/services/light-out/file"))
    labels = {"ar": ("وصف المشكل", "عدد المصابيح"), "fr": ("Description", "Nombre de lampes")}[lang]
    assert all(label in text for label in labels)
    assert tr(lang, "District") in text and "Hay Al Qods" if lang == "fr" else "حي القدس" in text


@pytest.mark.parametrize("lang", ["ar", "fr"])
def test_bad_answers_are_explained_in_the_users_language_and_nothing_is_saved(client, db, report, lang):
    _service, district = report
    client.set_cookie("brk_lang", lang)
    login = make_user(db.session)
    db.session.commit()
    with client.session_transaction() as session:
        session["_user_id"] = login.get_id()
    url = "/services/light-out/file"
    response = client.submit(
        url,
        good_answers(district, description="", lamps="beaucoup", location__district="")
        | {"idempotency_key": form_key(client, url)},
    )
    assert response.status_code == 400
    text = page_text(response)
    assert tr(lang, "There is a problem") in text
    for message in ("Answer this question.", "Enter a number, like 3 or 12.5.", "Choose the district."):
        assert text.count(tr(lang, message)) == 2  # in the summary and next to the field
    assert requests_in(db) == 0


def test_a_signed_in_citizen_files_a_report_with_a_photo_and_gets_a_receipt(client, db, login_as, report):
    _service, district = report
    citizen = login_as(Role.CITIZEN, locale="fr")
    url = "/services/light-out/file"
    data = good_answers(district) | {
        "idempotency_key": form_key(client, url),
        "photo": [(io.BytesIO(jpeg_with_gps()), "IMG_2031.jpg")],
    }
    response = client.submit(url, data, content_type="multipart/form-data")
    assert response.status_code == 303
    request = db.session.scalar(select(ServiceRequest))
    assert response.headers["Location"].endswith(f"/track/{request.tracking_number}?received=1")
    assert request.citizen_id == citizen.id and request.district_id == district.id

    text = page_text(client.get(response.headers["Location"]))
    assert tr("fr", "Your request has been received") in text
    assert request.tracking_number in text
    assert "Avenue Mohammed V" in text and "IMG_2031.jpg" in text

    [attachment] = request.attachments
    photo = client.get(f"/track/{request.tracking_number}/files/{attachment.id}")
    assert photo.status_code == 200 and photo.mimetype == "image/jpeg"
    assert photo.headers["Content-Disposition"].startswith("attachment")
    assert b"PhoneMaker" not in photo.data

    mail = db.session.scalar(select(OutboxMessage).where(OutboxMessage.kind == "request_received"))
    assert mail.recipient == citizen.email


def test_sending_the_same_form_twice_gives_one_request(client, db, login_as, report):
    _service, district = report
    login_as(Role.CITIZEN)
    url = "/services/light-out/file"
    data = good_answers(district) | {"idempotency_key": form_key(client, url)}
    first = client.submit(url, data)
    second = client.submit(url, data)
    assert first.status_code == second.status_code == 303
    assert first.headers["Location"] == second.headers["Location"]
    assert requests_in(db) == 1


def test_the_receipt_pdf_holds_the_number_the_secret_and_the_deadline(client, db, login_as, report):
    _service, district = report
    login_as(Role.CITIZEN)
    client.set_cookie("brk_lang", "fr")
    url = "/services/light-out/file"
    location = client.submit(url, good_answers(district) | {"idempotency_key": form_key(client, url)}).headers[
        "Location"
    ]
    request = db.session.scalar(select(ServiceRequest))
    secret = re.search(r'class="secret">([^<]+)<', client.get(location).get_data(as_text=True)).group(1)
    pdf = client.get(f"/track/{request.tracking_number}/receipt.pdf")
    assert pdf.mimetype == "application/pdf"
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.data)).pages)
    assert request.tracking_number in text and secret in text
    assert "Panne d'éclairage" in text and "Avenue Mohammed V" in text
    assert tr("fr", "Answer due by") in text


def test_other_citizens_see_neither_the_request_nor_its_photos(client, db, login_as, report):
    _service, district = report
    login_as(Role.CITIZEN)
    url = "/services/light-out/file"
    data = good_answers(district) | {
        "idempotency_key": form_key(client, url),
        "photo": [(io.BytesIO(jpeg_with_gps()), "a.jpg")],
    }
    client.submit(url, data, content_type="multipart/form-data")
    request = db.session.scalar(select(ServiceRequest))
    attachment_url = f"/track/{request.tracking_number}/files/{request.attachments[0].id}"

    client.post("/logout")
    with client.session_transaction() as session:
        session.clear()
    login_as(Role.CITIZEN)
    page = client.get(f"/track/{request.tracking_number}")
    assert "Avenue Mohammed V" not in page_text(page)  # asks for the receipt's secret instead
    assert client.get(attachment_url).status_code == 404
    assert client.get(f"/track/{request.tracking_number}/receipt.pdf").status_code == 404


def test_without_an_account_a_report_is_confirmed_by_email_and_followed_with_its_secret(client, db, report, app):
    _service, district = report
    client.set_cookie("brk_lang", "ar")
    url = "/services/light-out/file"
    response = client.submit(
        url, good_answers(district) | {"idempotency_key": form_key(client, url), "contact_email": "amina@example.org"}
    )
    assert response.status_code == 303
    request = db.session.scalar(select(ServiceRequest))
    assert request.status == "pending_confirmation"
    receipt = client.get(response.headers["Location"]).get_data(as_text=True)
    secret = re.search(r'class="secret">([^<]+)<', receipt).group(1)
    assert "amina@example.org" not in receipt  # masked

    mail = db.session.scalar(select(OutboxMessage).where(OutboxMessage.kind == "confirm_contact"))
    confirm_url = mail.context["path"]
    assert client.get(confirm_url).status_code == 200  # showing the page confirms nothing
    db.session.refresh(request)
    assert request.status == "pending_confirmation"
    assert client.submit(confirm_url, {}).status_code == 303
    db.session.refresh(request)
    assert request.status == "new"

    stranger = app.test_client()
    assert "Avenue Mohammed V" not in page_text(stranger.get(f"/track/{request.tracking_number}"))
    token = re.search(
        r'name="csrf_token" type="hidden" value="([^"]+)"', stranger.get("/track").get_data(as_text=True)
    ).group(1)
    wrong = stranger.post(
        "/track", data={"csrf_token": token, "number": request.tracking_number, "secret": "ZZZZZ-ZZZZZ"}
    )
    assert wrong.status_code == 404
    assert tr(
        "ar", "No request matches this tracking number and secret code. Check both on your receipt."
    ) in page_text(wrong)
    right = stranger.post("/track", data={"csrf_token": token, "number": request.tracking_number, "secret": secret})
    assert right.status_code == 303
    assert "Avenue Mohammed V" in page_text(stranger.get(right.headers["Location"]))


def test_certificates_and_requests_ask_visitors_to_sign_in(client, db):
    make_service(db.session, kind="certificate", code="residence")
    db.session.commit()
    response = client.get("/services/residence/file")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_a_citizen_answers_the_request_for_a_document_then_rates_the_outcome(client, db, login_as, report):
    _service, district = report
    citizen = login_as(Role.CITIZEN, locale="fr")
    url = "/services/light-out/file"
    client.submit(url, good_answers(district) | {"idempotency_key": form_key(client, url)})
    request = db.session.scalar(select(ServiceRequest))
    agent = make_user(db.session, Role.AGENT, department_id=request.department_id)
    for action in ("acknowledge", "request_document"):
        transitions.apply(db.session, request, action, actor=Actor.AGENT, user=agent, note="Envoyez une photo de près")
    db.session.commit()

    page = page_text(client.get(f"/track/{request.tracking_number}"))
    assert tr("fr", "The department needs something from you") in page and "Envoyez une photo de près" in page
    answer = client.submit(
        f"/track/{request.tracking_number}/document",
        {"note": "Voici la photo", "files": [(io.BytesIO(jpeg_with_gps()), "pres.jpg")]},
        form_url=f"/track/{request.tracking_number}",
        content_type="multipart/form-data",
    )
    assert answer.status_code == 303
    db.session.refresh(request)
    assert request.status == "in_progress"

    transitions.apply(db.session, request, "resolve", actor=Actor.AGENT, user=agent, note="Lampes remplacées")
    db.session.commit()
    rating = client.submit(
        f"/track/{request.tracking_number}/rating", {"rating": "7"}, form_url=f"/track/{request.tracking_number}"
    )
    assert rating.status_code == 400 and tr("fr", "Choose a rating from 1 to 5.") in page_text(rating)
    rating = client.submit(
        f"/track/{request.tracking_number}/rating",
        {"rating": "5", "comment": "Merci"},
        form_url=f"/track/{request.tracking_number}",
    )
    assert rating.status_code == 303
    db.session.refresh(request)
    assert request.rating == 5 and citizen.id == request.citizen_id


def test_my_requests_lists_only_mine(client, db, login_as, report):
    _service, district = report
    login_as(Role.CITIZEN)
    url = "/services/light-out/file"
    client.submit(url, good_answers(district) | {"idempotency_key": form_key(client, url)})
    mine = db.session.scalar(select(ServiceRequest))
    other = make_user(db.session)
    db.session.commit()
    text = page_text(client.get("/my-requests"))
    assert mine.tracking_number in text
    assert other.full_name not in text


def test_guessing_secrets_is_blocked_after_ten_failures(client, db, report):
    client.set_cookie("brk_lang", "fr")
    token = client.csrf_token("/track")
    statuses = [
        client.post(
            "/track", data={"csrf_token": token, "number": "BRK-2026-000001-5", "secret": f"AAAAA-AAAA{i}"}
        ).status_code
        for i in range(11)
    ]
    assert statuses == [404] * 10 + [429]
    assert tr("fr", "Too many attempts") in page_text(client.post("/track", data={"csrf_token": token}))


def test_the_secret_of_an_account_holders_receipt_opens_it_read_only(client, db, login_as, report, app):
    _service, district = report
    login_as(Role.CITIZEN)
    url = "/services/light-out/file"
    location = client.submit(url, good_answers(district) | {"idempotency_key": form_key(client, url)}).headers[
        "Location"
    ]
    secret = re.search(r'class="secret">([^<]+)<', client.get(location).get_data(as_text=True)).group(1)
    request = db.session.scalar(select(ServiceRequest))
    agent = make_user(db.session, Role.AGENT, department_id=request.department_id)
    for action in ("acknowledge", "start", "resolve"):
        transitions.apply(db.session, request, action, actor=Actor.AGENT, user=agent, note="Réparé")
    db.session.commit()

    relative = app.test_client()
    token = re.search(
        r'name="csrf_token" type="hidden" value="([^"]+)"', relative.get("/track").get_data(as_text=True)
    ).group(1)
    opened = relative.post("/track", data={"csrf_token": token, "number": request.tracking_number, "secret": secret})
    page = relative.get(opened.headers["Location"])
    assert "Avenue Mohammed V" in page_text(page)
    assert 'action="/track/' not in page.get_data(as_text=True)  # no rating or reopening form
    refused = relative.post(f"/track/{request.tracking_number}/rating", data={"csrf_token": token, "rating": "1"})
    assert refused.status_code == 403
    db.session.refresh(request)
    assert request.rating is None
