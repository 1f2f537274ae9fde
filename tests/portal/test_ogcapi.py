"""OGC API – Features at /ogcapi: documents and links, paging, filters by box, time and property, coordinate
systems checked against pyproj, errors as the standard asks, and HTML pages in Arabic and French."""

import json
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from geoalchemy2.shape import from_shape
from pyproj import Transformer
from shapely.geometry import MultiPolygon, Polygon

from gis.features import CRS84, EPSG_4326, LAMBERT_NORD
from portal.ogcapi.catalogue import COLLECTIONS
from tests.conftest import page_text, tr
from tests.factories import make_container, make_district, make_light, make_request, make_service

LANGUAGES = ["ar", "fr"]
ITEMS = "/ogcapi/collections/lights/items"
LOCATED = [
    {"name": "location", "type": "location", "label_ar": "المكان", "label_fr": "Lieu", "required": True},
    {"name": "description", "type": "textarea", "label_ar": "الوصف", "label_fr": "Description", "required": True},
]


def _json(response) -> dict:
    return json.loads(response.get_data(as_text=True))


def _rels(document: dict) -> dict[str, list[dict]]:
    found: dict[str, list[dict]] = {}
    for link in document["links"]:
        found.setdefault(link["rel"], []).append(link)
    return found


def _path(href: str) -> str:
    parts = urlsplit(href)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def _ids(client, url: str) -> list[int]:
    response = client.get(url)
    assert response.status_code == 200, response.get_data(as_text=True)
    return [feature["id"] for feature in _json(response)["features"]]


@pytest.fixture
def lights(db):
    """Twelve street lights on a line from west to east, 100 m apart (about 0.0011 degrees)."""
    made = [
        make_light(db.session, lon=-2.33 + n * 0.0011, lat=34.92, power_w=100 if n % 3 == 0 else 150) for n in range(12)
    ]
    db.session.commit()
    return made


# --------------------------------------------------------------------------- documents


def test_the_landing_page_links_to_the_api_definition_the_conformance_classes_and_the_collections(client):
    for address in ("/ogcapi", "/ogcapi/"):
        response = client.get(address)
        assert response.status_code == 200
        assert response.mimetype == "application/json"
        rels = _rels(_json(response))
        assert rels["service-desc"][0]["type"] == "application/vnd.oai.openapi+json;version=3.0"
        assert _path(rels["conformance"][0]["href"]) == "/ogcapi/conformance"
        assert _path(rels["data"][0]["href"]) == "/ogcapi/collections"
        assert rels["alternate"][0]["type"] == "text/html"
        assert all("type" in link for link in _json(response)["links"])


def test_the_conformance_declaration_names_core_geojson_html_openapi_and_crs(client):
    classes = _json(client.get("/ogcapi/conformance"))["conformsTo"]
    for part in ("core", "geojson", "html", "oas30"):
        assert f"http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/{part}" in classes
    assert "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs" in classes


def test_the_api_definition_describes_each_collections_items_and_their_filters(client):
    response = client.get("/ogcapi/api")
    assert response.mimetype == "application/vnd.oai.openapi+json"
    document = _json(response)
    assert document["openapi"].startswith("3.0")
    assert document["servers"] == [{"url": "http://localhost/ogcapi"}]
    bbox = document["components"]["parameters"]["bbox"]
    assert bbox["schema"] == {"type": "array", "minItems": 4, "maxItems": 6, "items": {"type": "number"}}
    assert (bbox["style"], bbox["explode"]) == ("form", False)
    lights = document["paths"]["/collections/lights/items"]["get"]["parameters"]
    named = {p.get("name") or p["$ref"].rsplit("/", 1)[1] for p in lights}
    assert {"bbox", "bbox-crs", "crs", "datetime", "limit", "offset", "status", "power_w"} <= named
    assert set(document["paths"]) >= {f"/collections/{cid}/items/{{featureId}}" for cid in COLLECTIONS}


