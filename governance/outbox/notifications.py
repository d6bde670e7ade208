"""The outbox and its ledger: queue a notice in the caller's transaction, hand it to a worker after
commit, send it once.

Every notice is a `Notification` row whose `dedupe_key` is unique and made by one function,
`notification_dedupe_key`, from (kind, recipient, subject object, due date): queuing the same
notice twice gives back the first row.

Nothing is lost when the broker is down: the row is written with whatever caused it, the hand-over
after commit is best effort (short timeouts, errors logged), and `notifications_requeue` (run by
beat every minute) hands over again whatever is still waiting.

Sent once: `notification_send` claims the row with one UPDATE that only one caller can win before
it talks to the mail server, so a task run twice, a task redelivered by the broker, or two workers
given the same id send one e-mail. A claim older than NOTIFICATION_CLAIM_STALE_SECONDS belongs to
a worker that died mid-send (SIGKILL, lost machine): the redelivered task, or the requeue, may
claim it again. That setting is longer than a send can take, so two live workers never both hold a
claim. The one gap no outbox can close: a worker killed after the mail server said "250 accepted"
and before the row was marked sent sends that e-mail again.

Errors: a temporary one (an SMTP 4xx reply, a dropped connection, a timeout) puts the row back to
`pending` with `retry_at` and the task retries after an exponential, jittered wait; after
NOTIFICATION_MAX_ATTEMPTS the row is `failed`. A permanent refusal of the address (5xx) marks it
`failed` at once and records a `BouncingAddress`, to which nothing more is sent until the
responsible editor says it is fixed (the ledger's resend).
"""

import hashlib
import hmac
import json
import logging
import smtplib
from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.contrib.auth.models import User
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, connection, models, transaction
from django.db.models import QuerySet
from django.db.models.expressions import RawSQL
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from governance.models import BouncingAddress, Notification, NotificationStatus
from governance.outbox import delivery
from governance.outbox.delivery import DeliveryDeferred
from pathways.chain import IdOf, InsertChain
from pathways.services import Refused

logger = logging.getLogger(__name__)

SEND_TASK = "workers.send_notification"
# What `last_error` says of a notice not sent because its address bounces.
BOUNCING = "address is bouncing"
NO_ADDRESS = "no address"


# --- The ledger's key --------------------------------------------------------------------------


def notification_subject(subject: models.Model | str | None) -> str:
    """What a notice is about, as stored: "governance.changeproposal:42" for a row, a string as given."""
    if subject is None:
        return ""
    if isinstance(subject, models.Model):
        return f"{subject._meta.label_lower}:{subject.pk}"[:100]
    return str(subject)[:100]


def notification_dedupe_key(
    *, kind: str, recipient: str, subject: models.Model | str | None = None, due_on: date | None = None
) -> str:
    """The one place the ledger's unique key is made: (kind, recipient, subject object, due date).
    The address enters as a keyed hash, so the key holds no personal data and still works after the
    retention period has blanked the recipient."""
    address = hmac.new(settings.SECRET_KEY.encode(), recipient.strip().lower().encode(), hashlib.sha256).hexdigest()
    parts = [kind, address[:20], notification_subject(subject), due_on.isoformat() if due_on else ""]
    return "|".join(parts)[:200]


def normalised_address(address: str) -> str:
    return address.strip().lower()


def _bouncing(address: str) -> QuerySet:
    return BouncingAddress.objects.filter(email=normalised_address(address))


def address_is_bouncing(address: str) -> bool:
    return _bouncing(address).exists()


# --- Queuing and handing over ------------------------------------------------------------------


