"""`flask` commands an administrator runs: seed, users, translate, notifications, requests, certificates."""

import getpass
import time
from collections import Counter
from pathlib import Path

import click
from babel.messages.frontend import CommandLineInterface
from flask import Flask, current_app
from flask.cli import AppGroup
from sqlalchemy import select

from gis.demo_city import DemoLayerInUse
from gis.transport import demo as transport_demo
from portal.extensions import db
from portal.gis_cli import gis_cli
from portal.stats_cli import stats_cli
from portal.transport_cli import transport_cli
from services import demo
from services.accounts import service as accounts
from services.accounts.models import Role
from services.db import utcnow
from services.errors import ServiceError
from services.notifications import outbox
from services.requests import demo as demo_requests
from services.requests import history_demo
from services.requests.uploads import FileStore

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "translations"
POT = TRANSLATIONS / "messages.pot"

seed_cli = AppGroup("seed", help="Load data.")
users_cli = AppGroup("users", help="Manage accounts.")
translate_cli = AppGroup("translate", help="Extract, update and compile the Arabic and French catalogs.")
notifications_cli = AppGroup("notifications", help="Send the emails waiting in the outbox.")


@seed_cli.command("demo")
@click.option(
    "--lights",
    default=demo.DEFAULT_LIGHTS,
    show_default=True,
    type=click.IntRange(0, demo.MAX_LIGHTS),
    help="Street lights on the demo map (other counts replace the demo map layers).",
)
@click.option(
    "--containers",
    default=demo.DEFAULT_CONTAINERS,
    show_default=True,
    type=click.IntRange(0, demo.MAX_CONTAINERS),
    help="Waste containers on the demo map.",
)
@click.option(
    "--history",
    default=history_demo.DEFAULT_COUNT,
    show_default=True,
    type=click.IntRange(0, history_demo.MAX_COUNT),
    help="Requests of the last 12 months, filed and moved along the workflow once, for the dashboard (0: none).",
)
def seed_demo(lights: int, containers: int, history: int):
    """Load the idempotent demo dataset (synthetic Berkane, its map layers and bus network, one account per role)."""
    if not current_app.config["SEED_DEMO_ALLOWED"]:
        raise click.ClickException("Demo data is refused in production (set ALLOW_DEMO_SEED=1 to force).")
    with click.progressbar(length=5, label="Seeding demo data") as bar:
        department_ids = demo.seed_departments(db.session)
        bar.update(1)
        count = demo.seed_districts(db.session)
        bar.update(1)
        services = demo.seed_services(db.session, department_ids)
        bar.update(1)
        templates = demo.seed_templates(db.session, department_ids)
        bar.update(1)
        accounts_ = demo.seed_accounts(db.session, department_ids)
        bar.update(1)
    # Before the requests, so that the demo report of a dark street lamp is about a light of the map.
    with click.progressbar(length=max(1, lights + containers), label="Seeding demo map layers") as bar:
        try:
            city = demo.seed_city(db.session, lights=lights, containers=containers, progress=bar.update)
        except DemoLayerInUse as exc:
            db.session.rollback()
            raise click.ClickException(f"Demo map layers not replaced: {exc}. Detach them first.") from exc
    network = transport_demo.seed_transport(db.session)
    store = FileStore(current_app.config["UPLOAD_DIR"])
    # Before the demo citizens' requests of today, so that tracking numbers follow the order of filing.
    with click.progressbar(length=max(1, history), label="Seeding a year of requests") as bar:
        history_filed = history_demo.seed_history(db.session, store, count=history, progress=bar.update)
    citizen, neighbour = (a for a in accounts_ if a.role.value == "citizen")
    requests_filed = demo_requests.seed_requests(db.session, citizen.email, store)
    requests_filed += demo_requests.seed_requests(db.session, neighbour.email, store, demo_requests.NEIGHBOUR_REQUESTS)
    db.session.commit()
    click.echo(
        f"{len(department_ids)} departments, {services} e-services, {count} demo districts of a synthetic Berkane, "
        f"{templates} new response templates, {requests_filed} new demo requests."
    )
    click.echo(f"Requests of the last 12 months: {history_filed} filed and moved along the workflow now.")
    click.echo(
        f"Street lighting ({'loaded' if city.lighting_written else 'unchanged'}): {city.lights} lights along "
        f"{city.streets} streets, {city.cabinets} switching cabinets, {city.readings} meter readings."
    )
    click.echo(
        f"Sanitation ({'loaded' if city.sanitation_written else 'unchanged'}): {city.containers} waste containers "
        f"({city.sensors} with a fill sensor), {city.zones} collection zones, {city.routes} routes, "
        f"{city.depots} depot{'s' if city.depots != 1 else ''}."
    )
    state = "imported network kept" if network.kept_imported else "loaded" if network.written else "unchanged"
    click.echo(
        f"Urban transport ({state}): {network.routes} bus lines, {network.stops} stops, {network.trips} trips, "
        f"{network.stop_times} stop times."
    )
    click.echo("Demo accounts (demo data only — never use these in production):")
    for account in accounts_:
        click.echo(f"  {account.role.value:<13} {account.email:<36} {account.password}")