def test_the_collections_have_their_extent_crs_list_and_links(client, db, lights):
    make_container(db.session, lon=-2.30, lat=34.95, fill_read_at=datetime(2026, 3, 1, 8, 0, tzinfo=UTC))
    make_container(db.session, lon=-2.31, lat=34.94, fill_read_at=datetime(2026, 3, 5, 17, 30, 15, tzinfo=UTC))
    db.session.commit()
    document = _json(client.get("/ogcapi/collections"))
    assert _rels(document)["self"][0]["type"] == "application/json"
    listed = {c["id"]: c for c in document["collections"]}
    assert list(listed) == list(COLLECTIONS)
    light = listed["lights"]
    assert light["extent"]["spatial"]["bbox"] == [[-2.33, 34.92, -2.3179, 34.92]]
    assert "temporal" not in light["extent"]
    assert light["crs"] == [CRS84.uri, EPSG_4326.uri, LAMBERT_NORD.uri]
    assert light["storageCrs"] == CRS84.uri
    items = [link for link in light["links"] if link["rel"] == "items"]
    assert {link["type"] for link in items} == {"application/geo+json", "text/html"}
    assert listed["containers"]["extent"]["temporal"]["interval"] == [["2026-03-01T08:00:00Z", "2026-03-05T17:30:15Z"]]
    assert _json(client.get("/ogcapi/collections/containers")) == listed["containers"]


@pytest.mark.parametrize("lang", LANGUAGES)
def test_collection_titles_and_descriptions_come_in_the_language_asked_for(client, lang):
    response = client.get("/ogcapi/collections/lights", headers={"Accept-Language": lang})
    document = _json(response)
    assert document["title"] == tr(lang, "Street lights")
    assert document["description"] == tr(
        lang, "Every light point of the public lighting: the code painted on its pole, its lamp, power and state."
    )


def test_a_json_answer_is_open_to_every_site_and_the_same_for_every_visitor(client, lights):
    response = client.get(ITEMS)
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert response.headers["Content-Crs"] == f"<{CRS84.uri}>"
    # No session is read: a cache may give one visitor's answer to another.
    assert "Cookie" not in response.headers.get("Vary", "")
    assert "Set-Cookie" not in response.headers


# --------------------------------------------------------------------------- paging


def test_next_links_walk_every_feature_in_the_box_exactly_once(client, lights):
    url = f"{ITEMS}?bbox=-2.3301,34.91,-2.3200,34.93&limit=4"
    seen, pages, document = [], 0, {}
    while url:
        document = _json(client.get(url))
        assert document["numberReturned"] == len(document["features"]) <= 4
        seen += [feature["id"] for feature in document["features"]]
        pages += 1
        nxt = _rels(document).get("next")
        url = _path(nxt[0]["href"]) if nxt else None
        if url:
            assert "numberMatched" not in document
    assert seen == [light.id for light in lights[:10]]  # west of -2.3200
    assert pages == 3
    assert document["numberMatched"] == 10


def test_a_page_links_back_to_the_previous_one(client, lights):
    document = _json(client.get(f"{ITEMS}?limit=5&offset=7"))
    assert [f["id"] for f in document["features"]] == [light.id for light in lights[7:12]]
    prev = parse_qs(urlsplit(_rels(document)["prev"][0]["href"]).query)
    assert (prev["offset"], prev["limit"]) == (["2"], ["5"])
    assert document["numberMatched"] == 12


def test_ten_features_come_by_default_and_a_limit_above_the_maximum_reads_as_the_maximum(client, lights):
    assert len(_ids(client, ITEMS)) == 10
    assert len(_ids(client, f"{ITEMS}?limit=999999")) == 12


def test_an_offset_past_the_end_gives_an_empty_page_without_a_count(client, lights):
    document = _json(client.get(f"{ITEMS}?offset=50"))
    assert document["features"] == []
    assert "numberMatched" not in document
    assert "next" not in _rels(document)


# --------------------------------------------------------------------------- filters


