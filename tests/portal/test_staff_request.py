"""The staff's request page: each action through its form, who may, optimistic locking, and what the citizen sees."""

import io
import re

import pytest
from sqlalchemy import func, select, update

from portal.extensions import db as app_db
from services.accounts.models import Role
from services.casework.models import ResponseTemplate, TemplateKind
from services.certificates import signing
from services.notifications.models import OutboxMessage
from services.requests.models import Attachment, RequestEvent, ServiceRequest
from services.requests.uploads import FileStore, Upload
from services.workflow.states import Status
from tests.conftest import Client, page_text, tr
from tests.factories import make_department, make_district, make_request, make_service, make_user
from tests.services.certificates.conftest import RESIDENCE_FIELDS
from tests.services.requests.test_uploads import png

PLACE = [
    {"name": "details", "type": "textarea", "label_ar": "التفاصيل", "label_fr": "Détails", "required": True},
    {"name": "place", "type": "location", "label_ar": "المكان", "label_fr": "Lieu", "required": True},
    {
        "name": "photo",
        "type": "file",
        "label_ar": "صورة",
        "label_fr": "Photo",
        "required": False,
        "file_types": ["jpeg", "png"],
        "max_files": 1,
    },
]
CITIZEN_NAME = "Amina Berrada"
CITIZEN_PHONE = "+212661234567"


class Office:
    """A department with its report service, its staff, a citizen and helpers to file and to act."""

    def __init__(self, db, store):
        self.db, self.store = db, store
        self.department = make_department(db.session, name_fr="Éclairage public", name_ar="الإنارة العمومية")
        self.district = make_district(db.session, name_fr="Hay Al Qods", name_ar="حي القدس")
        self.service = make_service(db.session, department=self.department, fields=PLACE, name_fr="Lampe en panne")
        self.agent = make_user(db.session, Role.AGENT, department=self.department, full_name="Karim Agent", locale="fr")
        self.colleague = make_user(db.session, Role.AGENT, department=self.department, full_name="Nadia Collègue")
        self.supervisor = make_user(
            db.session, Role.SUPERVISOR, department=self.department, full_name="Samir Chef", locale="fr"
        )
        self.citizen = make_user(db.session, full_name=CITIZEN_NAME, phone=CITIZEN_PHONE, locale="fr")

    def report(self, *, lat="34.9200", lon="-2.3200", citizen=None, files=None, **overrides):
        values = {
            "details": "Lampadaire éteint devant l'école",
            "place__district": "",
            "place__lat": lat,
            "place__lon": lon,
            "place__address": "Rue des Orangers, devant l'école",
        }
        request = make_request(
            self.db.session,
            self.store,
            service=self.service,
            user=citizen or self.citizen,
            values=values,
            files=files or {},
            **overrides,
        )
        self.db.session.commit()
        return request

    def template(self, kind: TemplateKind, *, title="Modèle", body_fr="Texte du modèle.", body_ar="نص النموذج.", **kw):
        template = ResponseTemplate(
            kind=kind.value,
            title_fr=title,
            title_ar=f"{title} (ar)",
            body_fr=body_fr,
            body_ar=body_ar,
            department_id=kw.pop("department_id", self.department.id),
            **kw,
        )
        self.db.session.add(template)
        self.db.session.commit()
        return template


@pytest.fixture
def office(app, db):
    # Files go where the app reads them, so that pages can serve them.
    return Office(db, FileStore(app.config["UPLOAD_DIR"]))


def sign_in(client, user, lang=None):
    with client.session_transaction() as session:
        session["_user_id"] = user.get_id()
        session["_fresh"] = True
    if lang:
        client.set_cookie("brk_lang", lang)
    return client


@pytest.fixture
def browser(app, db):
    """A new, separate browser (its own cookies and session), as many as a test needs."""

    def new(user=None, lang=None):
        app.test_client_class = Client
        client = app.test_client()
        return sign_in(client, user, lang) if user is not None else client

    return new


def url(request, action=""):
    return f"/staff/requests/{request.tracking_number}" + (f"/{action}" if action else "")