@users_cli.command("create-admin")
@click.option("--email", prompt=True)
@click.option("--name", "full_name", prompt="Full name")
@click.option("--password", default=None, help="Read from a prompt when not given.")
def create_admin(email: str, full_name: str, password: str | None):
    """Create an administrator account."""
    if password is None:
        password = getpass.getpass("Password: ")
        if getpass.getpass("Repeat password: ") != password:
            raise click.ClickException("The passwords do not match.")
    try:
        user = accounts.create_user(
            db.session, full_name=full_name, email=email, role=Role.ADMIN.value, password=password
        )
    except ServiceError as exc:
        db.session.rollback()
        raise click.ClickException(f"Not created: {exc.code}") from exc
    db.session.commit()
    click.echo(f"Administrator {user.email} created (id {user.id}).")


def _pybabel(*args: str) -> None:
    CommandLineInterface().run(["pybabel", *args])


@translate_cli.command("extract")
def extract():
    """Extract every message into translations/messages.pot."""
    _pybabel(
        "-q",
        "extract",
        "-F",
        str(ROOT / "babel.cfg"),
        "-k",
        "_l",
        "-k",
        "lazy_gettext",
        "--no-location",
        "--sort-output",
        "-o",
        str(POT),
        str(ROOT),
    )


@translate_cli.command("update")
def update():
    """Extract, then merge new messages into the ar and fr catalogs."""
    extract.callback()
    _pybabel("-q", "update", "-i", str(POT), "-d", str(TRANSLATIONS), "--no-fuzzy-matching", "--ignore-obsolete")


@translate_cli.command("compile")
def compile_():
    """Compile the catalogs into .mo files (built, not committed)."""
    _pybabel("-q", "compile", "-d", str(TRANSLATIONS), "--statistics")


def send_due(transport, *, limit: int) -> Counter:
    """Deliver up to `limit` messages that are due now; commit after each one."""
    from portal.notifications import render

    started = utcnow()
    outcomes = Counter()
    for _ in range(limit):
        # One message per transaction: its row lock (on a server database) is held only while
        # it is being sent, and its "sent" is committed before the next one is tried.
        due = outbox.due_messages(db.session, started, 1)
        if not due:
            break
        outcomes[outbox.deliver(db.session, due[0], render, transport, utcnow())] += 1
        db.session.commit()
    db.session.commit()  # ends the last read, so a --loop never keeps a transaction open while it sleeps
    return outcomes


def _report(outcomes: Counter) -> str:
    return (
        f"{outcomes[outbox.Outcome.SENT]} sent, {outcomes[outbox.Outcome.RETRY_LATER]} to retry later, "
        f"{outcomes[outbox.Outcome.FAILED]} failed."
    )


@notifications_cli.command("send")
@click.option("--loop", is_flag=True, help="Keep sending until interrupted, instead of once (for cron).")
@click.option(
    "--interval", default=30.0, show_default=True, type=click.FloatRange(min=0.1), help="Seconds between runs."
)
@click.option("--limit", default=100, show_default=True, type=click.IntRange(min=1), help="Messages per run at most.")
def send(loop: bool, interval: float, limit: int):
    """Send the emails that are due, retrying failed ones later with growing delays."""
    from portal.notifications import transport_from_config

    try:
        transport = transport_from_config(current_app.config)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from exc
    if not loop:
        click.echo(_report(send_due(transport, limit=limit)))
        return
    click.echo(f"Sending every {interval:g} s; stop with Ctrl+C.")
    try:
        while True:
            outcomes = send_due(transport, limit=limit)
            if outcomes:
                click.echo(f"{utcnow():%Y-%m-%d %H:%M:%S} UTC: {_report(outcomes)}")
            if outcomes.total() < limit:  # a full run suggests more are waiting: go on at once
                time.sleep(interval)
    except KeyboardInterrupt:
        db.session.rollback()
        click.echo("Stopped.")


