"""Celery tasks. Tasks are thin: they take ids, re-fetch, and call a service."""

from celery import shared_task


@shared_task(name="workers.ping")
def ping() -> str:
    """Answers the health check's round trip through the broker and a worker."""
    return "pong"
