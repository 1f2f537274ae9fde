"""The dashboard's lighting, sanitation and transport sections: every figure against a count made here from the
known town the tests build, for the whole commune, for one district and for a head of department."""

import math
from datetime import UTC, date, datetime, timedelta

import pytest
from babel.support import Translations

from gis.lighting import energy, upkeep
from gis.transport.models import Frequency
from services.accounts.models import Role
from services.clock import LOCAL_TZ, local
from services.db import utcnow
from services.workflow.transitions import Actor, apply
from tests.conftest import TRANSLATIONS, page_text, tr
from tests.factories import (
    make_calendar,
    make_container,
    make_department,
    make_district,
    make_light,
    make_request,
    make_route,
    make_service,
    make_stop,
    make_trip,
    make_user,
)
from tests.portal.test_filing import FIELDS

START, END = date(2026, 3, 1), date(2026, 4, 30)
PERIOD = {"period": "custom", "start": START.isoformat(), "end": END.isoformat()}
WEST = (-2.34, 34.91, -2.32, 34.93)
EAST = (-2.32, 34.91, -2.30, 34.93)
LAST_WEDNESDAY = date(2026, 4, 29)  # the period ends on a Thursday


def at(day: str, clock: str = "10:00") -> datetime:
    """A moment given in Berkane's local time, in UTC as it is stored."""
    return datetime.fromisoformat(f"{day}T{clock}").replace(tzinfo=LOCAL_TZ).astimezone(UTC)


def in_period(moment: datetime | None) -> bool:
    return moment is not None and START <= local(moment).date() <= END


def table(client, slug: str, name: str, **query) -> dict:
    """The table as its JSON download gives it (an empty cell, written "", read back as None)."""
    response = client.get(f"/dashboard/{slug}/{name}.json", query_string={**PERIOD, **query})
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    found = response.get_json()
    found["rows"] = [{k: None if v == "" else v for k, v in row.items()} for row in found["rows"]]
    return found


@pytest.fixture(autouse=True)
def _french(client):
    """District and state names are read in French unless a test asks for Arabic."""
    client.set_cookie("brk_lang", "fr")


def by(rows: list[dict], key: str) -> dict:
    return {row[key]: row for row in rows}


# --------------------------------------------------------------------------- the town


class Town:
    """What the fixture built, kept as plain facts so the tests count from them, not from the portal."""

    def __init__(self):
        self.lights = []  # (district name or None, technology, watts, status, since)
        self.repairs = []  # (district name, hours, repaired at)
        self.requests = []  # (service code, district name, stop code or None, filed at, handled at, pending)
        self.containers = []  # (district name, fill level, read at)


def handle(db, request, when: datetime, how: str = "resolve") -> None:
    """Decide a request at `when`, the way staff would."""
    steps = {
        "resolve": ["acknowledge", "start", "resolve"],
        "reject": ["reject"],
        "reject_and_close": ["reject", "close"],
    }.get(how, [how])
    for action in steps:
        note = "Motif communiqué au citoyen" if action in ("reject", "close_without_action") else None
        apply(db.session, request, action, actor=Actor.AGENT, note=note, now=when)
    db.session.flush()


