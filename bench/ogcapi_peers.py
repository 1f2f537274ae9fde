"""Our OGC API - Features against pygeoapi and tipg, serving the same 100,000 street lights, in one run.

Loads the demo districts, then N street lights (default 100,000, bench/gis_map.py's generator and COPY loader) into a
throwaway PostGIS database, and serves its light_point table, one server at a time, each with --workers processes:
- ours: /ogcapi/collections/lights/items under gunicorn with sync workers (the README's production command: one
  request at a time per process, behind a buffering reverse proxy), production settings, JSON access log on;
- pygeoapi 0.21.0: its PostgreSQL provider on public.light_point (config and OpenAPI document generated into a
  temporary folder), the same four properties, under gunicorn with the same sync workers;
- tipg 1.6.1: public.light_point (id column, geometry, the same four properties) under uvicorn --workers, with
  uvloop and httptools (uvicorn[standard]), its default access log on.
Every server first answers each box of a fixed list (random boxes from a fixed seed, each holding at least 100 lights)
with limit=100, and must return the same 100 lights (codes compared across servers), so a broken peer cannot look
fast. Then wrk (Debian's, in C, one thread: a few percent of a core at these rates, and the same client for all; a
Lua script cycles through the same box URLs) warms it up and loads it for the same time with the same connections.
The servers take turns over --rounds rounds (restarted each time), so a busy spell of the shared machine weighs on
all. Prints throughput (requests/s), p50/p95/p99 latency (ms), the CPU time per request of the server's processes
and of its database backends (read in /proc: steadier than throughput when others share the machine), our
throughput over each peer's (targets: at least 10x pygeoapi, 5x tipg), and, as a floor, p50/p95 of the SQL our
endpoint sends, sent again raw on one connection.
pygeoapi and tipg live in their own virtualenvs, and wrk comes from Debian: `make bench-deps`.

Run: .venv/bin/python bench/ogcapi_peers.py [--workers 2] [--connections 8] [--duration 10] [--rounds 3]
     [--servers ours,pygeoapi,tipg]
"""

import argparse
import json
import math
import os
import random
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PER_PAGE = 100
BOX_TARGET = 150  # lights a box holds on average; each kept box holds at least PER_PAGE
EDGE = 1e-5  # degrees, about a metre: over the rounding of a single-precision box around Berkane
PROPERTIES = ("code", "technology", "power_w", "status")
PEER_VENVS = {"pygeoapi": ROOT / ".venv-bench-pygeoapi", "tipg": ROOT / ".venv-bench-tipg"}
TARGETS = {"pygeoapi": 10.0, "tipg": 5.0}

WRK_SCRIPT = """
local paths = {%(paths)s}
local counter = 0
wrk.headers["Accept"] = "application/geo+json"

function request()
  counter = counter + 1
  return wrk.format("GET", paths[(counter - 1) %% #paths + 1])
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "WRK-JSON {\\"requests\\": %%d, \\"duration_us\\": %%d, \\"bytes\\": %%d, \\"connect\\": %%d, \\"read\\": %%d, "
    .. "\\"write\\": %%d, \\"status\\": %%d, \\"timeout\\": %%d, \\"p50\\": %%d, \\"p95\\": %%d, \\"p99\\": %%d}\\n",
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(95), latency:percentile(99)))
end
"""


@dataclass
class Server:
    name: str
    command: list[str]
    env: dict[str, str]
    path: str  # the items path; ?bbox=&limit= (and `extra`) are added
    extra: str = ""
    base: str = ""
    log: Path | None = None
    rounds: list[dict] = field(default_factory=list)

    def url(self, box) -> str:
        return items_url(self.path, box, self.extra)


def items_url(path: str, box, extra: str = "") -> str:
    return f"{path}?bbox={','.join(f'{v:.6f}' for v in box)}&limit={PER_PAGE}{extra}"


def percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def missing_tools() -> list[str]:
    missing = [] if shutil.which("wrk") else ["wrk"]
    missing += [str(v.relative_to(ROOT)) for v in PEER_VENVS.values() if not (v / ".installed").exists()]
    return missing


# --------------------------------------------------------------------------- data


