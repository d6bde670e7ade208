"""Delivery of the outbox (governance/notifications.py, workers/tasks.py): one e-mail per notice
under crashes, redeliveries and concurrent workers; temporary SMTP errors retried with backoff,
permanent ones failing the notice and marking the address as bouncing.

The first part calls the services in this process. The second runs the real thing: Celery worker
processes on the real Redis broker, reading the test database, sending to a real SMTP server
(aiosmtpd) whose replies the test scripts, and a worker killed with SIGKILL in the middle of a send.
"""

import asyncio
import os
import signal
import smtplib
import socket
import sys
import threading
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from datetime import date, timedelta

import pytest
import redis
from celery import Celery, current_app
from django.core import mail
from django.utils import timezone

from governance.models import BouncingAddress, Notification, NotificationStatus
from governance.outbox.notifications import (
    BOUNCING,
    DeliveryDeferred,
    classify_failure,
    notification_claim,
    notification_dedupe_key,
    notification_queue,
    notification_send,
    notifications_requeue,
    retry_countdown,
)
from tests import support

READER = "leser@example.no"
CONTEXT = {"status_url": "http://localhost:8000/nb/tilbakemelding/token/", "pathway_title": "Angstplager"}


def queued(**fields) -> Notification:
    """An outbox row as `notification_queue` writes it, without its hand-over after commit."""
    values = {
        "kind": "feedback_receipt",
        "recipient": READER,
        "language": "nb",
        "dedupe_key": notification_dedupe_key(kind="feedback_receipt", recipient=READER, subject="test:1"),
        "context": CONTEXT,
    }
    return Notification.objects.create(**{**values, **fields})


def status_of(pk: int) -> tuple[str, int]:
    row = Notification.objects.filter(pk=pk).values_list("status", "attempts").get()
    return row[0], row[1]


# --- The ledger's key ----------------------------------------------------------------------------


def test_the_key_is_kind_recipient_subject_and_day_without_the_address():
    def key(kind="vote_reminder", recipient=READER, subject="governance.reviewround:3", due_on=date(2027, 3, 24)):
        return notification_dedupe_key(kind=kind, recipient=recipient, subject=subject, due_on=due_on)

    made = key(recipient=" Leser@Example.no ")

    assert made.startswith("vote_reminder|")
    assert made.endswith("|governance.reviewround:3|2027-03-24")
    assert "example" not in made.lower()
    assert made == key()
    others = {
        key(kind="digest"),
        key(recipient="annen@example.no"),
        key(subject="governance.reviewround:4"),
        key(due_on=date(2027, 3, 25)),
    }
    assert len(others) == 4 and made not in others


@pytest.mark.django_db
def test_queuing_the_same_notice_twice_gives_one_row(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        first = notification_queue(
            kind="digest", recipient=READER, language="nn", context={}, subject="x:1", due_on=date(2027, 1, 4)
        )
        second = notification_queue(
            kind="digest", recipient=READER, language="nn", context={}, subject="x:1", due_on=date(2027, 1, 4)
        )

    assert first.pk == second.pk
    assert Notification.objects.count() == 1
    assert (first.subject, first.due_on) == ("x:1", date(2027, 1, 4))
    assert len(callbacks) == 1


# --- What an SMTP error means ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("error", "temporary", "bounce"),
    [
        (smtplib.SMTPRecipientsRefused({READER: (450, b"4.2.1 mailbox busy")}), True, False),
        (smtplib.SMTPRecipientsRefused({READER: (550, b"5.1.1 no such user")}), False, True),
        (smtplib.SMTPDataError(451, b"4.3.0 try later"), True, False),
        (smtplib.SMTPDataError(554, b"5.7.1 rejected"), False, True),
        (smtplib.SMTPResponseException(421, b"4.4.2 closing"), True, False),
        (smtplib.SMTPSenderRefused(553, b"5.7.1 sender not allowed", "forlop@localhost"), False, False),
        (smtplib.SMTPAuthenticationError(535, b"5.7.8 bad credentials"), False, False),
        (smtplib.SMTPConnectError(554, b"no service"), True, False),
        (smtplib.SMTPServerDisconnected("Connection unexpectedly closed"), True, False),
        (ConnectionRefusedError(111, "Connection refused"), True, False),
        (TimeoutError("timed out"), True, False),
        (socket.gaierror(-2, "Name or service not known"), True, False),
        (ValueError("Invalid address"), False, False),
    ],
)
def test_errors_are_temporary_or_permanent(error, temporary, bounce):
    failure = classify_failure(error)
    assert (failure.temporary, failure.bounce) == (temporary, bounce)
    assert failure.reason


