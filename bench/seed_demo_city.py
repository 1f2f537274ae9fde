"""What laying the demo map layers costs, on SpatiaLite and on PostGIS in the same run.

Seeds the demo districts, then times `services.demo.seed_city` (street lighting, then sanitation; generation
and bulk writes) for N lights and M containers (default 20,000 and 3,000), the same again (nothing to write:
the layers are compared with what would be generated), and another count (the demo rows replaced). Prints
seconds and rows per second for each, and the PostGIS / SpatiaLite ratio.

Run: .venv/bin/python bench/seed_demo_city.py [--lights N] [--containers M]
"""

import argparse
import contextlib
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def measure(url: str, lights: int, containers: int, folder: str) -> dict[str, float]:
    from flask_migrate import upgrade

    from config import TestConfig
    from portal import create_app
    from portal.extensions import db
    from services import demo

    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=url, UPLOAD_DIR=f"{folder}/uploads")
    figures = {}
    with app.app_context():
        upgrade()
        demo.seed_districts(db.session)
        db.session.commit()
        for label, counts in (
            ("first seeding", (lights, containers)),
            ("same again", (lights, containers)),
            ("other counts", (lights // 2, containers // 2)),
        ):
            started = time.perf_counter()
            demo.seed_city(db.session, lights=counts[0], containers=counts[1])
            db.session.commit()
            figures[label] = time.perf_counter() - started
        db.engine.dispose()
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lights", type=int, default=20_000)
    parser.add_argument("--containers", type=int, default=3_000)
    args = parser.parse_args()

    from tests.pgcluster import postgis_database

    figures = {}
    with tempfile.TemporaryDirectory() as folder:
        figures["spatialite"] = measure(f"sqlite:///{folder}/bench.sqlite", args.lights, args.containers, folder)
    with contextlib.ExitStack() as stack, tempfile.TemporaryDirectory() as folder:
        url = stack.enter_context(postgis_database("berkane_bench_seed"))
        figures["postgis"] = measure(url, args.lights, args.containers, folder)

    rows = args.lights + args.containers
    print(f"{args.lights} lights and {args.containers} containers (other counts: half of each)")
    print(f"{'measure':<16}{'backend':<12}{'seconds':>10}{'rows/s':>10}")
    for label in figures["spatialite"]:
        for backend in ("spatialite", "postgis"):
            seconds = figures[backend][label]
            print(f"{label:<16}{backend:<12}{seconds:>10.2f}{rows / seconds:>10.0f}")
        print(f"{label:<16}{'pg/sl':<12}{figures['postgis'][label] / figures['spatialite'][label]:>10.2f}")


if __name__ == "__main__":
    main()
