"""Requests per second of the reader's feedback form POST, every protection on, against two baselines.

Part 1, the ratios. ONE gunicorn process (1 worker, 1 thread, ROOT_URLCONF=bench.urls) serves the
three sides in the same run, measured in interleaved rounds with a new connection per request:

- **form**: POST /nb/tilbakemelding/ as a browser sends it after opening the form from a pathway
  page's link: CSRF cookie and token, the signed start time (`started`) and the link's context
  fields, all taken once from one GET of the form; a different description on every POST (so the
  duplicate check looks and finds nothing) and an e-mail address (so the receipt's outbox row is
  written and handed to the broker after commit). The rate-limit counter in Redis runs on every
  request (FEEDBACK_PER_MINUTE=1000000 so it never refuses), the start time is checked
  (FEEDBACK_MIN_SECONDS=0: still present, signed and unexpired, just not "too fast");
- **rows** (the three-row baseline, the target's): POST /bench/baseline-feedback-rows/
  (bench/baseline.py), the same body into the same FeedbackForm, the link's context resolved as the
  form does, and the same three rows the form writes (ChangeProposal, Submission, the receipt's
  Notification outbox row) in one transaction; no protections, no history, no broker hand-over;
- **baseline** (the one-row baseline, the old target's): POST /bench/baseline-feedback/, the same
  body into the same FeedbackForm and one ChangeProposal insert, nothing else.

By default (`--relay`, as production on PostgreSQL runs) OUTBOX_RELAY=true and a `manage.py
outbox_relay` process hands the outbox rows to the broker; `--no-relay`: the web process does.

The real Redis is the cache and the Celery broker (REDIS_URL=CELERY_BROKER_URL=redis://127.0.0.1:6379/14,
a CACHE_KEY_PREFIX of its own per run), the database a throwaway PostgreSQL one. Exits 1 when the
ratio form/rows is below --min-ratio (0.8); form/baseline is printed and recorded beside it.

Part 2, the loss test. gunicorn restarted with 4 workers; 1,000 POSTs of the real form (distinct
texts) from 8 client threads; the ChangeProposal count after must be the count before plus the
number of 302 answers, and every answer must be a 302. Exits 1 when a row is lost or a request
failed. Exits 2 when the set-up fails (PostgreSQL or Redis not answering included).

See bench/README.md for the options and docs/benchmarks.md for the recorded figures.
"""

import argparse
import collections
import concurrent.futures
import datetime
import html
import http.client
import itertools
import os
import re
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.common import (  # noqa: E402 - after the path above, when run as a script
    DEFAULT_POSTGRES,
    DOCS,
    PUBLISHED_PATHWAY,
    ROOT,
    bench_env,
    drop_postgres_database,
    free_port,
    load_demo,
    log,
    manage,
    postgres_database,
    record,
    start_gunicorn,
    stop_server,
    wait_until_up,
)

ROWS_MARKER = "<!-- feedback three-row rows: `bench/feedback_post.py --record` adds a row above this line -->"
LOSS_MARKER = "<!-- feedback loss tests: `bench/feedback_post.py --record` adds a line above this line -->"
FORM_PATH = "/nb/tilbakemelding/"
BASELINE_PATH = "/bench/baseline-feedback/"
ROWS_PATH = "/bench/baseline-feedback-rows/"
SIDES = ("form", "rows", "baseline")
BROKER_QUEUE = "celery"  # Celery's default queue: a Redis list in the broker's database

# Run inside `manage.py shell -c`: make sure a published pathway exists and print the feedback link
# of its first section, as the page shows it.
PREPARE = (
    PUBLISHED_PATHWAY
    + r"""
import html, re
links = re.findall(r'href="(/nb/tilbakemelding/\?[^"]*seksjon=[^"]*)"', response.content.decode())
print("BENCH_FEEDBACK_PATH=" + (html.unescape(links[0]) if links else f"/nb/tilbakemelding/?forlop={pathway.slug}"))
"""
)