@pytest.fixture
def town(db, store):
    t = Town()
    west = make_district(db.session, bounds=WEST, name_fr="Al Qods", name_ar="حي القدس", population=20_000)
    east = make_district(db.session, bounds=EAST, name_fr="Hay Salam", name_ar="حي السلام", population=8_000)
    t.west, t.east = west, east
    names = {west.id: "Al Qods", east.id: "Hay Salam", None: None}

    lighting = make_department(db.session, code="lighting", name_fr="Éclairage public")
    cleanliness = make_department(db.session, code="cleanliness", name_fr="Propreté")
    buses = make_department(db.session, code="urban-transport", name_fr="Transport urbain")
    roads = make_department(db.session, code="roads", name_fr="Voirie")
    t.lighting, t.cleanliness, t.buses, t.roads = lighting, cleanliness, buses, roads
    make_service(db.session, department=lighting, code="light-out", fields=FIELDS, asset_layer="street_light")
    container = make_service(
        db.session, department=cleanliness, code="bin", fields=FIELDS, asset_layer="waste_container"
    )
    dumping = make_service(db.session, department=cleanliness, code="illegal-dumping", fields=FIELDS)
    bulky = make_service(db.session, department=cleanliness, code="bulky", kind="request")
    shelter = make_service(db.session, department=buses, code="shelter", fields=FIELDS, asset_layer="bus_stop")
    pothole = make_service(db.session, department=roads, code="pothole")
    t.services = {"bin": container, "illegal-dumping": dumping, "bulky": bulky}

    # Street lights: repairs first (they leave their lights working), then the faults standing now.
    def light(district, technology, watts, status="working", since=None, **overrides):
        item = make_light(
            db.session,
            district_id=district.id if district else None,
            technology=technology,
            power_w=watts,
            status=status,
            status_changed_at=since,
            **overrides,
        )
        t.lights.append((names[district.id if district else None], technology, watts, status, since))
        return item

    west_lamps = [light(west, "hps", 150) for _ in range(3)]
    east_lamp = light(east, "led", 60)
    light(east, "led", 60)
    for lamp, district, reported, repaired in [
        (west_lamps[0], west, at("2026-03-02", "08:00"), at("2026-03-03", "20:00")),
        (west_lamps[1], west, at("2026-03-10", "00:00"), at("2026-03-10", "12:00")),
        (east_lamp, east, at("2026-04-10", "00:00"), at("2026-04-12", "00:00")),
        # Repaired half an hour into 1 May, local time: after the period, though still 30 April in UTC.
        (west_lamps[2], west, at("2026-04-29", "00:00"), at("2026-05-01", "00:30")),
    ]:
        upkeep.fault_reported(db.session, lamp.code, request_id=0, at=reported)
        upkeep.reports_ended(db.session, lamp.code, request_id=0, repaired=True, at=repaired)
        t.repairs.append((names[district.id], (repaired - reported).total_seconds() / 3600, repaired))
    light(west, "hps", 150, "out", at("2026-04-01"))
    light(west, "led", 60, "flickering", at("2026-04-20"))
    light(east, "metal_halide", 250, "damaged", at("2026-02-01"))
    light(None, "hps", 100, "out", at("2026-03-15"))

    # Citizens' requests: (service, values, filed at, how and when handled, without an account?).
    west_spot, east_spot = (-2.3350, 34.9200), (-2.3050, 34.9150)

    def near(spot, step):
        return {"location__lon": f"{spot[0] + step * 0.0002:.6f}", "location__lat": f"{spot[1]:.6f}"}

    stops = {
        "1042": make_stop(db.session, lon=-2.3350, lat=34.9250, code="1042", stop_id="GARE", name="Gare"),
        "2001": make_stop(db.session, lon=-2.3050, lat=34.9250, code="2001", stop_id="SOUK", name="Souk"),
    }
    quiet = make_stop(db.session, lon=-2.3100, lat=34.9120, code="3003", stop_id="FERME", name="Ferme")
    t.stops = stops
    located = {"location__address": "Rue de la gare", "description": "Signalé"}
    filings = [
        ("illegal-dumping", near(west_spot, 0), at("2026-03-05"), ("resolve", at("2026-04-02")), False),
        ("illegal-dumping", near(west_spot, 1), at("2026-03-06"), None, False),
        ("illegal-dumping", near(west_spot, 2), at("2026-03-20"), None, False),
        ("illegal-dumping", near(west_spot, 3), at("2026-04-30", "23:30"), None, False),  # the last half hour
        ("illegal-dumping", near(west_spot, 4), at("2026-05-01", "00:30"), None, False),  # after the period
        ("illegal-dumping", near(east_spot, 0), at("2026-04-03"), None, False),
        ("illegal-dumping", near(east_spot, 1), at("2026-04-04"), None, False),
        ("illegal-dumping", near(east_spot, 2), at("2026-04-05"), None, False),
        ("illegal-dumping", near(east_spot, 3), at("2026-04-06"), None, True),  # email never confirmed
        # Refused, then closed: received and handled, but no sign of dumping there.
        ("illegal-dumping", near(east_spot, -1), at("2026-04-07"), ("reject_and_close", at("2026-04-08")), False),
        ("bin", near(west_spot, 10), at("2026-03-08"), ("reject", at("2026-03-09")), False),
        ("bin", near(west_spot, 12), at("2026-03-25"), None, False),
        ("bin", near(west_spot, 14), at("2026-02-20"), ("resolve", at("2026-03-05")), False),
        ("bulky", {"details": "Un vieux canapé"}, at("2026-04-08"), ("close_without_action", at("2026-04-09")), False),
        ("shelter", {"location__asset": "1042"}, at("2026-03-11"), ("resolve", at("2026-04-01")), False),
        ("shelter", {"location__asset": "1042"}, at("2026-03-12"), None, False),
        ("shelter", {"location__asset": "2001"}, at("2026-04-14"), ("reject", at("2026-04-15")), False),
        ("shelter", {"location__asset": "2001"}, at("2026-02-25"), ("resolve", at("2026-03-03")), False),
        ("shelter", near(east_spot, 0), at("2026-04-16"), None, False),  # away from every stop
        ("pothole", {"details": "Nid-de-poule"}, at("2026-03-15"), None, False),
    ]
    codes = {**t.services, "shelter": shelter, "pothole": pothole}
    t.made = []
    for code, values, filed, handling, pending in filings:
        values = {**located, **values} if "details" not in values else values
        who = {"contact_email": "sans.compte@example.org"} if pending else {"user": make_user(db.session)}
        request = make_request(db.session, store, service=codes[code], values=values, now=filed, **who)
        if code == "bulky":
            request.district_id = east.id  # collected at the door, placed in its district without a point
        handled = None
        if handling is not None:
            handle(db, request, handling[1], handling[0])
            handled = handling[1]
        t.made.append(request)
        t.requests.append((code, names[request.district_id], request.asset_ref, filed, handled, pending))
    db.session.flush()

    # Containers: the latest fill readings now.
    now = utcnow()
    for district, level, read in [
        (west, 90, now - timedelta(hours=1)),
        (west, 85, now - timedelta(hours=50)),
        (west, 40, now - timedelta(hours=1)),
        (west, None, None),
        (east, 80, now - timedelta(hours=2)),
        (east, 79, now - timedelta(hours=2)),
    ]:
        make_container(db.session, district_id=district.id, fill_level=level, fill_read_at=read)
        t.containers.append((names[district.id], level, read))

    # Buses: a line through both stops every half hour on Wednesdays only, and a stop served five times.
    make_calendar(db.session, "WED", days="0010000")
    route = make_route(db.session)
    line = make_trip(db.session, route, "WED", [stops["1042"], stops["2001"]], ["06:00:00", "06:10:00"])
    db.session.add(Frequency(trip_id=line.id, start_s=6 * 3600, end_s=22 * 3600, headway_s=1800))
    for hour in range(5):
        make_trip(db.session, route, "WED", [quiet], [f"{8 + hour:02d}:00:00"])
    db.session.commit()
    return t


