"""Agents and heads of department work from their department's queue: filters, search, paging, bulk assignment."""

import re
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from babel.support import Translations

from services.accounts.models import Role
from services.casework import actions
from services.db import utcnow
from services.workflow.states import Status
from tests.conftest import TRANSLATIONS, page_text, tr
from tests.factories import make_district, make_request, make_service, make_user

PLACE = [
    {"name": "details", "type": "textarea", "label_ar": "ت", "label_fr": "Détails", "required": True},
    {"name": "place", "type": "location", "label_ar": "م", "label_fr": "Lieu", "required": True},
]
WEST = (-2.33, 34.91, -2.31, 34.93)
EAST = (-2.31, 34.91, -2.29, 34.93)


class Setting:
    def __init__(self, db, store):
        self.db = db
        self.west = make_district(db.session, bounds=WEST, name_fr="Ouest", name_ar="الغرب")
        self.east = make_district(db.session, bounds=EAST, name_fr="Est", name_ar="الشرق")
        self.service = make_service(db.session, fields=PLACE, name_fr="Panne d'éclairage", name_ar="عطب في الإنارة")
        self.department = self.service.department
        self.other_service = make_service(
            db.session, department=self.department, name_fr="Nid-de-poule", name_ar="حفرة في الطريق"
        )
        self.agent = make_user(db.session, Role.AGENT, department=self.department, full_name="Karim Agent")
        self.supervisor = make_user(db.session, Role.SUPERVISOR, department=self.department, full_name="Salma Chef")
        self.store = store

    def report(self, text="Lampe éteinte rue des Orangers", lat="34.9200", lon="-2.3200", district="", **overrides):
        values = {"details": text, "place__district": district, "place__lat": lat, "place__lon": lon}
        values["place__address"] = "Rue des Orangers"
        return make_request(self.db.session, self.store, service=self.service, values=values, **overrides)

    def other(self, text="Trou profond avenue Mohammed V", **overrides):
        return make_request(
            self.db.session, self.store, service=self.other_service, values={"details": text}, **overrides
        )


@pytest.fixture
def setting(db, store):
    return Setting(db, store)


def tr_plural(language: str, singular: str, plural: str, n: int, **values) -> str:
    return Translations.load(str(TRANSLATIONS), [language]).ngettext(singular, plural, n) % {"num": n, **values}


def numbers_in(html: str) -> list[str]:
    return re.findall(r'href="/staff/requests/(BRK-[0-9A-Z-]+)"', html)


def numbers(response) -> list[str]:
    """The tracking numbers of the queue's rows, in order."""
    return numbers_in(response.get_data(as_text=True))


def queue_as(client, login_as, user, **params):
    login_as(user=user)
    client.set_cookie("brk_lang", "fr")
    response = client.get("/staff/queue", query_string=params)
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return response


# --------------------------------------------------------------------------- access


def test_an_agent_sees_their_departments_requests_and_never_another_departments(client, login_as, db, setting):
    mine = setting.report()
    elsewhere = make_request(db.session, setting.store)  # a service of another department
    outsider = make_user(db.session, Role.AGENT, department=elsewhere.service.department)

    response = queue_as(client, login_as, setting.agent)
    assert numbers(response) == [mine.tracking_number]
    assert elsewhere.tracking_number not in response.get_data(as_text=True)

    other_view = queue_as(client, login_as, outsider)
    assert numbers(other_view) == [elsewhere.tracking_number]
    assert mine.tracking_number not in other_view.get_data(as_text=True)
    # Searching for the other department's number finds nothing either.
    searched = client.get("/staff/queue", query_string={"q": mine.tracking_number, "status": "all"})
    assert numbers(searched) == []


@pytest.mark.parametrize("role", ["admin", "citizen", "mayor_office"])
def test_only_agents_and_heads_of_department_have_a_queue(client, login_as, role):
    login_as(role)
    assert client.get("/staff/queue").status_code == 403


