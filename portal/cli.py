"""`flask` commands an administrator runs: seed, users, translate."""

import getpass
from pathlib import Path

import click
from babel.messages.frontend import CommandLineInterface
from flask import Flask, current_app
from flask.cli import AppGroup

from portal.extensions import db
from services import demo
from services.accounts import service as accounts
from services.accounts.models import Role
from services.errors import ServiceError

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "translations"
POT = TRANSLATIONS / "messages.pot"

seed_cli = AppGroup("seed", help="Load data.")
users_cli = AppGroup("users", help="Manage accounts.")
translate_cli = AppGroup("translate", help="Extract, update and compile the Arabic and French catalogs.")


@seed_cli.command("demo")
def seed_demo():
    """Load the idempotent demo dataset (synthetic Berkane, one account per role)."""
    if not current_app.config["SEED_DEMO_ALLOWED"]:
        raise click.ClickException("Demo data is refused in production (set ALLOW_DEMO_SEED=1 to force).")
    with click.progressbar(length=4, label="Seeding demo data") as bar:
        department_ids = demo.seed_departments(db.session)
        bar.update(1)
        count = demo.seed_districts(db.session)
        bar.update(1)
        services = demo.seed_services(db.session, department_ids)
        bar.update(1)
        accounts_ = demo.seed_accounts(db.session, department_ids)
        bar.update(1)
    db.session.commit()
    click.echo(
        f"{len(department_ids)} departments, {services} e-services, {count} demo districts of a synthetic Berkane."
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


def register_commands(app: Flask) -> None:
    app.cli.add_command(seed_cli)
    app.cli.add_command(users_cli)
    app.cli.add_command(translate_cli)