# --------------------------------------------------------------------------- street lighting


def test_the_lighting_section_counts_lights_out_repairs_energy_and_led_savings_by_district(client, login_as, town, app):
    login_as(Role.MAYOR_OFFICE)
    lights = town.lights

    outages = table(client, "lighting", "outages")
    for name in ("Al Qods", "Hay Salam", None):
        mine = [lamp for lamp in lights if lamp[0] == name]
        down = [lamp for lamp in mine if lamp[3] != "working"]
        row = next(r for r in outages["rows"] if r["district_id"] == (None if name is None else _id(town, name)))
        assert (row["lights"], row["not_working"]) == (len(mine), len(down))
        assert row["share"] == pytest.approx(len(down) / len(mine))
        for status in ("out", "flickering", "day_burning", "damaged"):
            assert row[status] == sum(lamp[3] == status for lamp in mine)
    assert outages["footer"]["lights"] == len(lights) == 9
    assert outages["footer"]["not_working"] == sum(lamp[3] != "working" for lamp in lights) == 4

    # The longest-standing faults first, with how many days each has lasted.
    faults = sorted((lamp for lamp in lights if lamp[3] != "working"), key=lambda lamp: lamp[4])
    oldest = table(client, "lighting", "oldest_faults")["rows"]
    today = local(utcnow()).date()
    labels = {"out": "Out", "flickering": "Flickering", "damaged": "Damaged"}
    assert [(r["state"], r["since"]) for r in oldest] == [
        (tr("fr", labels[lamp[3]]), local(lamp[4]).date().isoformat()) for lamp in faults
    ]
    assert [r["days"] for r in oldest] == [(today - local(lamp[4]).date()).days for lamp in faults]

    # Repairs finished in the period: the one half an hour into May is left out.
    repairs = table(client, "lighting", "repairs")
    done = [r for r in town.repairs if in_period(r[2])]
    assert len(done) == 3
    for row in repairs["rows"]:
        hours = [r[1] for r in done if r[0] == row["district"]]
        assert row["repairs"] == len(hours)
        assert row["mean_hours"] == pytest.approx(sum(hours) / len(hours))
    assert {r["district"] for r in repairs["rows"]} == {"Al Qods", "Hay Salam"}
    assert repairs["footer"]["mean_hours"] == pytest.approx((36 + 12 + 48) / 3)

    # March and April, every lamp of the inventory from dusk to dawn.
    tariff, co2 = app.config["LIGHTING_TARIFF_MAD_PER_KWH"], app.config["LIGHTING_CO2_KG_PER_KWH"]
    watts = sum(lamp[2] for lamp in lights)
    months = table(client, "lighting", "energy")
    assert [r["nights"] for r in months["rows"]] == [31, 30]
    for row, month in zip(months["rows"], (3, 4), strict=True):
        kwh = watts * _night_hours(date(2026, month, 1), energy.nights(2026, month)[-1]) / 1000
        assert row["kwh"] == pytest.approx(kwh)
        assert row["cost_mad"] == pytest.approx(kwh * tariff)
        assert row["co2_kg"] == pytest.approx(kwh * co2)
    assert months["footer"]["kwh"] == pytest.approx(watts * _night_hours(START, END) / 1000)

    # LED share today and the yearly saving if every other lamp were replaced.
    led = table(client, "lighting", "led")
    ratio, unit = app.config["LED_EQUIVALENT_RATIO"], app.config["LED_UNIT_COST_MAD"]
    year_hours = _night_hours(date(2026, 1, 1), date(2026, 12, 31))
    for row in [*led["rows"], led["footer"]]:
        # A district's row counts its lamps; the footer, the whole commune's (lamps outside districts included).
        mine = [lamp for lamp in lights if "district_id" not in row or _id(town, lamp[0]) == row["district_id"]]
        others = [lamp for lamp in mine if lamp[1] != "led"]
        saved_kwh = sum(lamp[2] for lamp in others) * (1 - ratio) * year_hours / 1000
        assert row["lights"] == len(mine)
        assert row["led_share"] == pytest.approx(sum(lamp[1] == "led" for lamp in mine) / len(mine))
        assert row["saving_kwh"] == pytest.approx(saved_kwh)
        assert row["saving_mad"] == pytest.approx(saved_kwh * tariff)
        assert row["saving_co2_t"] == pytest.approx(saved_kwh * co2 / 1000)
        assert row["investment_mad"] == pytest.approx(len(others) * unit)
        assert row["payback_years"] == pytest.approx(len(others) * unit / (saved_kwh * tariff))
    assert led["footer"]["lights"] == 9