def test_the_wait_doubles_with_jitter_and_stays_under_the_visibility_timeout(settings):
    settings.NOTIFICATION_RETRY_SECONDS = 30
    settings.NOTIFICATION_RETRY_MAX_SECONDS = 1800
    settings.CELERY_VISIBILITY_TIMEOUT = 3600
    for attempts, ceiling in [(1, 30), (2, 60), (3, 120), (6, 960), (7, 1800), (20, 1800)]:
        waits = [retry_countdown(attempts) for _ in range(200)]
        assert all(ceiling / 2 <= wait <= ceiling for wait in waits)
        assert len(set(waits)) > 100  # jitter: notices failing together do not come back together
    settings.CELERY_VISIBILITY_TIMEOUT = 600
    assert max(retry_countdown(20) for _ in range(50)) <= 300


# --- Claims ------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_notice_is_claimed_once():
    notification = queued()

    first = notification_claim(notification.pk)
    second = notification_claim(notification.pk)

    assert first is not None and first.status == NotificationStatus.SENDING and first.attempts == 1
    assert second is None


@pytest.mark.django_db
def test_a_stale_claim_is_claimed_again_and_a_fresh_one_is_not(settings):
    settings.NOTIFICATION_CLAIM_STALE_SECONDS = 60
    now = timezone.now()
    fresh = queued(status=NotificationStatus.SENDING, claimed_at=now - timedelta(seconds=30), attempts=1)
    stale = queued(
        dedupe_key="stale",
        status=NotificationStatus.SENDING,
        claimed_at=now - timedelta(seconds=90),
        attempts=1,
    )

    assert notification_claim(fresh.pk, now=now) is None
    reclaimed = notification_claim(stale.pk, now=now)
    assert reclaimed is not None and reclaimed.attempts == 2 and reclaimed.claimed_at == now
    assert notification_claim(stale.pk, now=now) is None  # the new claim is fresh


@pytest.mark.django_db
def test_a_send_that_finds_a_fresh_claim_comes_back_when_it_would_be_stale(settings):
    settings.NOTIFICATION_CLAIM_STALE_SECONDS = 60
    held = queued(status=NotificationStatus.SENDING, claimed_at=timezone.now() - timedelta(seconds=20), attempts=1)
    done = queued(dedupe_key="done", status=NotificationStatus.SENT, attempts=1)

    with pytest.raises(DeliveryDeferred) as deferred:
        notification_send(held.pk)

    assert 38 <= deferred.value.countdown <= 42
    assert status_of(held.pk) == (NotificationStatus.SENDING, 1)  # the holder's claim is left alone
    assert notification_send(done.pk) is False
    assert mail.outbox == []


@pytest.mark.django_db
def test_a_notice_that_had_all_its_attempts_is_not_claimed(settings):
    settings.NOTIFICATION_MAX_ATTEMPTS = 3
    notification = queued(attempts=3)
    assert notification_claim(notification.pk) is None


