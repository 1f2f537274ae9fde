"""The flask commands an administrator runs."""

from sqlalchemy import func, select

from gis.districts.models import District
from services.accounts.models import Department, User


def _counts(db):
    return tuple(db.session.scalar(select(func.count()).select_from(m)) for m in (Department, District, User))


def test_seed_demo_is_idempotent_and_prints_one_account_per_role(app, db):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["seed", "demo"])
    assert first.exit_code == 0, first.output
    counts = _counts(db)
    assert counts[0] == 8 and counts[1] == 10
    second = runner.invoke(args=["seed", "demo"])
    assert second.exit_code == 0, second.output
    assert _counts(db) == counts
    for role in ("admin", "mayor_office", "supervisor", "agent", "citizen"):
        assert role in second.output
    assert db.session.scalar(select(func.count(District.id)).where(District.is_demo.is_(False))) == 0


def test_seed_demo_files_the_demo_citizens_requests_once(app, db):
    from services.casework.duplicates import candidates
    from services.requests.models import ServiceRequest

    runner = app.test_cli_runner()
    assert "5 new demo requests" in runner.invoke(args=["seed", "demo"]).output
    assert "0 new demo requests" in runner.invoke(args=["seed", "demo"]).output
    filed = db.session.scalars(select(ServiceRequest).order_by(ServiceRequest.id)).all()
    assert [r.status for r in filed] == ["new"] * 5
    # The neighbour's report of the same street lamp is offered to staff as a duplicate of the first one.
    assert [c.request.id for c in candidates(db.session, filed[3])] == [filed[0].id]


def test_seeded_demo_accounts_can_sign_in_with_the_printed_passwords(app, db, client):
    output = app.test_cli_runner().invoke(args=["seed", "demo"]).output
    line = next(line for line in output.splitlines() if line.strip().startswith("mayor_office"))
    _role, email, password = line.split()
    response = client.submit("/login", {"email": email, "password": password})
    assert response.headers["Location"] == "/dashboard/"


def test_demo_districts_tile_the_town_and_are_found_by_point(app, db):
    from gis.districts.queries import district_at, district_summaries

    app.test_cli_runner().invoke(args=["seed", "demo"])
    summaries = [s for s in district_summaries(db.session) if s.district.is_demo]
    assert len(summaries) == 10
    assert 10 < sum(s.area_km2 for s in summaries) < 40  # a town of a few km across
    centre = district_at(db.session, -2.3200, 34.9200)
    assert centre is not None and centre.code == "demo-centre"


def test_create_admin_makes_an_administrator(app, db):
    result = app.test_cli_runner().invoke(
        args=[
            "users",
            "create-admin",
            "--email",
            "Boss@Example.org",
            "--name",
            "Boss Person",
            "--password",
            "a strong passphrase",
        ]
    )
    assert result.exit_code == 0, result.output
    user = db.session.scalar(select(User).where(User.email == "boss@example.org"))
    assert user.role == "admin" and user.department_id is None


def test_create_admin_refuses_a_weak_password(app, db):
    result = app.test_cli_runner().invoke(
        args=["users", "create-admin", "--email", "b@example.org", "--name", "B P", "--password", "short"]
    )
    assert result.exit_code != 0
    assert "password_too_short" in result.output
    assert db.session.scalar(select(User).where(User.email == "b@example.org")) is None


def test_seed_demo_is_refused_in_production(app):
    app.config["SEED_DEMO_ALLOWED"] = False
    try:
        result = app.test_cli_runner().invoke(args=["seed", "demo"])
    finally:
        app.config["SEED_DEMO_ALLOWED"] = True
    assert result.exit_code != 0 and "refused in production" in result.output
