"""`webhook_send` in this process against a real HTTP server: what each answer means for the
delivery and its ledger (delivered, retried with backoff, failed at once, given up), an inactive
subscription, a host that resolves to an internal address, and beat's requeue. The worker process
itself is tested in tests/workers/test_webhook_worker.py."""

import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.utils import timezone

from governance.models import NotificationStatus, WebhookAttempt, WebhookDelivery
from governance.outbox import webhooks
from governance.outbox.delivery import DeliveryDeferred
from governance.outbox.webhooks import webhook_send, webhook_subscribe, webhooks_requeue
from tests.reuse.conftest import correct

pytestmark = pytest.mark.django_db


class Answers(list):
    """The statuses the receiver answers, in turn (200 when it runs out); its URL; what it got."""

    url = ""
    received: list[dict[str, str]]


@pytest.fixture
def answers():
    """A receiver on 127.0.0.1."""
    statuses = Answers()
    received: list[dict[str, str]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length", "0")))
            received.append(dict(self.headers.items()))
            self.send_response(statuses.pop(0) if statuses else 200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    statuses.url = f"http://127.0.0.1:{server.server_address[1]}/hook"
    statuses.received = received
    yield statuses
    server.shutdown()
    server.server_close()


@pytest.fixture
def delivery(answers, pathway, editor, settings):
    settings.WEBHOOK_ALLOW_PRIVATE = True
    webhook_subscribe(url=answers.url, by=editor, secret="s" * 32)
    correct(pathway, editor)
    return WebhookDelivery.objects.get()


def attempts(row):
    return list(WebhookAttempt.objects.filter(delivery=row).values_list("status_code", "error"))


def test_a_2xx_is_delivered(delivery, answers):
    answers.append(204)

    assert webhook_send(delivery.pk) is True

    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.sent_at is not None) == (NotificationStatus.SENT, 1, True)
    assert attempts(delivery) == [(204, "")]
    assert webhook_send(delivery.pk) is False  # sent once: a second task does nothing
    assert len(answers.received) == 1


@pytest.mark.parametrize("status", [500, 503, 429, 408])
def test_a_temporary_answer_is_tried_again_after_the_backoff(delivery, answers, settings, status):
    settings.WEBHOOK_RETRY_SECONDS = 60
    answers.append(status)

    with pytest.raises(DeliveryDeferred) as deferred:
        webhook_send(delivery.pk)

    assert 30 <= deferred.value.countdown <= 60
    delivery.refresh_from_db()
    assert delivery.status == NotificationStatus.PENDING and delivery.last_error == f"HTTP {status}"
    [attempt] = WebhookAttempt.objects.filter(delivery=delivery)
    assert attempt.status_code == status and attempt.retry_at == delivery.retry_at


@pytest.mark.parametrize("status", [400, 404, 410, 301])
def test_another_answer_fails_at_once(delivery, answers, status):
    answers.append(status)

    assert webhook_send(delivery.pk) is False

    delivery.refresh_from_db()
    assert (delivery.status, delivery.last_error) == (NotificationStatus.FAILED, f"HTTP {status}")
    assert attempts(delivery) == [(status, f"HTTP {status}")]


def test_a_refused_connection_is_retried_and_the_last_attempt_gives_up(delivery, settings):
    settings.WEBHOOK_MAX_ATTEMPTS = 2
    delivery.subscription.url = "http://127.0.0.1:9/hook"  # discard: nothing listens
    delivery.subscription.save()

    with pytest.raises(DeliveryDeferred):
        webhook_send(delivery.pk)
    WebhookDelivery.objects.filter(pk=delivery.pk).update(retry_at=None)
    assert webhook_send(delivery.pk) is False

    delivery.refresh_from_db()
    assert delivery.status == NotificationStatus.FAILED
    assert delivery.last_error.startswith("gave up after 2 attempts: ConnectionError")
    assert [code for code, _error in attempts(delivery)] == [None, None]


def test_an_inactive_subscription_is_skipped(delivery, answers):
    delivery.subscription.active = False
    delivery.subscription.save()

    assert webhook_send(delivery.pk) is False

    delivery.refresh_from_db()
    assert delivery.status == NotificationStatus.SKIPPED and answers.received == []


def test_a_host_that_resolves_to_an_internal_address_is_not_posted_to(delivery, answers, settings, monkeypatch):
    settings.WEBHOOK_ALLOW_PRIVATE = False
    monkeypatch.setattr(webhooks.socket, "getaddrinfo", lambda *a, **k: [(2, 1, 6, "", ("10.0.0.5", 80))])
    delivery.subscription.url = "http://mottak.example.no/hook"
    delivery.subscription.save()

    assert webhook_send(delivery.pk) is False

    delivery.refresh_from_db()
    assert (delivery.status, delivery.last_error) == (
        NotificationStatus.FAILED,
        "the host resolves to an internal address",
    )
    assert answers.received == []


def test_the_requeue_hands_over_what_has_waited_and_releases_a_dead_workers_claim(delivery, monkeypatch):
    handed = []
    monkeypatch.setattr(webhooks, "webhook_hand_over", lambda pk: handed.append(pk) or True)
    long_ago = timezone.now() - timedelta(hours=2)
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        status=NotificationStatus.SENDING, claimed_at=long_ago, created_at=long_ago, attempts=1
    )

    assert webhooks_requeue() == 1

    assert handed == [delivery.pk]
    delivery.refresh_from_db()
    assert delivery.status == NotificationStatus.PENDING


def test_each_attempt_is_signed_afresh_with_the_same_event_id(delivery, answers, settings):
    settings.WEBHOOK_RETRY_SECONDS = 1
    answers.append(500)
    with pytest.raises(DeliveryDeferred):
        webhook_send(delivery.pk)
    WebhookDelivery.objects.filter(pk=delivery.pk).update(retry_at=None)
    webhook_send(delivery.pk)

    first, second = answers.received
    assert first["X-Forlop-Event-Id"] == second["X-Forlop-Event-Id"] == str(delivery.event_id)
    assert first["X-Forlop-Delivery"] == str(delivery.pk)
    assert first["X-Forlop-Signature"].startswith("sha256=") and len(first["X-Forlop-Signature"]) == 71
    assert first["User-Agent"] == "forlop-webhooks/1"