@pytest.mark.django_db
def test_requeue_releases_stale_claims_and_fails_those_on_their_last_attempt(settings, monkeypatch):
    settings.NOTIFICATION_CLAIM_STALE_SECONDS = 60
    settings.NOTIFICATION_MAX_ATTEMPTS = 3
    handed = []
    monkeypatch.setattr("governance.outbox.notifications.notification_hand_over", lambda pk, **kw: handed.append(pk))
    now = timezone.now()
    old = now - timedelta(minutes=5)
    stale = queued(dedupe_key="a", status=NotificationStatus.SENDING, claimed_at=old, attempts=1)
    last = queued(dedupe_key="b", status=NotificationStatus.SENDING, claimed_at=old, attempts=3)
    sending = queued(dedupe_key="c", status=NotificationStatus.SENDING, claimed_at=now, attempts=1)
    waiting_retry = queued(dedupe_key="d", retry_at=now + timedelta(minutes=5))
    Notification.objects.update(created_at=old)

    assert notifications_requeue(now=now) == 1

    assert handed == [stale.pk]
    for row in (stale, last, sending, waiting_retry):
        row.refresh_from_db()
    assert stale.status == NotificationStatus.PENDING
    assert last.status == NotificationStatus.FAILED and "lost" in last.last_error
    assert sending.status == NotificationStatus.SENDING
    assert waiting_retry.status == NotificationStatus.PENDING
    # A retry whose task was lost is handed over a minute after it was due.
    handed.clear()
    notifications_requeue(now=now + timedelta(minutes=7))
    assert waiting_retry.pk in handed


# --- Sending in this process -----------------------------------------------------------------------


def failing_send(monkeypatch, *errors):
    """Make the next sends raise `errors` in turn, then succeed (into the test outbox)."""
    from django.core.mail import EmailMultiAlternatives

    real = EmailMultiAlternatives.send
    queue = list(errors)

    def send(self, *args, **kwargs):
        if queue:
            raise queue.pop(0)
        return real(self, *args, **kwargs)

    monkeypatch.setattr(EmailMultiAlternatives, "send", send)


@pytest.mark.django_db
def test_a_temporary_error_puts_the_notice_back_with_a_retry_time(monkeypatch, settings):
    settings.NOTIFICATION_RETRY_SECONDS = 30
    failing_send(monkeypatch, smtplib.SMTPRecipientsRefused({READER: (451, b"4.7.1 greylisted, try again")}))
    notification = queued()

    with pytest.raises(DeliveryDeferred) as deferred:
        notification_send(notification.pk)

    assert 15 <= deferred.value.countdown <= 30
    notification.refresh_from_db()
    assert notification.status == NotificationStatus.PENDING
    assert notification.attempts == 1
    assert notification.last_error == "451 4.7.1 greylisted, try again"
    assert notification.retry_at > timezone.now()
    assert mail.outbox == []

    assert notification_send(notification.pk)
    notification.refresh_from_db()
    assert (notification.status, notification.attempts, notification.last_error) == ("sent", 2, "")
    assert len(mail.outbox) == 1


@pytest.mark.django_db
def test_a_permanent_refusal_fails_the_notice_and_the_address_bounces(monkeypatch):
    failing_send(monkeypatch, smtplib.SMTPRecipientsRefused({READER: (550, f"5.1.1 <{READER}> unknown".encode())}))
    notification = queued()

    assert notification_send(notification.pk) is False

    notification.refresh_from_db()
    assert notification.status == NotificationStatus.FAILED
    assert notification.last_error == "550 5.1.1 <<…>> unknown"  # the address stays out of the reason
    bouncing = BouncingAddress.objects.get()
    assert bouncing.email == READER and bouncing.notification_id == notification.pk
    # Nothing more goes to it: a new notice is failed at once, and the old one is not sent either.
    later = notification_queue(kind="feedback_receipt", recipient="Leser@example.no", language="nb", context=CONTEXT)
    assert (later.status, later.last_error) == (NotificationStatus.FAILED, BOUNCING)
    assert notification_send(notification.pk) is False
    assert mail.outbox == []


@pytest.mark.django_db
def test_our_own_log_in_refused_fails_the_notice_without_blaming_the_address(monkeypatch):
    failing_send(monkeypatch, smtplib.SMTPAuthenticationError(535, b"5.7.8 authentication failed"))
    notification = queued()

    assert notification_send(notification.pk) is False

    notification.refresh_from_db()
    assert notification.status == NotificationStatus.FAILED
    assert notification.last_error.startswith("535")
    assert not BouncingAddress.objects.exists()


