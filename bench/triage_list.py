"""Whether the triage queue's pages cost the same with 100,000 proposals as with 1,000.

Two throwaway PostgreSQL databases in the same run: `forlop_bench_triage_1k` gets migrate and
`load_demo`, `forlop_bench_triage_100k` is made from it as a copy (CREATE DATABASE … TEMPLATE), so the
demo content and users are identical, row for row. Then ChangeProposal rows are bulk-inserted
(`bulk_create` in batches) with the same random spread: 1,000 in the first, 100,000 in the second,
followed by VACUUM ANALYZE (fresh statistics, and the visibility map autovacuum would set anyway
shortly after such an insert, so the plans do not change halfway through the run).

The spread: received over the last two years; in state `new` about two thirds of those from the last
30 days and one in twelve of the older ones (the backlog), the rest a mix of closed and open states;
the five kinds; 9 in 10 about one of the demo pathways (a version of it, most of them a section of
that version), the others from an unknown page; 85 % in one of the 19 partnerships (Bergen and Fonna
weigh more), 15 % in none; 4 % flagged as possibly holding personal data (half of those no longer new redacted).

Measured in this process with the Django test client (production settings: DEBUG off, the database
session store), logged in with `force_login` as `redaktor` (the responsible editor, sees every
proposal) and `lokal-bergen` (local editor, sees Bergen's):

- **first**: GET /nb/redaksjon/forslag/ (default filters: state new, oldest first);
- **deep**: GET /nb/redaksjon/forslag/?state=all&etter=… after following the next-page link 19 times
  (--hops) from the first page of all states (page 20; with fewer rows, the last page there is);
- **filtered**: GET /nb/redaksjon/forslag/?state=all&kind=error&age=7.

Each URL is requested --requests times (30) per size, in interleaved rounds (the process switches its
database connection between the two databases each round, and sends one untimed request after each
switch), and the median is taken. The queries one request makes are counted for each size
(CaptureQueriesContext): they must be the same. Exits 1 when a ratio median 100k / median 1k exceeds
--max-ratio (2.0) or a query count differs (printing, for the page at fault, its slowest query and
its EXPLAIN ANALYZE), 2 when the set-up fails.

See bench/README.md for the options and docs/benchmarks.md for the recorded figures.
"""

import argparse
import datetime
import html
import os
import random
import re
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.common import (  # noqa: E402 - after the path above, when run as a script
    add_database_arguments,
    bench_env,
    drop_postgres_database,
    load_demo,
    log,
    manage,
    postgres_database,
)
from bench.common import record as record_row  # noqa: E402

ROWS_MARKER = "<!-- triage rows: `bench/triage_list.py --record` adds rows above this line -->"
SIZES = (1_000, 100_000)
USERS = ("redaktor", "lokal-bergen")
QUEUE = "/nb/redaksjon/forslag/"
PAGES = {
    "first": "",
    "deep": "?state=all",  # the starting point; the cursor is appended once found
    "filtered": "?state=all&kind=error&age=7",
}
NEXT_LINK = re.compile(r'<a href="(\?[^"]*)" rel="next">')
ROW = '<tr data-proposal="'
BATCH = 5_000  # objects built at a time; bulk_create sends them in batches of 1,000


# --- Set-up ------------------------------------------------------------------------------------


def copy_database(admin_url: str, source: str, name: str) -> str:
    import psycopg

    with psycopg.connect(admin_url, autocommit=True, connect_timeout=3) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{source}"')
    return admin_url.rsplit("/", 1)[0] + "/" + name


def use_database(name: str) -> None:
    """Point this process's default connection at another database (it reconnects on next use)."""
    from django.db import connection

    connection.close()
    connection.settings_dict["NAME"] = name


def references() -> dict:
    """What the generated proposals point at: the demo's partnerships, pathways, versions, sections."""
    from pathways.models import Partnership, Pathway, Version, VersionSection

    partnerships = list(Partnership.objects.order_by("slug").values_list("pk", "slug"))
    pathways = []
    for pathway in Pathway.objects.order_by("position", "slug"):
        versions = []
        for version_id in Version.objects.filter(pathway=pathway).order_by("published_at").values_list("pk", flat=True):
            slugs = list(VersionSection.objects.filter(version_id=version_id).values_list("slug", flat=True))
            versions.append((version_id, slugs))
        if versions:
            pathways.append({"pk": pathway.pk, "slug": pathway.slug, "current": pathway.current_version_id,
                             "versions": versions})  # fmt: skip
    if not partnerships or not pathways:
        raise RuntimeError("load_demo left no partnerships or no published pathways")
    return {"partnerships": partnerships, "pathways": pathways}


