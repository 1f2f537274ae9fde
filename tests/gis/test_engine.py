"""Pooled PostgreSQL connections are checked before use without a round trip to the server, and compile no JIT."""

import time

import psycopg
import pytest
from sqlalchemy import create_engine, text

from gis import spatial


@pytest.fixture
def engine(backend, database_url):
    if backend != "postgis":
        pytest.skip("SpatiaLite runs inside the process: there is no server to lose")
    made = create_engine(database_url, **spatial.engine_options(database_url))
    spatial.configure_engine(made)
    yield made
    made.dispose()


def _backend_pid(engine) -> int:
    with engine.connect() as connection:
        return connection.execute(text("SELECT pg_backend_pid()")).scalar()


def test_a_connection_the_server_closed_is_replaced_before_anyone_uses_it(engine, database_url):
    first = _backend_pid(engine)
    with psycopg.connect(database_url.replace("postgresql+psycopg://", "postgresql://")) as admin:
        assert admin.execute("SELECT pg_terminate_backend(%s)", (first,)).fetchone()[0]
    time.sleep(0.2)  # the server's goodbye reaches the pooled connection's socket
    assert _backend_pid(engine) != first


def test_a_busy_connection_is_handed_out_again_without_a_ping_and_an_idle_one_after_one(engine, monkeypatch):
    pings = []
    ping = engine.dialect.do_ping
    monkeypatch.setattr(engine.dialect, "do_ping", lambda connection: pings.append(1) or ping(connection))
    first = _backend_pid(engine)
    assert _backend_pid(engine) == first
    assert pings == []
    monkeypatch.setattr(spatial, "PING_AFTER_IDLE_S", 0.0)
    time.sleep(0.01)
    assert _backend_pid(engine) == first
    assert pings == [1]


def test_the_portals_connections_do_not_compile_plans_just_in_time(app, backend):
    """JIT compilation costs more than it saves on a web request's query (the dashboard's hotspots)."""
    if backend != "postgis":
        pytest.skip("a PostgreSQL setting")
    from portal.extensions import db

    with app.app_context():
        assert db.session.execute(text("SHOW jit")).scalar() == "off"
