"""Two members of staff save the same request at once: the second save fails, the first one stays whole.

These tests commit for real, from two sessions on two connections, as two web workers would. The usual `db`
fixture keeps everything in one rolled-back transaction on one connection, and history entries cannot be
deleted afterwards (the database refuses), so they run on a database of their own, dropped at the end.
"""

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from portal.extensions import db as _db
from services.accounts.models import Role, User
from services.casework import actions
from services.errors import Conflict
from services.notifications.models import OutboxMessage
from services.requests.models import RequestEvent, ServiceRequest
from services.requests.uploads import FileStore
from services.workflow.states import Status
from tests.conftest import make_app
from tests.factories import make_request, make_service, make_user
from tests.pgcluster import postgis_database


@pytest.fixture(scope="module")
def engine(backend, tmp_path_factory):
    """An engine on a freshly migrated database that only this module uses."""

    def build(url):
        app = make_app(url)
        with app.app_context():
            engine = _db.engine
        try:
            yield engine
        finally:
            engine.dispose()

    if backend == "spatialite":
        yield from build(f"sqlite:///{tmp_path_factory.mktemp('lock') / 'lock.sqlite'}")
    else:
        with postgis_database("berkane_lock") as url:
            yield from build(url)


@pytest.fixture
def filed(engine, tmp_path):
    """A new request, committed, and the people of its department; returns (request id, agent id, supervisor id)."""
    with Session(engine) as session:
        service = make_service(session)
        agent = make_user(session, Role.AGENT, department=service.department)
        supervisor = make_user(session, Role.SUPERVISOR, department=service.department)
        request = make_request(session, FileStore(tmp_path / "uploads"), service=service)
        session.commit()
        return request.id, agent.id, supervisor.id


def _state(engine, request_id):
    """What a third, fresh session reads: the request and its history as committed."""
    with Session(engine) as session:
        request = session.get(ServiceRequest, request_id)
        events = session.scalars(
            select(RequestEvent.action).where(RequestEvent.request_id == request_id).order_by(RequestEvent.id)
        )
        return request.status, request.row_version, request.assigned_to_id, list(events)


@pytest.mark.parametrize("second_keeps_its_transaction", [False, True], ids=["between-pages", "concurrent"])
def test_the_second_save_on_a_stale_request_fails_at_flush_and_the_first_stays(
    engine, filed, backend, second_keeps_its_transaction
):
    if second_keeps_its_transaction and backend == "spatialite":
        pytest.skip("SQLite lets no one commit while another connection holds a read transaction")
    request_id, agent_id, supervisor_id = filed
    first = Session(engine)
    # The second keeps what it read after its transaction ends, like a page rendered earlier.
    second = Session(engine, expire_on_commit=False)
    try:
        mine = first.get(ServiceRequest, request_id)
        theirs = second.get(ServiceRequest, request_id)
        assert first.connection().connection.dbapi_connection is not second.connection().connection.dbapi_connection
        assert mine.row_version == theirs.row_version == 1
        if not second_keeps_its_transaction:
            second.commit()  # nothing written: it only ends the read

        actions.transition(first, mine, "acknowledge", user=first.get(User, agent_id))
        first.commit()
        assert _state(engine, request_id)[:2] == (Status.ACKNOWLEDGED, 2)

        boss = second.get(User, supervisor_id)
        emails = second.scalar(select(func.count()).select_from(OutboxMessage))
        with pytest.raises(StaleDataError):
            actions.assign(second, theirs, agent_id, user=boss)
        second.rollback()
    finally:
        first.close()
        second.close()

    status, version, assignee, events = _state(engine, request_id)
    assert (status, version, assignee) == (Status.ACKNOWLEDGED, 2, None)
    assert events == ["filed", "acknowledge"]
    with Session(engine) as session:
        assert session.scalar(select(func.count()).select_from(OutboxMessage)) == emails


def test_a_form_built_from_an_older_version_is_refused_before_anything_is_written(engine, filed):
    request_id, agent_id, supervisor_id = filed
    first, second = Session(engine), Session(engine)
    try:
        seen = second.get(ServiceRequest, request_id).row_version  # the second's page shows version 1
        second.commit()

        mine = first.get(ServiceRequest, request_id)
        actions.transition(first, mine, "acknowledge", user=first.get(User, agent_id), seen_version=1)
        first.commit()

        theirs = second.get(ServiceRequest, request_id)  # the form is posted: the request is read afresh
        assert theirs.row_version == 2
        boss = second.get(User, supervisor_id)
        with pytest.raises(Conflict) as refused:
            actions.assign(second, theirs, agent_id, user=boss, seen_version=str(seen))
        assert refused.value.code == "request_changed"
        assert not second.new and not second.dirty
        second.commit()

        for stale in ("1", "x", 1.5):
            with pytest.raises(Conflict):
                actions.check_version(theirs, stale)
        actions.check_version(theirs, "2")  # the current version passes, as do forms without one
        actions.check_version(theirs, None)
    finally:
        first.close()
        second.close()

    status, version, assignee, events = _state(engine, request_id)
    assert (status, version, assignee) == (Status.ACKNOWLEDGED, 2, None)
    assert events == ["filed", "acknowledge"]