def hidden(page: str, name: str) -> str:
    return re.search(rf'name="{name}" value="([^"]*)"', page).group(1)


def act(client, request, action, data=None, *, seen=None, **kwargs):
    """Open the request's page as this browser, then send one of its forms as a person would."""
    page = client.get(url(request)).get_data(as_text=True)
    fields = {"csrf_token": hidden(page, "csrf_token"), "seen_version": hidden(page, "seen_version")}
    if seen is not None:
        fields["seen_version"] = seen
    return client.post(url(request, action), data=fields | (data or {}), **kwargs)


def refreshed(db, request):
    db.session.expire_all()
    return db.session.get(ServiceRequest, request.id)


def events(db, request, action=None):
    query = select(RequestEvent).where(RequestEvent.request_id == request.id).order_by(RequestEvent.id)
    if action:
        query = query.where(RequestEvent.action == action)
    db.session.expire_all()
    return list(db.session.scalars(query))


# --------------------------------------------------------------------------- the page


def test_the_page_shows_the_request_its_citizen_its_place_and_its_deadlines(office, browser):
    request = office.report()
    response = browser(office.agent).get(url(request))
    assert response.status_code == 200
    text = page_text(response)
    assert request.tracking_number in text and "Lampe en panne" in text
    assert tr("fr", "Received") in text and "Éclairage public" in text
    assert "Lampadaire éteint devant l'école" in text  # the citizen's answers
    assert CITIZEN_NAME in text and office.citizen.email in text and CITIZEN_PHONE in text
    assert "Rue des Orangers" in text and "Hay Al Qods" in text and "34.920000, -2.320000" in text
    html = response.get_data(as_text=True)
    assert "data-request-map" in html and "js/staff.js" in html and "<script>" not in html
    assert tr("fr", "Legal deadline") in text and "time-left time-left--ok" in html
    assert tr("fr", "Visible to the citizen") in text


def test_an_internal_target_is_shown_with_its_own_time_left(office, browser, db):
    request = office.report()
    request.target_at = request.filed_at
    db.session.commit()
    response = browser(office.agent).get(url(request))
    assert tr("fr", "Internal target") in page_text(response)
    assert "time-left time-left--overdue" in response.get_data(as_text=True)


def test_the_equipment_a_report_is_about_is_named(office, browser, db):
    request = office.report()
    request.asset_layer, request.asset_ref = "street_light", "LP-0412"
    db.session.commit()
    text = page_text(browser(office.agent).get(url(request)))
    assert tr("fr", "Street lights") in text and "LP-0412" in text


def test_staff_download_the_citizens_files_with_safe_headers(office, browser):
    request = office.report(files={"photo": [Upload("lampe.png", png())]})
    [attachment] = request.attachments
    agent = browser(office.agent)
    assert "lampe.png" in page_text(agent.get(url(request)))
    download = agent.get(url(request, f"files/{attachment.id}"))
    assert download.status_code == 200 and download.mimetype == "image/png"
    assert download.headers["Content-Disposition"].startswith("attachment")
    assert download.headers["Content-Security-Policy"] == "sandbox; default-src 'none'"
    assert download.headers["Cache-Control"] == "private, no-store"
    other = office.report()
    assert agent.get(url(other, f"files/{attachment.id}")).status_code == 404


def test_a_deactivated_member_of_staff_still_shows_in_the_history_by_name(office, browser, db):
    request = office.report()
    acted = act(browser(office.colleague), request, "acknowledge")
    assert acted.status_code == 303
    office.colleague.is_active = False
    db.session.commit()
    text = page_text(browser(office.agent).get(url(request)))
    assert f"Nadia Collègue {tr('fr', '(deactivated)')}" in text


# --------------------------------------------------------------------------- the actions