def test_a_box_keeps_the_areas_it_meets_not_those_whose_corner_only_comes_near(client, db):
    # A triangle whose bounding box covers the query box, while the triangle itself stays south-east of it.
    triangle = MultiPolygon([Polygon([(-2.33, 34.91), (-2.31, 34.91), (-2.31, 34.93)])])
    far = make_district(db.session, geom=from_shape(triangle, srid=4326))
    near = make_district(db.session, bounds=(-2.329, 34.925, -2.327, 34.929))
    db.session.commit()
    assert _ids(client, "/ogcapi/collections/districts/items?bbox=-2.329,34.926,-2.328,34.928") == [near.id]
    assert _ids(client, "/ogcapi/collections/districts/items?bbox=-2.312,34.911,-2.311,34.912") == [far.id]


def test_a_box_leaves_out_a_light_a_few_centimetres_beyond_its_edge(client, db):
    # The spatial index stores boxes in single precision: it alone would let in a light 2e-7 degrees outside.
    inside = make_light(db.session, lon=-2.3200000, lat=34.92).id
    make_light(db.session, lon=-2.3199998, lat=34.92)
    db.session.commit()
    assert _ids(client, "/ogcapi/collections/lights/items?bbox=-2.33,34.91,-2.32,34.93") == [inside]


def test_datetime_selects_by_instant_and_by_closed_and_open_intervals(client, db):
    def reading(day: int, hour: int):
        moment = datetime(2026, 3, day, hour, 0, 0, tzinfo=UTC)
        return make_container(db.session, fill_read_at=moment).id

    first, second, third = reading(1, 8), reading(2, 12), reading(4, 18)
    unread = make_container(db.session).id
    light = make_light(db.session).id
    db.session.commit()
    url = "/ogcapi/collections/containers/items?datetime="
    assert _ids(client, url + "2026-03-02T12:00:00Z") == [second]
    assert _ids(client, url + "2026-03-02") == [second]
    assert _ids(client, url + "2026-03-02T13:00:00%2B01:00") == [second]  # the same instant an hour east
    assert _ids(client, url + "2026-03-01/2026-03-02") == [first, second]
    assert _ids(client, url + "2026-03-02T00:00:00Z/..") == [second, third]
    assert _ids(client, url + "../2026-03-02T11:59:59Z") == [first]
    assert unread in _ids(client, "/ogcapi/collections/containers/items")
    # Street lights have no time: a datetime leaves them all.
    assert _ids(client, "/ogcapi/collections/lights/items?datetime=2026-03-02") == [light]


def test_datetime_refuses_what_is_not_an_instant_or_an_ordered_interval(client):
    for value in ("yesterday", "2026-03-05/2026-03-01", "2026-13-01", "../..", "2026-03-01/2026-03-02/2026-03-03"):
        response = client.get(f"/ogcapi/collections/containers/items?datetime={value}")
        assert response.status_code == 400, value
        assert _json(response)["code"] == "datetime_invalid"


def test_property_values_select_features_and_combine_with_each_other(client, db, lights):
    lights[4].status = "out"
    db.session.commit()
    assert _ids(client, f"{ITEMS}?status=out") == [lights[4].id]
    assert _ids(client, f"{ITEMS}?power_w=100&limit=100") == [light.id for light in lights[::3]]
    assert _ids(client, f"{ITEMS}?power_w=100&status=out") == []
    assert _ids(client, f"{ITEMS}?code={lights[5].code}") == [lights[5].id]
    response = client.get(f"{ITEMS}?power_w=strong")
    assert response.status_code == 400
    assert _json(response)["code"] == "filter_value_invalid"


def test_the_queryables_are_a_json_schema_of_the_filterable_properties(client):
    response = client.get("/ogcapi/collections/lights/queryables")
    assert response.mimetype == "application/schema+json"
    schema = _json(response)
    assert schema["properties"]["power_w"]["type"] == "integer"
    assert schema["properties"]["status"]["type"] == "string"