def load_database(url: str, count: int, folder: str) -> tuple[float, float, float, float]:
    """Migrate, seed the demo districts, COPY `count` lights; returns the districts' extent."""
    from flask_migrate import upgrade

    from bench.gis_map import lights, load_postgis
    from config import TestConfig
    from gis import layers
    from portal import create_app
    from portal.extensions import db
    from services.demo import seed_demo

    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=url, UPLOAD_DIR=f"{folder}/uploads")
    with app.app_context():
        upgrade()
        seed_demo(db.session)
        db.session.commit()
        extent = tuple(layers.extent(db.session, layers.DISTRICTS))
        db.session.rollback()
        with db.engine.begin() as connection:
            load_postgis(connection, lights(count, extent))
        db.engine.dispose()
    return extent


def pick_boxes(dsn: str, extent, count: int, wanted: int, seed: int = 17) -> list[tuple[float, ...]]:
    """Random boxes inside the extent sized to hold about BOX_TARGET lights; only those holding PER_PAGE or more.

    A box with a light within EDGE degrees of its edge is skipped: `&&` (ours) compares single-precision boxes and
    may take in a light a few millionths of a degree outside that ST_Intersects (the peers) leaves out, and every
    server must return the same lights.
    """
    import psycopg

    rng = random.Random(seed)  # noqa: S311 (reproducible bench data, not secrets)
    minx, miny, maxx, maxy = extent
    side = math.sqrt(BOX_TARGET / count)
    w, h = (maxx - minx) * side, (maxy - miny) * side
    found = []
    with psycopg.connect(dsn) as connection:
        while len(found) < wanted:
            x, y = rng.uniform(minx, maxx - w), rng.uniform(miny, maxy - h)
            box = (round(x, 6), round(y, 6), round(x + w, 6), round(y + h, 6))
            # Exact coordinates against the box shrunk and grown by EDGE; && only picks the candidates.
            inner, outer = connection.execute(
                "SELECT count(*) FILTER (WHERE x > %(x0)s + %(e)s AND x < %(x1)s - %(e)s "
                "AND y > %(y0)s + %(e)s AND y < %(y1)s - %(e)s), "
                "count(*) FILTER (WHERE x BETWEEN %(x0)s - %(e)s AND %(x1)s + %(e)s "
                "AND y BETWEEN %(y0)s - %(e)s AND %(y1)s + %(e)s) "
                "FROM (SELECT ST_X(geom) AS x, ST_Y(geom) AS y FROM light_point WHERE geom && "
                "ST_MakeEnvelope(%(x0)s - %(e)s, %(y0)s - %(e)s, %(x1)s + %(e)s, %(y1)s + %(e)s, 4326)) AS near",
                {"x0": box[0], "y0": box[1], "x1": box[2], "y1": box[3], "e": EDGE},
            ).fetchone()
            if inner == outer >= PER_PAGE:
                found.append(box)
    return found


def raw_floor(url: str, path: str, boxes, runs: int, folder: str) -> tuple[int, list[float]]:
    """The SQL our endpoint sends for each box, caught on its way to the driver, then sent again by hand through the
    bare driver on one connection: (statements per request, milliseconds per request)."""
    from sqlalchemy import event

    from config import TestConfig
    from portal import create_app
    from portal.extensions import db

    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=url, UPLOAD_DIR=f"{folder}/uploads")
    sent: list[list[tuple]] = []
    client = app.test_client()
    with app.app_context():

        def catch(_connection, _cursor, statement, parameters, _context, _many):
            sent[-1].append((statement, parameters))

        event.listen(db.engine, "before_cursor_execute", catch)
        for box in boxes:
            sent.append([])
            response = client.get(items_url(path, box), headers={"Accept": "application/geo+json"})
            if response.status_code != 200:
                sys.exit(
                    f"ours: {path} answered {response.status_code} (--ours-path /api/layers/lights.geojson measures "
                    "the map's GeoJSON layer instead)"
                )
        event.remove(db.engine, "before_cursor_execute", catch)
        samples = []
        connection = db.engine.raw_connection()
        try:
            cursor = connection.cursor()
            for i in range(runs + 20):
                start = time.perf_counter()
                for statement, parameters in sent[i % len(sent)]:
                    cursor.execute(statement, parameters)
                    cursor.fetchall()
                if i >= 20:
                    samples.append((time.perf_counter() - start) * 1000)
            connection.rollback()
        finally:
            connection.close()
        db.engine.dispose()
    return len(sent[0]), samples