def _id(town, name):
    return {"Al Qods": town.west.id, "Hay Salam": town.east.id}.get(name)


def _night_hours(first: date, last: date) -> float:
    """Hours from dusk to dawn over the nights that begin from `first` to `last`."""
    total, day = 0.0, first
    while day <= last:
        on, off = energy.night(day)
        total += (off - on).total_seconds() / 3600
        day += timedelta(days=1)
    return total


def test_a_district_narrows_every_lighting_table_to_its_own_lights(client, login_as, town, app):
    login_as(Role.MAYOR_OFFICE)
    west = town.west.id
    mine = [lamp for lamp in town.lights if lamp[0] == "Al Qods"]

    outages = table(client, "lighting", "outages", district=west)
    assert [r["district"] for r in outages["rows"]] == ["Al Qods"]
    assert (outages["footer"]["lights"], outages["footer"]["not_working"]) == (5, 2)
    assert {r["district"] for r in table(client, "lighting", "oldest_faults", district=west)["rows"]} == {"Al Qods"}
    repairs = table(client, "lighting", "repairs", district=west)
    assert [(r["district"], r["repairs"]) for r in repairs["rows"]] == [("Al Qods", 2)]
    assert repairs["footer"]["mean_hours"] == pytest.approx((36 + 12) / 2)
    watts = sum(lamp[2] for lamp in mine)
    kwh = table(client, "lighting", "energy", district=west)["footer"]["kwh"]
    assert kwh == pytest.approx(watts * _night_hours(START, END) / 1000)
    led = table(client, "lighting", "led", district=west)
    assert [r["district"] for r in led["rows"]] == ["Al Qods"]
    assert led["footer"]["investment_mad"] == pytest.approx(4 * app.config["LED_UNIT_COST_MAD"])


