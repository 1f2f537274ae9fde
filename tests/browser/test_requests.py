"""A resident files a located report with a photo, gets the receipt and the email, follows it and answers."""

import io
import re

import pytest
from PIL import Image
from playwright.sync_api import expect
from pypdf import PdfReader
from sqlalchemy import select

from portal.extensions import db
from services.accounts.models import User
from services.requests.models import ServiceRequest
from services.workflow import transitions
from services.workflow.transitions import Actor
from tests.browser.test_journeys import DEMO, _sign_in
from tests.conftest import tr
from tests.factories import make_user

LANGUAGES = ["ar", "fr"]
DESCRIPTION = {"ar": "ثلاثة أعمدة إنارة مطفأة منذ الاثنين", "fr": "Trois lampadaires éteints depuis lundi"}


@pytest.fixture
def photo(tmp_path):
    path = tmp_path / "lampadaire.jpg"
    image = Image.new("RGB", (320, 240), (40, 40, 60))
    exif = Image.Exif()
    exif[0x8825] = {1: "N", 2: (34.0, 55.0, 12.0), 3: "W", 4: (2.0, 19.0, 30.0)}
    image.save(path, "JPEG", exif=exif)
    return path


def _department_move(live_app, number: str, *actions: str, note: str):
    with live_app.app_context():
        request = db.session.scalar(select(ServiceRequest).where(ServiceRequest.tracking_number == number))
        agent = db.session.scalar(select(User).where(User.email == DEMO["agent"].email))
        if agent.department_id != request.department_id:
            agent = db.session.scalar(
                select(User).where(User.department_id == request.department_id, User.role.in_(("agent", "supervisor")))
            )
        actor = Actor.SUPERVISOR if agent.role == "supervisor" else Actor.AGENT
        for action in actions:
            transitions.apply(db.session, request, action, actor=actor, user=agent, note=note)
        db.session.commit()
        db.session.remove()


@pytest.mark.parametrize("lang", LANGUAGES)
def test_resident_reports_a_street_light_on_the_map_with_a_photo_and_follows_it(
    visitor_factory, live_app, smtp_server, photo, lang
):
    visitor = visitor_factory(lang)
    page = visitor.goto("/login")
    _sign_in(visitor, lang, DEMO["citizen"].email, DEMO["citizen"].password)

    # Finds the service by searching the catalogue, without hamza or accent.
    page = visitor.goto("/services")
    page.get_by_label(tr(lang, "Search for a service")).fill({"ar": "الانارة", "fr": "eclairage"}[lang])
    page.get_by_role("button", name=tr(lang, "Search")).click()
    name = {"ar": "تبليغ عن عطب في الإنارة العمومية", "fr": "Signalement d'une panne d'éclairage public"}[lang]
    page.get_by_role("link", name=name).click()
    visitor.check("service")
    page.get_by_role("link", name=tr(lang, "Apply online")).click()
    visitor.check("file")
    # The map shows the districts; a click places the point and chooses the district.
    map_box = page.locator(".location__map")
    expect(map_box).to_be_visible()
    page.wait_for_selector(".location__map path.leaflet-interactive")
    map_box.scroll_into_view_if_needed()  # the mouse clicks within the viewport only
    box = map_box.bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    expect(page.locator("[data-role=lat]")).not_to_have_value("")
    assert page.locator("select").first.input_value() != ""
    page.get_by_label(tr(lang, "Address or landmark")).fill("Boulevard Mohammed V")
    page.locator("textarea").first.fill(DESCRIPTION[lang])
    page.locator("input[type=file]").set_input_files(str(photo))
    visitor.check("file-filled")
    page.get_by_role("button", name=tr(lang, "Send my request")).click()

    expect(page.get_by_role("heading", name=tr(lang, "Your request has been received"))).to_be_visible()
    visitor.check("receipt")
    number = page.locator(".panel--confirmation bdi").inner_text().strip()
    assert re.fullmatch(r"BRK-\d{4}-\d{6}-\d", number)
    assert "lampadaire.jpg" in page.content()

    with page.expect_download() as download:
        page.get_by_role("link", name=tr(lang, "Download the receipt (PDF)")).click()
    pdf = PdfReader(io.BytesIO(download.value.path().read_bytes()))
    assert number in pdf.pages[0].extract_text()

    # The outbox worker delivers the receipt email in the citizen's language.
    live_app.config.update(MAIL_SERVER=smtp_server.host, MAIL_PORT=smtp_server.port, MAIL_SECURITY="none")
    result = live_app.test_cli_runner().invoke(args=["notifications", "send"])
    assert result.exit_code == 0, result.output
    [mail] = [m for m in smtp_server.messages if number in m.get_body(("plain",)).get_content()]
    assert mail["To"] == DEMO["citizen"].email

    # The department asks for a document; the resident answers from "My requests".
    _department_move(
        live_app,
        number,
        "acknowledge",
        "request_document",
        note={"ar": "أرسل صورة قريبة", "fr": "Envoyez une photo de près"}[lang],
    )
    page = visitor.goto("/my-requests")
    page.get_by_role("link", name=number).click()
    expect(page.get_by_role("heading", name=tr(lang, "The department needs something from you"))).to_be_visible()
    visitor.check("waiting")
    page.get_by_label(tr(lang, "Your answer")).fill({"ar": "هذه صورة قريبة", "fr": "Voici une photo de près"}[lang])
    page.locator("input[type=file]").set_input_files(str(photo))
    page.get_by_role("button", name=tr(lang, "Send my answer")).click()
    expect(page.locator(".notice--success")).to_be_visible()
    expect(page.locator(".status")).to_have_text(tr(lang, "In progress"))
    visitor.check("answered")


