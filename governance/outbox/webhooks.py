"""Webhooks: other sites told, signed, of each published version (README "Reuse by other sites").

The responsible editor registers a receiving URL (`webhook_subscribe`: the admin, the API). Each
published version, common or local, is a `version_published` signal inside the publishing
transaction; `on_version_published` writes one `WebhookDelivery` per active subscription that wants
it, in that transaction (the outbox: nothing is sent for a version that was rolled back, nothing is
lost when the broker is down), and hands them to a worker after commit.

The worker (`webhook_send`) claims the delivery as the e-mail outbox claims a notice (one UPDATE
that only one worker can win; governance.outbox.delivery, shared with it), POSTs the JSON body with

    X-Forlop-Event: version.published | local_version.published
    X-Forlop-Event-Id: <uuid>            the same on every retry: a receiver drops what it has seen
    X-Forlop-Timestamp: <unix seconds>   when this attempt was signed
    X-Forlop-Signature: sha256=<hex>     HMAC-SHA256 with the subscription's secret of "<timestamp>.<body>"

and writes a `WebhookAttempt` for each try. A 2xx answer is delivered. A timeout, a connection
error, 408, 425, 429 or a 5xx is tried again after WEBHOOK_RETRY_SECONDS doubled each time,
jittered, at most WEBHOOK_RETRY_MAX_SECONDS, until WEBHOOK_MAX_ATTEMPTS; any other answer (a
redirect, another 4xx) fails at once. Beat's `webhooks_requeue` hands over what still waits.

Server-side request forgery: only http and https URLs, and not to loopback, private, link-local or
otherwise internal addresses unless WEBHOOK_ALLOW_PRIVATE. The host is checked when the URL is
registered, and its addresses are resolved and checked again before each POST (redirects are not
followed). A name that resolves to a public address when checked and an internal one a moment later
(DNS rebinding) is the gap left; a deployment that must close it sends through an egress proxy.
"""

import hashlib
import hmac
import ipaddress
import json
import logging
import secrets
import socket
import time
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

import requests
from django.conf import settings
from django.contrib.auth.models import User
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from governance.models import NotificationStatus, WebhookAttempt, WebhookDelivery, WebhookSubscription
from governance.outbox import delivery
from governance.outbox.delivery import DeliveryDeferred
from pathways.models import LANGUAGE_CODES, LocalVersion, Partnership, Version
from pathways.reuse import (
    absolute,
    both_languages,
    event_id,
    local_version_links,
    previous_local_version,
    previous_version,
    version_links,
)
from pathways.services import Refused

logger = logging.getLogger(__name__)

SEND_TASK = "workers.send_webhook"
COMMON_EVENT = "version.published"
LOCAL_EVENT = "local_version.published"
URL_MAX_LENGTH = WebhookSubscription._meta.get_field("url").max_length or 500
SECRET_MAX_LENGTH = WebhookSubscription._meta.get_field("secret").max_length or 128
SECRET_MIN_LENGTH = 16
# A receiver refuses a signature older than this (the replay window; the README's example).
REPLAY_WINDOW_SECONDS = 5 * 60
USER_AGENT = "forlop-webhooks/1"
# Temporary answers: try again later.
RETRY_STATUSES = {408, 425, 429}


def limits() -> delivery.Limits:
    return delivery.Limits(
        max_attempts=settings.WEBHOOK_MAX_ATTEMPTS,
        retry_seconds=settings.WEBHOOK_RETRY_SECONDS,
        retry_max_seconds=settings.WEBHOOK_RETRY_MAX_SECONDS,
        claim_stale_seconds=settings.NOTIFICATION_CLAIM_STALE_SECONDS,
    )


# --- Signing --------------------------------------------------------------------------------------


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """`sha256=<hex>`: HMAC-SHA256 with `secret` of "<timestamp>.<body>"."""
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


# --- Which URLs are taken ---------------------------------------------------------------------------