def test_the_staff_home_sends_agents_to_their_queue_and_keeps_the_overview_for_administrators(client, login_as):
    login_as("agent")
    response = client.get("/staff/")
    assert response.status_code == 302 and response.headers["Location"] == "/staff/queue"
    login_as("admin")
    assert client.get("/staff/").status_code == 200


def test_anonymous_visitors_are_sent_to_sign_in(client):
    response = client.get("/staff/queue")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login?next=")


# --------------------------------------------------------------------------- the table


def test_a_row_links_to_the_request_and_says_service_district_status_assignee_and_time_left(
    client, login_as, db, setting
):
    request = setting.report()
    request.target_at = utcnow() + timedelta(hours=20)
    db.session.commit()

    response = queue_as(client, login_as, setting.agent)

    html = response.get_data(as_text=True)
    text = page_text(response)
    assert f'href="/staff/requests/{request.tracking_number}"' in html
    assert "Panne d&#39;éclairage" in html and "Ouest" in text
    assert tr("fr", "Received") in text and tr("fr", "Unassigned") in text
    assert "time-left--ok" in html  # ten working days to go
    assert "time-left--soon" in html  # the internal target is tomorrow
    assert "<caption>" in html and '<th scope="col">' in html


def test_the_summary_counts_link_to_their_filter(client, login_as, db, setting):
    late = setting.report()
    late.deadline_at = utcnow() - timedelta(days=1)
    setting.report()
    mine = setting.report()
    actions.assign(db.session, mine, setting.agent.id, user=setting.agent)
    db.session.commit()

    response = queue_as(client, login_as, setting.agent)

    html = response.get_data(as_text=True)
    links = dict(re.findall(r'<li><a href="(/staff/queue[^"]*)"[^>]*>([^<]+)</a></li>', html))
    assert links == {
        "/staff/queue": tr_plural("fr", "%(num)s open request", "%(num)s open requests", 3),
        "/staff/queue?assigned=unassigned": tr_plural("fr", "%(num)s not assigned", "%(num)s not assigned", 2),
        "/staff/queue?assigned=me": tr_plural("fr", "%(num)s assigned to me", "%(num)s assigned to me", 1),
        "/staff/queue?due=overdue": tr_plural("fr", "%(num)s overdue", "%(num)s overdue", 1),
        "/staff/queue?due=soon": tr_plural("fr", "%(num)s due within 48 hours", "%(num)s due within 48 hours", 0),
    }
    overdue = client.get("/staff/queue?due=overdue").get_data(as_text=True)
    assert numbers_in(overdue) == [late.tracking_number]
    assert '<a href="/staff/queue?due=overdue" aria-current="page">' in overdue


def test_an_empty_queue_says_so(client, login_as, setting):
    text = page_text(queue_as(client, login_as, setting.agent))
    assert tr("fr", "No request is waiting for your department.") in text

    text = page_text(client.get("/staff/queue", query_string={"due": "overdue"}))
    assert tr("fr", "No request matches these filters.") in text


# --------------------------------------------------------------------------- filters


def test_the_status_filter_shows_open_requests_by_default_and_any_status_on_demand(client, login_as, db, setting):
    received = setting.report()
    acknowledged = setting.report()
    actions.transition(db.session, acknowledged, "acknowledge", user=setting.agent)
    rejected = setting.report()
    actions.reject(db.session, rejected, user=setting.agent, reason="Hors du territoire")
    db.session.commit()

    assert set(numbers(queue_as(client, login_as, setting.agent))) == {
        received.tracking_number,
        acknowledged.tracking_number,
    }
    assert numbers(client.get("/staff/queue?status=acknowledged")) == [acknowledged.tracking_number]
    assert numbers(client.get("/staff/queue?status=rejected")) == [rejected.tracking_number]
    assert len(numbers(client.get("/staff/queue?status=all"))) == 3
    options = client.get("/staff/queue").get_data(as_text=True)
    assert 'value="pending_confirmation"' not in options


