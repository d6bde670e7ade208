"""The Celery worker, for real: a worker process on the real Redis broker, reading the test
database and sending through a real SMTP server (aiosmtpd)."""

from datetime import timedelta

import pytest
from celery import current_app
from django.utils import timezone

from feedback.context import FeedbackContext
from feedback.services import feedback_submit
from governance.models import Notification, NotificationStatus
from tests import support

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.django_db(transaction=True)]

READER_EMAIL = "leser@example.no"


@pytest.fixture
def queue():
    """A broker queue of this test's own (the broker database is shared with other test runs); what
    the code under test hands over in this process goes there too."""
    name = support.unique_queue_name()
    with support.routed_to(current_app, name):
        yield name


@pytest.fixture
def smtp():
    with support.SmtpServer() as server:
        yield server


@pytest.fixture
def worker(queue, smtp, tmp_path):
    env = support.subprocess_env(
        DATABASE_URL=support.database_url(), CELERY_BROKER_URL=support.REAL_BROKER_URL, **smtp.env()
    )
    with support.celery_worker(env=env, queue=queue, log_dir=tmp_path) as process:
        yield process


@pytest.fixture
def tasks(queue):
    """A Celery client that can read results, sending to this test's queue."""
    with support.celery_client(queue) as app:
        yield app


def _queued_receipt(**fields) -> Notification:
    """An outbox row as `notification_queue` writes it, without its hand-over after commit."""
    values = {
        "kind": "feedback_receipt",
        "recipient": READER_EMAIL,
        "language": "nb",
        "dedupe_key": "feedback_receipt:test",
        "context": {"status_url": "http://localhost:8000/nb/tilbakemelding/token/", "pathway_title": "Angstplager"},
    }
    return Notification.objects.create(**{**values, **fields})


def test_a_worker_answers_a_ping(worker, tasks, queue):
    result = tasks.send_task("workers.ping", queue=queue, ignore_result=False)
    try:
        support.wait_until(result.ready, what="the answer to the ping", alive=[worker])
        assert result.get(timeout=5) == "pong"
    finally:
        result.forget()


@pytest.mark.parametrize(
    ("language", "subject"),
    [("nb", "Vi har mottatt tilbakemeldingen din"), ("nn", "Vi har motteke tilbakemeldinga di")],
)
def test_the_worker_mails_the_receipt_in_the_readers_written_standard(language, subject, worker, smtp, pathway):
    description = "Tabellen over aldersgrenser mangler en rad (kvitteringstest 3e9a)."
    context = FeedbackContext(pathway=pathway, section_slug="fastlege-kartlegging", version=pathway.current_version)

    submission, created = feedback_submit(
        cleaned={"kind": "error", "description": description, "email": READER_EMAIL},
        context=context,
        language=language,
        source="198.51.100.7",
    )

    assert created
    support.wait_until(lambda: smtp.received, what="the receipt e-mail", alive=[worker])
    [mail] = smtp.received
    assert mail.rcpt_tos == [READER_EMAIL]
    assert mail.message["Subject"] == subject
    for text in mail.text_parts():
        assert f"/{language}/tilbakemelding/{submission.token}/" in text
        assert "kvitteringstest" not in text
    support.wait_until(
        lambda: Notification.objects.filter(recipient=READER_EMAIL, status=NotificationStatus.SENT).exists(),
        what="the notification to be marked sent",
        alive=[worker],
    )


def test_the_same_notification_delivered_twice_is_mailed_once(worker, smtp, tasks, queue):
    notification = _queued_receipt()

    tasks.send_task("workers.send_notification", args=[notification.pk], queue=queue)
    tasks.send_task("workers.send_notification", args=[notification.pk], queue=queue)
    support.barrier(tasks, queue, worker=worker)

    assert len(smtp.received) == 1
    notification.refresh_from_db()
    assert notification.status == NotificationStatus.SENT
    assert notification.attempts == 1


def test_the_requeue_task_hands_over_what_has_waited_and_it_is_mailed(worker, smtp, tasks, queue):
    waited = _queued_receipt(dedupe_key="feedback_receipt:waited")
    Notification.objects.filter(pk=waited.pk).update(created_at=timezone.now() - timedelta(minutes=2))
    fresh = _queued_receipt(dedupe_key="feedback_receipt:fresh", recipient="annen@example.no")

    tasks.send_task("workers.requeue_notifications", queue=queue)

    support.wait_until(lambda: smtp.received, what="the requeued e-mail", alive=[worker])
    support.barrier(tasks, queue, worker=worker)
    assert [mail.rcpt_tos for mail in smtp.received] == [[READER_EMAIL]]
    waited.refresh_from_db()
    fresh.refresh_from_db()
    assert waited.status == NotificationStatus.SENT
    assert fresh.status == NotificationStatus.PENDING  # queued less than a minute ago: not due yet