# --------------------------------------------------------------------------- errors


def test_an_unknown_parameter_is_refused_with_an_exception_document(client, lights):
    response = client.get(f"{ITEMS}?ooga=booga", headers={"Accept-Language": "fr"})
    assert response.status_code == 400
    assert response.mimetype == "application/json"
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    body = _json(response)
    assert body["code"] == "parameter_unknown"
    assert "ooga" in body["description"]
    assert client.get("/ogcapi/collections?ooga=1").status_code == 400


@pytest.mark.parametrize(
    "query", ["limit=unlimited", "limit=0", "offset=-1", "bbox=1,2,3", "bbox=3,2,1,4", "crs=EPSG:3857", "f=xml"]
)
def test_an_invalid_value_is_refused(client, query):
    assert client.get(f"{ITEMS}?{query}").status_code == 400


def test_an_unknown_collection_or_feature_is_not_found(client, lights):
    for url in ("/ogcapi/collections/parks", "/ogcapi/collections/parks/items", f"{ITEMS}/999999", f"{ITEMS}/abc"):
        response = client.get(url)
        assert response.status_code == 404, url
        assert set(_json(response)) == {"code", "description"}


def test_a_feature_links_to_itself_its_other_format_and_its_collection(client, lights):
    response = client.get(f"{ITEMS}/{lights[0].id}")
    feature = _json(response)
    assert response.mimetype == "application/geo+json"
    assert feature["id"] == lights[0].id
    assert feature["properties"]["code"] == lights[0].code
    rels = _rels(feature)
    assert _path(rels["self"][0]["href"]) == f"{ITEMS}/{lights[0].id}"
    assert _path(rels["collection"][0]["href"]) == "/ogcapi/collections/lights"
    assert rels["alternate"][0]["type"] == "text/html"


# --------------------------------------------------------------------------- coordinate reference systems


def test_geometries_come_in_epsg_4326_latitude_first_and_in_lambert_nord_as_pyproj_computes_them(client, lights):
    light = lights[3]
    lon, lat = -2.33 + 3 * 0.0011, 34.92
    default = _json(client.get(f"{ITEMS}/{light.id}"))["geometry"]["coordinates"]
    assert default == pytest.approx([lon, lat], abs=1e-6)

    response = client.get(f"{ITEMS}/{light.id}?crs={EPSG_4326.uri}")
    assert response.headers["Content-Crs"] == f"<{EPSG_4326.uri}>"
    assert _json(response)["geometry"]["coordinates"] == pytest.approx([lat, lon], abs=1e-6)

    response = client.get(f"{ITEMS}?crs={LAMBERT_NORD.uri}&limit=12")
    assert response.headers["Content-Crs"] == f"<{LAMBERT_NORD.uri}>"
    to_lambert = Transformer.from_crs("OGC:CRS84", "EPSG:26191", always_xy=True)
    for n, feature in enumerate(_json(response)["features"]):
        expected = to_lambert.transform(-2.33 + n * 0.0011, 34.92)
        assert feature["geometry"]["coordinates"] == pytest.approx(list(expected), abs=0.01)
    assert n == 11


def test_a_box_in_lambert_nord_selects_the_same_lights_as_the_same_box_in_longitude_and_latitude(client, lights):
    west, south, east, north = -2.3301, 34.919, -2.3240, 34.921  # the first six lights
    to_lambert = Transformer.from_crs("OGC:CRS84", "EPSG:26191", always_xy=True)
    box = to_lambert.transform_bounds(west, south, east, north, densify_pts=21)
    in_degrees = _ids(client, f"{ITEMS}?bbox={west},{south},{east},{north}")
    in_metres = _ids(client, f"{ITEMS}?bbox={','.join(map(str, box))}&bbox-crs={LAMBERT_NORD.uri}")
    assert in_degrees == in_metres == [light.id for light in lights[:6]]
    # EPSG:4326 reads a box latitude first.
    in_lat_lon = _ids(client, f"{ITEMS}?bbox={south},{west},{north},{east}&bbox-crs={EPSG_4326.uri}")
    assert in_lat_lon == in_degrees


