"""Whether the yearly round's overview costs the same queries with 2,000 proposals as with 100.

Two throwaway PostgreSQL databases in the same run: `forlop_bench_round_small` gets migrate and
`load_demo`, `forlop_bench_round_large` is made from it as a copy (CREATE DATABASE … TEMPLATE), so
the demo content and users are identical. Into each, in this process, a review round in
resource-group review is bulk-inserted: 38 seats (the 19 partnerships × a hospital-trust and a
municipality seat, each held by a new resource-group member), the proposals with a `RoundItem` each
(100 in the small round, 2,000 in the large, the same seeded spread), the votes, and a
`PartnershipReview` per partnership; then VACUUM (ANALYZE).

The spread: the 19 partnerships (Bergen and Fonna weigh more), the demo pathways and some proposals
from an unknown page; 70 % forwarded (in review), 15 % declined, 15 % not yet handled; each seat
votes on 85 % of the proposals in review (recommend 45, with changes 15, not recommend 20, abstain
15, recused 5); 40 % of those in review decided; 16 of the 19 partnerships finished.

Measured in this process with the Django test client (production settings: DEBUG off, the database
session store), logged in with `force_login` as `redaktor` (the responsible editor):

- **dashboard**: GET /nb/redaksjon/runder/<year>/oversikt/, the whole request;
- **tally**: `governance.rounds.tally.round_tallies(round)`, the vote count of every proposal in the round;
- **decisions CSV**: GET /nb/redaksjon/runder/<year>/vedtak.csv, the whole request.

Each is timed --requests times (30) per size in interleaved rounds (the process switches its
connection between the two databases each round, with one untimed request after each switch); the
median is taken. The queries of one of each are counted at both sizes (CaptureQueriesContext): they
must be equal. Exits 1 when a query count differs or a ratio large/small exceeds --max-ratio
(default 20, the ratio of the sizes: the aggregates read every row, so only a cost above linear
fails), 2 when the set-up fails.

See bench/README.md for the options and docs/benchmarks.md for the recorded figures.
"""

import argparse
import datetime
import os
import random
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

ROWS_MARKER = "<!-- round dashboard rows: `bench/round_dashboard.py --record` adds rows above this line -->"
SIZES = {"small": 100, "large": 2_000}
EDITOR = "redaktor"
CHOICES = [("recommend", 45), ("recommend_with_changes", 15), ("not_recommend", 20), ("abstain", 15), ("recused", 5)]
FATES = [("forwarded", 70), ("declined", 15), ("not_handled", 15)]
DECISIONS = ["accept", "accept_with_changes", "reject", "postpone"]
KINDS = ["error", "outdated", "broken_link", "missing", "suggestion"]
MEASURED = ("dashboard", "tally", "decisions CSV")


def pick(rng: random.Random, weighted: list[tuple[str, int]]) -> str:
    return rng.choices([value for value, _ in weighted], weights=[weight for _, weight in weighted])[0]


def copy_database(admin_url: str, source: str, name: str) -> None:
    import psycopg

    with psycopg.connect(admin_url, autocommit=True, connect_timeout=3) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{source}"')


def use_database(name: str) -> None:
    """Point this process's default connection at another database (it reconnects on next use)."""
    from django.db import connection

    connection.close()
    connection.settings_dict["NAME"] = name


