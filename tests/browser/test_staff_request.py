"""A head of department works one request in a real browser: its map, a message from a template, a decision."""

import uuid

import pytest
from geoalchemy2.shape import to_shape
from playwright.sync_api import expect
from sqlalchemy import select

from portal.extensions import db
from services.accounts.models import User
from services.casework.models import ResponseTemplate, TemplateKind
from services.catalog.forms import parse_fields
from services.catalog.service import get_service
from services.demo import ACCOUNTS
from services.requests.demo import _answers
from services.requests.models import ServiceRequest
from services.requests.service import file_request
from services.requests.uploads import FileStore
from tests.browser.test_journeys import DEMO, _sign_in
from tests.conftest import tr

LANGUAGES = ["ar", "fr"]
# The street-light reports go to public lighting, where these two work.
SUPERVISOR = next(a for a in ACCOUNTS if a.role.value == "supervisor" and a.department == "public-lighting")
AGENT = next(a for a in ACCOUNTS if a.role.value == "agent" and a.department == "public-lighting")
TEMPLATE = {
    "ar": "ستمر فرقتنا ليلة الخميس لتغيير المصباح.",
    "fr": "Notre équipe passe jeudi soir pour changer la lampe.",
}


def _located_report(live_app, lang: str) -> tuple[str, str]:
    """A street-light report with a point, filed by the demo citizen in `lang`, and a message template."""
    with live_app.app_context():
        citizen = db.session.scalar(select(User).where(User.email == DEMO["citizen"].email))
        service = get_service(db.session, "street-light-outage")
        values = _answers(db.session, parse_fields(service.current.fields), "Lampe éteinte", (-2.32, 34.92))
        filed = file_request(
            db.session,
            service_code=service.code,
            user=citizen,
            locale=lang,
            values=values,
            files={},
            idempotency_key=f"browser-staff-{uuid.uuid4().hex}",
            store=FileStore(live_app.config["UPLOAD_DIR"]),
        )
        title = f"Passage de l'équipe {uuid.uuid4().hex[:6]}"
        db.session.add(
            ResponseTemplate(
                kind=TemplateKind.MESSAGE.value,
                title_ar=f"مرور الفرقة {title[-6:]}",
                title_fr=title,
                body_ar=TEMPLATE["ar"],
                body_fr=TEMPLATE["fr"],
                department_id=service.department_id,
            )
        )
        db.session.commit()
        number = filed.request.tracking_number
        db.session.remove()
        return number, title


@pytest.mark.parametrize("lang", LANGUAGES)
def test_a_supervisor_sees_the_place_and_sends_a_message_from_a_template(visitor_factory, live_app, lang):
    number, title = _located_report(live_app, lang)
    visitor = visitor_factory(lang)
    visitor.goto("/login")
    _sign_in(visitor, lang, SUPERVISOR.email, SUPERVISOR.password)
    page = visitor.goto(f"/staff/requests/{number}")
    expect(page.get_by_role("heading", name=number)).to_be_visible()

    # The districts and the point are drawn without any background tiles.
    page.wait_for_selector(".location__map path.leaflet-interactive")
    assert page.locator(".location__map .leaflet-tile").count() == 0
    visitor.check("request")

    # A template writes its text, in the citizen's language, into the message; the agent adapts it and sends it.
    template_label = title if lang == "fr" else f"مرور الفرقة {title[-6:]}"
    page.get_by_label(tr(lang, "Start from a template (optional)")).select_option(label=template_label)
    box = page.get_by_label(tr(lang, "Message"), exact=True)
    expect(box).to_have_value(TEMPLATE[lang])
    box.press("End")
    box.type(" 22h")
    page.get_by_role("button", name=tr(lang, "Send the message")).click()
    expect(page.locator(".notice--success")).to_have_text(tr(lang, "Your message was sent to the citizen."))
    expect(page.locator(".timeline__message")).to_have_text(TEMPLATE[lang] + " 22h")
    visitor.check("message-sent")

    # The decision: acknowledged, then the reject form shows the appeal route it will quote.
    page.get_by_role("button", name=tr(lang, "Acknowledge receipt")).click()
    expect(page.locator(".status").first).to_have_text(tr(lang, "Acknowledged"))
    page.get_by_text(tr(lang, "Reject"), exact=True).click()
    expect(
        page.get_by_text(tr(lang, "The decision will quote how to appeal, in the citizen's language:"))
    ).to_be_visible()
    visitor.check("reject-form")


@pytest.mark.parametrize("lang", LANGUAGES)
def test_without_javascript_the_page_gives_the_place_in_words_and_its_forms_work(visitor_factory, live_app, lang):
    number, _title = _located_report(live_app, lang)
    visitor = visitor_factory(lang, javascript=False)
    visitor.goto("/login")
    _sign_in(visitor, lang, AGENT.email, AGENT.password)
    page = visitor.goto(f"/staff/requests/{number}")
    expect(page.locator(".location__map")).to_be_hidden()
    # The point given was the centre of town; the report stands where the demo street light it snapped to is.
    with live_app.app_context():
        spot = to_shape(
            db.session.scalar(select(ServiceRequest.location).where(ServiceRequest.tracking_number == number))
        )
    assert (spot.x, spot.y) != (-2.32, 34.92)
    expect(page.get_by_text(f"{spot.y:.6f}, {spot.x:.6f}")).to_be_visible()
    page.get_by_role("button", name=tr(lang, "Take it")).click()
    expect(page.locator(".notice--success")).to_have_text(tr(lang, "The request is yours now."))
    visitor.check("taken")
