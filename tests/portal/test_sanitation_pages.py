"""The collection-days page for residents, and the cleanliness department's containers, rounds and hotspots."""

import json
import re
from datetime import UTC, datetime, timedelta

import pytest

from services.accounts.models import Role
from services.db import utcnow
from services.workflow.states import Status
from tests.conftest import page_text, tr
from tests.factories import (
    make_container,
    make_department,
    make_depot,
    make_district,
    make_request,
    make_service,
    make_zone,
)

LOCALES = {"ar": "ar_MA", "fr": "fr_MA"}
DAYS = {"ar": ("الاثنين", "الأربعاء", "الجمعة"), "fr": ("lundi", "mercredi", "vendredi")}
LON, LAT = -2.32, 34.92
NO_ZONE = "No collection zone covers this place. Choose your district in the list, or ask the cleanliness department."
TUESDAY_MORNING = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)


@pytest.fixture
def town(db):
    """One district collected by one zone, Monday, Wednesday and Friday evenings."""
    district = make_district(db.session, bounds=(-2.33, 34.91, -2.31, 34.93), name_fr="Al Qods", name_ar="حي القدس")
    zone = make_zone(
        db.session,
        bounds=(-2.34, 34.90, -2.30, 34.94),
        days="1,3,5",
        hours=("20:00", "23:00"),
        contractor="Mecomar Propreté",
        name_fr="Secteur nord",
        name_ar="القطاع الشمالي",
    )
    db.session.commit()
    return district, zone


@pytest.fixture
def tuesday_morning(monkeypatch):
    """The portal's clock at 10:00 on Tuesday 24 November 2026 in Berkane (UTC+0 then)."""
    monkeypatch.setattr("portal.sanitation.routes.utcnow", lambda: TUESDAY_MORNING)
    return TUESDAY_MORNING


@pytest.mark.parametrize("lang", ["ar", "fr"])
def test_a_resident_choosing_their_district_reads_the_days_hours_contractor_and_next_collection(
    client, town, tuesday_morning, lang
):
    district, _zone = town
    client.set_cookie("brk_lang", lang)
    response = client.get("/collection", query_string={"district": district.id})
    assert response.status_code == 200
    text = page_text(response)
    assert all(day in text for day in DAYS[lang])
    assert "20:00" in text and "23:00" in text
    assert "Mecomar Propreté" in text
    assert {"ar": "القطاع الشمالي", "fr": "Secteur nord"}[lang] in text
    assert {"ar": "الأربعاء، 25 نونبر 2026", "fr": "mercredi 25 novembre 2026"}[lang] in text
    # The district stays chosen, so the resident sees what the answer is about.
    assert f'<option selected value="{district.id}">' in response.get_data(as_text=True)


def test_the_page_without_a_question_offers_every_district_and_no_answer(client, town):
    district, _zone = town
    client.set_cookie("brk_lang", "fr")
    response = client.get("/collection")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert f'value="{district.id}">Al Qods</option>' in page
    assert 'id="collection-result"' not in page


def test_a_point_clicked_on_the_map_gives_the_collection_of_its_zone_and_names_the_district(client, town):
    client.set_cookie("brk_lang", "fr")
    text = page_text(client.get("/collection", query_string={"lon": LON, "lat": LAT}))
    assert "Mecomar Propreté" in text and "lundi" in text
    assert tr("fr", "District: %(district)s") % {"district": "Al Qods"} in text


def test_during_the_collection_the_page_says_it_is_under_way(client, town, monkeypatch):
    monkeypatch.setattr("portal.sanitation.routes.utcnow", lambda: datetime(2026, 11, 25, 21, 15, tzinfo=UTC))
    client.set_cookie("brk_lang", "fr")
    text = page_text(client.get("/collection", query_string={"lon": LON, "lat": LAT}))
    assert tr("fr", "Under way now, until %(end)s") % {"end": "23:00"} in text


def test_a_zone_collected_daily_says_every_day(client, db):
    make_zone(db.session, days="1,2,3,4,5,6,7", contractor="Quotidien SARL")
    db.session.commit()
    client.set_cookie("brk_lang", "fr")
    text = page_text(client.get("/collection", query_string={"lon": LON, "lat": LAT}))
    assert tr("fr", "Every day") in text and "lundi" not in text