class HiddenInputs(HTMLParser):
    """The hidden inputs of the feedback form (csrfmiddlewaretoken, started, the context fields)."""

    def __init__(self) -> None:
        super().__init__()
        self.in_form = False
        self.fields: dict[str, str] = {}

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and attrs.get("action") == FORM_PATH:
            self.in_form = True
        elif tag == "input" and self.in_form and attrs.get("type") == "hidden" and attrs.get("name"):
            self.fields[attrs["name"]] = attrs.get("value") or ""

    def handle_endtag(self, tag):
        if tag == "form":
            self.in_form = False


class FormClient:
    """What a browser holds after opening the form once: the CSRF cookie and the hidden fields."""

    def __init__(self, port: int, form_link: str, run_id: str) -> None:
        self.port = port
        self.run_id = run_id
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        try:
            conn.request("GET", form_link, headers={"Connection": "close", "Accept-Encoding": "identity"})
            response = conn.getresponse()
            page = response.read().decode()
            if response.status != 200:
                raise RuntimeError(f"GET {form_link}: HTTP {response.status}")
            cookies = [value for name, value in response.getheaders() if name.lower() == "set-cookie"]
        finally:
            conn.close()
        csrf = next((c.split(";", 1)[0] for c in cookies if c.startswith("csrftoken=")), None)
        if csrf is None:
            raise RuntimeError(f"GET {form_link}: no csrftoken cookie")
        parser = HiddenInputs()
        parser.feed(page)
        self.hidden = parser.fields
        for name in ("csrfmiddlewaretoken", "started"):
            if not self.hidden.get(name):
                raise RuntimeError(f"GET {form_link}: the form has no {name}")
        self.headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": csrf,
            "Origin": f"http://127.0.0.1:{port}",
            "Connection": "close",
            "Accept-Encoding": "identity",
        }

    def body(self, label: str, number: int) -> bytes:
        """The form as a reader fills it in; the description differs on every call."""
        return urlencode(
            {
                **self.hidden,
                "kind": "error",
                "description": (
                    f"Benk {self.run_id} {label} melding {number}: doseringstabellen i dette avsnittet "
                    "mangler enhet, og henvisningen til spesialisthelsetjenesten peker til en gammel side."
                ),
                "suggested_text": "",
                "quote": "",
                "role": "gp",
                "partnership": "",
                "email": f"benk-{number}@example.no",
                "website": "",
            }
        ).encode()

    def post(self, path: str, body: bytes, timeout: float = 10) -> tuple[int, str, bytes]:
        """One POST on a new connection, closed afterwards: (status, Location, body)."""
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            conn.request("POST", path, body=body, headers=self.headers)
            response = conn.getresponse()
            content = response.read()
            return response.status, response.getheader("Location", ""), content
        finally:
            conn.close()


def expect_redirect(path: str, status: int, location: str, content: bytes) -> None:
    if status != 302:
        text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", content.decode(errors="replace")))
        raise RuntimeError(f"POST {path}: HTTP {status}: {html.unescape(text)[:300]}")
    if path == FORM_PATH and "sendt=1" not in location:
        raise RuntimeError(f"POST {path}: redirected to {location}, not to a receipt")


def workers_cpu_seconds(master: int) -> float:
    """User + system CPU seconds used so far by the gunicorn workers (the children of `master`)."""
    ticks = 0
    for pid in Path(f"/proc/{master}/task/{master}/children").read_text().split():
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        ticks += int(fields[11]) + int(fields[12])  # utime, stime
    return ticks / os.sysconf("SC_CLK_TCK")


def measure(client: FormClient, path: str, label: str, numbers: itertools.count, seconds: float) -> tuple[float, int]:
    """Requests per second of sequential POSTs to `path` during `seconds`, each with a new text, and
    how many were sent."""
    count = 0
    start = time.perf_counter()
    deadline = start + seconds
    while True:
        status, location, content = client.post(path, client.body(label, next(numbers)))
        expect_redirect(path, status, location, content)
        count += 1
        now = time.perf_counter()
        if now >= deadline:
            return count / (now - start), count


