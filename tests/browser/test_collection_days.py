"""A resident finds their waste collection days, by district and on the map; the cleanliness department plans a
round. In a real browser, in Arabic and in French, on the demo Berkane (`flask seed demo` lays out its zones)."""

import uuid
from urllib.parse import parse_qs, urlsplit

import pytest
from babel.dates import get_day_names
from babel.lists import format_list
from playwright.sync_api import expect
from sqlalchemy import select

from gis.districts.models import District
from gis.sanitation import queries
from portal.extensions import db
from services.accounts.models import User
from services.catalog.forms import parse_fields
from services.catalog.service import get_service
from services.demo import ACCOUNTS
from services.requests import service as requests
from services.requests.demo import _answers
from services.requests.uploads import FileStore
from tests.browser.test_journeys import DEMO, _sign_in
from tests.conftest import tr

LANGUAGES = ["ar", "fr"]
LOCALES = {"ar": "ar_MA", "fr": "fr_MA"}
CENTRE = "demo-centre"
CLEANLINESS = next(a for a in ACCOUNTS if a.role.value == "supervisor" and a.department == "cleanliness")


def _days(weekdays, lang: str) -> str:
    if len(set(weekdays)) == 7:
        return tr(lang, "Every day")
    names = get_day_names("wide", locale=LOCALES[lang])
    return format_list([names[int(day) - 1] for day in weekdays], locale=LOCALES[lang])


def _district(live_app, code: str) -> tuple[str, dict[str, str]]:
    with live_app.app_context():
        district = db.session.scalar(select(District).where(District.code == code))
        found = str(district.id), {"ar": district.name_ar, "fr": district.name_fr}
        db.session.remove()
        return found


def _expected_at(live_app, lon: float, lat: float):
    """What the database says of the point: the zone's contractor and days."""
    with live_app.app_context():
        schedule = queries.schedule_at(db.session, lon, lat)
        found = (schedule.zone.contractor, schedule.weekdays) if schedule else None
        db.session.remove()
        return found


def _expected_in(live_app, district_id: str):
    with live_app.app_context():
        found = [(s.zone.contractor, s.weekdays) for s in queries.district_schedules(db.session, int(district_id))]
        db.session.remove()
        return found


def _dumping_reports(live_app, lang: str, points) -> str:
    """Illegal-dumping reports filed by the demo citizen at `points`; returns the last one's number."""
    with live_app.app_context():
        citizen = db.session.scalar(select(User).where(User.email == DEMO["citizen"].email))
        service = get_service(db.session, "illegal-dumping")
        for point in points:
            filed = requests.file_request(
                db.session,
                service_code=service.code,
                user=citizen,
                locale=lang,
                values=_answers(db.session, parse_fields(service.current.fields), "Gravats et sacs jetés", point),
                files={},
                idempotency_key=f"browser-dumping-{uuid.uuid4().hex}",
                store=FileStore(live_app.config["UPLOAD_DIR"]),
            )
            db.session.commit()
        number = filed.request.tracking_number
        db.session.remove()
        return number


def _result(page):
    return page.locator("#collection-result")


@pytest.mark.parametrize("lang", LANGUAGES)
def test_a_resident_finds_their_collection_days_by_choosing_their_district(visitor_factory, live_app, lang):
    district_id, names = _district(live_app, CENTRE)
    expected = _expected_in(live_app, district_id)
    assert expected, "the demo town's centre has a collection zone"
    resident = visitor_factory(lang)
    page = resident.goto("/")
    page.get_by_role("link", name=tr(lang, "Collection days")).click()
    resident.check("collection")
    expect(page.get_by_role("region", name=tr(lang, "Map of the collection zones"))).to_be_visible()

    page.get_by_label(tr(lang, "Your district")).select_option(district_id)
    page.get_by_role("button", name=tr(lang, "Show the collection days")).click()
    expect(_result(page)).to_be_visible()
    resident.check("collection-district")
    result = _result(page)
    expect(result.get_by_role("heading", level=2)).to_contain_text(names[lang])
    contractor, weekdays = expected[0]
    expect(result).to_contain_text(contractor)
    expect(result.locator(".collection__days").first).to_have_text(_days(weekdays, lang))
    expect(result).to_contain_text(tr(lang, "Next collection"))