def test_a_point_outside_every_zone_is_told_so(client, town):
    client.set_cookie("brk_lang", "fr")
    text = page_text(client.get("/collection", query_string={"lon": -2.20, "lat": LAT}))
    assert tr("fr", NO_ZONE) in text
    assert "Mecomar" not in text


def test_half_a_point_is_no_question(client, town):
    client.set_cookie("brk_lang", "fr")
    page = client.get("/collection", query_string={"lon": LON}).get_data(as_text=True)
    assert 'id="collection-result"' not in page


def test_a_district_shared_by_two_zones_lists_both_the_larger_first(client, db):
    district = make_district(db.session, bounds=(-2.33, 34.91, -2.31, 34.93))
    make_zone(db.session, bounds=(-2.33, 34.91, -2.324, 34.93), contractor="Petit Secteur SARL")  # 30 %
    make_zone(db.session, bounds=(-2.324, 34.91, -2.31, 34.93), contractor="Grand Secteur SA")  # 70 %
    db.session.commit()
    client.set_cookie("brk_lang", "fr")
    text = page_text(client.get("/collection", query_string={"district": district.id}))
    assert text.index("Grand Secteur SA") < text.index("Petit Secteur SARL")
    assert tr("fr", "Several collection zones share this district; click your street on the map to find yours.") in text


def test_an_unknown_district_is_refused_with_a_message(client, town):
    client.set_cookie("brk_lang", "fr")
    response = client.get("/collection", query_string={"district": "999999"})
    assert response.status_code == 400
    assert tr("fr", "There is a problem") in page_text(response)


def test_the_map_gets_the_zones_with_their_names_and_contractors(client, town):
    _district, zone = town
    client.set_cookie("brk_lang", "ar")
    response = client.get("/collection/zones.geojson")
    assert response.mimetype == "application/geo+json"
    feature = next(f for f in response.get_json()["features"] if f["id"] == zone.id)
    assert feature["properties"] == {"name": "القطاع الشمالي", "contractor": "Mecomar Propreté"}
    assert feature["geometry"]["type"] == "MultiPolygon"


# --------------------------------------------------------------------------- the cleanliness department


@pytest.fixture
def cleanliness(db):
    return make_department(db.session, code="cleanliness")


@pytest.fixture
def cleanliness_agent(db, login_as, cleanliness):
    return login_as(Role.AGENT, department=cleanliness)


@pytest.mark.parametrize(
    ("who", "status"),
    [("cleanliness", 200), ("admin", 200), ("lighting", 403), ("citizen", 403), ("anonymous", 302)],
)
@pytest.mark.parametrize("path", ["/staff/sanitation/containers", "/staff/sanitation/hotspots"])
def test_only_the_cleanliness_department_and_administrators_reach_the_staff_pages(
    client, db, login_as, cleanliness, who, status, path
):
    if who == "cleanliness":
        login_as(Role.SUPERVISOR, department=cleanliness)
    elif who == "admin":
        login_as(Role.ADMIN)
    elif who == "lighting":
        login_as(Role.AGENT, department=make_department(db.session, code="public-lighting"))
    elif who == "citizen":
        login_as(Role.CITIZEN)
    assert client.get(path).status_code == status


@pytest.mark.parametrize("lang", ["ar", "fr"])
def test_staff_see_the_containers_over_80_percent_fullest_first_with_old_readings_flagged(
    client, db, cleanliness_agent, lang
):
    now = utcnow()
    make_container(db.session, code="C-FRESH", fill_level=85, fill_read_at=now - timedelta(hours=1))
    make_container(db.session, code="C-OLD", fill_level=97, fill_read_at=now - timedelta(days=3))
    make_container(db.session, code="C-HALF", fill_level=50, fill_read_at=now)
    db.session.commit()
    client.set_cookie("brk_lang", lang)
    response = client.get("/staff/sanitation/containers")
    text = page_text(response)
    assert response.status_code == 200
    assert text.index("C-OLD") < text.index("C-FRESH")
    assert "C-HALF" not in text
    assert text.count(tr(lang, "Old reading")) == 1
    assert 'value="80"' in response.get_data(as_text=True)  # the threshold's default, shown in its field


