"""The outbox relay (OUTBOX_RELAY=true, PostgreSQL only): the process that hands new outbox rows to
the broker, so that the web process that wrote them does not have to.

The database announces each new pending row: a trigger on INSERT into the two outboxes (migration
governance/0011_outbox_announce) does `pg_notify('outbox', '<table>:<id>')`, delivered when the
transaction commits and only if it does. The relay LISTENs and hands each announced row over as
the process that wrote it would have (`notification_hand_over`, `webhook_hand_over`). One relay at
a time: each takes a session advisory lock first, and waits while another holds it (the lock goes
when that relay's connection does, so a standby takes over when the active one dies). A row
written while no relay listened is handed over by beat's requeue a minute later, as a lost
hand-over always was; so is a row the broker refused.

Run it with `manage.py outbox_relay` (scripts/run.sh does when OUTBOX_RELAY is true)."""

import logging
import threading

import psycopg
from django.db import connections

from governance.models import Notification, WebhookDelivery
from governance.outbox.notifications import notification_hand_over
from governance.outbox.webhooks import webhook_hand_over

logger = logging.getLogger(__name__)

CHANNEL = "outbox"
# The advisory lock's key: "outbox" in ASCII, a number no other lock of this project uses.
LOCK = 0x6F7574626F78


def relay(stop: threading.Event, *, wait: float = 1.0) -> None:
    """Until `stop` is set: take the lock (waiting while another relay has it), LISTEN, and hand
    over each row announced. A lost connection is opened again after `wait` seconds."""
    hand_overs = {
        Notification._meta.db_table: notification_hand_over,
        WebhookDelivery._meta.db_table: webhook_hand_over,
    }
    params = connections["default"].get_connection_params()
    while not stop.is_set():
        try:
            with psycopg.connect(**params, autocommit=True) as conn:
                while not conn.execute("SELECT pg_try_advisory_lock(%s)", [LOCK]).fetchone()[0]:  # type: ignore[index]
                    if stop.wait(wait):
                        return
                conn.execute(f"LISTEN {CHANNEL}")
                logger.info("outbox relay: listening")
                while not stop.is_set():
                    for notify in conn.notifies(timeout=wait):
                        table, _, pk = notify.payload.partition(":")
                        hand_over = hand_overs.get(table)
                        if hand_over is not None and pk.isdigit():
                            hand_over(int(pk))
        except psycopg.OperationalError as error:
            logger.warning("outbox relay: connection lost (%s), trying again", type(error).__name__)
            stop.wait(wait)