def notification_queue(
    *,
    kind: str,
    recipient: str,
    language: str,
    context: dict,
    subject: models.Model | str | None = None,
    due_on: date | None = None,
    dedupe_key: str | IdOf | None = None,
    who: str = "",
    chain: InsertChain | None = None,
) -> Notification:
    """Queue one e-mail inside the caller's transaction; the same notice is queued only once.

    The key is made from (kind, recipient, subject, due_on) unless the caller gives one
    (`dedupe_key`, kept for callers that name their own). To an address that bounces the row is
    written `failed` with the reason and nothing is handed over: the ledger shows it, and the
    responsible editor can send it again once the address works. Without a `recipient` the row is
    written skipped, saying whose (`who`, a username) address is missing; give a `dedupe_key` then.

    Given a `chain`, the row is queued there instead, written when the caller runs it with its own
    rows: the bounce check is made by the database inside the same INSERT, the hand-over follows the
    commit, and the key (which may be an `IdOf` an earlier row's id) must be new: a key already
    taken fails the whole chain with IntegrityError.
    """
    key = dedupe_key or notification_dedupe_key(kind=kind, recipient=recipient, subject=subject, due_on=due_on)
    if chain is not None:
        state = _delivery_state_decided_by_database(address=recipient, who=who)
    else:
        bouncing = bool(recipient) and address_is_bouncing(recipient)
        state = _delivery_state(bouncing=bouncing, address=recipient, who=who)
    notification = Notification(
        kind=kind,
        recipient=recipient,
        language=language,
        dedupe_key=key,
        context=context,
        subject=notification_subject(subject),
        due_on=due_on,
        **state,
    )
    if chain is not None:
        chain.insert(notification)
        # Its status is known once the chain has written it (the database decided it).
        chain.on_commit(lambda: _hand_over_if_pending(notification))
        return notification
    assert isinstance(key, str)  # an IdOf names a row of a chain
    try:
        with transaction.atomic():
            notification.save(force_insert=True)
    except IntegrityError:
        return Notification.objects.get(dedupe_key=key)
    _hand_over_if_pending(notification)
    return notification


def _hand_over_if_pending(notification: Notification) -> None:
    if notification.status == NotificationStatus.PENDING:
        delivery.hand_over_after_commit(notification_hand_over, [notification.pk])


def _delivery_state(*, bouncing: bool, address: str, who: str = "") -> dict:
    """A new row's status: to an address that bounces it is written failed with the reason and never
    handed over; the ledger shows it, and the responsible editor can send it again once it works.
    For someone without an address it is written skipped (and says whose address is missing), so
    that the ledger tells why nothing came."""
    if not address:
        return {"status": NotificationStatus.SKIPPED, "last_error": f"{NO_ADDRESS}: {who}" if who else NO_ADDRESS}
    if bouncing:
        return {"status": NotificationStatus.FAILED, "last_error": BOUNCING}
    return {"status": NotificationStatus.PENDING, "last_error": ""}


def _delivery_state_decided_by_database(*, address: str, who: str = "") -> dict:
    """`_delivery_state` as SQL the database evaluates while it writes the row: the bounce check
    inside the INSERT instead of a query before it. (Raw SQL rather than `Case(When(Exists(…)))`:
    compiling those took a third of a millisecond per row.)"""
    if not address:
        return _delivery_state(bouncing=False, address=address, who=who)
    bouncing, fine = _delivery_state(bouncing=True, address=address), _delivery_state(bouncing=False, address=address)
    table = connection.ops.quote_name(BouncingAddress._meta.db_table)
    check = f"EXISTS (SELECT 1 FROM {table} WHERE email = %s)"  # noqa: S608 - the name from the model
    return {
        name: RawSQL(  # noqa: S611 - the values as parameters
            f"CASE WHEN {check} THEN %s ELSE %s END", [normalised_address(address), bouncing[name], fine[name]]
        )
        for name in fine
    }


def notifications_queue_many(notices) -> list[tuple[int, str]]:
    """`notification_queue` for many notices at once (the reminders sweep): write them into the
    outbox in the caller's transaction, each key once, and hand the new ones to the broker after
    commit; returns the (id, kind) of each one this call wrote and will hand over. Each notice has
    `kind`, `recipient`, `language`, `dedupe_key`, `subject` (as stored), `due_on` and `context`.
    Three queries however many notices: the keys already taken, the addresses that bounce, and one
    INSERT … ON CONFLICT DO NOTHING RETURNING. The first check makes a sweep's later ticks of the day
    write nothing. A call running at the same moment blocks on the unique index until this
    transaction ends and then inserts nothing, and returns nothing: each notice is handed over by the
    call that wrote it."""
    if not notices:
        return []
    by_key = {notice.dedupe_key: notice for notice in notices}
    taken = set(Notification.objects.filter(dedupe_key__in=list(by_key)).values_list("dedupe_key", flat=True))
    fresh = [notice for key, notice in by_key.items() if key not in taken]
    if not fresh:
        return []
    # As notification_queue does: a row to an address that bounces is written failed, not handed over.
    bouncing = set(
        BouncingAddress.objects.filter(
            email__in={normalised_address(notice.recipient) for notice in fresh}
        ).values_list("email", flat=True)
    )
    rows = [
        {
            "kind": notice.kind,
            "recipient": notice.recipient,
            "language": notice.language,
            "dedupe_key": notice.dedupe_key,
            "subject": notice.subject[:100],
            "due_on": notice.due_on,
            "context": notice.context,
            **_delivery_state(
                bouncing=normalised_address(notice.recipient) in bouncing,
                address=notice.recipient,
                who=getattr(notice, "who", ""),
            ),
        }
        for notice in fresh
    ]
    insert = _insert_postgresql if connection.vendor == "postgresql" else _insert_orm
    written = insert(rows)
    pks = [pk for pk, _kind, status in written if status == NotificationStatus.PENDING]
    delivery.hand_over_after_commit(notification_hand_over, pks)
    return [(pk, kind) for pk, kind, status in written if status == NotificationStatus.PENDING]


