"""The outbox: queue a notice in the caller's transaction, hand it to a worker after commit, send it
once.

Nothing is lost when the broker is down: the row is written with whatever caused it, the hand-over
after commit is best effort (short timeouts, errors logged), and `notifications_requeue` (run by
beat) hands over again whatever is still waiting.
"""

import logging
from datetime import timedelta

from celery import current_app
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.utils import timezone, translation

from .models import Notification, NotificationStatus

logger = logging.getLogger(__name__)

SEND_TASK = "workers.send_notification"
# A claim older than this is taken to belong to a worker that died mid-send.
STALE_CLAIM = timedelta(minutes=10)


def notification_queue(*, kind: str, recipient: str, language: str, dedupe_key: str, context: dict) -> Notification:
    """Queue one e-mail inside the caller's transaction; the same `dedupe_key` is queued only once."""
    try:
        with transaction.atomic():
            notification = Notification.objects.create(
                kind=kind, recipient=recipient, language=language, dedupe_key=dedupe_key, context=context
            )
    except IntegrityError:
        return Notification.objects.get(dedupe_key=dedupe_key)
    transaction.on_commit(lambda: notification_hand_over(notification.pk))
    return notification


def notification_hand_over(pk: int) -> bool:
    """Give the notice to the broker. Never raises: a broker that is down or hung costs at most the
    broker timeouts, and the periodic requeue picks the notice up later."""
    try:
        current_app.send_task(SEND_TASK, args=[pk], retry=False)
        return True
    except Exception as error:  # noqa: BLE001 - whatever the broker does, the request goes on
        logger.warning("notification %s not handed to the broker (%s); it stays queued", pk, type(error).__name__)
        return False


def notifications_requeue(*, now=None, limit: int = 500) -> int:
    """Hand over again what is still waiting a minute after it was queued, and release claims left
    by a worker that died mid-send."""
    now = now or timezone.now()
    Notification.objects.filter(status=NotificationStatus.SENDING, claimed_at__lt=now - STALE_CLAIM).update(
        status=NotificationStatus.PENDING
    )
    waiting = list(
        Notification.objects.filter(status=NotificationStatus.PENDING, created_at__lt=now - timedelta(minutes=1))
        .order_by("created_at")
        .values_list("pk", flat=True)[:limit]
    )
    for pk in waiting:
        notification_hand_over(pk)
    return len(waiting)


def _render(notification: Notification) -> EmailMultiAlternatives:
    context = {**notification.context, "notification": notification}
    with translation.override(notification.language):
        subject = " ".join(render_to_string(f"emails/{notification.kind}-subject.txt", context).split())
        body = render_to_string(f"emails/{notification.kind}-body.txt", context)
        html = render_to_string(f"emails/{notification.kind}-body.html", context)
    message = EmailMultiAlternatives(subject=subject, body=body, to=[notification.recipient])
    message.attach_alternative(html, "text/html")
    return message


def notification_send(pk: int) -> bool:
    """Send one queued notice. The claim (an UPDATE that only one caller can win) makes a second
    delivery of the same task, or a second worker, a no-op. Returns whether this call sent it."""
    claimed = Notification.objects.filter(pk=pk, status=NotificationStatus.PENDING).update(
        status=NotificationStatus.SENDING, claimed_at=timezone.now(), attempts=F("attempts") + 1
    )
    if not claimed:
        return False
    notification = Notification.objects.get(pk=pk)
    try:
        _render(notification).send()
    except Exception as error:
        Notification.objects.filter(pk=pk).update(
            status=NotificationStatus.PENDING, last_error=type(error).__name__[:200]
        )
        raise
    Notification.objects.filter(pk=pk).update(status=NotificationStatus.SENT, sent_at=timezone.now(), last_error="")
    return True