def test_an_agent_acknowledges_takes_and_starts_a_request(office, browser, db):
    request = office.report()
    agent = browser(office.agent)
    response = act(agent, request, "acknowledge")
    assert response.status_code == 303 and response.headers["Location"].endswith(url(request))
    assert tr("fr", "Receipt acknowledged; the citizen is told by email.") in page_text(agent.get(url(request)))
    assert refreshed(db, request).status == Status.ACKNOWLEDGED

    page = agent.get(url(request)).get_data(as_text=True)
    assert tr("fr", "Take it") in page and 'name="assign-assignee"' in page
    assert act(agent, request, "assign", {"assign-assignee": str(office.agent.id)}).status_code == 303
    request = refreshed(db, request)
    assert request.status == Status.ASSIGNED and request.assigned_to_id == office.agent.id
    assert tr("fr", "Take it") not in page_text(agent.get(url(request)))  # it is theirs already

    assert act(agent, request, "start").status_code == 303
    assert refreshed(db, request).status == Status.IN_PROGRESS
    text = page_text(agent.get(url(request)))
    assert tr("fr", "Assigned to %(name)s") % {"name": "Karim Agent"} in text
    assert tr("fr", "Internal entry — not visible to the citizen") in text  # the assignment


def test_an_agent_cannot_give_a_request_to_a_colleague_but_a_supervisor_can(office, browser, db):
    request = office.report()
    agent = browser(office.agent)
    refused = act(agent, request, "assign", {"assign-assignee": str(office.colleague.id)})
    assert refused.status_code == 403
    assert refreshed(db, request).assigned_to_id is None

    supervisor = browser(office.supervisor)
    page = supervisor.get(url(request)).get_data(as_text=True)
    assert f'<option value="{office.colleague.id}">' in page
    outsider = make_user(db.session, Role.AGENT, full_name="Omar Ailleurs")
    db.session.commit()
    assert "Omar Ailleurs" not in page
    assert act(supervisor, request, "assign", {"assign-assignee": str(office.colleague.id)}).status_code == 303
    assert refreshed(db, request).assigned_to_id == office.colleague.id
    wrong = act(supervisor, request, "assign", {"assign-assignee": str(outsider.id)})
    assert wrong.status_code == 400
    assert tr("fr", "Choose an active agent or supervisor of the department handling this request.") in page_text(wrong)


def test_a_missing_document_is_asked_for_once_and_a_second_request_is_refused(office, browser, db):
    request = office.report()
    agent = browser(office.agent)
    act(agent, request, "acknowledge")
    page = agent.get(url(request)).get_data(as_text=True)
    assert 'name="document-note"' in page
    asked = act(agent, request, "request-document", {"document-note": "Une photo du lampadaire éteint"})
    assert asked.status_code == 303
    assert refreshed(db, request).status == Status.WAITING_CITIZEN

    page = agent.get(url(request)).get_data(as_text=True)
    assert 'name="document-note"' not in page  # the form is gone
    assert tr("fr", "A missing document was already asked for: the law allows it only once.") in page_text(
        agent.get(url(request))
    )
    forged = act(agent, request, "request-document", {"document-note": "Et aussi la facture"})
    assert forged.status_code == 409
    assert tr("fr", "This action is not possible at this stage of the request.") in page_text(forged)
    assert 'name="document-note"' not in forged.get_data(as_text=True)
    assert len(events(db, request, "request_document")) == 1

    citizen = browser(office.citizen)
    assert "Une photo du lampadaire éteint" in page_text(citizen.get(f"/track/{request.tracking_number}"))

    # Once the citizen has answered, the request is back in progress, and still cannot be asked again.
    answered = citizen.post(
        f"/track/{request.tracking_number}/document",
        data={"csrf_token": citizen.csrf_token("/services"), "note": "La voici"},
    )
    assert answered.status_code == 303 and refreshed(db, request).status == Status.IN_PROGRESS
    assert 'name="document-note"' not in agent.get(url(request)).get_data(as_text=True)
    again = act(agent, request, "request-document", {"document-note": "Et aussi la facture"})
    assert again.status_code == 409
    law = "A missing document was already asked for once: the law allows only one request."
    assert tr("fr", law) in page_text(again)
    assert len(events(db, request, "request_document")) == 1


