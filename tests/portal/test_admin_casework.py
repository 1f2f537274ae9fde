"""Administrators keep response templates, decreed days off and internal targets; leaving staff give work back."""

import re
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from babel.dates import format_date
from babel.support import Translations
from sqlalchemy import func, select

from services.accounts.models import Role
from services.casework import actions
from services.casework import templates as response_templates
from services.casework.models import ResponseTemplate
from services.catalog.service import get_service
from services.requests import holidays
from services.requests.models import Holiday, RequestEvent
from services.workflow.states import Status
from tests.conftest import page_text, tr
from tests.factories import PASSWORD, make_department, make_request, make_service, make_user
from tests.portal.test_admin_services import new_service, shown_form

LANGUAGES = ("ar", "fr")
TRANSLATIONS = Path(__file__).resolve().parents[2] / "translations"
FILED = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)  # a Tuesday; ten working days later is 15 December
NAMES = {"name_ar": "عطلة استثنائية", "name_fr": "Jour chômé exceptionnel", "decree": "Décret n° 2-26-900"}


def ntr(language: str, singular: str, plural: str, num: int, **params) -> str:
    """The catalog's plural form of a message, filled in as the page fills it."""
    text = Translations.load(str(TRANSLATIONS), [language]).ngettext(singular, plural, num)
    return text % {"num": num, **params}


def template_form(**changes) -> dict:
    return {
        "kind": "rejection",
        "department_id": "",
        "title_ar": "ملف ناقص",
        "title_fr": "Dossier incomplet",
        "body_ar": "الملف ناقص.",
        "body_fr": "Le dossier est incomplet.",
        "is_active": "y",
    } | changes


def templates_in(db) -> int:
    return db.session.scalar(select(func.count(ResponseTemplate.id)))


def commune_appeal(db) -> ResponseTemplate:
    return next(t for t in response_templates.list_templates(db.session, "appeal") if t.department_id is None)


def html_lang(response) -> str:
    return re.search(r'<html lang="(\w+)"', response.get_data(as_text=True)).group(1)


# --------------------------------------------------------------------------- pages and access


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_new_pages_render_in_both_languages(client, db, login_as, language):
    login_as("admin", locale=language)
    service = make_service(db.session, target_value=4)
    db.session.commit()
    seeded = commune_appeal(db)
    for url, title in [
        ("/admin/templates", "Response templates"),
        ("/admin/templates?kind=appeal", "Response templates"),
        ("/admin/templates/new", "Add a template"),
        (f"/admin/templates/{seeded.id}", None),
        ("/admin/holidays", "Days off by decree"),
        (f"/admin/services/{service.code}", "Internal target"),
    ]:
        response = client.get(url)
        assert response.status_code == 200, url
        assert html_lang(response) == language
        text = page_text(response)
        assert title is None or tr(language, title) in text, url
    listing = page_text(client.get("/admin/templates"))
    assert seeded.title_ar in listing and seeded.title_fr in listing
    assert tr(language, "Response templates") in page_text(client.get("/admin/"))  # in the admin menu
    assert tr(language, "Days off by decree") in page_text(client.get("/admin/"))


@pytest.mark.parametrize("role", ["citizen", "agent", "supervisor", "mayor_office"])
def test_only_administrators_reach_the_templates_and_holidays(client, db, login_as, role):
    login_as(role)
    holiday, _ = holidays.add_holiday(db.session, day="2026-12-08", **NAMES, user=None)
    db.session.commit()
    for url in ("/admin/templates", "/admin/templates/new", "/admin/holidays"):
        assert client.get(url).status_code == 403, url
    before = templates_in(db)
    response = client.submit("/admin/templates/new", template_form(), form_url="/")
    assert response.status_code == 403 and templates_in(db) == before
    assert client.submit(f"/admin/holidays/{holiday.id}/remove", {}, form_url="/").status_code == 403
    assert holidays.list_holidays(db.session) == [holiday]


def test_forms_without_a_csrf_token_are_refused_and_change_nothing(client, db, login_as):
    login_as("admin")
    holiday, _ = holidays.add_holiday(db.session, day="2026-12-08", **NAMES, user=None)
    db.session.commit()
    before = templates_in(db)
    assert client.post("/admin/templates/new", data=template_form()).status_code == 400
    assert templates_in(db) == before
    assert client.post("/admin/holidays", data={"day": "2026-12-09", **NAMES}).status_code == 400
    assert client.post(f"/admin/holidays/{holiday.id}/remove").status_code == 400
    assert [h.day for h in holidays.list_holidays(db.session)] == [date(2026, 12, 8)]


