"""Search latency (/<lang>/sok/?q=…) against the pathway index page, at 1 and 8 concurrent clients.

For each database (PostgreSQL full-text search, then SQLite FTS5, the embedded default): a
throwaway database, `migrate`, `load_demo`, then --versions corrections of every published
pathway (each changes every section's text in both written standards and publishes through
`pathways.services.pathway_publish`, so the index holds every version, as in production). Then
`gunicorn config.wsgi --workers 2 --threads 4` (DEBUG off, no Redis) and, in interleaved rounds,
the two sides from the same server in the same run:

- **search**: GET /nb/sok/?q=… and /nn/sok/?q=…, a rotating set of real queries (single words,
  inflected words, phrases, a word left out with -, a word nothing has);
- **baseline**: GET /nb/forlop/ and /nn/forlop/, the pathway index (one query, a template: the
  cheapest dynamic page of the service).

Each round runs each side for --seconds with 1 client, then with 8 client threads, a new connection
per request; every request's latency is kept. Prints per-round medians, then per side and
concurrency the median and p95 (ms) over all rounds and the ratio search/baseline of the medians:
the ratio is what to compare between runs, the machine is shared and noisy. Exits 1 when a search
answers anything but 200 or the median ratio at 1 client is above --max-ratio (default 10), 2 when
the set-up fails.

See bench/README.md for the options and docs/benchmarks.md for the recorded figures.
"""

import argparse
import datetime
import os
import shutil
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.common import (  # noqa: E402 - after the path above, when run as a script
    DEFAULT_POSTGRES,
    DOCS,
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

ROWS_MARKER = "<!-- search rows: `bench/search.py --record` adds rows above this line -->"
QUERIES = {
    "nb": ["henvisning", "henvisninger", "kartlegging", "samtykke fra foreldrene", '"psykisk helse"', "bup -angst",
           "barnehagen", "skolehelsetjenesten", "xylofon"],
    "nn": ["tilvising", "tilvisingar", "barnehagar", "kartlegging", "samtykke frå foreldra", "helsestasjonen",
           '"psykisk helse"', "xylofon"],
}  # fmt: skip

# Run inside `manage.py shell -c`: BENCH_VERSIONS corrections of every published pathway, each
# changing every section in both written standards; prints the index's size.
MORE_VERSIONS = r"""
import os
from django.contrib.auth import get_user_model
from pathways.models import Pathway, SearchEntry, VersionKind
from pathways.services import pathway_publish

editor = get_user_model().objects.filter(username="redaktor").first()
editor = editor or get_user_model().objects.create_user(username="bench-editor", is_staff=True)
for n in range(int(os.environ["BENCH_VERSIONS"])):
    for pathway in Pathway.objects.filter(current_version__isnull=False):
        for section in pathway.sections.filter(retired=False):
            section.body_nb += f"\n\nOppdatert i rettelse {n + 1}: henvisningen og kartleggingen er presisert."
            section.body_nn += f"\n\nOppdatert i retting {n + 1}: tilvisinga og kartlegginga er presisert."
            section.save(update_fields=["body_nb", "body_nn"])
        pathway_publish(pathway=pathway, by=editor, kind=VersionKind.CORRECTION,
                        summary_nb=f"Rettelse {n + 1}.", summary_nn=f"Retting {n + 1}.")
print("BENCH_PATHWAYS=%d" % Pathway.objects.filter(current_version__isnull=False).count())
print("BENCH_ENTRIES=%d" % SearchEntry.objects.count())
"""


def load_average() -> str:
    return ", ".join(f"{value:.2f}" for value in os.getloadavg())


def paths(side: str) -> list[str]:
    if side == "baseline":
        return ["/nb/forlop/", "/nn/forlop/"]
    return [f"/{language}/sok/?{urlencode({'q': q})}" for language, queries in QUERIES.items() for q in queries]


def run_clients(port: int, side: str, clients: int, seconds: float) -> list[float]:
    """`clients` threads GETting the side's paths in turn for `seconds`; every latency in ms."""
    latencies: list[float] = []
    lock = threading.Lock()
    errors: list[str] = []
    deadline = time.perf_counter() + seconds
    urls = paths(side)

    def client(offset: int) -> None:
        index = offset
        mine: list[float] = []
        while time.perf_counter() < deadline:
            start = time.perf_counter()
            try:
                get(port, urls[index % len(urls)])
            except Exception as error:  # noqa: BLE001 - reported below, fails the run
                errors.append(f"{urls[index % len(urls)]}: {error}")
                return
            mine.append((time.perf_counter() - start) * 1000)
            index += 1
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=client, args=(n * 3,)) for n in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise RuntimeError(errors[0])
    return latencies


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1] if len(values) >= 20 else max(values)