def test_a_resolution_with_a_photo_reaches_the_citizen_who_can_download_it(office, browser, db):
    request = office.report()
    agent = browser(office.agent)
    act(agent, request, "acknowledge")
    act(agent, request, "start")
    response = act(
        agent,
        request,
        "resolve",
        {"resolve-note": "Lampe remplacée ce matin", "resolve-photos": [(io.BytesIO(png()), "apres.png")]},
        content_type="multipart/form-data",
    )
    assert response.status_code == 303
    request = refreshed(db, request)
    assert request.status == Status.RESOLVED
    [photo] = [a for a in request.attachments if a.uploaded_by_staff]
    [resolved] = events(db, request, "resolve")
    assert photo.event_id == resolved.id and photo.media_type == "image/png"

    citizen = browser(office.citizen)
    page = citizen.get(f"/track/{request.tracking_number}")
    assert "Lampe remplacée ce matin" in page_text(page) and "apres.png" in page_text(page)
    download = citizen.get(f"/track/{request.tracking_number}/files/{photo.id}")
    assert download.status_code == 200 and download.mimetype == "image/png"
    assert download.headers["Content-Disposition"].startswith("attachment")


@pytest.fixture
def signing_key(app, tmp_path):
    path = tmp_path / "signing_key.pem"
    signing.save_private_key(signing.generate_key(), path)
    original = app.config["SIGNING_KEY_FILE"]
    app.config["SIGNING_KEY_FILE"] = str(path)
    yield path
    app.config["SIGNING_KEY_FILE"] = original


def test_approving_a_certificate_issues_it_through_the_signed_document(office, browser, db, signing_key):
    service = make_service(db.session, kind="certificate", department=office.department, fields=RESIDENCE_FIELDS)
    request = make_request(
        db.session, office.store, service=service, user=office.citizen, values={"address": "12 rue Al Massira, Berkane"}
    )
    db.session.commit()
    agent = browser(office.agent)
    act(agent, request, "acknowledge")
    page = agent.get(url(request)).get_data(as_text=True)
    assert "/resolve" not in page  # certificates are approved, not resolved
    act(agent, request, "start")
    response = act(agent, request, "approve")
    assert response.status_code == 303
    request = refreshed(db, request)
    assert request.status == Status.APPROVED
    [approved] = events(db, request, "approve")
    code = approved.data["certificate"]
    assert code in page_text(agent.get(url(request)))
    citizen = browser(office.citizen)
    assert citizen.get(f"/track/{request.tracking_number}/certificate.pdf").status_code == 200


@pytest.mark.parametrize("lang", ["ar", "fr"])
def test_a_rejection_with_a_template_tells_the_citizen_how_to_appeal_in_their_language(office, browser, db, lang):
    citizen = make_user(db.session, full_name="Youssef", locale=lang)
    request = office.report(citizen=citizen, locale=lang)
    template = office.template(
        TemplateKind.REJECTION,
        title="Hors commune",
        body_fr="Le lieu est hors de la commune.",
        body_ar="المكان خارج الجماعة.",
    )
    agent = browser(office.agent)
    page = page_text(agent.get(url(request)))
    assert "Hors commune" in page
    appeal = db.session.scalar(select(ResponseTemplate).where(ResponseTemplate.kind == "appeal"))
    assert appeal.body(lang) in page  # the page shows what the decision will quote

    response = act(
        agent, request, "reject", {"reject-template": str(template.id), "reject-reason": "Vérifié sur place."}
    )
    assert response.status_code == 303
    assert refreshed(db, request).status == Status.REJECTED
    [rejected] = events(db, request, "reject")
    assert rejected.note.startswith(template.body(lang)) and rejected.note.endswith("Vérifié sur place.")

    text = page_text(browser(citizen).get(f"/track/{request.tracking_number}"))
    assert template.body(lang) in text
    assert tr(lang, "How to appeal") in text and appeal.body(lang) in text


