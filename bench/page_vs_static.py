"""`make bench`: requests per second of a pathway page against the same HTML served as a static file.

Two variants in the same run, each with both sides from the same server, measured in interleaved
rounds, so the static file is the baseline of this machine at this moment: the ratio page/static is
what to compare between runs, not the absolute figures.

- **client**: ONE gunicorn process (1 worker, 1 thread, no Redis: local-memory cache), a single
  Python `http.client` loop, a new connection per request. Exits 1 below --min-ratio (0.5).
- **wrk**: gunicorn with 2 sync workers, PostgreSQL + Redis (cache and broker, redis db 14 with a
  key prefix of the run's own), DEBUG off, loaded by `wrk -t1 -c8` (8 connections kept busy at
  once; gunicorn's sync workers close each connection after its answer, so wrk reconnects).
  Exits 1 below --wrk-min-ratio (0.6). `--skip-wrk` leaves it out.

Exits 2 when the set-up fails (for the wrk variant: wrk missing or Redis not answering).

Steps: a throwaway database (PostgreSQL `forlop_bench`, dropped first and at the end; SQLite in a
temporary directory when PostgreSQL does not answer), migrate, `load_demo` (a small pathway is
created when the demo yields none), collectstatic into a temporary STATIC_ROOT, the page's HTML
written there as bench/page.html, gunicorn started, then GET /nb/forlop/<slug>/ against GET
/static/bench/page.html with a new connection per request (http.client, `Connection: close`).

See docs/benchmarks.md for the recorded figures and how to read them.
"""

import argparse
import datetime
import http.client
import os
import re
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.common import (  # noqa: E402 - after the path above, when run as a script
    DEFAULT_POSTGRES,
    DOCS,
    PUBLISHED_PATHWAY,
    ROOT,
    bench_env,
    drop_postgres_database,
    free_port,
    get,
    load_demo,
    log,
    manage,
    postgres_database,
    record,
    start_gunicorn,
    stop_server,
    wait_until_up,
)

ROWS_MARKER = "<!-- bench rows: `bench/page_vs_static.py --record` adds a row above this line -->"
STATIC_PATH = "/static/bench/page.html"

# Run inside `manage.py shell -c`: make sure a published pathway exists, write its page's HTML to
# BENCH_PAGE_FILE and print its slug.
PREPARE = (
    PUBLISHED_PATHWAY
    + r"""
import os
with open(os.environ["BENCH_PAGE_FILE"], "wb") as out:
    out.write(response.content)
print("BENCH_SLUG=" + pathway.slug)
"""
)
# The one part of the page that differs per response: the useful-form's token (pathways.reading).
USEFUL_TOKEN = re.compile(rb'(<input type="hidden" name="token" value=")[^"]*(">)')


def same_page(page_body: bytes, static_body: bytes) -> bool:
    """The static copy is the page, but for the per-response token in the useful-form."""
    return USEFUL_TOKEN.sub(rb"\1\2", page_body) == USEFUL_TOKEN.sub(rb"\1\2", static_body)


WRK_MARKER = "<!-- wrk rows: `bench/page_vs_static.py --record` adds a row above this line -->"
WRK = shutil.which("wrk") or "/usr/bin/wrk"


def load_average() -> str:
    """The machine's 1, 5 and 15 minute load averages, as `uptime` shows them."""
    return ", ".join(f"{value:.2f}" for value in os.getloadavg())


def workers_cpu_seconds(master: int) -> float:
    """User + system CPU seconds used so far by the gunicorn workers (the children of `master`)."""
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    ticks = 0
    for pid in children:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        ticks += int(fields[11]) + int(fields[12])  # utime, stime
    return ticks / os.sysconf("SC_CLK_TCK")


