"""Start-up cost on the embedded SpatiaLite database.

Prints p50/p95 of:
- SpatiaLite metadata initialisation as the first migration does it (one transaction),
  against the same call in autocommit mode (one transaction per statement), and their ratio;
- opening a new connection (loading mod_spatialite and the per-connection pragmas);
- creating the app and answering its first request on an already migrated database.

Run: .venv/bin/python bench/startup.py [--runs N]
"""

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from gis.spatial import SPATIALITE_MODULE, sqlite_dbapi


def percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return statistics.median(ordered), p95


def _connect(path: str, *, autocommit: bool):
    dbapi = sqlite_dbapi()
    connection = dbapi.connect(path, isolation_level=None if autocommit else "DEFERRED")
    connection.enable_load_extension(True)
    connection.load_extension(SPATIALITE_MODULE)
    return connection


def time_init(one_transaction: bool, runs: int) -> list[float]:
    samples = []
    for _ in range(runs):
        with tempfile.TemporaryDirectory() as folder:
            connection = _connect(f"{folder}/init.sqlite", autocommit=True)
            start = time.perf_counter()
            if one_transaction:
                connection.execute("BEGIN")
                connection.execute("SELECT InitSpatialMetaData()")
                connection.execute("COMMIT")
            else:
                connection.execute("SELECT InitSpatialMetaData()")  # autocommit: a transaction per row
            samples.append((time.perf_counter() - start) * 1000)
            connection.close()
    return samples


def time_connect(path: str, runs: int) -> list[float]:
    from sqlalchemy import create_engine, text
    from sqlalchemy.pool import NullPool

    from gis.spatial import configure_engine, engine_options

    url = f"sqlite:///{path}"
    samples = []
    for _ in range(runs):
        engine = create_engine(url, poolclass=NullPool, **engine_options(url))
        configure_engine(engine)
        start = time.perf_counter()
        with engine.connect() as connection:
            connection.execute(text("SELECT CheckSpatialMetaData()")).scalar()
        samples.append((time.perf_counter() - start) * 1000)
        engine.dispose()
    return samples


def time_app_start(path: str, runs: int) -> list[float]:
    from config import TestConfig
    from portal import create_app

    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=f"sqlite:///{path}")
        response = app.test_client().get("/healthz")
        assert response.status_code == 200, response.get_data(as_text=True)
        samples.append((time.perf_counter() - start) * 1000)
    return samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    runs = parser.parse_args().runs

    import logging

    logging.disable(logging.INFO)
    one = time_init(True, max(3, runs // 4))
    many = time_init(False, 3)
    with tempfile.TemporaryDirectory() as folder:
        path = f"{folder}/bench.sqlite"
        from flask_migrate import upgrade

        from config import TestConfig
        from portal import create_app

        app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=f"sqlite:///{path}")
        with app.app_context():
            upgrade()
        connect = time_connect(path, runs)
        start = time_app_start(path, runs)

    rows = [
        ("SpatiaLite metadata init, one transaction (ms)", one),
        ("SpatiaLite metadata init, autocommit peer (ms)", many),
        ("new SpatiaLite connection (ms)", connect),
        ("create_app + first request (ms)", start),
    ]
    print(f"{'measure':<50} {'n':>4} {'p50':>10} {'p95':>10}")
    for label, samples in rows:
        p50, p95 = percentiles(samples)
        print(f"{label:<50} {len(samples):>4} {p50:>10.1f} {p95:>10.1f}")
    print(f"init speed-up of one transaction over autocommit: {statistics.median(many) / statistics.median(one):.1f}x")


if __name__ == "__main__":
    main()