class Store:
    """Counts in the throwaway database and in Redis, read by the bench itself."""

    def __init__(self, database_url: str, redis_url: str, cache_prefix: str) -> None:
        import psycopg
        import redis

        self.db = psycopg.connect(database_url, autocommit=True)
        self.redis = redis.Redis.from_url(redis_url, socket_timeout=5)
        self.cache_prefix = cache_prefix
        self.keys_before = set(self.redis.scan_iter(count=1000))
        self.queue_before = self.redis.llen(BROKER_QUEUE)

    def count(self, table: str, where: str = "", *params: object) -> int:
        row = self.db.execute(f"SELECT count(*) FROM {table} {where}", params).fetchone()
        assert row is not None  # count(*) always gives one row
        return row[0]

    def counts(self) -> dict[str, int]:
        return {
            "proposals": self.count("governance_changeproposal"),
            "submissions": self.count("feedback_submission"),
            "outbox": self.count("governance_notification"),
            "handed_over": self.redis.llen(BROKER_QUEUE),
        }

    def counts_once_handed_over(self, expected: int, timeout: float = 10.0) -> dict[str, int]:
        """The counts, once `expected` tasks are in the broker's queue (the relay hands over a moment
        after the commit) or `timeout` seconds have passed."""
        deadline = time.monotonic() + timeout
        while self.redis.llen(BROKER_QUEUE) < expected and time.monotonic() < deadline:
            time.sleep(0.1)
        return self.counts()

    def rate_limit_keys(self) -> int:
        return sum(1 for _ in self.redis.scan_iter(match=f"{self.cache_prefix}:*", count=1000))

    def clean_up(self) -> None:
        """Remove what this run left in Redis: its cache keys, the tasks it queued, new broker keys."""
        added = self.redis.llen(BROKER_QUEUE) - self.queue_before
        if self.queue_before and added > 0:
            self.redis.ltrim(BROKER_QUEUE, added, -1)  # LPUSHed: this run's tasks are at the head
        new_keys = set(self.redis.scan_iter(count=1000)) - self.keys_before
        if new_keys:
            self.redis.delete(*new_keys)
        self.db.close()
        self.redis.close()


def loss_test(client: FormClient, store: Store, posts: int, clients: int) -> dict:
    """`posts` POSTs of the real form from `clients` threads; the counts before and after."""
    before = store.counts()

    def one(number: int) -> str:
        try:
            status, location, _content = client.post(FORM_PATH, client.body("loss", number), timeout=60)
        except (OSError, http.client.HTTPException) as error:
            return type(error).__name__
        if status == 302 and "sendt=1" not in location:
            return f"302 to {location}"
        return str(status)

    start = time.perf_counter()
    with concurrent.futures.ThreadPoolExecutor(max_workers=clients) as pool:
        outcomes = collections.Counter(pool.map(one, range(1, posts + 1)))
    elapsed = time.perf_counter() - start
    # The hand-overs of the last answers (after commit, or by the relay a moment later).
    after = store.counts_once_handed_over(before["handed_over"] + outcomes.get("302", 0))
    distinct = store.count(
        "governance_changeproposal", "WHERE description LIKE %s", f"Benk {client.run_id} loss melding %"
    )
    return {"before": before, "after": after, "outcomes": outcomes, "elapsed": elapsed, "distinct": distinct}


