"""Fixtures shared by every test: the app on SpatiaLite or PostGIS, a rolled-back `db`, clients."""

import os
import re
import shutil
from html import unescape
from pathlib import Path

import pytest
from babel.support import Translations
from flask.testing import FlaskClient
from flask_migrate import upgrade
from sqlalchemy.orm import scoped_session, sessionmaker

from config import TestConfig
from portal import create_app
from portal.extensions import db as _db
from portal.extensions import limiter
from services.accounts.models import Role
from services.requests.uploads import FileStore
from tests import factories
from tests.pgcluster import postgis_database
from tests.smtp import SmtpServer

BACKENDS = ("spatialite", "postgis")
TRANSLATIONS = Path(__file__).resolve().parent.parent / "translations"
SCREENSHOTS = Path(__file__).resolve().parent.parent / "test-output" / "screenshots"


def pytest_addoption(parser):
    parser.addoption(
        "--db",
        choices=BACKENDS,
        default=os.environ.get("TEST_DB", "spatialite"),
        help="spatial database to run the suite on (env TEST_DB)",
    )


def pytest_configure(config):
    """Build the .mo catalogs from the committed .po files, as `make` does (once: xdist workers start after)."""
    from babel.messages.frontend import CommandLineInterface

    if hasattr(config, "workerinput"):
        return
    CommandLineInterface().run(["pybabel", "-q", "compile", "-d", str(TRANSLATIONS)])


def pytest_sessionstart(session):
    """Clear the last run's screenshots once, before any xdist worker starts taking new ones."""
    if not hasattr(session.config, "workerinput"):
        shutil.rmtree(SCREENSHOTS / session.config.getoption("--db"), ignore_errors=True)


def tr(language: str, message: str, context: str | None = None) -> str:
    """The catalog's translation of `message` (in `context`, if given), to check pages without copying wording."""
    translations = Translations.load(str(TRANSLATIONS), [language])
    return translations.pgettext(context, message) if context else translations.gettext(message)


def pytest_report_header(config):
    return f"database backend: {config.getoption('--db')}"


@pytest.fixture(scope="session")
def backend(request) -> str:
    return request.config.getoption("--db")


def _worker() -> str:
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


@pytest.fixture(scope="session")
def database_url(backend, tmp_path_factory):
    """An empty database for this test session, removed afterwards."""
    if backend == "spatialite":
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / f'test-{_worker()}.sqlite'}"
    else:
        with postgis_database() as url:
            yield url


def make_app(database_url: str, **overrides):
    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=database_url, **overrides)
    with app.app_context():
        upgrade()  # the schema only ever comes from the migrations
    return app


@pytest.fixture(scope="session")
def app(database_url, tmp_path_factory):
    app = make_app(database_url, UPLOAD_DIR=str(tmp_path_factory.mktemp("uploads")))
    yield app
    with app.app_context():
        _db.engine.dispose()


class TestDatabase:
    """What a test sees as `db`: its own session, on the connection the app also uses."""

    def __init__(self, session, engine):
        self.session = session
        self.engine = engine


@pytest.fixture
def db(app):
    """Everything in one outer transaction, rolled back after the test.

    The test and the app each get their own session on one connection, as two
    processes would: the app's session is closed after every request, the test's
    objects stay usable (refresh them to see what a request changed). Commits only
    release savepoints (join_transaction_mode="create_savepoint").
    """
    # No app context stays pushed: each test request must get its own, as in production.
    with app.app_context():
        engine = _db.engine
    connection = engine.connect()
    outer = connection.begin()
    factory = sessionmaker(bind=connection, join_transaction_mode="create_savepoint")
    original = _db.session
    _db.session = scoped_session(factory)
    test_session = factory()
    try:
        yield TestDatabase(test_session, engine)
    finally:
        test_session.close()
        _db.session.remove()
        _db.session = original
        outer.rollback()
        connection.close()


@pytest.fixture(autouse=True)
def _fresh_rate_limits(app):
    with app.app_context():
        limiter.reset()


class Client(FlaskClient):
    """A test client that fills in the CSRF token like a browser would."""

    def csrf_token(self, url: str = "/login") -> str:
        page = self.get(url).get_data(as_text=True)
        match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page) or re.search(
            r'name="csrf_token" value="([^"]+)"', page
        )
        assert match, f"no CSRF token on {url}"
        return match.group(1)

    def submit(self, url: str, data: dict, *, form_url: str | None = None, **kwargs):
        token_field = next((k for k in data if k.endswith("csrf_token")), "csrf_token")
        data = {token_field: self.csrf_token(form_url or url), **data}
        return self.post(url, data=data, **kwargs)


@pytest.fixture
def client(app, db):
    """A browser-like client; no context is kept pushed between its requests."""
    app.test_client_class = Client
    return app.test_client()


@pytest.fixture
def login_as(client, db):
    """Sign `client` in as a new user of `role` (or as the given user); returns the user."""

    def login(role: Role | str = Role.CITIZEN, user=None, **overrides):
        user = user or factories.make_user(db.session, role, **overrides)
        db.session.commit()
        with client.session_transaction() as session:
            session["_user_id"] = user.get_id()
            session["_fresh"] = True
        return user

    return login


def page_text(response) -> str:
    """The visible text of an HTML response, tags stripped and spaces folded."""
    html = response.get_data(as_text=True)
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


@pytest.fixture
def store(tmp_path):
    """Attachments of service-level tests, in a folder of their own."""
    return FileStore(tmp_path / "uploads")


PUBLIC_URL = "https://e.berkane.ma"


@pytest.fixture
def mail(app, smtp_server, monkeypatch):
    """The portal's mail settings pointed at the local SMTP server, with a public address for links."""
    monkeypatch.setitem(app.config, "MAIL_SERVER", smtp_server.host)
    monkeypatch.setitem(app.config, "MAIL_PORT", smtp_server.port)
    monkeypatch.setitem(app.config, "MAIL_SECURITY", "none")
    monkeypatch.setitem(app.config, "MAIL_TIMEOUT", 5)
    monkeypatch.setitem(app.config, "PUBLIC_URL", PUBLIC_URL)
    return smtp_server


@pytest.fixture
def smtp_server():
    """A real SMTP server on 127.0.0.1 and a free port; `.messages` lists the emails it accepted, parsed."""
    with SmtpServer() as server:
        yield server
