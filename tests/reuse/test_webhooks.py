"""Webhook subscriptions and their outbox (governance/outbox/webhooks.py, governance/outbox/api.py):
one delivery per active subscription written in the publishing transaction, the event's body, the
signature, which URLs are taken, the API's answers to good and bad input and to the wrong role,
the admin's secret shown once, and the delivery ledger. The real worker and receiver are in
tests/workers/test_webhook_worker.py."""

import hashlib
import hmac
import json
import re
import uuid

import pytest
from django.db import transaction
from rest_framework.authtoken.models import Token

from governance.models import NotificationStatus, WebhookAttempt, WebhookDelivery, WebhookSubscription
from governance.outbox.webhooks import SubscriptionRefused, signature, url_refusals, webhook_subscribe
from pathways.reuse import event_id
from tests.local.conftest import publish
from tests.reuse.conftest import correct
from tests.support import as_user

pytestmark = pytest.mark.django_db

PROBLEM = "application/problem+json"
RECEIVER = "https://mottak.example.no/forlop"


def subscribe(editor, url=RECEIVER, **kwargs):
    return webhook_subscribe(url=url, by=editor, **kwargs)


def api(client, user, method, path="/api/v1/webhooks/", body=None, language="nb"):
    token = Token.objects.get_or_create(user=user)[0].key
    return getattr(client, method)(
        path,
        data=json.dumps(body) if body is not None else None,
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Token {token}",
        HTTP_ACCEPT_LANGUAGE=language,
    )


# --- The outbox, written with the version -----------------------------------------------------------


def test_a_published_version_writes_one_delivery_per_active_subscription(pathway, editor, partnership_a):
    first = subscribe(editor)
    second = subscribe(editor, url="https://annen.example.no/hook")
    subscribe(editor, url="https://av.example.no/hook", active=False)
    subscribe(editor, url="https://lokal.example.no/hook", partnership=partnership_a)

    version = correct(pathway, editor)

    rows = list(WebhookDelivery.objects.order_by("subscription__url"))
    assert [row.subscription_id for row in rows] == [second.pk, first.pk]
    assert {row.event_id for row in rows} == {event_id(version)}
    assert all(row.status == NotificationStatus.PENDING and row.attempts == 0 for row in rows)
    body = json.loads(rows[0].body)
    assert body == {
        "id": str(event_id(version)),
        "type": "version.published",
        "pathway": "angst",
        "version": "2026.1",
        "published_at": version.published_at.isoformat(),
        "summary": {"nb": "Rettet telefonnummer til BUP.", "nn": "Retta telefonnummer til BUP."},
        "urls": {
            "page": {
                "nb": "http://localhost:8000/nb/forlop/angst/versjon/2026.1/",
                "nn": "http://localhost:8000/nn/forlop/angst/versjon/2026.1/",
            },
            "changelog": {
                "nb": "http://localhost:8000/nb/forlop/angst/versjon/2026.1/endringer/",
                "nn": "http://localhost:8000/nn/forlop/angst/versjon/2026.1/endringer/",
            },
            "diff": {
                "nb": "http://localhost:8000/nb/forlop/angst/endringer/?fra=2026&til=2026.1",
                "nn": "http://localhost:8000/nn/forlop/angst/endringer/?fra=2026&til=2026.1",
            },
            "feed": {
                "nb": "http://localhost:8000/nb/forlop/angst/feed/",
                "nn": "http://localhost:8000/nn/forlop/angst/feed/",
            },
            "api": "http://localhost:8000/api/v1/pathways/angst/versions/2026.1/",
        },
    }


def test_a_local_version_goes_to_its_partnerships_subscriptions_and_the_unfiltered_ones(
    adaptation, local_a, editor, partnership_a, partnership_b
):
    everything = subscribe(editor)
    vest = subscribe(editor, url="https://vest.example.no/hook", partnership=partnership_a)
    subscribe(editor, url="https://nord.example.no/hook", partnership=partnership_b)

    local_version = publish(adaptation, local_a)

    rows = WebhookDelivery.objects.all()
    assert {row.subscription_id for row in rows} == {everything.pk, vest.pk}
    body = json.loads(rows[0].body)
    assert body["type"] == "local_version.published"
    assert (body["pathway"], body["partnership"], body["version"], body["common_version"]) == (
        "angst",
        "vest",
        local_version.number,
        "2026",
    )
    assert body["summary"] == {"nb": "Lokale endringer.", "nn": "Lokale endringar."}
    assert body["urls"]["page"]["nb"] == f"http://localhost:8000/nb/vest/forlop/angst/versjon/{local_version.number}/"
    assert (
        body["urls"]["diff"]["nb"]
        == f"http://localhost:8000/nb/vest/forlop/angst/endringer/?til={local_version.number}"
    )
    assert body["urls"]["feed"]["nn"] == "http://localhost:8000/nn/vest/forlop/feed/"


