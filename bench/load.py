"""Load benchmark: `make bench` or `python -m bench.load`. Not a test: it prints a table.

Builds a `cptref_load` database on the PostgreSQL server at BENCH_POSTGRES_URL (default
postgres://postgres@127.0.0.1:5432/postgres; dropped and created again) with the curated data plus the same
20,000 synthetic codes as bench/search.py (published here), runs collectstatic, starts gunicorn with production settings (DEBUG
off, 2 sync workers, plain HTTP on a free 127.0.0.1 port: SSL redirect and HSTS switched off) and drives each
page with wrk (2 threads, 16 connections) from a second process. A static file served by whitenoise is the
ceiling: every page should reach 25% of its throughput, with p95 latency within 3x p50.
Prints req/s, p50/p95/p99 and the SQL queries one request makes; then stops gunicorn and drops the database.
Needs wrk (Debian: `apt-get install -y wrk`). Numbers depend on the machine: wrk shares its cores.
"""

import argparse
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATABASE = "cptref_load"
PAGES = [
    ("home", "/"),
    ("list", "/codes/"),
    ("detail", "/codes/97110/"),
    ("search ther ex", "/codes/?q=ther+ex"),
    ("search stimulation", "/codes/?q=stimulation"),
    ("units", "/units/?code=97110&minutes=23&code=97112&minutes=24"),
]
MIN_SHARE = 0.25  # of the static file's req/s
MAX_TAIL = 3.0  # p95 / p50

# wrk calls done() once at the end; latencies are in microseconds.
WRK_REPORT = """
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT %d %d %d %d %d %d\\n", summary.requests, summary.duration,
    latency:percentile(50), latency:percentile(95), latency:percentile(99),
    e.connect + e.read + e.write + e.status + e.timeout))
end
"""

# Runs in a child process with the server's settings, one request at a time: the queries each page makes, the
# time they take and the median time of the whole request (view, templates, middleware) in-process.
PROFILE = """
import json, statistics, sys, time, django
django.setup()
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
client, found = Client(HTTP_HOST="127.0.0.1"), {}
for path in json.loads(sys.argv[1]):
    client.get(path)  # warm caches, as the server's workers are
    times = []
    for _ in range(15):
        start = time.perf_counter()
        client.get(path)
        times.append((time.perf_counter() - start) * 1000)
    with CaptureQueriesContext(connection) as ctx:
        client.get(path)
    sql = sum(float(q["time"]) for q in ctx.captured_queries) * 1000
    found[path] = {"queries": len(ctx.captured_queries), "sql_ms": sql, "ms": statistics.median(times)}
print(json.dumps(found))
"""


# The same seed and data as bench/search.py. The pages must face 20,058 published codes, the catalogue size this
# benchmark is about, so any synthetic row built as a draft is published (none, as bench/search.py builds them now).
BUILD = """
import django, random
django.setup()
from bench.search import build
from codes.models import Code, Misconception
build(random.Random(20261122))
Code.objects.filter(code__gte="30000", is_published=False).update(is_published=True)
Misconception.objects.filter(slug__startswith="synthetic-", is_published=False).update(is_published=True)
"""


def server_env(database_url):
    """Production settings from the environment only, as a deployment would run them (no test or debug flags)."""
    env = {name: value for name, value in os.environ.items() if not name.startswith(("DJANGO_", "GUNICORN_"))}
    env.update(
        DJANGO_SETTINGS_MODULE="cptref.settings",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_ALLOWED_HOSTS="127.0.0.1",
        DJANGO_SECURE_SSL_REDIRECT="false",  # plain HTTP on loopback: no proxy, no TLS
        DJANGO_HSTS_SECONDS="0",
        DJANGO_LOG_LEVEL="WARNING",
        DATABASE_URL=database_url,
        PYTHONUNBUFFERED="1",
    )
    return env


def run(args, env, **kwargs):
    out = subprocess.run(args, env=env, cwd=ROOT, capture_output=True, text=True, **kwargs)
    if out.returncode != 0:
        raise SystemExit(f"failed: {' '.join(args[:4])}…\n{out.stdout[-2000:]}{out.stderr[-3000:]}")
    return out.stdout


def create_database(base_url):
    import psycopg

    with psycopg.connect(base_url, autocommit=True, connect_timeout=5) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {DATABASE}")
    return base_url.rsplit("/", 1)[0] + "/" + DATABASE


def vacuum_analyze(url):
    import psycopg

    with psycopg.connect(url, autocommit=True, connect_timeout=5) as conn:
        conn.execute("VACUUM ANALYZE")


def drop_database(base_url):
    import psycopg

    with psycopg.connect(base_url, autocommit=True, connect_timeout=5) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_healthy(base, process, seconds=60):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"gunicorn exited with {process.returncode}")
        try:
            with urllib.request.urlopen(base + "/healthz", timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.2)
    raise SystemExit("gunicorn did not answer /healthz in time")


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def check_page(base, path):
    """Each benchmarked URL must be a plain 200 (a redirect or an error would measure the wrong thing)."""
    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(base + path, timeout=10) as response:
            return response.status, len(response.read())
    except urllib.error.HTTPError as exc:
        raise SystemExit(f"{path}: HTTP {exc.code}, expected 200") from None


