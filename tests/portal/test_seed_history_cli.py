"""`flask seed demo` files a year of requests once, so that the dashboard has something to show."""

from sqlalchemy import func, select

from services.requests.history_demo import KEY_PREFIX
from services.requests.models import ServiceRequest
from services.stats.models import DailyStat

SEED_DEMO = ["seed", "demo", "--lights", "200", "--containers", "40", "--history", "40"]


def _history(db) -> int:
    return db.session.scalar(
        select(func.count(ServiceRequest.id)).where(ServiceRequest.idempotency_key.like(f"{KEY_PREFIX}%"))
    )


def test_seed_demo_files_a_year_of_requests_once_and_says_so(app, db):
    runner = app.test_cli_runner()
    first = runner.invoke(args=SEED_DEMO)
    assert first.exit_code == 0, first.output
    assert "Requests of the last 12 months: 40 filed and moved along the workflow now." in first.output
    assert _history(db) == 40
    assert db.session.scalar(select(func.sum(DailyStat.received))) == 40 + 5  # and the demo citizens' five

    again = runner.invoke(args=SEED_DEMO)
    assert "Requests of the last 12 months: 0 filed" in again.output
    assert _history(db) == 40


def test_seed_demo_can_leave_the_year_of_requests_out(app, db):
    result = app.test_cli_runner().invoke(args=[*SEED_DEMO[:-1], "0"])
    assert result.exit_code == 0, result.output
    assert _history(db) == 0