DESCRIPTIONS = [
    "Telefonnummeret til {place} er feil, det er byttet.",
    "Lenken til henvisningsskjemaet gir feilmelding.",
    "Ventetida som står her er ikkje lenger rett.",
    "Det mangler informasjon om hva fastlegen skal gjøre før henvisning til {place}.",
    "Forslag: legg til en sjekkliste for foreldresamtalen.",
    "Skjemaet det vises til er erstattet av et nytt fra {year}.",
    "Kontaktinformasjonen til helsestasjonen i {place} er utdatert.",
    "Teksten sier BUP tar imot direkte, men det krever henvisning.",
    "Avsnittet om tverrfaglig møte er uklart: hvem kaller inn?",
    "Det står at tilbudet gjelder til 16 år, men det gjelder til 18 år.",
]
PLACES = ["Bergen", "Askøy", "Voss", "Stord", "Haugesund", "Tromsø", "Bodø", "Ålesund", "Førde", "Alta"]
CLOSED_MIX = [  # (state, weight) of the proposals that are not new
    ("rejected", 28), ("duplicate", 14), ("published", 16), ("withdrawn", 4), ("done_locally", 9),
    ("declined", 3), ("deferred", 9), ("local", 5), ("quick_fix", 3), ("forwarded", 3), ("in_review", 2),
    ("recommended", 1), ("not_recommended", 1), ("accepted", 1), ("postponed", 1),
]  # fmt: skip
KINDS = [("error", 35), ("outdated", 20), ("broken_link", 15), ("missing", 15), ("suggestion", 15)]
CLOSING = {"rejected", "duplicate", "published", "withdrawn", "done_locally", "declined"}
REASONS = ["spam", "not_relevant", "already_fixed", "outside_pathways", "editorial"]


def pick(rng: random.Random, weighted: list[tuple[str, int]]) -> str:
    return rng.choices([value for value, _ in weighted], weights=[weight for _, weight in weighted])[0]


def proposals(count: int, rng: random.Random, refs: dict, now: datetime.datetime):
    """`count` unsaved ChangeProposals with the spread described at the top, in batches of BATCH."""
    from governance.models import ChangeProposal

    partnerships = refs["partnerships"]
    weights = [3 if slug == "bergen" else 2 if slug == "fonna" else 1 for _, slug in partnerships]
    pathway_weights = [len(refs["pathways"]) - index + 2 for index in range(len(refs["pathways"]))]
    batch = []
    for number in range(count):
        age = datetime.timedelta(seconds=rng.uniform(0, 730 * 86400))
        created = now - age
        state = "new" if rng.random() < (0.65 if age.days < 30 else 0.08) else pick(rng, CLOSED_MIX)
        pathway = version_id = None
        section = ""
        if rng.random() < 0.9:
            pathway = rng.choices(refs["pathways"], weights=pathway_weights)[0]
            current = [v for v in pathway["versions"] if v[0] == pathway["current"]]
            version_id, slugs = current[0] if current and rng.random() < 0.7 else rng.choice(pathway["versions"])
            if slugs and rng.random() < 0.85:
                section = rng.choice(slugs)
        partnership = rng.choices(partnerships, weights=weights)[0][0] if rng.random() < 0.85 else None
        personal = rng.random() < 0.04
        later = created + datetime.timedelta(days=rng.uniform(0.1, min(60, max(age.days, 0.2))))
        later = min(later, now)
        text = rng.choice(DESCRIPTIONS).format(place=rng.choice(PLACES), year=rng.randint(2019, 2026))
        batch.append(
            ChangeProposal(
                state=state,
                source="reader" if rng.random() < 0.8 else "professional",
                kind=pick(rng, KINDS),
                pathway_id=pathway["pk"] if pathway else None,
                section_slug=section,
                version_id=version_id,
                language="nb" if rng.random() < 0.75 else "nn",
                partnership_id=partnership,
                external_url="" if pathway else f"https://www.example.no/side-{rng.randint(1, 500)}",
                context_unknown=pathway is None,
                description=f"{text} (benk {number})" + " Mer tekst." * rng.randint(0, 20),
                suggested_text="Ny tekst: " + text if rng.random() < 0.3 else "",
                may_contain_personal_data=personal,
                redacted_at=later if personal and state != "new" and rng.random() < 0.5 else None,
                created_at=created,
                updated_at=created if state == "new" else later,
                triaged_at=None if state in {"new", "withdrawn"} else later,
                closed_at=later if state in CLOSING else None,
                reject_reason=rng.choice(REASONS) if state == "rejected" else "",
            )
        )
        if len(batch) == BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def fill(count: int, refs: dict, seed: int) -> float:
    """Insert `count` proposals into the current database, then VACUUM ANALYZE; seconds taken."""
    from django.db import connection
    from django.utils import timezone

    from governance.models import ChangeProposal

    start = time.perf_counter()
    created_at = ChangeProposal._meta.get_field("created_at")
    updated_at = ChangeProposal._meta.get_field("updated_at")
    saved = created_at.auto_now_add, updated_at.auto_now
    created_at.auto_now_add = updated_at.auto_now = False  # keep the generated times
    try:
        for batch in proposals(count, random.Random(seed), refs, timezone.now()):
            ChangeProposal.objects.bulk_create(batch, batch_size=1000)
    finally:
        created_at.auto_now_add, updated_at.auto_now = saved
    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE)")
    return time.perf_counter() - start


