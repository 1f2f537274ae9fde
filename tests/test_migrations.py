"""The schema comes only from the migrations, and they match the models."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect

from gis.spatial import include_object
from portal.extensions import db as _db
from tests.conftest import make_app
from tests.pgcluster import postgis_database


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
