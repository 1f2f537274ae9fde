"""The transport pages for residents: lines, stops by name or code, stops near a place, a stop's next departures, a
line's stops; in Arabic and French, without JavaScript; and reports filed on a stop."""

from datetime import UTC, date, datetime

import pytest
from babel.dates import format_date
from sqlalchemy import select

from gis.transport.models import Frequency
from services.requests.models import ServiceRequest
from tests.conftest import page_text, tr
from tests.factories import (
    make_calendar,
    make_calendar_date,
    make_department,
    make_district,
    make_request,
    make_route,
    make_service,
    make_stop,
    make_trip,
    make_user,
)
from tests.portal.test_filing import FIELDS, form_key

LANGUAGES = ("ar", "fr")
# Monday 23 November 2026, 07:30 in Berkane (UTC+0 since the decree of September 2026).
NOW = datetime(2026, 11, 23, 7, 30, tzinfo=UTC)


@pytest.fixture
def network(db, monkeypatch):
    """Two stops in the centre, one far off; line 7 on weekdays, its last bus after midnight; line 12 on Sundays."""
    monkeypatch.setattr("portal.transport.routes.utcnow", lambda: NOW)
    district = make_district(db.session, bounds=(-2.33, 34.91, -2.31, 34.93), name_fr="Centre", name_ar="الوسط")
    make_calendar(db.session, "WK", "1111100")
    make_calendar(db.session, "SU", "0000001")
    gare = make_stop(
        db.session,
        -2.3200,
        34.9200,
        stop_id="GARE",
        code="1042",
        name="Gare",
        name_ar="المحطة",
        name_fr="Gare routière",
    )
    souk = make_stop(db.session, -2.3240, 34.9210, stop_id="SOUK", code="1043", name="Souk", name_fr="Souk")
    far = make_stop(db.session, -2.2500, 34.9800, stop_id="FAR", code=None, name="Sidi Slimane")
    seven = make_route(
        db.session,
        route_id="L7",
        short_name="7",
        long_name="Gare - Souk",
        long_name_ar="المحطة - السوق",
        color="7BC142",
    )
    twelve = make_route(db.session, route_id="L12", short_name="12", long_name="Gare - Sidi Slimane", color="1D4F91")
    make_trip(db.session, seven, "WK", (gare, souk), ("08:15:00", "08:25:00"), headsign="Souk", direction_id=0)
    make_trip(db.session, seven, "WK", (souk, gare), ("09:00:00", "09:10:00"), headsign="Gare", direction_id=1)
    make_trip(db.session, seven, "WK", (gare, souk), ("24:40:00", "24:50:00"), headsign="Souk", direction_id=0)
    make_trip(db.session, twelve, "SU", (gare, far), ("10:00:00", "10:30:00"), headsign="Sidi Slimane")
    db.session.commit()
    return {"district": district, "gare": gare, "souk": souk, "far": far, "seven": seven, "twelve": twelve}


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_transport_page_lists_the_lines_in_the_readers_language(client, network, lang):
    client.set_cookie("brk_lang", lang)
    response = client.get("/transport")
    assert response.status_code == 200
    text = page_text(response)
    assert tr(lang, "Bus lines") in text
    # The Arabic name where there is one, else the feed's own.
    assert ("المحطة - السوق" if lang == "ar" else "Gare - Souk") in text
    assert "Gare - Sidi Slimane" in text
    assert text.index("Gare - S") < text.index("Gare - Sidi") or lang == "ar"  # line 7 before line 12
    html = response.get_data(as_text=True)
    assert f'<html lang="{lang}" dir="{"rtl" if lang == "ar" else "ltr"}">' in html


def test_lines_keep_their_colours_with_readable_text(client, network):
    css = client.get("/transport/lines.css")
    assert css.status_code == 200 and css.mimetype == "text/css"
    body = css.get_data(as_text=True)
    seven, twelve = network["seven"], network["twelve"]
    assert f".line--{seven.id} {{ background: #7BC142; color: #000000;" in body  # black reads on light green
    assert f".line--{twelve.id} {{ background: #1D4F91; color: #FFFFFF;" in body


