"""What the city map's data costs with 100,000 street lights, on PostGIS (and SpatiaLite as a peer) in the same run.

Loads the demo dataset (districts, services), then N street lights (default 100,000) spread uniformly over the demo
districts' extent from a fixed seed, bulk-loaded (COPY on PostGIS). Prints p50/p95 (ms) of:
- bbox_http: /api/layers/lights.geojson for a random box holding about 1,000 lights, through the Flask test client;
- bbox_raw_same: the statement that endpoint runs, sent by hand through the bare driver (no SQLAlchemy, no Flask);
- bbox_raw_rows: the hand-written query a developer would write for those lights (columns and ST_AsGeoJSON per row,
  fetched with the bare driver, no JSON assembly);
- nearest: the nearest light to a random point of the city (gis.assets.nearest, the 50 m snap of the report form);
- cluster_tile_http: /api/layers/lights/clusters/z/x/y.geojson, one 256-pixel tile of the city at city zoom (the
  zoom at which the whole city fits a 1280 x 900 map), as the map loads them;
- clusters_view_http: /api/layers/lights/clusters?bbox=&zoom= for that whole view at once, for comparison;
and the bbox endpoint's time over each raw query's time (p50 and p95). Targets on PostGIS: bbox p95 < 50 ms with a
ratio < 1.5 to the same statement sent raw, nearest p95 < 5 ms. The ratio to the bare rows also counts the JSON the
database writes for the endpoint; the bbox measures run interleaved, box by box, so a busy machine weighs on all.

Run: .venv/bin/python bench/gis_map.py [--lights N] [--runs N] [--backends postgis,spatialite]
"""

import argparse
import contextlib
import io
import math
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

TARGET_IN_BOX = 1000
TECHNOLOGIES = ("led", "hps", "metal_halide")
STATUSES = ("working",) * 30 + ("out", "flickering", "day_burning", "damaged")


def percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def lights(count: int, extent: tuple[float, float, float, float]):
    """The same `count` lights on every backend: (code, technology, power, status, lon, lat)."""
    rng = random.Random(2026)  # noqa: S311 (reproducible bench data, not secrets)
    minx, miny, maxx, maxy = extent
    for i in range(count):
        yield (
            f"B-{i:07d}",
            rng.choice(TECHNOLOGIES),
            rng.choice((70, 100, 150, 250)),
            rng.choice(STATUSES),
            round(rng.uniform(minx, maxx), 7),
            round(rng.uniform(miny, maxy), 7),
        )


def load_postgis(connection, rows) -> None:
    """COPY into light_point through the driver (a text stream of EWKT points)."""
    driver = connection.connection.driver_connection
    with driver.cursor() as cursor:
        with cursor.copy("COPY light_point (code, technology, power_w, status, is_demo, geom) FROM STDIN") as copy:
            buffer = io.StringIO()
            for n, (code, tech, power, status, lon, lat) in enumerate(rows, 1):
                buffer.write(f"{code}\t{tech}\t{power}\t{status}\tt\tSRID=4326;POINT({lon} {lat})\n")
                if n % 20_000 == 0:
                    copy.write(buffer.getvalue())
                    buffer = io.StringIO()
            copy.write(buffer.getvalue())
        cursor.execute("ANALYZE")


def load_spatialite(connection, rows) -> None:
    driver = connection.connection.driver_connection
    driver.executemany(
        "INSERT INTO light_point (code, technology, power_w, status, is_demo, geom) "
        "VALUES (?, ?, ?, ?, 1, MakePoint(?, ?, 4326))",
        rows,
    )
    driver.execute("ANALYZE")


def boxes(extent, count: int, runs: int, seed: int = 7) -> list[tuple[float, float, float, float]]:
    """Random boxes inside the extent, each covering the share of it that holds about TARGET_IN_BOX lights."""
    rng = random.Random(seed)  # noqa: S311
    minx, miny, maxx, maxy = extent
    side = math.sqrt(TARGET_IN_BOX / count)
    w, h = (maxx - minx) * side, (maxy - miny) * side
    found = []
    for _ in range(runs):
        x, y = rng.uniform(minx, maxx - w), rng.uniform(miny, maxy - h)
        found.append((round(x, 6), round(y, 6), round(x + w, 6), round(y + h, 6)))
    return found


