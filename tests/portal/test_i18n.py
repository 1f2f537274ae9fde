"""Arabic and French: language choice, direction, formatting, bilingual content."""

import re
from datetime import UTC, datetime

from flask_babel import format_datetime, format_decimal

from tests.conftest import page_text, tr
from tests.factories import make_department


def _html_tag(response) -> str:
    return re.search(r"<html[^>]*>", response.get_data(as_text=True)).group(0)


def test_default_language_is_arabic_right_to_left(client):
    response = client.get("/")
    assert _html_tag(response) == '<html lang="ar" dir="rtl">'
    assert tr("ar", "Commune of Berkane") in page_text(response)


def test_accept_language_french_gives_french_left_to_right(client):
    response = client.get("/", headers={"Accept-Language": "fr-MA,fr;q=0.9,en;q=0.5"})
    assert _html_tag(response) == '<html lang="fr" dir="ltr">'
    assert tr("fr", "Commune of Berkane") == "Commune de Berkane"
    assert "Commune de Berkane" in page_text(response)


def test_unsupported_accept_language_falls_back_to_arabic(client):
    assert 'lang="ar"' in _html_tag(client.get("/", headers={"Accept-Language": "en-GB,de"}))


def test_language_switch_keeps_the_page_and_is_remembered(client):
    token = client.csrf_token("/register")
    response = client.post("/language", data={"csrf_token": token, "language": "fr", "next": "/register?x=1"})
    assert response.status_code == 302 and response.headers["Location"] == "/register?x=1"
    assert "brk_lang=fr" in response.headers["Set-Cookie"]
    # The cookie beats Accept-Language from then on.
    assert 'lang="fr"' in _html_tag(client.get("/register", headers={"Accept-Language": "ar"}))


def test_language_switch_refuses_other_sites_and_unknown_languages(client):
    token = client.csrf_token("/")
    response = client.post("/language", data={"csrf_token": token, "language": "fr", "next": "https://evil.example"})
    assert response.headers["Location"] == "/"
    assert client.post("/language", data={"csrf_token": token, "language": "en", "next": "/"}).status_code == 400
    assert client.post("/language", data={"language": "fr", "next": "/"}).status_code == 400  # no CSRF token


def test_saved_preference_wins_over_cookie_and_switching_saves_it(client, login_as, db):
    user = login_as("citizen", locale="fr")
    client.set_cookie("brk_lang", "ar")
    assert 'lang="fr"' in _html_tag(client.get("/account"))
    client.post("/language", data={"csrf_token": client.csrf_token("/account"), "language": "ar", "next": "/account"})
    db.session.refresh(user)
    assert user.locale == "ar"
    assert 'lang="ar"' in _html_tag(client.get("/account"))


def test_department_names_follow_the_page_language(client, db):
    make_department(db.session, name_ar="مصلحة الإنارة العمومية", name_fr="Service de l'éclairage public")
    db.session.commit()
    client.set_cookie("brk_lang", "ar")
    arabic = page_text(client.get("/"))
    client.set_cookie("brk_lang", "fr")
    french = page_text(client.get("/"))
    assert "مصلحة الإنارة العمومية" in arabic and "Service de l'éclairage public" not in arabic
    assert "Service de l'éclairage public" in french and "مصلحة الإنارة العمومية" not in french


def test_dates_and_numbers_use_western_digits_and_casablanca_time(app):
    # 2026-11-23 12:00 UTC: Morocco has been on UTC+0 since 2026-09-20 (tzdata 2026f).
    moment = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
    summer = datetime(2026, 6, 23, 12, 0, tzinfo=UTC)  # UTC+1 then
    with app.test_request_context(headers={"Accept-Language": "ar"}):
        assert format_decimal(1234567.5) == "1.234.567,5"
        assert "12:00" in format_datetime(moment, "short")
        assert "13:00" in format_datetime(summer, "short")
        assert re.search("[٠-٩]", format_datetime(moment, "full")) is None
        assert "نونبر" in format_datetime(moment, "long")  # the Moroccan month name
    with app.test_request_context(headers={"Accept-Language": "fr"}):
        assert format_decimal(1234567.5) == "1\u202f234\u202f567,5"
        assert "novembre" in format_datetime(moment, "long")


def test_our_timezone_rules_match_babels(app):
    from services.clock import local

    moment = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
    assert local(moment).utcoffset().total_seconds() == 0
    assert local(datetime(2026, 6, 23, 12, 0, tzinfo=UTC)).utcoffset().total_seconds() == 3600


def test_role_names_are_translated_in_the_header(client, login_as):
    login_as("supervisor")
    client.set_cookie("brk_lang", "fr")
    assert tr("fr", "Head of department") in page_text(client.get("/account"))
    client.set_cookie("brk_lang", "ar")
    assert tr("ar", "Head of department") in page_text(client.get("/account"))


def test_user_language_is_stored_at_registration(client, db):
    client.set_cookie("brk_lang", "fr")
    client.submit(
        "/register",
        {
            "full_name": "Lina Berrada",
            "email": "lina@example.org",
            "phone": "0661234567",
            "cnie": "J123456",
            "password": "lina long passphrase",
            "confirm": "lina long passphrase",
            "consent": "y",
        },
    )
    from sqlalchemy import select

    from services.accounts.models import User

    assert db.session.scalar(select(User.locale).where(User.email == "lina@example.org")) == "fr"
