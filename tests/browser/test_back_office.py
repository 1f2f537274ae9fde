"""The back office in a real browser, in Arabic and in French.

An agent triages a report from the queue, takes it, asks the citizen for a document and resolves it with
a photo that the citizen then sees; a supervisor assigns from the queue, merges a duplicate and sends a
misfiled request to the department that should handle it.
"""

import uuid

import pytest
from PIL import Image
from playwright.sync_api import expect
from sqlalchemy import select

from portal.extensions import db
from services.accounts.models import User
from services.catalog.forms import parse_fields
from services.catalog.service import get_service
from services.demo import ACCOUNTS, DEPARTMENTS
from services.requests import service as requests
from services.requests.demo import _answers
from services.requests.uploads import FileStore
from tests.browser.test_journeys import DEMO, _sign_in
from tests.conftest import tr

LANGUAGES = ["ar", "fr"]
AGENT = next(a for a in ACCOUNTS if a.role.value == "agent" and a.department == "public-lighting")
SUPERVISOR = next(a for a in ACCOUNTS if a.role.value == "supervisor" and a.department == "public-lighting")
CLEANLINESS = next(a for a in ACCOUNTS if a.role.value == "supervisor" and a.department == "cleanliness")
CLEANLINESS_NAME = {"ar": DEPARTMENTS[4][1], "fr": DEPARTMENTS[4][2]}


def _report(live_app, lang: str, point: tuple[float, float], text: str) -> str:
    """A street-light report filed by the demo citizen, in `lang`, at `point`; returns its number."""
    with live_app.app_context():
        citizen = db.session.scalar(select(User).where(User.email == DEMO["citizen"].email))
        service = get_service(db.session, "street-light-outage")
        filed = requests.file_request(
            db.session,
            service_code=service.code,
            user=citizen,
            locale=lang,
            values=_answers(db.session, parse_fields(service.current.fields), text, point),
            files={},
            idempotency_key=f"browser-back-office-{uuid.uuid4().hex}",
            store=FileStore(live_app.config["UPLOAD_DIR"]),
        )
        db.session.commit()
        number = filed.request.tracking_number
        db.session.remove()
        return number


def _citizen_answers(live_app, number: str) -> None:
    with live_app.app_context():
        citizen = db.session.scalar(select(User).where(User.email == DEMO["citizen"].email))
        request = requests.get_for_user(db.session, number, citizen)
        requests.provide_document(
            db.session,
            request,
            user=citizen,
            proven_filer=False,
            note="Voici la photo du poteau / هذه صورة العمود",
            files=[],
            store=FileStore(live_app.config["UPLOAD_DIR"]),
        )
        db.session.commit()
        db.session.remove()


def _status(page, lang: str, code_label: str):
    expect(page.locator("dl.summary-list .status").first).to_have_text(tr(lang, code_label))


@pytest.fixture
def work_photo(tmp_path):
    path = tmp_path / "lampe-changee.png"
    Image.new("RGB", (320, 240), (250, 210, 60)).save(path, "PNG")
    return path


@pytest.mark.parametrize("lang", LANGUAGES)
def test_an_agent_triages_takes_asks_for_a_document_and_resolves_with_a_photo(
    visitor_factory, live_app, work_photo, lang
):
    number = _report(live_app, lang, (-2.3305, 34.9105), "Lampadaire cassé au rond-point")
    agent = visitor_factory(lang)
    agent.goto("/login")
    _sign_in(agent, lang, AGENT.email, AGENT.password)

    # The queue: find the new report by its number.
    page = agent.goto("/staff/queue")
    page.get_by_label(tr(lang, "Search")).fill(number)
    page.get_by_role("button", name=tr(lang, "Show")).click()
    agent.check("queue-search")
    page.get_by_role("link", name=number).click()
    expect(page.get_by_role("heading", name=number)).to_be_visible()
    agent.check("request-new")
    _status(page, lang, "Received")

    page.get_by_role("button", name=tr(lang, "Acknowledge receipt")).click()
    _status(page, lang, "Acknowledged")
    page.get_by_role("button", name=tr(lang, "Take it")).click()
    _status(page, lang, "Assigned to an agent")
    expect(page.get_by_text(AGENT.full_name).first).to_be_visible()
    page.get_by_role("button", name=tr(lang, "Start work")).click()
    _status(page, lang, "In progress")
    agent.check("request-in-progress")

    # The one request for a missing document.
    page.locator("summary", has_text=tr(lang, "Ask for a missing document")).click()
    page.get_by_label(tr(lang, "Missing document")).fill(
        {"ar": "صورة للعمود تظهر رقمه", "fr": "Une photo du poteau montrant son numéro"}[lang]
    )
    page.get_by_role("button", name=tr(lang, "Ask the citizen for it")).click()
    _status(page, lang, "Waiting for the citizen's document")
    expect(
        page.get_by_text(tr(lang, "A missing document was already asked for: the law allows it only once."))
    ).to_be_visible()
    agent.check("request-waiting")

    _citizen_answers(live_app, number)
    page = agent.goto(f"/staff/requests/{number}")
    _status(page, lang, "In progress")

    # Resolved, with a photo of the work done.
    page.locator("summary", has_text=tr(lang, "Mark as resolved")).click()
    page.get_by_label(tr(lang, "What was done (optional)")).fill(
        {"ar": "تم تغيير المصباح", "fr": "Lampe remplacée par une LED"}[lang]
    )
    page.get_by_label(tr(lang, "Photos of the work done (optional)")).set_input_files(str(work_photo))
    page.get_by_role("button", name=tr(lang, "Mark as resolved")).click()
    _status(page, lang, "Resolved")
    expect(page.locator(".timeline").get_by_text("lampe-changee.png")).to_be_visible()
    agent.check("request-resolved")

    # The citizen sees the decision and the photo, not the internal entries.
    citizen = visitor_factory(lang)
    citizen.goto("/login")
    _sign_in(citizen, lang, DEMO["citizen"].email, DEMO["citizen"].password)
    page = citizen.goto(f"/track/{number}")
    expect(page.get_by_text("lampe-changee.png")).to_be_visible()
    expect(page.get_by_text(AGENT.full_name)).to_have_count(0)
    citizen.check("citizen-sees-resolution")


