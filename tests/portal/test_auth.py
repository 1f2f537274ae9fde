"""Signing in and out, registering, changing the password — through the real forms."""

from sqlalchemy import func, select

from services.accounts.models import User
from tests.conftest import page_text, tr
from tests.factories import PASSWORD, make_user


def _login(client, email, password, **extra):
    return client.submit("/login", {"email": email, "password": password, **extra})


def test_citizen_signs_in_and_lands_on_their_account(client, db):
    user = make_user(db.session, email="salma@example.org", full_name="Salma Idrissi")
    db.session.commit()
    response = _login(client, "salma@example.org", PASSWORD)
    assert response.status_code == 302 and response.headers["Location"] == "/account"
    assert "Salma Idrissi" in page_text(client.get("/account"))
    assert user.id


def test_wrong_password_shows_a_clear_error_in_the_page_language(client, db):
    make_user(db.session, email="salma@example.org")
    db.session.commit()
    client.set_cookie("brk_lang", "fr")
    response = _login(client, "salma@example.org", "wrong password")
    assert response.status_code == 200
    assert tr("fr", "The email address or password is not correct.") in page_text(response)
    assert client.get("/account").status_code == 302


def test_sign_in_returns_to_a_safe_next_page_only(client, db):
    make_user(db.session, email="n@example.org")
    db.session.commit()
    response = _login(client, "n@example.org", PASSWORD, next="/account/password")
    assert response.headers["Location"] == "/account/password"
    client.post("/logout", data={"csrf_token": client.csrf_token("/account")})
    response = _login(client, "n@example.org", PASSWORD, next="https://evil.example/")
    assert response.headers["Location"] == "/account"
    client.post("/logout", data={"csrf_token": client.csrf_token("/account")})
    response = _login(client, "n@example.org", PASSWORD, next="//evil.example/")
    assert response.headers["Location"] == "/account"


def test_failed_sign_ins_are_throttled_per_account(client, db, app):
    make_user(db.session, email="target@example.org")
    db.session.commit()
    for _ in range(5):
        assert _login(client, "target@example.org", "guess guess guess").status_code == 200
    blocked = _login(client, "target@example.org", PASSWORD)
    assert blocked.status_code == 429
    assert "Retry-After" in blocked.headers
    # Another account from the same address is not blocked by this account's limit.
    make_user(db.session, email="other@example.org")
    db.session.commit()
    assert _login(client, "other@example.org", PASSWORD).status_code == 302


def test_failed_sign_ins_are_throttled_per_address(client, db):
    for n in range(20):
        _login(client, f"nobody{n}@example.org", "guess guess guess")
    make_user(db.session, email="real@example.org")
    db.session.commit()
    assert _login(client, "real@example.org", PASSWORD).status_code == 429


def test_successful_sign_ins_do_not_count_against_the_limit(client, db):
    make_user(db.session, email="often@example.org")
    db.session.commit()
    for _ in range(7):
        assert _login(client, "often@example.org", PASSWORD).status_code == 302
        client.post("/logout", data={"csrf_token": client.csrf_token("/account")})


def test_registration_creates_a_citizen_and_signs_them_in(client, db):
    response = client.submit(
        "/register",
        {
            "full_name": "Omar Tazi",
            "email": "omar@example.org",
            "phone": "0612345678",
            "cnie": "F654321",
            "password": "omar's long passphrase",
            "confirm": "omar's long passphrase",
            "consent": "y",
        },
    )
    assert response.status_code == 302
    user = db.session.scalar(select(User).where(User.email == "omar@example.org"))
    assert user.role == "citizen" and user.cnie == "F654321" and user.phone == "+212612345678"
    assert "Omar Tazi" in page_text(client.get("/account"))


def test_invalid_registration_lists_every_error_and_saves_nothing(client, db):
    before = db.session.scalar(select(func.count(User.id)))
    client.set_cookie("brk_lang", "fr")
    response = client.submit(
        "/register",
        {"full_name": "", "email": "bad@", "phone": "123", "cnie": "12", "password": "a", "confirm": "b"},
    )
    text = page_text(response)
    assert response.status_code == 200
    assert 'class="error-summary"' in response.get_data(as_text=True)
    assert 'aria-invalid="true"' in response.get_data(as_text=True)
    assert tr("fr", "This field is required.") in text  # the missing name, in French
    assert tr("fr", "There is a problem") in text
    assert db.session.scalar(select(func.count(User.id))) == before


def test_registration_errors_from_the_domain_appear_next_to_their_field(client, db):
    make_user(db.session, email="taken@example.org")
    db.session.commit()
    response = client.submit(
        "/register",
        {
            "full_name": "Omar Tazi",
            "email": "taken@example.org",
            "phone": "0612345678",
            "cnie": "F654321",
            "password": "omar's long passphrase",
            "confirm": "omar's long passphrase",
            "consent": "y",
        },
    )
    html = response.get_data(as_text=True)
    assert 'id="email-error"' in html


def test_logout_needs_a_post_with_a_csrf_token(client, login_as):
    login_as("citizen")
    assert client.get("/logout").status_code == 405
    assert client.post("/logout").status_code == 400  # no token: refused, still signed in
    assert client.get("/account").status_code == 200
    client.post("/logout", data={"csrf_token": client.csrf_token("/account")})
    assert client.get("/account").status_code == 302


def test_password_change_signs_out_every_other_session(app, client, db):
    make_user(db.session, email="two@example.org")
    db.session.commit()
    other = app.test_client()
    _login(other, "two@example.org", PASSWORD)
    _login(client, "two@example.org", PASSWORD)
    assert other.get("/account").status_code == 200
    response = client.submit(
        "/account/password",
        {
            "pw-current_password": PASSWORD,
            "pw-new_password": "a fresh new passphrase",
            "pw-confirm": "a fresh new passphrase",
        },
        form_url="/account/password",
    )
    assert response.status_code == 302
    assert client.get("/account").status_code == 200  # this session goes on
    assert other.get("/account").status_code == 302  # the other one is over


def test_remember_me_cookie_is_httponly_and_stops_working_after_password_change(app, client, db):
    user = make_user(db.session, email="keep@example.org")
    db.session.commit()
    response = _login(client, "keep@example.org", PASSWORD, remember="y")
    cookie = next(h for h in response.headers.getlist("Set-Cookie") if h.startswith("brk_remember="))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    remember_value = cookie.split(";")[0].split("=", 1)[1]
    # A new browser with only the remember cookie is signed in...
    fresh = app.test_client()
    fresh.set_cookie("brk_remember", remember_value)
    assert fresh.get("/account").status_code == 200
    # ...until the password changes.
    from services.accounts import service as accounts

    accounts.change_password(db.session, db.session.get(User, user.id), PASSWORD, "another long passphrase")
    db.session.commit()
    stale = app.test_client()
    stale.set_cookie("brk_remember", remember_value)
    assert stale.get("/account").status_code == 302


def test_registration_reports_every_bad_field_in_one_go(client, db):
    response = client.submit(
        "/register",
        {"full_name": "Omar", "email": "bad@", "phone": "123", "cnie": "12", "password": "short", "confirm": "other"},
    )
    html = response.get_data(as_text=True)
    for field in ("email", "phone", "cnie", "password", "confirm", "consent"):
        assert f'id="{field}-error"' in html, field
    assert 'id="full_name-error"' not in html