def test_a_supervisor_reroutes_a_request_out_of_the_department_and_an_agent_cannot(office, browser, db):
    roads = make_department(db.session, name_fr="Voirie", name_ar="الطرق")
    roads_agent = make_user(db.session, Role.AGENT, department=roads)
    request = office.report()
    agent = browser(office.agent)
    act(agent, request, "acknowledge")
    assert 'name="reroute-department"' not in agent.get(url(request)).get_data(as_text=True)
    forged = act(agent, request, "reroute", {"reroute-department": str(roads.id), "reroute-reason": "Trou"})
    assert forged.status_code == 403
    assert refreshed(db, request).department_id == office.department.id

    supervisor = browser(office.supervisor)
    response = act(
        supervisor,
        request,
        "reroute",
        {
            "reroute-department": str(roads.id),
            "reroute-reason": "C'est un nid-de-poule, pas une lampe.",
            "reroute-tell_citizen": "y",
        },
    )
    assert response.status_code == 303 and "/staff/requests/" not in response.headers["Location"]
    request = refreshed(db, request)
    assert request.department_id == roads.id and request.status == Status.NEW
    assert agent.get(url(request)).status_code == 404
    assert supervisor.get(url(request)).status_code == 404
    assert browser(roads_agent).get(url(request)).status_code == 200
    text = page_text(browser(office.citizen).get(f"/track/{request.tracking_number}"))
    assert "C'est un nid-de-poule, pas une lampe." in text and tr("fr", "Sent to another department") in text


def test_a_supervisor_merges_a_duplicate_and_its_citizen_follows_the_master(office, browser, db):
    master = office.report()
    neighbour = make_user(db.session, full_name="Voisin", locale="fr")
    copy = office.report(lat="34.9202", lon="-2.3201", citizen=neighbour)  # about 25 m away
    agent, supervisor = browser(office.agent), browser(office.supervisor)

    agent_page = agent.get(url(copy)).get_data(as_text=True)
    button = tr("fr", "Mark this request as a duplicate of %(number)s") % {"number": master.tracking_number}
    assert master.tracking_number in agent_page and button not in agent_page
    assert act(agent, copy, "merge", {"merge-master": master.tracking_number}).status_code == 403
    assert refreshed(db, copy).merged_into_id is None

    page = supervisor.get(url(copy))
    away = re.escape(tr("fr", "%(metres)s m away")).replace(re.escape("%(metres)s"), r"(\d+)")
    candidate = page_text(page).split(master.tracking_number, 1)[1]
    assert button in page_text(page) and 10 < int(re.search(away, candidate).group(1)) < 40
    assert act(supervisor, copy, "merge", {"merge-master": master.tracking_number}).status_code == 303
    copy = refreshed(db, copy)
    assert copy.status == Status.DUPLICATE and copy.merged_into_id == master.id

    act(agent, master, "acknowledge")
    agent.post(
        url(master, "note"), data={"csrf_token": agent.csrf_token("/services"), "note-body": "Équipe de nuit, secret"}
    )
    text = page_text(browser(neighbour).get(f"/track/{copy.tracking_number}"))
    notice = tr("fr", "Your report was joined to %(number)s, which deals with the same problem; its updates follow.")
    assert notice % {"number": master.tracking_number} in text
    assert tr("fr", "Acknowledged by the department") in text  # the master's public history
    assert "Équipe de nuit" not in text and CITIZEN_NAME not in text and office.citizen.email not in text


def test_a_merge_into_a_request_of_another_department_is_refused_without_saying_it_exists(office, browser, db):
    request = office.report()
    elsewhere = make_request(db.session, office.store)
    db.session.commit()
    response = act(browser(office.supervisor), request, "merge", {"merge-master": elsewhere.tracking_number})
    assert response.status_code == 400
    assert tr("fr", "No open request of your department has this number.") in page_text(response)
    assert refreshed(db, request).status == Status.NEW


