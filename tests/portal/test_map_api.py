"""The city map page and its public GeoJSON layers: validation in the reader's language, paging, caching, and a
layer of reported problems that never shows who reported them."""

import json
import re
from datetime import timedelta

import pytest

from portal.security import CONTENT_SECURITY_POLICY
from services.db import utcnow
from tests.conftest import page_text, tr
from tests.factories import make_district, make_light, make_request, make_service, make_user

LANGUAGES = ["ar", "fr"]
BBOX = "-2.330,34.910,-2.310,34.925"
LOCATED = [
    {"name": "location", "type": "location", "label_ar": "المكان", "label_fr": "Lieu", "required": True},
    {"name": "description", "type": "textarea", "label_ar": "الوصف", "label_fr": "Description", "required": True},
]


def _json(response) -> dict:
    return json.loads(response.get_data(as_text=True))


def _config(response) -> dict:
    found = re.search(r'<script type="application/json" id="city-map-config">(.*?)</script>', response.get_data(True))
    return json.loads(found.group(1))


# --------------------------------------------------------------------------- the page


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_site_menu_leads_to_the_city_map(client, lang):
    client.set_cookie("brk_lang", lang)
    home = client.get("/").get_data(as_text=True)
    assert f'<a href="/map">{tr(lang, "City map")}</a>' in home


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_map_page_offers_every_layer_by_theme_and_links_to_its_data(client, lang):
    client.set_cookie("brk_lang", lang)
    response = client.get("/map")
    assert response.status_code == 200
    text = page_text(response)
    for theme in ("The city", "Public lighting", "Cleanliness", "Reported problems"):
        assert tr(lang, theme) in text
    html = response.get_data(as_text=True)
    for name, title in [
        ("districts", "Districts"),
        ("streets", "Streets"),
        ("lights", "Street lights"),
        ("containers", "Waste containers"),
        ("collection-zones", "Collection zones"),
        ("collection-routes", "Collection routes"),
        ("reports", "Reported problems"),
    ]:
        assert f'id="layer-{name}"' in html
        assert (
            f'<a href="/api/layers/{name}.geojson" type="application/geo+json">{tr(lang, title)} (GeoJSON)</a>' in html
        )
    fallback = (
        "The interactive map needs JavaScript. Its data is listed below, layer by layer, in the open GeoJSON format."
    )
    assert tr(lang, fallback) in text


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_maps_script_gets_its_words_in_the_pages_language_and_the_report_links(client, lang):
    client.set_cookie("brk_lang", lang)
    config = _config(client.get("/map"))
    assert config["lang"] == lang
    strings = config["strings"]
    assert strings["report_light"] == tr(lang, "Report a problem with this street light")
    assert strings["light_status"]["out"] == tr(lang, "Out")
    assert strings["request_status"]["in_progress"] == tr(lang, "In progress")
    assert strings["weekdays"]["1"] == {"ar": "الاثنين", "fr": "lundi"}[lang]
    assert config["report_urls"] == {
        "lights": "/services/street-light-outage/file?asset=__asset__",
        "containers": "/services/container-problem/file?asset=__asset__",
    }
    lights = next(layer for layer in config["layers"] if layer["name"] == "lights")
    assert lights["cluster_tiles"] == "/api/layers/lights/clusters/{z}/{x}/{y}.geojson"
    assert lights["min_feature_zoom"] == 17


def test_without_a_base_map_setting_the_map_loads_nothing_from_elsewhere(client):
    response = client.get("/map")
    assert _config(response)["tiles"] is None
    assert response.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY


def test_a_configured_base_map_is_let_through_the_pages_security_policy(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "MAP_TILE_URL", "https://{s}.tiles.example.org/{z}/{x}/{y}.png")
    monkeypatch.setitem(app.config, "MAP_TILE_ATTRIBUTION", "© Example contributors")
    response = client.get("/map")
    assert _config(response)["tiles"] == {
        "url": "https://{s}.tiles.example.org/{z}/{x}/{y}.png",
        "attribution": "© Example contributors",
    }
    assert "img-src 'self' data: https://*.tiles.example.org;" in response.headers["Content-Security-Policy"]
    # Other pages keep the strict policy.
    assert client.get("/").headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY


def test_the_map_opens_on_the_districts_or_on_a_place_given_in_its_address(client, db):
    make_district(db.session, bounds=(-2.34, 34.90, -2.30, 34.95))
    db.session.commit()
    config = _config(client.get("/map"))
    assert config["bounds"] == pytest.approx([-2.34, 34.90, -2.30, 34.95])
    assert config["view"] is None
    assert _config(client.get("/map?lat=34.92&lon=-2.32&zoom=18"))["view"] == {"lat": 34.92, "lon": -2.32, "zoom": 18}
    assert _config(client.get("/map?lat=95&lon=-2.32"))["view"] is None
    assert _config(client.get("/map?lat=nan&lon=x"))["view"] is None


# --------------------------------------------------------------------------- the layers


