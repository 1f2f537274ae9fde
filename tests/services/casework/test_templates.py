"""Administrators keep the response templates: checked in both languages, withdrawn instead of deleted."""

import pytest
from sqlalchemy import func, select

from services.accounts.models import Role
from services.casework import actions
from services.casework import templates as response_templates
from services.casework.models import ResponseTemplate, TemplateKind
from services.errors import Invalid, NotFound
from tests.factories import make_department, make_request, make_service, make_user


def values(**changes) -> dict:
    return {
        "kind": "rejection",
        "title_ar": "  ملف   ناقص ",
        "title_fr": " Dossier   incomplet ",
        "body_ar": "الملف ناقص.\r\n\r\nيرجى إتمامه.",
        "body_fr": "Le dossier est incomplet.\r\n\r\nMerci de le compléter.",
        "department_id": None,
        "is_active": True,
    } | changes


def count(db) -> int:
    return db.session.scalar(select(func.count(ResponseTemplate.id)))


def commune_appeal(db) -> ResponseTemplate:
    """The statement of the appeal route the migrations seed for the whole commune."""
    return next(t for t in response_templates.list_templates(db.session, "appeal") if t.department_id is None)


@pytest.fixture
def admin(db):
    return make_user(db.session, Role.ADMIN)


def test_a_template_is_saved_in_both_languages_with_its_paragraphs(db, admin):
    department = make_department(db.session)
    template = response_templates.save_template(db.session, **values(department_id=str(department.id)), user=admin)
    assert (template.title_ar, template.title_fr) == ("ملف ناقص", "Dossier incomplet")
    assert template.body_fr == "Le dossier est incomplet.\n\nMerci de le compléter."
    assert template.department_id == department.id and template.updated_by_id == admin.id
    assert template in actions.templates_for(db.session, department.id, TemplateKind.REJECTION)
    assert template not in actions.templates_for(db.session, make_department(db.session).id, TemplateKind.REJECTION)


def test_every_problem_is_reported_at_once_and_nothing_is_saved(db, admin):
    closed = make_department(db.session, is_active=False)
    before = count(db)
    with pytest.raises(Invalid) as exc:
        response_templates.save_template(
            db.session,
            **values(
                kind="greeting", title_ar=" ", title_fr="", body_ar="", body_fr="x" * 4001, department_id=closed.id
            ),
            user=admin,
        )
    found = {(e.field, e.code) for e in exc.value.errors}
    assert found == {
        ("kind", "template_kind_unknown"),
        ("title_ar", "title_ar_required"),
        ("title_fr", "title_fr_required"),
        ("body_ar", "body_ar_required"),
        ("body_fr", "text_too_long"),
        ("department_id", "department_unknown"),
    }
    assert count(db) == before


def test_titles_hold_200_characters_and_texts_4000(db, admin):
    saved = response_templates.save_template(db.session, **values(title_fr="t" * 200, body_ar="ن" * 4000), user=admin)
    assert len(saved.title_fr) == 200 and len(saved.body_ar) == 4000
    with pytest.raises(Invalid) as exc:
        response_templates.save_template(db.session, **values(title_ar="ع" * 201, body_fr="b" * 4001), user=admin)
    assert {(e.field, e.params["max"]) for e in exc.value.errors} == {("title_ar", 200), ("body_fr", 4000)}


def test_a_withdrawn_template_is_no_longer_offered_but_stays_listed(db, admin):
    template = response_templates.save_template(db.session, **values(kind="message"), user=admin)
    department = make_department(db.session)
    assert template in actions.templates_for(db.session, department.id, TemplateKind.MESSAGE)

    response_templates.save_template(
        db.session, template_id=template.id, **values(kind="message", is_active=False), user=admin
    )
    assert template not in actions.templates_for(db.session, department.id, TemplateKind.MESSAGE)
    assert template in response_templates.list_templates(db.session, "message")
    assert template not in response_templates.list_templates(db.session, "message", include_inactive=False)