def test_the_service_filter_offers_the_departments_services_and_keeps_to_one(client, login_as, setting):
    lamp = setting.report()
    hole = setting.other()

    response = queue_as(client, login_as, setting.agent, service=str(setting.other_service.id))

    assert numbers(response) == [hole.tracking_number]
    html = response.get_data(as_text=True)
    assert f'<option value="{setting.service.id}">' in html and "Nid-de-poule" in html
    assert lamp.tracking_number not in numbers(response)


def test_the_district_filter_follows_the_point_in_the_polygon_or_else_the_declared_district(
    client, login_as, db, setting
):
    located = setting.report(lat="34.9200", lon="-2.3200")  # in the west polygon
    located.district_id = setting.east.id  # a stale district column must not win over the point
    declared = setting.report(lat="", lon="", district=str(setting.east.id))
    db.session.commit()

    queue_as(client, login_as, setting.agent)
    assert numbers(client.get(f"/staff/queue?district={setting.west.id}")) == [located.tracking_number]
    assert numbers(client.get(f"/staff/queue?district={setting.east.id}")) == [declared.tracking_number]


def test_the_assigned_filter_finds_my_requests_and_the_unassigned_ones(client, login_as, db, setting):
    mine = setting.report()
    actions.assign(db.session, mine, setting.agent.id, user=setting.agent)
    colleagues = setting.report()
    actions.assign(db.session, colleagues, setting.supervisor.id, user=setting.supervisor)
    nobodys = setting.report()
    db.session.commit()

    assert numbers(queue_as(client, login_as, setting.agent, assigned="me")) == [mine.tracking_number]
    assert numbers(client.get("/staff/queue?assigned=unassigned")) == [nobodys.tracking_number]
    text = page_text(client.get("/staff/queue"))
    assert "Karim Agent" in text and "Salma Chef" in text


def test_the_deadline_filter_finds_overdue_requests_and_those_due_within_48_hours(client, login_as, db, setting):
    late = setting.report()
    late.deadline_at = utcnow() - timedelta(hours=3)
    soon = setting.report()
    soon.deadline_at = utcnow() + timedelta(hours=30)
    setting.report()  # ten working days to go
    db.session.commit()

    response = queue_as(client, login_as, setting.agent, due="overdue")
    assert numbers(response) == [late.tracking_number]
    assert "time-left--overdue" in response.get_data(as_text=True)
    assert numbers(client.get("/staff/queue?due=soon")) == [soon.tracking_number]


def test_search_finds_a_request_by_tracking_number_even_typed_loosely(client, login_as, setting):
    wanted = setting.report()
    setting.report()

    assert numbers(queue_as(client, login_as, setting.agent, q=wanted.tracking_number)) == [wanted.tracking_number]
    loose = wanted.tracking_number.lower().replace("-", " ")
    assert numbers(client.get("/staff/queue", query_string={"q": f"  {loose} "})) == [wanted.tracking_number]


def test_search_finds_a_request_by_the_citizens_name(client, login_as, db, setting):
    fatima = make_user(db.session, full_name="Fatima Zahra Bennani")
    wanted = setting.report(user=fatima)
    setting.report()

    assert numbers(queue_as(client, login_as, setting.agent, q="bennani")) == [wanted.tracking_number]


@pytest.mark.parametrize("typed", ["الانارة معطلة", "الإِنَارَة", "مُعَطَّلَة"])
def test_search_finds_arabic_text_whatever_the_diacritics_or_alef_form(client, login_as, setting, typed):
    wanted = setting.report(text="الإنارة معطلة قرب المسجد", locale="ar")
    setting.report(text="حفرة كبيرة في الشارع", locale="ar")

    assert numbers(queue_as(client, login_as, setting.agent, q=typed)) == [wanted.tracking_number]


