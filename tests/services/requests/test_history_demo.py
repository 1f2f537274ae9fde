"""The demo's year of requests, filed and handled through the real service functions."""

from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal.extensions import db as _db
from services import demo
from services.casework.audit import discrepancies
from services.db import as_utc
from services.notifications.models import OutboxMessage
from services.requests.history_demo import KEY_PREFIX, seed_history
from services.requests.models import ServiceRequest
from services.requests.uploads import FileStore
from services.stats import summary
from services.workflow.states import OPEN_STATES

NOW = datetime(2026, 6, 15, 9, 30, tzinfo=UTC)
COUNT = 240


@pytest.fixture(scope="module")
def year(app, tmp_path_factory):
    """One seeded year for the whole module, in a transaction rolled back at its end (seeding takes seconds)."""
    with app.app_context():
        engine = _db.engine
    connection = engine.connect()
    outer = connection.begin()
    session = Session(bind=connection, join_transaction_mode="create_savepoint")
    departments = demo.seed_departments(session)
    demo.seed_districts(session)
    demo.seed_services(session, departments)
    demo.seed_templates(session, departments)
    demo.seed_city(session, lights=300, containers=60, now=NOW - timedelta(days=400))
    store = FileStore(tmp_path_factory.mktemp("uploads"))
    filed = seed_history(session, store, count=COUNT, now=NOW)
    try:
        yield session, store, filed
    finally:
        session.close()
        outer.rollback()
        connection.close()


def _seeded(session) -> list[ServiceRequest]:
    return list(session.scalars(select(ServiceRequest).where(ServiceRequest.idempotency_key.like(f"{KEY_PREFIX}%"))))


def test_the_year_files_the_requests_asked_for_over_the_last_twelve_months(year):
    session, _store, filed = year
    requests = _seeded(session)
    assert filed == len(requests) == COUNT
    assert min(as_utc(r.filed_at) for r in requests) >= NOW - timedelta(days=370)
    assert max(as_utc(r.filed_at) for r in requests) <= NOW


def test_the_daily_summary_stays_exact_through_a_seeded_year(year):
    session, _store, _filed = year
    assert summary.drift(session) == []


def test_the_year_ends_every_way_a_request_can_end_and_leaves_a_backlog(year):
    session, _store, _filed = year
    requests = _seeded(session)
    outcomes = Counter(r.outcome for r in requests)
    assert {"resolved", "rejected", "no_action", "duplicate"} <= set(outcomes)
    assert outcomes["resolved"] > COUNT / 2
    still_open = [r for r in requests if r.status in {s.value for s in OPEN_STATES}]
    assert all(r.outcome is None for r in still_open)
    assert all(r.outcome is None or as_utc(r.handled_at) <= NOW for r in requests)
    assert all(as_utc(e.at) <= NOW for r in requests for e in r.events)
    assert any(r.rating for r in requests)
    merged = [r for r in requests if r.outcome == "duplicate"]
    assert all(r.merged_into_id is not None for r in merged)


def test_every_seeded_request_is_accounted_for_by_its_history(year):
    session, _store, _filed = year
    assert [r.tracking_number for r in _seeded(session) if discrepancies(r)] == []


def test_the_emails_of_the_past_year_are_not_waiting_to_be_sent(year):
    session, _store, _filed = year
    waiting = session.scalar(select(func.count(OutboxMessage.id)).where(OutboxMessage.status == "pending"))
    assert waiting == 0


def test_seeding_the_year_again_files_nothing(year):
    session, store, _filed = year
    assert seed_history(session, store, count=COUNT, now=NOW + timedelta(days=30)) == 0
    assert len(_seeded(session)) == COUNT