# The columns notifications_queue_many sets on each row, with the type its values travel in; every other column
# gets the model's default (as `Notification()` has it).
_ROW_COLUMNS = {
    "kind": "text",
    "recipient": "text",
    "language": "text",
    "dedupe_key": "text",
    "subject": "text",
    "due_on": "date",
    "context": "jsonb",
    "status": "text",
    "last_error": "text",
}


def _insert_postgresql(rows: list[dict]) -> list[tuple[int, str, str]]:
    """One `INSERT … SELECT … FROM unnest(arrays) ON CONFLICT (dedupe_key) DO NOTHING RETURNING`:
    each column's values travel as one array, and only the rows actually written come back.
    `bulk_create` spent about 0.2 ms of Python per row preparing every field of every row, which
    was most of a 400-digest reminders sweep (bench/digest_sweep.py); this is about a tenth of that."""
    template = Notification()  # the defaults of the columns not set per row
    selects, constants, arrays, unnest = [], [], [], []
    columns = []
    for field in Notification._meta.concrete_fields:
        if field.primary_key:
            continue
        # A concrete field is one with a column.
        assert field.column is not None
        columns.append(connection.ops.quote_name(field.column))
        kind = _ROW_COLUMNS.get(field.attname)
        if kind is None:
            selects.append("%s")
            constants.append(field.get_db_prep_save(field.pre_save(template, add=True), connection))
            continue
        values = [row[field.attname] for row in rows]
        if kind == "jsonb":
            values = [json.dumps(value) for value in values]
        unnest.append(f"%s::{'text' if kind == 'jsonb' else kind}[]")
        arrays.append(values)
        selects.append(f"c{len(unnest)}::{kind}")
    names = ", ".join(f"c{index}" for index in range(1, len(unnest) + 1))
    table = connection.ops.quote_name(Notification._meta.db_table)
    sql = (
        f"INSERT INTO {table} ({', '.join(columns)}) "  # noqa: S608 - names from the model, values as parameters
        f"SELECT {', '.join(selects)} FROM unnest({', '.join(unnest)}) AS rows ({names}) "
        "ON CONFLICT (dedupe_key) DO NOTHING RETURNING id, kind, status"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*constants, *arrays])
        return [tuple(row) for row in cursor.fetchall()]


def _insert_orm(rows: list[dict]) -> list[tuple[int, str, str]]:
    """The same for the embedded SQLite: `bulk_create`, then the ids of what it wrote."""
    Notification.objects.bulk_create([Notification(**row) for row in rows], ignore_conflicts=True, batch_size=500)
    return list(
        Notification.objects.filter(dedupe_key__in=[row["dedupe_key"] for row in rows]).values_list(
            "pk", "kind", "status"
        )
    )


def notification_hand_over(pk: int) -> bool:
    """Give the notice to the broker; never raises (`delivery.hand_over`)."""
    return delivery.hand_over(SEND_TASK, pk, "notification")


def notifications_requeue(*, now=None, limit: int = 500) -> int:
    """Hand over again what is still waiting a minute after it was queued (or a minute after its
    retry was due: the retry's task was lost), and release claims left by a worker that died
    mid-send. A claim left on the last attempt fails the notice instead, so a notice that kills
    every worker that sends it is not tried for ever."""
    waiting = delivery.waiting_rows(Notification, limits(), now=now, limit=limit)
    for pk in waiting:
        notification_hand_over(pk)
    return len(waiting)


# --- Sending -----------------------------------------------------------------------------------