# --------------------------------------------------------------------------- response templates


def test_an_admin_adds_a_department_template_that_staff_are_then_offered(client, db, login_as):
    admin = login_as("admin", locale="fr")
    department = make_department(db.session, name_fr="État civil")
    db.session.commit()
    response = client.submit(
        "/admin/templates/new",
        template_form(department_id=str(department.id)),
        form_url="/admin/templates/new",
        follow_redirects=True,
    )
    assert response.request.path == "/admin/templates"
    assert tr("fr", "The template is saved.") in page_text(response)
    template = db.session.scalar(select(ResponseTemplate).where(ResponseTemplate.title_fr == "Dossier incomplet"))
    assert (template.department_id, template.updated_by_id, template.is_active) == (department.id, admin.id, True)
    assert "État civil" in page_text(response)
    filtered = page_text(client.get("/admin/templates?kind=message"))
    assert "Dossier incomplet" not in filtered


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_template_error_is_shown_in_the_page_language_and_nothing_is_saved(client, db, login_as, language):
    login_as("admin", locale=language)
    before = templates_in(db)
    response = client.submit(
        "/admin/templates/new",
        template_form(kind="greeting", title_ar="", title_fr=" ", body_ar="", body_fr="x" * 4001),
        form_url="/admin/templates/new",
    )
    assert response.status_code == 400
    text = page_text(response)
    for message in (
        "There is a problem",
        "Choose what the text is for from the list.",
        "Enter the title in Arabic.",
        "Enter the title in French.",
        "Enter the text in Arabic.",
    ):
        assert tr(language, message) in text, message
    assert tr(language, "This text must be %(max)s characters or fewer.") % {"max": 4000} in text
    assert templates_in(db) == before
    assert "x" * 4001 in response.get_data(as_text=True)  # what was typed is kept


def test_an_admin_edits_a_template_and_withdraws_it(client, db, login_as):
    admin = login_as("admin", locale="fr")
    template = response_templates.save_template(
        db.session, **{**template_form(), "is_active": True, "department_id": None}, user=None
    )
    db.session.commit()
    url = f"/admin/templates/{template.id}"
    shown = shown_form(client, url)
    assert shown["title_fr"] == ["Dossier incomplet"] and shown["is_active"] == ["y"]
    data = template_form(body_fr="Il manque l'acte de naissance.")
    del data["is_active"]  # unticked
    assert client.submit(url, data).status_code == 302
    db.session.refresh(template)
    assert template.body_fr == "Il manque l'acte de naissance." and template.is_active is False
    assert template.updated_by_id == admin.id
    assert tr("fr", "Deactivated") in page_text(client.get("/admin/templates"))
    assert client.get("/admin/templates/987654").status_code == 404


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_last_commune_wide_appeal_route_cannot_be_withdrawn_from_the_page(client, db, login_as, language):
    login_as("admin", locale=language)
    seeded = commune_appeal(db)
    url = f"/admin/templates/{seeded.id}"
    data = {k: v[0] for k, v in shown_form(client, url).items() if k != "csrf_token"}
    del data["is_active"]
    response = client.submit(url, data)
    assert response.status_code == 400
    assert tr(
        language,
        "This is the only active statement of the appeal route for the whole commune, and every rejection must "
        "quote one. Add or activate another one first, or correct this one instead.",
    ) in page_text(response)
    db.session.refresh(seeded)
    assert seeded.is_active


# --------------------------------------------------------------------------- decreed holidays