@pytest.mark.parametrize("lang", LANGUAGES)
def test_a_stop_is_found_by_its_name_or_its_code(client, network, lang):
    client.set_cookie("brk_lang", lang)
    by_code = page_text(client.get("/transport?q=1043"))
    assert tr(lang, "%(num)s stop found.") % {"num": 1} in by_code
    assert "Souk" in by_code
    by_name = client.get("/transport?q=gare").get_data(as_text=True)
    assert 'href="/transport/stops/GARE"' in by_name
    nothing = page_text(client.get("/transport?q=zzz"))
    assert tr(lang, "No stop has this name or code. Check the spelling, or look for the stops near you.") in nothing


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_stops_near_a_point_come_nearest_first_with_their_distance(client, network, lang):
    client.set_cookie("brk_lang", lang)
    # 30 m east of the station, about 340 m from the souk; Sidi Slimane is kilometres away.
    response = client.get("/transport?lat=34.9200&lon=-2.31967")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert html.index("/transport/stops/GARE") < html.index("/transport/stops/SOUK")
    assert "/transport/stops/FAR" not in html
    text = page_text(response)
    assert tr(lang, "%(metres)s m as the crow flies") % {"metres": 30} in text
    assert tr(lang, "Stops within %(metres)s m of the place") % {"metres": 500} in text


@pytest.mark.parametrize("lang", LANGUAGES)
def test_arabic_digits_and_a_decimal_comma_are_read(client, network, lang):
    client.set_cookie("brk_lang", lang)
    response = client.get("/transport", query_string={"lat": "٣٤٫٩٢٠٠", "lon": "-2,31967"})
    assert response.status_code == 200
    assert "/transport/stops/GARE" in response.get_data(as_text=True)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_a_district_lists_its_stops_without_javascript(client, network, lang):
    client.set_cookie("brk_lang", lang)
    response = client.get(f"/transport?district={network['district'].id}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "/transport/stops/GARE" in html and "/transport/stops/SOUK" in html
    assert "/transport/stops/FAR" not in html
    district_name = "الوسط" if lang == "ar" else "Centre"
    assert tr(lang, "Stops in %(district)s") % {"district": district_name} in page_text(response)


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        (
            {"lat": "north", "lon": "-2.32"},
            "lat",
            "Give the latitude as a number of degrees from -90 to 90, like 34.9213.",
        ),
        (
            {"lat": "34.92", "lon": "500"},
            "lon",
            "Give the longitude as a number of degrees from -180 to 180, like -2.3206.",
        ),
        (
            {"lat": "nan", "lon": "-2.32"},
            "lat",
            "Give the latitude as a number of degrees from -90 to 90, like 34.9213.",
        ),
        ({"lat": "34.92"}, "lon", "Give both the latitude and the longitude of the place."),
        ({"district": "999999"}, "district", "Choose your district in the list."),
    ],
)
def test_bad_coordinates_get_a_clear_error(client, network, lang, query, field, message):
    client.set_cookie("brk_lang", lang)
    response = client.get("/transport", query_string=query)
    assert response.status_code == 400
    text = page_text(response)
    assert tr(lang, "There is a problem") in text
    assert tr(lang, message) in text
    assert f'href="#{field}"' in response.get_data(as_text=True)


# --------------------------------------------------------------------------- a stop


@pytest.mark.parametrize("lang", LANGUAGES)
def test_a_stops_page_shows_its_name_code_lines_and_next_departures(client, network, lang):
    client.set_cookie("brk_lang", lang)
    response = client.get("/transport/stops/GARE")
    assert response.status_code == 200
    text = page_text(response)
    name = "المحطة" if lang == "ar" else "Gare routière"
    assert tr(lang, "Bus stop %(name)s") % {"name": name} in text  # the window's title
    assert f"<h1>{name}</h1>" in response.get_data(as_text=True)
    assert "1042" in text
    html = response.get_data(as_text=True)
    assert 'href="/transport/routes/L7"' in html and 'href="/transport/routes/L12"' in html
    # Today (Monday) from 07:30: the 08:15, then the bus after midnight, which leaves on Tuesday at 00:40 and so
    # is listed under Tomorrow; Tuesday's own 08:15 follows it. The 09:10 arrives here and ends: no boarding.
    times = [t.split('"')[1] for t in html.split("<time datetime=")[1:]]
    assert times == [
        "2026-11-23T08:15:00+00:00",
        "2026-11-23T09:10:00+00:00",
        "2026-11-24T00:40:00+00:00",
        "2026-11-24T08:15:00+00:00",
        "2026-11-24T09:10:00+00:00",
    ]
    assert tr(lang, "Arrives only: no boarding") in text
    assert tr(lang, "Today") in text and tr(lang, "Tomorrow") in text
    # Where each bus goes: the souk has no Arabic name, so the trip's headsign says it; the station has one.
    souk_page = page_text(client.get("/transport/stops/SOUK"))
    assert ("المحطة" if lang == "ar" else "Gare routière") in souk_page