@pytest.mark.parametrize("lang", LANGUAGES)
def test_a_resident_finds_their_collection_days_by_clicking_the_map(visitor_factory, live_app, lang):
    resident = visitor_factory(lang)
    page = resident.goto("/collection")
    canvas = page.get_by_role("region", name=tr(lang, "Map of the collection zones"))
    expect(canvas.locator("path.leaflet-interactive").first).to_be_visible()  # the zones are drawn
    # The map opens on the whole town: its middle is in the centre district's zone.
    canvas.click()
    page.wait_for_url("**/collection?*")
    expect(_result(page)).to_be_visible()
    resident.check("collection-map")

    query = parse_qs(urlsplit(page.url).query)
    lon, lat = float(query["lon"][0]), float(query["lat"][0])
    expected = _expected_at(live_app, lon, lat)
    assert expected is not None, f"no zone at {lon}, {lat}"
    contractor, weekdays = expected
    result = _result(page)
    expect(result.get_by_role("heading", level=2)).to_have_text(tr(lang, "Collection at the place you clicked"))
    expect(result).to_contain_text(contractor)
    expect(result.locator(".collection__days")).to_have_text(_days(weekdays, lang))
    # The point clicked is marked on the map of the answer.
    expect(canvas.locator("path.leaflet-interactive[stroke='#b3261e']")).to_have_count(1)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_without_javascript_the_district_list_still_answers(visitor_factory, live_app, lang):
    district_id, _names = _district(live_app, CENTRE)
    contractor, weekdays = _expected_in(live_app, district_id)[0]
    resident = visitor_factory(lang, javascript=False)
    page = resident.goto("/collection")
    expect(page.get_by_role("region", name=tr(lang, "Map of the collection zones"))).to_be_hidden()
    page.get_by_label(tr(lang, "Your district")).select_option(district_id)
    page.get_by_role("button", name=tr(lang, "Show the collection days")).click()
    resident.check("collection-district")
    expect(_result(page)).to_contain_text(contractor)
    expect(_result(page).locator(".collection__days").first).to_have_text(_days(weekdays, lang))


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_cleanliness_department_plans_a_printable_round_and_sees_the_hotspots(visitor_factory, live_app, lang):
    # Three reports of rubbish dumped on the same waste ground, some 20 m apart.
    latest = _dumping_reports(live_app, lang, [(-2.3150, 34.9230), (-2.3148, 34.9231), (-2.3152, 34.9229)])
    staff = visitor_factory(lang)
    staff.goto("/login")
    _sign_in(staff, lang, CLEANLINESS.email, CLEANLINESS.password)
    page = staff.page
    page.get_by_role("link", name=tr(lang, "Waste collection"), exact=True).click()
    staff.check("containers")
    page.get_by_label(tr(lang, "Fill level from (%)")).fill("90")
    page.get_by_role("button", name=tr(lang, "Show")).click()
    staff.check("containers-90")
    listed = page.locator("#round-form tbody tr").count()
    assert listed > 1, "the demo town has containers over 90 %"

    page.get_by_role("button", name=tr(lang, "Plan the round")).click()
    expect(page.locator("#round-table tbody tr")).to_have_count(min(listed, 150))
    expect(
        page.get_by_role(
            "region", name=tr(lang, "Map of the round: the depot and the containers, numbered in visiting order")
        )
    ).to_be_visible()
    expect(page.get_by_role("button", name=tr(lang, "Print the round"))).to_be_visible()
    staff.check("round")
    page.emulate_media(media="print")
    page.screenshot(path=str(staff.folder / f"{staff.label}-round-print.png"), full_page=True)
    expect(page.locator(".site-nav")).to_be_hidden()
    expect(page.locator("#round-table")).to_be_visible()
    page.emulate_media(media="screen")

    page.get_by_role("link", name=tr(lang, "Illegal dumping hotspots")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(tr(lang, "Illegal dumping hotspots"))
    expect(page.locator("#hotspots-table").get_by_role("link", name=latest)).to_be_visible()
    expect(
        page.get_by_role("region", name=tr(lang, "Map of the hotspots: a circle per hotspot, larger for more reports"))
        .locator("path.leaflet-interactive")
        .first
    ).to_be_visible()
    staff.check("hotspots")
