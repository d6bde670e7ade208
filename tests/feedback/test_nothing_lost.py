"""Nothing a reader sends is lost when a service is down.

The web app runs under a real gunicorn and the e-mail goes through a real Celery worker to a real
SMTP server. With the broker down (a closed port) or hung (a port that accepts and never answers),
the reader still gets the receipt page at once, and the proposal, the submission and the queued
e-mail are stored; when the broker is back, the requeue hands the e-mail over and it is sent once.
With the database down the reader gets a Norwegian "try again" page, not a stack trace.
"""

import re
import sys
import time
from contextlib import ExitStack
from datetime import timedelta
from urllib.parse import urlencode

import pytest
from celery import current_app
from django.db import OperationalError
from django.test import RequestFactory
from django.utils import timezone

from feedback.models import Submission
from governance.models import ChangeProposal, Notification, NotificationStatus
from governance.outbox.notifications import notification_hand_over, notifications_requeue
from pathways.views import server_error
from tests import support

READER_EMAIL = "leser@example.no"


@pytest.fixture
def processes():
    """Servers and processes a test starts; all stopped at the end, also when the test fails."""
    with ExitStack() as stack:
        yield stack


@pytest.fixture
def queue():
    """A broker queue of this test's own: the test process sends to it, and only the worker this
    test starts reads it (the broker database is shared with other test runs)."""
    name = support.unique_queue_name()
    with support.routed_to(current_app, name):
        yield name


def _form_fields(html: str) -> dict[str, str]:
    fields = {}
    for name in ("csrfmiddlewaretoken", "started", "forlop", "seksjon", "versjon"):
        match = re.search(rf'name="{name}" value="([^"]*)"', html) or re.search(rf'value="([^"]*)" name="{name}"', html)
        assert match, f"the form has no {name} field"
        fields[name] = match.group(1)
    return fields


@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("broker", ["closed port", "black hole"])
def test_feedback_sent_while_the_broker_is_down_is_stored_and_mailed_once_when_it_is_back(
    broker, pathway, processes, queue, tmp_path
):
    if broker == "closed port":
        broker_url = "redis://127.0.0.1:1/15"
    else:
        black_hole = processes.enter_context(support.BlackHole())
        broker_url = f"redis://127.0.0.1:{black_hole.port}/15"
    web = processes.enter_context(
        support.gunicorn(
            env=support.subprocess_env(
                DATABASE_URL=support.database_url(),
                CELERY_BROKER_URL=broker_url,
                VAR_DIR=str(tmp_path),
            ),
            log_dir=tmp_path,
        )
    )

    query = urlencode({"forlop": "angst", "seksjon": "fastlege-kartlegging", "versjon": "2026"})
    form = web.request("GET", f"/nb/tilbakemelding/?{query}")
    assert form.status == 200
    csrf_cookie = form.cookies()["csrftoken"]
    description = "Aldersgrensen i tabellen er feil (kvitteringstest 7c1f)."
    body = urlencode(
        {
            **_form_fields(form.text),
            "kind": "error",
            "description": description,
            "email": READER_EMAIL,
            "website": "",
        }
    )
    started = time.monotonic()
    sent = web.request(
        "POST",
        "/nb/tilbakemelding/",
        body=body,
        headers={"Content-Type": "application/x-www-form-urlencoded", "Cookie": f"csrftoken={csrf_cookie}"},
    )
    elapsed = time.monotonic() - started

    assert sent.status == 302, sent.text[-2000:]
    assert elapsed < 3, f"the reader waited {elapsed:.1f} s for a broker that is down"
    submission = Submission.objects.select_related("proposal").get()
    assert sent.headers["Location"] == f"/nb/tilbakemelding/{submission.token}/?sendt=1"
    assert submission.email == READER_EMAIL
    assert ChangeProposal.objects.get() == submission.proposal
    assert submission.proposal.description == description
    notification = Notification.objects.get()
    assert notification.status == NotificationStatus.PENDING
    assert notification.recipient == READER_EMAIL
    # The hand-over was tried and failed (and said so), rather than never tried.
    assert "not handed to the broker" in web.process.output()
    if broker == "black hole":
        assert black_hole.accepted > 0

    # The broker is back: a worker, an SMTP server, and the requeue beat runs once the notice has
    # waited its minute.
    smtp = processes.enter_context(support.SmtpServer())
    worker = processes.enter_context(
        support.celery_worker(
            env=support.subprocess_env(
                DATABASE_URL=support.database_url(), CELERY_BROKER_URL=support.REAL_BROKER_URL, **smtp.env()
            ),
            queue=queue,
            log_dir=tmp_path,
        )
    )
    assert notifications_requeue(now=timezone.now() + timedelta(minutes=2)) == 1

    support.wait_until(lambda: smtp.received, what="the receipt e-mail", alive=[worker])
    support.wait_until(
        lambda: Notification.objects.filter(pk=notification.pk, status=NotificationStatus.SENT).exists(),
        what="the notification to be marked sent",
        alive=[worker],
    )
    [mail] = smtp.received
    assert mail.rcpt_tos == [READER_EMAIL]
    assert mail.message["To"] == READER_EMAIL
    assert mail.message["Subject"] == "Vi har mottatt tilbakemeldingen din"
    for text in mail.text_parts():
        assert f"/nb/tilbakemelding/{submission.token}/" in text
        assert "kvitteringstest" not in text
    assert b"kvitteringstest" not in mail.raw

    # Beat runs again, and the same task reaches the worker once more (a redelivery): still one e-mail.
    assert notifications_requeue(now=timezone.now() + timedelta(minutes=2)) == 0
    assert notification_hand_over(notification.pk)
    with support.celery_client(queue) as client:
        support.barrier(client, queue, worker=worker)
    assert len(smtp.received) == 1
    notification.refresh_from_db()
    assert notification.status == NotificationStatus.SENT
    assert notification.attempts == 1


def test_a_reader_gets_a_norwegian_503_page_when_the_database_is_down(processes, tmp_path):
    web = processes.enter_context(
        support.gunicorn(
            env=support.subprocess_env(
                DATABASE_URL="postgres://postgres@127.0.0.1:1/x", REDIS_URL=None, VAR_DIR=str(tmp_path)
            ),
            log_dir=tmp_path,
        )
    )

    response = web.request("GET", "/nb/tilbakemelding/")

    assert response.status == 503
    assert response.headers["Retry-After"]
    assert "Tjenesten er midlertidig utilgjengelig" in response.text
    assert 'lang="nn"' in response.text
    assert "Traceback" not in response.text
    assert "OperationalError" not in response.text
    assert "127.0.0.1:1" not in response.text


def test_the_error_page_is_503_only_for_a_database_that_cannot_be_reached():
    request = RequestFactory().get("/nb/tilbakemelding/")
    try:
        raise OperationalError("connection refused")
    except OperationalError:
        assert sys.exc_info()[0] is OperationalError
        database_down = server_error(request)
    try:
        raise ValueError("a bug")
    except ValueError:
        bug = server_error(request)

    assert database_down.status_code == 503
    assert "Prøv igjen om noen minutter" in database_down.content.decode()
    assert bug.status_code == 500
    assert "Noe gikk galt" in bug.content.decode()
