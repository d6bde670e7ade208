"""The outbox relay (OUTBOX_RELAY=true, PostgreSQL): the database announces each new pending outbox row
when its transaction commits, one relay hands it to the broker, and the web process does not."""

import sys
import threading
import time
import uuid

import psycopg
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction

from feedback.context import FeedbackContext
from feedback.services import feedback_submit
from governance.models import BouncingAddress, Notification, NotificationStatus, WebhookDelivery, WebhookSubscription
from governance.outbox import relay as relay_module
from governance.outbox.notifications import notification_queue
from governance.outbox.relay import CHANNEL, relay
from tests import support

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

READER = "leser@example.no"


def _queue(key: str, recipient: str = READER) -> Notification:
    return notification_queue(kind="feedback_receipt", recipient=recipient, language="nb", context={}, dedupe_key=key)


def _listener() -> psycopg.Connection:
    params = connection.get_connection_params()
    listener = psycopg.connect(**params, autocommit=True)
    listener.execute(f"LISTEN {CHANNEL}")
    return listener


def _announced(listener: psycopg.Connection, timeout: float = 1.0) -> list[str]:
    return [notify.payload for notify in listener.notifies(timeout=timeout)]


def test_a_new_pending_row_is_announced_when_its_transaction_commits():
    listener = _listener()
    try:
        with transaction.atomic():
            notification = _queue("relay:commit")
            assert _announced(listener, timeout=0.3) == []  # not before the commit
        assert _announced(listener) == [f"governance_notification:{notification.pk}"]
    finally:
        listener.close()


def test_a_new_webhook_delivery_is_announced_too():
    subscription = WebhookSubscription.objects.create(url="https://mottak.example.org/forlop", secret="s" * 32)
    listener = _listener()
    try:
        delivery = WebhookDelivery.objects.create(
            subscription=subscription, event_id=uuid.uuid4(), event_type="version.published", body="{}"
        )
        assert _announced(listener) == [f"governance_webhookdelivery:{delivery.pk}"]
    finally:
        listener.close()


def test_a_rolled_back_row_and_a_row_written_failed_are_not_announced():
    BouncingAddress.objects.create(email="borte@example.no")
    listener = _listener()
    try:
        with pytest.raises(RuntimeError), transaction.atomic():
            _queue("relay:rolled-back")
            raise RuntimeError
        failed = _queue("relay:bouncing", recipient="borte@example.no")
        assert failed.status == NotificationStatus.FAILED
        assert _announced(listener) == []
    finally:
        listener.close()


@pytest.fixture
def relayed(settings):
    settings.OUTBOX_RELAY = True


def test_with_the_relay_the_web_process_hands_nothing_over(relayed, pathway, monkeypatch):
    handed = []
    monkeypatch.setattr("governance.outbox.notifications.notification_hand_over", handed.append)
    feedback_submit(
        cleaned={"kind": "error", "description": "Feil nummer til BUP.", "email": READER},
        context=FeedbackContext(pathway=pathway),
        language="nb",
        source="198.51.100.7",
    )
    _queue("relay:direct")
    assert handed == []  # autocommit: a hand-over after commit would have run at once
    assert Notification.objects.filter(status=NotificationStatus.PENDING).count() == 2


def _start(stop: threading.Event) -> threading.Thread:
    thread = threading.Thread(target=relay, args=(stop,), kwargs={"wait": 0.2}, daemon=True)
    thread.start()
    return thread


def test_one_relay_hands_each_row_over_once_and_a_standby_takes_over(relayed, monkeypatch):
    handed: list[int] = []
    monkeypatch.setattr(relay_module, "notification_hand_over", handed.append)
    first, second = threading.Event(), threading.Event()
    threads = [_start(first)]
    time.sleep(0.5)  # the first has the lock and listens
    threads.append(_start(second))
    try:
        rows = [_queue(f"relay:once:{n}") for n in range(3)]
        support.wait_until(lambda: len(handed) >= 3, what="the three rows handed over")
        time.sleep(0.5)  # a second relay handing over too would show now
        assert sorted(handed) == [row.pk for row in rows]

        first.set()  # the active relay stops; its connection, and so its lock, goes
        threads[0].join(5)
        time.sleep(0.8)  # the standby tries the lock every 0.2 s
        later = _queue("relay:after-take-over")
        support.wait_until(lambda: later.pk in handed, what="the standby to hand the row over")
        assert handed.count(later.pk) == 1
    finally:
        first.set()
        second.set()
        for thread in threads:
            thread.join(5)


def test_a_relay_whose_connection_is_cut_listens_again(relayed, monkeypatch):
    handed: list[int] = []
    monkeypatch.setattr(relay_module, "notification_hand_over", handed.append)
    stop = threading.Event()
    thread = _start(stop)
    try:
        first = _queue("relay:before-cut")
        support.wait_until(lambda: first.pk in handed, what="the first row handed over")
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query = %s AND pid <> pg_backend_pid()",
                [f"LISTEN {CHANNEL}"],
            )
            assert cursor.fetchone() == (True,)
        time.sleep(1.0)  # it notices, waits 0.2 s and listens again
        later = _queue("relay:after-cut")
        support.wait_until(lambda: later.pk in handed, what="the row written after the reconnect")
    finally:
        stop.set()
        thread.join(5)


def test_the_command_refuses_to_run_without_the_setting(settings):
    settings.OUTBOX_RELAY = False
    with pytest.raises(CommandError, match="OUTBOX_RELAY=true"):
        call_command("outbox_relay")


@pytest.mark.redis
def test_a_readers_receipt_reaches_the_reader_through_the_relay_and_a_worker(relayed, pathway, tmp_path):
    """The real processes: the relay and a worker on the real broker and SMTP server. The web side (this
    process) only writes the rows; the e-mail arrives all the same."""
    queue = support.unique_queue_name()
    with support.SmtpServer() as smtp:
        env = support.subprocess_env(
            DATABASE_URL=support.database_url(),
            CELERY_BROKER_URL=support.REAL_BROKER_URL,
            OUTBOX_RELAY="true",
            CELERY_TASK_DEFAULT_QUEUE=queue,
            **smtp.env(),
        )
        relay_process = support.Process(
            "outbox-relay", [sys.executable, "manage.py", "outbox_relay"], env=env, log_dir=tmp_path
        )
        try:
            with support.celery_worker(env=env, queue=queue, log_dir=tmp_path) as worker:
                support.wait_until(
                    lambda: "outbox relay: started" in relay_process.output(),
                    what="the relay to start",
                    alive=[relay_process],
                )
                time.sleep(1.5)  # it takes the lock and LISTENs just after saying so
                submission, created = feedback_submit(
                    cleaned={"kind": "error", "description": "Feil nummer til BUP.", "email": READER},
                    context=FeedbackContext(pathway=pathway),
                    language="nb",
                    source="198.51.100.7",
                )
                assert created
                support.wait_until(lambda: smtp.received, what="the receipt e-mail", alive=[worker, relay_process])
                [mail] = smtp.received
                assert mail.rcpt_tos == [READER]
                assert any(f"/nb/tilbakemelding/{submission.token}/" in text for text in mail.text_parts())
        finally:
            relay_process.stop()
