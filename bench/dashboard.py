"""What the mayor's dashboard costs at a million requests, over HTTP (PostGIS, gunicorn).

Builds the data with bench/generate_requests.py (1,000,000 requests over three years, by default in a throwaway
database; `--database NAME --keep` keeps it, `--reuse` measures one kept earlier), checks that the daily summary
matches the requests, then serves the portal with gunicorn (production settings, sync workers) and, signed in as
the mayor's office (and as a head of department for the pages), times over HTTP every address the dashboard
has when it runs, enumerated from portal.dashboard.tables.SECTIONS and the URL map:
- each section's page, and each of its tables as JSON, CSV and XLSX,
  for the whole commune and for one district, over the default period (the last 12 months) and three years;
- the monthly PDF report (the current month, commune and district);
- the open-data downloads (CSV and GeoJSON, this year and every year), timed apart with their rows per second.
Prints p50 / p95 / max (ms) and flags every p95 over the target (300 ms). Then files 100 requests and moves
them along through the real service functions, and checks the summary again: it must still match.

Run: .venv/bin/python bench/dashboard.py [--requests N] [--runs N] [--database NAME [--keep | --reuse]]
"""

import argparse
import contextlib
import os
import random
import re
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import generate_requests
import requests

ROOT = Path(__file__).resolve().parent.parent
TARGET_MS = 300
MAYOR = ("mayor@demo.berkane.example", "demo-mayor-2026")
SUPERVISOR = ("supervisor@demo.berkane.example", "demo-supervisor-2026")