@pytest.mark.django_db(transaction=True)
def test_nothing_is_written_or_handed_over_for_a_publish_that_is_rolled_back(pathway, editor, monkeypatch):
    handed = []
    monkeypatch.setattr("governance.outbox.webhooks.webhook_hand_over", lambda pk: handed.append(pk))
    subscribe(editor)

    with pytest.raises(RuntimeError), transaction.atomic():
        correct(pathway, editor)
        assert WebhookDelivery.objects.count() == 1  # written inside the publish's transaction
        raise RuntimeError("the publish fails after the version was written")

    assert WebhookDelivery.objects.count() == 0
    assert handed == []
    correct(pathway, editor)
    assert handed == list(WebhookDelivery.objects.values_list("pk", flat=True))


def test_the_signature_is_hmac_sha256_of_timestamp_dot_body():
    body = b'{"type":"version.published"}'
    expected = hmac.new(b"s" * 20, b"1767225600." + body, hashlib.sha256).hexdigest()

    assert signature("s" * 20, 1767225600, body) == f"sha256={expected}"


# --- Which URLs are taken ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "ftp://mottak.example.no/",
        "javascript:alert(1)",
        "file:///etc/passwd",
        "mottak.example.no/hook",
        "http://",
        "http://localhost:8000/hook",
        "http://127.0.0.1/hook",
        "http://10.1.2.3/hook",
        "http://192.168.0.10/hook",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]/hook",
        "http://[::ffff:127.0.0.1]/hook",
        "http://0.0.0.0/",
        "http://intranett/hook",
        "http://db.internal/hook",
        "http://bruker:passord@mottak.example.no/",
        "http://mottak.example.no:99999/",
        "https://mottak.example.no/" + "a" * 500,
    ],
)
def test_urls_that_are_not_public_http_are_refused(url):
    assert url_refusals(url)


def test_a_public_https_url_is_taken_and_private_ones_only_when_allowed(settings):
    assert url_refusals("https://mottak.example.no/forlop?token=1") == []
    assert url_refusals("http://93.184.215.14/hook") == []
    assert url_refusals("http://127.0.0.1:8080/hook")
    settings.WEBHOOK_ALLOW_PRIVATE = True
    assert url_refusals("http://127.0.0.1:8080/hook") == []
    assert url_refusals("ftp://127.0.0.1/")  # still only http(s)


def test_the_same_url_twice_and_a_short_secret_are_refused(editor):
    subscribe(editor)

    with pytest.raises(SubscriptionRefused) as refused:
        subscribe(editor, secret="kort")

    assert set(refused.value.fields) == {"url", "secret"}
    assert refused.value.fields["url"] == ["En webhook med denne URL-en er allerede registrert."]


def test_an_empty_secret_is_made(editor):
    made = subscribe(editor, secret="  ")

    assert len(made.secret) >= 40
    assert made.secret != subscribe(editor, url="https://to.example.no/").secret


# --- The API ----------------------------------------------------------------------------------------


def test_the_editor_registers_lists_and_removes_a_webhook(client, editor, partnership_a):
    created = api(client, editor, "post", body={"url": RECEIVER, "partnership": "vest", "description": "Kommune X"})

    assert created.status_code == 201
    body = created.json()
    subscription = WebhookSubscription.objects.get()
    assert body["secret"] == subscription.secret and len(body["secret"]) >= 40  # shown this once
    assert (body["url"], body["partnership"], body["active"], body["description"]) == (
        RECEIVER,
        "vest",
        True,
        "Kommune X",
    )
    assert subscription.created_by == editor

    listed = api(client, editor, "get").json()
    assert [row["url"] for row in listed] == [RECEIVER]
    assert "secret" not in listed[0]

    assert api(client, editor, "delete", f"/api/v1/webhooks/{subscription.pk}/").status_code == 204
    assert not WebhookSubscription.objects.exists()
    again = api(client, editor, "delete", f"/api/v1/webhooks/{subscription.pk}/")
    assert again.status_code == 404 and again["Content-Type"] == PROBLEM


def test_a_secret_given_is_kept(client, editor):
    secret = "abcdefghijklmnop-0123456789"

    assert api(client, editor, "post", body={"url": RECEIVER, "secret": secret}).json()["secret"] == secret


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({}, 400, "url"),
        ({"url": ""}, 400, "url"),
        ({"url": "ftp://mottak.example.no/"}, 400, "url"),
        ({"url": "https://mottak.example.no/" + "a" * 480}, 400, "url"),
        ({"url": RECEIVER, "secret": "for-kort"}, 400, "secret"),
        ({"url": RECEIVER, "secret": "x" * 129}, 400, "secret"),
        ({"url": RECEIVER, "active": "kanskje"}, 400, "active"),
        ({"url": "http://127.0.0.1/hook"}, 409, None),
        ({"url": "http://169.254.169.254/"}, 409, None),
        ({"url": RECEIVER, "partnership": "finnes-ikke"}, 409, None),
    ],
)
def test_bad_input_is_refused_with_a_norwegian_problem(client, editor, body, status, field):
    response = api(client, editor, "post", body=body)

    assert response.status_code == status
    assert response["Content-Type"] == PROBLEM
    problem = response.json()
    if field:
        assert list(problem["errors"]) == [field]
    else:
        assert problem["title"] == "Ikke mulig i nåværende tilstand"
    assert not WebhookSubscription.objects.exists()


