"""The Celery app. Redis is the broker when REDIS_URL is set, else a filesystem transport in var/broker/."""

import os

from celery import Celery
from celery.schedules import crontab
from kombu.transport import TRANSPORT_ALIASES

# The embedded default's broker writes each message under a temporary name and renames it into
# place (workers/broker.py): kombu's own transport lets a worker read a half-written message.
TRANSPORT_ALIASES["filesystem"] = "workers.broker:Transport"

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("forlop")
app.config_from_object("django.conf:settings", namespace="CELERY")


@app.on_configure.connect
def _configure_filesystem_broker(sender: Celery, **kwargs: object) -> None:
    from django.conf import settings

    if not settings.CELERY_BROKER_URL.startswith("filesystem://"):
        return
    folder = settings.CELERY_FILESYSTEM_DIR
    for sub in ("queue", "processed", "control"):
        (folder / sub).mkdir(parents=True, exist_ok=True)
    sender.conf.broker_transport_options = {
        "data_folder_in": str(folder / "queue"),
        "data_folder_out": str(folder / "queue"),
        "processed_folder": str(folder / "processed"),
        "control_folder": str(folder / "control"),
        "store_processed": False,
    }


# Beat runs in UTC and only ticks; what is due is decided by the tasks from the database.
app.conf.beat_schedule = {
    "requeue-notifications": {"task": "workers.requeue_notifications", "schedule": 60.0},
    "requeue-webhooks": {"task": "workers.requeue_webhooks", "schedule": 60.0},
    "apply-retention": {"task": "workers.apply_retention", "schedule": 6 * 60 * 60.0},
    # On the quarter hour, so 07:00 in Oslo (05:00 UTC in summer, 06:00 UTC in winter) is a tick.
    # A tick that waited for a worker longer than the interval expires: the next one does its work.
    "advance-rounds": {
        "task": "workers.advance_rounds",
        "schedule": crontab(minute="*/15"),
        "options": {"expires": 14 * 60},
    },
    "reminders-sweep": {
        "task": "workers.reminders_sweep",
        "schedule": crontab(minute="*/15"),
        "options": {"expires": 14 * 60},
    },
    # The traffic-light review's weekly reminders: the sweep decides whether today (Monday, Oslo) is
    # the day and whether the hour has come; every tick after the first that day queues nothing.
    "traffic-light-reminders": {
        "task": "workers.traffic_light_reminders",
        "schedule": crontab(minute="*/15"),
        "options": {"expires": 14 * 60},
    },
}

app.autodiscover_tasks(["workers"])
app.autodiscover_tasks(["workers"], related_name="reminder_tasks")
app.autodiscover_tasks(["workers"], related_name="trafficlight_tasks")
