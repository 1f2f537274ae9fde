"""The flask commands an administrator runs."""

import pytest
from sqlalchemy import func, select

from gis.districts.models import District
from gis.lighting.models import Cabinet, LightPoint, MeterReading, Street
from gis.sanitation.models import CollectionRoute, CollectionZone, Depot, WasteContainer
from portal.cli import seed_demo
from services.accounts.models import Department, User
from tests.factories import make_container, make_light

# Small map layers: the defaults (5000 lights, 800 containers) take seconds a CLI test need not spend.
SEED_DEMO = ["seed", "demo", "--lights", "300", "--containers", "50", "--history", "0"]
MAP_LAYERS = (Street, Cabinet, MeterReading, LightPoint, WasteContainer, CollectionZone, CollectionRoute, Depot)


def _counts(db, models=(Department, District, User)):
    return tuple(db.session.scalar(select(func.count()).select_from(m)) for m in models)


def _ids(db, model):
    return set(db.session.scalars(select(model.id)))


def test_seed_demo_is_idempotent_and_prints_one_account_per_role(app, db):
    runner = app.test_cli_runner()
    first = runner.invoke(args=SEED_DEMO)
    assert first.exit_code == 0, first.output
    counts = _counts(db)
    assert counts[0] == 8 and counts[1] == 10
    second = runner.invoke(args=SEED_DEMO)
    assert second.exit_code == 0, second.output
    assert _counts(db) == counts
    for role in ("admin", "mayor_office", "supervisor", "agent", "citizen"):
        assert role in second.output
    assert db.session.scalar(select(func.count(District.id)).where(District.is_demo.is_(False))) == 0


def test_seed_demo_files_the_demo_citizens_requests_once(app, db):
    from services.casework.duplicates import candidates
    from services.requests.models import ServiceRequest

    runner = app.test_cli_runner()
    assert "5 new demo requests" in runner.invoke(args=SEED_DEMO).output
    assert "0 new demo requests" in runner.invoke(args=SEED_DEMO).output
    filed = db.session.scalars(select(ServiceRequest).order_by(ServiceRequest.id)).all()
    assert [r.status for r in filed] == ["new"] * 5
    # The neighbour's report of the same street lamp is offered to staff as a duplicate of the first one.
    assert [c.request.id for c in candidates(db.session, filed[3])] == [filed[0].id]


def test_seeded_demo_accounts_can_sign_in_with_the_printed_passwords(app, db, client):
    output = app.test_cli_runner().invoke(args=SEED_DEMO).output
    line = next(line for line in output.splitlines() if line.strip().startswith("mayor_office"))
    _role, email, password = line.split()
    response = client.submit("/login", {"email": email, "password": password})
    assert response.headers["Location"] == "/dashboard/"


def test_demo_districts_tile_the_town_and_are_found_by_point(app, db):
    from gis.districts.queries import district_at, district_summaries

    app.test_cli_runner().invoke(args=SEED_DEMO)
    summaries = [s for s in district_summaries(db.session) if s.district.is_demo]
    assert len(summaries) == 10
    assert 10 < sum(s.area_km2 for s in summaries) < 40  # a town of a few km across
    centre = district_at(db.session, -2.3200, 34.9200)
    assert centre is not None and centre.code == "demo-centre"


def test_seed_demo_lays_the_map_layers_it_is_asked_for_and_says_so(app, db):
    result = app.test_cli_runner().invoke(args=SEED_DEMO)
    assert result.exit_code == 0, result.output
    assert db.session.scalar(select(func.count(LightPoint.id)).where(LightPoint.is_demo.is_(True))) == 300
    assert db.session.scalar(select(func.count(WasteContainer.id)).where(WasteContainer.is_demo.is_(True))) == 50
    assert "Seeding demo map layers" in result.output
    assert "Street lighting (loaded): 300 lights along" in result.output
    assert "Sanitation (loaded): 50 waste containers" in result.output
    for model in MAP_LAYERS:
        assert db.session.scalar(select(func.count()).select_from(model)) > 0, model.__tablename__


def test_seed_demo_twice_leaves_the_map_layers_as_they_were(app, db):
    runner = app.test_cli_runner()
    runner.invoke(args=SEED_DEMO)
    before = [_ids(db, model) for model in MAP_LAYERS]
    again = runner.invoke(args=SEED_DEMO)
    assert again.exit_code == 0, again.output
    assert "Street lighting (unchanged)" in again.output and "Sanitation (unchanged)" in again.output
    assert [_ids(db, model) for model in MAP_LAYERS] == before


def test_seed_demo_with_other_counts_replaces_only_the_demo_map_layers(app, db):
    runner = app.test_cli_runner()
    runner.invoke(args=SEED_DEMO)
    old_lights = _ids(db, LightPoint)
    real_light, real_bin = make_light(db.session, code="EP-0001"), make_container(db.session, code="BAC-0001")
    db.session.commit()
    result = runner.invoke(args=["seed", "demo", "--lights", "120", "--containers", "20", "--history", "0"])
    assert result.exit_code == 0, result.output
    demo_lights = set(db.session.scalars(select(LightPoint.id).where(LightPoint.is_demo.is_(True))))
    assert len(demo_lights) == 120 and not demo_lights & old_lights
    assert db.session.scalar(select(func.count(WasteContainer.id)).where(WasteContainer.is_demo.is_(True))) == 20
    assert db.session.get(LightPoint, real_light.id) is not None
    assert db.session.get(WasteContainer, real_bin.id) is not None


def test_seed_demo_will_not_replace_a_demo_cabinet_that_real_lights_hang_on(app, db):
    runner = app.test_cli_runner()
    runner.invoke(args=SEED_DEMO)
    make_light(db.session, code="EP-0002", cabinet_id=db.session.scalar(select(Cabinet.id).limit(1)))
    db.session.commit()
    result = runner.invoke(args=["seed", "demo", "--lights", "120", "--containers", "50", "--history", "0"])
    assert result.exit_code == 1
    assert "lights that are not demo data (1) stand on demo streets or cabinets" in result.output
    assert db.session.scalar(select(func.count(LightPoint.id)).where(LightPoint.is_demo.is_(True))) == 300


def test_the_demo_report_of_a_dark_street_lamp_is_about_a_demo_light_shown_as_out(app, db):
    from services.requests.models import ServiceRequest

    app.test_cli_runner().invoke(args=SEED_DEMO)
    report = db.session.scalar(
        select(ServiceRequest).where(ServiceRequest.asset_layer == "street_light").order_by(ServiceRequest.id)
    )
    light = db.session.scalar(select(LightPoint).where(LightPoint.code == report.asset_ref))
    assert light.is_demo and light.status == "out"


def test_seed_demo_offers_5000_lights_and_800_containers_by_default():
    defaults = {p.name: p.default for p in seed_demo.params}
    assert defaults == {"lights": 5000, "containers": 800, "history": 1200}


@pytest.mark.parametrize(
    "option", [["--lights", "-1"], ["--lights", "200001"], ["--containers", "200001"], ["--containers", "many"]]
)
def test_seed_demo_refuses_counts_out_of_range(app, db, option):
    result = app.test_cli_runner().invoke(args=["seed", "demo", *option])
    assert result.exit_code == 2
    assert option[0] in result.output
    assert db.session.scalar(select(func.count(District.id))) == 0


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