def test_the_same_url_twice_is_a_conflict(client, editor):
    api(client, editor, "post", body={"url": RECEIVER})

    response = api(client, editor, "post", body={"url": RECEIVER})

    assert response.status_code == 409
    assert response.json()["detail"] == "En webhook med denne URL-en er allerede registrert."
    assert WebhookSubscription.objects.count() == 1


def test_an_internal_host_is_refused_in_nynorsk(client, editor):
    response = api(client, editor, "post", body={"url": "http://localhost/hook"}, language="nn")

    assert response.json()["detail"] == "URL-en peikar til ei intern maskin. Bruk ei offentleg adresse."


def test_a_local_editor_cannot_manage_webhooks(client, local_a, editor):
    subscription = subscribe(editor)

    for method, path, body in [
        ("get", "/api/v1/webhooks/", None),
        ("post", "/api/v1/webhooks/", {"url": "https://lokal.example.no/"}),
        ("delete", f"/api/v1/webhooks/{subscription.pk}/", None),
    ]:
        response = api(client, local_a, method, path, body)
        assert response.status_code == 403, (method, path)
        assert response.json()["detail"] == "Bare ansvarlig redaktør forvalter webhooker."
    assert list(WebhookSubscription.objects.values_list("url", flat=True)) == [RECEIVER]


def test_without_credentials_the_api_asks_for_them(client):
    response = client.get("/api/v1/webhooks/")

    assert response.status_code == 401 and response["WWW-Authenticate"] == "Token"


# --- The admin --------------------------------------------------------------------------------------


def test_the_admin_makes_a_secret_and_shows_it_once(client, editor):
    editor_client = as_user(client, editor)

    response = editor_client.post(
        "/admin/governance/webhooksubscription/add/",
        {"url": RECEIVER, "secret": "", "active": "on", "partnership": "", "description": "Test"},
        follow=True,
    )

    subscription = WebhookSubscription.objects.get()
    assert subscription.created_by == editor
    assert subscription.secret in response.content.decode()
    page = editor_client.get(f"/admin/governance/webhooksubscription/{subscription.pk}/change/").content.decode()
    assert subscription.secret not in page


def test_the_admin_refuses_an_internal_url(client, editor):
    response = as_user(client, editor).post(
        "/admin/governance/webhooksubscription/add/", {"url": "http://127.0.0.1/", "secret": "", "active": "on"}
    )

    assert response.status_code == 200
    assert "URL-en peker til en intern maskin" in response.content.decode()
    assert not WebhookSubscription.objects.exists()


def test_a_local_editor_has_no_webhook_admin(client, local_a):
    assert as_user(client, local_a).get("/admin/governance/webhooksubscription/").status_code == 403


# --- The delivery ledger ----------------------------------------------------------------------------


def test_the_ledger_shows_each_attempt_of_each_delivery(client, pathway, editor):
    subscribe(editor)
    correct(pathway, editor)
    row = WebhookDelivery.objects.get()
    WebhookAttempt.objects.create(delivery=row, started_at=row.created_at, status_code=500, error="HTTP 500")
    WebhookAttempt.objects.create(delivery=row, started_at=row.created_at, status_code=200)

    html = as_user(client, editor).get("/nb/redaksjon/varsler/webhooker/").content.decode()

    assert RECEIVER in html and "version.published" in html
    assert "HTTP 500" in html and "HTTP 200" in html
    detail = as_user(client, editor).get(f"/nb/redaksjon/varsler/webhooker/{row.pk}/").content.decode()
    assert "Rettet telefonnummer til BUP." in detail  # the JSON sent


def test_the_ledger_is_the_responsible_editors(client, local_a, pathway, editor):
    subscribe(editor)
    correct(pathway, editor)
    row = WebhookDelivery.objects.get()

    assert as_user(client, local_a).get("/nb/redaksjon/varsler/webhooker/").status_code == 404
    assert as_user(client, local_a).get(f"/nb/redaksjon/varsler/webhooker/{row.pk}/").status_code == 404
    client.logout()
    assert client.get("/nb/redaksjon/varsler/webhooker/").status_code == 302  # to the sign-in page


def test_the_ledger_pages_back_through_older_deliveries(client, editor):
    subscription = subscribe(editor)
    rows = WebhookDelivery.objects.bulk_create(
        WebhookDelivery(subscription=subscription, event_id=uuid.uuid4(), event_type="version.published", body="{}")
        for _ in range(51)
    )
    as_user(client, editor)
    first = client.get("/nb/redaksjon/varsler/webhooker/").content.decode()
    shown = [int(pk) for pk in re.findall(r'data-delivery="(\d+)"', first)]
    assert len(shown) == 50 and shown == sorted(shown, reverse=True)
    oldest = min(row.pk for row in rows)
    assert oldest not in shown
    older = re.search(r'href="\?foer=(\d+)" rel="next"', first)
    assert older is not None
    second = client.get(f"/nb/redaksjon/varsler/webhooker/?foer={older.group(1)}").content.decode()
    assert [int(pk) for pk in re.findall(r'data-delivery="(\d+)"', second)] == [oldest]
    assert 'rel="next"' not in second
