"""Webhooks, for real: a Celery worker process on the real Redis broker, reading the test database,
POSTing to a real HTTP server in this test (threading http.server) that does what a receiving site
should: verify the signature, refuse a timestamp outside the replay window, and act on each event
id once. The receiver answers 500 to the first delivery; the worker tries again after the backoff
and the second attempt lands. The receiver acts exactly once, and the ledger shows both attempts."""

import hashlib
import hmac
import http.client
import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

import pytest
from celery import current_app

from governance.models import NotificationStatus, WebhookAttempt, WebhookDelivery
from governance.outbox.webhooks import webhook_subscribe
from tests import support
from tests.reuse.conftest import correct

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.django_db(transaction=True)]

SECRET = "test-secret-for-the-receiver-0123456789"
REPLAY_WINDOW = 5 * 60


def verify(secret: str, headers, body: bytes, *, now: float) -> str | None:
    """What a receiver checks (the README's example): the reason to refuse, or None."""
    timestamp = headers.get("X-Forlop-Timestamp", "")
    sent = headers.get("X-Forlop-Signature", "")
    if not timestamp.isdigit():
        return "no timestamp"
    if abs(now - int(timestamp)) > REPLAY_WINDOW:
        return "outside the replay window"
    expected = "sha256=" + hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, sent):
        return "bad signature"
    return None


@dataclass
class Receiver:
    """A receiving site. `failures` is how many requests it answers 500 first; `clock` is its time."""

    url: str = ""
    failures: int = 0
    clock: float = 0.0  # seconds added to time.time()
    requests: list[tuple[dict[str, str], bytes, int]] = field(default_factory=list)
    applied: list[str] = field(default_factory=list)  # event ids acted on, once each
    lock: threading.Lock = field(default_factory=threading.Lock)

    def handle(self, headers: dict[str, str], body: bytes) -> int:
        with self.lock:
            refused = verify(SECRET, headers, body, now=time.time() + self.clock)
            if refused:
                status = 400 if refused == "outside the replay window" else 401
            elif self.failures > 0:
                self.failures -= 1
                status = 500
            else:
                event = headers["X-Forlop-Event-Id"]
                assert json.loads(body)["id"] == event
                if event not in self.applied:
                    self.applied.append(event)
                status = 200
            self.requests.append((headers, body, status))
            return status


@contextmanager
def receiving(receiver: Receiver) -> Iterator[Receiver]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            status = receiver.handle(dict(self.headers.items()), body)
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    receiver.url = f"http://127.0.0.1:{server.server_address[1]}/forlop-hook"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()


def post_again(receiver: Receiver, headers: dict[str, str], body: bytes) -> int:
    """POST `body` with the X-Forlop headers of `headers`, as someone replaying a request would."""
    parts = urlsplit(receiver.url)
    connection = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=10)
    kept = {name: value for name, value in headers.items() if name.startswith("X-Forlop-")}
    try:
        connection.request("POST", parts.path, body=body, headers={**kept, "Content-Type": "application/json"})
        return connection.getresponse().status
    finally:
        connection.close()


@pytest.fixture
def queue():
    name = support.unique_queue_name()
    with support.routed_to(current_app, name):
        yield name


@pytest.fixture
def receiver():
    with receiving(Receiver(failures=1)) as running:
        yield running


@pytest.fixture
def worker(queue, tmp_path):
    env = support.subprocess_env(
        DATABASE_URL=support.database_url(),
        CELERY_BROKER_URL=support.REAL_BROKER_URL,
        WEBHOOK_ALLOW_PRIVATE="true",
        WEBHOOK_RETRY_SECONDS="1",
    )
    with support.celery_worker(env=env, queue=queue, log_dir=tmp_path) as process:
        yield process


def test_a_failed_delivery_is_retried_and_the_receiver_acts_once(worker, receiver, pathway, editor, client, settings):
    settings.WEBHOOK_ALLOW_PRIVATE = True  # the receiver is on 127.0.0.1
    webhook_subscribe(url=receiver.url, secret=SECRET, by=editor)

    version = correct(pathway, editor)  # the delivery is handed to the worker after commit

    support.wait_until(
        lambda: WebhookDelivery.objects.filter(status=NotificationStatus.SENT).exists(),
        what="the webhook to be delivered",
        alive=[worker],
    )
    delivery = WebhookDelivery.objects.get()
    assert delivery.attempts == 2
    assert [status for _headers, _body, status in receiver.requests] == [500, 200]
    assert receiver.applied == [str(delivery.event_id)]
    (first_headers, first_body, _), (headers, body, _) = receiver.requests
    assert first_headers["X-Forlop-Event-Id"] == headers["X-Forlop-Event-Id"] == str(delivery.event_id)
    assert first_body == body
    assert headers["X-Forlop-Event"] == "version.published"
    assert headers["Content-Type"] == "application/json; charset=utf-8"
    event = json.loads(body)
    assert (event["pathway"], event["version"], event["summary"]["nn"]) == ("angst", version.number, version.summary_nn)

    # The ledger: both attempts, the first with its status code and the retry it scheduled.
    first, second = WebhookAttempt.objects.filter(delivery=delivery).order_by("started_at")
    assert (first.status_code, first.error, second.status_code, second.error) == (500, "HTTP 500", 200, "")
    assert first.retry_at is not None and second.retry_at is None
    assert first.retry_at <= second.started_at
    html = support.as_user(client, editor).get("/nb/redaksjon/varsler/webhooker/").content.decode()
    assert html.count("<li data-attempt=") == 2
    assert "HTTP 500" in html and "HTTP 200" in html and "<td>Sendt</td>" in html

    # The same event sent again (a redelivery), freshly signed: accepted, not acted on twice.
    now = str(int(time.time()))
    again = {
        **headers,
        "X-Forlop-Timestamp": now,
        "X-Forlop-Signature": "sha256="
        + hmac.new(SECRET.encode(), f"{now}.".encode() + body, hashlib.sha256).hexdigest(),
    }
    assert post_again(receiver, again, body) == 200
    assert receiver.applied == [str(delivery.event_id)]

    # A captured request replayed after the window: refused. A changed body: refused.
    receiver.clock = REPLAY_WINDOW + 1
    assert post_again(receiver, headers, body) == 400
    receiver.clock = 0
    assert post_again(receiver, again, body.replace(b"angst", b"autisme")) == 401
    assert receiver.applied == [str(delivery.event_id)]