def test_a_public_message_is_emailed_to_the_citizen(office, browser, db):
    request = office.report()
    template = office.template(TemplateKind.MESSAGE, title="Intervention", body_fr="Nous intervenons cette semaine.")
    agent = browser(office.agent)
    page = agent.get(url(request)).get_data(as_text=True)
    assert 'data-body="Nous intervenons cette semaine."' in page  # staff.js inserts it in the citizen's language

    # Without JavaScript: the template alone, its text in the citizen's language.
    token = hidden(page, "csrf_token")
    sent = agent.post(url(request, "message"), data={"csrf_token": token, "message-template": str(template.id)})
    assert sent.status_code == 303
    # With JavaScript: the box holds the template's text, adapted; it is the whole message.
    agent.post(
        url(request, "message"),
        data={
            "csrf_token": token,
            "message-template": str(template.id),
            "message-inserted": "1",
            "message-body": "Nous intervenons jeudi.\r\nMerci de votre patience.",
        },
    )
    notes = [e.note for e in events(db, request, "message")]
    assert notes == ["Nous intervenons cette semaine.", "Nous intervenons jeudi.\nMerci de votre patience."]
    mails = list(
        db.session.scalars(
            select(OutboxMessage).where(
                OutboxMessage.kind == "message_posted", OutboxMessage.recipient == office.citizen.email
            )
        )
    )
    assert len(mails) == 2
    text = page_text(browser(office.citizen).get(f"/track/{request.tracking_number}"))
    assert tr("fr", "Message from the department") in text and "Merci de votre patience." in text


def test_a_template_inserted_by_the_script_is_sent_as_the_agent_left_it_and_never_twice(office, browser, db):
    request = office.report()
    template = office.template(TemplateKind.MESSAGE, body_fr="Nous intervenons cette semaine.")
    agent = browser(office.agent)
    token = agent.csrf_token("/services")
    agent.post(
        url(request, "message"),
        data={
            "csrf_token": token,
            "message-template": str(template.id),
            "message-inserted": "1",
            "message-body": "Nous intervenons cette semaine.\r\n\r\nPrévoyez un accès.",
        },
    )
    agent.post(
        url(request, "message"),
        data={
            "csrf_token": token,
            "message-template": str(template.id),
            "message-inserted": "1",
            "message-body": "Nous intervenons cette semaine, vers 22h.",
        },
    )
    first, edited = events(db, request, "message")
    assert first.note == "Nous intervenons cette semaine.\n\nPrévoyez un accès."
    assert first.data == {"template_id": template.id}
    assert edited.note == "Nous intervenons cette semaine, vers 22h."  # what the agent saw is what is sent


def test_an_internal_note_is_never_shown_to_the_citizen(office, browser, db, app):
    request = office.report()
    agent = browser(office.agent)
    token = agent.csrf_token("/services")
    response = agent.post(url(request, "note"), data={"csrf_token": token, "note-body": "Citoyen déjà venu trois fois"})
    assert response.status_code == 303
    staff_text = page_text(agent.get(url(request)))
    assert "Citoyen déjà venu trois fois" in staff_text
    assert tr("fr", "Internal note — not visible to the citizen") in staff_text
    [note] = events(db, request, "note")
    assert note.is_public is False

    # A file joined to an internal entry stays internal too.
    secret_file = Attachment(
        request_id=request.id,
        event_id=note.id,
        storage_key="internal-test-file-key",
        media_type="image/png",
        size_bytes=1,
        sha256="0" * 64,
        original_name="interne.png",
        uploaded_by_staff=True,
    )
    db.session.add(secret_file)
    db.session.commit()
    citizen = browser(office.citizen)
    page = citizen.get(f"/track/{request.tracking_number}")
    assert "Citoyen déjà venu" not in page.get_data(as_text=True) and "interne.png" not in page_text(page)
    assert tr("fr", "Internal note") not in page_text(page)
    assert citizen.get(f"/track/{request.tracking_number}/files/{secret_file.id}").status_code == 404


# --------------------------------------------------------------------------- who may


