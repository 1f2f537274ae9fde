"""One live portal for the OGC API clients, with a few features in every collection."""

from datetime import timedelta

import pytest
from geoalchemy2.shape import from_shape
from shapely.geometry import LineString, MultiLineString, Point

from gis.lighting.models import Cabinet
from services.db import utcnow
from services.requests.uploads import FileStore
from tests import factories
from tests.live import live_portal

LIGHTS = 37  # more than a few pages of the clients' page sizes
LOCATED = [
    {"name": "location", "type": "location", "label_ar": "المكان", "label_fr": "Lieu", "required": True},
    {"name": "description", "type": "textarea", "label_ar": "الوصف", "label_fr": "Description", "required": True},
]


def seed(session, store) -> None:
    """Two districts, LIGHTS street lights, and a few features of every other collection."""
    north = factories.make_district(session, bounds=(-2.33, 34.92, -2.31, 34.94))
    factories.make_district(session, bounds=(-2.33, 34.90, -2.31, 34.92))
    for n in range(LIGHTS):
        factories.make_light(session, lon=-2.329 + (n % 10) * 0.002, lat=34.905 + (n // 10) * 0.008)
    for n in range(3):
        session.add(
            Cabinet(
                code=f"CAB-{n}",
                district_id=north.id,
                dimming=[{"start": "23:00", "end": "05:00", "level": 0.5}] if n % 2 else [],
                geom=from_shape(Point(-2.325 + n * 0.004, 34.93), srid=4326),
            )
        )
    for n in range(4):
        factories.make_container(session, lon=-2.32 + n * 0.001, lat=34.915, fill_read_at=utcnow() - timedelta(hours=n))
    factories.make_zone(session)
    for n in range(4):
        factories.make_stop(session, lon=-2.325 + n * 0.003, lat=34.921)
    for line in ([(-2.325, 34.921), (-2.316, 34.921)], [(-2.32, 34.91), (-2.32, 34.93)]):
        factories.make_route(session, geom=from_shape(MultiLineString([LineString(line)]), srid=4326))
    service = factories.make_service(session, kind="report", fields=LOCATED)
    for n in range(2):
        values = {
            "location__lon": f"{-2.32 + n * 0.001:.5f}",
            "location__lat": "34.925",
            "location__district": str(north.id),
            "location__address": "Boulevard Mohammed V",
            "description": "Lampe éteinte depuis trois jours",
        }
        factories.make_request(session, store, service=service, values=values)


@pytest.fixture(scope="session")
def ogcapi_url(backend, tmp_path_factory):
    """The OGC API's landing page on a live portal (http://127.0.0.1:PORT/ogcapi)."""
    from portal.extensions import db

    uploads = tmp_path_factory.mktemp("ogcapi-uploads")
    with live_portal(backend, tmp_path_factory, "ogcapi", UPLOAD_DIR=str(uploads)) as live:
        with live.app.app_context():
            seed(db.session, FileStore(uploads))
            db.session.commit()
        yield f"{live}/ogcapi"