def test_a_stop_name_falls_back_to_the_feeds_name(client, network):
    client.set_cookie("brk_lang", "ar")
    html = client.get("/transport/stops/SOUK").get_data(as_text=True)  # no Arabic name: the feed's
    assert "<h1>Souk</h1>" in html


def test_a_sunday_and_a_public_holiday_run_the_sunday_timetable(client, db, network, monkeypatch):
    make_calendar_date(db.session, "WK", date(2026, 11, 24), 2)
    make_calendar_date(db.session, "SU", date(2026, 11, 24), 1)
    db.session.commit()
    html = client.get("/transport/stops/GARE").get_data(as_text=True)
    times = [t.split('"')[1] for t in html.split("<time datetime=")[1:]]
    assert times[-1] == "2026-11-24T10:00:00+00:00"  # Tuesday off: line 12's Sunday bus
    assert "2026-11-24T08:15:00+00:00" not in times


def test_a_frequency_based_line_says_about_every_so_many_minutes(client, db, network):
    trip = make_trip(db.session, network["twelve"], "WK", (network["far"], network["souk"]), ("06:00:00", "06:20:00"))
    db.session.add(Frequency(trip_id=trip.id, start_s=6 * 3600, end_s=10 * 3600, headway_s=900, exact_times=0))
    db.session.commit()
    client.set_cookie("brk_lang", "fr")
    response = client.get("/transport/stops/SOUK")
    assert tr("fr", "About every %(minutes)s minutes") % {"minutes": 15} in page_text(response)
    times = [t.split('"')[1] for t in response.get_data(as_text=True).split("<time datetime=")[1:]]
    assert times[:3] == ["2026-11-23T07:35:00+00:00", "2026-11-23T07:50:00+00:00", "2026-11-23T08:05:00+00:00"]


@pytest.mark.parametrize("lang", LANGUAGES)
def test_unknown_stops_and_routes_are_404(client, network, lang):
    client.set_cookie("brk_lang", lang)
    assert client.get("/transport/stops/NOPE").status_code == 404
    assert client.get("/transport/routes/NOPE").status_code == 404


# --------------------------------------------------------------------------- a route


@pytest.mark.parametrize("lang", LANGUAGES)
def test_a_routes_page_lists_its_stops_in_order_for_each_direction_with_first_and_last_buses(client, network, lang):
    client.set_cookie("brk_lang", lang)
    response = client.get("/transport/routes/L7")
    assert response.status_code == 200
    text = page_text(response)
    assert tr(lang, "Line %(name)s") % {"name": "7"} in text
    html = response.get_data(as_text=True)
    # Towards the last stop, by its name in the page's language where the feed translates it, else the headsign.
    gare = "المحطة" if lang == "ar" else "Gare routière"
    towards_souk, towards_gare = (
        html.index(tr(lang, "Towards %(place)s") % {"place": "Souk"}),
        html.index(tr(lang, "Towards %(place)s") % {"place": gare}),
    )
    assert towards_souk < towards_gare
    outbound, inbound = html[towards_souk:towards_gare], html[towards_gare:]
    assert outbound.index("/transport/stops/GARE") < outbound.index("/transport/stops/SOUK")
    assert inbound.index("/transport/stops/SOUK") < inbound.index("/transport/stops/GARE")
    assert "08:15" in outbound and "00:40" in outbound  # first and last buses today, the last after midnight
    assert tr(lang, "The last bus leaves after midnight.") in text


@pytest.mark.parametrize("lang", LANGUAGES)
def test_a_line_not_running_today_says_so(client, network, lang):
    client.set_cookie("brk_lang", lang)
    text = page_text(client.get("/transport/routes/L12"))  # Sundays only
    monday = format_date(date(2026, 11, 23), "full", locale={"ar": "ar_MA", "fr": "fr_MA"}[lang])
    assert tr(lang, "Today, %(day)s: no bus in this direction.") % {"day": monday} in text


# --------------------------------------------------------------------------- reports on a stop


@pytest.fixture
def shelter_service(db):
    return make_service(db.session, kind="report", code="bus-shelter", fields=FIELDS, asset_layer="bus_stop")


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_stops_report_link_opens_the_form_on_that_stop(client, db, network, shelter_service, lang):
    db.session.commit()
    client.set_cookie("brk_lang", lang)
    html = client.get("/transport/stops/GARE").get_data(as_text=True)
    assert 'href="/services/bus-shelter/file?asset=1042"' in html
    make_user(db.session)
    form = client.get("/services/bus-shelter/file?asset=1042").get_data(as_text=True)
    assert 'value="1042"' in form and 'value="34.920000"' in form
    assert f'<option selected value="{network["district"].id}">' in form  # the stop's district, found by its point


