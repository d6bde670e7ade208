"""Celery tasks. Tasks are thin: they take ids, re-fetch, and call a service."""

from celery import shared_task

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
