"""`flask transport import-gtfs` and `export-gtfs`, as an administrator runs them, in French and in Arabic."""

from sqlalchemy import func, select

from gis.transport.gtfs import read_feed
from gis.transport.models import Stop, TransitFeed, Trip
from tests.conftest import tr
from tests.gis.transport.feeds import SAMPLE, replace_line

SEED_DEMO = ["seed", "demo", "--lights", "300", "--containers", "50", "--history", "0"]


def transport(app, *args, env=None):
    return app.test_cli_runner().invoke(args=["transport", *map(str, args)], env=env)


def trips(db) -> int:
    return db.session.scalar(select(func.count()).select_from(Trip))


def test_import_gtfs_replaces_the_network_and_says_what_it_holds_in_french(app, db):
    result = transport(app, "import-gtfs", SAMPLE, "--language", "fr")

    assert result.exit_code == 0, result.output
    assert tr("fr", "Imported %(name)s.") % {"name": "sample_gtfs.zip"} in result.output
    counts = {"stops": 9, "routes": 5, "trips": 11, "stop_times": 28}
    assert tr("fr", "Stops: %(stops)s, routes: %(routes)s, trips: %(trips)s, stop times: %(stop_times)s.") % counts in (
        result.output
    )
    assert trips(db) == 11
    assert db.session.scalar(select(TransitFeed.source_name)) == "sample_gtfs.zip"


def test_a_broken_feed_is_refused_in_arabic_with_its_file_and_row_and_the_network_stays(app, db, tmp_path):
    assert transport(app, "import-gtfs", SAMPLE).exit_code == 0
    broken = tmp_path / "broken.zip"
    line = "AB1,8:10:00,8:15:00,BULLFROG,2,,,,"
    broken.write_bytes(replace_line(SAMPLE, "stop_times.txt", line, "AB1,25:61:00,8:15:00,NOWHERE,2,,,,"))

    result = transport(app, "import-gtfs", broken, "--language", "ar")

    assert result.exit_code == 1
    where = tr("ar", "%(file)s, row %(row)s, %(field)s: %(problem)s")
    time = tr("ar", "“%(value)s” is not a time HH:MM:SS (hours may pass 24)") % {"value": "25:61:00"}
    stop = tr("ar", "no row of %(target)s has the id “%(value)s”") % {"target": "stops.txt", "value": "NOWHERE"}
    lines = result.stderr.splitlines()
    assert where % {"file": "stop_times.txt", "row": 14, "field": "arrival_time", "problem": time} in lines
    assert where % {"file": "stop_times.txt", "row": 14, "field": "stop_id", "problem": stop} in lines
    assert tr("ar", "Problems found: %(count)s. Nothing was imported.") % {"count": 2} in lines
    db.session.expire_all()
    assert trips(db) == 11 and db.session.scalar(select(Stop.id).where(Stop.stop_id == "BULLFROG")) is not None


def test_a_dry_run_checks_the_feed_and_writes_nothing(app, db):
    result = transport(app, "import-gtfs", SAMPLE, "--dry-run", "--language", "fr")

    assert result.exit_code == 0, result.output
    assert tr("fr", "The feed has no problem. Dry run: nothing was written.") in result.output
    assert (
        tr("fr", "Read %(name)s (files: %(files)s, rows: %(rows)s).")
        % {
            "name": "sample_gtfs.zip",
            "files": 10,
            "rows": 68,
        }
        in result.output
    )
    assert trips(db) == 0


def test_a_file_that_is_no_zip_is_refused_in_the_terminals_language(app, db, tmp_path):
    text = tmp_path / "stops.txt"
    text.write_text("stop_id,stop_name\n1,Centre\n")

    result = transport(app, "import-gtfs", text, env={"LC_ALL": "", "LC_MESSAGES": "", "LANG": "fr_MA.UTF-8"})

    assert result.exit_code == 1
    assert tr("fr", "This file cannot be read as a GTFS feed: it is not a zip archive.") in result.stderr


def test_export_gtfs_writes_a_feed_that_imports_back(app, db, tmp_path):
    empty = transport(app, "export-gtfs", tmp_path / "none.zip", "--language", "ar")
    assert empty.exit_code == 1
    assert tr("ar", "There is no bus network to export yet: import a GTFS feed first.") in empty.stderr
    transport(app, "import-gtfs", SAMPLE)
    target = tmp_path / "berkane.zip"

    result = transport(app, "export-gtfs", target, "--language", "fr")

    assert result.exit_code == 0, result.output
    assert tr("fr", "Exported the network to %(path)s.") % {"path": target} in result.output
    feed = read_feed(target)
    assert feed.problems == [] and feed.counts["trips.txt"] == 11 and feed.counts["frequencies.txt"] == 11
    assert transport(app, "import-gtfs", target).exit_code == 0


def test_seed_demo_lays_the_demo_bus_network_once(app, db):
    runner = app.test_cli_runner()

    first = runner.invoke(args=SEED_DEMO)
    again = runner.invoke(args=SEED_DEMO)

    assert first.exit_code == 0, first.output
    assert "Urban transport (loaded): 5 bus lines" in first.output
    assert "Urban transport (unchanged): 5 bus lines" in again.output
    assert db.session.scalar(select(TransitFeed.is_demo)) is True