def test_a_period_starting_mid_month_counts_only_the_nights_it_holds(client, login_as, town, app):
    login_as(Role.MAYOR_OFFICE)
    rows = table(client, "lighting", "energy", start="2026-03-15", end="2026-04-10")["rows"]
    watts = sum(lamp[2] for lamp in town.lights)
    assert [r["nights"] for r in rows] == [17, 10]
    assert rows[0]["kwh"] == pytest.approx(watts * _night_hours(date(2026, 3, 15), date(2026, 3, 31)) / 1000)
    assert rows[1]["kwh"] == pytest.approx(watts * _night_hours(date(2026, 4, 1), date(2026, 4, 10)) / 1000)


# --------------------------------------------------------------------------- sanitation


def _received_and_handled(town, code, district=None, department_requests=None) -> tuple[int, int]:
    chosen = [
        (r, made)
        for r, made in zip(town.requests, town.made, strict=True)
        if r[0] == code and district in (None, r[1]) and (department_requests is None or made.id in department_requests)
    ]
    received = sum(in_period(r[3]) and not r[5] for r, _made in chosen)
    handled = sum(in_period(r[4]) for r, _made in chosen)
    return received, handled


def test_the_sanitation_section_counts_reports_by_service_hotspots_and_full_containers(client, login_as, town):
    login_as(Role.MAYOR_OFFICE)

    reports = table(client, "sanitation", "reports")
    rows = by(reports["rows"], "service_id")
    assert set(rows) == {s.id for s in town.services.values()}  # the roads' pothole is not the cleanliness's
    for code, service in town.services.items():
        assert (rows[service.id]["received"], rows[service.id]["handled"]) == _received_and_handled(town, code)
    assert (rows[town.services["illegal-dumping"].id]["received"], reports["footer"]["received"]) == (8, 11)
    assert reports["footer"]["handled"] == 5

    # Four reports within metres of each other in Al Qods (the last at 23:30 on 30 April), three in Hay Salam:
    # the one filed in May, the unconfirmed one and the refused one are not part of them.
    spots = table(client, "sanitation", "hotspots")["rows"]
    assert [(s["rank"], s["reports"], s["district"]) for s in spots] == [("1", 4, "Al Qods"), ("2", 3, "Hay Salam")]
    assert spots[0]["latest_number"] == town.made[3].tracking_number
    assert spots[0]["latest"] == "2026-04-30"
    assert spots[0]["lon"] == pytest.approx(-2.3350 + 0.0002 * 1.5, abs=1e-6)
    assert spots[0]["lat"] == pytest.approx(34.92, abs=1e-6)

    containers = table(client, "sanitation", "containers")
    for row in containers["rows"]:
        mine = [c for c in town.containers if c[0] == row["district"]]
        read = [c for c in mine if c[1] is not None]
        full = [c for c in read if c[1] >= 80]
        stale = [c for c in full if utcnow() - c[2] > timedelta(hours=24)]
        assert (row["containers"], row["read"], row["full"], row["stale"]) == (
            len(mine),
            len(read),
            len(full),
            len(stale),
        )
        assert row["share"] == pytest.approx(len(full) / len(read))
    assert [r["district"] for r in containers["rows"]] == ["Al Qods", "Hay Salam"]
    assert containers["footer"] | {"district": None} == {
        "district": None,
        "containers": 6,
        "read": 5,
        "full": 3,
        "share": pytest.approx(3 / 5),
        "stale": 1,
    }