def _internal_address(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return not address.is_global or address.is_multicast


def _internal_name(host: str) -> bool:
    host = host.rstrip(".").lower()
    return (
        host == "localhost" or host.endswith((".localhost", ".local", ".internal", ".localdomain")) or "." not in host
    )


def url_refusals(url: str) -> list[str]:
    """Why `url` cannot receive webhooks (empty when it can), without looking the name up."""
    if len(url) > URL_MAX_LENGTH:
        return [_("The URL is too long (at most %(max)s characters).") % {"max": URL_MAX_LENGTH}]
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number or out of range
    except ValueError:
        return [_("This is not a valid URL.")]
    if parts.scheme not in ("http", "https"):
        return [_("Only http and https URLs can receive webhooks.")]
    if not host:
        return [_("The URL has no host.")]
    if parts.username or parts.password:
        return [_("The URL must not contain a user name or password.")]
    if settings.WEBHOOK_ALLOW_PRIVATE:
        return []
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        if _internal_name(host):
            return [_("The URL points to an internal host. Use a public address.")]
        return []
    if _internal_address(address):
        return [_("The URL points to an internal host. Use a public address.")]
    return []


def secret_refusals(secret: str) -> list[str]:
    """Why `secret` cannot sign a subscription's webhooks (empty when it can; empty is one made)."""
    if secret and not SECRET_MIN_LENGTH <= len(secret) <= SECRET_MAX_LENGTH:
        return [
            _("The secret must be %(min)s to %(max)s characters, or left empty to have one made.")
            % {"min": SECRET_MIN_LENGTH, "max": SECRET_MAX_LENGTH}
        ]
    return []


def _resolves_to_internal(url: str) -> bool:
    """Whether any address the host resolves to now is internal (checked before each POST)."""
    if settings.WEBHOOK_ALLOW_PRIVATE:
        return False
    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        infos = socket.getaddrinfo(parts.hostname, port, proto=socket.IPPROTO_TCP)
    except OSError:
        return False  # the POST fails on its own and is retried
    return any(_internal_address(ipaddress.ip_address(info[4][0])) for info in infos)


# --- Subscriptions --------------------------------------------------------------------------------


class SubscriptionRefused(Refused):
    """The subscription cannot be made; `reasons` say why, field by field in `fields`."""

    def __init__(self, fields: dict[str, list[str]]):
        super().__init__([reason for reasons in fields.values() for reason in reasons])
        self.fields = fields


def webhook_subscribe(
    *,
    url: str,
    by: User,
    secret: str = "",
    partnership: Partnership | None = None,
    description: str = "",
    active: bool = True,
) -> WebhookSubscription:
    """Register a receiving URL. An empty secret is made here (the caller shows it once:
    `subscription.secret` right after this call). Refused for a URL that is not http(s), too long,
    internal (SSRF, unless WEBHOOK_ALLOW_PRIVATE) or already registered, and a secret too short."""
    url = url.strip()
    errors: dict[str, list[str]] = {}
    if refusals := url_refusals(url):
        errors["url"] = refusals
    elif WebhookSubscription.objects.filter(url=url).exists():
        errors["url"] = [_("A webhook with this URL is already registered.")]
    secret = secret.strip()
    if refusals := secret_refusals(secret):
        errors["secret"] = refusals
    if errors:
        raise SubscriptionRefused(errors)
    return WebhookSubscription.objects.create(
        url=url,
        secret=secret or secrets.token_urlsafe(32),
        partnership=partnership,
        description=description.strip(),
        active=active,
        created_by=by,
    )


def webhook_unsubscribe(*, subscription_id: int) -> bool:
    """Remove a subscription and its delivery record. Returns whether there was one."""
    deleted, _counts = WebhookSubscription.objects.filter(pk=subscription_id).delete()
    return bool(deleted)


# --- The event, written in the publishing transaction --------------------------------------------


def event_body(version: Version | LocalVersion) -> dict[str, Any]:
    """What every subscription is sent about `version`."""
    body: dict[str, Any] = {"id": str(event_id(version))}
    if isinstance(version, LocalVersion):
        adaptation = version.adaptation
        previous_local = previous_local_version(version)
        previous_local_number = previous_local.number if previous_local else None
        body |= {
            "type": LOCAL_EVENT,
            "pathway": adaptation.pathway.slug,
            "partnership": adaptation.partnership.slug,
            "version": version.number,
            "common_version": version.common_version.number,
        }
        links = both_languages(lambda language: local_version_links(version, language, previous=previous_local_number))
        feed_path = f"/{adaptation.partnership.slug}/forlop/feed/"
    else:
        previous = previous_version(version)
        previous_number = previous.number if previous else None
        body |= {"type": COMMON_EVENT, "pathway": version.pathway.slug, "version": version.number}
        links = both_languages(lambda language: version_links(version, language, previous=previous_number))
        feed_path = f"/forlop/{version.pathway.slug}/feed/"
    urls: dict[str, Any] = {
        **links,
        "feed": {language: absolute(f"/{language}{feed_path}") for language in LANGUAGE_CODES},
    }
    if isinstance(version, Version):
        urls["api"] = absolute(f"/api/v1/pathways/{version.pathway.slug}/versions/{version.number}/")
    body |= {
        "published_at": version.published_at.isoformat(),
        "summary": {language: version.summary(language) for language in LANGUAGE_CODES},
        "urls": urls,
    }
    return body


def _subscriptions_for(version: Version | LocalVersion):
    active = WebhookSubscription.objects.filter(active=True)
    if isinstance(version, LocalVersion):
        return active.filter(Q(partnership__isnull=True) | Q(partnership_id=version.adaptation.partnership_id))
    return active.filter(partnership__isnull=True)


def on_version_published(sender: Any, version: Version | LocalVersion, **kwargs: Any) -> list[int]:
    """`pathways.signals.version_published`: one delivery per active subscription that wants the
    version (a subscription with a partnership wants only that partnership's local versions), in
    the publishing transaction, handed over after commit."""
    subscriptions = list(_subscriptions_for(version).values_list("pk", flat=True))
    if not subscriptions:
        return []
    body = json.dumps(event_body(version), ensure_ascii=False, separators=(",", ":"))
    event = event_id(version)
    kind = LOCAL_EVENT if isinstance(version, LocalVersion) else COMMON_EVENT
    WebhookDelivery.objects.bulk_create(
        [WebhookDelivery(subscription_id=pk, event_id=event, event_type=kind, body=body) for pk in subscriptions],
        ignore_conflicts=True,
    )
    pks = list(
        WebhookDelivery.objects.filter(event_id=event, subscription_id__in=subscriptions).values_list("pk", flat=True)
    )
    delivery.hand_over_after_commit(webhook_hand_over, pks)
    return pks


def webhook_hand_over(pk: int) -> bool:
    """Give the delivery to the broker; never raises (`delivery.hand_over`)."""
    return delivery.hand_over(SEND_TASK, pk, "webhook delivery")


def webhooks_requeue(*, now=None, limit: int = 500) -> int:
    """Beat, every minute: hand over what still waits, release claims of workers that died."""
    waiting = delivery.waiting_rows(WebhookDelivery, limits(), now=now, limit=limit)
    for pk in waiting:
        webhook_hand_over(pk)
    return len(waiting)


# --- Sending --------------------------------------------------------------------------------------


def _post(subscription: WebhookSubscription, row: WebhookDelivery) -> requests.Response:
    body = row.body.encode()
    timestamp = int(time.time())
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": USER_AGENT,
        "X-Forlop-Event": row.event_type,
        "X-Forlop-Event-Id": str(row.event_id),
        "X-Forlop-Delivery": str(row.pk),
        "X-Forlop-Timestamp": str(timestamp),
        "X-Forlop-Signature": signature(subscription.secret, timestamp, body),
    }
    return requests.post(
        subscription.url,
        data=body,
        headers=headers,
        timeout=settings.WEBHOOK_TIMEOUT_SECONDS,
        allow_redirects=False,
    )


