"""The mayor's office reads the dashboard's street lighting, sanitation and transport sections of the demo town in a
real browser, in Arabic and in French: each table under its caption, the lights counted, the hotspots on a map."""

import re
import uuid
from datetime import timedelta

from geoalchemy2.shape import to_shape
from playwright.sync_api import expect
from sqlalchemy import select

from gis.lighting import queries
from gis.sanitation.models import WasteContainer
from portal.dashboard.scope import preset_period
from portal.extensions import db
from services.clock import local
from services.db import utcnow
from services.requests.service import file_request
from services.requests.uploads import FileStore
from services.stats.sanitation import period_hotspots
from services.stats.scope import Scope
from services.workflow.transitions import Actor, apply
from tests.browser.test_journeys import DEMO, _sign_in
from tests.conftest import tr
from tests.factories import make_user

SECTIONS = {
    "lighting": ("Street lighting", ["Street lights not working now, by district", "The longest-standing faults"]),
    "sanitation": ("Sanitation", ["Full containers now, by district"]),
    "transport": ("Urban transport", ["Reports about bus stops received and handled, by stop"]),
}


def _dumping_hotspot(live_app) -> None:
    """Three dumping reports a few metres apart beside a demo container, 40 days ago, cleared the next day.

    Old and cleared, so they sit in no queue and on no map of recent problems that other browser tests read.
    """
    with live_app.app_context():
        container = db.session.scalars(
            select(WasteContainer).where(WasteContainer.district_id.is_not(None)).order_by(WasteContainer.code)
        ).first()
        spot = to_shape(container.geom)
        citizen = make_user(db.session)
        filed = utcnow() - timedelta(days=40)
        for step in range(3):
            request = file_request(
                db.session,
                service_code="illegal-dumping",
                user=citizen,
                locale="fr",
                values={
                    "location__lon": f"{spot.x + step * 0.0001:.6f}",
                    "location__lat": f"{spot.y:.6f}",
                    "location__address": "Terrain vague derrière le conteneur",
                    "description": "Gravats et sacs jetés",
                },
                files={},
                idempotency_key=f"browser-dashboard-{uuid.uuid4().hex}",
                store=FileStore(live_app.config["UPLOAD_DIR"]),
                now=filed + timedelta(minutes=step),
            ).request
            for action in ("acknowledge", "start", "resolve"):
                apply(db.session, request, action, actor=Actor.AGENT, now=filed + timedelta(days=1))
        db.session.commit()
        db.session.remove()


def _expected(live_app) -> tuple[int, int]:
    """The demo's light points, and its dumping hotspots over the default period (the last 12 months)."""
    with live_app.app_context():
        lights = sum(queries.status_counts(db.session).values())
        spots = len(period_hotspots(db.session, Scope(preset_period("last_12_months", local(utcnow()).date()))))
        db.session.remove()
    return lights, spots


def test_the_mayors_office_reads_the_lighting_sanitation_and_transport_sections(visitor_factory, live_app, live_url):
    _dumping_hotspot(live_app)
    mayor = DEMO["mayor_office"]
    lights, spots = _expected(live_app)
    assert lights and spots, "the demo town has street lights, and now a dumping hotspot"
    for lang in ("ar", "fr"):
        visitor = visitor_factory(lang)
        visitor.goto("/login")
        _sign_in(visitor, lang, mayor.email, mayor.password)
        page = visitor.page
        for slug, (title, captions) in SECTIONS.items():
            page.goto(f"{live_url}/dashboard/{slug}")
            expect(page.locator("html")).to_have_attribute("dir", "rtl" if lang == "ar" else "ltr")
            expect(page.get_by_role("heading", level=1)).to_contain_text(tr(lang, title))
            expect(page.locator(".dashboard-tabs a[aria-current=page]")).to_have_text(tr(lang, title))
            for caption in captions:
                expect(page.locator("caption", has_text=tr(lang, caption))).to_be_visible()
            if slug == "lighting":
                # Grouping separators differ by language: the digits say the count.
                total = page.locator("#data-outages tfoot td").first
                assert re.sub(r"\D", "", total.inner_text()) == str(lights)
            if slug == "sanitation":
                # A circle per hotspot on the map, and the table below it listing the same ones.
                canvas = page.locator("[data-hotspots-map]")
                expect(canvas).to_be_visible()
                expect(canvas.locator("path.leaflet-interactive")).to_have_count(spots)
                expect(page.locator("#data-hotspots tbody tr")).to_have_count(spots)
            visitor.check(f"{slug}-{lang}")