def wrk(base, path, script, seconds, connections, threads):
    out = subprocess.run(
        ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--timeout", "5s", "-s", script, base + path],
        capture_output=True,
        text=True,
        timeout=seconds + 60,
    )
    line = next((line for line in out.stdout.splitlines() if line.startswith("RESULT ")), None)
    if out.returncode != 0 or line is None:
        raise SystemExit(f"wrk failed on {path}:\n{out.stdout}{out.stderr}")
    requests, duration, p50, p95, p99, errors = map(int, line.split()[1:])
    return {
        "rps": requests / (duration / 1e6),
        "p50": p50 / 1000,
        "p95": p95 / 1000,
        "p99": p99 / 1000,
        "errors": errors,
        "requests": requests,
    }


def report(results, ceiling, profile, settings):
    print(f"\n{settings}")
    header = f"{'page':<19} {'URL':<53} {'req/s':>7} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7}"
    print(f"{header} {'of static':>9} {'p95/p50':>7} {'errors':>6} {'target':>7}  one request: queries, SQL, total")
    missed = []
    for name, path, row in results:
        share = row["rps"] / ceiling["rps"]
        tail = row["p95"] / row["p50"] if row["p50"] else float("inf")
        ok = name == "static" or (share >= MIN_SHARE and tail <= MAX_TAIL and not row["errors"])
        if not ok:
            missed.append(name)
        verdict = "ceiling" if name == "static" else "ok" if ok else "MISSED"
        alone = profile.get(path)
        detail = f"{alone['queries']:>3} q {alone['sql_ms']:>5.1f} ms {alone['ms']:>5.1f} ms" if alone else ""
        print(
            f"{name:<19} {path[:53]:<53} {row['rps']:>7.0f} {row['p50']:>7.1f} {row['p95']:>7.1f} {row['p99']:>7.1f}"
            f" {share:>9.0%} {tail:>7.2f} {row['errors']:>6} {verdict:>7}  {detail}"
        )
    print(f"\ntargets: every page >= {MIN_SHARE:.0%} of the static file's req/s, p95 <= {MAX_TAIL:g}x p50, no errors")
    print("all pages met the targets" if not missed else f"missed: {', '.join(missed)}")
    return missed


def stop(server):
    if server.poll() is None:
        server.send_signal(signal.SIGTERM)  # graceful: workers finish, connections close
        try:
            server.wait(timeout=35)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--postgres", default=os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    )
    parser.add_argument("--seconds", type=int, default=8, help="per wrk run (after a 2 s warm-up)")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()

    if not shutil.which("wrk"):
        print("wrk is not installed: apt-get install -y wrk   (Debian; the load benchmark needs it)")
        return 1
    try:
        database_url = create_database(args.postgres)
    except Exception as exc:  # noqa: BLE001 - say why and stop
        print(f"PostgreSQL at {args.postgres} is not usable: {exc}")
        return 1

    signal.signal(signal.SIGTERM, lambda *_: sys.exit("stopped by SIGTERM"))  # still clean up below
    env = server_env(database_url)
    server = None
    log = tempfile.NamedTemporaryFile("w+", prefix="cptref-load-gunicorn-", suffix=".log", delete=False)
    try:
        start = time.perf_counter()
        run([sys.executable, "-c", BUILD], env)
        vacuum_analyze(database_url)  # the planner statistics autovacuum would have gathered by now
        run([sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"], env)
        print(
            f"built {DATABASE} (curated data + 20,000 synthetic codes) and collected static in "
            f"{time.perf_counter() - start:.0f} s"
        )
        manifest = json.loads((ROOT / "staticfiles" / "staticfiles.json").read_text())
        static = "/static/" + manifest["paths"]["css/site.css"]

        paths = [path for _, path in PAGES]
        # The cost of rendering each page once: measured with the page cache off.
        uncached = {**env, "CPTREF_PAGE_CACHE_SECONDS": "0"}
        profile = json.loads(run([sys.executable, "-c", PROFILE, json.dumps(paths)], uncached).splitlines()[-1])

        # Twice: as deployed (public pages served from the page cache after the first request), then with the
        # page cache off, so the table also shows what rendering each page costs.
        for mode, extra in (("page cache on (default)", {}), ("page cache off", {"CPTREF_PAGE_CACHE_SECONDS": "0"})):
            port = free_port()
            base = f"http://127.0.0.1:{port}"
            server_vars = {
                **env,
                **extra,
                "GUNICORN_BIND": f"127.0.0.1:{port}",
                "GUNICORN_WORKERS": str(args.workers),
            }
            server = subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "cptref.wsgi"],
                env=server_vars,
                cwd=ROOT,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
            wait_until_healthy(base, server)
            for path in [static, *paths]:
                check_page(base, path)

            with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
                script.write(WRK_REPORT)
            results = []
            print(f"\n{mode}:", flush=True)
            for name, path in [("static", static), *PAGES]:
                wrk(base, path, script.name, 2, args.connections, args.threads)  # warm-up, not counted
                row = wrk(base, path, script.name, args.seconds, args.connections, args.threads)
                results.append((name, path, row))
                print(f"  {name}: {row['rps']:.0f} req/s", flush=True)
            os.unlink(script.name)
            ceiling = results[0][2]
            settings = (
                f"{mode}; gunicorn {args.workers} sync workers, DEBUG off, PostgreSQL {DATABASE} (conn_max_age=600); "
                f"wrk -t{args.threads} -c{args.connections} -d{args.seconds}s on {os.cpu_count()} cores shared with "
                "the server and the database"
            )
            report(results, ceiling, profile, settings)
            stop(server)
            server = None
    finally:
        if server is not None:
            stop(server)
        log.close()
        os.unlink(log.name)
        drop_database(args.postgres)
        print(f"stopped gunicorn and dropped {DATABASE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