def load_average() -> str:
    """The machine's 1, 5 and 15 minute load averages, as `uptime` shows them."""
    return ", ".join(f"{value:.2f}" for value in os.getloadavg())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5, help="interleaved rounds (default 5)")
    parser.add_argument("--seconds", type=float, default=2.0, help="seconds per round and side (default 2)")
    parser.add_argument("--min-ratio", type=float, default=0.8, help="fail below this form/three-row ratio")
    parser.add_argument("--posts", type=int, default=1000, help="POSTs in the loss test (default 1000)")
    parser.add_argument("--clients", type=int, default=8, help="client threads in the loss test (default 8)")
    parser.add_argument("--loss-workers", type=int, default=4, help="gunicorn workers in the loss test (default 4)")
    parser.add_argument("--loss-threads", type=int, default=1, help="threads per worker in the loss test (default 1)")
    parser.add_argument("--skip-loss", action="store_true", help="measure the ratio only")
    parser.add_argument(
        "--relay",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="OUTBOX_RELAY=true (the default, as production on PostgreSQL runs): the outbox relay process, "
        "not the web process, hands the receipts over; --no-relay: the web process does, after commit",
    )
    parser.add_argument("--postgres", default=DEFAULT_POSTGRES, help="URL to connect to for the throwaway database")
    parser.add_argument("--database", default="forlop_bench_feedback", help="name of the throwaway database")
    parser.add_argument(
        "--redis",
        default=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14"),
        help="Redis for the cache and the broker (default redis://127.0.0.1:6379/14)",
    )
    parser.add_argument("--machine", default=f"python-svc {os.cpu_count()} cores", help="machine kind for the row")
    parser.add_argument("--record", action="store_true", help=f"add the results to {DOCS.relative_to(ROOT)}")
    args = parser.parse_args()

    run_id = secrets.token_hex(4)
    cache_prefix = f"forlop-bench-{run_id}"
    try:
        import redis

        redis.Redis.from_url(args.redis, socket_connect_timeout=2).ping()
    except Exception as error:  # noqa: BLE001 - whatever it is, there is no Redis to measure with
        log(f"Redis {args.redis} not answering ({type(error).__name__}): this bench needs it")
        return 2
    database_url = postgres_database(args.postgres, args.database)
    if not database_url:
        log("This bench needs PostgreSQL")
        return 2

    tmp = Path(tempfile.mkdtemp(prefix="forlop-bench-"))
    var_dir = tmp / "var"
    (var_dir / "mail").mkdir(parents=True)
    env = bench_env(
        var_dir,
        DATABASE_URL=database_url,
        REDIS_URL=args.redis,
        CELERY_BROKER_URL=args.redis,
        CACHE_KEY_PREFIX=cache_prefix,
        ROOT_URLCONF="bench.urls",
        FEEDBACK_MIN_SECONDS="0",
        FEEDBACK_PER_MINUTE="1000000",
        OUTBOX_RELAY="true" if args.relay else "false",
    )
    server = None
    relay = None
    store = None
    server_log = tmp / "gunicorn.log"
    numbers = itertools.count(1)
    loss = None
    try:
        log(f"Database: PostgreSQL ({args.database}); Redis {args.redis} (cache prefix {cache_prefix}, broker)")
        manage(env, "migrate", "--noinput", "--verbosity", "0")
        load_demo(env)
        prepared = manage(env, "shell", "-c", PREPARE)
        form_link = next(
            line.split("=", 1)[1] for line in prepared.stdout.splitlines() if line.startswith("BENCH_FEEDBACK_PATH=")
        )
        store = Store(database_url, args.redis, cache_prefix)
        if args.relay:
            relay = subprocess.Popen(
                [sys.executable, "manage.py", "outbox_relay"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL
            )
            log("Outbox relay started (OUTBOX_RELAY=true): it hands the receipts over, not the web process")

        # Part 1: one process, one thread, form against baseline.
        port = free_port()
        server = start_gunicorn(env, port, server_log, workers=1, threads=1)
        wait_until_up(port, form_link, server)
        client = FormClient(port, form_link, run_id)
        context = {k: v for k, v in client.hidden.items() if k not in {"csrfmiddlewaretoken", "started"} and v}
        log(f"Form {form_link}: hidden fields {context}; gunicorn 1 worker, 1 thread")
        targets = {"form": FORM_PATH, "rows": ROWS_PATH, "baseline": BASELINE_PATH}
        for name, path in targets.items():  # warm-up: imports, connections, the broker connection
            measure(client, path, name, numbers, 0.5)
        start_counts = store.counts()
        load_before = load_average()
        sent = dict.fromkeys(SIDES, 0)
        rates: dict[str, list[float]] = {name: [] for name in SIDES}
        cpu: dict[str, list[float]] = {name: [] for name in SIDES}  # the worker's CPU µs per request
        log(f"load average before the rounds {load_before}")
        log(
            f"{'round':>5} {'form req/s':>11} {'rows req/s':>11} {'baseline req/s':>15} "
            f"{'form/rows':>10} {'form/base':>10}"
        )
        for index in range(args.rounds):
            # Each side goes first, second and third in turn.
            order = SIDES[index % 3 :] + SIDES[: index % 3]
            if index % 2:
                order = order[::-1]
            for name in order:
                cpu_before = workers_cpu_seconds(server.pid)
                rate, count = measure(client, targets[name], name, numbers, args.seconds)
                cpu[name].append((workers_cpu_seconds(server.pid) - cpu_before) / count * 1e6)
                rates[name].append(rate)
                sent[name] += count
            log(
                f"{index + 1:>5} {rates['form'][-1]:>11.0f} {rates['rows'][-1]:>11.0f} {rates['baseline'][-1]:>15.0f} "
                f"{rates['form'][-1] / rates['rows'][-1]:>10.2f} {rates['form'][-1] / rates['baseline'][-1]:>10.2f}"
            )
        load_after = load_average()
        # Every pending outbox row is handed over: with the relay, the three-row baseline's too (the
        # relay's process does that work, not the web worker measured here).
        expected_hand_overs = sent["form"] + (sent["rows"] if args.relay else 0)
        end_counts = store.counts_once_handed_over(start_counts["handed_over"] + expected_hand_overs)
        done = {key: end_counts[key] - start_counts[key] for key in end_counts}
        log(
            f"During the rounds: {sent['form']} form POSTs, {sent['rows']} three-row POSTs, {sent['baseline']} "
            f"one-row POSTs; {done['proposals']} proposals, {done['submissions']} submissions, "
            f"{done['outbox']} outbox rows, {done['handed_over']} tasks handed to the broker; "
            f"{store.rate_limit_keys()} rate-limit key(s) under this run's prefix; load average {load_after}"
        )
        written = sent["form"] + sent["rows"]
        if (
            done["submissions"] != written
            or done["outbox"] < sent["rows"]
            or done["proposals"] != written + sent["baseline"]
        ):
            raise RuntimeError("the rows written do not match the POSTs answered")
        if done["outbox"] != written or done["handed_over"] != expected_hand_overs:
            log("WARNING: not every form POST wrote an outbox row and handed it to the broker")
        stop_server(server)
        server = None

        # Part 2: the loss test.
        if not args.skip_loss:
            port = free_port()
            server = start_gunicorn(env, port, server_log, workers=args.loss_workers, threads=args.loss_threads)
            wait_until_up(port, form_link, server)
            client = FormClient(port, form_link, run_id)
            log(
                f"Loss test: gunicorn {args.loss_workers} workers × {args.loss_threads} thread(s), "
                f"{args.posts} POSTs from {args.clients} clients"
            )
            loss = loss_test(client, store, args.posts, args.clients)
    except (RuntimeError, OSError, http.client.HTTPException, StopIteration) as error:
        log(f"Set-up or measurement failed: {error!r}")
        if server_log.exists():
            sys.stderr.write(server_log.read_text(errors="replace")[-4000:])
        return 2
    finally:
        stop_server(server)
        stop_server(relay)
        if store is not None:
            store.clean_up()
        drop_postgres_database(args.postgres, args.database)
        shutil.rmtree(tmp, ignore_errors=True)

    failed = False
    form, rows, baseline = (statistics.median(rates[name]) for name in SIDES)
    ratio, old_ratio = form / rows, form / baseline
    round_ratios = sorted(f / r for f, r in zip(rates["form"], rates["rows"], strict=True))
    log("")
    log(f"form     {form:8.0f} req/s  (median of {args.rounds} rounds of {args.seconds:g} s)")
    log(f"rows     {rows:8.0f} req/s  (three-row baseline)")
    log(f"baseline {baseline:8.0f} req/s  (one-row baseline)")
    log(
        f"ratio form/rows {ratio:.2f} (minimum {args.min_ratio:g}; "
        f"rounds {round_ratios[0]:.2f}–{round_ratios[-1]:.2f}), "
        f"form/baseline {old_ratio:.2f}, rows/baseline {rows / baseline:.2f}"
    )
    form_cpu, rows_cpu, baseline_cpu = (statistics.median(cpu[name]) for name in SIDES)
    log(
        f"worker's CPU per request: form {form_cpu:.0f} µs, rows {rows_cpu:.0f} µs, baseline {baseline_cpu:.0f} µs "
        f"(rows/form {rows_cpu / form_cpu:.2f}, baseline/form {baseline_cpu / form_cpu:.2f}; medians of the rounds)"
    )
    today = datetime.date.today().isoformat()
    machine = args.machine + ("; outbox relay" if args.relay else "; hand-over by the web process")
    row = (
        f"| {today} | {machine} | {form:.0f} | {rows:.0f} | {baseline:.0f} | {ratio:.2f} "
        f"({round_ratios[0]:.2f}–{round_ratios[-1]:.2f}) | {old_ratio:.2f} | {form_cpu:.0f} / {rows_cpu:.0f} / "
        f"{baseline_cpu:.0f} ({rows_cpu / form_cpu:.2f}) | {load_before} → {load_after} |"
    )
    log("Row for docs/benchmarks.md:\n" + row)
    if ratio < args.min_ratio:
        log(f"FAIL: the form answers fewer than {args.min_ratio:g} × the POSTs of the three-row baseline")
        failed = True
    line = None
    if loss is not None:
        before, after, outcomes = loss["before"], loss["after"], loss["outcomes"]
        redirects = outcomes.get("302", 0)
        lost = before["proposals"] + redirects - after["proposals"]
        others = {status: count for status, count in outcomes.items() if status != "302"}
        log("")
        log(
            f"loss test: {args.posts} POSTs in {loss['elapsed']:.1f} s ({args.posts / loss['elapsed']:.0f} req/s), "
            f"{redirects} × 302" + (f", others: {others}" if others else ", no other status")
        )
        for key in ("proposals", "submissions", "outbox", "handed_over"):
            log(f"  {key:<12} before {before[key]:>6}  after {after[key]:>6}  (+{after[key] - before[key]})")
        log(f"  distinct loss-test texts stored: {loss['distinct']}; rows lost: {lost}")
        if after["handed_over"] - before["handed_over"] != redirects:
            log("  WARNING: not every outbox row was handed to the broker (the periodic requeue would do it)")
        line = (
            f"- {today}, {machine}, gunicorn {args.loss_workers} workers × {args.loss_threads} thread: "
            f"{args.posts:,} POSTs from {args.clients} clients, {redirects:,} × 302"
            + (f", other answers {others}" if others else "")
            + f", ChangeProposal rows {before['proposals']:,} before, {after['proposals']:,} after, lost {lost}"
        )
        log("Line for docs/benchmarks.md:\n" + line)
        if lost != 0 or others or loss["distinct"] != redirects:
            log("FAIL: a row was lost or a request failed")
            failed = True
    if args.record:
        record(row, ROWS_MARKER)
        if line:
            record(line, LOSS_MARKER)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
