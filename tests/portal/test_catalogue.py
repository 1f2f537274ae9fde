"""The public e-service catalogue, without JavaScript, in both languages."""

import pytest

from services.catalog.demo import SERVICES, seed_services
from tests.conftest import page_text, tr
from tests.factories import make_department


@pytest.fixture
def seeded(db):
    ids = {}
    for code in sorted({s[1] for s in SERVICES}):
        ids[code] = make_department(db.session, code=code, name_fr=f"Service {code}", name_ar=f"مصلحة {code}").id
    seed_services(db.session, ids)
    db.session.commit()
    return ids


def test_catalogue_lists_every_service_grouped_by_department(client, seeded):
    client.set_cookie("brk_lang", "fr")
    text = page_text(client.get("/services"))
    assert "Certificat de résidence" in text and "Signalement d'une panne d'éclairage public" in text
    assert tr("fr", "Legal deadline") in text
    assert "72 heures" in text and "5 jours ouvrables" in text


def test_arabic_search_with_diacritics_finds_the_service(client, seeded):
    client.set_cookie("brk_lang", "ar")
    text = page_text(client.get("/services", query_string={"q": "شَهَادَةُ السُّكْنَى"}))
    assert "شهادة السكنى" in text
    assert "تبليغ عن عطب في الإنارة العمومية" not in text


def test_filter_by_department(client, seeded):
    client.set_cookie("brk_lang", "fr")
    text = page_text(client.get("/services", query_string={"department": seeded["cleanliness"]}))
    assert "Dépôt sauvage" in text and "Certificat de résidence" not in text


def test_a_bad_department_filter_is_explained_not_a_crash(client, seeded):
    client.set_cookie("brk_lang", "fr")
    response = client.get("/services", query_string={"department": "abc"})
    assert response.status_code == 200
    assert 'id="department-error"' in response.get_data(as_text=True)


def test_no_match_says_so_in_the_page_language(client, seeded):
    client.set_cookie("brk_lang", "ar")
    text = page_text(client.get("/services", query_string={"q": "zzzzzz"}))
    assert tr("ar", "No service matches your search. Try other words, or browse all departments.") in text


def test_service_page_shows_documents_fee_and_deadline_in_both_languages(client, seeded):
    client.set_cookie("brk_lang", "ar")
    arabic = page_text(client.get("/services/residence-certificate"))
    assert "شهادة السكنى" in arabic and "فاتورة الماء أو الكهرباء" in arabic and tr("ar", "Free") in arabic
    client.set_cookie("brk_lang", "fr")
    french = page_text(client.get("/services/public-space-occupation"))
    assert "100,00 MAD" in french and "30 jours ouvrables" in french and "Plan de situation" in french


def test_unknown_or_withdrawn_service_is_a_404_with_a_clear_message(client, seeded, db):
    from services.catalog.service import get_service

    client.set_cookie("brk_lang", "fr")
    response = client.get("/services/no-such-service")
    assert response.status_code == 404
    assert tr("fr", "This e-service does not exist or is no longer offered.") in page_text(response)
    get_service(db.session, "suggestion").is_active = False
    db.session.commit()
    assert client.get("/services/suggestion").status_code == 404
