"""Administrators edit e-services and their forms in the back office, and earlier requests keep their version."""

from html.parser import HTMLParser

import pytest
from sqlalchemy import func, select

from services.catalog.models import Service, ServiceVersion
from services.catalog.service import get_service
from tests.conftest import page_text, tr
from tests.factories import make_department, make_request, make_service

TEXT_FIELD = {
    "name": "bench_state",
    "type": "text",
    "label_ar": "حالة المقعد",
    "label_fr": "État du banc",
    "help_fr": "Cassé, sale, manquant…",
    "required": "y",
    "max_length": "200",
}
CHOICE_FIELD = {
    "name": "urgency",
    "type": "choice",
    "label_ar": "درجة الاستعجال",
    "label_fr": "Urgence",
    "required": "y",
    "choices": "low | عادي | Normale\nhigh | مستعجل | Urgente",
}


class _FormReader(HTMLParser):
    """What a browser would send for the page's form: every named input with its shown value."""

    def __init__(self):
        super().__init__()
        self.data: dict[str, list[str]] = {}
        self._select = self._textarea = None

    def _add(self, name, value):
        self.data.setdefault(name, []).append(value)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "input" and a.get("name"):
            if a.get("type") in ("checkbox", "radio"):
                if "checked" in a:
                    self._add(a["name"], a.get("value", "on"))
            elif a.get("type") != "submit":
                self._add(a["name"], a.get("value", ""))
        elif tag == "select":
            self._select = a.get("name")
        elif tag == "option" and self._select and "selected" in a:
            self._add(self._select, a.get("value", ""))
        elif tag == "textarea":
            self._textarea = a.get("name")
            self._add(self._textarea, "")

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data):
        if self._textarea:
            self.data[self._textarea][-1] += data


def shown_form(client, url) -> dict[str, list[str]]:
    reader = _FormReader()
    reader.feed(client.get(url).get_data(as_text=True))
    # A browser drops the newline that opens a textarea.
    return {k: [v.removeprefix("\r\n").removeprefix("\n") for v in values] for k, values in reader.data.items()}


def row(index: int, **values) -> dict:
    values = {"type": "text", "file_types": ["jpeg", "png", "pdf"], "position": str(index + 1)} | values
    return {f"fields-{index}-{key}": value for key, value in values.items()}


def new_service(department, *, code="broken-bench", rows=None, **changes) -> dict:
    data = {
        "code": code,
        "kind": "report",
        "department_id": str(department.id),
        "is_active": "y",
        "name_ar": "مقعد عمومي متضرر",
        "name_fr": "Banc public endommagé",
        "description_ar": "مقعد مكسور في حديقة أو ساحة.",
        "description_fr": "Banc cassé dans un jardin ou sur une place.",
        "documents": "صورة للمقعد | Photo du banc",
        "fee_mad": "0",
        "delay_value": "10",
        "delay_unit": "working_days",
        "asset_layer": "",
    } | changes
    rows = rows if rows is not None else [TEXT_FIELD, CHOICE_FIELD, {}, {}]
    for index, values in enumerate(rows):
        data |= row(index, **values)
    return data


def services_in(db) -> int:
    return db.session.scalar(select(func.count(Service.id)))


@pytest.fixture
def admin(login_as):
    return login_as("admin", locale="fr")


@pytest.fixture
def department(db):
    department = make_department(db.session, name_fr="Espaces verts", name_ar="المساحات الخضراء")
    db.session.commit()
    return department


def test_the_services_page_lists_every_service_with_its_versions(client, db, admin):
    service = make_service(db.session, name_fr="Lampadaire en panne")
    make_service(db.session, department=service.department, is_active=False, name_fr="Ancien service")
    db.session.commit()
    response = client.get("/admin/services")
    text = page_text(response)
    assert response.status_code == 200
    assert "Lampadaire en panne" in text and "Ancien service" in text
    assert tr("fr", "Add an e-service") in text
    assert f'href="/admin/services/{service.code}"' in response.get_data(as_text=True)