@pytest.mark.parametrize("lang", LANGUAGES)
def test_without_javascript_or_account_a_report_is_filed_and_looked_up_with_its_secret(visitor_factory, lang):
    visitor = visitor_factory(lang, javascript=False)
    page = visitor.goto("/services/illegal-dumping/file")
    expect(page.locator(".location__map")).to_be_hidden()
    page.get_by_role("button", name=tr(lang, "Send my request")).click()
    visitor.check("errors")
    expect(page.locator(".error-summary")).to_be_visible()
    page.get_by_label(tr(lang, "District"), exact=True).select_option(index=2)
    page.get_by_label(tr(lang, "Address or landmark")).fill("Route de Saïdia, km 2")
    page.locator("textarea").first.fill(DESCRIPTION[lang])
    page.get_by_label(tr(lang, "Your email address")).fill(f"visitor-{lang}@example.org")
    page.get_by_role("button", name=tr(lang, "Send my request")).click()
    expect(page.get_by_role("heading", name=tr(lang, "Your request has been received"))).to_be_visible()
    visitor.check("receipt")
    number = page.locator(".panel--confirmation bdi").inner_text().strip()
    secret = page.locator(".secret").inner_text().strip()

    stranger = visitor_factory(lang, javascript=False)
    page = stranger.goto(f"/track/{number}")
    assert DESCRIPTION[lang] not in page.content()
    page.get_by_label(tr(lang, "Secret code")).fill(secret)
    page.get_by_role("button", name=tr(lang, "Follow my request")).click()
    expect(page.get_by_text(DESCRIPTION[lang])).to_be_visible()
    stranger.check("tracked")


def _approve_certificate(live_app, number: str):
    from portal.certificates.issue import approve_and_issue

    with live_app.test_request_context():
        request = db.session.scalar(select(ServiceRequest).where(ServiceRequest.tracking_number == number))
        agent = make_user(db.session, "agent", department_id=request.department_id)
        actor = Actor.AGENT
        for action in ("acknowledge", "start"):
            transitions.apply(db.session, request, action, actor=actor, user=agent)
        certificate = approve_and_issue(request, agent)
        db.session.commit()
        code = certificate.code
        db.session.remove()
    return code