@pytest.mark.django_db
def test_after_the_last_attempt_a_temporary_error_fails_the_notice(monkeypatch, settings):
    settings.NOTIFICATION_MAX_ATTEMPTS = 2
    failing_send(monkeypatch, TimeoutError("timed out"), TimeoutError("timed out"))
    notification = queued()

    with pytest.raises(DeliveryDeferred):
        notification_send(notification.pk)
    assert notification_send(notification.pk) is False

    notification.refresh_from_db()
    assert notification.status == NotificationStatus.FAILED
    assert notification.attempts == 2
    assert notification.last_error == "gave up after 2 attempts: TimeoutError: timed out"
    assert not BouncingAddress.objects.exists()
    assert notification_send(notification.pk) is False  # not claimed again
    assert mail.outbox == []


@pytest.mark.django_db
def test_a_notice_whose_address_retention_deleted_is_not_sent():
    notification = queued(recipient="")
    assert notification_send(notification.pk) is False
    notification.refresh_from_db()
    assert notification.status == NotificationStatus.FAILED
    assert mail.outbox == []


# --- The real worker, broker and mail server --------------------------------------------------------


class ScriptedSmtp:
    """A real SMTP server (aiosmtpd) whose replies the test scripts: `rcpt_replies` answer the first
    RCPT commands in turn (then 250); with `hold_first`, the first message's DATA is held until the
    test releases it, and is then accepted, or (`accept_held=False`) refused, as a server does whose
    client went away before it said "accepted". Keeps what it accepted."""

    def __init__(self, *, rcpt_replies=(), hold_first: bool = False, accept_held: bool = True) -> None:
        self.rcpt_replies = list(rcpt_replies)
        self.hold_first = hold_first
        self.accept_held = accept_held
        self.rcpt_calls = 0
        self.data_calls = 0
        self.received: list[support.ReceivedMail] = []
        self.holding = threading.Event()
        self.release = threading.Event()
        self._controller = support._BoundController(self, socket.create_server(("127.0.0.1", 0)))

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options) -> str:
        self.rcpt_calls += 1
        if self.rcpt_replies:
            return self.rcpt_replies.pop(0)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope) -> str:
        self.data_calls += 1
        if self.hold_first and self.data_calls == 1:
            self.holding.set()
            while not self.release.is_set():
                await asyncio.sleep(0.05)
            if not self.accept_held:
                return "451 4.4.2 the client went away before the message was accepted"
        self.received.append(support.ReceivedMail(envelope.mail_from, list(envelope.rcpt_tos), envelope.content))
        return "250 Message accepted for delivery"

    def __enter__(self) -> "ScriptedSmtp":
        self._controller.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self.release.set()
        self._controller.stop()

    def env(self) -> dict[str, str]:
        return {"EMAIL_HOST": self._controller.hostname, "EMAIL_PORT": str(self._controller.port)}


@pytest.fixture
def stack():
    with ExitStack() as processes:
        yield processes


@pytest.fixture
def queue():
    """A broker queue of this test's own (the broker database is shared with other test runs)."""
    name = support.unique_queue_name()
    with support.routed_to(current_app, name):
        yield name


def worker_env(smtp: ScriptedSmtp, **variables: str) -> dict[str, str]:
    return support.subprocess_env(
        DATABASE_URL=support.database_url(),
        CELERY_BROKER_URL=support.REAL_BROKER_URL,
        NOTIFICATION_RETRY_SECONDS="1",
        **smtp.env(),
        **variables,
    )


def ready(process: support.Process) -> bool:
    return " ready." in process.output()


@pytest.fixture
def prefixed_broker(queue):
    """Every key of this test's broker traffic under a prefix of its own. The test makes unacknowledged
    tasks visible again after two seconds; without the prefix its worker would also hand back other
    test runs' tasks that are merely slow."""
    prefix = f"{queue}:"
    yield prefix
    client = redis.Redis.from_url(support.REAL_BROKER_URL, socket_timeout=5, socket_connect_timeout=5)
    try:
        for key in client.scan_iter(match=f"{prefix}*"):
            client.delete(key)
    finally:
        client.close()


