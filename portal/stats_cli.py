"""`flask stats check|rebuild`: prove the dashboard's summary matches the requests, or recompute it."""

import click
from flask.cli import AppGroup

from portal.extensions import db
from services.stats import summary

stats_cli = AppGroup("stats", help="Check or rebuild the daily summary the dashboard counts from.")


@stats_cli.command("check")
def check():
    """Recompute the summary from the requests and list every row that differs; exit 1 if any does."""
    differences = summary.drift(db.session)
    db.session.rollback()
    for (day, department_id, service_id, district_key), stored, expected in differences[:50]:
        changed = {k: (stored[k], expected[k]) for k in stored if stored[k] != expected[k]}
        click.echo(f"{day} department {department_id} service {service_id} district {district_key}: {changed}")
    if differences:
        raise click.ClickException(
            f"{len(differences)} summary rows differ from the requests; run `flask stats rebuild`."
        )
    click.echo("The summary matches the requests.")


@stats_cli.command("rebuild")
def rebuild():
    """Replace the summary by a recomputation from the requests (after a bulk load or a repair)."""
    with click.progressbar(length=0, label="Requests read", show_pos=True) as bar:
        rows = summary.rebuild(db.session, progress=lambda n: bar.update(n - bar.pos))
    db.session.commit()
    click.echo(f"{rows} summary rows written.")