@pytest.mark.parametrize("language", LANGUAGES)
def test_declaring_a_day_off_moves_open_deadlines_and_says_how_many(client, db, store, login_as, language):
    admin = login_as("admin", locale=language)
    request = make_request(db.session, store, service=make_service(db.session, delay_value=10), now=FILED)
    db.session.commit()
    response = client.submit("/admin/holidays", {"day": "2026-12-08", **NAMES}, follow_redirects=True)
    assert response.request.path == "/admin/holidays"
    db.session.refresh(request)
    assert request.deadline_date == date(2026, 12, 16)
    holiday = db.session.scalar(select(Holiday).where(Holiday.day == date(2026, 12, 8)))
    assert holiday.created_by_id == admin.id and holiday.decree == NAMES["decree"]
    text = page_text(response)
    assert NAMES["decree"] in text and NAMES["name_ar"] in text and NAMES["name_fr"] in text
    moved = ntr(
        language,
        "%(day)s is declared a day off. %(num)s open request had its legal deadline moved.",
        "%(day)s is declared a day off. %(num)s open requests had their legal deadline moved.",
        1,
        day=format_date(date(2026, 12, 8), "full", locale=f"{language}_MA"),
    )
    assert moved in text
    entry = db.session.scalar(
        select(RequestEvent).where(RequestEvent.request_id == request.id, RequestEvent.action == "deadline_moved")
    )
    assert entry.is_public and entry.actor_id == admin.id


@pytest.mark.parametrize("language", LANGUAGES)
def test_holiday_errors_are_all_shown_in_the_page_language(client, db, login_as, language):
    login_as("admin", locale=language)
    holidays.add_holiday(db.session, day="2026-12-08", **NAMES, user=None)
    db.session.commit()
    response = client.submit("/admin/holidays", {"day": "2026-02-30", "name_ar": "", "name_fr": "", "decree": ""})
    assert response.status_code == 400
    text = page_text(response)
    for message in (
        "Enter a real date as year-month-day, like 2026-03-27.",
        "Enter the name in Arabic.",
        "Enter the name in French.",
        "Cite the decree or communiqué that declares this day off.",
    ):
        assert tr(language, message) in text, message
    response = client.submit("/admin/holidays", {"day": "2026-12-08", **NAMES})
    assert response.status_code == 400
    assert tr(language, "This day is already a declared holiday.") in page_text(response)
    assert len(holidays.list_holidays(db.session)) == 1


def test_removing_a_day_off_brings_the_deadlines_back(client, db, store, login_as):
    login_as("admin", locale="fr")
    request = make_request(db.session, store, service=make_service(db.session, delay_value=10), now=FILED)
    holiday, _ = holidays.add_holiday(db.session, day="2026-12-08", **NAMES, user=None)
    db.session.commit()
    page = client.get("/admin/holidays").get_data(as_text=True)
    assert f'action="/admin/holidays/{holiday.id}/remove"' in page
    response = client.submit(f"/admin/holidays/{holiday.id}/remove", {}, form_url="/admin/holidays")
    assert response.status_code == 302
    db.session.refresh(request)
    assert request.deadline_date == date(2026, 12, 15)
    assert holidays.list_holidays(db.session) == []
    text = page_text(client.get("/admin/holidays"))
    assert (
        ntr(
            "fr",
            "The day off is removed. %(num)s open request had its legal deadline moved back.",
            "The day off is removed. %(num)s open requests had their legal deadline moved back.",
            1,
        )
        in text
    )
    assert client.submit(f"/admin/holidays/{holiday.id}/remove", {}, form_url="/admin/holidays").status_code == 404


@pytest.mark.parametrize(("language", "name"), [("ar", "عيد العرش"), ("fr", "Fête du Trône")])
def test_the_holidays_page_lists_this_years_public_holidays_in_the_page_language(client, login_as, language, name):
    login_as("admin", locale=language)
    assert name in page_text(client.get("/admin/holidays"))


# --------------------------------------------------------------------------- internal target of a service


def test_the_internal_target_is_saved_and_shown_to_the_administrator(client, db, login_as):
    login_as("admin", locale="fr")
    department = make_department(db.session)
    db.session.commit()
    response = client.submit(
        "/admin/services/new", new_service(department, target_value="4"), form_url="/admin/services/new"
    )
    assert response.status_code == 302
    assert get_service(db.session, "broken-bench").current.target_value == 4
    assert shown_form(client, "/admin/services/broken-bench")["target_value"] == ["4"]
    listing = page_text(client.get("/admin/services"))
    assert tr("fr", "Internal target") in listing and "4 jours ouvrables" in listing

    # Emptied, the target goes away in a new version.
    data = {k: v for k, v in shown_form(client, "/admin/services/broken-bench").items() if k != "csrf_token"}
    data["target_value"] = [""]
    assert client.submit("/admin/services/broken-bench", data).status_code == 302
    service = get_service(db.session, "broken-bench")
    db.session.refresh(service)
    assert service.current.target_value is None and service.current.version == 2


