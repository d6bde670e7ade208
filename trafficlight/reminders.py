"""Reminders to the municipalities that have not answered: once a week (on Mondays, from
REMINDER_HOUR o'clock in Europe/Oslo, decided from the database's clock as governance's reminders
are), each active municipality contact whose municipality has sections waiting for a mark in any
published pathway gets one digest listing them, a line per pathway with a link to its marking page.
A municipality that has marked every section of every current version gets nothing.

Through the outbox: each digest is a `governance.Notification` with the dedupe key (kind, recipient,
the municipality, the Monday), so a second sweep that day, a second beat, or a task delivered twice
queues nothing more. Beat runs `workers.traffic_light_reminders` on the quarter hour.

Constant queries: the contacts, the pathways, and `review_cells`' three, then one INSERT, however
many municipalities and sections.
"""

import logging
from collections import Counter
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import translation

from governance.outbox.notifications import notifications_queue_many
from governance.outbox.reminders import Notice, database_now, oslo_time
from pathways.models import LANGUAGE_CODES, Profile, Role

from .selectors import published_pathways, review_cells

logger = logging.getLogger(__name__)

TRAFFIC_LIGHT_REMINDER = "traffic_light_reminder"
# Monday (datetime.weekday()): a reminder a week is enough for work done in workshops.
REMINDER_WEEKDAY = 0


def _absolute(language: str, name: str, **kwargs: object) -> str:
    with translation.override(language):
        return settings.SITE_URL + reverse(name, kwargs=kwargs)


def traffic_light_reminders_sweep(*, now: datetime | None = None) -> dict[str, int]:
    """Queue the week's reminders that are due at `now` (the database's clock when not given) and
    not queued yet. Returns how many this call queued, by kind."""
    now = now if now is not None else database_now()
    local = oslo_time(now)
    if local.weekday() != REMINDER_WEEKDAY or local.hour < settings.REMINDER_HOUR:
        return {}
    today = local.date()
    with transaction.atomic():
        contacts = list(
            Profile.objects.filter(role=Role.MUNICIPALITY_CONTACT, user__is_active=True, municipality__isnull=False)
            .order_by("user_id")
            .values_list(
                "user_id",
                "user__email",
                "user__username",
                "language",
                "municipality_id",
                "municipality__name",
                "municipality__partnership__slug",
            )
        )
        pathways = published_pathways()
        versions = [pathway.current_version for pathway in pathways if pathway.current_version is not None]
        cells = review_cells(versions, {row[4] for row in contacts})
        notices = []
        for user_id, email, username, language, municipality_id, municipality, partnership_slug in contacts:
            language = language if language in LANGUAGE_CODES else settings.LANGUAGE_CODE
            items = []
            for pathway in pathways:
                assert pathway.current_version_id is not None
                row = cells[pathway.current_version_id][municipality_id]
                waiting = sum(1 for cell in row if not cell.answered)
                if waiting:
                    items.append(
                        {
                            "pathway": pathway.title(language),
                            "waiting": waiting,
                            "total": len(row),
                            "url": _absolute(
                                language,
                                "trafficlight:mark",
                                partnership_slug=partnership_slug,
                                slug=pathway.slug,
                                municipality_id=municipality_id,
                            ),
                        }
                    )
            if not items:
                continue
            notices.append(
                Notice(
                    kind=TRAFFIC_LIGHT_REMINDER,
                    user_id=user_id,
                    recipient=email,
                    who=username,
                    language=language,
                    subject=f"pathways.municipality:{municipality_id}",
                    due_on=today,
                    context={
                        "municipality": municipality,
                        "items": items,
                        "count": sum(item["waiting"] for item in items),
                        "index_url": _absolute(language, "trafficlight:index"),
                        "preferences_url": _absolute(language, "governance:notification_preferences"),
                    },
                )
            )
        queued = Counter(kind for _pk, kind in notifications_queue_many(notices))
    logger.info("traffic-light reminders at %s: due %s, newly queued %s", now.isoformat(), len(notices), dict(queued))
    return dict(queued)