def wrk_rate(
    port: int, path: str, seconds: float, *, threads: int, connections: int, master: int, cpu: list[float]
) -> float:
    """Requests per second that `wrk -t<threads> -c<connections>` gets from `path` in `seconds`; the
    workers' CPU time per request (µs) is appended to `cpu`.
    Raises RuntimeError when wrk saw a non-2xx answer or a socket error other than the peer's close."""
    cpu_before = workers_cpu_seconds(master)
    result = subprocess.run(
        [WRK, f"-t{threads}", f"-c{connections}", f"-d{seconds:g}s", "--timeout", "10s",
         f"http://127.0.0.1:{port}{path}"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    cpu_used = workers_cpu_seconds(master) - cpu_before
    out = result.stdout
    if result.returncode != 0:
        raise RuntimeError(f"wrk {path} exited with {result.returncode}: {result.stderr.strip() or out[-300:]}")
    non_2xx = re.search(r"Non-2xx.*", out)
    if non_2xx:
        raise RuntimeError(f"wrk {path}: {non_2xx.group(0)}")
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    if errors and (int(errors.group(1)) or int(errors.group(4))):
        raise RuntimeError(f"wrk {path}: {errors.group(0)}")
    found = re.search(r"Requests/sec:\s+([\d.]+)", out)
    answered = re.search(r"(\d+) requests in", out)
    if not found or not answered:
        raise RuntimeError(f"wrk {path}: no Requests/sec in its output:\n{out}")
    cpu.append(cpu_used / max(1, int(answered.group(1))) * 1e6)
    return float(found.group(1))


def interleaved(measure_one, rounds: int, label: str) -> dict[str, list[float]]:
    """`rounds` rounds of page and static, the order swapped each round; the rates per side."""
    rates: dict[str, list[float]] = {"page": [], "static": []}
    log(f"{label}\n{'round':>5} {'page req/s':>11} {'static req/s':>13} {'ratio':>6}  load")
    for index in range(rounds):
        order = ["page", "static"] if index % 2 == 0 else ["static", "page"]
        for name in order:
            rates[name].append(measure_one(name))
        log(
            f"{index + 1:>5} {rates['page'][-1]:>11.0f} {rates['static'][-1]:>13.0f} "
            f"{rates['page'][-1] / rates['static'][-1]:>6.2f}  {load_average()}"
        )
    return rates


def measure(port: int, path: str, seconds: float) -> float:
    """Requests per second of sequential GETs during `seconds`."""
    count = 0
    start = time.perf_counter()
    deadline = start + seconds
    while True:
        get(port, path)
        count += 1
        now = time.perf_counter()
        if now >= deadline:
            return count / (now - start)


def summary(rates: dict[str, list[float]], rounds: int, seconds: float, minimum: float) -> tuple[float, float, float]:
    page, static = statistics.median(rates["page"]), statistics.median(rates["static"])
    ratio = page / static
    log(f"page   {page:8.0f} req/s  (median of {rounds} rounds of {seconds:g} s)")
    log(f"static {static:8.0f} req/s")
    log(f"ratio page/static {ratio:.2f} (minimum {minimum:g})")
    return page, static, ratio


def redis_answers(url: str) -> bool:
    try:
        import redis

        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except Exception as error:  # noqa: BLE001 - whatever it is, there is no Redis to measure with
        log(f"Redis {url} not answering ({type(error).__name__})")
        return False
    return True


def forget_redis_keys(url: str, prefix: str) -> None:
    """Remove the cache keys this run left under its own prefix."""
    import redis

    client = redis.Redis.from_url(url, socket_timeout=5)
    keys = list(client.scan_iter(match=f"{prefix}:*", count=1000))
    if keys:
        client.delete(*keys)
    client.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5, help="interleaved rounds (default 5)")
    parser.add_argument("--seconds", type=float, default=2.0, help="seconds per round and side (default 2)")
    parser.add_argument("--min-ratio", type=float, default=0.5, help="fail below this page/static ratio")
    parser.add_argument("--skip-wrk", action="store_true", help="leave out the wrk variant")
    parser.add_argument("--skip-client", action="store_true", help="leave out the http.client variant")
    parser.add_argument("--wrk-rounds", type=int, default=5, help="interleaved wrk rounds (default 5)")
    parser.add_argument("--wrk-seconds", type=float, default=5.0, help="seconds per wrk round and side (default 5)")
    parser.add_argument("--wrk-threads", type=int, default=1, help="wrk -t (default 1)")
    parser.add_argument("--wrk-connections", type=int, default=8, help="wrk -c (default 8)")
    parser.add_argument("--wrk-workers", type=int, default=2, help="gunicorn sync workers for wrk (default 2)")
    parser.add_argument("--wrk-min-ratio", type=float, default=0.6, help="fail below this wrk page/static ratio")
    parser.add_argument(
        "--redis",
        default=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14"),
        help="Redis for the wrk variant's cache and broker (default redis://127.0.0.1:6379/14)",
    )
    parser.add_argument(
        "--postgres",
        default=DEFAULT_POSTGRES,
        help="URL of a database to connect to for creating the throwaway one",
    )
    parser.add_argument("--database", default="forlop_bench", help="name of the throwaway database")
    parser.add_argument("--machine", default=f"python-svc {os.cpu_count()} cores", help="machine kind for the row")
    parser.add_argument("--record", action="store_true", help=f"add the result rows to {DOCS.relative_to(ROOT)}")
    args = parser.parse_args()

    if not args.skip_wrk and not (shutil.which(WRK) or os.path.exists(WRK)):
        log("wrk is not installed (apt-get install wrk), or use --skip-wrk")
        return 2
    if not args.skip_wrk and not redis_answers(args.redis):
        log("The wrk variant needs Redis; use --skip-wrk to leave it out")
        return 2
    cache_prefix = f"forlop-bench-page-{secrets.token_hex(4)}"
    tmp = Path(tempfile.mkdtemp(prefix="forlop-bench-"))
    var_dir = tmp / "var"
    (var_dir / "mail").mkdir(parents=True)
    env = bench_env(var_dir)
    database_url = postgres_database(args.postgres, args.database)
    if database_url:
        env["DATABASE_URL"] = database_url
    database = "PostgreSQL" if database_url else "SQLite"
    if not args.skip_wrk and not database_url:
        log("The wrk variant needs PostgreSQL; use --skip-wrk to leave it out")
        shutil.rmtree(tmp, ignore_errors=True)
        return 2
    wrk_env = {**env, "REDIS_URL": args.redis, "CELERY_BROKER_URL": args.redis, "CACHE_KEY_PREFIX": cache_prefix}
    server = None
    server_log = tmp / "gunicorn.log"
    client_rates = wrk_rates = None
    client_load = wrk_load = ""
    try:
        log(f"Database: {database}" + (f" ({args.database})" if database_url else f" in {var_dir}"))
        manage(env, "migrate", "--noinput", "--verbosity", "0")
        load_demo(env)
        manage(env, "collectstatic", "--noinput", "--verbosity", "0")
        page_file = var_dir / "static" / "bench" / "page.html"
        page_file.parent.mkdir(parents=True, exist_ok=True)
        prepared = manage({**env, "BENCH_PAGE_FILE": str(page_file)}, "shell", "-c", PREPARE)
        slug = next(line.split("=", 1)[1] for line in prepared.stdout.splitlines() if line.startswith("BENCH_SLUG="))
        page_path = f"/nb/forlop/{slug}/"
        targets = {"page": page_path, "static": STATIC_PATH}

        if not args.skip_client:
            # Variant 1: one process, one thread, one sequential client, a new connection per request.
            port = free_port()
            server = start_gunicorn(env, port, server_log, workers=1, threads=1)
            wait_until_up(port, page_path, server)
            page_body, static_body = get(port, page_path), get(port, STATIC_PATH)
            if not same_page(page_body, static_body):
                raise RuntimeError("the static copy differs from the page")
            log(f"Page {page_path} and {STATIC_PATH}: {len(page_body)} bytes each")
            for path in targets.values():  # warm-up: imports, connections, the rendered-page cache
                measure(port, path, 0.5)
            client_rates = interleaved(
                lambda name: measure(port, targets[name], args.seconds),
                args.rounds,
                "client: gunicorn 1 worker, 1 thread, no Redis; http.client, a new connection per request",
            )
            client_load = load_average()
            stop_server(server)
            server = None

        if not args.skip_wrk:
            # Variant 2: gunicorn with sync workers, PostgreSQL + Redis, loaded by wrk.
            port = free_port()
            server = start_gunicorn(wrk_env, port, server_log, workers=args.wrk_workers, threads=1)
            wait_until_up(port, page_path, server)
            page_body, static_body = get(port, page_path), get(port, STATIC_PATH)
            if not same_page(page_body, static_body):
                raise RuntimeError("the static copy differs from the page (wrk variant)")
            load = {"threads": args.wrk_threads, "connections": args.wrk_connections, "master": server.pid}
            for path in targets.values():  # warm-up of every worker: wrk spreads over all of them
                wrk_rate(port, path, 1, **load, cpu=[])
            wrk_cpu: dict[str, list[float]] = {"page": [], "static": []}
            wrk_rates = interleaved(
                lambda name: wrk_rate(port, targets[name], args.wrk_seconds, **load, cpu=wrk_cpu[name]),
                args.wrk_rounds,
                f"wrk -t{args.wrk_threads} -c{args.wrk_connections}: gunicorn {args.wrk_workers} sync workers, "
                "PostgreSQL + Redis, DEBUG off",
            )
            wrk_load = load_average()
    except (RuntimeError, OSError, http.client.HTTPException, StopIteration) as error:
        log(f"Set-up or measurement failed: {error!r}")
        if server_log.exists():
            sys.stderr.write(server_log.read_text(errors="replace")[-4000:])
        return 2
    finally:
        stop_server(server)
        if database_url:
            drop_postgres_database(args.postgres, args.database)
        if not args.skip_wrk:
            forget_redis_keys(args.redis, cache_prefix)
        shutil.rmtree(tmp, ignore_errors=True)

    today = datetime.date.today().isoformat()
    failed = False
    rows = []
    if client_rates:
        log("")
        log("client (1 worker, http.client):")
        page, static, ratio = summary(client_rates, args.rounds, args.seconds, args.min_ratio)
        row = f"| {today} | {args.machine} | {database} | {page:.0f} | {static:.0f} | {ratio:.2f} |"
        log(f"load average {client_load}\nRow for docs/benchmarks.md:\n" + row)
        rows.append((row, ROWS_MARKER))
        if ratio < args.min_ratio:
            log(f"FAIL: the page serves fewer than {args.min_ratio:g} × the requests of the static file")
            failed = True
    if wrk_rates:
        log("")
        log(f"wrk -t{args.wrk_threads} -c{args.wrk_connections} (gunicorn {args.wrk_workers} sync workers, Redis):")
        page, static, ratio = summary(wrk_rates, args.wrk_rounds, args.wrk_seconds, args.wrk_min_ratio)
        spread = sorted(p / s for p, s in zip(wrk_rates["page"], wrk_rates["static"], strict=True))
        page_cpu, static_cpu = statistics.median(wrk_cpu["page"]), statistics.median(wrk_cpu["static"])
        log(
            f"workers' CPU per request: page {page_cpu:.0f} µs, static {static_cpu:.0f} µs "
            f"(static/page {static_cpu / page_cpu:.2f}; medians of the rounds)"
        )
        row = (
            f"| {today} | {args.machine} | wrk -t{args.wrk_threads} -c{args.wrk_connections}, "
            f"{args.wrk_workers} sync workers | {page:.0f} | {static:.0f} | {ratio:.2f} | "
            f"{spread[0]:.2f}–{spread[-1]:.2f} | {page_cpu:.0f} / {static_cpu:.0f} ({static_cpu / page_cpu:.2f}) | "
            f"{wrk_load} |"
        )
        log(f"load average {wrk_load}\nRow for docs/benchmarks.md:\n" + row)
        rows.append((row, WRK_MARKER))
        if ratio < args.wrk_min_ratio:
            log(f"FAIL: under wrk the page serves fewer than {args.wrk_min_ratio:g} × the requests of the static file")
            failed = True
    if args.record:
        for row, marker in rows:
            record(row, marker)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
