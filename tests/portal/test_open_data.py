"""The requests as open data: documented fields, nothing personal, places generalised, CSV and GeoJSON alike."""

import csv
import io
import json
import math
import re
import shutil
import subprocess
from datetime import UTC, datetime, timedelta

import pytest
from shapely.geometry import Point, shape

from services.clock import local
from services.db import utcnow
from services.requests import service as filing
from services.workflow import transitions
from services.workflow.transitions import Actor
from tests.conftest import page_text, tr
from tests.factories import make_district, make_request, make_user
from tests.services.casework.support import make_office

T0 = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)  # a Monday
SPOT = (-2.32071, 34.92137)  # lon, lat: where the citizen stood, inside the district
SECRETS = {
    "name": "Zineb Oulad-Secret",
    "email": "zineb.secret@example.org",
    "cnie": "ZZ998877",
    "address": "17 Derb Sidi Secret",
    "answer": "Fuite devant la maison du voisin Karim",
    "comment": "Merci à l'agent Hamid",
    "note": "Refus motivé: dossier incomplet Bouazza",
    "anonymous_email": "hidden.reporter@example.org",
}
HEX_ID = re.compile(r"^[0-9a-f]{16}$")


def metres(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance between two (lon, lat) points."""
    lon1, lat1, lon2, lat2 = map(math.radians, (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * 6_371_000 * math.asin(math.sqrt(h))


def answers(text: str = SECRETS["answer"], district="", lon=SPOT[0], lat=SPOT[1]) -> dict:
    return {
        "details": text,
        "place__district": str(district),
        "place__lat": str(lat),
        "place__lon": str(lon),
        "place__address": SECRETS["address"],
        "place__asset": "",
    }


@pytest.fixture
def city(db, store):
    """A report, a building-permit request and a certificate by one citizen; and requests around them."""
    s = db.session
    district = make_district(s, code="el-qods", name_ar="حي القدس", name_fr="El Qods")
    reports = make_office(s, code="broken-light", name_ar="إنارة معطلة", name_fr="Lampe en panne")
    permits = make_office(s, kind="request", code="building-permit")
    papers = make_office(s, kind="certificate", code="residence-certificate")
    citizen = make_user(
        s, full_name=SECRETS["name"], email=SECRETS["email"], cnie=SECRETS["cnie"], phone="+212661234567"
    )

    def move(request, office, *actions, when, note=SECRETS["note"]):
        for n, action in enumerate(actions):
            actor = Actor.SUPERVISOR if action == "merge" else Actor.AGENT
            user = office.supervisor if action == "merge" else office.agent
            transitions.apply(s, request, action, actor=actor, user=user, note=note, now=when + timedelta(minutes=n))
        s.flush()

    r = {}
    r["fixed"] = make_request(s, store, service=reports.service, user=citizen, values=answers(), now=T0)
    move(r["fixed"], reports, "acknowledge", "start", "resolve", when=T0 + timedelta(days=2, hours=3))
    filing.rate(
        s,
        r["fixed"],
        user=citizen,
        proven_filer=False,
        rating=4,
        comment=SECRETS["comment"],
        now=T0 + timedelta(days=3),
    )
    r["late"] = make_request(s, store, service=reports.service, values=answers("Trou"), now=T0 + timedelta(days=1))
    move(r["late"], reports, "acknowledge", "start", "resolve", when=T0 + timedelta(days=40))
    r["refused"] = make_request(
        s, store, service=permits.service, user=citizen, values=answers(), now=T0 + timedelta(days=2)
    )
    move(r["refused"], permits, "reject", when=T0 + timedelta(days=5))
    r["paper"] = make_request(
        s, store, service=papers.service, user=citizen, values=answers(), now=T0 + timedelta(days=3)
    )
    move(r["paper"], papers, "acknowledge", "start", "approve", when=T0 + timedelta(days=4))
    r["copy"] = make_request(
        s, store, service=reports.service, values=answers("Même lampe"), now=T0 + timedelta(days=4)
    )
    move(r["copy"], reports, "merge", when=T0 + timedelta(days=5))
    r["forgotten"] = make_request(
        s, store, service=reports.service, values=answers("Encore"), now=T0 + timedelta(days=6)
    )
    r["fresh"] = make_request(
        s, store, service=permits.service, values=answers("Nouveau"), now=utcnow() - timedelta(hours=1)
    )
    r["unconfirmed"] = make_request(
        s,
        store,
        service=reports.service,
        user=None,
        contact_email=SECRETS["anonymous_email"],
        contact_phone="0600112233",
        values=answers("Jamais confirmée"),
        now=T0 + timedelta(days=1),
    )
    s.commit()
    return {"district": district, "requests": r, "citizen": citizen}


def get_csv(client, **query) -> list[dict]:
    response = client.get("/open-data/requests.csv", query_string=query)
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.is_streamed
    text = response.get_data().decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(text[1:], newline="")))


def get_geojson(client, **query) -> dict:
    response = client.get("/open-data/requests.geojson", query_string=query)
    assert response.status_code == 200 and response.mimetype == "application/geo+json"
    assert response.is_streamed
    return json.loads(response.get_data())


def by_id(rows: list[dict]) -> dict[str, dict]:
    return {row["id"]: row for row in rows}


def test_the_files_hold_every_received_request_and_leave_out_unconfirmed_ones(client, city):
    rows = get_csv(client)
    received = [r for name, r in city["requests"].items() if name != "unconfirmed"]
    assert len(rows) == len(received)
    assert len(get_geojson(client)["features"]) == len(received)
    assert "Jamais" not in json.dumps(rows)
    assert [row["filed_date"] for row in rows] == sorted(local(r.filed_at).date().isoformat() for r in received)


def test_nothing_personal_appears_in_either_file(client, city):
    files = [
        client.get("/open-data/requests.csv").get_data().decode(),
        client.get("/open-data/requests.geojson").get_data().decode(),
    ]
    unconfirmed = city["requests"]["unconfirmed"]
    personal = [*SECRETS.values(), city["citizen"].phone, unconfirmed.contact_phone]
    personal += [r.tracking_number for r in city["requests"].values()]
    personal += [str(SPOT[0]), str(SPOT[1])]
    for text in files:
        assert [p for p in personal if p in text] == []
    rows = get_csv(client)
    assert all(HEX_ID.match(row["id"]) for row in rows)
    database_ids = {str(r.id) for r in city["requests"].values()}
    assert not database_ids & {row["id"] for row in rows}


def test_the_anonymous_ids_stay_the_same_from_one_download_to_the_next(client, city):
    first, second = get_csv(client), get_csv(client)
    assert [row["id"] for row in first] == [row["id"] for row in second]
    assert len({row["id"] for row in first}) == len(first)


def _row_of(rows: list[dict], request) -> dict:
    """The row of a request, found by what is public about it: its service and the day it was filed."""
    day = local(request.filed_at).date().isoformat()
    (row,) = [r for r in rows if r["service_code"] == request.service.code and r["filed_date"] == day]
    return row


def test_a_report_shows_the_centre_of_a_hundred_metre_square_near_its_place(client, city):
    row = _row_of(get_csv(client), city["requests"]["fixed"])
    point = (float(row["longitude"]), float(row["latitude"]))
    assert row["location_precision"] == "grid"
    assert 1 < metres(point, SPOT) < 75  # moved, but stays in its block (half a cell's diagonal)
    assert row["district_code"] == "el-qods" and row["district_name_ar"] == "حي القدس"
    others = [r for r in get_csv(client) if r["service_code"] == "broken-light" and r["longitude"]]
    assert {(r["longitude"], r["latitude"]) for r in others} == {(row["longitude"], row["latitude"])}


def test_a_request_about_a_home_shows_only_a_point_common_to_its_district(client, city):
    rows = get_csv(client)
    refused, fresh = _row_of(rows, city["requests"]["refused"]), _row_of(rows, city["requests"]["fresh"])
    assert refused["location_precision"] == fresh["location_precision"] == "district"
    point = (float(refused["longitude"]), float(refused["latitude"]))
    assert (fresh["longitude"], fresh["latitude"]) == (refused["longitude"], refused["latitude"])
    assert metres(point, SPOT) > 100
    # The test district is the box (-2.33, 34.91) to (-2.31, 34.93): its point lies inside.
    assert -2.33 < point[0] < -2.31 and 34.91 < point[1] < 34.93


def test_a_certificate_is_counted_with_no_place_and_no_district(client, city):
    row = _row_of(get_csv(client), city["requests"]["paper"])
    assert row["service_kind"] == "certificate" and row["outcome"] == "resolved"
    assert row["longitude"] == row["latitude"] == row["district_code"] == row["location_precision"] == ""
    feature = next(f for f in get_geojson(client)["features"] if f["id"] == row["id"])
    assert feature["geometry"] is None and feature["properties"]["district_code"] is None


def test_each_record_tells_how_the_request_ended_how_fast_and_whether_in_time(client, city):
    rows = get_csv(client)
    r = city["requests"]
    fixed = _row_of(rows, r["fixed"])
    handled = T0 + timedelta(days=2, hours=3, minutes=2)
    assert fixed["status"] == "resolved" and fixed["outcome"] == "resolved"
    assert fixed["handled_date"] == local(handled).date().isoformat()
    assert float(fixed["days_to_handle"]) == round(((handled - T0).total_seconds() // 3600) / 24, 1)
    assert fixed["within_legal_delay"] == "true" and fixed["rating"] == "4"
    assert fixed["service_name_fr"] == "Lampe en panne" and fixed["service_name_ar"] == "إنارة معطلة"

    late = _row_of(rows, r["late"])
    assert late["within_legal_delay"] == "false" and late["rating"] == ""
    assert _row_of(rows, r["refused"])["outcome"] == "rejected"
    copy = _row_of(rows, r["copy"])
    assert copy["outcome"] == "duplicate" and copy["within_legal_delay"] == ""
    forgotten = _row_of(rows, r["forgotten"])
    assert forgotten["outcome"] == forgotten["handled_date"] == forgotten["days_to_handle"] == ""
    assert forgotten["within_legal_delay"] == "false"  # open, and past its deadline long ago
    assert _row_of(rows, r["fresh"])["within_legal_delay"] == ""


def test_the_csv_and_the_geojson_agree_row_for_row(client, city):
    rows = get_csv(client)
    features = get_geojson(client)["features"]
    assert [f["id"] for f in features] == [row["id"] for row in rows]
    for row, feature in zip(rows, features, strict=True):
        properties = {
            k: "" if v is None else str(v).lower() if isinstance(v, bool) else str(v)
            for k, v in feature["properties"].items()
        }
        assert properties == {k: v for k, v in row.items() if k not in ("longitude", "latitude")}
        if row["longitude"]:
            geometry = shape(feature["geometry"])
            assert geometry.equals(Point(float(row["longitude"]), float(row["latitude"])))
        else:
            assert feature["geometry"] is None


def test_gdal_reads_the_geojson_and_finds_the_points_of_the_csv(client, city, tmp_path):
    if shutil.which("ogr2ogr") is None:
        pytest.fail("ogr2ogr is missing: run `make system-deps` (Debian package gdal-bin)")
    source = tmp_path / "requests.geojson"
    source.write_bytes(client.get("/open-data/requests.geojson").get_data())
    out = tmp_path / "read.csv"
    done = subprocess.run(
        ["ogr2ogr", "-f", "CSV", str(out), str(source), "-lco", "GEOMETRY=AS_XY"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    read = by_id(list(csv.DictReader(out.open(encoding="utf-8"))))
    rows = get_csv(client)
    assert set(read) == {row["id"] for row in rows}
    for row in rows:
        got = read[row["id"]]
        assert got["service_name_ar"] == row["service_name_ar"]
        if row["longitude"]:
            assert (float(got["X"]), float(got["Y"])) == (float(row["longitude"]), float(row["latitude"]))
        else:
            assert got["X"] == got["Y"] == ""


def test_a_year_keeps_the_requests_filed_in_that_year(client, city):
    fresh = city["requests"]["fresh"]
    this_year = get_csv(client, year=local(fresh.filed_at).year)
    assert [row["service_code"] for row in this_year] == ["building-permit"]
    assert len(get_csv(client, year=2025)) == len(city["requests"]) - 2
    response = client.get("/open-data/requests.csv", query_string={"year": 2025})
    assert response.headers["Content-Disposition"] == 'attachment; filename="berkane-requests-2025.csv"'


@pytest.mark.parametrize("path", ["/open-data/requests.csv", "/open-data/requests.geojson"])
def test_a_bad_year_serves_no_file_and_says_why_in_the_visitors_language(client, path):
    client.set_cookie("brk_lang", "ar")
    response = client.get(path, query_string={"year": "1999"})
    assert response.status_code == 400
    assert response.mimetype == "text/html" and "Content-Disposition" not in response.headers
    expected = tr("ar", "Choose a year from %(first)s to %(last)s, or none for every year.")
    assert expected % {"first": 2020, "last": local(utcnow()).year} in page_text(response)


def test_the_files_need_no_account_and_set_no_cookie(client, city):
    response = client.get("/open-data/requests.geojson")
    assert response.status_code == 200
    assert "Set-Cookie" not in response.headers
    assert response.headers["Access-Control-Allow-Origin"] == "*"


def test_the_page_documents_every_field_the_files_contain(client, city):
    page = client.get("/open-data").get_data(as_text=True)
    documented = re.findall(r'<tr id="field-([a-z_]+)">', page)
    header = list(get_csv(client)[0].keys())
    assert documented == header
    properties = set(get_geojson(client)["features"][0]["properties"])
    assert properties | {"longitude", "latitude"} == set(documented)
    for name in ("status", "outcome", "service_kind", "location_precision"):
        values = {row[name] for row in get_csv(client)} - {""}
        section = page.split(f'<tr id="field-{name}">')[1].split("</tr>")[0]
        assert all(f'<code dir="ltr">{value}</code>' in section for value in values), name


@pytest.mark.parametrize("language", ["ar", "fr"])
def test_the_open_data_page_is_linked_from_every_page_and_reads_in_both_languages(client, language):
    client.set_cookie("brk_lang", language)
    home = client.get("/").get_data(as_text=True)
    assert 'href="/open-data"' in home
    page = client.get("/open-data")
    assert page.status_code == 200
    text = page_text(page)
    assert tr(language, "Open data: the requests made to the commune") in text
    assert "CC BY 4.0" in text
    assert 'rel="license"' in page.get_data(as_text=True)
    # Each field's meaning is given in both languages, whatever the page's.
    assert tr("ar", "The day the request was received, in Morocco's time.") in text
    assert tr("fr", "The day the request was received, in Morocco's time.") in text