ROUTES = [
    ("get", ""),
    ("get", "files/{file}"),
    ("post", "acknowledge"),
    ("post", "start"),
    ("post", "close"),
    ("post", "assign"),
    ("post", "request-document"),
    ("post", "resolve"),
    ("post", "approve"),
    ("post", "reject"),
    ("post", "reroute"),
    ("post", "merge"),
    ("post", "message"),
    ("post", "note"),
]
FORGED = {
    "assign-assignee": "1",
    "document-note": "x",
    "reject-reason": "x",
    "reroute-reason": "x",
    "reroute-department": "1",
    "merge-master": "BRK-2026-000001-5",
    "message-body": "x",
    "note-body": "x",
}


@pytest.mark.parametrize(("method", "action"), ROUTES)
@pytest.mark.parametrize(
    ("who", "expected"), [("other_agent", 404), ("other_supervisor", 404), ("citizen", 403), ("admin", 403)]
)
def test_nobody_outside_the_department_reaches_a_request(office, browser, db, method, action, who, expected):
    request = office.report(files={"photo": [Upload("lampe.png", png())]})
    user = {
        "other_agent": lambda: make_user(db.session, Role.AGENT),
        "other_supervisor": lambda: make_user(db.session, Role.SUPERVISOR),
        "citizen": lambda: office.citizen,  # even the request's own citizen: this is the staff's page
        "admin": lambda: make_user(db.session, Role.ADMIN),
    }[who]()
    db.session.commit()
    client = browser(user)
    path = url(request, action.format(file=request.attachments[0].id))
    if method == "get":
        response = client.get(path)
    else:
        data = {"csrf_token": client.csrf_token("/services"), "seen_version": str(request.row_version), **FORGED}
        response = client.post(path, data=data)
    assert response.status_code == expected
    if expected == 404:
        assert request.tracking_number not in page_text(response)
    assert refreshed(db, request).status == Status.NEW
    assert [e.action for e in events(db, request)] == ["filed"]


def test_anonymous_visitors_are_sent_to_sign_in(office, browser):
    request = office.report()
    response = browser().get(url(request))
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_a_form_without_the_csrf_token_is_refused(office, browser, db):
    request = office.report()
    response = browser(office.agent).post(url(request, "acknowledge"), data={"seen_version": "1"})
    assert response.status_code == 400
    assert refreshed(db, request).status == Status.NEW


# --------------------------------------------------------------------------- optimistic locking


def test_two_agents_on_the_same_request_the_second_stale_form_is_refused_and_saves_nothing(office, browser, db):
    request = office.report()
    first, second = browser(office.agent), browser(office.colleague, lang="fr")
    first_page = first.get(url(request)).get_data(as_text=True)
    second_page = second.get(url(request)).get_data(as_text=True)
    assert hidden(first_page, "seen_version") == hidden(second_page, "seen_version")

    done = first.post(
        url(request, "acknowledge"),
        data={"csrf_token": hidden(first_page, "csrf_token"), "seen_version": hidden(first_page, "seen_version")},
    )
    assert done.status_code == 303
    stale = second.post(
        url(request, "reject"),
        data={
            "csrf_token": hidden(second_page, "csrf_token"),
            "seen_version": hidden(second_page, "seen_version"),
            "reject-reason": "Doublon, je rejette",
        },
    )
    assert stale.status_code == 303 and stale.headers["Location"].endswith(url(request))
    reloaded = second.get(stale.headers["Location"])
    assert tr("fr", ERROR_CHANGED) in page_text(reloaded)
    assert hidden(reloaded.get_data(as_text=True), "seen_version") != hidden(second_page, "seen_version")
    request = refreshed(db, request)
    assert request.status == Status.ACKNOWLEDGED
    assert [e.action for e in events(db, request)] == ["filed", "acknowledge"]
    assert (
        db.session.scalar(select(func.count()).select_from(OutboxMessage).where(OutboxMessage.kind == "status_changed"))
        == 1
    )


ERROR_CHANGED = (
    "Someone else changed this request while you were working on it. "
    "The page now shows its current state: check it, then do your action again."
)


