"""What the two outboxes share, e-mail notices (`Notification`) and webhook deliveries
(`WebhookDelivery`): the claim that only one worker can win, the release that writes an attempt's
outcome only while its claim is held, the stale claim of a worker that died, the jittered
exponential wait before the next try, and the requeue of what still waits.

Both models have `status` (NotificationStatus), `attempts`, `claimed_at`, `retry_at` and
`created_at`; each outbox passes its own limits (`Limits`) from its settings.
"""

import logging
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from celery import current_app
from django.conf import settings
from django.db import connection, models, transaction
from django.db.models import F, Q
from django.utils import timezone

from governance.models import NotificationStatus

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Limits:
    """How many attempts, how long the first wait (doubled each time), the longest wait, and how
    old a claim is before it is taken to be a dead worker's."""

    max_attempts: int
    retry_seconds: float
    retry_max_seconds: float
    claim_stale_seconds: float


class DeliveryDeferred(Exception):
    """A temporary failure: the row is back to `pending`; try again in `countdown` seconds."""

    def __init__(self, reason: str, countdown: float):
        super().__init__(reason)
        self.countdown = countdown


def hand_over(task: str, pk: int, what: str) -> bool:
    """Give row `pk` to the broker as `task`. Never raises: a broker that is down or hung costs at
    most the broker timeouts, and the periodic requeue picks the row up later. `what` names the
    row in the log ("notification", "webhook delivery")."""
    try:
        # The arguments' repr is given rather than worked out by Celery's saferepr (a fifth of the
        # hand-over's time, which a reader's feedback POST waits for).
        current_app.send_task(task, args=[pk], retry=False, argsrepr=f"[{pk}]", kwargsrepr="{}")
        return True
    except Exception as error:  # noqa: BLE001 - whatever the broker does, the caller goes on
        logger.warning("%s %s not handed to the broker (%s); it stays queued", what, pk, type(error).__name__)
        return False


def relayed() -> bool:
    """Whether new outbox rows are handed to the broker by the outbox relay (OUTBOX_RELAY, on
    PostgreSQL: the database announces each new pending row, `governance.outbox.relay`) rather
    than after commit by the process that wrote them."""
    return settings.OUTBOX_RELAY and connection.vendor == "postgresql"


def hand_over_after_commit(hand_over_one: Callable[[int], object], pks: list[int]) -> None:
    """Hand the new rows `pks` to the broker (`hand_over_one` each) once the caller's transaction
    commits; nothing to do here when the relay does it."""
    if pks and not relayed():
        transaction.on_commit(lambda: [hand_over_one(pk) for pk in pks])


def retry_countdown(attempts: int, limits: Limits) -> float:
    """Seconds to wait after the `attempts`-th attempt failed: `retry_seconds` doubled each time, at
    most `retry_max_seconds` and never more than half the broker's visibility timeout (a task
    waiting longer would be handed to a second worker meanwhile), with jitter (between half and all
    of it) so that many rows failing together do not come back together."""
    cap = min(limits.retry_max_seconds, settings.CELERY_VISIBILITY_TIMEOUT / 2)
    ceiling = min(cap, limits.retry_seconds * 2 ** max(0, attempts - 1))
    return random.uniform(ceiling / 2, ceiling)


def _stale_before(now: datetime, limits: Limits) -> datetime:
    return now - timedelta(seconds=limits.claim_stale_seconds)


def claim[M: models.Model](model: type[M], pk: int, limits: Limits, *, now: datetime | None = None) -> M | None:
    """Claim a row for sending: one UPDATE that only one caller can win. A pending row is claimed; so
    is one whose claim is stale (its worker died mid-send). A row that has had all its attempts is
    not. Returns the claimed row, or None when someone else has it or it is done."""
    now = now or timezone.now()
    claimed = (
        model._default_manager.filter(pk=pk, attempts__lt=limits.max_attempts)
        .filter(
            Q(status=NotificationStatus.PENDING)
            | Q(status=NotificationStatus.SENDING, claimed_at__lt=_stale_before(now, limits))
        )
        .update(status=NotificationStatus.SENDING, claimed_at=now, attempts=F("attempts") + 1, retry_at=None)
    )
    if not claimed:
        return None
    return model._default_manager.get(pk=pk)


def release(model: type[models.Model], pk: int, claimed_at: datetime | None, **fields: object) -> bool:
    """Write the outcome of an attempt, if this caller still holds the claim."""
    return bool(
        model._default_manager.filter(pk=pk, status=NotificationStatus.SENDING, claimed_at=claimed_at).update(**fields)
    )


def claim_held(model: type[models.Model], pk: int, limits: Limits, now: datetime) -> float | None:
    """Seconds until someone else's claim on the row goes stale, or None when it is not being sent
    (it was sent, it failed, or it waits for a retry of its own)."""
    claimed_at = (
        model._default_manager.filter(pk=pk, status=NotificationStatus.SENDING)
        .values_list("claimed_at", flat=True)
        .first()
    )
    if claimed_at is None:
        return None
    stale_at = claimed_at + timedelta(seconds=limits.claim_stale_seconds)
    return min(max(1.0, (stale_at - now).total_seconds() + 1), settings.CELERY_VISIBILITY_TIMEOUT / 2)


def waiting_rows(
    model: type[models.Model], limits: Limits, *, now: datetime | None = None, limit: int = 500
) -> list[int]:
    """The ids to hand over again: what still waits a minute after it was queued (or a minute after
    its retry was due: the retry's task was lost). Releases first the claims left by a worker that
    died mid-send; a claim left on the last attempt fails the row instead, so that a row that kills
    every worker that sends it is not tried for ever."""
    now = now or timezone.now()
    manager = model._default_manager
    stale = manager.filter(status=NotificationStatus.SENDING, claimed_at__lt=_stale_before(now, limits))
    stale.filter(attempts__gte=limits.max_attempts).update(
        status=NotificationStatus.FAILED, last_error="the worker was lost while sending, on every attempt"
    )
    stale.update(status=NotificationStatus.PENDING)
    grace = now - timedelta(minutes=1)
    return list(
        manager.filter(status=NotificationStatus.PENDING, created_at__lt=grace)
        .filter(Q(retry_at__isnull=True) | Q(retry_at__lt=grace))
        .order_by("created_at")
        .values_list("pk", flat=True)[:limit]
    )