@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_in_the_middle_of_a_send_is_replaced_and_the_reader_gets_one_email(
    stack, queue, prefixed_broker, tmp_path
):
    smtp = stack.enter_context(ScriptedSmtp(hold_first=True, accept_held=False))
    env = worker_env(
        smtp,
        CELERY_BROKER_KEY_PREFIX=prefixed_broker,
        CELERY_VISIBILITY_TIMEOUT="2",
        NOTIFICATION_CLAIM_STALE_SECONDS="1",
    )
    notification = queued()
    first = stack.enter_context(support.celery_worker(env=env, queue=queue, log_dir=tmp_path))
    client = Celery("tests", broker=support.REAL_BROKER_URL, set_as_current=False)
    client.conf.broker_transport_options = {"global_keyprefix": prefixed_broker}
    stack.callback(client.close)

    client.send_task("workers.send_notification", args=[notification.pk], queue=queue)
    support.wait_until(smtp.holding.is_set, what="the worker to be in the middle of the send", alive=[first])
    os.killpg(first.popen.pid, signal.SIGKILL)
    first.popen.wait(timeout=10)
    smtp.release.set()
    assert status_of(notification.pk) == (NotificationStatus.SENDING, 1)
    assert smtp.received == []

    second = stack.enter_context(support.celery_worker(env=env, queue=queue, log_dir=tmp_path))
    support.wait_until(
        lambda: status_of(notification.pk)[0] == NotificationStatus.SENT,
        what="the redelivered task to send the notice",
        alive=[second],
    )

    assert [mail.rcpt_tos for mail in smtp.received] == [[READER]]
    assert smtp.data_calls == 2
    assert status_of(notification.pk) == (NotificationStatus.SENT, 2)


@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_a_temporary_smtp_error_is_retried_and_the_reader_gets_one_email(stack, queue, tmp_path):
    smtp = stack.enter_context(ScriptedSmtp(rcpt_replies=["451 4.7.1 greylisted, try again later"]))
    worker = stack.enter_context(support.celery_worker(env=worker_env(smtp), queue=queue, log_dir=tmp_path))
    notification = queued()
    client = stack.enter_context(support.celery_client(queue))

    client.send_task("workers.send_notification", args=[notification.pk], queue=queue)
    support.wait_until(
        lambda: status_of(notification.pk)[0] == NotificationStatus.SENT, what="the retry to send it", alive=[worker]
    )
    support.barrier(client, queue, worker=worker)

    assert [mail.rcpt_tos for mail in smtp.received] == [[READER]]
    assert smtp.rcpt_calls == 2
    notification.refresh_from_db()
    assert (notification.status, notification.attempts, notification.last_error) == ("sent", 2, "")
    assert "Retry in" in worker.output()


@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_a_permanent_smtp_error_fails_the_notice_marks_the_address_and_is_not_retried(stack, queue, tmp_path):
    smtp = stack.enter_context(ScriptedSmtp(rcpt_replies=["550 5.1.1 mailbox unavailable"]))
    worker = stack.enter_context(support.celery_worker(env=worker_env(smtp), queue=queue, log_dir=tmp_path))
    notification = queued()
    client = stack.enter_context(support.celery_client(queue))

    client.send_task("workers.send_notification", args=[notification.pk], queue=queue)
    support.wait_until(
        lambda: status_of(notification.pk)[0] == NotificationStatus.FAILED, what="the notice to fail", alive=[worker]
    )
    support.barrier(client, queue, worker=worker)

    assert smtp.received == []
    assert smtp.rcpt_calls == 1
    notification.refresh_from_db()
    assert (notification.attempts, notification.last_error) == (1, "550 5.1.1 mailbox unavailable")
    assert BouncingAddress.objects.filter(email=READER).exists()
    assert "Retry in" not in worker.output()