# --------------------------------------------------------------------------- servers


def pygeoapi_files(folder: Path, port: int, pg: dict) -> dict[str, str]:
    """pygeoapi's configuration for the light_point table, and the OpenAPI document it requires, in `folder`."""
    config = {
        "server": {
            "bind": {"host": "127.0.0.1", "port": port},
            "url": f"http://127.0.0.1:{port}",
            "mimetype": "application/json; charset=UTF-8",
            "encoding": "utf-8",
            "languages": ["en-US"],
            "limits": {"default_items": 10, "max_items": 10000},
            "map": {"url": "https://tile.openstreetmap.org/{z}/{x}/{y}.png", "attribution": "OpenStreetMap"},
        },
        "logging": {"level": "ERROR"},
        "metadata": {
            "identification": {
                "title": {"en": "Berkane bench"},
                "description": {"en": "Street lights"},
                "keywords": {"en": ["lights"]},
                "keywords_type": "theme",
                "terms_of_service": "https://creativecommons.org/licenses/by/4.0/",
                "url": "https://example.org",
            },
            "license": {"name": "CC-BY 4.0", "url": "https://creativecommons.org/licenses/by/4.0/"},
            "provider": {"name": "Berkane", "url": "https://example.org"},
            "contact": {"name": "Bench", "position": "Bench", "address": "-", "city": "Berkane", "country": "MA"},
        },
        "resources": {
            "lights": {
                "type": "collection",
                "title": "Street lights",
                "description": "Street lights",
                "keywords": ["lights"],
                "links": [],
                "extents": {
                    "spatial": {"bbox": [-180, -90, 180, 90], "crs": "http://www.opengis.net/def/crs/OGC/1.3/CRS84"}
                },
                "providers": [
                    {
                        "type": "feature",
                        "name": "PostgreSQL",
                        "data": {**pg, "search_path": ["public"]},
                        "id_field": "id",
                        "table": "light_point",
                        "geom_field": "geom",
                        "properties": list(PROPERTIES),
                    }
                ],
            }
        },
    }
    config_file, openapi_file = folder / "pygeoapi-config.yml", folder / "pygeoapi-openapi.yml"
    # JSON is YAML: no YAML writer is needed on our side.
    config_file.write_text(json.dumps(config, indent=1))
    venv = PEER_VENVS["pygeoapi"]
    env = {**os.environ, "PYGEOAPI_CONFIG": str(config_file), "PYGEOAPI_OPENAPI": str(openapi_file)}
    subprocess.run(
        [str(venv / "bin/pygeoapi"), "openapi", "generate", str(config_file), "--output-file", str(openapi_file)],
        check=True,
        env=env,
        stdout=subprocess.DEVNULL,
    )
    return {"PYGEOAPI_CONFIG": str(config_file), "PYGEOAPI_OPENAPI": str(openapi_file)}