def _outcome(subscription: WebhookSubscription, row: WebhookDelivery) -> tuple[int | None, str, bool]:
    """(status code, error, temporary) of one POST; status 2xx and no error is delivered."""
    if _resolves_to_internal(subscription.url):
        return None, "the host resolves to an internal address", False
    try:
        response = _post(subscription, row)
    except requests.RequestException as error:
        return None, f"{type(error).__name__}: {error}"[:200], True
    code = response.status_code
    if 200 <= code < 300:
        return code, "", False
    return code, f"HTTP {code}", code >= 500 or code in RETRY_STATUSES


def webhook_send(pk: int) -> bool:
    """Send one delivery. Returns whether this call delivered it. Raises DeliveryDeferred after a
    temporary failure with attempts left, and when another worker holds a claim that is not stale
    (as `notification_send` does, and for the same reason)."""
    now = timezone.now()
    row = delivery.claim(WebhookDelivery, pk, limits(), now=now)
    if row is None:
        wait = delivery.claim_held(WebhookDelivery, pk, limits(), now)
        if wait is None:
            return False
        raise DeliveryDeferred("claimed by another worker", wait)
    subscription = row.subscription
    if not subscription.active:
        delivery.release(
            WebhookDelivery, pk, row.claimed_at, status=NotificationStatus.SKIPPED, last_error="subscription inactive"
        )
        return False
    code, error, temporary = _outcome(subscription, row)
    finished = timezone.now()
    if not error:
        delivery.release(
            WebhookDelivery, pk, row.claimed_at, status=NotificationStatus.SENT, sent_at=finished, last_error=""
        )
        WebhookAttempt.objects.create(delivery=row, started_at=now, status_code=code)
        return True
    if temporary and row.attempts < settings.WEBHOOK_MAX_ATTEMPTS:
        countdown = delivery.retry_countdown(row.attempts, limits())
        retry_at = finished + timedelta(seconds=countdown)
        delivery.release(
            WebhookDelivery, pk, row.claimed_at, status=NotificationStatus.PENDING, retry_at=retry_at, last_error=error
        )
        WebhookAttempt.objects.create(delivery=row, started_at=now, status_code=code, error=error, retry_at=retry_at)
        logger.info("webhook delivery %s: temporary failure (%s), attempt %s", pk, error, row.attempts)
        raise DeliveryDeferred(error, countdown)
    if temporary:
        error = f"gave up after {row.attempts} attempts: {error}"[:200]
    delivery.release(WebhookDelivery, pk, row.claimed_at, status=NotificationStatus.FAILED, last_error=error)
    WebhookAttempt.objects.create(delivery=row, started_at=now, status_code=code, error=error)
    logger.warning("webhook delivery %s failed: %s", pk, error)
    return False
