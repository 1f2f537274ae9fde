"""`flask stats check|rebuild`: prove the dashboard's summaries match the requests, or recompute them."""

import click
from flask.cli import AppGroup

from portal.extensions import db
from services.stats import summary

stats_cli = AppGroup("stats", help="Check or rebuild the summaries the dashboard counts from.")


@stats_cli.command("check")
def check():
    """Recompute the summaries from the requests and list every row that differs; exit 1 if any does."""
    differences = summary.drift(db.session)
    db.session.rollback()
    for table, key, stored, expected in differences[:50]:
        changed = {k: (stored[k], expected[k]) for k in stored if stored[k] != expected[k]}
        click.echo(f"{table} {' '.join(map(str, key))}: {changed}")
    if differences:
        raise click.ClickException(
            f"{len(differences)} summary rows differ from the requests; run `flask stats rebuild`."
        )
    click.echo("The summaries match the requests.")


@stats_cli.command("rebuild")
def rebuild():
    """Replace the summaries by a recomputation from the requests (after a bulk load or a repair)."""
    with click.progressbar(length=0, label="Requests read", show_pos=True) as bar:
        written = summary.rebuild(db.session, progress=lambda n: bar.update(n - bar.pos))
    db.session.commit()
    for table, rows in written.items():
        click.echo(f"{table}: {rows} rows written.")