def percentiles(samples: list[float]) -> tuple[float, float, float]:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return statistics.median(ordered), p95, ordered[-1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --------------------------------------------------------------------------- the data


def counts_and_drift(url: str, folder: str) -> dict:
    from sqlalchemy import func, select

    from portal.extensions import db
    from services.requests.models import RequestEvent, ServiceRequest
    from services.stats import summary

    app = generate_requests.make_app(url, folder)
    with app.app_context():
        found = {
            "requests": db.session.scalar(select(func.count(ServiceRequest.id))),
            "history entries": db.session.scalar(select(func.count(RequestEvent.id))),
            "summary rows": {
                model.__tablename__: db.session.scalar(select(func.count()).select_from(model))
                for model in summary.SUMMARIES
            },
        }
        start = time.perf_counter()
        found["drift"] = summary.drift(db.session)
        found["drift_s"] = time.perf_counter() - start
        db.session.rollback()
        db.engine.dispose()
    return found


def file_and_move(url: str, folder: str, count: int, seed: int) -> dict:
    """File `count` requests through the filing path and move most of them along the workflow, now."""
    from sqlalchemy import select

    from portal.extensions import db
    from services.accounts.models import Role, User
    from services.casework import actions
    from services.catalog.forms import FieldType, parse_fields
    from services.catalog.models import Service
    from services.requests.service import file_request, new_idempotency_key, rate
    from services.requests.uploads import FileStore
    from services.stats import summary
    from services.workflow import transitions
    from services.workflow.transitions import Actor

    rng = random.Random(seed)  # noqa: S311 (reproducible bench data, not secrets)
    app = generate_requests.make_app(url, folder)
    done = {"filed": 0, "moved": 0}
    with app.app_context():
        session = db.session
        store = FileStore(f"{folder}/uploads")
        citizens = list(
            session.scalars(select(User).where(User.role == Role.CITIZEN.value, User.cnie.is_not(None)).limit(50))
        )
        services = [
            s
            for s in session.scalars(select(Service).where(Service.is_active.is_(True)).order_by(Service.code))
            if not any(f.type is FieldType.FILE and f.required for f in parse_fields(s.current.fields))
        ]
        from gis.districts.models import District

        district = session.scalar(select(District).order_by(District.population.desc()).limit(1))
        filed = []
        for n in range(count):
            service = services[n % len(services)]
            values = {}
            for f in parse_fields(service.current.fields):
                if f.type in (FieldType.TEXT, FieldType.TEXTAREA):
                    values[f.name] = "Bench: une demande déposée après le chargement."
                elif f.type is FieldType.NUMBER:
                    values[f.name] = str(int(f.min or 1) if f.name != "birth_year" else 1980)
                elif f.type is FieldType.DATE:
                    values[f.name] = (date.today() + timedelta(days=3)).isoformat()
                elif f.type is FieldType.CHOICE:
                    values[f.name] = f.choices[0].value
                elif f.type is FieldType.YES_NO:
                    values[f.name] = "no"
                elif f.type is FieldType.LOCATION:
                    values[f"{f.name}__district"] = str(district.id)
                    values[f"{f.name}__address"] = "Boulevard Mohammed V"
            result = file_request(
                session,
                service_code=service.code,
                user=rng.choice(citizens),
                locale="fr",
                values=values,
                files={},
                idempotency_key=new_idempotency_key(),
                store=store,
            )
            filed.append(result.request)
            done["filed"] += 1
        staff = {}
        for request in filed:
            team = staff.setdefault(request.department_id, actions.assignable_staff(session, request.department_id))
            head = next(u for u in team if u.role == Role.SUPERVISOR.value)
            agent = next((u for u in team if u.role == Role.AGENT.value), head)
            fate = rng.random()
            if fate < 0.15:
                continue  # left in the queue
            actions.transition(session, request, "acknowledge", user=agent)
            if fate < 0.25:
                actions.transition(session, request, "close_without_action", user=agent, note="Rien à faire.")
            elif fate < 0.35:
                actions.reject(session, request, user=head, reason="Dossier incomplet.")
            else:
                actions.assign(session, request, agent.id, user=head)
                actions.transition(session, request, "start", user=agent)
                if request.service.kind == "certificate":
                    actions.transition(session, request, "approve", user=agent)
                else:
                    actions.resolve(session, request, user=agent, note="Fait.", photos=[], store=store)
                if fate < 0.6:
                    rate(
                        session,
                        request,
                        user=request.citizen,
                        proven_filer=False,
                        rating=rng.randint(1, 5),
                        comment=None,
                    )
                if fate > 0.9 and request.status == "resolved":
                    transitions.apply(
                        session, request, "reopen", actor=Actor.CITIZEN, user=request.citizen, note="Encore."
                    )
            done["moved"] += 1
        session.commit()
        start = time.perf_counter()
        done["drift"] = summary.drift(session)
        done["drift_s"] = time.perf_counter() - start
        session.rollback()
        db.engine.dispose()
    return done


def explain_slowest(url: str, folder: str, over: list[tuple], scopes: dict[str, dict], limit: int) -> list[str]:
    """For the slowest tables over the target: the builder's time, its SQL's, and the plan of its slowest statement."""
    from flask import request
    from flask_login import login_user
    from sqlalchemy import event, select

    from portal.dashboard.scope import read_filters
    from portal.dashboard.tables import SECTIONS
    from portal.extensions import db
    from services.accounts.models import User

    app = generate_requests.make_app(url, folder)
    lines, seen = [], set()
    with app.app_context():
        engine = db.engine
    statements: list[tuple[float, str, object]] = []

    def before(conn, cursor, statement, parameters, context, executemany):
        conn.info["started"] = time.perf_counter()

    def after(conn, cursor, statement, parameters, context, executemany):
        statements.append((time.perf_counter() - conn.info.pop("started"), statement, parameters))

    event.listen(engine, "before_cursor_execute", before)
    event.listen(engine, "after_cursor_execute", after)
    for _who, address, scope_label, p95 in sorted(over, key=lambda o: -o[3]):
        slug, _, rest = address.partition("/")
        slug = slug.removesuffix(" page")
        names = list(SECTIONS[slug].builders) if address.endswith(" page") else [rest.rsplit(".", 1)[0]]
        for name in names:
            if (slug, name, scope_label) in seen or len(seen) >= limit:
                continue
            seen.add((slug, name, scope_label))
            # A request context of its own, as over HTTP: figures a section keeps in `g` are computed again.
            with app.test_request_context(f"/dashboard/{slug}", query_string=scopes[scope_label]):
                login_user(db.session.scalar(select(User).where(User.email == MAYOR[0])))
                _form, scope = read_filters(request.args)
                statements.clear()
                start = time.perf_counter()
                SECTIONS[slug].builders[name](scope)
                total = (time.perf_counter() - start) * 1000
                db.session.rollback()
            sql = sum(t for t, _s, _p in statements) * 1000
            lines.append(
                f"{slug}/{name} ({scope_label}, p95 {p95:.0f} ms over HTTP): builder {total:.0f} ms, "
                f"{len(statements)} statements {sql:.0f} ms"
            )
            # Only a builder that weighs on the page gets its plan printed.
            if statements and total >= TARGET_MS / 3:
                _t, statement, parameters = max(statements, key=lambda s: s[0])
                with engine.connect() as connection:
                    plan = connection.exec_driver_sql("EXPLAIN (ANALYZE, BUFFERS) " + statement, parameters)
                    lines.append("  slowest statement: " + " ".join(statement.split())[:600])
                    lines += [f"    {row}" for row in plan.scalars()]
    engine.dispose()
    return lines


# --------------------------------------------------------------------------- the server


@contextlib.contextmanager
def gunicorn(url: str, folder: str, workers: int):
    port = free_port()
    env = {
        **os.environ,
        "PORTAL_ENV": "production",
        "SECRET_KEY": secrets.token_urlsafe(32),
        "DATABASE_URL": url,
        "SESSION_COOKIE_SECURE": "0",  # plain HTTP on the loopback
        "UPLOAD_DIR": f"{folder}/uploads",
        "SIGNING_KEY_FILE": f"{folder}/signing_key.pem",
        "LOG_LEVEL": "WARNING",
    }
    command = [str(ROOT / ".venv/bin/gunicorn"), "--workers", str(workers), "--timeout", "300"]
    log = Path(folder) / "gunicorn.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [*command, "--bind", f"127.0.0.1:{port}", "wsgi:app"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            if process.poll() is not None or time.monotonic() > deadline:
                sys.exit(f"gunicorn did not start; its log:\n{log.read_text()[-3000:]}")
            try:
                if requests.get(f"{base}/login", timeout=30).status_code == 200:
                    break
            except requests.RequestException:
                time.sleep(0.5)
        yield base, log
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


def signed_in(base: str, email: str, password: str) -> requests.Session:
    browser = requests.Session()
    page = browser.get(f"{base}/login").text
    token = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', page).group(1)
    answer = browser.post(
        f"{base}/login", data={"csrf_token": token, "email": email, "password": password}, allow_redirects=False
    )
    if answer.status_code != 302 or "/login" in answer.headers.get("Location", ""):
        sys.exit(f"signing in as {email} failed: {answer.status_code}")
    return browser


# --------------------------------------------------------------------------- what to time


def dashboard_cases(base_district: int) -> tuple[list[tuple[str, str]], list[tuple[str, dict]]]:
    """(label, path) of every page and table export the dashboard has now, and the scopes to time them in."""
    from portal.dashboard import exports
    from portal.dashboard.tables import SECTIONS

    paths = []
    for slug, section in SECTIONS.items():
        paths.append((f"{slug} page", f"/dashboard/{slug}"))
        for name in section.builders:
            paths += [(f"{slug}/{name}.{fmt}", f"/dashboard/{slug}/{name}.{fmt}") for fmt in exports.FORMATS]
    today = date.today()
    three_years = {
        "period": "custom",
        "start": (today - timedelta(days=3 * 365 - 1)).isoformat(),
        "end": today.isoformat(),
    }
    scopes = [
        ("city 12 mo", {}),
        ("district 12 mo", {"district": str(base_district)}),
        ("city 3 y", three_years),
        ("district 3 y", {**three_years, "district": str(base_district)}),
    ]
    return paths, scopes


def extra_routes(app) -> dict[str, str]:
    """The report and open-data addresses, when the portal has them."""
    rules = {rule.rule for rule in app.url_map.iter_rules()}
    wanted = {
        "report": "/dashboard/report.pdf",
        "open_csv": "/open-data/requests.csv",
        "open_geojson": "/open-data/requests.geojson",
    }
    return {k: v for k, v in wanted.items() if v in rules}


def time_round_robin(browser, base: str, cases: list[tuple[str, str, dict]], runs: int, warmup: int = 2) -> dict:
    """Each case `runs` times, in turns (so a busier moment of the shared machine falls on all of them)."""
    samples = {label: [] for label, _path, _params in cases}
    statuses = {}
    for i in range(runs + warmup):
        for label, path, params in cases:
            start = time.perf_counter()
            answer = browser.get(base + path, params=params, timeout=300)
            body = answer.content
            elapsed = (time.perf_counter() - start) * 1000
            if answer.status_code != 200:
                statuses[label] = f"{answer.status_code}: {body[:200]!r}"
            elif i >= warmup:
                samples[label].append(elapsed)
    return samples, statuses


def time_downloads(base: str, cases: list[tuple[str, str, dict]], runs: int) -> list[tuple]:
    rows = []
    for label, path, params in cases:
        times, sizes, records = [], [], 0
        for _ in range(runs):
            start = time.perf_counter()
            answer = requests.get(base + path, params=params, timeout=1800, stream=True)
            size, lines, features = 0, 0, 0
            for chunk in answer.iter_content(1 << 16):
                size += len(chunk)
                lines += chunk.count(b"\n")
                features += chunk.count(b'"Feature"')
            times.append(time.perf_counter() - start)
            sizes.append(size)
            records = features if path.endswith("geojson") else max(lines - 1, 0)
            if answer.status_code != 200:
                records = -answer.status_code
        rows.append((label, statistics.median(times), max(times), records, statistics.median(sizes)))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=generate_requests.DEFAULT_REQUESTS)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--pdf-runs", type=int, default=10)
    parser.add_argument("--download-runs", type=int, default=3)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--database", help="a database name on 127.0.0.1:5432 (default: a throwaway one)")
    parser.add_argument("--keep", action="store_true", help="keep --database afterwards")
    parser.add_argument("--reuse", action="store_true", help="measure --database as it is (built by --keep)")
    parser.add_argument("--only", default="", help="time only addresses containing this text")
    parser.add_argument(
        "--explain", type=int, default=12, help="tables over the target to explain (builder time, SQL plans)"
    )
    args = parser.parse_args()
    if (args.keep or args.reuse) and not args.database:
        parser.error("--keep and --reuse need --database")

    def say(line: str) -> None:
        print(line, file=sys.stderr, flush=True)

    with (
        tempfile.TemporaryDirectory() as folder,
        generate_requests.bench_database(args.database, args.keep or args.reuse) as (url, fresh),
    ):
        build = {}
        if fresh:
            start = time.perf_counter()
            build = generate_requests.build(url, args.requests, args.seed, folder, log=say)
            build["total_s"] = time.perf_counter() - start
        elif not args.reuse:
            sys.exit(f"{args.database} exists already: add --reuse to measure it, or drop it")
        say("checking the summary against the requests...")
        loaded = counts_and_drift(url, folder)
        load_line = os.getloadavg()

        app = generate_requests.make_app(url, folder)
        with app.app_context():
            from sqlalchemy import select

            from gis.districts.models import District
            from portal.extensions import db

            district = db.session.scalar(select(District).order_by(District.population.desc()).limit(1))
            district_id, district_name = district.id, district.name_fr
            db.engine.dispose()
        paths, scopes = dashboard_cases(district_id)
        extra = extra_routes(app)

        results, failures, downloads = {}, {}, []
        with gunicorn(url, folder, args.workers) as (base, log):
            mayor, head = signed_in(base, *MAYOR), signed_in(base, *SUPERVISOR)
            cases = [
                (f"{label} | {scope}", path, params)
                for label, path in paths
                for scope, params in scopes
                if args.only in path
            ]
            say(f"timing {len(cases)} addresses x scopes as the mayor's office, {args.runs} runs each...")
            samples, statuses = time_round_robin(mayor, base, cases, args.runs)
            results["mayor"], failures["mayor"] = samples, statuses
            pages = [
                (f"{label} | {scope}", path, params)
                for label, path in paths
                if label.endswith(" page") and args.only in path
                for scope, params in scopes
            ]
            say(f"timing {len(pages)} pages as a head of department...")
            results["supervisor"], failures["supervisor"] = time_round_robin(head, base, pages, args.runs)
            if "report" in extra and args.only in extra["report"]:
                month = date.today().strftime("%Y-%m")
                pdf_cases = [
                    (f"report.pdf {lang} | city {month}", extra["report"], {"month": month, "lang": lang})
                    for lang in ("ar", "fr")
                ] + [
                    (
                        f"report.pdf fr | district {month}",
                        extra["report"],
                        {"month": month, "lang": "fr", "district": str(district_id)},
                    )
                ]
                say(f"timing the PDF report, {args.pdf_runs} runs...")
                results["report"], failures["report"] = time_round_robin(
                    mayor, base, pdf_cases, args.pdf_runs, warmup=1
                )
            this_year = str(date.today().year)
            opened = [
                (f"{name} {year or 'all years'}", extra[name], {"year": year} if year else {})
                for name in ("open_csv", "open_geojson")
                if name in extra and args.only in extra[name]
                for year in (this_year, None)
            ]
            if opened:
                say(f"timing the open-data downloads, {args.download_runs} runs...")
                downloads = time_downloads(base, opened, args.download_runs)
            server_log = log.read_text()[-2000:]
        load_after = os.getloadavg()

        over = [
            (who, *label.split(" | "), percentiles(values)[1])
            for who, samples in results.items()
            if who == "mayor"
            for label, values in samples.items()
            if values and percentiles(values)[1] > TARGET_MS
        ]
        plans = []
        if over and args.explain:
            say("explaining the slowest tables over the target...")
            plans = explain_slowest(url, folder, over, dict(scopes), args.explain)

        say("filing 100 requests through the service functions, then checking the summary again...")
        after = file_and_move(url, folder, 100, args.seed)

    print_report(
        args, build, loaded, after, results, failures, downloads, district_name, load_line, load_after, server_log
    )
    if plans:
        print("where the time goes, for the slowest tables (in-process, mayor's scope):")
    for line in plans:
        print(line)