def test_an_admin_creates_a_service_whose_form_citizens_then_see(client, app, db, admin, department):
    response = client.submit("/admin/services/new", new_service(department), form_url="/admin/services/new")
    assert response.status_code == 302
    assert response.headers["Location"] == "/admin/services/broken-bench"
    service = get_service(db.session, "broken-bench")
    version = service.current
    assert (version.version, version.created_by_id) == (1, admin.id)
    assert [f["name"] for f in version.fields] == ["bench_state", "urgency"]
    assert version.fields[1]["choices"] == [
        {"value": "low", "ar": "عادي", "fr": "Normale"},
        {"value": "high", "ar": "مستعجل", "fr": "Urgente"},
    ]
    assert version.documents == [{"ar": "صورة للمقعد", "fr": "Photo du banc"}]
    assert tr("fr", "The service is saved as version %(version)s.") % {"version": 1} in page_text(
        client.get("/admin/services/broken-bench")
    )

    visitor = app.test_client()
    visitor.set_cookie("brk_lang", "fr")
    assert "Banc public endommagé" in page_text(visitor.get("/services"))
    filing = page_text(visitor.get("/services/broken-bench/file"))
    assert all(label in filing for label in ("État du banc", "Urgence", "Normale", "Urgente"))


def test_editing_a_label_records_version_2_and_an_earlier_request_keeps_version_1(client, db, admin, store):
    service = make_service(db.session)
    filed = make_request(db.session, store, service=service)
    db.session.commit()
    url = f"/admin/services/{service.code}"
    data = shown_form(client, url)
    assert data["fields-0-label_fr"] == ["Détails"]
    data["fields-0-label_fr"] = ["Ce que vous avez vu"]
    response = client.submit(url, data)
    assert response.status_code == 302
    db.session.refresh(service)
    assert [v.version for v in service.versions] == [1, 2]
    assert service.current.fields[0]["label_fr"] == "Ce que vous avez vu"
    db.session.refresh(filed)
    assert filed.service_version.version == 1
    page = client.get(url)
    assert tr("fr", "Version history") in page_text(page)
    assert admin.full_name in page_text(page)

    client.get("/logout")
    login_as_owner = filed.citizen
    with client.session_transaction() as session:
        session["_user_id"] = login_as_owner.get_id()
        session["_fresh"] = True
    client.set_cookie("brk_lang", "fr")
    track = page_text(client.get(f"/track/{filed.tracking_number}"))
    assert "Détails" in track and "Ce que vous avez vu" not in track


def test_submitting_the_page_unchanged_records_no_new_version(client, db, admin):
    service = make_service(
        db.session,
        documents=[{"ar": "نسخة من البطاقة", "fr": "Copie de la CNIE"}],
        fee_mad="20.50",
        asset_layer="street_light",
        location_required=True,
        fields=[
            {"name": "location", "type": "location", "label_ar": "المكان", "label_fr": "Lieu", "required": True},
            {"name": "lamps", "type": "number", "label_ar": "عدد", "label_fr": "Nombre", "min": 1, "max": 12.5},
            {
                "name": "photo",
                "type": "file",
                "label_ar": "صورة",
                "label_fr": "Photo",
                "file_types": ["jpeg", "png"],
                "max_size_mb": 8,
                "max_files": 3,
            },
            {"name": "ref", "type": "text", "label_ar": "مرجع", "label_fr": "Référence", "pattern": "^[A-Z]{2}\\d+$"},
        ],
    )
    db.session.commit()
    url = f"/admin/services/{service.code}"
    response = client.submit(url, shown_form(client, url))
    assert response.status_code == 302
    db.session.refresh(service)
    assert len(service.versions) == 1
    assert tr("fr", "The service is saved. Its definition did not change: no new version.") in page_text(
        client.get(url)
    )


