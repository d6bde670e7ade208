"""Celery tasks. Tasks are thin: they take ids, re-fetch, and call a service."""

from celery import Task, shared_task
from django.conf import settings

from feedback.services import feedback_retention
from governance.outbox.delivery import DeliveryDeferred
from governance.outbox.notifications import notification_send, notifications_requeue
from governance.outbox.webhooks import webhook_send, webhooks_requeue


@shared_task(name="workers.ping")
def ping() -> str:
    """Answers a round trip through the broker and a worker."""
    return "pong"


# A send that hangs is stopped (under the prefork pool) well before its claim goes stale, so a second
# worker can never claim a notice while the first is still talking to the mail server.
SEND_TIME_LIMIT = max(1, int(settings.NOTIFICATION_CLAIM_STALE_SECONDS * 0.9))


@shared_task(
    bind=True,
    name="workers.send_notification",
    max_retries=None,
    acks_late=True,
    reject_on_worker_lost=True,
    time_limit=SEND_TIME_LIMIT,
)
def send_notification(self: Task, notification_id: int) -> bool:
    """Send one notice of the outbox. The row, not the task, counts the attempts
    (NOTIFICATION_MAX_ATTEMPTS): the same notice can come back through a retry, a redelivery after a
    lost worker, or beat's requeue, and each attempt claims the row first. A temporary SMTP failure
    retries after the wait the service chose (exponential, jittered, capped below the broker's
    visibility timeout); a permanent one has already marked the row failed."""
    try:
        return notification_send(notification_id)
    except DeliveryDeferred as deferred:
        raise self.retry(countdown=deferred.countdown) from deferred


@shared_task(name="workers.requeue_notifications")
def requeue_notifications() -> int:
    """Beat, every minute: hand over what still waits, release claims of workers that died."""
    return notifications_requeue()


@shared_task(
    bind=True,
    name="workers.send_webhook",
    max_retries=None,
    acks_late=True,
    reject_on_worker_lost=True,
    time_limit=SEND_TIME_LIMIT,
)
def send_webhook(self: Task, delivery_id: int) -> bool:
    """POST one webhook delivery, the same way as `send_notification` sends a notice: the row
    counts the attempts (WEBHOOK_MAX_ATTEMPTS), a temporary failure retries after the service's
    wait (WEBHOOK_RETRY_SECONDS doubled, jittered)."""
    try:
        return webhook_send(delivery_id)
    except DeliveryDeferred as deferred:
        raise self.retry(countdown=deferred.countdown) from deferred


@shared_task(name="workers.requeue_webhooks")
def requeue_webhooks() -> int:
    """Beat, every minute: hand over webhook deliveries that still wait."""
    return webhooks_requeue()


@shared_task(name="workers.apply_retention")
def apply_retention() -> dict[str, int]:
    """Blank old e-mail addresses and redact old flagged text (see FEEDBACK_RETENTION_MONTHS)."""
    return feedback_retention(months=settings.FEEDBACK_RETENTION_MONTHS, apply=True)
