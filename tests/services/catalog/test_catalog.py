"""Service definitions: checked, versioned, searchable in both languages."""

import pytest
from sqlalchemy import func, select

from services.catalog.demo import SERVICES, seed_services
from services.catalog.models import Service, ServiceVersion
from services.catalog.service import get_service, list_services, save_service
from services.catalog.text import normalise
from services.errors import Invalid, NotFound
from tests.factories import make_department

FIELD = {"name": "details", "type": "textarea", "label_ar": "التفاصيل", "label_fr": "Détails", "required": True}


def _definition(**overrides):
    return {
        "name_ar": "شهادة السكنى",
        "name_fr": "Certificat de résidence",
        "description_ar": "",
        "description_fr": "",
        "documents": [{"ar": "نسخة من البطاقة", "fr": "Copie de la CNIE"}],
        "fee_mad": "0",
        "delay_value": 5,
        "delay_unit": "working_days",
        "fields": [FIELD],
    } | overrides


def _save(db, department, code="residence", **overrides):
    return save_service(
        db.session, code=code, kind="certificate", department_id=department.id, **_definition(**overrides)
    )


def test_a_change_makes_a_new_version_and_keeps_the_old_one(db):
    department = make_department(db.session)
    service = _save(db, department)
    first = service.current
    _save(db, department)  # nothing changed: no new version
    assert len(service.versions) == 1
    _save(db, department, delay_value=3)
    assert [v.version for v in service.versions] == [1, 2]
    assert service.current.delay_value == 3
    db.session.refresh(first)
    assert first.delay_value == 5  # what earlier requests point at is untouched


@pytest.mark.parametrize(
    "overrides, field, code",
    [
        ({"delay_value": 61}, "delay_value", "delay_beyond_law"),
        ({"delay_value": 1441, "delay_unit": "hours"}, "delay_value", "delay_beyond_law"),
        ({"delay_value": 0}, "delay_value", "delay_beyond_law"),
        ({"fee_mad": "-1"}, "fee_mad", "fee_invalid"),
        ({"fee_mad": "abc"}, "fee_mad", "fee_invalid"),
        ({"name_fr": " "}, "name_fr", "name_fr_required"),
        ({"documents": [{"ar": "نسخة", "fr": ""}]}, "documents", "documents_need_both_languages"),
        ({"asset_layer": "tree"}, "asset_layer", "asset_layer_unknown"),
        ({"fields": [FIELD | {"type": "colour"}]}, "fields", "field_type_unknown"),
        ({"fields": [FIELD | {"name": "Bad Name"}]}, "fields", "field_name_invalid"),
        ({"fields": [FIELD | {"label_ar": ""}]}, "fields", "field_label_required"),
        ({"fields": [FIELD, FIELD]}, "fields", "field_name_duplicate"),
        (
            {"fields": [FIELD | {"type": "choice", "choices": [{"value": "a", "ar": "أ", "fr": "A"}]}]},
            "fields",
            "field_choices_required",
        ),
        ({"fields": [FIELD | {"min_length": 10, "max_length": 5}]}, "fields", "field_range_invalid"),
        ({"fields": [FIELD | {"pattern": "(unclosed"}]}, "fields", "field_pattern_invalid"),
        ({"fields": [FIELD | {"type": "file", "file_types": ["exe"]}]}, "fields", "field_file_types_invalid"),
        ({"fields": [FIELD | {"type": "file", "max_size_mb": 50}]}, "fields", "field_file_limits_invalid"),
        ({"fields": [FIELD | {"type": "file", "max_files": "many"}]}, "fields", "field_file_limits_invalid"),
        ({"fields": [FIELD | {"type": "number", "min": "abc"}]}, "fields", "field_range_invalid"),
        (
            {
                "fields": [
                    FIELD
                    | {
                        "type": "choice",
                        "choices": [{"value": "a", "ar": "أ", "fr": "A"}, {"value": "b", "ar": "ب", "fr": ""}],
                    }
                ]
            },
            "fields",
            "field_choice_incomplete",
        ),
    ],
)
def test_bad_definitions_are_refused_and_save_nothing(db, overrides, field, code):
    department = make_department(db.session)
    with pytest.raises(Invalid) as exc:
        _save(db, department, **overrides)
    errors = exc.value.errors or [exc.value]
    assert (field, code) in {(e.field, e.code) for e in errors}
    assert db.session.scalar(select(func.count(Service.id))) == 0