def test_a_report_filed_on_a_stop_records_it_and_shows_on_the_stop_page(
    app, client, db, network, shelter_service, login_as
):
    citizen = make_user(db.session)
    login_as(user=citizen)
    url = "/services/bus-shelter/file"
    response = client.submit(
        url,
        {
            "location__asset": " 1042 ",
            "description": "La vitre de l'abri est cassée",
            "idempotency_key": form_key(client, url),
        },
    )
    assert response.status_code == 303
    report = db.session.scalars(select(ServiceRequest)).one()
    assert (report.asset_layer, report.asset_ref, report.district_id) == ("bus_stop", "1042", network["district"].id)

    # The public sees how many problems are being handled, nothing of the reports themselves.
    anonymous = app.test_client()
    anonymous.set_cookie("brk_lang", "fr")
    public = anonymous.get("/transport/stops/GARE")
    text = page_text(public)
    assert tr("fr", "%(num)s problem reported on this stop is being handled.") % {"num": 1} in text
    assert report.tracking_number not in public.get_data(as_text=True)
    assert "vitre" not in text
    assert tr("fr", "%(num)s problem reported on this stop is being handled.") % {"num": 1} not in page_text(
        anonymous.get("/transport/stops/SOUK")
    )

    # The handling department's staff see the report itself, with a link to it; another department's do not.
    login_as("agent", department_id=report.department_id)
    staff = client.get("/transport/stops/GARE").get_data(as_text=True)
    assert f'href="/staff/requests/{report.tracking_number}"' in staff
    login_as("agent", department=make_department(db.session))
    other = client.get("/transport/stops/GARE").get_data(as_text=True)
    assert report.tracking_number not in other


def test_a_stop_without_a_code_is_reported_by_its_stop_id(client, db, network, shelter_service):
    db.session.commit()
    html = client.get("/transport/stops/FAR").get_data(as_text=True)
    assert 'href="/services/bus-shelter/file?asset=FAR"' in html


def test_a_report_placed_on_the_map_near_a_stop_snaps_to_it(db, network, shelter_service, store):
    values = {"location__lon": "-2.32010", "location__lat": "34.92005", "description": "Panneau arraché"}
    report = make_request(db.session, store, service=shelter_service, values=values)
    assert (report.asset_layer, report.asset_ref) == ("bus_stop", "1042")


# --------------------------------------------------------------------------- the city map's layers


@pytest.mark.parametrize("lang", LANGUAGES)
def test_stops_and_bus_routes_are_layers_of_the_city_map_and_of_the_open_api(client, db, network, lang):
    from geoalchemy2.shape import from_shape
    from shapely.geometry import MultiLineString

    network["seven"].geom = from_shape(MultiLineString([[(-2.3200, 34.9200), (-2.3240, 34.9210)]]), srid=4326)
    db.session.commit()
    client.set_cookie("brk_lang", lang)
    listed = {layer["id"]: layer for layer in client.get("/api/layers").get_json()["layers"]}
    assert listed["stops"]["title"] == tr(lang, "Bus stops") and listed["stops"]["geometry"] == "point"
    assert listed["bus-routes"]["title"] == tr(lang, "Bus routes") and listed["bus-routes"]["geometry"] == "line"

    stops = client.get("/api/layers/stops.geojson?bbox=-2.33,34.91,-2.31,34.93").get_json()
    by_id = {f["properties"]["stop_id"]: f["properties"] for f in stops["features"]}
    assert set(by_id) == {"GARE", "SOUK"}  # Sidi Slimane is outside the box
    assert by_id["GARE"] | {"wheelchair_boarding": None} == {
        "stop_id": "GARE",
        "code": "1042",
        "name": "Gare",
        "name_ar": "المحطة",
        "name_fr": "Gare routière",
        "wheelchair_boarding": None,
    }
    routes = client.get("/api/layers/bus-routes.geojson").get_json()
    assert [f["properties"]["route_id"] for f in routes["features"]] == ["L7"]  # line 12 has no line drawn yet
    assert routes["features"][0]["properties"]["color"] == "7BC142"
    assert routes["features"][0]["geometry"]["type"] == "MultiLineString"

    page = client.get("/map").get_data(as_text=True)
    assert tr(lang, "Transport") in page and 'id="layer-stops"' in page and 'id="layer-bus-routes"' in page
    assert '"stops": "/transport/stops/__id__"' in page and '"bus-routes": "/transport/routes/__id__"' in page