def test_the_sanitation_page_draws_the_hotspots_on_a_map_above_their_table(client, login_as, town):
    login_as(Role.MAYOR_OFFICE)
    client.set_cookie("brk_lang", "fr")
    response = client.get("/dashboard/sanitation", query_string=PERIOD)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "data-hotspots-map" in html and 'id="hotspots-data"' in html
    label = Translations.load(str(TRANSLATIONS), ["fr"]).ngettext(
        "Hotspot %(rank)s: %(num)s report", "Hotspot %(rank)s: %(num)s reports", 4
    )
    assert label % {"rank": "1", "num": 4} in html
    assert html.index("data-hotspots-map") < html.index('id="data-hotspots"')


def test_over_more_than_a_year_the_hotspots_are_those_of_its_last_365_days(client, login_as, town, db, store):
    login_as(Role.MAYOR_OFFICE)
    # Three reports side by side in June 2024: a hotspot then, long since cleaned up.
    old = (-2.3200, 34.9180)
    for step in range(3):
        values = {"location__address": "Rue du souk", "description": "Signalé"}
        values |= {"location__lon": f"{old[0] + step * 0.0002:.6f}", "location__lat": f"{old[1]:.6f}"}
        make_request(
            db.session,
            store,
            service=town.services["illegal-dumping"],
            values=values,
            now=at(f"2024-06-0{step + 1}"),
            user=make_user(db.session),
        )
    db.session.commit()
    june = table(client, "sanitation", "hotspots", start="2024-06-01", end="2024-06-30")["rows"]
    assert [s["reports"] for s in june] == [3]

    two_years = table(client, "sanitation", "hotspots", start="2024-05-01", end="2026-04-30")
    last_year = table(client, "sanitation", "hotspots", start="2025-05-01", end="2026-04-30")
    assert two_years["rows"] == last_year["rows"]
    assert [(s["reports"], s["district"]) for s in two_years["rows"]] == [(4, "Al Qods"), (3, "Hay Salam")]
    french = Translations.load(str(TRANSLATIONS), ["fr"]).gettext(
        "Over a period longer than a year, the hotspots are those of its last %(days)s days, from %(start)s: a place "
        "cleaned up long ago is no longer one."
    )
    assert french % {"days": 365, "start": "1 mai 2025"} in two_years["note"]
    assert "2025" not in (last_year["note"] or "")


