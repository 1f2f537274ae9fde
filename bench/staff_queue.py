"""What a department's queue costs with many requests, on SpatiaLite and on PostGIS in the same run.

Loads the demo dataset, then N synthetic requests (default 20,000: located reports spread over the
demo districts, statuses and deadlines drawn from a fixed seed, bulk-inserted: this measures reading the
queue, not filing). Prints p50/p95 (ms) and throughput of one page of 25 through the service layer:
- the default queue (open requests, most urgent first);
- filtered by district (point in the district's polygon, computed in the database);
- searched by a word of the text;
- overdue only;
- the summary counts;
- the whole queue page through the web layer (filters, table, pager), signed in as a supervisor;
and the PostGIS / SpatiaLite ratio of each.

Run: .venv/bin/python bench/staff_queue.py [--requests N] [--runs N]
"""

import argparse
import contextlib
import random
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

WORDS = ["lampadaire", "éteint", "clignote", "poteau", "rue", "avenue", "école", "mosquée", "العمود", "مطفأ", "الحي"]


def percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def load(session, count: int) -> tuple[int, int, int]:
    """Bulk-insert `count` requests of the street-light service; returns (department, district, supervisor) ids."""
    from geoalchemy2.shape import from_shape, to_shape
    from shapely.geometry import Point
    from sqlalchemy import insert, select

    from gis.districts.models import District
    from services.accounts.models import Role, User
    from services.catalog.models import Service
    from services.catalog.text import normalise
    from services.db import utcnow
    from services.requests.models import ServiceRequest
    from services.workflow.states import Status

    rng = random.Random(2026)  # noqa: S311 (reproducible demo data, not secrets)
    service = session.scalar(select(Service).where(Service.code == "street-light-outage"))
    districts = [(d.id, to_shape(d.geom)) for d in session.scalars(select(District).order_by(District.id))]
    supervisor = session.scalar(
        select(User).where(User.role == Role.SUPERVISOR.value, User.department_id == service.department_id)
    )
    citizen = session.scalar(select(User).where(User.role == Role.CITIZEN.value))
    statuses = [Status.NEW, Status.ACKNOWLEDGED, Status.ASSIGNED, Status.IN_PROGRESS, Status.RESOLVED, Status.CLOSED]
    now = utcnow()
    rows = []
    for i in range(count):
        district_id, shape = districts[i % len(districts)]
        minx, miny, maxx, maxy = shape.bounds
        while True:
            p = Point(rng.uniform(minx, maxx), rng.uniform(miny, maxy))
            if shape.contains(p):
                break
        filed = now - timedelta(hours=rng.uniform(0, 24 * 120))
        text = " ".join(rng.choice(WORDS) for _ in range(8))
        rows.append(
            {
                "tracking_number": f"BRK-2026-{900000 + i:06d}-0",
                "year": 2026,
                "sequence": 900000 + i,
                "idempotency_key": f"bench-queue-{i:08d}-xxxxxxxx",
                "secret_salt": "bench",
                "service_id": service.id,
                "service_version_id": service.current.id,
                "department_id": service.department_id,
                "citizen_id": citizen.id,
                "locale": rng.choice(["ar", "fr"]),
                "status": rng.choice(statuses).value,
                "answers": {"description": text},
                "search_text": normalise(text),
                "district_id": district_id,
                "address": "Boulevard Mohammed V",
                "location": from_shape(p, srid=4326),
                "filed_at": filed,
                "deadline_at": filed + timedelta(hours=72),
                "updated_at": filed,
                "row_version": 1,
                "document_requested": False,
            }
        )
    for start in range(0, count, 2000):
        session.execute(insert(ServiceRequest), rows[start : start + 2000])
    session.commit()
    return service.department_id, districts[0][0], supervisor.id


def measure(url: str, count: int, runs: int, folder: str) -> dict[str, list[float]]:
    from flask_migrate import upgrade

    from config import TestConfig
    from portal import create_app
    from portal.extensions import db
    from services.accounts.models import User
    from services.casework import queue
    from services.casework.queue import QueueFilter
    from services.demo import seed_demo

    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=url, UPLOAD_DIR=f"{folder}/uploads")
    cases = {}
    results: dict[str, list[float]] = {}
    with app.app_context():
        upgrade()
        seed_demo(db.session)
        db.session.commit()
        department_id, district_id, supervisor_id = load(db.session, count)
        if url.startswith("postgresql"):
            db.session.execute(db.text("ANALYZE"))
            db.session.commit()
        cases = {
            "queue_default": QueueFilter(),
            "queue_district": QueueFilter(district_id=district_id),
            "queue_search": QueueFilter(q="clignote école"),
            "queue_overdue": QueueFilter(due="overdue"),
        }
        for label, f in cases.items():
            results[label] = []
            for i in range(runs + 2):
                start = time.perf_counter()
                page = queue.department_queue(db.session, department_id, f, user_id=supervisor_id)
                assert page.items, label
                if i >= 2:  # the first two warm caches up
                    results[label].append((time.perf_counter() - start) * 1000)
                db.session.rollback()
        results["queue_counts"] = []
        for i in range(runs + 2):
            start = time.perf_counter()
            queue.counts(db.session, department_id, user_id=supervisor_id)
            if i >= 2:
                results["queue_counts"].append((time.perf_counter() - start) * 1000)
            db.session.rollback()
        login_id = db.session.get(User, supervisor_id).get_id()
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = login_id
    results["queue_page_http"] = []
    for i in range(runs + 2):
        start = time.perf_counter()
        response = client.get("/staff/queue")
        assert response.status_code == 200, response.status_code
        if i >= 2:
            results["queue_page_http"].append((time.perf_counter() - start) * 1000)
    with app.app_context():
        db.engine.dispose()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=40)
    args = parser.parse_args()

    from tests.pgcluster import postgis_database

    figures = {}
    with tempfile.TemporaryDirectory() as folder:
        figures["spatialite"] = measure(f"sqlite:///{folder}/bench.sqlite", args.requests, args.runs, folder)
    with contextlib.ExitStack() as stack, tempfile.TemporaryDirectory() as folder:
        url = stack.enter_context(postgis_database("berkane_bench_queue"))
        figures["postgis"] = measure(url, args.requests, args.runs, folder)

    print(f"{args.requests} requests in the department, page of 25, {args.runs} runs")
    print(f"{'measure':<20}{'backend':<12}{'p50 ms':>10}{'p95 ms':>10}{'per s':>10}")
    for label in figures["spatialite"]:
        for backend in ("spatialite", "postgis"):
            p50, p95 = percentiles(figures[backend][label])
            print(f"{label:<20}{backend:<12}{p50:>10.1f}{p95:>10.1f}{1000 / p50:>10.1f}")
        ratio = percentiles(figures["postgis"][label])[0] / percentiles(figures["spatialite"][label])[0]
        print(f"{label:<20}{'pg/sl p50':<12}{ratio:>10.2f}")


if __name__ == "__main__":
    main()