def test_sorting_by_deadline_newest_or_last_update(client, login_as, db, setting):
    now = utcnow()
    oldest = setting.report(now=now - timedelta(days=6))
    middle = setting.report(now=now - timedelta(days=4))
    newest = setting.report(now=now - timedelta(days=2))
    actions.transition(db.session, oldest, "acknowledge", user=setting.agent)
    # Set by hand: filings in the same second would not tell the order.
    for request, age in ((oldest, 0), (middle, 4), (newest, 2)):
        request.updated_at = now - timedelta(days=age)
    db.session.commit()

    order = [r.tracking_number for r in (oldest, middle, newest)]
    assert numbers(queue_as(client, login_as, setting.agent)) == order
    assert numbers(client.get("/staff/queue?sort=filed")) == order[::-1]
    assert numbers(client.get("/staff/queue?sort=updated")) == [oldest.tracking_number, *order[:0:-1]]


def test_pages_keep_the_filters_in_their_links(client, login_as, setting, monkeypatch):
    monkeypatch.setattr("services.casework.queue.PER_PAGE", 2)
    filed = [setting.report() for _ in range(3)]
    setting.other()

    first = queue_as(client, login_as, setting.agent, service=str(setting.service.id))
    assert len(numbers(first)) == 2
    assert tr("fr", "Page %(page)s of %(pages)s") % {"page": 1, "pages": 2} in page_text(first)
    [next_link] = re.findall(r'rel="next" href="([^"]+)"', first.get_data(as_text=True))
    assert parse_qs(urlsplit(next_link.replace("&amp;", "&")).query) == {
        "service": [str(setting.service.id)],
        "page": ["2"],
    }

    second = client.get(next_link.replace("&amp;", "&"))
    assert numbers(second) == [filed[2].tracking_number]
    assert 'rel="prev"' in second.get_data(as_text=True) and 'rel="next"' not in second.get_data(as_text=True)
    past_the_end = client.get("/staff/queue", query_string={"service": setting.service.id, "page": 99})
    assert numbers(past_the_end) == numbers(second)  # the last page


@pytest.mark.parametrize(
    "params",
    [
        {"status": "pending_confirmation"},
        {"status": "bogus"},
        {"service": "abc"},
        {"service": "999999"},
        {"district": "-1"},
        {"assigned": "everyone"},
        {"due": "yesterday"},
        {"sort": "random"},
        {"q": "x" * 500},
        {"page": "two"},
    ],
)
def test_a_filter_that_is_not_offered_is_ignored_with_a_message_never_an_error_page(client, login_as, setting, params):
    request = setting.report()

    response = queue_as(client, login_as, setting.agent, **params)

    assert numbers(response) == [request.tracking_number]
    if "page" not in params:
        assert tr("fr", "A filter was not valid and was left out: the list below ignores it.") in page_text(response)


# --------------------------------------------------------------------------- bulk assignment


def test_agents_see_no_checkboxes_and_their_assignment_post_is_refused(client, login_as, db, setting):
    request = setting.report()
    response = queue_as(client, login_as, setting.agent)
    html = response.get_data(as_text=True)
    assert 'name="selected"' not in html and "/staff/queue/assign" not in html

    token = client.csrf_token("/account")
    refused = client.post(
        "/staff/queue/assign", data={"csrf_token": token, "selected": [request.id], "assignee": setting.agent.id}
    )

    assert refused.status_code == 403
    assert tr("fr", "Only a supervisor can assign several requests at once.") in page_text(refused)
    db.session.refresh(request)
    assert request.assigned_to_id is None


