import pytest

from services.catalog.forms import parse_fields
from services.errors import Invalid
from services.requests.answers import check_answers
from tests.factories import make_district

FIELDS = parse_fields(
    [
        {
            "name": "title",
            "type": "text",
            "label_ar": "ع",
            "label_fr": "Titre",
            "required": True,
            "min_length": 3,
            "max_length": 20,
        },
        {"name": "ref", "type": "text", "label_ar": "ع", "label_fr": "Réf", "pattern": "[A-Z]{2}[0-9]{3}"},
        {"name": "notes", "type": "textarea", "label_ar": "ع", "label_fr": "Notes", "max_length": 50},
        {"name": "people", "type": "number", "label_ar": "ع", "label_fr": "Personnes", "min": 1, "max": 10},
        {"name": "day", "type": "date", "label_ar": "ع", "label_fr": "Date"},
        {
            "name": "size",
            "type": "choice",
            "label_ar": "ع",
            "label_fr": "Taille",
            "required": True,
            "choices": [{"value": "s", "ar": "ص", "fr": "Petit"}, {"value": "l", "ar": "ك", "fr": "Grand"}],
        },
        {"name": "urgent", "type": "yes_no", "label_ar": "ع", "label_fr": "Urgent", "required": True},
        {"name": "place", "type": "location", "label_ar": "ع", "label_fr": "Lieu", "required": True},
    ]
)


@pytest.fixture
def district(db):
    return make_district(db.session, bounds=(-2.33, 34.91, -2.31, 34.93))


def good(district, **changes):
    values = {
        "title": "Lampadaire",
        "ref": "AB123",
        "notes": "",
        "people": "3",
        "day": "2026-11-20",
        "size": "l",
        "urgent": "yes",
        "place__district": str(district.id),
        "place__address": "Boulevard Mohammed V, près de la poste",
    }
    return values | changes


def codes(exc: Invalid) -> dict[str, str]:
    return {e.field: e.code for e in exc.errors or [exc]}


def test_good_answers_come_back_clean(db, district):
    clean = check_answers(db.session, FIELDS, good(district), {})
    assert clean.answers["title"] == "Lampadaire"
    assert clean.answers["people"] == "3"
    assert clean.answers["urgent"] is True
    assert clean.location.district_id == district.id
    assert "notes" not in clean.answers


def test_every_wrong_field_is_reported_at_once(db, district):
    values = good(
        district,
        title="ab",
        ref="ab12",
        notes="x" * 51,
        people="eleven",
        day="2026-02-30",
        size="xl",
        urgent="maybe",
        place__district="",
        place__address="x",
    )
    with pytest.raises(Invalid) as refused:
        check_answers(db.session, FIELDS, values, {})
    assert codes(refused.value) == {
        "title": "answer_too_short",
        "ref": "answer_pattern",
        "notes": "answer_too_long",
        "people": "number_invalid",
        "day": "date_invalid",
        "size": "choice_invalid",
        "urgent": "choice_invalid",
        "place__district": "district_required",
        "place__address": "address_required",
    }


def test_missing_required_answers_are_named(db, district):
    with pytest.raises(Invalid) as refused:
        check_answers(db.session, FIELDS, {}, {})
    assert codes(refused.value) == {
        "title": "answer_required",
        "size": "choice_required",
        "urgent": "choice_required",
        "place__district": "location_required",
    }


def test_numbers_out_of_range_are_refused(db, district):
    with pytest.raises(Invalid) as refused:
        check_answers(db.session, FIELDS, good(district, people="0"), {})
    assert codes(refused.value) == {"people": "number_too_small"}
    with pytest.raises(Invalid) as refused:
        check_answers(db.session, FIELDS, good(district, people="1e400"), {})
    assert codes(refused.value) == {"people": "number_invalid"}


def test_arabic_digits_and_decimal_commas_are_read(db, district):
    clean = check_answers(db.session, FIELDS, good(district, people="٧", day="٢٠٢٦-١١-٢٠"), {})
    assert clean.answers["people"] == "7"
    assert clean.answers["day"] == "2026-11-20"


def test_control_characters_are_refused(db, district):
    with pytest.raises(Invalid) as refused:
        check_answers(db.session, FIELDS, good(district, title="abc\x00def"), {})
    assert codes(refused.value) == {"title": "answer_invalid_characters"}


def test_a_point_on_the_map_chooses_its_district(db, district):
    values = good(district, place__district="", place__lat="34.92", place__lon="-2.32")
    clean = check_answers(db.session, FIELDS, values, {})
    assert clean.location.district_id == district.id
    assert (clean.location.lon, clean.location.lat) == (-2.32, 34.92)


def test_a_point_outside_the_commune_is_refused(db, district):
    values = good(district, place__lat="33.59", place__lon="-7.61")  # Casablanca
    with pytest.raises(Invalid) as refused:
        check_answers(db.session, FIELDS, values, {})
    assert codes(refused.value) == {"place__district": "location_outside_commune"}


def test_a_half_given_or_garbled_point_is_refused(db, district):
    for lat, lon in (("34.92", ""), ("north", "-2.32"), ("95", "-2.32")):
        with pytest.raises(Invalid) as refused:
            check_answers(db.session, FIELDS, good(district, place__lat=lat, place__lon=lon), {})
        assert codes(refused.value) == {"place__district": "location_invalid"}


def test_an_unknown_district_is_refused(db, district):
    with pytest.raises(Invalid) as refused:
        check_answers(db.session, FIELDS, good(district, place__district="999999"), {})
    assert codes(refused.value) == {"place__district": "district_unknown"}