def test_a_higher_threshold_and_a_district_narrow_the_list(client, db, cleanliness_agent):
    district = make_district(db.session)
    make_container(db.session, code="C-IN-95", fill_level=95, district_id=district.id)
    make_container(db.session, code="C-IN-85", fill_level=85, district_id=district.id)
    make_container(db.session, code="C-OUT-99", fill_level=99)
    db.session.commit()
    text = page_text(
        client.get("/staff/sanitation/containers", query_string={"threshold": 90, "district": district.id})
    )
    assert "C-IN-95" in text and "C-IN-85" not in text and "C-OUT-99" not in text


def test_an_impossible_threshold_is_explained(client, cleanliness_agent):
    client.set_cookie("brk_lang", "fr")
    response = client.get("/staff/sanitation/containers", query_string={"threshold": 150})
    assert response.status_code == 400
    assert tr("fr", "There is a problem") in page_text(response)


def _metres_east(metres: float) -> float:
    return LON + metres / 91_290.0  # metres per degree of longitude at 34.92° N


@pytest.mark.parametrize("lang", ["ar", "fr"])
def test_a_planned_round_lists_the_containers_in_visiting_order_with_distances_and_a_map(
    client, db, cleanliness_agent, lang
):
    # 500 m north of the street's start, so that only going along the street and back is shortest.
    depot = make_depot(
        db.session, lon=LON, lat=LAT + 500 / 110_950, name_fr="Dépôt municipal", name_ar="المستودع الجماعي"
    )
    stops = {
        m: make_container(db.session, code=f"C-AT-{m}", lon=_metres_east(m), lat=LAT, fill_level=90)
        for m in (750, 250, 1000, 500)
    }
    db.session.commit()
    client.set_cookie("brk_lang", lang)
    response = client.get(
        "/staff/sanitation/round", query_string={"depot": depot.id, "container": [c.id for c in stops.values()]}
    )
    assert response.status_code == 200
    text = page_text(response)
    positions = [text.index(f"C-AT-{m}") for m in (250, 500, 750, 1000)]
    assert positions == sorted(positions) or positions == sorted(positions, reverse=True)
    total = re.search(r'id="round-total">([^<]+)<', response.get_data(as_text=True)).group(1)
    assert re.sub(r"\D", "", total) == "243"  # 0.56 + 0.75 + 1.12 = 2.43 km, written 2,43 or 2.43
    data = json.loads(
        re.search(
            r'<script type="application/json" id="round-data">(.+?)</script>', response.get_data(as_text=True)
        ).group(1)
    )
    assert (
        len(data["stops"]) == 4 and data["depot"]["label"] == {"ar": "المستودع الجماعي", "fr": "Dépôt municipal"}[lang]
    )


def test_the_containers_page_ticks_every_listed_container_for_the_round(client, db, cleanliness_agent):
    make_depot(db.session)
    full = make_container(db.session, fill_level=92)
    db.session.commit()
    page = client.get("/staff/sanitation/containers").get_data(as_text=True)
    assert f'name="container" value="{full.id}" id="container-{full.id}" checked' in page
    assert 'action="/staff/sanitation/round"' in page


def test_a_round_without_any_container_ticked_is_refused_with_a_message(client, db, cleanliness_agent):
    depot = make_depot(db.session)
    db.session.commit()
    client.set_cookie("brk_lang", "fr")
    response = client.get("/staff/sanitation/round", query_string={"depot": depot.id})
    assert response.status_code == 400
    assert tr("fr", "Tick at least one container to plan a round.") in page_text(response)


# --------------------------------------------------------------------------- dumping hotspots

LOCATION_FIELDS = [{"name": "place", "type": "location", "label_ar": "المكان", "label_fr": "Lieu", "required": True}]


