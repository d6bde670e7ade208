"""The beat's reminder tasks. Thin: they take no arguments, read the time from the database (never
the worker's clock) and call the services that decide what is due."""

from celery import shared_task

from governance.outbox import reminders
from governance.rounds import phases


@shared_task(name="workers.reminders_sweep")
def reminders_sweep_task() -> dict[str, int]:
    """Queue the reminders and digests that are due (governance.outbox.reminders), each once however often
    this runs and on however many workers. The sweep reads the database's clock itself."""
    return reminders.reminders_sweep()


@shared_task(name="workers.advance_rounds")
def advance_rounds() -> int:
    """End every round phase whose last day is over in Oslo (governance.rounds)."""
    return len(phases.rounds_advance_due(now=reminders.database_now()))