def test_creating_a_service_with_a_code_in_use_is_refused_and_changes_nothing(db):
    department = make_department(db.session)
    service = _save(db, department)
    with pytest.raises(Invalid) as exc:
        save_service(
            db.session, code="residence", kind="report", department_id=department.id, create=True, **_definition()
        )
    assert (exc.value.field, exc.value.code) == ("code", "service_code_taken")
    assert service.kind == "certificate" and len(service.versions) == 1


def test_every_problem_of_a_definition_is_reported_at_once(db):
    department = make_department(db.session)
    with pytest.raises(Invalid) as exc:
        _save(db, department, name_ar="", fee_mad="x", delay_value=99)
    assert {e.field for e in exc.value.errors} == {"name_ar", "fee_mad", "delay_value"}


def test_the_database_refuses_a_delay_beyond_the_law(db):
    from sqlalchemy.exc import IntegrityError

    service = _save(db, make_department(db.session))
    with pytest.raises(IntegrityError), db.session.begin_nested():
        db.session.add(ServiceVersion(service_id=service.id, version=9, name_ar="x", name_fr="x", delay_value=90))
        db.session.flush()


def test_arabic_search_ignores_diacritics_and_letter_variants():
    assert normalise("شَهَادَةُ السُّكْنَى") == normalise("شهاده السكني")
    assert normalise("إنارة") == normalise("انارة") == normalise("اناره")
    assert normalise("Éclairage PUBLIC") == "eclairage public"


def _seed(db):
    ids = {code: make_department(db.session, code=code).id for code in {s[1] for s in SERVICES}}
    return seed_services(db.session, ids), ids


def test_the_seed_has_at_least_fifteen_services_of_every_kind_and_is_idempotent(db):
    count, ids = _seed(db)
    assert count >= 15
    seed_services(db.session, ids)
    assert db.session.scalar(select(func.count(ServiceVersion.id))) == count
    kinds = set(db.session.scalars(select(Service.kind)))
    assert kinds == {"certificate", "complaint", "request", "report"}


@pytest.mark.parametrize(
    "query, expected",
    [
        ("شَهَادَةُ السُّكْنَى", "residence-certificate"),
        ("شهاده السكني", "residence-certificate"),
        ("residence", "residence-certificate"),
        ("RÉSIDENCE", "residence-certificate"),
        ("انارة", "street-light-outage"),
        ("éclairage panne", "street-light-outage"),
        ("encombrants", "bulky-waste-pickup"),
        ("حاويه", "container-problem"),
    ],
)
def test_catalogue_search_finds_services_in_either_language(db, query, expected):
    _seed(db)
    assert expected in [s.code for s in list_services(db.session, query=query)]


def test_search_treats_like_wildcards_as_plain_text(db):
    _seed(db)
    assert list_services(db.session, query="%") == []
    assert list_services(db.session, query="_") == []


def test_browsing_by_department_and_hiding_inactive_services(db):
    _, ids = _seed(db)
    lighting = list_services(db.session, department_id=ids["public-lighting"])
    assert {s.code for s in lighting} == {"street-light-outage", "new-street-light"}
    service = get_service(db.session, "new-street-light")
    service.is_active = False
    db.session.flush()
    assert {s.code for s in list_services(db.session, department_id=ids["public-lighting"])} == {"street-light-outage"}
    with pytest.raises(NotFound):
        get_service(db.session, "new-street-light")
