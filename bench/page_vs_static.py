"""`make bench`: requests per second of a pathway page against the same HTML served as a static file.

Both come from ONE gunicorn process (1 worker, 1 thread) in the same run, measured in interleaved
rounds, so the static file is the baseline of this machine at this moment: the ratio page/static is
what to compare between runs, not the absolute figures. Exits 1 when the ratio is below --min-ratio
(0.5), 2 when the set-up fails.

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
import shutil
import statistics
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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5, help="interleaved rounds (default 5)")
    parser.add_argument("--seconds", type=float, default=2.0, help="seconds per round and side (default 2)")
    parser.add_argument("--min-ratio", type=float, default=0.5, help="fail below this page/static ratio")
    parser.add_argument(
        "--postgres",
        default=DEFAULT_POSTGRES,
        help="URL of a database to connect to for creating the throwaway one",
    )
    parser.add_argument("--database", default="forlop_bench", help="name of the throwaway database")
    parser.add_argument("--machine", default=f"python-svc {os.cpu_count()} cores", help="machine kind for the row")
    parser.add_argument("--record", action="store_true", help=f"add the result row to {DOCS.relative_to(ROOT)}")
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="forlop-bench-"))
    var_dir = tmp / "var"
    (var_dir / "mail").mkdir(parents=True)
    env = bench_env(var_dir)
    database_url = postgres_database(args.postgres, args.database)
    if database_url:
        env["DATABASE_URL"] = database_url
    database = "PostgreSQL" if database_url else "SQLite"
    server = None
    server_log = tmp / "gunicorn.log"
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

        port = free_port()
        server = start_gunicorn(env, port, server_log, workers=1, threads=1)
        wait_until_up(port, page_path, server)
        page_body, static_body = get(port, page_path), get(port, STATIC_PATH)
        if page_body != static_body:
            raise RuntimeError("the static copy differs from the page")
        log(f"Page {page_path} and {STATIC_PATH}: {len(page_body)} bytes each; gunicorn 1 worker, 1 thread")

        targets = {"page": page_path, "static": STATIC_PATH}
        for path in targets.values():  # warm-up: imports, connections, the rendered-page cache
            measure(port, path, 0.5)
        rates: dict[str, list[float]] = {"page": [], "static": []}
        log(f"{'round':>5} {'page req/s':>11} {'static req/s':>13} {'ratio':>6}")
        for index in range(args.rounds):
            order = ["page", "static"] if index % 2 == 0 else ["static", "page"]
            for name in order:
                rates[name].append(measure(port, targets[name], args.seconds))
            log(
                f"{index + 1:>5} {rates['page'][-1]:>11.0f} {rates['static'][-1]:>13.0f} "
                f"{rates['page'][-1] / rates['static'][-1]:>6.2f}"
            )
    except (RuntimeError, OSError, http.client.HTTPException, StopIteration) as error:
        log(f"Set-up or measurement failed: {error!r}")
        if server_log.exists():
            sys.stderr.write(server_log.read_text(errors="replace")[-4000:])
        return 2
    finally:
        stop_server(server)
        if database_url:
            drop_postgres_database(args.postgres, args.database)
        shutil.rmtree(tmp, ignore_errors=True)

    page = statistics.median(rates["page"])
    static = statistics.median(rates["static"])
    ratio = page / static
    log("")
    log(f"page   {page:8.0f} req/s  (median of {args.rounds} rounds of {args.seconds:g} s)")
    log(f"static {static:8.0f} req/s")
    log(f"ratio page/static {ratio:.2f} (minimum {args.min_ratio:g})")
    today = datetime.date.today().isoformat()
    row = f"| {today} | {args.machine} | {database} | {page:.0f} | {static:.0f} | {ratio:.2f} |"
    log("Row for docs/benchmarks.md:\n" + row)
    if args.record:
        record(row, ROWS_MARKER)
    if ratio < args.min_ratio:
        log(f"FAIL: the page serves fewer than {args.min_ratio:g} × the requests of the static file")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