@notifications_cli.command("status")
def status():
    """How many emails are waiting, sent and failed."""
    counts = outbox.summary(db.session)
    for name, count in counts.items():
        click.echo(f"{name:<8} {count}")


requests_cli = AppGroup("requests", help="Reminders about citizens' requests.")


@requests_cli.command("overdue")
@click.option("--dry-run", is_flag=True, help="Print who would be emailed and about how many requests; queue nothing.")
def requests_overdue(dry_run: bool):
    """Email each head of department the open requests past or near their legal deadline (run once a day)."""
    from services.casework import overdue

    now = utcnow()
    late = overdue.digests(db.session, now=now)
    sent = overdue.send_digests(db.session, now=now)
    lines = [
        f"{'Would queue' if dry_run else 'Queued'} a reminder to {supervisor.email} ({digest.department.code}): "
        f"{len(digest.overdue)} overdue, {len(digest.due_soon)} due within 48 hours."
        for supervisor, digest in sent
    ]
    reached = {digest.department.id for _supervisor, digest in sent}
    unread = [d.department.code for d in late if d.department.id not in reached]
    if dry_run:
        # The same code path as a real run, so the preview cannot drift from it; nothing is kept.
        db.session.rollback()
    else:
        db.session.commit()
    for line in lines:
        click.echo(line)
    for code in unread:
        click.echo(f"No active head of department to email in {code}: its late requests wait in its queue.", err=True)
    if not sent and not unread:
        click.echo("Nothing is overdue or due within 48 hours.")


certificates_cli = AppGroup("certificates", help="The signing key and the signed certificates.")


@certificates_cli.command("keygen")
@click.option("--force", is_flag=True, help="Replace an existing key: documents signed with it will no longer verify.")
def certificates_keygen(force: bool):
    """Create the Ed25519 key that signs certificates (SIGNING_KEY_FILE, readable by its owner only)."""
    from services.certificates import signing

    path = Path(current_app.config["SIGNING_KEY_FILE"])
    key = signing.generate_key()
    try:
        signing.save_private_key(key, path, overwrite=force)
    except FileExistsError:
        raise click.ClickException(f"{path} exists; keep it, or replace it with --force.") from None
    click.echo(f"Signing key written to {path} (key id {signing.key_id(key.public_key())}).")


@certificates_cli.command("revoke")
@click.argument("code")
@click.option("--reason", required=True, help="Why the certificate is withdrawn (shown on the verification page).")
@click.option("--by", "email", required=True, help="Email of the administrator or supervisor who revokes it.")
def certificates_revoke(code: str, reason: str, email: str):
    """Revoke a certificate by its verification code."""
    from services.accounts.models import User
    from services.certificates import service as certificates

    user = db.session.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None:
        raise click.ClickException(f"No account with the email {email}.")
    try:
        certificate = certificates.revoke(db.session, code, user=user, reason=reason)
    except ServiceError as exc:
        db.session.rollback()
        raise click.ClickException(f"Not revoked: {exc.code}") from exc
    db.session.commit()
    click.echo(f"Certificate {certificate.code} revoked.")


@certificates_cli.command("verify")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def certificates_verify(file: Path):
    """Check a certificate PDF against the configured key and the register of issued certificates."""
    from portal.certificates.issue import public_key
    from services.certificates import service as certificates
    from services.certificates.verify import REASONS

    result = certificates.verify_document(db.session, file.read_bytes(), public_key())
    if result.ok:
        c = result.certificate
        click.echo(f"VALID: certificate {c.code} issued on {c.issued_at:%Y-%m-%d} to {c.holder_name}.")
        return
    reason = REASONS.get(result.failure) or {
        "unknown_code": "no certificate with this code was issued here",
        "revoked": "the certificate was revoked",
    }.get(result.failure, result.failure)
    click.echo(f"INVALID: {reason}")
    raise SystemExit(1)


def register_commands(app: Flask) -> None:
    app.cli.add_command(seed_cli)
    app.cli.add_command(users_cli)
    app.cli.add_command(translate_cli)
    app.cli.add_command(notifications_cli)
    app.cli.add_command(requests_cli)
    app.cli.add_command(certificates_cli)
    app.cli.add_command(gis_cli)
    app.cli.add_command(transport_cli)
    app.cli.add_command(stats_cli)
