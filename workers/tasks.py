"""Celery tasks. Tasks are thin: they take ids, re-fetch, and call a service."""

from celery import shared_task
from django.conf import settings

from feedback.services import feedback_retention
from governance.notifications import notification_send, notifications_requeue


@shared_task(name="workers.ping")
def ping() -> str:
    """Answers a round trip through the broker and a worker."""
    return "pong"


@shared_task(
    name="workers.send_notification",
    autoretry_for=(OSError,),
    retry_backoff=30,
    retry_backoff_max=3600,
    retry_jitter=True,
    max_retries=8,
)
def send_notification(notification_id: int) -> bool:
    return notification_send(notification_id)


@shared_task(name="workers.requeue_notifications")
def requeue_notifications() -> int:
    return notifications_requeue()


@shared_task(name="workers.apply_retention")
def apply_retention() -> dict:
    """Blank old e-mail addresses and redact old flagged text (see FEEDBACK_RETENTION_MONTHS)."""
    return feedback_retention(months=settings.FEEDBACK_RETENTION_MONTHS, apply=True)
