"""The schema comes only from the migrations, and they match the models."""

import importlib.util
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import delete, func, inspect, select, update

from gis.spatial import include_object
from portal.extensions import db as _db
from services.requests.models import ServiceRequest
from services.stats import summary
from services.stats.models import AgentMonthly, DailyStat, MonthlyStat, ResolutionHours
from tests.conftest import make_app
from tests.pgcluster import postgis_database
from tests.services.stats.test_figures import history  # noqa: F401 (fixture)

VERSIONS = Path(__file__).resolve().parent.parent / "migrations" / "versions"


def _revision(filename: str):
    spec = importlib.util.spec_from_file_location(filename.removesuffix(".py"), VERSIONS / filename)
    revision = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(revision)
    return revision


def _diff(app):
    with app.app_context(), _db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"include_object": include_object, "compare_type": True})
        return compare_metadata(context, _db.metadata)


def test_migrated_schema_matches_the_models(app):
    assert _diff(app) == []


def test_upgrade_from_empty_then_downgrade_and_upgrade_again(backend, tmp_path):
    if backend == "spatialite":
        url = f"sqlite:///{tmp_path / 'fresh.sqlite'}"
        run(url)
    else:
        with postgis_database("berkane_migrate") as url:
            run(url)


def run(url):
    app = make_app(url)  # upgrade from an empty database
    with app.app_context():
        tables = set(inspect(_db.engine).get_table_names())
        assert {"department", "district", "user_account", "alembic_version"} <= tables
        downgrade(revision="base")
        assert not {"department", "district", "user_account"} & set(inspect(_db.engine).get_table_names())
        upgrade()
        assert _diff(app) == []
        _db.engine.dispose()


def test_requests_decided_before_the_dashboard_revision_get_their_outcome_and_are_counted(db, history):  # noqa: F811
    """Revision 0009 reads each decided request's history for its outcome, then counts everything into stats_daily."""
    revision = _revision("0009_dashboard_statistics.py")
    s = db.session

    def outcomes():
        s.expire_all()
        return {
            r.id: (r.outcome, r.handled_at, r.handled_by_id, r.hours_to_handle)
            for r in s.scalars(select(ServiceRequest))
        }

    before = outcomes()
    assert {v[0] for v in before.values()} == {"resolved", "rejected", "no_action", "duplicate", None}
    s.execute(update(ServiceRequest).values(outcome=None, handled_at=None, handled_by_id=None, hours_to_handle=None))
    s.execute(delete(DailyStat))
    revision._backfill(s.connection())
    assert outcomes() == before
    assert summary.drift(s) == []


def test_the_monthly_summaries_are_filled_from_the_daily_one_and_the_decided_requests(db, history):  # noqa: F811
    """Revision 0010 adds the daily summary up by month and counts resolution hours and agents' outcomes."""
    revision = _revision("0010_monthly_statistics_summaries.py")
    s = db.session
    tables = (MonthlyStat, ResolutionHours, AgentMonthly)
    assert all(s.scalar(select(func.count()).select_from(t)) for t in tables)
    for table in tables:
        s.execute(delete(table))
    assert {table for table, *_ in summary.drift(s)} == {t.__tablename__ for t in tables}
    revision._backfill(s.connection())
    assert summary.drift(s) == []