def fill(count: int, seed: int):
    """The round, its seats, `count` proposals with their items and votes: bulk inserts in one
    transaction, then VACUUM ANALYZE. Returns the round and the seconds taken."""
    from django.contrib.auth import get_user_model
    from django.db import connection, transaction
    from django.db.models import Max
    from django.utils import timezone

    from governance.models import (
        ChangeProposal,
        PartnershipReview,
        ReviewRound,
        RoundItem,
        Seat,
        Vote,
    )
    from pathways.models import Partnership, Pathway, Profile, Role

    rng = random.Random(seed)
    start = time.perf_counter()
    now = timezone.now()
    partnerships = list(Partnership.objects.order_by("slug"))
    pathways = list(Pathway.objects.filter(current_version__isnull=False).order_by("position", "slug"))
    if len(partnerships) < 19 or not pathways:
        raise RuntimeError("load_demo left fewer than 19 partnerships or no published pathway")
    weights = [3 if p.slug == "bergen" else 2 if p.slug == "fonna" else 1 for p in partnerships]
    editor = get_user_model().objects.get(username=EDITOR)
    year = (ReviewRound.objects.aggregate(Max("year"))["year__max"] or 2026) + 1
    with transaction.atomic():
        review_round = ReviewRound.objects.create(
            year=year,
            collecting_until=datetime.date(year, 1, 31),
            partnership_review_until=datetime.date(year, 2, 28),
            voting_until=datetime.date(year, 3, 31),
            editorial_until=datetime.date(year, 4, 30),
            meeting_on=datetime.date(year, 3, 20),
        )
        ReviewRound.objects.filter(pk=review_round.pk).update(state="resource_group_review")
        review_round.refresh_from_db()
        User = get_user_model()
        holders = User.objects.bulk_create(
            [
                User(username=f"benk-{year}-{p.slug}-{constituency}", password="!", is_active=True)
                for p in partnerships
                for constituency in ("hospital_trust", "municipality")
            ]
        )
        Profile.objects.bulk_create(
            [
                Profile(user=user, role=Role.RESOURCE_MEMBER, partnership=partnerships[index // 2])
                for index, user in enumerate(holders)
            ]
        )
        seats = Seat.objects.bulk_create(
            [
                Seat(
                    review_round=review_round,
                    partnership=partnerships[index // 2],
                    constituency="hospital_trust" if index % 2 == 0 else "municipality",
                    holder=user,
                )
                for index, user in enumerate(holders)
            ]
        )
        fates = [pick(rng, FATES) for _ in range(count)]
        proposals = ChangeProposal.objects.bulk_create(
            [
                ChangeProposal(
                    state={"forwarded": "in_review", "declined": "declined", "not_handled": "deferred"}[fate],
                    source="professional",
                    kind=rng.choice(KINDS),
                    pathway=rng.choice(pathways) if rng.random() < 0.9 else None,
                    language="nb" if rng.random() < 0.75 else "nn",
                    partnership=rng.choices(partnerships, weights=weights)[0],
                    description=f"Forslag {number} til runden {year}: teksten om henvisning er uklar.",
                    may_contain_personal_data=rng.random() < 0.04,
                )
                for number, fate in enumerate(fates)
            ],
            batch_size=1000,
        )
        items = []
        votes = []
        for proposal, fate in zip(proposals, fates, strict=True):
            forwarded = fate == "forwarded"
            decision = rng.choice(DECISIONS) if forwarded and rng.random() < 0.4 else ""
            items.append(
                RoundItem(
                    review_round=review_round,
                    proposal=proposal,
                    partnership_comment="Drøftet i FSU barn og unge." if fate != "not_handled" else "",
                    forwarded_at=now if forwarded else None,
                    decision=decision,
                    rationale="Begrunnet i møtet." if decision else "",
                    decided_by=editor if decision else None,
                    decided_at=now if decision else None,
                )
            )
            if forwarded:
                for seat in seats:
                    if rng.random() < 0.85:
                        choice = pick(rng, CHOICES)
                        votes.append(
                            Vote(
                                seat=seat,
                                proposal=proposal,
                                choice=choice,
                                comment="Se kommentar." if choice == "recommend_with_changes" else "",
                                cast_by=seat.holder,
                            )
                        )
        RoundItem.objects.bulk_create(items, batch_size=1000)
        Vote.objects.bulk_create(votes, batch_size=5000)
        PartnershipReview.objects.bulk_create(
            [
                PartnershipReview(
                    review_round=review_round,
                    partnership=p,
                    finished_at=now if index < 16 else None,
                    finished_by=editor if index < 16 else None,
                )
                for index, p in enumerate(partnerships)
            ]
        )
    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE)")
    log(
        f"  round {year}: {count:,} proposals ({fates.count('forwarded'):,} in review), {len(seats)} seats, "
        f"{len(votes):,} votes"
    )
    return review_round, time.perf_counter() - start


def timed(action) -> float:
    start = time.perf_counter()
    action()
    return (time.perf_counter() - start) * 1000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=30, help="timed runs of each per size (default 30)")
    parser.add_argument("--rounds", type=int, default=5, help="interleaved rounds they are spread over (default 5)")
    parser.add_argument("--max-ratio", type=float, default=20.0, help="fail above this large/small ratio (20)")
    parser.add_argument("--seed", type=int, default=20261129, help="seed of the generated round")
    add_database_arguments(parser, database="forlop_bench_round", what="the two throwaway databases")
    args = parser.parse_args()
    per_round = max(1, args.requests // args.rounds)

    names = {size: f"{args.database}_{size}" for size in SIZES}
    small_url = postgres_database(args.postgres, names["small"])
    if not small_url:
        log("This bench needs PostgreSQL")
        return 2
    tmp = Path(tempfile.mkdtemp(prefix="forlop-bench-"))
    var_dir = tmp / "var"
    (var_dir / "mail").mkdir(parents=True)
    (var_dir / "static").mkdir()
    env = bench_env(var_dir, DATABASE_URL=small_url)
    in_process = False
    try:
        log(f"Databases: PostgreSQL {names['small']} and {names['large']} (a copy of the first after load_demo)")
        manage(env, "migrate", "--noinput", "--verbosity", "0")
        load_demo(env)
        copy_database(args.postgres, names["small"], names["large"])

        # From here on, Django in this process, with the bench environment.
        in_process = True
        os.environ.update(env)
        os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
        import django

        django.setup()
        from django.contrib.auth import get_user_model
        from django.db import connection
        from django.test import Client
        from django.test.utils import CaptureQueriesContext

        from governance.rounds.tally import round_tallies

        rounds, clients, urls = {}, {}, {}
        for size, count in SIZES.items():
            use_database(names[size])
            rounds[size], seconds = fill(count, args.seed)
            log(f"{names[size]}: filled and analysed in {seconds:.1f} s")
            client = Client(SERVER_NAME="localhost")
            client.force_login(get_user_model().objects.get(username=EDITOR))
            clients[size] = client
            year = rounds[size].year
            urls[size] = {
                "dashboard": f"/nb/redaksjon/runder/{year}/oversikt/",
                "decisions CSV": f"/nb/redaksjon/runder/{year}/vedtak.csv",
            }

        def run(size: str, what: str):
            if what == "tally":
                return round_tallies(rounds[size])
            response = clients[size].get(urls[size][what])
            if response.status_code != 200:
                raise RuntimeError(f"GET {urls[size][what]}: HTTP {response.status_code}")
            return response

        queries: dict[tuple, int] = {}
        for size in SIZES:
            use_database(names[size])
            for what in MEASURED:
                for _ in range(3):
                    run(size, what)  # warm up
                with CaptureQueriesContext(connection) as captured:
                    run(size, what)
                queries[size, what] = len(captured)

        times: dict[tuple, list[float]] = {}
        log(f"Timing: {per_round * args.rounds} runs of each per size, {args.rounds} interleaved rounds")
        for index in range(args.rounds):
            for size in SIZES if index % 2 == 0 else list(SIZES)[::-1]:
                use_database(names[size])
                run(size, "dashboard")  # reconnect, untimed
                for what in MEASURED:
                    bucket = times.setdefault((size, what), [])
                    for _ in range(per_round):
                        bucket.append(timed(lambda size=size, what=what: run(size, what)))
            log(f"  round {index + 1} done")

        failed = False
        rows = []
        small, large = SIZES["small"], SIZES["large"]
        log("")
        log(f"{'what':<14} {'ms ' + str(small):>8} {'ms ' + str(large):>9} {'ratio':>6} {'queries':>8} {'':>5}")
        for what in MEASURED:
            medians = {size: statistics.median(times[size, what]) for size in SIZES}
            ratio = medians["large"] / medians["small"]
            counts = (queries["small", what], queries["large", what])
            same = counts[0] == counts[1]
            log(
                f"{what:<14} {medians['small']:>8.1f} {medians['large']:>9.1f} {ratio:>6.2f} "
                f"{counts[0]:>8} {counts[1]:>5}"
            )
            rows.append(
                f"| {datetime.date.today().isoformat()} | {args.machine} | {what} | {medians['small']:.1f} "
                f"| {medians['large']:.1f} | {ratio:.2f} | {counts[0] if same else f'{counts[0]} / {counts[1]}'} |"
            )
            if not same:
                failed = True
                log(f"  FAIL: {counts[0]} queries at {small}, {counts[1]} at {large}")
            if ratio > args.max_ratio:
                failed = True
                log(f"  FAIL: ratio above {args.max_ratio:g}")
        log("Rows for docs/benchmarks.md:\n" + "\n".join(rows))
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