def city_view(extent, width_px: int = 1280, height_px: int = 900) -> tuple[int, str]:
    """The zoom at which the whole city fits a desktop map, and the bbox of that view."""
    minx, miny, maxx, maxy = extent
    cx, cy = (minx + maxx) / 2, (miny + maxy) / 2
    lat_scale = math.cos(math.radians(cy))
    zoom = 19
    while zoom > 0:
        degrees_per_px = 360 / (256 * 2**zoom)
        if (maxx - minx) / degrees_per_px <= width_px and (maxy - miny) / lat_scale / degrees_per_px <= height_px:
            break
        zoom -= 1
    degrees_per_px = 360 / (256 * 2**zoom)
    half_w, half_h = width_px * degrees_per_px / 2, height_px * degrees_per_px * lat_scale / 2
    return zoom, f"{cx - half_w:.6f},{cy - half_h:.6f},{cx + half_w:.6f},{cy + half_h:.6f}"


def city_tiles(zoom: int, bbox) -> list[tuple[int, int, int]]:
    """The 256-pixel tiles the map loads at `zoom` for the view `bbox`."""
    n = 2**zoom

    def column(lon: float) -> int:
        return int((lon + 180) / 360 * n)

    def row(lat: float) -> int:
        return int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)

    return [
        (zoom, x, y)
        for x in range(column(bbox.minx), column(bbox.maxx) + 1)
        for y in range(row(bbox.maxy), row(bbox.miny) + 1)
    ]


def timed_together(functions: dict, runs: int, warmup: int = 3) -> dict[str, list[float]]:
    samples: dict[str, list[float]] = {name: [] for name in functions}
    for i in range(runs + warmup):
        for name, function in functions.items():
            start = time.perf_counter()
            function(i)
            if i >= warmup:
                samples[name].append((time.perf_counter() - start) * 1000)
    return samples


def timed(function, runs: int, warmup: int = 3) -> list[float]:
    samples = []
    for i in range(runs + warmup):
        start = time.perf_counter()
        function(i)
        if i >= warmup:
            samples.append((time.perf_counter() - start) * 1000)
    return samples


RAW_ROWS = {
    "postgis": (
        "SELECT id, code, technology, power_w, status, ST_AsGeoJSON(geom, 6) FROM light_point "
        "WHERE geom && ST_MakeEnvelope(%s, %s, %s, %s, 4326) ORDER BY id LIMIT 5000"
    ),
    "spatialite": (
        "SELECT id, code, technology, power_w, status, AsGeoJSON(geom, 6) FROM light_point "
        "WHERE ROWID IN (SELECT ROWID FROM SpatialIndex WHERE f_table_name = 'light_point' "
        "AND f_geometry_column = 'geom' AND search_frame = BuildMbr(?, ?, ?, ?, 4326)) ORDER BY id LIMIT 5000"
    ),
}