def spread() -> str:
    from django.db.models import Count, Q

    from governance.models import ChangeProposal

    numbers = ChangeProposal.objects.aggregate(
        total=Count("pk"),
        new=Count("pk", filter=Q(state="new")),
        bergen=Count("pk", filter=Q(partnership__slug="bergen")),
        bergen_new=Count("pk", filter=Q(partnership__slug="bergen", state="new")),
        none=Count("pk", filter=Q(partnership__isnull=True)),
        personal=Count("pk", filter=Q(may_contain_personal_data=True)),
    )
    return (
        f"{numbers['total']:,} proposals, {numbers['new']:,} new; Bergen {numbers['bergen']:,} "
        f"({numbers['bergen_new']:,} new); no partnership {numbers['none']:,}; flagged {numbers['personal']:,}"
    )


# --- Measuring ---------------------------------------------------------------------------------


def get(client, url: str):
    response = client.get(url)
    if response.status_code != 200:
        raise RuntimeError(f"GET {url}: HTTP {response.status_code}")
    return response


def deep_url(client, start: str, hops: int) -> tuple[str, int]:
    """Follow the next-page link from `start` up to `hops` times: the last URL and its page number."""
    url, page = start, 1
    for _ in range(hops):
        found = NEXT_LINK.search(get(client, url).content.decode())
        if found is None:
            break
        url, page = QUEUE + html.unescape(found.group(1)), page + 1
    return url, page


def captured(client, url: str) -> list[dict]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        get(client, url)
    return list(queries.captured_queries)


def explain(sql: str) -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
        return "\n".join(row[0] for row in cursor.fetchall())


def label_of(username: str, page: str, reached: dict, shown: dict) -> str:
    small, large = SIZES
    label = f"{username}: {page}"
    if page == "first":
        label += " (state new)"
    elif page == "deep":
        label += f", all states, page {reached[large, username]}"
        if reached[small, username] != reached[large, username]:
            label += f" (1k: page {reached[small, username]}, the last)"
    else:
        label += " (all states, kind error, older than 7 days)"
    return label + f"; rows shown {shown[small, username, page]} / {shown[large, username, page]}"