@pytest.mark.parametrize(
    "changes, rows, message",
    [
        (
            {"delay_value": "61"},
            None,
            "The legal deadline must be between 1 and %(max)s: Law 55-19 allows 60 days at most.",
        ),
        (
            {},
            [TEXT_FIELD, CHOICE_FIELD | {"choices": "low | عادي | Normale"}],
            "Form field %(position)s needs at least two different choices.",
        ),
        (
            {},
            [TEXT_FIELD | {"name": "État"}],
            "Form field %(position)s needs a name of lower-case letters, digits and underscores.",
        ),
        (
            {},
            [TEXT_FIELD | {"pattern": "(unclosed"}],
            "The pattern of form field %(position)s is not a valid regular expression.",
        ),
        ({"name_ar": " "}, None, "Enter the name in Arabic."),
        ({"documents": "Photo du banc sans traduction"}, None, "Give each required document in Arabic and in French."),
    ],
)
def test_bad_input_is_explained_and_saves_nothing(client, db, admin, department, changes, rows, message):
    response = client.submit(
        "/admin/services/new", new_service(department, rows=rows, **changes), form_url="/admin/services/new"
    )
    assert response.status_code == 400
    text = page_text(response)
    assert tr("fr", "There is a problem") in text
    # Rows are named as the page shows them: the bad one is the last row sent.
    position = len(rows) if rows else 0
    expected = tr("fr", message) % {"max": 60, "position": position}
    assert text.count(expected) == 2  # in the summary and next to its input or its field group
    assert services_in(db) == 0


def test_unreadable_numbers_are_shown_with_every_other_problem(client, db, admin, department):
    data = new_service(department, name_fr="", rows=[TEXT_FIELD | {"max_length": "beaucoup"}])
    response = client.submit("/admin/services/new", data, form_url="/admin/services/new")
    assert response.status_code == 400
    text = page_text(response)
    assert tr("fr", "Enter a whole number, like 3.") in text
    assert tr("fr", "Enter the name in French.") in text
    assert services_in(db) == 0


def test_an_error_names_the_row_the_admin_sees_even_when_positions_reorder_fields(client, db, admin, department):
    rows = [TEXT_FIELD | {"position": "2"}, CHOICE_FIELD | {"label_fr": "", "position": "1"}]
    response = client.submit("/admin/services/new", new_service(department, rows=rows), form_url="/admin/services/new")
    assert response.status_code == 400
    expected = tr("fr", "Form field %(position)s needs a label in Arabic and in French.") % {"position": 2}
    assert expected in page_text(response)


def test_positions_reorder_the_fields(client, db, admin, department):
    rows = [TEXT_FIELD | {"position": "5"}, CHOICE_FIELD | {"position": "1"}]
    client.submit("/admin/services/new", new_service(department, rows=rows), form_url="/admin/services/new")
    assert [f["name"] for f in get_service(db.session, "broken-bench").current.fields] == ["urgency", "bench_state"]


def test_removing_a_field_records_a_version_without_it(client, db, admin):
    service = make_service(
        db.session,
        fields=[
            {"name": "details", "type": "textarea", "label_ar": "التفاصيل", "label_fr": "Détails"},
            {"name": "count", "type": "number", "label_ar": "العدد", "label_fr": "Nombre"},
        ],
    )
    db.session.commit()
    url = f"/admin/services/{service.code}"
    data = shown_form(client, url)
    data["fields-0-remove"] = ["y"]
    assert client.submit(url, data).status_code == 302
    db.session.refresh(service)
    assert [f["name"] for f in service.current.fields] == ["count"]
    assert [f["name"] for f in service.versions[0].fields] == ["details", "count"]


def test_a_code_already_in_use_cannot_be_taken_by_a_new_service(client, db, admin, department):
    existing = make_service(db.session, department=department)
    db.session.commit()
    response = client.submit(
        "/admin/services/new", new_service(department, code=existing.code), form_url="/admin/services/new"
    )
    assert response.status_code == 400
    assert tr("fr", "Another e-service already uses this code.") in page_text(response)
    db.session.refresh(existing)
    assert len(existing.versions) == 1
    assert db.session.scalar(select(func.count(ServiceVersion.id))) == 1


@pytest.mark.parametrize("role", ["agent", "supervisor", "citizen"])
@pytest.mark.parametrize("url", ["/admin/services", "/admin/services/new"])
def test_only_administrators_reach_the_service_editor(client, db, login_as, role, url):
    login_as(role)
    assert client.get(url).status_code == 403


def test_anonymous_visitors_are_sent_to_sign_in_from_the_service_editor(client):
    response = client.get("/admin/services/new")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")


def test_an_unknown_service_is_not_found(client, admin):
    assert client.get("/admin/services/no-such-service").status_code == 404
