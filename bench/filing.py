"""What filing a request costs, on SpatiaLite and on PostGIS in the same run.

Prints p50/p95 (ms) and throughput of:
- filing a located report with one photo through the service layer (checks, point-in-district in the
  database, photo re-encoding, tracking number, history, outbox email, commit), one at a time;
- the same without the photo, to show what re-encoding costs;
- rendering the receipt PDF (WeasyPrint, Arabic) through the web layer;
and the PostGIS / SpatiaLite ratio of each.

Run: .venv/bin/python bench/filing.py [--runs N]
"""

import argparse
import contextlib
import io
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from PIL import Image


def percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def photo() -> bytes:
    out = io.BytesIO()
    Image.effect_noise((1600, 1200), 64).convert("RGB").save(out, "JPEG", quality=90)
    return out.getvalue()


def measure(url: str, runs: int, folder: str) -> dict[str, list[float]]:
    from flask_migrate import upgrade
    from sqlalchemy import select

    from config import TestConfig
    from portal import create_app
    from portal.extensions import db
    from services.accounts.models import User
    from services.demo import seed_demo
    from services.requests.service import file_request, new_idempotency_key
    from services.requests.uploads import FileStore, Upload

    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=url, UPLOAD_DIR=f"{folder}/uploads")
    store = FileStore(f"{folder}/uploads")
    image = photo()
    results: dict[str, list[float]] = {"file_with_photo": [], "file_without_photo": [], "receipt_pdf": []}
    with app.app_context():
        upgrade()
        accounts = seed_demo(db.session)
        db.session.commit()
        citizen_email = next(a.email for a in accounts if a.role.value == "citizen")
        citizen = db.session.scalar(select(User).where(User.email == citizen_email))
        district_id = db.session.execute(db.text("SELECT id FROM district ORDER BY id LIMIT 1")).scalar()
        numbers = []
        for label, files in (("file_with_photo", True), ("file_without_photo", False)):
            for i in range(runs + 2):
                start = time.perf_counter()
                filed = file_request(
                    db.session,
                    service_code="street-light-outage",
                    user=citizen,
                    locale="ar",
                    values={
                        "location__district": str(district_id),
                        "location__lat": "34.9205",
                        "location__lon": "-2.3195",
                        "location__address": "Boulevard Mohammed V",
                        "description": f"Lampadaire éteint n° {i}",
                    },
                    files={"photo": [Upload("p.jpg", image)]} if files else {},
                    idempotency_key=new_idempotency_key(),
                    store=store,
                )
                db.session.commit()
                if i >= 2:  # the first two warm caches up
                    results[label].append((time.perf_counter() - start) * 1000)
                numbers.append(filed.request.tracking_number)
    client = app.test_client()
    with client.session_transaction() as session, app.app_context():
        session["_user_id"] = db.session.scalar(select(User).where(User.email == citizen_email)).get_id()
    client.set_cookie("brk_lang", "ar")
    for i, number in enumerate(numbers[: runs + 2]):
        start = time.perf_counter()
        response = client.get(f"/track/{number}/receipt.pdf")
        assert response.status_code == 200, response.status_code
        if i >= 2:
            results["receipt_pdf"].append((time.perf_counter() - start) * 1000)
    with app.app_context():
        db.engine.dispose()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=40)
    args = parser.parse_args()

    from tests.pgcluster import postgis_database

    figures = {}
    with tempfile.TemporaryDirectory() as folder:
        figures["spatialite"] = measure(f"sqlite:///{folder}/bench.sqlite", args.runs, folder)
    with contextlib.ExitStack() as stack, tempfile.TemporaryDirectory() as folder:
        url = stack.enter_context(postgis_database("berkane_bench"))
        figures["postgis"] = measure(url, args.runs, folder)

    print(f"{'measure':<22}{'backend':<12}{'p50 ms':>10}{'p95 ms':>10}{'per s':>10}")
    for label in ("file_with_photo", "file_without_photo", "receipt_pdf"):
        for backend in ("spatialite", "postgis"):
            p50, p95 = percentiles(figures[backend][label])
            print(f"{label:<22}{backend:<12}{p50:>10.1f}{p95:>10.1f}{1000 / p50:>10.1f}")
        ratio = percentiles(figures["postgis"][label])[0] / percentiles(figures["spatialite"][label])[0]
        print(f"{label:<22}{'pg/sl p50':<12}{ratio:>10.2f}")


if __name__ == "__main__":
    main()