@pytest.mark.parametrize("lang", LANGUAGES)
def test_a_supervisor_assigns_from_the_queue_merges_a_duplicate_and_reroutes_a_misfiled_report(
    visitor_factory, live_app, lang
):
    master = _report(live_app, lang, (-2.3100, 34.9300), "Lampadaire éteint devant la pharmacie")
    copy = _report(live_app, lang, (-2.31015, 34.93012), "Le lampadaire près de la pharmacie ne s'allume pas")
    misfiled = _report(live_app, lang, (-2.3250, 34.9150), "Conteneur brûlé, pas de lampe en panne")
    supervisor = visitor_factory(lang)
    supervisor.goto("/login")
    _sign_in(supervisor, lang, SUPERVISOR.email, SUPERVISOR.password)

    # Bulk assignment of the two reports about the pharmacy's lamp.
    page = supervisor.goto("/staff/queue?status=new&sort=filed")
    for number in (master, copy):
        page.locator("tr", has=page.get_by_role("link", name=number)).locator("input[type=checkbox]").check()
    page.get_by_label(tr(lang, "Assign to")).select_option(label=AGENT.full_name)
    page.get_by_role("button", name=tr(lang, "Assign"), exact=True).click()
    expect(page.locator(".notice--success")).to_be_visible()
    supervisor.check("queue-assigned")

    # The later report is offered as a duplicate of the first; merging closes it and points to the master.
    page = supervisor.goto(f"/staff/requests/{copy}")
    candidates = page.locator("section", has=page.get_by_role("heading", name=tr(lang, "Possible duplicates")))
    expect(candidates.get_by_role("link", name=master)).to_be_visible()
    supervisor.check("request-duplicate-candidates")
    candidates.get_by_role(
        "button", name=tr(lang, "Mark this request as a duplicate of %(number)s") % {"number": master}
    ).click()
    _status(page, lang, "Closed as a duplicate")
    supervisor.check("request-merged")

    # A container reported as a lamp goes to the cleanliness department, and the citizen is told.
    page = supervisor.goto(f"/staff/requests/{misfiled}")
    page.locator("summary", has_text=tr(lang, "Send to another department")).click()
    page.get_by_label(tr(lang, "Department that should handle it")).select_option(label=CLEANLINESS_NAME[lang])
    page.get_by_label(tr(lang, "Why it goes there")).fill(
        {"ar": "الأمر يتعلق بحاوية نفايات", "fr": "Il s'agit d'un conteneur à déchets"}[lang]
    )
    page.get_by_role("button", name=tr(lang, "Send to this department")).click()
    expect(page.locator(".notice--success")).to_be_visible()
    supervisor.check("queue-after-reroute")
    assert supervisor.page.url.split("?")[0].endswith("/staff/queue")

    # It is now in the cleanliness queue, and no longer reachable from public lighting.
    other = visitor_factory(lang)
    other.goto("/login")
    _sign_in(other, lang, CLEANLINESS.email, CLEANLINESS.password)
    page = other.goto(f"/staff/queue?q={misfiled}")
    expect(page.get_by_role("link", name=misfiled)).to_be_visible()
    other.check("cleanliness-queue")
    response = supervisor.page.goto(f"{supervisor.base_url}/staff/requests/{misfiled}")
    assert response.status == 404
