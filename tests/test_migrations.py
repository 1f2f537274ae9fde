"""The schema comes only from the migrations, and they match the models."""

import importlib.util
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import delete, inspect, select, update

from gis.spatial import include_object
from portal.extensions import db as _db
from services.requests.models import ServiceRequest
from services.stats import summary
from services.stats.models import DailyStat
from tests.conftest import make_app
from tests.pgcluster import postgis_database
from tests.services.stats.test_figures import history  # noqa: F401 (fixture)

VERSIONS = Path(__file__).resolve().parent.parent / "migrations" / "versions"


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
    spec = importlib.util.spec_from_file_location("revision_0009", VERSIONS / "0009_dashboard_statistics.py")
    revision = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(revision)
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