def measure(port: int, rounds: int, seconds: float) -> dict[tuple[str, int], list[float]]:
    samples: dict[tuple[str, int], list[float]] = {(side, c): [] for side in ("search", "baseline") for c in (1, 8)}
    log(f"{'round':>5} {'clients':>7} {'search ms':>10} {'baseline ms':>12} {'ratio':>6}  load")
    for index in range(rounds):
        for clients in (1, 8):
            order = ["search", "baseline"] if index % 2 == 0 else ["baseline", "search"]
            medians = {}
            for side in order:
                got = run_clients(port, side, clients, seconds)
                samples[(side, clients)].extend(got)
                medians[side] = statistics.median(got)
            log(
                f"{index + 1:>5} {clients:>7} {medians['search']:>10.1f} {medians['baseline']:>12.1f} "
                f"{medians['search'] / medians['baseline']:>6.2f}  {load_average()}"
            )
    return samples


def bench_database(name: str, env: dict, args, tmp: Path) -> list[str]:
    """Set up, serve and measure one database; the rows for docs/benchmarks.md."""
    manage(env, "migrate", "--noinput", "--verbosity", "0")
    load_demo(env)
    prepared = manage({**env, "BENCH_VERSIONS": str(args.versions)}, "shell", "-c", MORE_VERSIONS)
    facts = dict(line.split("=", 1) for line in prepared.stdout.splitlines() if line.startswith("BENCH_"))
    log(f"{name}: {facts['BENCH_PATHWAYS']} pathways, {facts['BENCH_ENTRIES']} index entries (all versions, nb + nn)")
    port = free_port()
    server = start_gunicorn(env, port, tmp / f"gunicorn-{name}.log", workers=2, threads=4)
    try:
        wait_until_up(port, "/nb/forlop/", server)
        for path in paths("search") + paths("baseline"):  # every URL answers 200, and warms up
            get(port, path)
        samples = measure(port, args.rounds, args.seconds)
    finally:
        stop_server(server)
    rows = []
    today = datetime.date.today().isoformat()
    log(f"\n{name}: {'clients':>7} {'search median':>14} {'p95':>7} {'baseline median':>16} {'p95':>7} {'ratio':>6}")
    ratios = {}
    for clients in (1, 8):
        search, baseline = samples[("search", clients)], samples[("baseline", clients)]
        ratio = statistics.median(search) / statistics.median(baseline)
        ratios[clients] = ratio
        log(
            f"{'':>{len(name) + 1}} {clients:>7} {statistics.median(search):>14.1f} {p95(search):>7.1f} "
            f"{statistics.median(baseline):>16.1f} {p95(baseline):>7.1f} {ratio:>6.2f}"
        )
        rows.append(
            f"| {today} | {args.machine} | {name} | {facts['BENCH_ENTRIES']} | {clients} "
            f"| {statistics.median(search):.1f} | {p95(search):.1f} "
            f"| {statistics.median(baseline):.1f} | {p95(baseline):.1f} | {ratio:.2f} | {load_average()} |"
        )
    if ratios[1] > args.max_ratio:
        log(f"{name}: search/baseline at 1 client {ratios[1]:.2f} is above {args.max_ratio:g}")
        rows.append("FAILED")
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5, help="interleaved rounds (default 5)")
    parser.add_argument("--seconds", type=float, default=2.0, help="seconds per round, side and concurrency")
    parser.add_argument("--versions", type=int, default=4, help="corrections published per pathway (default 4)")
    parser.add_argument("--max-ratio", type=float, default=10.0, help="fail above this median ratio at 1 client")
    parser.add_argument("--skip-sqlite", action="store_true", help="leave out the SQLite FTS5 side")
    parser.add_argument("--skip-postgres", action="store_true", help="leave out the PostgreSQL side")
    parser.add_argument("--postgres", default=DEFAULT_POSTGRES, help="URL to connect to for the throwaway database")
    parser.add_argument("--database", default="forlop_bench_search", help="name of the throwaway database")
    parser.add_argument("--machine", default=f"python-svc {os.cpu_count()} cores", help="machine kind for the rows")
    parser.add_argument("--record", action="store_true", help=f"add the rows to {DOCS.relative_to(ROOT)}")
    args = parser.parse_args()

    rows: list[str] = []
    tmp = Path(tempfile.mkdtemp(prefix="forlop-bench-search-"))
    try:
        if not args.skip_postgres:
            url = postgres_database(args.postgres, args.database)
            if url is None:
                log("PostgreSQL does not answer: use --skip-postgres")
                return 2
            var_dir = tmp / "pg"
            (var_dir / "mail").mkdir(parents=True)
            try:
                rows += bench_database("PostgreSQL", bench_env(var_dir, DATABASE_URL=url), args, tmp)
            finally:
                drop_postgres_database(args.postgres, args.database)
        if not args.skip_sqlite:
            var_dir = tmp / "sqlite"
            (var_dir / "mail").mkdir(parents=True)
            rows += bench_database("SQLite FTS5", bench_env(var_dir), args, tmp)
    except (RuntimeError, SystemExit) as error:
        log(f"Set-up or run failed: {error}")
        return 2
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    failed = "FAILED" in rows
    rows = [row for row in rows if row != "FAILED"]
    if args.record and rows:
        record("\n".join(rows), ROWS_MARKER)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