def _revoke(live_app, code: str):
    result = live_app.test_cli_runner().invoke(
        args=["certificates", "revoke", code, "--reason", "Erreur d'adresse", "--by", DEMO["admin"].email]
    )
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize("lang", LANGUAGES)
def test_resident_gets_a_signed_certificate_that_anyone_can_verify(visitor_factory, live_app, tmp_path, lang):
    visitor = visitor_factory(lang)
    visitor.goto("/login")
    _sign_in(visitor, lang, DEMO["citizen"].email, DEMO["citizen"].password)
    page = visitor.goto("/services/residence-certificate/file")
    page.locator("input[type=radio]").first.check()
    page.locator("input[name=address]").fill("12, rue Al Massira, Berkane")
    page.get_by_role("button", name=tr(lang, "Send my request")).click()
    expect(page.get_by_role("heading", name=tr(lang, "Your request has been received"))).to_be_visible()
    number = page.locator(".panel--confirmation bdi").inner_text().strip()

    code = _approve_certificate(live_app, number)
    page = visitor.goto(f"/track/{number}")
    expect(page.get_by_role("heading", name=tr(lang, "Your document is ready"))).to_be_visible()
    with page.expect_download() as download:
        page.get_by_role("link", name=tr(lang, "Download the certificate (PDF)")).click()
    pdf = download.value.path().read_bytes()
    assert code in PdfReader(io.BytesIO(pdf)).pages[0].extract_text()

    # Anyone checks it: by its code, then by uploading the file, intact and then changed.
    checker = visitor_factory(lang)
    page = checker.goto(f"/verify/{code}")
    expect(
        page.get_by_text(tr(lang, "Valid: the commune of Berkane issued this document and has not revoked it."))
    ).to_be_visible()
    assert DEMO["citizen"].full_name not in page.content()  # the name is masked
    original = tmp_path / "certificate.pdf"
    original.write_bytes(pdf)
    page = checker.goto("/verify")
    page.locator("input[type=file]").set_input_files(str(original))
    page.get_by_role("button", name=tr(lang, "Check the file")).click()
    expect(
        page.get_by_text(
            tr(
                lang,
                "Valid: this file is a certificate issued by the commune of Berkane, unchanged since it was signed.",
            )
        )
    ).to_be_visible()
    checker.check("verified-file")

    tampered = tmp_path / "tampered.pdf"
    position = pdf.index(b"/Producer") if b"/Producer" in pdf else len(pdf) // 2
    tampered.write_bytes(pdf[:position] + bytes([pdf[position] ^ 1]) + pdf[position + 1 :])
    page.locator("input[type=file]").set_input_files(str(tampered))
    page.get_by_role("button", name=tr(lang, "Check the file")).click()
    expect(
        page.get_by_text(tr(lang, "Changed: this file was modified after the commune signed it. Do not trust it."))
    ).to_be_visible()
    checker.check("tampered")

    page = checker.goto("/verify/ZZZZZ-ZZZZZ")
    expect(page.get_by_role("heading", name=tr(lang, "No such document"))).to_be_visible()

    _revoke(live_app, code)
    page = checker.goto(f"/verify/{code}")
    expect(page.get_by_text(tr(lang, "Revoked: this document is no longer valid."))).to_be_visible()


def _confirmation_path(live_app, email: str) -> str:
    from services.notifications.models import OutboxMessage

    with live_app.app_context():
        message = db.session.scalar(
            select(OutboxMessage)
            .where(OutboxMessage.recipient == email, OutboxMessage.kind == "confirm_contact")
            .order_by(OutboxMessage.id.desc())
        )
        path = message.context["path"]
        db.session.remove()
    return path


@pytest.mark.parametrize("lang", LANGUAGES)
def test_a_visitor_confirms_their_email_and_a_citizen_reaches_their_privacy_rights(visitor_factory, live_app, lang):
    visitor = visitor_factory(lang)
    page = visitor.goto("/track")
    page = visitor.goto("/services/road-damage/file")
    page.get_by_label(tr(lang, "District"), exact=True).select_option(index=1)
    page.get_by_label(tr(lang, "Address or landmark")).fill("Avenue Hassan II")
    page.locator("textarea").first.fill(DESCRIPTION[lang])
    email = f"confirm-{lang}@example.org"
    page.get_by_label(tr(lang, "Your email address")).fill(email)
    page.get_by_role("button", name=tr(lang, "Send my request")).click()
    expect(page.locator(".status")).to_have_text(tr(lang, "Waiting for your confirmation"))

    page = visitor.goto(_confirmation_path(live_app, email))
    page.get_by_role("button", name=tr(lang, "Confirm my email address")).click()
    expect(page.locator(".status")).to_have_text(tr(lang, "Received"))
    visitor.check("confirmed")
    visitor.goto(_confirmation_path(live_app, email))
    page.get_by_role("button", name=tr(lang, "Confirm my email address")).click()
    expect(page.get_by_text(tr(lang, "This confirmation link is not valid or was already used."))).to_be_visible()
    visitor.check("link-used")

    citizen = visitor_factory(lang)
    citizen.goto("/login")
    _sign_in(citizen, lang, DEMO["citizen"].email, DEMO["citizen"].password)
    page = citizen.goto("/account")
    expect(page.get_by_role("link", name=tr(lang, "Download my data (JSON)"))).to_be_visible()
    page.get_by_role("link", name=tr(lang, "Delete my account")).click()
    citizen.check("delete")
    page.get_by_label(tr(lang, "Your password")).fill("not the password")
    page.get_by_role("button", name=tr(lang, "Delete my account")).click()
    expect(page.locator(".error-summary")).to_be_visible()
    citizen.check("delete-refused")