@pytest.mark.parametrize(
    ("target", "message"),
    [
        ("11", "The internal target must be positive and no longer than the legal delay."),
        ("0", "The internal target must be positive and no longer than the legal delay."),
        ("soon", "Enter the internal target as a whole number."),
    ],
)
@pytest.mark.parametrize("language", LANGUAGES)
def test_a_target_beyond_the_legal_delay_is_refused(client, db, login_as, language, target, message):
    login_as("admin", locale=language)
    department = make_department(db.session)
    db.session.commit()
    response = client.submit(
        "/admin/services/new", new_service(department, target_value=target), form_url="/admin/services/new"
    )
    assert response.status_code == 400
    assert tr(language, message) in page_text(response)
    assert 'id="target_value-error"' in response.get_data(as_text=True)


# --------------------------------------------------------------------------- staff who leave


@pytest.fixture
def assigned(db, store):
    """An agent holding two open requests and one already resolved."""
    service = make_service(db.session)
    agent = make_user(db.session, Role.AGENT, department=service.department, full_name="Karim Bennani")
    held = []
    for _ in range(3):
        request = make_request(db.session, store, service=service)
        actions.transition(db.session, request, "acknowledge", user=agent)
        actions.assign(db.session, request, agent.id, user=agent)
        held.append(request)
    actions.transition(db.session, held[2], "start", user=agent)
    actions.resolve(db.session, held[2], user=agent, note="Fait", photos=[], store=store)
    db.session.commit()
    return agent, held


def user_form(user, **changes) -> dict:
    data = {"full_name": user.full_name, "role": user.role, "department_id": str(user.department_id), "is_active": "y"}
    return {k: v for k, v in (data | changes).items() if v is not None}


def test_deactivating_an_agent_sends_their_open_requests_back_to_the_queue(client, app, db, login_as, assigned):
    admin = login_as("admin", locale="fr")
    agent, (first, second, resolved) = assigned
    response = client.submit(f"/admin/users/{agent.id}", user_form(agent, is_active=None), follow_redirects=True)
    assert response.request.path == f"/admin/users/{agent.id}"
    text = page_text(response)
    expected = ntr(
        "fr",
        "%(num)s open request of %(name)s went back to the department's queue, unassigned.",
        "%(num)s open requests of %(name)s went back to the department's queue, unassigned.",
        2,
        name="Karim Bennani",
    )
    assert expected in text
    for request in (first, second):
        db.session.refresh(request)
        assert request.assigned_to_id is None and request.status == Status.ACKNOWLEDGED
        unassign = request.events[-1]
        assert (unassign.action, unassign.is_public, unassign.actor_id) == ("unassign", False, admin.id)
        assert unassign.data["previous_id"] == agent.id
        # The history still names the person who did the work.
        assign = next(e for e in request.events if e.action == "assign")
        assert assign.actor.full_name == "Karim Bennani"
    db.session.refresh(resolved)
    assert resolved.assigned_to_id == agent.id  # a closed case keeps who handled it
    db.session.refresh(agent)
    assert agent.is_active is False
    fresh = app.test_client()
    refused = fresh.submit("/login", {"email": agent.email, "password": PASSWORD})
    assert refused.status_code == 200 and "/staff" not in refused.headers.get("Location", "")


def test_moving_an_agent_to_another_department_also_gives_their_requests_back(client, db, login_as, assigned):
    login_as("admin", locale="fr")
    agent, (first, *_rest) = assigned
    other = make_department(db.session)
    db.session.commit()
    assert client.submit(f"/admin/users/{agent.id}", user_form(agent, department_id=str(other.id))).status_code == 302
    db.session.refresh(first)
    assert first.assigned_to_id is None


def test_renaming_an_agent_keeps_their_requests(client, db, login_as, assigned):
    login_as("admin", locale="fr")
    agent, (first, *_rest) = assigned
    response = client.submit(f"/admin/users/{agent.id}", user_form(agent, full_name="Karim Bennani Alaoui"))
    assert response.status_code == 302
    db.session.refresh(first)
    assert first.assigned_to_id == agent.id
    assert "unassign" not in [e.action for e in first.events]
