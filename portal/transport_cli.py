"""`flask transport import-gtfs|export-gtfs`: replace the bus network with a GTFS feed, and write it back out.

Messages are in Arabic or French: --language, else the terminal's LANG when it is one of them, else Arabic.
"""

import os
from contextlib import contextmanager
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import func, select

from gis.transport.gtfs import Problem, export_feed, import_feed, read_feed
from gis.transport.models import Route, Stop, StopTime, Trip
from portal.extensions import db
from portal.i18n import FORMAT_LOCALES, error_message, gtfs_problem
from services.errors import Invalid

transport_cli = AppGroup("transport", help="Import and export the urban transport network (GTFS).")
SHOWN_MAX = 50  # problems printed; a broken feed often repeats one mistake on thousands of rows


def _language(chosen: str | None) -> str:
    if chosen:
        return chosen
    for variable in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(variable, "")[:2].lower()
        if value in current_app.config["LANGUAGES"]:
            return value
    return current_app.config["BABEL_DEFAULT_LOCALE"]


@contextmanager
def _speaking(language: str | None):
    with force_locale(FORMAT_LOCALES[_language(language)]):
        yield


def _fail(message: str) -> click.exceptions.Exit:
    """Say what went wrong on stderr, in the chosen language, and end with status 1 (nothing was saved)."""
    db.session.rollback()
    click.echo(message, err=True)
    return click.exceptions.Exit(1)


def describe(problem: Problem) -> str:
    """One line per problem: where (file, row, column), then what."""
    what = gtfs_problem(problem.code, **problem.params)
    where = {"file": problem.file or "", "row": problem.row, "field": problem.field, "problem": what}
    if problem.row is not None and problem.field:
        return _("%(file)s, row %(row)s, %(field)s: %(problem)s", **where)
    if problem.row is not None:
        return _("%(file)s, row %(row)s: %(problem)s", **where)
    if problem.field:
        return _("%(file)s, %(field)s: %(problem)s", **where)
    return _("%(file)s: %(problem)s", **where)


def _counts() -> str:
    found = {
        name: db.session.scalar(select(func.count()).select_from(model))
        for name, model in (("stops", Stop), ("routes", Route), ("trips", Trip), ("stop_times", StopTime))
    }
    return _("Stops: %(stops)s, routes: %(routes)s, trips: %(trips)s, stop times: %(stop_times)s.", **found)


_language_option = click.option(
    "--language", type=click.Choice(["ar", "fr"]), help="Language of the messages [default: LANG, else Arabic]."
)


@transport_cli.command("import-gtfs")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Check the feed and report its problems; write nothing.")
@_language_option
def import_gtfs(file: Path, dry_run: bool, language: str | None):
    """Replace the whole bus network with the GTFS feed FILE (a zip), or change nothing if it has a problem."""
    with _speaking(language):
        try:
            feed = read_feed(file)
        except Invalid as exc:
            raise _fail(error_message(exc.code, **exc.params)) from None
        summary = {"name": file.name, "files": len(feed.counts), "rows": feed.row_count}
        click.echo(_("Read %(name)s (files: %(files)s, rows: %(rows)s).", **summary))
        if feed.problems:
            for problem in feed.problems[:SHOWN_MAX]:
                click.echo(describe(problem), err=True)
            if len(feed.problems) > SHOWN_MAX:
                click.echo(_("Problems not shown: %(count)s.", count=len(feed.problems) - SHOWN_MAX), err=True)
            raise _fail(_("Problems found: %(count)s. Nothing was imported.", count=len(feed.problems)))
        if dry_run:
            db.session.rollback()
            click.echo(_("The feed has no problem. Dry run: nothing was written."))
            return
        try:
            with click.progressbar(length=feed.row_count, label=_("Importing")) as bar:
                import_feed(db.session, feed, source_name=file.name, progress=bar.update)
            db.session.commit()
        except Exception:
            db.session.rollback()
            click.echo(_("The import failed: nothing was written."), err=True)
            raise
        click.echo(_("Imported %(name)s.", name=file.name) + " " + _counts())


@transport_cli.command("export-gtfs")
@click.argument("file", type=click.Path(dir_okay=False, writable=True, path_type=Path))
@_language_option
def export_gtfs(file: Path, language: str | None):
    """Write the bus network to FILE as a GTFS zip (with translations.txt for the Arabic and French names)."""
    with _speaking(language):
        try:
            data = export_feed(db.session)
        except Invalid as exc:
            raise _fail(error_message(exc.code, **exc.params)) from None
        file.write_bytes(data)
        click.echo(_("Exported the network to %(path)s.", path=str(file)) + " " + _counts())