# --------------------------------------------------------------------------- HTML


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_document_is_also_a_page_in_the_readers_language(client, lights, lang):
    client.set_cookie("brk_lang", lang)
    direction = "rtl" if lang == "ar" else "ltr"
    pages = [
        ("/ogcapi?f=html", tr(lang, "Commune of Berkane — open geographic data")),
        ("/ogcapi/conformance?f=html", tr(lang, "Conformance classes")),
        ("/ogcapi/collections?f=html", tr(lang, "Street lights")),
        ("/ogcapi/collections/lights?f=html", tr(lang, "Coordinate reference systems")),
        ("/ogcapi/collections/lights/queryables?f=html", tr(lang, "Queryable properties")),
        (f"{ITEMS}?f=html&limit=5", tr(lang, "Next page")),
        (f"{ITEMS}/{lights[0].id}?f=html", lights[0].code),
    ]
    for url, text in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        assert response.mimetype == "text/html"
        html = response.get_data(as_text=True)
        assert f'<html lang="{lang}" dir="{direction}">' in html, url
        assert text in html, url


def test_a_browser_gets_the_page_and_a_program_the_json_at_the_same_address(client, lights):
    browser = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
    assert client.get(ITEMS, headers={"Accept": browser}).mimetype == "text/html"
    assert client.get(ITEMS, headers={"Accept": "*/*"}).mimetype == "application/geo+json"
    assert client.get(ITEMS, headers={"Accept": browser}, query_string={"f": "json"}).mimetype == (
        "application/geo+json"
    )


def test_an_error_on_a_page_is_shown_in_the_readers_language(client):
    client.set_cookie("brk_lang", "fr")
    response = client.get(f"{ITEMS}?f=html&limit=none")
    assert response.status_code == 400
    assert response.mimetype == "text/html"
    message = tr("fr", "The limit must be a whole number, 1 or more (a page holds at most %(max)s features).")
    assert message % {"max": "10000"} in page_text(response)


def test_a_reported_problem_is_published_with_its_service_status_and_dates_only(client, db, store):
    district = make_district(db.session)
    service = make_service(db.session, kind="report", fields=LOCATED)
    values = {
        "location__lon": "-2.32000",
        "location__lat": "34.92000",
        "location__district": str(district.id),
        "location__address": "12 rue des Orangers",
        "description": "Lampe éteinte devant chez Karim Tazi",
    }
    request = make_request(db.session, store, service=service, values=values)
    db.session.commit()
    reports = "/ogcapi/collections/reports/items"
    (feature,) = _json(client.get(reports))["features"]
    assert set(feature["properties"]) == {
        "service",
        "service_name_ar",
        "service_name_fr",
        "status",
        "filed_at",
        "decided_at",
    }
    assert "Karim" not in json.dumps(feature)
    filed = feature["properties"]["filed_at"][:10]
    assert _ids(client, f"{reports}?datetime={filed}") == [request.id]
    assert _ids(client, f"{reports}?datetime=2000-01-01/2000-12-31") == []
    assert _ids(client, f"{reports}?service={service.code}&status={request.status}") == [request.id]
    assert _ids(client, f"{reports}?status=closed") == []


def test_time_of_day_in_a_datetime_filter_is_read_to_the_second(client, db):
    moment = datetime(2026, 3, 2, 12, 0, 0, 400_000, tzinfo=UTC)
    container = make_container(db.session, fill_read_at=moment)
    db.session.commit()
    url = "/ogcapi/collections/containers/items?datetime="
    assert _ids(client, url + "2026-03-02T12:00:00Z") == [container.id]
    assert _ids(client, url + "2026-03-02T12:00:00.5Z") == []
    assert _ids(client, url + (moment - timedelta(seconds=1)).strftime("%Y-%m-%dT%H:%M:%SZ")) == []
