"""The digest end to end, for real: beat's task sent through the real Redis broker to a real Celery
worker, which sweeps the test database with the database's clock, queues the digests, hands them
over to itself and mails them through a real SMTP server (aiosmtpd)."""

from datetime import timedelta

import pytest
from celery import current_app
from django.contrib.auth import get_user_model
from django.utils import timezone

from governance.models import Notification, NotificationStatus
from pathways.models import Profile
from tests import support

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.django_db(transaction=True)]

SITE = "https://forlop.example.no"


@pytest.fixture
def queue():
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
        DATABASE_URL=support.database_url(),
        CELERY_BROKER_URL=support.REAL_BROKER_URL,
        SITE_URL=SITE,
        # Due at any hour of the day the test happens to run; the hour itself is test_time.py's.
        REMINDER_HOUR="0",
        DIGEST_AFTER_DAYS="2",
        **smtp.env(),
    )
    with support.celery_worker(env=env, queue=queue, log_dir=tmp_path) as process:
        yield process


@pytest.fixture
def tasks(queue):
    with support.celery_client(queue) as app:
        yield app


def waiting(partnership, *, days: float, count: int = 1) -> None:
    for _ in range(count):
        support.make_proposal(
            partnership=partnership, description="Feil (digesttest).", created_at=timezone.now() - timedelta(days=days)
        )


def test_the_sweep_task_through_the_broker_mails_each_local_editor_their_digest(
    worker, smtp, tasks, queue, local_a, local_b, partnership_a, partnership_b
):
    users = get_user_model().objects
    users.filter(pk=local_a.pk).update(email="lokal-a@example.no")
    users.filter(pk=local_b.pk).update(email="lokal-b@example.no")
    Profile.objects.filter(user=local_b).update(digests_enabled=False)
    waiting(partnership_a, days=3, count=3)
    waiting(partnership_a, days=1)  # not yet
    waiting(partnership_b, days=5, count=2)  # B's editor has switched digests off

    tasks.send_task("workers.reminders_sweep", queue=queue)
    support.wait_until(lambda: smtp.received, what="the digest e-mail", alive=[worker])
    tasks.send_task("workers.reminders_sweep", queue=queue)  # a second tick queues nothing more
    support.barrier(tasks, queue, worker=worker)
    support.wait_until(
        lambda: Notification.objects.filter(kind="digest", status=NotificationStatus.SENT).exists(),
        what="the digest to be marked sent",
        alive=[worker],
    )
    support.barrier(tasks, queue, worker=worker)

    [mail] = smtp.received
    assert mail.rcpt_tos == ["lokal-a@example.no"]
    message = mail.message
    assert "Helsefellesskap Vest" in message["Subject"] and "3" in message["Subject"]
    [digest] = Notification.objects.filter(kind="digest")
    unsubscribe_url = digest.context["unsubscribe_url"]
    assert unsubscribe_url.startswith(f"{SITE}/nb/redaksjon/varsler/avmeld/")
    for text in mail.text_parts():
        assert f"{SITE}/nb/redaksjon/forslag/" in text
        assert unsubscribe_url in text
        assert "Helsefellesskap Nord" not in text
        assert "digesttest" not in text  # the submitters' words stay out of e-mail
    assert message["List-Unsubscribe"] == f"<{unsubscribe_url}>"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