def _render(notification: Notification) -> EmailMultiAlternatives:
    """The e-mail of a notice. Its kind names its template trio, `emails/<kind>-subject.txt`,
    `-body.txt` and `-body.html`; a kind with a variant after a dot ("outcome.rejected") uses the
    trio of the part before it."""
    template = notification.kind.split(".", 1)[0]
    context = {**notification.context, "notification": notification}
    with translation.override(notification.language):
        subject = " ".join(render_to_string(f"emails/{template}-subject.txt", context).split())
        body = render_to_string(f"emails/{template}-body.txt", context)
        html = render_to_string(f"emails/{template}-body.html", context)
    # A notice that can be switched off (the digest) carries its one-click unsubscribe link (RFC 8058).
    unsubscribe = notification.context.get("unsubscribe_url")
    headers = {"List-Unsubscribe": f"<{unsubscribe}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}
    message = EmailMultiAlternatives(
        subject=subject, body=body, to=[notification.recipient], headers=headers if unsubscribe else None
    )
    message.attach_alternative(html, "text/html")
    return message


@dataclass(frozen=True)
class Failure:
    """What a send that raised means: `temporary` (try again later) or not, and whether the
    address itself was refused for good (`bounce`). `reason` is for the ledger."""

    reason: str
    temporary: bool
    bounce: bool = False


def _reply(code: int, message: bytes | str) -> str:
    text = message.decode("utf-8", "replace") if isinstance(message, bytes) else str(message)
    return f"{code} {' '.join(text.split())}"


def classify_failure(error: BaseException) -> Failure:
    """Temporary: a 4xx reply, a dropped or refused connection, a timeout. Permanent refusal of the
    address: a 5xx reply to the recipient or the message. Permanent but not the address's fault: a
    5xx to our log-in or sender address (the server is set up wrong), an address the mail library
    cannot write, a template that does not render."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        replies = list(error.recipients.values())
        codes = [code for code, _message in replies]
        reason = "; ".join(_reply(code, message) for code, message in replies)
        permanent = bool(codes) and all(500 <= code < 600 for code in codes)
        return Failure(reason, temporary=not permanent, bounce=permanent)
    if isinstance(error, (smtplib.SMTPConnectError, smtplib.SMTPHeloError)):
        return Failure(_reply(error.smtp_code, error.smtp_error), temporary=True)
    if isinstance(error, smtplib.SMTPResponseException):
        reason = _reply(error.smtp_code, error.smtp_error)
        if 500 <= error.smtp_code < 600:
            refuses_us = isinstance(error, (smtplib.SMTPSenderRefused, smtplib.SMTPAuthenticationError))
            return Failure(reason, temporary=False, bounce=not refuses_us)
        return Failure(reason, temporary=True)
    if isinstance(error, OSError):  # SMTPServerDisconnected, ConnectionError, TimeoutError, socket errors
        return Failure(f"{type(error).__name__}: {error}", temporary=True)
    return Failure(f"{type(error).__name__}: {error}", temporary=False)


def limits() -> delivery.Limits:
    """The outbox's limits, read from the settings on each use (tests change them)."""
    return delivery.Limits(
        max_attempts=settings.NOTIFICATION_MAX_ATTEMPTS,
        retry_seconds=settings.NOTIFICATION_RETRY_SECONDS,
        retry_max_seconds=settings.NOTIFICATION_RETRY_MAX_SECONDS,
        claim_stale_seconds=settings.NOTIFICATION_CLAIM_STALE_SECONDS,
    )


def retry_countdown(attempts: int) -> float:
    """Seconds to wait after the `attempts`-th attempt failed: NOTIFICATION_RETRY_SECONDS doubled
    each time, at most NOTIFICATION_RETRY_MAX_SECONDS and never more than half the broker's
    visibility timeout, with jitter (governance.outbox.delivery.retry_countdown)."""
    return delivery.retry_countdown(attempts, limits())


def _without_address(text: str, address: str) -> str:
    """A mail server's reply often repeats the address; the ledger's reason keeps it out."""
    if address:
        text = text.replace(address, "<…>")
    return text[:200]


def _release(pk: int, claimed_at, **fields) -> bool:
    """Write the outcome of an attempt, if this caller still holds the claim."""
    return delivery.release(Notification, pk, claimed_at, **fields)


def notification_claim(pk: int, *, now=None) -> Notification | None:
    """Claim a notice for sending: one UPDATE that only one caller can win. A pending notice is
    claimed; so is one whose claim is stale (its worker died mid-send). A notice that has had all
    its attempts is not. Returns the claimed row, or None when someone else has it or it is done."""
    return delivery.claim(Notification, pk, limits(), now=now)


def _claim_held(pk: int, now) -> float | None:
    return delivery.claim_held(Notification, pk, limits(), now)


def notification_send(pk: int) -> bool:
    """Send one queued notice. Returns whether this call sent it: False when it has been sent or has
    failed. Raises DeliveryDeferred after a temporary failure with attempts left, and when someone
    else holds a claim that is not stale yet: the worker that holds it may have been killed (the
    prefork pool hands its task straight back, long before the claim is stale), so this task comes
    back when the claim would be stale and finishes the job if that worker did not."""
    now = timezone.now()
    notification = notification_claim(pk, now=now)
    if notification is None:
        wait = _claim_held(pk, now)
        if wait is None:
            return False
        raise DeliveryDeferred("claimed by another worker", wait)
    claimed_at, recipient = notification.claimed_at, notification.recipient
    if not recipient:
        _release(pk, claimed_at, status=NotificationStatus.FAILED, last_error="no address (deleted by retention)")
        return False
    if address_is_bouncing(recipient):
        _release(pk, claimed_at, status=NotificationStatus.FAILED, last_error=BOUNCING)
        return False
    try:
        _render(notification).send()
    except Exception as error:  # noqa: BLE001 - every failure is written to the ledger
        return _failed(notification, error)
    if not _release(pk, claimed_at, status=NotificationStatus.SENT, sent_at=timezone.now(), last_error=""):
        logger.warning("notification %s was sent after its claim went stale; it may have gone twice", pk)
    return True


def _failed(notification: Notification, error: Exception) -> bool:
    pk, claimed_at, recipient = notification.pk, notification.claimed_at, notification.recipient
    failure = classify_failure(error)
    reason = _without_address(failure.reason, recipient)
    if failure.temporary and notification.attempts < settings.NOTIFICATION_MAX_ATTEMPTS:
        countdown = retry_countdown(notification.attempts)
        _release(
            pk,
            claimed_at,
            status=NotificationStatus.PENDING,
            retry_at=timezone.now() + timedelta(seconds=countdown),
            last_error=reason,
        )
        logger.info("notification %s: temporary failure (%s), attempt %s", pk, reason, notification.attempts)
        raise DeliveryDeferred(reason, countdown) from error
    if failure.temporary:
        reason = _without_address(f"gave up after {notification.attempts} attempts: {failure.reason}", recipient)
    with transaction.atomic():
        _release(pk, claimed_at, status=NotificationStatus.FAILED, last_error=reason)
        if failure.bounce:
            BouncingAddress.objects.get_or_create(
                email=normalised_address(recipient), defaults={"reason": reason, "notification_id": pk}
            )
    if failure.temporary or failure.bounce:
        logger.warning("notification %s failed: %s", pk, reason)
    else:
        logger.error("notification %s failed: %s", pk, reason, exc_info=error)
    return False


# --- The ledger's one action -------------------------------------------------------------------


class ResendRefused(Refused):
    """The notice cannot be sent again now; `reasons` say why, in words for the editor."""


def notification_resend(*, notification_id: int, by: User, address_fixed: bool = False) -> Notification:
    """Send a failed or sent notice again, on the responsible editor's request: back to `pending`
    with fresh attempts, handed over after commit. Refused while it is waiting or being sent, for a
    notice whose address was deleted, and for a bouncing address unless the editor confirms it has
    been fixed, which removes it from the bouncing addresses."""
    with transaction.atomic():
        notification = Notification.objects.select_for_update().filter(pk=notification_id).first()
        if notification is None:
            raise Notification.DoesNotExist
        reasons = []
        if notification.status not in (NotificationStatus.FAILED, NotificationStatus.SENT):
            reasons.append(
                _("Only a notice that was sent or has failed can be sent again; this one is “%(status)s”.")
                % {"status": notification.get_status_display()}
            )
        if not notification.recipient:
            reasons.append(_("The recipient's address has been deleted (retention period)."))
        bouncing = BouncingAddress.objects.filter(email=normalised_address(notification.recipient))
        if notification.recipient and bouncing.exists() and not address_fixed:
            reasons.append(_("The address bounces. Confirm that it has been fixed, or the notice will fail again."))
        if reasons:
            raise ResendRefused(reasons)
        if address_fixed:
            bouncing.delete()
        Notification.objects.filter(pk=notification.pk).update(
            status=NotificationStatus.PENDING,
            attempts=0,
            retry_at=None,
            claimed_at=None,
            last_error="",
            resent_at=timezone.now(),
            resent_by=by,
        )
        transaction.on_commit(lambda: notification_hand_over(notification.pk))
    notification.refresh_from_db()
    return notification
