"""CSRF everywhere, safe cookies, security headers, production settings."""

import os
import subprocess
import sys

import pytest

from tests.factories import PASSWORD, make_user

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


@pytest.mark.parametrize(
    "url, data",
    [
        ("/login", {"email": "a@example.org", "password": "x"}),
        ("/register", {"full_name": "A"}),
        ("/language", {"language": "fr"}),
        ("/logout", {}),
    ],
)
def test_every_form_refuses_a_post_without_csrf_token(client, url, data):
    response = client.post(url, data=data)
    assert response.status_code == 400


def test_security_headers_are_sent_on_every_page(client):
    headers = client.get("/").headers
    assert "default-src 'self'" in headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] == "same-origin"
    assert headers["X-Request-ID"]


def test_session_cookie_is_httponly_and_samesite(client, db):
    make_user(db.session, email="c@example.org")
    db.session.commit()
    response = client.submit("/login", {"email": "c@example.org", "password": PASSWORD})
    cookie = next(h for h in response.headers.getlist("Set-Cookie") if h.startswith("brk_session="))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_pages_never_link_to_another_host(client, login_as):
    login_as("admin")
    for url in ["/", "/login", "/register", "/account", "/admin/", "/dashboard/"]:
        html = client.get(url).get_data(as_text=True)
        assert "http://" not in html.replace('xmlns="http://www.w3.org', "") and "https://" not in html, url


def _run_app(env: dict) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "DATABASE_URL")}
    return subprocess.run(
        [sys.executable, "-c", "import wsgi; print(wsgi.app.config['SESSION_COOKIE_SECURE'])"],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_production_refuses_to_start_without_secret_key_and_database_url():
    result = _run_app({"PORTAL_ENV": "production"})
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr and "DATABASE_URL" in result.stderr


def test_production_starts_with_its_settings_and_secure_cookies(tmp_path):
    result = _run_app(
        {"PORTAL_ENV": "production", "SECRET_KEY": "x" * 40, "DATABASE_URL": f"sqlite:///{tmp_path / 'p.sqlite'}"}
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "True"


def test_logs_are_one_json_object_per_line(tmp_path):
    code = "import json, sys, wsgi\nwsgi.app.test_client().get('/login')\n"
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**os.environ, "PORTAL_INSTANCE_DIR": str(tmp_path), "LOG_LEVEL": "INFO", "PORTAL_ENV": "development"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    import json

    lines = [json.loads(line) for line in result.stderr.splitlines() if line.strip()]
    request = next(line for line in lines if line.get("event") == "request")
    assert request["path"] == "/login" and request["status"] == 200 and "duration_ms" in request