@pytest.fixture
def lights(db):
    made = [make_light(db.session, lon=-2.328 + 0.001 * n, lat=34.915) for n in range(7)]
    db.session.commit()
    return made


def test_a_layer_comes_as_geojson_with_its_counts_and_links_to_the_next_and_previous_pages(client, lights):
    response = client.get(f"/api/layers/lights.geojson?bbox={BBOX}&limit=3&offset=3")
    assert response.status_code == 200
    assert response.mimetype == "application/geo+json"
    assert response.headers["Cache-Control"] == "public, max-age=60"
    body = _json(response)
    assert body["type"] == "FeatureCollection"
    assert (body["numberMatched"], body["numberReturned"]) == (7, 3)
    assert [f["properties"]["code"] for f in body["features"]] == [light.code for light in lights[3:6]]
    links = {link["rel"]: link["href"] for link in body["links"]}
    following = _json(client.get(links["next"]))
    assert [f["properties"]["code"] for f in following["features"]] == [lights[6].code]
    assert "next" not in {link["rel"] for link in following["links"]}
    previous = _json(client.get(links["prev"]))
    assert [f["properties"]["code"] for f in previous["features"]] == [light.code for light in lights[:3]]


def test_clusters_count_the_lights_of_the_box_and_of_a_map_tile(client, lights):
    body = _json(client.get(f"/api/layers/lights/clusters?bbox={BBOX}&zoom=12"))
    assert body["numberMatched"] == 7
    (cluster,) = body["features"]
    assert cluster["properties"] == {"count": 7, "faulty": 0}
    assert cluster["geometry"]["coordinates"] == pytest.approx([-2.325, 34.915])
    # Zoom 13 tile 4043/3247 holds Berkane's centre.
    tile = client.get("/api/layers/lights/clusters/13/4043/3247.geojson")
    assert tile.headers["Cache-Control"] == "public, max-age=60"
    assert _json(tile)["numberMatched"] == 7


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_layer_list_names_each_layer_in_the_readers_language(client, lang):
    client.set_cookie("brk_lang", lang)
    body = _json(client.get("/api/layers"))
    layers = {layer["id"]: layer for layer in body["layers"]}
    assert layers["lights"]["title"] == tr(lang, "Street lights")
    assert {link["rel"] for link in layers["lights"]["links"]} == {"items", "clusters", "cluster_tiles"}
    assert {link["rel"] for link in layers["streets"]["links"]} == {"items"}
    assert layers["reports"]["geometry"] == "point"


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize(
    ("query", "code", "message", "params"),
    [
        (
            "bbox=-2.3,34.9",
            "bbox_invalid",
            "Give the area as bbox=west,south,east,north in degrees, west before east and south before north, "
            "like bbox=-2.34,34.91,-2.30,34.94.",
            {},
        ),
        ("limit=10000", "limit_invalid", "The limit must be a whole number from 1 to %(max)s.", {"max": 5000}),
        ("offset=-5", "offset_invalid", "The offset must be a whole number, 0 or more.", {}),
    ],
)
def test_a_bad_parameter_is_refused_with_a_json_message_in_the_readers_language(
    client, lang, query, code, message, params
):
    client.set_cookie("brk_lang", lang)
    response = client.get(f"/api/layers/lights.geojson?{query}")
    assert response.status_code == 400
    assert response.is_json
    assert response.headers["Cache-Control"] == "no-store"
    body = response.get_json()
    assert body["code"] == code
    assert body["message"] == tr(lang, message) % params


def test_every_bad_parameter_is_named_at_once(client):
    body = client.get("/api/layers/lights.geojson?bbox=x&limit=0").get_json()
    assert {(e["code"], e["field"]) for e in body["errors"]} == {("bbox_invalid", "bbox"), ("limit_invalid", "limit")}


@pytest.mark.parametrize("lang", LANGUAGES)
def test_clusters_need_a_zoom_and_a_layer_of_points(client, lang):
    client.set_cookie("brk_lang", lang)
    missing = client.get(f"/api/layers/lights/clusters?bbox={BBOX}")
    assert missing.status_code == 400
    assert missing.get_json()["message"] == tr(lang, "Give the zoom level as a whole number from 0 to %(max)s.") % {
        "max": 22
    }
    streets = client.get("/api/layers/streets/clusters?zoom=12")
    assert streets.status_code == 400
    assert streets.get_json()["message"] == tr(lang, "Only layers of points can be grouped into clusters.")
    assert client.get("/api/layers/lights/clusters/3/9/0.geojson").get_json()["code"] == "tile_invalid"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_an_unknown_layer_is_a_404_in_json(client, lang):
    client.set_cookie("brk_lang", lang)
    response = client.get("/api/layers/bus-stops.geojson")
    assert response.status_code == 404
    assert response.get_json()["message"] == tr(lang, "This map layer does not exist.")


# --------------------------------------------------------------------------- the reported problems