@pytest.mark.parametrize("seen", ["not-a-number", "", "999"])
def test_a_bad_or_missing_seen_version_is_refused_as_a_conflict(office, browser, db, seen):
    request = office.report()
    agent = browser(office.agent)
    response = act(agent, request, "acknowledge", seen=seen)
    assert response.status_code == 303
    assert tr("fr", ERROR_CHANGED) in page_text(agent.get(response.headers["Location"]))
    assert refreshed(db, request).status == Status.NEW


def test_a_save_that_loses_the_race_in_the_database_is_refused_too(office, browser, db, monkeypatch):
    """Both saw the same version and passed the check; the database refuses the later write (StaleDataError)."""
    from services.casework import actions

    request = office.report()
    real = actions.check_version

    def racing(req, seen):
        real(req, seen)
        # Another process commits its change to the row between this one's check and its write.
        app_db.session.execute(
            update(ServiceRequest)
            .where(ServiceRequest.id == req.id)
            .values(row_version=ServiceRequest.row_version + 1)
            .execution_options(synchronize_session=False)
        )

    monkeypatch.setattr(actions, "check_version", racing)
    agent = browser(office.agent)
    response = act(agent, request, "acknowledge")
    assert response.status_code == 303
    assert tr("fr", ERROR_CHANGED) in page_text(agent.get(response.headers["Location"]))
    assert refreshed(db, request).status == Status.NEW
    assert [e.action for e in events(db, request)] == ["filed"]


# --------------------------------------------------------------------------- refused input


MB = 1024 * 1024


FAKE_PNG = b"\x89PNG\r\n\x1a\n" + b"0" * 200
TOO_BIG = b"\x89PNG\r\n\x1a\n" + b"0" * (11 * MB)
REFUSED = {
    "empty reason": (
        "reject",
        {"reject-reason": "  "},
        "Give the reason for the rejection: choose a template, write it, or both.",
    ),
    "unknown rejection template": (
        "reject",
        {"reject-template": "999999", "reject-reason": "x"},
        "Choose one of the templates offered for this department.",
    ),
    "unknown message template": (
        "message",
        {"message-template": "999999", "message-body": "x"},
        "Choose one of the templates offered for this department.",
    ),
    "empty note": ("note", {"note-body": ""}, "Write a few words: this is required here."),
    "fake photo": (
        "resolve",
        {"resolve-photos": (FAKE_PNG, "fake.png")},
        "This file is damaged or is not really a photo or a PDF.",
    ),
    "oversized photo": (
        "resolve",
        {"resolve-photos": (TOO_BIG, "big.png")},
        "Each file must be %(max_mb)s MB or smaller.",
    ),
    "not a photo": (
        "resolve",
        {"resolve-photos": (b"GIF89a" + b"0" * 50, "anim.gif")},
        "This file is not accepted: send %(types)s only.",
    ),
}
PARAMS = {"max_mb": 10, "types": "JPEG, PNG"}


@pytest.mark.parametrize("lang", ["ar", "fr"])
@pytest.mark.parametrize("case", list(REFUSED))
def test_refused_input_is_explained_in_the_agents_language_and_nothing_is_saved(office, browser, db, lang, case):
    action, data, message = REFUSED[case]
    request = office.report()
    agent_user = make_user(db.session, Role.AGENT, department=office.department, locale=lang)
    db.session.commit()
    agent = browser(agent_user)
    for step in ("acknowledge", "start"):
        act(agent, request, step)
    before = [e.id for e in events(db, request)]
    version = refreshed(db, request).row_version
    data = {k: [(io.BytesIO(v[0]), v[1])] if isinstance(v, tuple) else v for k, v in data.items()}
    response = act(agent, request, action, data, content_type="multipart/form-data")
    assert response.status_code == 400
    text = page_text(response)
    assert tr(lang, message) % PARAMS in text
    assert tr(lang, "There is a problem") in text
    request = refreshed(db, request)
    assert [e.id for e in events(db, request)] == before and request.row_version == version
    assert request.status == Status.IN_PROGRESS
    assert not [a for a in request.attachments if a.uploaded_by_staff]