def test_the_list_filters_by_kind_and_shows_commune_wide_templates_first(db, admin):
    department = make_department(db.session)
    own = response_templates.save_template(
        db.session, **values(kind="appeal", department_id=department.id, title_fr="A"), user=admin
    )
    appeals = response_templates.list_templates(db.session, TemplateKind.APPEAL)
    assert {t.kind for t in appeals} == {"appeal"}
    assert appeals[0].department_id is None and appeals[-1] == own
    with pytest.raises(Invalid):
        response_templates.list_templates(db.session, "greeting")


def test_a_rejection_keeps_the_text_it_quoted_when_the_template_changes(db, store, admin):
    service = make_service(db.session)
    agent = make_user(db.session, Role.AGENT, department=service.department)
    template = response_templates.save_template(db.session, **values(), user=admin)
    request = make_request(db.session, store, service=service)
    event = actions.reject(db.session, request, user=agent, reason=None, template_id=template.id)

    response_templates.save_template(
        db.session, template_id=template.id, **values(body_fr="Autre motif.", is_active=False), user=admin
    )
    db.session.refresh(event)
    assert event.note.startswith("Le dossier est incomplet.")


def test_the_last_commune_wide_appeal_route_cannot_be_withdrawn(db, admin):
    seeded = commune_appeal(db)
    same = {k: getattr(seeded, k) for k in ("title_ar", "title_fr", "body_ar", "body_fr")}
    department = make_department(db.session)
    # A department's own statement does not stand in for the commune's: other departments would have none.
    response_templates.save_template(db.session, **values(kind="appeal", department_id=department.id), user=admin)
    for change in ({"is_active": False}, {"kind": "message"}, {"department_id": department.id}):
        with pytest.raises(Invalid) as exc:
            response_templates.save_template(
                db.session,
                template_id=seeded.id,
                **({"kind": "appeal", "department_id": None, "is_active": True, **same} | change),
                user=admin,
            )
        assert (exc.value.field, exc.value.code) == ("is_active", "last_appeal_route")
    db.session.refresh(seeded)
    assert seeded.is_active and seeded.kind == "appeal" and seeded.department_id is None

    # Its text can still be corrected.
    response_templates.save_template(
        db.session,
        template_id=seeded.id,
        **(values(kind="appeal", body_fr="Recours : Tribunal administratif d'Oujda.") | {"title_fr": "Recours"}),
        user=admin,
    )
    assert seeded.body_fr == "Recours : Tribunal administratif d'Oujda."


def test_with_a_second_statement_the_first_can_be_withdrawn_and_rejections_quote_the_other(db, store, admin):
    seeded = commune_appeal(db)
    newer = response_templates.save_template(
        db.session, **values(kind="appeal", body_fr="Nouvelle voie de recours."), user=admin
    )
    response_templates.save_template(
        db.session,
        template_id=seeded.id,
        **{k: getattr(seeded, k) for k in ("kind", "title_ar", "title_fr", "body_ar", "body_fr")},
        department_id=None,
        is_active=False,
        user=admin,
    )
    assert not seeded.is_active
    service = make_service(db.session)
    assert actions.appeal_route(db.session, service.department_id) == newer
    with pytest.raises(Invalid, match="last_appeal_route"):
        response_templates.save_template(
            db.session, template_id=newer.id, **values(kind="appeal", is_active=False), user=admin
        )


def test_a_template_of_a_closed_department_can_still_be_withdrawn(db, admin):
    department = make_department(db.session)
    template = response_templates.save_template(db.session, **values(department_id=department.id), user=admin)
    department.is_active = False
    db.session.flush()
    response_templates.save_template(
        db.session, template_id=template.id, **values(department_id=department.id, is_active=False), user=admin
    )
    assert template.is_active is False
    other = make_department(db.session, is_active=False)
    with pytest.raises(Invalid, match="department_unknown"):
        response_templates.save_template(
            db.session, template_id=template.id, **values(department_id=other.id), user=admin
        )


def test_an_unknown_template_is_not_found(db, admin):
    with pytest.raises(NotFound):
        response_templates.get_template(db.session, 987654)
    with pytest.raises(NotFound):
        response_templates.save_template(db.session, template_id=987654, **values(), user=admin)
