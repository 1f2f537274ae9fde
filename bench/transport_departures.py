"""What a stop's next departures cost, on the real Cairns network (PostGIS, and SpatiaLite as a peer, in one run).

Imports ../shared/data/gtfs/cairns_gtfs.zip (416 stops, 36,000 stop times, times past 24:00, calendar exceptions)
into a throwaway database, then prints p50/p95 (ms) of:
- next_departures: gis.transport.departures.next_departures for the busiest stop (750449, about 600 stop times a
  day), from a random moment of a fortnight of June 2014 (Brisbane time) until the end of the next day, limit 20;
  the three service days' rows (yesterday's after midnight, today's, tomorrow's) in one statement;
- next_departures_all: the same without a limit (every departure until the end of tomorrow, about 500 rows);
- stop_page_http: /transport/stops/750449 through the Flask test client (today's and tomorrow's 20 departures,
  the stop's lines, the report link), the whole page rendered.
Target on PostGIS: next_departures p95 < 20 ms.

Run: .venv/bin/python bench/transport_departures.py [--runs N] [--backends postgis,spatialite]
"""

import argparse
import contextlib
import random
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

ROOT = Path(__file__).resolve().parent.parent
CAIRNS = ROOT.parent / "shared" / "data" / "gtfs" / "cairns_gtfs.zip"
BUSY_STOP = "750449"
TARGET_P95_MS = 20


def percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def timed(function, runs: int, warmup: int = 3) -> list[float]:
    samples = []
    for i in range(runs + warmup):
        start = time.perf_counter()
        function(i)
        if i >= warmup:
            samples.append((time.perf_counter() - start) * 1000)
    return samples


def moments(tz, runs: int) -> list[datetime]:
    """Random instants of 2-15 June 2014 in the network's timezone: weekdays, weekends, a public holiday."""
    rng = random.Random(2014)  # noqa: S311 (reproducible bench data, not secrets)
    start = datetime(2014, 6, 2, tzinfo=tz)
    return [start + timedelta(seconds=rng.randrange(14 * 86400)) for _ in range(runs)]


def measure(url: str, runs: int, folder: str) -> dict:
    from flask_migrate import upgrade

    from config import TestConfig
    from gis.transport import departures, queries
    from gis.transport.gtfs.importing import import_feed
    from portal import create_app
    from portal.extensions import db

    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=url, UPLOAD_DIR=f"{folder}/uploads")
    results: dict[str, list[float]] = {}
    info: dict[str, float] = {}
    with app.app_context():
        upgrade()
        start = time.perf_counter()
        import_feed(db.session, CAIRNS)
        db.session.commit()
        info["import_s"] = time.perf_counter() - start
        with db.engine.begin() as connection:
            connection.exec_driver_sql("ANALYZE")

        stop = queries.get_stop(db.session, BUSY_STOP)
        tz = departures.network_timezone(db.session)
        nows = moments(tz, runs + 3)
        counts, all_counts = [], []

        def next_limited(i):
            counts.append(len(departures.next_departures(db.session, stop, now=nows[i], limit=20)))

        def next_all(i):
            all_counts.append(len(departures.next_departures(db.session, stop, now=nows[i])))

        results["next_departures"] = timed(next_limited, runs)
        results["next_departures_all"] = timed(next_all, runs)
        info["departures_all"] = statistics.mean(all_counts)
        info["departures_limited"] = statistics.mean(counts)
        db.session.rollback()

    # The page at each moment: the portal's clock is moved there.
    import portal.transport.routes as pages

    client = app.test_client()
    original = pages.utcnow
    try:

        def page(i):
            pages.utcnow = lambda: nows[i]
            response = client.get(f"/transport/stops/{BUSY_STOP}")
            assert response.status_code == 200

        results["stop_page_http"] = timed(page, runs)
    finally:
        pages.utcnow = original
    with app.app_context():
        db.engine.dispose()
    return {"results": results, "info": info}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--backends", default="postgis,spatialite")
    args = parser.parse_args()
    print(f"importing {CAIRNS.name} per backend and measuring...", file=sys.stderr, flush=True)

    from tests.pgcluster import postgis_database

    figures = {}
    for backend in args.backends.split(","):
        with contextlib.ExitStack() as stack, tempfile.TemporaryDirectory() as folder:
            if backend == "postgis":
                url = stack.enter_context(postgis_database("berkane_bench_transport"))
            else:
                url = f"sqlite:///{folder}/bench.sqlite"
            figures[backend] = measure(url, args.runs, folder)

    print(f"Cairns network, stop {BUSY_STOP}, {args.runs} runs per measure")
    for backend, found in figures.items():
        info = found["info"]
        print(
            f"{backend}: imported in {info['import_s']:.1f} s; {info['departures_all']:.0f} departures until the end "
            f"of tomorrow on average ({info['departures_limited']:.0f} with the limit)"
        )
    print(f"{'measure':<22}{'backend':<12}{'p50 ms':>10}{'p95 ms':>10}")
    for label in next(iter(figures.values()))["results"]:
        for backend, found in figures.items():
            p50, p95 = percentiles(found["results"][label])
            print(f"{label:<22}{backend:<12}{p50:>10.2f}{p95:>10.2f}")
    if "postgis" in figures:
        p95 = percentiles(figures["postgis"]["results"]["next_departures"])[1]
        verdict = "met" if p95 < TARGET_P95_MS else "MISSED"
        print(f"PostGIS target: next departures p95 {p95:.1f} ms (< {TARGET_P95_MS}) {verdict}")


if __name__ == "__main__":
    main()