def servers(names, url: str, workers: int, ours_path: str, folder: Path, wsgi: str = "sync") -> list[Server]:
    """The servers to measure; `wsgi` is the gunicorn worker class of ours and pygeoapi (gthread: 4 threads each)."""
    from sqlalchemy.engine import make_url

    db = make_url(url)
    pg = {"host": db.host, "port": db.port or 5432, "dbname": db.database, "user": db.username or "postgres"}
    if db.password:
        pg["password"] = db.password
    worker_class = ["--worker-class", wsgi] + (["--threads", "4"] if wsgi == "gthread" else [])
    made = []
    for name in names:
        port = free_port()
        bind = f"127.0.0.1:{port}"
        if name == "ours":
            env = {"PORTAL_ENV": "production", "SECRET_KEY": secrets.token_urlsafe(32), "DATABASE_URL": url}
            env |= {"UPLOAD_DIR": str(folder / "uploads"), "SIGNING_KEY_FILE": str(folder / "signing_key.pem")}
            command = [str(ROOT / ".venv/bin/gunicorn"), "--workers", str(workers), *worker_class]
            made.append(Server(name, [*command, "--bind", bind, "wsgi:app"], env, ours_path))
        elif name == "pygeoapi":
            env = pygeoapi_files(folder, port, pg)
            command = [str(PEER_VENVS[name] / "bin/gunicorn"), "--workers", str(workers), *worker_class]
            made.append(
                Server(
                    name,
                    [*command, "--bind", bind, "pygeoapi.flask_app:APP"],
                    env,
                    "/collections/lights/items",
                    "&f=json",
                )
            )
        elif name == "tipg":
            env = {
                "DATABASE_URL": db.set(drivername="postgresql").render_as_string(hide_password=False),
                "TIPG_DB_SCHEMAS": '["public"]',
                "TIPG_DB_TABLES": '["public.light_point"]',
                "TIPG_TABLE_CONFIG__public_light_point__PK": "id",
                "TIPG_TABLE_CONFIG__public_light_point__GEOMCOL": "geom",
                "TIPG_TABLE_CONFIG__public_light_point__PROPERTIES": json.dumps(PROPERTIES),
                "TIPG_MAX_FEATURES_PER_QUERY": "10000",
            }
            command = [str(PEER_VENVS[name] / "bin/uvicorn"), "tipg.main:app", "--workers", str(workers)]
            made.append(
                Server(
                    name,
                    [*command, "--host", "127.0.0.1", "--port", str(port)],
                    env,
                    "/collections/public.light_point/items",
                    "&f=geojson",
                )
            )
        made[-1].env = {**os.environ, **made[-1].env}
        made[-1].base = f"http://{bind}"
    return made