@pytest.fixture
def district(db):
    return make_district(db.session, bounds=(-2.33, 34.91, -2.31, 34.93))


def _located(db, store, service, district, *, lon=-2.32, lat=34.92, user=None, text="Lampe éteinte", **overrides):
    values = {
        "location__lon": f"{lon:.5f}",
        "location__lat": f"{lat:.5f}",
        "location__district": str(district.id),
        "location__address": "12 rue des Orangers, 2e étage",
        "description": text,
    }
    return make_request(db.session, store, service=service, user=user, values=values, **overrides)


def _reports(client) -> list[dict]:
    return _json(client.get(f"/api/layers/reports.geojson?bbox={BBOX}"))["features"]


def test_a_reported_problem_shows_its_service_status_and_dates_and_nothing_about_who_reported_it(
    client, db, store, district
):
    service = make_service(
        db.session, kind="report", fields=LOCATED, name_ar="عطب في الإنارة", name_fr="Panne d'éclairage"
    )
    citizen = make_user(
        db.session, full_name="Zineb Lahlou", email="zineb.lahlou@example.org", phone="+212661234567", cnie="ZL998877"
    )
    request = _located(
        db, store, service, district, user=citizen, text="Mon voisin Karim Tazi au 12 dit que la lampe est éteinte"
    )
    db.session.commit()
    response = client.get(f"/api/layers/reports.geojson?bbox={BBOX}")
    body = response.get_data(as_text=True)
    (feature,) = _json(response)["features"]
    assert feature["geometry"] == {"type": "Point", "coordinates": [-2.32, 34.92]}
    assert feature["properties"] == {
        "service": service.code,
        "service_name_ar": "عطب في الإنارة",
        "service_name_fr": "Panne d'éclairage",
        "status": "new",
        "filed_at": request.filed_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "decided_at": None,
    }
    for personal in (
        "Zineb",
        "Lahlou",
        "zineb.lahlou@example.org",
        "661234567",
        "ZL998877",
        "Karim",
        "voisin",
        "Orangers",
        request.tracking_number,
        request.idempotency_key,
    ):
        assert personal not in body


def test_an_anonymous_reporters_email_and_phone_stay_off_the_map(client, db, store, district):
    service = make_service(db.session, kind="report", fields=LOCATED)
    request = _located(db, store, service, district, contact_email="anonyme@example.org", contact_phone="0661000000")
    assert request.status == "pending_confirmation"
    assert _reports(client) == []  # not on the map until the email address is confirmed
    request.status, request.contact_confirmed_at = "new", utcnow()
    db.session.commit()
    body = client.get(f"/api/layers/reports.geojson?bbox={BBOX}").get_data(as_text=True)
    assert '"features":[{' in body
    assert "anonyme" not in body and "0661000000" not in body


def test_certificates_and_personal_requests_never_appear_on_the_map(client, db, store, district):
    report = make_service(db.session, kind="report", fields=LOCATED)
    pickup = make_service(db.session, kind="request", fields=LOCATED)  # a bulky-waste pickup at home
    certificate = make_service(db.session, kind="certificate", fields=LOCATED)
    shown = _located(db, store, report, district)
    _located(db, store, pickup, district)
    _located(db, store, certificate, district)
    db.session.commit()
    assert [f["id"] for f in _reports(client)] == [shown.id]


def test_open_and_recently_decided_problems_show_while_old_unconfirmed_and_merged_ones_do_not(
    client, db, store, district
):
    service = make_service(db.session, kind="report", fields=LOCATED)
    now = utcnow()
    made = {name: _located(db, store, service, district) for name in ("open", "resolved", "old", "merged", "spam")}
    made["open"].status = "in_progress"
    made["resolved"].status, made["resolved"].resolved_at = "resolved", now - timedelta(days=3)
    made["old"].status, made["old"].closed_at = "closed", now - timedelta(days=45)
    made["merged"].status, made["merged"].merged_into_id = "duplicate", made["open"].id
    made["spam"].status = "pending_confirmation"
    db.session.commit()
    shown = {f["id"]: f["properties"] for f in _reports(client)}
    assert set(shown) == {made["open"].id, made["resolved"].id}
    assert shown[made["resolved"].id]["decided_at"] == made["resolved"].resolved_at.strftime("%Y-%m-%dT%H:%M:%SZ")
    clusters = _json(client.get(f"/api/layers/reports/clusters?bbox={BBOX}&zoom=10"))["features"]
    assert [c["properties"] for c in clusters] == [{"count": 2, "open": 1}]


def test_a_problem_without_a_point_on_the_map_is_left_out(client, db, store, district):
    service = make_service(db.session, kind="report", fields=LOCATED[:1] + LOCATED[1:])
    values = {"location__district": str(district.id), "location__address": "Près du marché", "description": "x" * 12}
    make_request(db.session, store, service=service, values=values)
    db.session.commit()
    assert _reports(client) == []
    assert _json(client.get("/api/layers/reports.geojson"))["numberMatched"] == 0
