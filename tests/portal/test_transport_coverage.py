"""The bus-coverage page: who may read it, its figures in both languages, and its answers to bad input."""

import json
import re
from datetime import date

import pytest

from services.accounts.models import Role
from tests.conftest import page_text, tr
from tests.factories import make_calendar, make_calendar_date, make_district, make_route, make_stop, make_trip

MONDAY = date(2026, 11, 23)
URL = "/staff/transport/coverage"


@pytest.fixture
def network(db):
    """Two districts of 10,000 and 5,000 people; a stop in the first served 20 times on weekdays, none near the
    second; a holiday on Monday 30 November."""
    make_calendar(db.session, "WK", "1111100")
    make_calendar_date(db.session, "WK", date(2026, 11, 30), 2)
    centre = make_district(
        db.session, code="centre", name_fr="Centre-ville", name_ar="وسط المدينة", bounds=(-2.33, 34.91, -2.31, 34.93)
    )
    far = make_district(
        db.session,
        code="far",
        name_fr="Hay Lointain",
        name_ar="الحي البعيد",
        population=5000,
        bounds=(-2.33, 34.94, -2.31, 34.96),
    )
    stop = make_stop(db.session, -2.32, 34.92)
    route = make_route(db.session)
    for hour in range(5, 25):
        make_trip(db.session, route, "WK", stops=[stop], times=[f"{hour:02d}:15:00"])
    db.session.commit()
    return centre, far


def table_rows(response) -> dict[str, list[str]]:
    """The coverage table's rows by their heading: {district: [cells]}."""
    html = response.get_data(as_text=True)
    table = re.search(r'<table id="coverage-table">(.*?)</table>', html, re.S).group(1)
    rows = {}
    for row in re.findall(r"<tr>(.*?)</tr>", table, re.S):
        heading = re.search(r'<th scope="row">(.*?)</th>', row, re.S)
        if heading:
            rows[heading.group(1).strip()] = [c.strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
    return rows


def test_an_anonymous_visitor_is_sent_to_sign_in(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_a_citizen_may_not_read_the_coverage(client, login_as):
    login_as(Role.CITIZEN)
    assert client.get(URL).status_code == 403


@pytest.mark.parametrize("role", [Role.AGENT, Role.SUPERVISOR, Role.MAYOR_OFFICE, Role.ADMIN])
def test_staff_and_the_mayors_office_read_the_coverage(client, login_as, role, network):
    login_as(role)
    response = client.get(f"{URL}?date={MONDAY}")
    assert response.status_code == 200
    assert "coverage-table" in response.get_data(as_text=True)


def test_the_mayors_office_reads_each_districts_share_in_french(client, login_as, network):
    login_as(Role.MAYOR_OFFICE)
    client.set_cookie("brk_lang", "fr")
    response = client.get(f"{URL}?date={MONDAY}&min_departures=20")
    assert response.status_code == 200
    rows = table_rows(response)
    # π·400² ≈ 0.503 km² of a 4.05 km² district: 12 %, so 1,241 of its 10,000 people.
    area, share, population, covered, stops = rows["Centre-ville"]
    assert (area, share, stops) == ("4,05", "12%", "1")
    assert population.replace("\u202f", " ") == "10 000"
    assert 1230 <= int(re.sub(r"\D", "", covered)) <= 1255
    assert rows["Hay Lointain"][1] == "0%"
    assert rows["Hay Lointain"][3:] == ["0", "0"]
    whole = rows[tr("fr", "Whole commune")]
    assert (whole[2].replace("\u202f", " "), whole[3], whole[4]) == ("15 000", covered, "1")
    text = page_text(response)
    assert "lundi 23 novembre 2026" in text
    assert tr("fr", "Bus coverage by district") in text


def test_the_page_is_in_arabic_right_to_left_with_the_districts_arabic_names(client, login_as, network):
    login_as(Role.AGENT)
    client.set_cookie("brk_lang", "ar")
    response = client.get(f"{URL}?date={MONDAY}")
    html = response.get_data(as_text=True)
    assert '<html lang="ar" dir="rtl">' in html
    rows = table_rows(response)
    assert "وسط المدينة" in rows and "الحي البعيد" in rows
    assert tr("ar", "Bus coverage by district") in page_text(response)


def test_a_stop_served_fewer_times_than_asked_leaves_the_district_uncovered(client, login_as, network):
    login_as(Role.MAYOR_OFFICE)
    client.set_cookie("brk_lang", "fr")
    rows = table_rows(client.get(f"{URL}?date={MONDAY}&min_departures=21"))
    assert rows["Centre-ville"][1] == "0%"
    assert rows["Centre-ville"][4] == "0"


def test_on_a_holiday_without_buses_nothing_is_covered(client, login_as, network):
    login_as(Role.MAYOR_OFFICE)
    client.set_cookie("brk_lang", "fr")
    response = client.get(f"{URL}?date=2026-11-30&min_departures=1")
    assert table_rows(response)["Centre-ville"][1] == "0%"
    assert tr("fr", "No stop is served that often on this day.") in page_text(response)


def test_the_map_gets_each_districts_share_and_the_covered_area(client, login_as, network):
    centre, far = network
    login_as(Role.MAYOR_OFFICE)
    html = client.get(f"{URL}?date={MONDAY}").get_data(as_text=True)
    data = json.loads(re.search(r'<script type="application/json" id="coverage-data">(.*?)</script>', html, re.S)[1])
    assert data["shares"][str(centre.id)]["share"] == pytest.approx(0.124, abs=0.002)
    assert data["shares"][str(far.id)]["share"] == 0
    assert [feature["id"] for feature in data["covered"]["features"]] == [centre.id]
    assert data["covered"]["features"][0]["geometry"]["type"] == "Polygon"


def test_without_a_date_the_page_shows_today_in_casablanca(client, login_as, network):
    from services.clock import local
    from services.db import utcnow

    login_as(Role.MAYOR_OFFICE)
    html = client.get(URL).get_data(as_text=True)
    assert f'value="{local(utcnow()).date().isoformat()}"' in html
    assert 'value="20"' in html


@pytest.mark.parametrize("lang", ["ar", "fr"])
@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("date=23/11/2026", "Enter the date as year-month-day, for example 2026-11-23."),
        ("date=2026-02-30", "Enter the date as year-month-day, for example 2026-11-23."),
        ("min_departures=-3", "Give a whole number of times, from 0 to %(max)s."),
        ("min_departures=many", "Give a whole number of times, from 0 to %(max)s."),
    ],
)
def test_bad_input_gets_a_clear_message_in_the_pages_language(client, login_as, network, lang, query, message):
    login_as(Role.MAYOR_OFFICE)
    client.set_cookie("brk_lang", lang)
    response = client.get(f"{URL}?{query}")
    assert response.status_code == 400
    assert tr(lang, message).replace("%(max)s", "10000") in page_text(response)
    assert "coverage-table" not in response.get_data(as_text=True)