@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_the_same_notice_handed_to_two_workers_at_once_is_mailed_once(stack, queue, tmp_path):
    smtp = stack.enter_context(ScriptedSmtp(hold_first=True))  # the first send waits for the other task
    env = worker_env(smtp, NOTIFICATION_CLAIM_STALE_SECONDS="5")
    workers = [stack.enter_context(support.celery_worker(env=env, queue=queue, log_dir=tmp_path)) for _ in range(2)]
    support.wait_until(lambda: all(ready(w) for w in workers), what="both workers to be ready", alive=workers)
    notification = queued()
    client = stack.enter_context(support.celery_client(queue))

    results = [
        client.send_task("workers.send_notification", args=[notification.pk], queue=queue, ignore_result=False)
        for _ in range(2)
    ]
    stack.callback(lambda: [result.forget() for result in results])
    support.wait_until(smtp.holding.is_set, what="one worker to be sending", alive=workers)
    # The other finds the notice claimed, and comes back when the claim would be stale.
    support.wait_until(
        lambda: any("Retry in" in w.output() for w in workers), what="the other task to wait", alive=workers
    )
    assert status_of(notification.pk) == (NotificationStatus.SENDING, 1)
    smtp.release.set()
    support.wait_until(lambda: all(r.ready() for r in results), what="both tasks to finish", alive=workers)

    assert sorted(r.get(timeout=5) for r in results) == [False, True]
    assert [mail.rcpt_tos for mail in smtp.received] == [[READER]]
    assert smtp.data_calls == 1
    assert status_of(notification.pk) == (NotificationStatus.SENT, 1)


@contextmanager
def prefork_worker(*, env: dict[str, str], queue: str, log_dir) -> Iterator[support.Process]:
    """A real worker with the prefork pool (as `celery -A config worker` runs in production): one
    child process runs the tasks, and the parent notices when it dies."""
    args = [
        sys.executable, "-m", "celery", "-A", "config", "worker", "--pool", "prefork", "--concurrency", "1",
        "-Q", queue, "--hostname", f"{queue}-prefork@%h", "--without-mingle", "--without-gossip",
        "--without-heartbeat", "--loglevel", "INFO",
    ]  # fmt: skip
    env = {**env, "CELERY_RESULT_BACKEND": env["CELERY_BROKER_URL"], "CELERY_TASK_DEFAULT_QUEUE": queue}
    process = support.Process("celery-prefork", args, env=env, log_dir=log_dir)
    try:
        yield process
    finally:
        process.stop()
        support.forget_queue(queue)


def pool_children(process: support.Process) -> list[int]:
    path = f"/proc/{process.popen.pid}/task/{process.popen.pid}/children"
    with open(path) as children:
        return [int(pid) for pid in children.read().split()]


@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_a_pool_process_killed_in_the_middle_of_a_send_hands_the_task_back_and_the_reader_gets_one_email(
    stack, queue, tmp_path
):
    smtp = stack.enter_context(ScriptedSmtp(hold_first=True, accept_held=False))
    # The visibility timeout stays at an hour: the task can only come back through task_reject_on_worker_lost.
    # The claim goes stale after 8 s, and the send's hard time limit is 90 % of that: long enough for a
    # first send on a busy machine to reach the mail server before the test kills it.
    env = worker_env(smtp, NOTIFICATION_CLAIM_STALE_SECONDS="8")
    worker = stack.enter_context(prefork_worker(env=env, queue=queue, log_dir=tmp_path))
    support.wait_until(lambda: ready(worker), what="the worker to be ready", alive=[worker])
    notification = queued()
    client = stack.enter_context(support.celery_client(queue))

    client.send_task("workers.send_notification", args=[notification.pk], queue=queue)
    support.wait_until(smtp.holding.is_set, what="the pool process to be in the middle of the send", alive=[worker])
    [child] = pool_children(worker)
    os.kill(child, signal.SIGKILL)
    smtp.release.set()

    support.wait_until(
        lambda: status_of(notification.pk)[0] == NotificationStatus.SENT,
        what="the handed-back task to send the notice",
        alive=[worker],
    )
    assert [mail.rcpt_tos for mail in smtp.received] == [[READER]]
    assert smtp.data_calls == 2
    assert status_of(notification.pk) == (NotificationStatus.SENT, 2)
    assert "WorkerLostError" in worker.output()