def get(server: Server, path: str, timeout: float = 30) -> tuple[int, bytes]:
    # Our own loopback server: an http:// address made above.
    request = urllib.request.Request(server.base + path, headers={"Accept": "application/geo+json"})  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def start(server: Server, folder: Path, boxes) -> subprocess.Popen:
    server.log = folder / f"{server.name}.log"
    with server.log.open("wb") as log:
        process = subprocess.Popen(
            server.command, cwd=ROOT, env=server.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if process.poll() is not None:
            break
        try:
            status, body = get(server, server.url(boxes[0]), timeout=10)
        except OSError:
            time.sleep(0.3)
            continue
        if status == 200:
            return process
        stop(process)
        sys.exit(f"{server.name}: {server.url(boxes[0])} answered {status}: {body[:300]!r}")
    stop(process)
    sys.exit(f"{server.name} did not start or answer; its log:\n{server.log.read_text()[-3000:]}")


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def check_answers(server: Server, boxes) -> list[tuple[str, ...]]:
    """Every box answered with PER_PAGE point features carrying our properties; returns their codes, box by box."""
    codes = []
    for box in boxes:
        status, body = get(server, server.url(box))
        if status != 200:
            sys.exit(f"{server.name}: {server.url(box)} answered {status}: {body[:500]!r}")
        features = json.loads(body).get("features") or []
        if len(features) != PER_PAGE:
            sys.exit(f"{server.name}: {server.url(box)} returned {len(features)} features, not {PER_PAGE}")
        for feature in features:
            geometry, properties = feature.get("geometry") or {}, feature.get("properties") or {}
            if geometry.get("type") != "Point" or len(geometry.get("coordinates", ())) != 2:
                sys.exit(f"{server.name}: a feature without a point geometry: {feature}")
            if not set(PROPERTIES) <= set(properties):
                sys.exit(f"{server.name}: a feature without {PROPERTIES}: {feature}")
        codes.append(tuple(sorted(f["properties"]["code"] for f in features)))
    return codes


def run_wrk(server: Server, script: Path, connections: int, seconds: int) -> dict:
    completed = subprocess.run(
        [
            "wrk",
            "-t1",
            f"-c{connections}",
            f"-d{seconds}s",
            "--timeout",
            "10s",
            "-s",
            str(script),
            server.base,
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    for line in completed.stdout.splitlines():
        if line.startswith("WRK-JSON "):
            return json.loads(line.removeprefix("WRK-JSON "))
    sys.exit(f"wrk printed no summary for {server.name}:\n{completed.stdout}\n{completed.stderr}")


def cpu_seconds() -> float:
    """Busy CPU seconds of the whole machine so far (every process, ours or not), from /proc/stat."""
    fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]
    user, nice, system, _idle, _iowait, irq, softirq, steal = (int(v) for v in fields[:8])
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


def process_cpu(pids) -> dict[int, float]:
    """CPU seconds (user + system) each process has used so far; a process gone meanwhile is left out."""
    used = {}
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except (FileNotFoundError, ProcessLookupError):
            continue
        used[pid] = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return used


def process_tree(root: int) -> list[int]:
    """`root` and its descendants (a server's master and its workers)."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            parent = int(stat.read_text().rsplit(")", 1)[1].split()[1])
        except (FileNotFoundError, ProcessLookupError, IndexError):
            continue
        children.setdefault(parent, []).append(int(stat.parent.name))
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo += children.get(pid, [])
    return found


def backends(dsn: str) -> list[int]:
    """The PostgreSQL server processes serving the bench database (a local server: their CPU is read in /proc)."""
    import psycopg

    with psycopg.connect(dsn, autocommit=True) as connection:
        rows = connection.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        return [pid for (pid,) in rows]


class CpuMeter:
    """CPU seconds a server's processes and its database backends use between start() and stop()."""

    def __init__(self, root: int, dsn: str):
        self.root, self.dsn = root, dsn

    def start(self) -> None:
        self.server, self.database = process_cpu(process_tree(self.root)), process_cpu(backends(self.dsn))
        self.machine = cpu_seconds()

    def stop(self) -> dict[str, float]:
        machine = cpu_seconds() - self.machine
        server, database = process_cpu(process_tree(self.root)), process_cpu(backends(self.dsn))
        return {
            "server_s": sum(used - self.server.get(pid, 0.0) for pid, used in server.items()),
            "database_s": sum(used - self.database.get(pid, 0.0) for pid, used in database.items()),
            "machine_s": machine,
        }


# --------------------------------------------------------------------------- main


def measure(url: str, folder: Path, args, names: list[str]):
    """Pick the boxes, time the floor, then check and load every server in turns; returns (boxes, floor, servers)."""
    extent = load_database(url, args.lights, str(folder))
    dsn = url.replace("postgresql+psycopg://", "postgresql://")
    boxes = pick_boxes(dsn, extent, args.lights, args.boxes)
    floor = raw_floor(url, args.ours_path, boxes, 500, str(folder)) if "ours" in names else None
    answers, measured = {}, servers(names, url, args.workers, args.ours_path, folder, args.wsgi)
    # Rounds take turns, one server running at a time, so a busy spell of the shared machine weighs on all.
    for turn in range(args.rounds):
        for server in measured:
            process = start(server, folder, boxes)
            try:
                script = folder / f"{server.name}.lua"
                if turn == 0:
                    answers[server.name] = check_answers(server, boxes)
                    first_name, first = next(iter(answers.items()))
                    if differ := sum(a != b for a, b in zip(first, answers[server.name], strict=True)):
                        sys.exit(f"{server.name} returned other lights than {first_name} for {differ} boxes")
                    paths = ", ".join(json.dumps(server.url(box)) for box in boxes)
                    script.write_text(WRK_SCRIPT % {"paths": paths})
                run_wrk(server, script, args.connections, args.warmup)
                meter = CpuMeter(process.pid, dsn)
                meter.start()
                found = run_wrk(server, script, args.connections, args.duration)
                found |= meter.stop()
                server.rounds.append(found)
            finally:
                stop(process)
            print(f"  round {turn + 1}: {server.name} measured", file=sys.stderr, flush=True)
    return boxes, floor, measured


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lights", type=int, default=100_000)
    parser.add_argument("--workers", type=int, default=2, help="worker processes of every server (2: the cores here)")
    parser.add_argument("--connections", type=int, default=8, help="wrk's open connections, the same for all")
    parser.add_argument("--duration", type=int, default=10, help="seconds of measurement per server and round")
    parser.add_argument("--rounds", type=int, default=3, help="rounds in which the servers take turns")
    parser.add_argument("--warmup", type=int, default=5, help="seconds of load before measuring, per server")
    parser.add_argument("--boxes", type=int, default=200, help="how many random boxes the load cycles through")
    parser.add_argument("--servers", default="ours,pygeoapi,tipg")
    parser.add_argument(
        "--wsgi", choices=("sync", "gthread"), default="sync", help="gunicorn worker class of ours and pygeoapi"
    )
    parser.add_argument("--ours-path", default="/ogcapi/collections/lights/items", help="our items endpoint")
    args = parser.parse_args()
    names = args.servers.split(",")
    if missing := [m for m in missing_tools() if any(m.endswith(n) for n in names) or m == "wrk"]:
        sys.exit(f"missing {', '.join(missing)}: run `make bench-deps` first")

    from tests.pgcluster import postgis_database

    print(f"loading {args.lights} lights, then serving them through {', '.join(names)}...", file=sys.stderr, flush=True)
    load_before = Path("/proc/loadavg").read_text().split()[:3]
    failure: BaseException | None = None
    with postgis_database("berkane_bench_peers") as url, tempfile.TemporaryDirectory() as tmp:
        try:
            boxes, floor, measured = measure(url, Path(tmp), args, names)
        except BaseException as caught:  # the database is dropped only when the block ends without an exception
            failure = caught
    if failure is not None:
        raise failure
    load_after = Path("/proc/loadavg").read_text().split()[:3]
    report(args, boxes, floor, measured, load_before, load_after)


def report(args, boxes, floor, measured, load_before, load_after) -> None:
    print(
        f"{args.lights} street lights; {len(boxes)} random boxes holding {PER_PAGE} lights or more, limit={PER_PAGE}; "
        f"{args.workers} worker processes per server (gunicorn {args.wsgi} for ours and pygeoapi); "
        f"wrk: 1 thread, {args.connections} connections, "
        f"{args.rounds} rounds of {args.warmup} s warm-up then {args.duration} s per server, taking turns"
    )
    print(f"checked first: every server returned the same {PER_PAGE} lights (point features) for every box")
    print(
        "throughput over all rounds; latency: median over rounds; CPU ms per request: the server's processes, the "
        "database's backends for it; cores busy: the whole machine's, other helpers included"
    )
    print(
        f"{'server':<10}{'req/s':>9}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'errors':>8}"
        f"{'CPU server':>12}{'CPU db':>8}{'cores busy':>12}"
    )
    rps, cost = {}, {}
    for server in measured:
        rounds = server.rounds
        requests, seconds = sum(r["requests"] for r in rounds), sum(r["duration_us"] for r in rounds) / 1e6
        rps[server.name] = requests / seconds
        errors = sum(r[k] for r in rounds for k in ("connect", "read", "write", "status", "timeout"))
        p50, p95, p99 = (statistics.median(r[p] for r in rounds) / 1000 for p in ("p50", "p95", "p99"))
        own, db = (1000 * sum(r[k] for r in rounds) / requests for k in ("server_s", "database_s"))
        cost[server.name] = own + db
        busy = sum(r["machine_s"] for r in rounds) / seconds
        print(
            f"{server.name:<10}{rps[server.name]:>9.1f}{p50:>9.2f}{p95:>9.2f}{p99:>9.2f}{errors:>8}"
            f"{own:>12.2f}{db:>8.2f}{busy:>12.2f}"
        )
        if errors:
            print(f"  {server.name}: wrk counted {errors} errors (non-2xx answers, timeouts, broken connections)")
    if floor:
        statements, samples = floor
        p50, p95 = percentiles(samples)
        print(
            f"floor: the SQL our endpoint sends for a box ({statements} statement{'s' if statements > 1 else ''}), "
            f"sent again raw on one connection: p50 {p50:.2f} ms, p95 {p95:.2f} ms "
            f"({1000 / statistics.mean(samples):.0f} per second on one connection)"
        )
    if "ours" in rps:
        for peer, target in TARGETS.items():
            if peer in rps:
                ratio = rps["ours"] / rps[peer]
                verdict = "met" if ratio >= target else "MISSED"
                print(
                    f"ours / {peer} throughput: {ratio:.2f} (target >= {target:g}) {verdict}; "
                    f"{peer}'s CPU per request over ours (server + database): {cost[peer] / cost['ours']:.2f}"
                )
    print(f"load average before {' '.join(load_before)}, after {' '.join(load_after)} (2 cores, shared)")


if __name__ == "__main__":
    main()