def test_a_district_narrows_the_sanitation_tables_to_its_reports_and_containers(client, login_as, town):
    login_as(Role.MAYOR_OFFICE)
    east = town.east.id
    rows = by(table(client, "sanitation", "reports", district=east)["rows"], "service_id")
    for code, service in town.services.items():
        expected = _received_and_handled(town, code, "Hay Salam")
        assert (rows[service.id]["received"], rows[service.id]["handled"]) == expected
    assert rows[town.services["bulky"].id]["received"] == 1
    spots = table(client, "sanitation", "hotspots", district=east)["rows"]
    assert [(s["reports"], s["district"]) for s in spots] == [(3, "Hay Salam")]
    containers = table(client, "sanitation", "containers", district=east)
    assert [r["district"] for r in containers["rows"]] == ["Hay Salam"]
    assert (containers["footer"]["full"], containers["footer"]["read"]) == (1, 2)


# --------------------------------------------------------------------------- transport


def test_the_transport_section_gives_coverage_on_the_last_wednesday_and_reports_by_stop(client, login_as, town):
    login_as(Role.MAYOR_OFFICE)
    client.set_cookie("brk_lang", "fr")

    # The buses run on Wednesdays only: the period's last Wednesday has them, its last day (a Thursday) none.
    coverage = table(client, "transport", "coverage")
    rows = by(coverage["rows"], "district")
    for name, bounds, population in (("Al Qods", WEST, 20_000), ("Hay Salam", EAST, 8_000)):
        # One stop well inside each district: a 400 m disc over the district's area (metres on the ellipsoid).
        width = (bounds[2] - bounds[0]) * 111_320 * math.cos(math.radians(34.92))
        height = (bounds[3] - bounds[1]) * 110_950
        share = math.pi * 400**2 / (width * height)
        assert rows[name]["stops"] == 1
        assert rows[name]["population"] == population
        assert rows[name]["share"] == pytest.approx(share, rel=0.03)
        assert rows[name]["people"] == pytest.approx(population * rows[name]["share"])
    assert coverage["footer"]["stops"] == 2  # the stop served five times does not count
    assert coverage["footer"]["people"] == pytest.approx(rows["Al Qods"]["people"] + rows["Hay Salam"]["people"])
    page = page_text(client.get("/dashboard/transport", query_string=PERIOD))
    assert "mercredi 29 avril 2026" in page

    stops = table(client, "transport", "stop_reports")
    found = [(r["code"], r["received"], r["handled"]) for r in stops["rows"]]
    expected = []
    for code in ("1042", "2001", None):
        received, handled = (
            sum(in_period(r[3]) for r in town.requests if r[0] == "shelter" and r[2] == code),
            sum(in_period(r[4]) for r in town.requests if r[0] == "shelter" and r[2] == code),
        )
        expected.append((code, received, handled))
    assert found == sorted(expected, key=lambda e: (-e[1], -e[2])) == [("1042", 2, 1), ("2001", 1, 2), (None, 1, 0)]
    assert [r["stop"] for r in stops["rows"]] == ["Gare", "Souk", tr("fr", "No stop given")]
    assert (stops["footer"]["received"], stops["footer"]["handled"]) == (4, 3)

    districts = by(table(client, "transport", "stop_reports_by_district")["rows"], "district")
    for name in ("Al Qods", "Hay Salam"):
        shelter = [r for r in town.requests if r[0] == "shelter" and r[1] == name]
        assert (districts[name]["received"], districts[name]["handled"]) == (
            sum(in_period(r[3]) for r in shelter),
            sum(in_period(r[4]) for r in shelter),
        )


def test_a_period_without_a_wednesday_is_read_on_its_last_day(client, login_as, town):
    login_as(Role.MAYOR_OFFICE)
    coverage = table(client, "transport", "coverage", start="2026-04-30", end="2026-05-01")
    assert coverage["footer"]["stops"] == 0  # Thursday and Friday: no bus on the Wednesday-only line
    assert table(client, "transport", "coverage", start="2026-04-29", end="2026-04-29")["footer"]["stops"] == 2


