"""Whether the reminders sweep costs about what one GROUP BY query does, with 100,000 open proposals
and 400 local editors: it must queue, and the worker's task then send, one digest per recipient.

A throwaway PostgreSQL database `forlop_bench_digest` gets `migrate`, then (in this process, Django
set up with the bench environment) --partnerships health partnerships (400) with one local editor
each (the recipients, with an e-mail address and digests on, a third of them in nynorsk), and
--proposals open proposals (100,000) bulk-inserted with `bulk_create`: received over the last 90
days, 70 % in `new`, the others local, deferred, quick fix or forwarded; 95 % spread evenly over the
partnerships, 5 % on the common text (no partnership). Then `VACUUM (ANALYZE)`. There is no
responsible editor, so the sweep queues digests only, and e-mails = recipients.

Measured in the same run, in --rounds interleaved rounds (7), medians in ms:

- **query**: the single GROUP BY that computes the same per-recipient counts as the digests: the
  local editors joined to the untriaged proposals of their partnership received before the digest
  cut-off (`now - DIGEST_AFTER_DAYS`), counted per recipient (`Profile` → `ChangeProposal`, one
  SELECT);
- **sweep**: `governance.outbox.reminders.reminders_sweep()` as the beat's task runs it, with the
  database's clock (`REMINDER_HOUR=0`, so it is due whenever the bench runs): who, the counts, one
  INSERT of all the notices, and the commit. Before each round the notices of the previous round are
  deleted (untimed). The hand-over to the broker after commit is replaced by collecting the ids (no
  broker here; in production it is one LPUSH per notice);
- **send**: after the last round, every queued notice through `notification_send`, what the
  worker's `workers.send_notification` task runs (claim, render the three templates in the
  recipient's written standard, send, mark sent), one after the other in this process, with
  Django's in-memory mail backend (`locmem`): the e-mails are counted in `mail.outbox`.

Checks: the sweep queued one digest per recipient and each digest's count equals the query's count
for that recipient; `mail.outbox` holds one e-mail per recipient, each to its recipient. Exits 1
when the sweep's median is above --max-ratio (3) × the query's median or a check fails, 2 when the
set-up fails. `--record` adds a row to docs/benchmarks.md.
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
    log,
    manage,
    postgres_database,
)
from bench.common import record as record_row  # noqa: E402

ROWS_MARKER = "<!-- digest rows: `bench/digest_sweep.py --record` adds a row above this line -->"
OPEN_STATES = [("new", 70), ("local", 10), ("deferred", 10), ("quick_fix", 5), ("forwarded", 5)]
BATCH = 5_000


def fill(args, rng: random.Random) -> tuple[int, float]:
    """The partnerships, their local editors and the proposals. The number of recipients, and the
    seconds it took."""
    from django.contrib.auth import get_user_model
    from django.db import connection

    from governance.models import ChangeProposal
    from governance.outbox.reminders import database_now
    from pathways.models import HealthTrust, Partnership, Profile, Role

    start = time.perf_counter()
    trusts = HealthTrust.objects.bulk_create(
        [HealthTrust(name=f"Benkesykehus {index:03d} HF") for index in range(args.partnerships)]
    )
    partnerships = Partnership.objects.bulk_create(
        [
            Partnership(name=f"Benkefellesskap {index:03d}", slug=f"benk-{index:03d}", health_trust=trust)
            for index, trust in enumerate(trusts)
        ]
    )
    users = get_user_model().objects.bulk_create(
        [
            get_user_model()(username=f"lokal-benk-{index:03d}", email=f"lokal-benk-{index:03d}@example.no")
            for index in range(args.partnerships)
        ]
    )
    Profile.objects.bulk_create(
        [
            Profile(user=user, role=Role.LOCAL_EDITOR, partnership=partnership, language="nn" if i % 3 == 0 else "nb")
            for i, (user, partnership) in enumerate(zip(users, partnerships, strict=True))
        ]
    )
    now = database_now()
    created_at = ChangeProposal._meta.get_field("created_at")
    updated_at = ChangeProposal._meta.get_field("updated_at")
    saved = created_at.auto_now_add, updated_at.auto_now
    created_at.auto_now_add = updated_at.auto_now = False  # keep the generated times
    states = [state for state, _ in OPEN_STATES]
    weights = [weight for _, weight in OPEN_STATES]
    try:
        for first in range(0, args.proposals, BATCH):
            batch = []
            for number in range(first, min(first + BATCH, args.proposals)):
                received = now - datetime.timedelta(seconds=rng.uniform(0, 90 * 86400))
                state = rng.choices(states, weights=weights)[0]
                batch.append(
                    ChangeProposal(
                        state=state,
                        source="reader",
                        kind="error",
                        language="nb" if rng.random() < 0.75 else "nn",
                        partnership=rng.choice(partnerships) if rng.random() < 0.95 else None,
                        description=f"Benkeforslag {number}: teksten er utdatert.",
                        created_at=received,
                        updated_at=received,
                        triaged_at=None if state == "new" else received,
                    )
                )
            ChangeProposal.objects.bulk_create(batch, batch_size=1000)
    finally:
        created_at.auto_now_add, updated_at.auto_now = saved
    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE)")
    return len(users), time.perf_counter() - start


def reference_counts() -> dict[str, int]:
    """The single GROUP BY: per recipient, the untriaged proposals of their partnership past the
    digest cut-off. Keyed by the recipient's address."""
    from django.conf import settings
    from django.db.models import Count

    from governance.outbox.reminders import database_now
    from pathways.models import Profile, Role

    cutoff = database_now() - datetime.timedelta(days=settings.DIGEST_AFTER_DAYS)
    rows = (
        Profile.objects.filter(
            role=Role.LOCAL_EDITOR,
            digests_enabled=True,
            partnership__proposals__state="new",
            partnership__proposals__created_at__lt=cutoff,
        )
        .values_list("user__email")
        .annotate(n=Count("partnership__proposals__created_at"))
        .order_by()
    )
    return dict(rows)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--proposals", type=int, default=100_000, help="open proposals (default 100,000)")
    parser.add_argument("--partnerships", type=int, default=400, help="partnerships, one local editor each (400)")
    parser.add_argument("--rounds", type=int, default=7, help="interleaved rounds of query and sweep (default 7)")
    parser.add_argument("--max-ratio", type=float, default=3.0, help="fail above this sweep/query ratio (default 3)")
    parser.add_argument("--seed", type=int, default=20261130, help="seed of the generated proposals")
    add_database_arguments(parser, database="forlop_bench_digest", what="the throwaway database")
    args = parser.parse_args()

    url = postgres_database(args.postgres, args.database)
    if not url:
        log("This bench needs PostgreSQL")
        return 2
    tmp = Path(tempfile.mkdtemp(prefix="forlop-bench-digest-"))
    var_dir = tmp / "var"
    (var_dir / "mail").mkdir(parents=True)
    (var_dir / "static").mkdir()
    env = bench_env(var_dir, DATABASE_URL=url, SITE_URL="https://forlop.example.no", REMINDER_HOUR="0")
    in_process = False
    try:
        log(f"Database: PostgreSQL {args.database}")
        manage(env, "migrate", "--noinput", "--verbosity", "0")

        in_process = True
        os.environ.update(env)
        os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
        import django

        django.setup()
        from django.conf import settings
        from django.core import mail
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        from governance.models import Notification
        from governance.outbox import notifications, reminders
        from governance.outbox.notifications import notification_send

        # Django's in-memory backend: the e-mails are counted in mail.outbox.
        settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
        mail.outbox = []
        handed_over: list[int] = []

        def hand_over(pk: int, **kwargs: object) -> bool:
            handed_over.append(pk)
            return True

        notifications.notification_hand_over = hand_over

        recipients, seconds = fill(args, random.Random(args.seed))
        log(f"{args.proposals:,} open proposals, {args.partnerships} partnerships, {recipients} local editors "
            f"(inserted and analysed in {seconds:.1f} s)")  # fmt: skip

        expected = reference_counts()  # warm-up, and the counts to check the digests against
        with CaptureQueriesContext(connection) as captured:
            reminders.reminders_sweep()  # warm-up
        sweep_queries = len(captured)
        Notification.objects.all().delete()

        query_ms: list[float] = []
        sweep_ms: list[float] = []
        for index in range(args.rounds):
            handed_over.clear()
            Notification.objects.all().delete()
            for side in ("query", "sweep") if index % 2 == 0 else ("sweep", "query"):
                start = time.perf_counter()
                if side == "query":
                    reference_counts()
                    query_ms.append((time.perf_counter() - start) * 1000)
                else:
                    queued = reminders.reminders_sweep()
                    sweep_ms.append((time.perf_counter() - start) * 1000)
            log(f"  round {index + 1}: query {query_ms[-1]:.1f} ms, sweep {sweep_ms[-1]:.1f} ms, queued {queued}")

        failures = []
        digests = dict(Notification.objects.filter(kind="digest").values_list("recipient", "context__count"))
        if len(digests) != recipients or sorted(handed_over) != sorted(
            Notification.objects.values_list("pk", flat=True)
        ):
            failures.append(f"{len(digests)} digests queued for {recipients} recipients")
        if digests != expected:
            failures.append("the digests' counts differ from the GROUP BY's")

        start = time.perf_counter()
        sent = sum(notification_send(pk) for pk in handed_over)
        send_ms = (time.perf_counter() - start) * 1000
        addresses = sorted(address for message in mail.outbox for address in message.to)
        if sent != recipients or len(mail.outbox) != recipients or addresses != sorted(expected):
            failures.append(f"{len(mail.outbox)} e-mails sent for {recipients} recipients")
        headers = mail.outbox[0].extra_headers if mail.outbox else {}
        has_unsubscribe_header = "List-Unsubscribe" in headers or "List-Unsubscribe" in str(mail.outbox[0].message())

        query, sweep = statistics.median(query_ms), statistics.median(sweep_ms)
        ratio = sweep / query
        total = sum(len(m.message().as_bytes()) for m in mail.outbox[:10]) / max(1, min(10, len(mail.outbox)))
        log("")
        log(f"query  median {query:8.1f} ms  (1 SELECT)")
        log(f"sweep  median {sweep:8.1f} ms  ({sweep_queries} queries, {recipients} notices queued)")
        log(f"ratio  sweep/query {ratio:.2f}  (limit {args.max_ratio:g})")
        each = send_ms / max(1, len(mail.outbox))
        header = "yes" if has_unsubscribe_header else "no"
        log(f"send   {send_ms:8.1f} ms for {len(mail.outbox)} e-mails ({each:.2f} ms each, "
            f"about {total / 1024:.1f} kB each; List-Unsubscribe header: {header})")  # fmt: skip
        log(f"sweep + send / query {(sweep + send_ms) / query:.1f}")
        if ratio > args.max_ratio:
            failures.append(f"sweep/query {ratio:.2f} is above {args.max_ratio:g}")
        for failure in failures:
            log(f"FAIL: {failure}")

        row = (
            f"| {datetime.date.today().isoformat()} | {args.machine} | {args.proposals:,} | {recipients} "
            f"| {query:.1f} | {sweep:.1f} | {ratio:.2f} | {sweep_queries} | {len(mail.outbox)} "
            f"| {send_ms:.0f} ({each:.2f} each) |"
        )
        log("Row for docs/benchmarks.md:\n" + row)
        if args.record:
            record_row(row, ROWS_MARKER)
        return 1 if failures else 0
    except (RuntimeError, OSError) as error:
        log(f"Set-up or measurement failed: {error!r}")
        return 2
    finally:
        if in_process:
            from django.db import connections

            connections.close_all()
        if not args.keep:
            drop_postgres_database(args.postgres, args.database)
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