def print_report(args, build, loaded, after, results, failures, downloads, district_name, load_before, load_after, log):
    print(f"Dashboard at {loaded['requests']:,} requests (PostGIS, gunicorn {args.workers} sync workers, HTTP)")
    if build:
        print(
            f"built in {build['total_s']:.0f} s: migrate and seed {build['migrate_and_seed_s']:.0f} s, generate and "
            f"COPY {build['generate_s']:.0f} s, rebuild summary {build['rebuild_s']:.0f} s, vacuum/analyse "
            f"{build['vacuum_analyze_s']:.0f} s"
        )
    print(
        f"rows: {loaded['requests']:,} requests, {loaded['history entries']:,} history entries, "
        + ", ".join(f"{count:,} {table} rows" for table, count in loaded["summary rows"].items())
    )
    print(f"summary drift after the load: {len(loaded['drift'])} rows ({loaded['drift_s']:.0f} s to check)")
    for table, key, stored, expected in loaded["drift"][:5]:
        print(f"  {table} {key}: stored {stored} expected {expected}")
    print(
        f"summary drift after filing {after['filed']} requests and moving {after['moved']} along: "
        f"{len(after['drift'])} rows"
    )
    for table, key, stored, expected in after["drift"][:5]:
        print(f"  {table} {key}: stored {stored} expected {expected}")
    print(f"district: {district_name}; load average before {load_before[0]:.2f}, after {load_after[0]:.2f}")
    print(
        f"{args.runs} runs each (report: {args.pdf_runs}), after 2 warm-up runs; times in ms; * = p95 over {TARGET_MS}"
    )
    print(f"{'who':<11}{'address':<44}{'scope':<16}{'p50':>9}{'p95':>9}{'max':>9}")
    over = []
    for who, samples in results.items():
        for label, values in samples.items():
            address, scope = label.split(" | ")
            if not values:
                print(f"{who:<11}{address:<44}{scope:<16}  failed: {failures[who].get(label)}")
                continue
            p50, p95, top = percentiles(values)
            flag = " *" if p95 > TARGET_MS else ""
            if flag:
                over.append((who, address, scope, p95))
            print(f"{who:<11}{address:<44}{scope:<16}{p50:>9.0f}{p95:>9.0f}{top:>9.0f}{flag}")
    if downloads:
        print("open data (streamed, not against the 300 ms target):")
        print(f"{'download':<28}{'median s':>10}{'max s':>8}{'records':>11}{'rows/s':>10}{'MB':>8}")
        for label, median, top, records, size in downloads:
            rate = records / median if records > 0 and median else 0
            print(f"{label:<28}{median:>10.1f}{top:>8.1f}{records:>11,}{rate:>10,.0f}{size / 1e6:>8.1f}")
    total = sum(len(s) for s in results.values())
    print(f"{len(over)} of {total} timed addresses over {TARGET_MS} ms at p95" + (":" if over else "."))
    for who, address, scope, p95 in sorted(over, key=lambda o: -o[3]):
        print(f"  {who} {address} ({scope}): {p95:.0f} ms")
    errors = [(w, label, s) for w, f in failures.items() for label, s in f.items()]
    for who, label, status in errors:
        print(f"  ERROR {who} {label}: {status}")
    if errors:
        print(f"server log (end):\n{log}")


if __name__ == "__main__":
    main()