def test_a_district_narrows_the_transport_tables_to_it(client, login_as, town):
    login_as(Role.MAYOR_OFFICE)
    east = town.east.id
    coverage = table(client, "transport", "coverage", district=east)
    assert [(r["district"], r["stops"]) for r in coverage["rows"]] == [("Hay Salam", 1)]
    stops = table(client, "transport", "stop_reports", district=east)["rows"]
    assert [(r["code"], r["received"], r["handled"]) for r in stops] == [("2001", 1, 2), (None, 1, 0)]
    assert [r["district"] for r in table(client, "transport", "stop_reports_by_district", district=east)["rows"]] == [
        "Hay Salam"
    ]


# --------------------------------------------------------------------------- heads of department


def test_a_head_of_another_department_reads_whose_figures_they_are_and_only_their_own_requests(
    client, db, login_as, town
):
    # A container report passed on to the roads department is theirs now.
    moved = next(m for m, r in zip(town.made, town.requests, strict=True) if r[0] == "bin" and r[4] is None)
    moved.department_id = town.roads.id
    db.session.commit()
    login_as(Role.SUPERVISOR, department=town.roads)
    client.set_cookie("brk_lang", "fr")

    # Asking for the lighting department changes nothing: a head of department sees their own.
    for name in ("outages", "oldest_faults", "repairs", "energy", "led"):
        found = table(client, "lighting", name, department=town.lighting.id)
        assert found["department_id"] == town.roads.id
        assert found["rows"] == [] and found["footer"] is None
    text = page_text(client.get("/dashboard/lighting", query_string=PERIOD))
    note = tr(
        "fr", "These figures belong to %(departments)s, which looks after these assets, not to the department chosen."
    )
    assert note % {"departments": "Éclairage public"} in text
    assert "Voirie" in text  # the scope above the figures names their department
    assert table(client, "sanitation", "containers")["rows"] == []
    assert table(client, "transport", "coverage")["rows"] == []

    # The requests their department holds: the one container report, nothing else.
    rows = by(table(client, "sanitation", "reports")["rows"], "service_id")
    assert (
        {k: (r["received"], r["handled"]) for k, r in rows.items() if r["received"] or r["handled"]}
        == {town.services["bin"].id: _received_and_handled(town, "bin", department_requests={moved.id})}
        == {town.services["bin"].id: (1, 0)}
    )
    assert table(client, "sanitation", "hotspots")["rows"] == []
    assert table(client, "transport", "stop_reports")["rows"] == []


def test_the_head_of_cleanliness_reads_the_sanitation_figures_of_the_whole_commune(client, login_as, town):
    login_as(Role.SUPERVISOR, department=town.cleanliness)
    reports = table(client, "sanitation", "reports")
    assert reports["department_id"] == town.cleanliness.id
    assert (reports["footer"]["received"], reports["footer"]["handled"]) == (11, 5)
    assert len(table(client, "sanitation", "hotspots")["rows"]) == 2
    assert table(client, "sanitation", "containers")["footer"]["full"] == 3
    assert table(client, "lighting", "outages")["rows"] == []


@pytest.mark.parametrize("lang", ["ar", "fr"])
def test_the_three_sections_show_their_tables_in_both_languages(client, login_as, town, lang):
    login_as(Role.MAYOR_OFFICE)
    client.set_cookie("brk_lang", lang)
    for slug, captions in {
        "lighting": ["Street lights not working now, by district", "Mean time to repair a street light, by district"],
        "sanitation": [
            "Cleanliness reports and requests received and handled, by service",
            "Full containers now, by district",
        ],
        "transport": ["Reports about bus stops received and handled, by stop"],
    }.items():
        response = client.get(f"/dashboard/{slug}", query_string=PERIOD)
        assert response.status_code == 200
        text = page_text(response)
        assert all(tr(lang, caption) in text for caption in captions)
        assert {"ar": "حي القدس", "fr": "Al Qods"}[lang] in text