def report(args, names: dict, times: dict, queries: dict, reached: dict, shown: dict) -> tuple[bool, list[str]]:
    """Print the medians, ratios and query counts; for a page that fails, its slowest query at the
    large size with its EXPLAIN ANALYZE. Whether anything failed, and the rows for the docs."""
    failed = False
    rows = []
    small, large = SIZES
    log("")
    log(
        f"{'user':<13} {'page':<9} {'ms 1k':>7} {'ms 100k':>8} {'ratio':>6} {'queries 1k':>11} {'100k':>5} "
        f"{'rows 1k':>8} {'100k':>5}"
    )
    for username in USERS:
        for page in PAGES:
            medians = {size: statistics.median(times[size, username, page]) for size in SIZES}
            ratio = medians[large] / medians[small]
            counts = {size: len(queries[size, username, page]) for size in SIZES}
            log(
                f"{username:<13} {page:<9} {medians[small]:>7.1f} {medians[large]:>8.1f} {ratio:>6.2f} "
                f"{counts[small]:>11} {counts[large]:>5} {shown[small, username, page]:>8} "
                f"{shown[large, username, page]:>5}"
            )
            same = counts[small] == counts[large]
            rows.append(
                f"| {datetime.date.today().isoformat()} | {args.machine} | {label_of(username, page, reached, shown)} "
                f"| {medians[small]:.1f} | {medians[large]:.1f} | {ratio:.2f} "
                f"| {counts[small] if same else f'{counts[small]} / {counts[large]}'} |"
            )
            if not same:
                failed = True
                log(f"  FAIL: {counts[small]} queries at 1k, {counts[large]} at 100k")
            if ratio > args.max_ratio:
                failed = True
                slow = max(queries[large, username, page], key=lambda q: float(q["time"]))
                took = float(slow["time"]) * 1000
                log(f"  FAIL: ratio above {args.max_ratio:g}; the slowest query at 100k ({took:.0f} ms), explained:")
                log("    " + slow["sql"])
                use_database(names[large])
                log("    " + explain(slow["sql"]).replace("\n", "\n    "))
    for size in SIZES:
        log(f"Deep page at {size:,}: " + ", ".join(f"{user} page {reached[size, user]}" for user in USERS))
    log("Rows for docs/benchmarks.md:\n" + "\n".join(rows))
    return failed, rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=30, help="timed requests per URL and size (default 30)")
    parser.add_argument("--rounds", type=int, default=5, help="interleaved rounds they are spread over (default 5)")
    parser.add_argument("--max-ratio", type=float, default=2.0, help="fail above this 100k/1k ratio (default 2)")
    parser.add_argument("--hops", type=int, default=19, help="next-page links followed for the deep page (19)")
    parser.add_argument("--seed", type=int, default=20261123, help="seed of the generated proposals")
    add_database_arguments(parser, database="forlop_bench_triage", what="the two throwaway databases")
    args = parser.parse_args()
    per_round = max(1, args.requests // args.rounds)

    names = {size: f"{args.database}_{size // 1000}k" for size in SIZES}
    small_url = postgres_database(args.postgres, names[SIZES[0]])
    if not small_url:
        log("This bench needs PostgreSQL")
        return 2
    tmp = Path(tempfile.mkdtemp(prefix="forlop-bench-"))
    var_dir = tmp / "var"
    (var_dir / "mail").mkdir(parents=True)
    (var_dir / "static").mkdir()
    env = bench_env(var_dir, DATABASE_URL=small_url)
    times: dict[tuple, list[float]] = {}
    queries: dict[tuple, list[dict]] = {}
    reached: dict[tuple, int] = {}
    shown: dict[tuple, int] = {}
    in_process = False
    try:
        log(f"Databases: PostgreSQL {names[SIZES[0]]} and {names[SIZES[1]]} (a copy of the first after load_demo)")
        manage(env, "migrate", "--noinput", "--verbosity", "0")
        load_demo(env)
        copy_database(args.postgres, names[SIZES[0]], names[SIZES[1]])

        # From here on, Django in this process, with the bench environment.
        in_process = True
        os.environ.update(env)
        os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
        import django

        django.setup()
        from django.contrib.auth import get_user_model
        from django.test import Client

        refs = references()
        clients = {}
        for size in SIZES:
            use_database(names[size])
            seconds = fill(size, refs, args.seed + size)
            log(f"{names[size]}: {spread()} (inserted and analysed in {seconds:.1f} s)")
            for username in USERS:
                client = Client(SERVER_NAME="localhost")
                client.force_login(get_user_model().objects.get(username=username))
                clients[size, username] = client

        # The URLs, each size its own deep cursor; warm-up; the queries of one request.
        urls: dict[tuple, str] = {}
        for size in SIZES:
            use_database(names[size])
            for username in USERS:
                client = clients[size, username]
                for page, query in PAGES.items():
                    url = QUEUE + query
                    if page == "deep":
                        url, reached[size, username] = deep_url(client, url, args.hops)
                    urls[size, username, page] = url
                    for _ in range(3):
                        shown[size, username, page] = get(client, url).content.decode().count(ROW)
                    queries[size, username, page] = captured(client, url)

        log(f"Timing: {per_round * args.rounds} requests per URL and size, {args.rounds} interleaved rounds")
        for index in range(args.rounds):
            for size in SIZES if index % 2 == 0 else SIZES[::-1]:
                use_database(names[size])
                get(clients[size, USERS[0]], urls[size, USERS[0], "first"])  # reconnect, untimed
                for username in USERS:
                    client = clients[size, username]
                    for page in PAGES:
                        url = urls[size, username, page]
                        bucket = times.setdefault((size, username, page), [])
                        for _ in range(per_round):
                            start = time.perf_counter()
                            get(client, url)
                            bucket.append((time.perf_counter() - start) * 1000)
            log(f"  round {index + 1} done")

        failed, rows = report(args, names, times, queries, reached, shown)
        if args.record:
            for row in rows:
                record_row(row, ROWS_MARKER)
        return 1 if failed else 0
    except (RuntimeError, OSError) as error:
        log(f"Set-up or measurement failed: {error!r}")
        return 2
    finally:
        if in_process:
            from django.db import connections

            connections.close_all()
        if not args.keep:
            for name in names.values():
                drop_postgres_database(args.postgres, name)
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