def measure(backend: str, url: str, count: int, runs: int, folder: str) -> dict:
    import json

    from flask_migrate import upgrade

    from config import TestConfig
    from gis import assets, layers
    from portal import create_app
    from portal.extensions import db
    from services.demo import seed_demo

    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=url, UPLOAD_DIR=f"{folder}/uploads")
    results: dict[str, list[float]] = {}
    info: dict[str, float] = {}
    with app.app_context():
        upgrade()
        seed_demo(db.session)
        db.session.commit()
        extent = tuple(layers.extent(db.session, layers.DISTRICTS))
        db.session.rollback()  # the embedded database lets no one write while a read transaction is open
        with db.engine.begin() as connection:
            start = time.perf_counter()
            (load_postgis if backend == "postgis" else load_spatialite)(connection, lights(count, extent))
            info["load_s"] = time.perf_counter() - start
    box_list = boxes(extent, count, runs + 3)
    client = app.test_client()
    returned = []

    def bbox_http(i):
        response = client.get(f"/api/layers/lights.geojson?bbox={','.join(map(str, box_list[i]))}&limit=5000")
        assert response.status_code == 200, response.get_data(as_text=True)
        returned.append(response.get_data())  # read after the timings: parsing is the client's work

    with app.app_context():
        dialect = db.engine.dialect

        def endpoint_sql(box) -> tuple[str, object]:
            """The statement the endpoint runs for `box`, as the driver receives it."""
            bbox = layers.BBox(*box)
            compiled = layers.feature_statement(layers.LIGHTS, bbox).compile(dialect=dialect)
            params = compiled.construct_params(layers.feature_params(bbox, 5000, 0))
            if compiled.positiontup:
                return compiled.string, [params[name] for name in compiled.positiontup]
            return compiled.string, params

        same = [endpoint_sql(box) for box in box_list]
        connection = db.engine.raw_connection()
        try:
            cursor = connection.cursor()

            def raw_same(i):
                cursor.execute(*same[i])
                cursor.fetchall()

            def raw_rows(i):
                cursor.execute(RAW_ROWS[backend], box_list[i])
                cursor.fetchall()

            # Interleaved, box by box, so a busy moment of the machine weighs on the three alike.
            results |= timed_together(
                {"bbox_http": bbox_http, "bbox_raw_same": raw_same, "bbox_raw_rows": raw_rows}, runs
            )
            connection.rollback()
        finally:
            connection.close()
        info["lights_per_box"] = statistics.mean(json.loads(body)["numberReturned"] for body in returned)

        rng = random.Random(11)  # noqa: S311
        points = [(rng.uniform(extent[0], extent[2]), rng.uniform(extent[1], extent[3])) for _ in range(runs + 3)]
        hits = []

        def nearest(i):
            hits.append(assets.nearest(db.session, "street_light", *points[i]) is not None)

        results["nearest"] = timed(nearest, runs)
        info["nearest_found"] = sum(hits) / len(hits)
        db.session.rollback()

    zoom, city_bbox = city_view(extent)
    tiles = city_tiles(zoom, layers.parse_bbox(city_bbox))
    cells = []

    def cluster_tile(i):
        z, x, y = tiles[i % len(tiles)]
        response = client.get(f"/api/layers/lights/clusters/{z}/{x}/{y}.geojson")
        assert response.status_code == 200
        cells.append(response.get_data())

    def clusters_view(_i):
        response = client.get(f"/api/layers/lights/clusters?bbox={city_bbox}&zoom={zoom}")
        assert response.status_code == 200

    results["cluster_tile_http"] = timed(cluster_tile, runs)
    results["clusters_view_http"] = timed(clusters_view, max(10, runs // 5))
    info["city_zoom"] = zoom
    info["tiles"] = len(tiles)
    info["clusters"] = statistics.mean(len(json.loads(body)["features"]) for body in cells)
    with app.app_context():
        db.engine.dispose()
    return {"results": results, "info": info}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lights", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=100)
    parser.add_argument("--backends", default="postgis,spatialite")
    args = parser.parse_args()
    print(f"loading {args.lights} lights per backend and measuring...", file=sys.stderr, flush=True)

    from tests.pgcluster import postgis_database

    figures = {}
    for backend in args.backends.split(","):
        with contextlib.ExitStack() as stack, tempfile.TemporaryDirectory() as folder:
            if backend == "postgis":
                url = stack.enter_context(postgis_database("berkane_bench_map"))
            else:
                url = f"sqlite:///{folder}/bench.sqlite"
            figures[backend] = measure(backend, url, args.lights, args.runs, folder)

    print(f"{args.lights} street lights, {args.runs} runs per measure")
    for backend, found in figures.items():
        info = found["info"]
        print(
            f"{backend}: loaded in {info['load_s']:.1f} s; {info['lights_per_box']:.0f} lights per box on average; "
            f"nearest found within 50 m for {info['nearest_found']:.0%} of points; "
            f"at city zoom {info['city_zoom']:.0f} the map loads {info['tiles']:.0f} cluster tiles "
            f"of {info['clusters']:.1f} clusters on average"
        )
    print(f"{'measure':<20}{'backend':<12}{'p50 ms':>10}{'p95 ms':>10}")
    for label in next(iter(figures.values()))["results"]:
        for backend, found in figures.items():
            p50, p95 = percentiles(found["results"][label])
            print(f"{label:<20}{backend:<12}{p50:>10.2f}{p95:>10.2f}")
    print("ratio of the bbox endpoint's time to the raw query's (p50, p95)")
    for backend, found in figures.items():
        http = percentiles(found["results"]["bbox_http"])
        for raw in ("bbox_raw_same", "bbox_raw_rows"):
            ref = percentiles(found["results"][raw])
            print(f"  {backend:<12}http / {raw[5:]:<10}{http[0] / ref[0]:>8.2f}{http[1] / ref[1]:>8.2f}")
    if "postgis" in figures:
        found = figures["postgis"]["results"]
        bbox95 = percentiles(found["bbox_http"])[1]
        ratio = percentiles(found["bbox_http"])[1] / percentiles(found["bbox_raw_same"])[1]
        near95 = percentiles(found["nearest"])[1]
        print(
            f"PostGIS targets: bbox p95 {bbox95:.1f} ms (< 50) {'met' if bbox95 < 50 else 'MISSED'}; "
            f"ratio to the same statement p95 {ratio:.2f} (< 1.5) {'met' if ratio < 1.5 else 'MISSED'}; "
            f"nearest p95 {near95:.2f} ms (< 5) {'met' if near95 < 5 else 'MISSED'}"
        )


if __name__ == "__main__":
    main()