def test_a_supervisor_assigns_several_requests_at_once_and_comes_back_to_the_same_filters(
    client, login_as, db, setting
):
    first, second, untouched = setting.report(), setting.report(), setting.report()
    page = queue_as(client, login_as, setting.supervisor, sort="filed")
    html = page.get_data(as_text=True)
    assert html.count('name="selected"') == 3
    assert 'action="/staff/queue/assign?sort=filed"' in html

    response = client.submit(
        "/staff/queue/assign?sort=filed",
        {"selected": [first.id, second.id], "assignee": str(setting.agent.id)},
        form_url="/staff/queue",
    )

    assert response.status_code == 302
    assert response.headers["Location"] == "/staff/queue?sort=filed"
    after = client.get(response.headers["Location"])
    singular, plural = "%(num)s request assigned to %(name)s.", "%(num)s requests assigned to %(name)s."
    assert tr_plural("fr", singular, plural, 2, name="Karim Agent") in page_text(after)
    for request in (first, second, untouched):
        db.session.refresh(request)
    assert first.assigned_to_id == second.assigned_to_id == setting.agent.id
    assert first.status == second.status == Status.ASSIGNED
    assert untouched.assigned_to_id is None


def test_an_assignee_from_another_department_is_refused_and_nothing_is_assigned(client, login_as, db, setting):
    first, second = setting.report(), setting.report()
    stranger = make_user(db.session, Role.AGENT, full_name="Agent Ailleurs")
    queue_as(client, login_as, setting.supervisor)

    response = client.submit(
        "/staff/queue/assign",
        {"selected": [first.id, second.id], "assignee": str(stranger.id)},
        form_url="/staff/queue",
    )

    assert response.status_code == 400
    text = page_text(response)
    assert tr("fr", "Choose an active agent or supervisor of the department handling this request.") in text
    assert f'value="{first.id}" id="select-{first.id}" checked' in response.get_data(as_text=True)  # kept ticked
    for request in (first, second):
        db.session.refresh(request)
        assert request.assigned_to_id is None and request.status == Status.NEW


def test_one_request_that_cannot_be_assigned_stops_the_whole_assignment_and_is_named(client, login_as, db, setting):
    fine = setting.report()
    decided = setting.report()
    actions.reject(db.session, decided, user=setting.agent, reason="Hors du territoire")
    db.session.commit()
    queue_as(client, login_as, setting.supervisor)

    response = client.submit(
        "/staff/queue/assign",
        {"selected": [fine.id, decided.id], "assignee": str(setting.agent.id)},
        form_url="/staff/queue",
    )

    assert response.status_code == 400
    expected = tr("fr", "Request %(number)s cannot be assigned in its current state; nothing was assigned.")
    assert expected % {"number": decided.tracking_number} in page_text(response)
    db.session.refresh(fine)
    assert fine.assigned_to_id is None


def test_a_request_of_another_department_in_the_selection_is_named_and_nothing_is_assigned(
    client, login_as, db, setting
):
    fine = setting.report()
    foreign = make_request(db.session, setting.store)
    queue_as(client, login_as, setting.supervisor)

    response = client.submit(
        "/staff/queue/assign",
        {"selected": [fine.id, foreign.id], "assignee": str(setting.agent.id)},
        form_url="/staff/queue",
    )

    assert response.status_code == 403
    assert foreign.tracking_number in page_text(response)
    for request in (fine, foreign):
        db.session.refresh(request)
        assert request.assigned_to_id is None


def test_an_empty_selection_or_no_assignee_is_explained(client, login_as, setting):
    setting.report()
    queue_as(client, login_as, setting.supervisor)

    response = client.submit("/staff/queue/assign", {"assignee": ""}, form_url="/staff/queue")

    assert response.status_code == 400
    text = page_text(response)
    assert tr("fr", "Select at least one request.") in text
    assert tr("fr", "Choose who will handle the selected requests.") in text


def test_the_bulk_assignment_needs_the_forms_csrf_token(app, client, login_as, db, setting):
    assert app.config.get("WTF_CSRF_ENABLED", True)
    request = setting.report()
    queue_as(client, login_as, setting.supervisor)

    response = client.post("/staff/queue/assign", data={"selected": [request.id], "assignee": setting.agent.id})

    assert response.status_code == 400
    db.session.refresh(request)
    assert request.assigned_to_id is None
