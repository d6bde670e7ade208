"""The beat's task for the traffic-light review. Thin: it reads the time from the database (the
sweep does) and calls the service that decides what is due."""

from celery import shared_task

from trafficlight.reminders import traffic_light_reminders_sweep


@shared_task(name="workers.traffic_light_reminders")
def traffic_light_reminders() -> dict[str, int]:
    """Queue the weekly reminders to municipalities with sections to mark (trafficlight.reminders),
    each once however often this runs."""
    return traffic_light_reminders_sweep()