@pytest.mark.parametrize("lang", ["ar", "fr"])
def test_staff_see_where_dumping_reports_crowd_together_with_the_latest_report(
    client, db, store, cleanliness, cleanliness_agent, lang
):
    make_district(db.session, bounds=(-2.33, 34.91, -2.31, 34.93), name_fr="Al Qods", name_ar="حي القدس")
    dumping = make_service(db.session, code="illegal-dumping", department=cleanliness, fields=LOCATION_FIELDS)
    other = make_service(db.session, code="container-problem", department=cleanliness, fields=LOCATION_FIELDS)
    now = utcnow()
    reports = [
        make_request(
            db.session,
            store,
            service=dumping,
            values={"place__lon": f"{_metres_east(e):.7f}", "place__lat": f"{LAT}", "place__address": "Terrain vague"},
            now=now - timedelta(days=d),
        )
        for e, d in ((0, 5), (20, 3), (35, 1))
    ]
    for east in (600, 610, 620):  # the same crowding, but not about dumping
        make_request(
            db.session,
            store,
            service=other,
            values={"place__lon": f"{_metres_east(east):.7f}", "place__lat": f"{LAT}", "place__address": "Rue 3"},
        )
    db.session.commit()
    client.set_cookie("brk_lang", lang)
    response = client.get("/staff/sanitation/hotspots")
    assert response.status_code == 200
    rows = re.findall(r"<tr>.*?</tr>", response.get_data(as_text=True), flags=re.S)[1:]
    assert len(rows) == 1
    row = page_text_of(rows[0])
    assert " 3 " in f" {row} " and {"ar": "حي القدس", "fr": "Al Qods"}[lang] in row
    assert reports[-1].tracking_number in row  # the latest report, a day old


def test_a_hotspot_needs_its_reports_within_the_period(client, db, store, cleanliness, cleanliness_agent):
    make_district(db.session, bounds=(-2.33, 34.91, -2.31, 34.93))
    dumping = make_service(db.session, code="illegal-dumping", department=cleanliness, fields=LOCATION_FIELDS)
    for east, days in ((0, 40), (20, 41), (35, 2)):
        make_request(
            db.session,
            store,
            service=dumping,
            values={"place__lon": f"{_metres_east(east):.7f}", "place__lat": f"{LAT}", "place__address": "Oued"},
            now=utcnow() - timedelta(days=days),
        )
    db.session.commit()
    client.set_cookie("brk_lang", "fr")
    assert tr("fr", "Reports") in page_text(client.get("/staff/sanitation/hotspots", query_string={"days": 90}))
    quiet = page_text(client.get("/staff/sanitation/hotspots", query_string={"days": 30}))
    assert tr("fr", "No hotspot: no place has that many reports close together in this period.") in quiet


def page_text_of(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def test_rejected_and_duplicate_dumping_reports_do_not_make_a_hotspot(
    client, db, store, cleanliness, cleanliness_agent
):
    make_district(db.session, bounds=(-2.33, 34.91, -2.31, 34.93))
    dumping = make_service(db.session, code="illegal-dumping", department=cleanliness, fields=LOCATION_FIELDS)
    filed = [
        make_request(
            db.session,
            store,
            service=dumping,
            values={"place__lon": f"{_metres_east(e):.7f}", "place__lat": f"{LAT}", "place__address": "Oued"},
        )
        for e in (0, 10, 20)
    ]
    db.session.commit()
    client.set_cookie("brk_lang", "fr")
    assert "hotspots-table" in client.get("/staff/sanitation/hotspots").get_data(as_text=True)
    filed[1].status = Status.REJECTED.value
    filed[2].status, filed[2].merged_into_id = Status.DUPLICATE.value, filed[0].id
    db.session.commit()
    text = page_text(client.get("/staff/sanitation/hotspots"))
    assert tr("fr", "No hotspot: no place has that many reports close together in this period.") in text


def test_the_menu_offers_collection_days_to_everyone_and_rounds_to_the_cleanliness_department(
    client, db, login_as, cleanliness
):
    client.set_cookie("brk_lang", "fr")
    assert 'href="/collection"' in client.get("/").get_data(as_text=True)
    login_as(Role.AGENT, department=make_department(db.session, code="public-lighting"))
    assert 'href="/staff/sanitation/containers"' not in client.get("/").get_data(as_text=True)
    login_as(Role.AGENT, department=cleanliness)
    assert 'href="/staff/sanitation/containers"' in client.get("/").get_data(as_text=True)
