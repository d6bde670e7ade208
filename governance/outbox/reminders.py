"""Reminders and digests: what is due, decided from the database in Europe/Oslo, queued into the
outbox (`governance.Notification`).

Beat ticks `workers.reminders_sweep` every 15 minutes (in UTC); the tick only starts the sweep. The
sweep reads the time from the database server (`database_now`), never from the worker's clock, so a
worker whose clock runs 5 minutes fast sends nothing early, and every worker and beat agree on what
day it is. All it decides is in Europe/Oslo: nothing goes out before `REMINDER_HOUR` o'clock local
time (07:00 is 05:00 UTC in summer, 06:00 UTC in winter), and from then on, on the day a notice is
due, the first sweep queues it.

What is due (each notice in the recipient's written standard, with absolute links to the work):

- `digest`, to each local editor with digests on: daily, when the partnership has proposals in `new`
  older than `DIGEST_AFTER_DAYS`.
- `escalation`, to each responsible editor: daily, when proposals have been in `new` longer than
  `ESCALATE_AFTER_DAYS`; one summary with a line per partnership, not one notice per proposal (a
  backlog of hundreds would otherwise bury the editor in mail).
- `editor_quick_fixes`, to each responsible editor: daily, when quick fixes have waited longer than
  `QUICK_FIX_REMINDER_DAYS`.
- `forward_reminder`, to each local editor: `FORWARD_REMINDER_DAYS` before `partnership_review_until`
  while the round is in `partnership_review` and the partnership has undecided proposals, has not
  finished and has not said it has nothing to forward.
- `vote_reminder`, to each seat with votes left (the deputy when the holder is absent):
  `VOTE_REMINDER_DAYS` before `voting_until` while the round is in `resource_group_review`.
- `editor_undecided`, to each responsible editor: `UNDECIDED_REMINDER_DAYS` before `editorial_until`
  while the round is in `editorial` and proposals in review have no decision.

Only the digest can be switched off (`Profile.digests_enabled`: the preferences page, or the signed
one-click link in every digest); the others are required.

Exactly once: every notice has a dedupe key of kind, recipient, subject object and due date (the
Oslo date it is due), made by `notifications.notification_dedupe_key`, and `Notification.dedupe_key`
is unique. A second sweep, a second
beat, or a task delivered twice finds the key taken and queues nothing; two sweeps at the same
moment race on the unique index and the loser's insert does nothing (`ON CONFLICT DO NOTHING`).

Constant queries: the counts come from GROUP BY queries per partnership or seat, never one query per
proposal or per recipient, and the notices are written with one INSERT; a sweep runs the same number
of queries for 4 recipients as for 400 (the digest sweep is benchmarked: bench/digest_sweep.py).
"""

import logging
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import cached_property, lru_cache
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.core import signing
from django.db import connection, transaction
from django.db.models import Count, Min, Q
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import formats, translation

from governance.models import (
    REVIEWED_STATES,
    ChangeProposal,
    PartnershipReview,
    ProposalKind,
    ProposalState,
    ReviewRound,
    RoundItem,
    RoundState,
    Seat,
    Vote,
)
from governance.outbox.notifications import notification_dedupe_key, notifications_queue_many
from pathways.models import LANGUAGE_CODES, Partnership, Profile, Role

logger = logging.getLogger(__name__)

OSLO = ZoneInfo("Europe/Oslo")

DIGEST = "digest"
ESCALATION = "escalation"
QUICK_FIXES = "editor_quick_fixes"
FORWARD_REMINDER = "forward_reminder"
VOTE_REMINDER = "vote_reminder"
UNDECIDED = "editor_undecided"
# What a person may switch off, and what always goes out (the preferences page lists both).
SWITCHABLE_KINDS = (DIGEST,)
REQUIRED_KINDS = (ESCALATION, QUICK_FIXES, FORWARD_REMINDER, VOTE_REMINDER, UNDECIDED)

UNSUBSCRIBE_SALT = "governance.reminders.digest-unsubscribe"
# A token made by `unsubscribe_token` is about 40 characters; anything much longer is not one.
UNSUBSCRIBE_TOKEN_MAX_LENGTH = 200
# How many of the proposals left to vote on a vote reminder lists by name (the link shows all).
VOTE_ITEMS_LISTED = 20


# --- The clock ------------------------------------------------------------------------------------


def database_now() -> datetime:
    """The database server's clock, in UTC: the one clock every worker and beat share. Tests set the
    sweep's `now` explicitly (or replace this function); `time_machine` moves only Python's clock."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT statement_timestamp()")
            return cursor.fetchone()[0].astimezone(UTC)
        cursor.execute("SELECT CURRENT_TIMESTAMP")  # SQLite: 'YYYY-MM-DD HH:MM:SS', in UTC
        value = cursor.fetchone()[0]
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    return datetime.fromisoformat(value).replace(tzinfo=UTC)


def oslo_time(now: datetime) -> datetime:
    return now.astimezone(OSLO)


# --- Links and tokens -----------------------------------------------------------------------------


def unsubscribe_token(user_id: int) -> str:
    """The signed part of a person's one-click "no more digests" link. It says only who; it does not
    expire, so an old digest's link still works (RFC 8058 asks that the link keep working)."""
    return signing.dumps(user_id, salt=UNSUBSCRIBE_SALT)


def unsubscribe_user_id(token: str) -> int | None:
    """The user id a token was made for; None for anything `unsubscribe_token` did not make."""
    if not token or len(token) > UNSUBSCRIBE_TOKEN_MAX_LENGTH:
        return None
    try:
        value = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    except signing.BadSignature:
        return None
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _absolute(path: str) -> str:
    return settings.SITE_URL + path


def _url(language: str, name: str, **kwargs) -> str:
    with translation.override(language):
        return _absolute(reverse(name, kwargs=kwargs))


def _language(code: str | None) -> str:
    return code if code in LANGUAGE_CODES else settings.LANGUAGE_CODE


@lru_cache(maxsize=512)
def _date(day: date, language: str) -> str:
    """A date as the recipient reads it ("29. mars 2026"): the context is JSON, so dates go in as text.
    Cached: a sweep formats the same few dates for hundreds of recipients."""
    with translation.override(language):
        return formats.date_format(day, "DATE_FORMAT")


# --- Who ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Person:
    user_id: int
    email: str
    language: str
    role: str
    partnership_id: int | None
    partnership_name: str
    partnership_slug: str
    digests_enabled: bool
    username: str


def _staff() -> list[Person]:
    """The active local editors and responsible editors, also those without an address (their
    notices are written skipped, so that the ledger says why nothing came). One query."""
    rows = (
        Profile.objects.filter(role__in=[Role.LOCAL_EDITOR, Role.RESPONSIBLE_EDITOR], user__is_active=True)
        .order_by("user_id")
        .values_list(
            "user_id",
            "user__email",
            "language",
            "role",
            "partnership_id",
            "partnership__name",
            "partnership__slug",
            "digests_enabled",
            "user__username",
        )
    )
    return [
        Person(user_id, email, _language(language), role, partnership_id, name or "", slug or "", enabled, username)
        for user_id, email, language, role, partnership_id, name, slug, enabled, username in rows
    ]


# --- What ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Notice:
    kind: str
    user_id: int
    recipient: str
    language: str
    subject: str  # the object it is about, "app.model:pk"
    due_on: date
    context: dict
    who: str = ""  # the username, for the ledger's "skipped: no address"

    @cached_property
    def dedupe_key(self) -> str:
        # Without an address the person stands in its place, so that two people without one are
        # two rows (and the same person's notice, when an address is added later, a new one).
        return notification_dedupe_key(
            kind=self.kind, recipient=self.recipient or f"user:{self.user_id}", subject=self.subject, due_on=self.due_on
        )


class _Links:
    """The links every notice shares, made once per written standard per sweep."""

    def __init__(self) -> None:
        self._cache: dict[tuple, str] = {}

    def get(self, language: str, name: str, **kwargs) -> str:
        key = (language, name, tuple(sorted(kwargs.items())))
        if key not in self._cache:
            self._cache[key] = _url(language, name, **kwargs)
        return self._cache[key]

    def queue(self, language: str, query: str = "") -> str:
        return self.get(language, "governance:queue") + query

    def preferences(self, language: str) -> str:
        return self.get(language, "governance:notification_preferences")

    def unsubscribe(self, language: str, user_id: int) -> str:
        """The person's one-click link. Its path is resolved once per written standard and the
        token put in its place: resolving a URL per recipient was most of a 400-digest sweep."""
        path = self.get(language, "governance:digest_unsubscribe", token="-")
        return f"{path.removesuffix('-/')}{unsubscribe_token(user_id)}/"


def _triage_notices(*, now: datetime, today: date, staff: list[Person], links: _Links) -> list[Notice]:
    """Digests, escalations and the quick-fix reminder. At most three queries, whatever the number of
    proposals and people."""
    local_editors = [p for p in staff if p.role == Role.LOCAL_EDITOR and p.partnership_id and p.digests_enabled]
    editors = [p for p in staff if p.role == Role.RESPONSIBLE_EDITOR]
    notices: list[Notice] = []
    if local_editors or editors:
        digest_cutoff = now - timedelta(days=settings.DIGEST_AFTER_DAYS)
        escalate_cutoff = now - timedelta(days=settings.ESCALATE_AFTER_DAYS)
        # One GROUP BY over the untriaged proposals: per partnership, how many are past each limit.
        # Counting `created_at` (never null) rather than the id lets the (partnership, state,
        # created_at) index answer it without reading the table.
        rows = (
            ChangeProposal.objects.filter(state=ProposalState.NEW, created_at__lt=max(digest_cutoff, escalate_cutoff))
            .order_by()
            .values_list("partnership_id")
            .annotate(
                waiting=Count("created_at", filter=Q(created_at__lt=digest_cutoff)),
                escalated=Count("created_at", filter=Q(created_at__lt=escalate_cutoff)),
                oldest=Min("created_at"),
            )
        )
        backlog = {partnership_id: (waiting, escalated, oldest) for partnership_id, waiting, escalated, oldest in rows}
        for person in local_editors:
            waiting, escalated, oldest = backlog.get(person.partnership_id, (0, 0, None))
            if not waiting:
                continue
            notices.append(
                Notice(
                    kind=DIGEST,
                    user_id=person.user_id,
                    recipient=person.email,
                    who=person.username,
                    language=person.language,
                    subject=f"pathways.partnership:{person.partnership_id}",
                    due_on=today,
                    context={
                        "partnership": person.partnership_name,
                        "count": waiting,
                        "escalated": escalated,
                        "after_days": settings.DIGEST_AFTER_DAYS,
                        "escalate_after_days": settings.ESCALATE_AFTER_DAYS,
                        "oldest": _date(oslo_time(oldest).date(), person.language),
                        "queue_url": links.queue(person.language),
                        "preferences_url": links.preferences(person.language),
                        "unsubscribe_url": links.unsubscribe(person.language, person.user_id),
                    },
                )
            )
        escalated = {pk: (count, oldest) for pk, (_w, count, oldest) in backlog.items() if count}
        if editors and escalated:
            names = dict(Partnership.objects.filter(pk__in=[pk for pk in escalated if pk]).values_list("pk", "name"))
            # The common text (no partnership) first, then by name.
            order = sorted(escalated, key=lambda pk: (pk is not None, names.get(pk, "")))
            for person in editors:
                notices.append(
                    Notice(
                        kind=ESCALATION,
                        user_id=person.user_id,
                        recipient=person.email,
                        who=person.username,
                        language=person.language,
                        subject="governance.changeproposal:new",
                        due_on=today,
                        context={
                            "after_days": settings.ESCALATE_AFTER_DAYS,
                            "total": sum(count for count, _oldest in escalated.values()),
                            "rows": [
                                {
                                    "partnership": names.get(pk, ""),
                                    "count": escalated[pk][0],
                                    "oldest": _date(oslo_time(escalated[pk][1]).date(), person.language),
                                }
                                for pk in order
                            ],
                            "queue_url": links.queue(person.language),
                            "preferences_url": links.preferences(person.language),
                        },
                    )
                )
    if editors:
        quick_fixes = (
            ChangeProposal.objects.filter(state=ProposalState.QUICK_FIX)
            .annotate(since=Coalesce("triaged_at", "created_at"))
            .filter(since__lt=now - timedelta(days=settings.QUICK_FIX_REMINDER_DAYS))
            .aggregate(count=Count("*"), oldest=Min("since"))
        )
        if quick_fixes["count"]:
            for person in editors:
                notices.append(
                    Notice(
                        kind=QUICK_FIXES,
                        user_id=person.user_id,
                        recipient=person.email,
                        who=person.username,
                        language=person.language,
                        subject="governance.changeproposal:quick_fix",
                        due_on=today,
                        context={
                            "count": quick_fixes["count"],
                            "after_days": settings.QUICK_FIX_REMINDER_DAYS,
                            "oldest": _date(oslo_time(quick_fixes["oldest"]).date(), person.language),
                            "queue_url": links.queue(person.language, f"?state={ProposalState.QUICK_FIX}"),
                            "preferences_url": links.preferences(person.language),
                        },
                    )
                )
    return notices


def _deadline_context(review_round: ReviewRound, deadline: date, today: date, language: str) -> dict:
    return {"year": review_round.year, "deadline": _date(deadline, language), "days_left": (deadline - today).days}


def _forward_notices(review_round: ReviewRound, *, today: date, staff: list[Person], links: _Links) -> list[Notice]:
    """Each partnership's local editors, while the partnership has proposals it has neither forwarded
    nor declined and has not finished or said it has nothing to forward. One query."""
    deadline = review_round.partnership_review_until
    if (deadline - today).days not in settings.FORWARD_REMINDER_DAYS:
        return []
    local_editors = [p for p in staff if p.role == Role.LOCAL_EDITOR and p.partnership_id]
    if not local_editors:
        return []
    done = PartnershipReview.objects.filter(review_round=review_round).filter(
        Q(finished_at__isnull=False) | Q(nothing_to_forward=True)
    )
    undecided = dict(
        RoundItem.objects.filter(
            review_round=review_round,
            proposal__state=ProposalState.DEFERRED,
            proposal__partnership__isnull=False,
        )
        .exclude(proposal__partnership_id__in=done.values("partnership_id"))
        .order_by()
        .values_list("proposal__partnership_id")
        .annotate(n=Count("*"))
    )
    notices = []
    for person in local_editors:
        count = undecided.get(person.partnership_id, 0)
        if not count:
            continue
        notices.append(
            Notice(
                kind=FORWARD_REMINDER,
                user_id=person.user_id,
                recipient=person.email,
                who=person.username,
                language=person.language,
                subject=f"governance.reviewround:{review_round.pk}:partnership:{person.partnership_id}",
                due_on=today,
                context={
                    **_deadline_context(review_round, deadline, today, person.language),
                    "partnership": person.partnership_name,
                    "count": count,
                    "round_url": links.get(
                        person.language,
                        "governance:round_partnership",
                        year=review_round.year,
                        slug=person.partnership_slug,
                    ),
                    "preferences_url": links.preferences(person.language),
                },
            )
        )
    return notices


def _vote_notices(review_round: ReviewRound, *, today: date, links: _Links) -> list[Notice]:
    """Each seat that has not voted on every proposal in review: the holder, or the deputy when the
    holder is marked absent. Three queries: the proposals in review, the seats, the votes cast."""
    deadline = review_round.voting_until
    if (deadline - today).days not in settings.VOTE_REMINDER_DAYS:
        return []
    in_review = list(
        RoundItem.objects.filter(review_round=review_round, proposal__state=ProposalState.IN_REVIEW)
        .order_by("proposal__created_at", "proposal_id")
        .values_list("proposal_id", "proposal__kind", "proposal__pathway__title_nb", "proposal__pathway__title_nn")
    )
    if not in_review:
        return []
    seats = Seat.objects.filter(review_round=review_round).values_list(
        "pk",
        "partnership__name",
        "constituency",
        "holder_absent",
        "holder_id",
        "holder__username",
        "holder__email",
        "holder__is_active",
        "holder__profile__language",
        "deputy_id",
        "deputy__username",
        "deputy__email",
        "deputy__is_active",
        "deputy__profile__language",
    )
    voted = set(
        Vote.objects.filter(seat__review_round=review_round, proposal_id__in=[row[0] for row in in_review])
        .order_by()
        .values_list("seat_id", "proposal_id")
    )
    notices = []
    for (
        seat_id,
        partnership,
        constituency,
        absent,
        holder_id,
        holder_username,
        holder_email,
        holder_active,
        holder_language,
        deputy_id,
        deputy_username,
        deputy_email,
        deputy_active,
        deputy_language,
    ) in seats:
        left = [row for row in in_review if (seat_id, row[0]) not in voted]
        if not left:
            continue
        if absent and deputy_id is not None:
            user_id, username, email, active = deputy_id, deputy_username, deputy_email, deputy_active
            language = deputy_language
        else:
            user_id, username, email, active = holder_id, holder_username, holder_email, holder_active
            language = holder_language
        if not active:
            logger.warning("vote reminder for seat %s has no one to go to", seat_id)
            continue
        # Without an address the reminder is written skipped, and the ledger says so.
        language = _language(language)
        with translation.override(language):
            kinds = {code: str(label) for code, label in ProposalKind.choices}
        notices.append(
            Notice(
                kind=VOTE_REMINDER,
                user_id=user_id,
                recipient=email,
                who=username,
                language=language,
                subject=f"governance.seat:{seat_id}",
                due_on=today,
                context={
                    **_deadline_context(review_round, deadline, today, language),
                    "partnership": partnership,
                    "constituency": constituency,
                    "as_deputy": bool(absent and deputy_id is not None),
                    "count": len(left),
                    "items": [
                        {
                            "id": pk,
                            "kind": kinds.get(kind, kind),
                            "pathway": (title_nb if language == "nb" else title_nn) or "",
                            "url": links.get(language, "governance:round_vote", year=review_round.year, proposal_id=pk),
                        }
                        for pk, kind, title_nb, title_nn in left[:VOTE_ITEMS_LISTED]
                    ],
                    "more": max(0, len(left) - VOTE_ITEMS_LISTED),
                    "vote_url": links.get(language, "governance:round_votes", year=review_round.year),
                    "preferences_url": links.preferences(language),
                },
            )
        )
    return notices


def _undecided_notices(review_round: ReviewRound, *, today: date, staff: list[Person], links: _Links) -> list[Notice]:
    """The responsible editors, while proposals in review have no decision. One query."""
    deadline = review_round.editorial_until
    if (deadline - today).days not in settings.UNDECIDED_REMINDER_DAYS:
        return []
    editors = [p for p in staff if p.role == Role.RESPONSIBLE_EDITOR]
    if not editors:
        return []
    count = RoundItem.objects.filter(
        review_round=review_round, decision="", proposal__state__in=REVIEWED_STATES
    ).count()
    if not count:
        return []
    return [
        Notice(
            kind=UNDECIDED,
            user_id=person.user_id,
            recipient=person.email,
            who=person.username,
            language=person.language,
            subject=f"governance.reviewround:{review_round.pk}",
            due_on=today,
            context={
                **_deadline_context(review_round, deadline, today, person.language),
                "count": count,
                "decisions_url": links.get(person.language, "governance:round_decisions", year=review_round.year),
                "preferences_url": links.preferences(person.language),
            },
        )
        for person in editors
    ]


def _round_notices(*, today: date, staff: list[Person], links: _Links) -> list[Notice]:
    """The deadline reminders of the rounds in a phase with one. One query for the rounds (at most
    one is open at a time), and a few for the phase it is in."""
    notices: list[Notice] = []
    phases = [RoundState.PARTNERSHIP_REVIEW, RoundState.RESOURCE_GROUP_REVIEW, RoundState.EDITORIAL]
    for review_round in ReviewRound.objects.filter(state__in=phases).order_by("year"):
        if review_round.state == RoundState.PARTNERSHIP_REVIEW:
            notices += _forward_notices(review_round, today=today, staff=staff, links=links)
        elif review_round.state == RoundState.RESOURCE_GROUP_REVIEW:
            notices += _vote_notices(review_round, today=today, links=links)
        else:
            notices += _undecided_notices(review_round, today=today, staff=staff, links=links)
    return notices


# --- The sweep ------------------------------------------------------------------------------------


def reminders_sweep(*, now: datetime | None = None) -> dict[str, int]:
    """Queue every reminder and digest that is due at `now` (the database's clock when not given) and
    not queued yet. Safe to run as often as you like, from as many processes as you like: each
    notice is queued once. Returns how many notices of each kind this call queued."""
    now = now if now is not None else database_now()
    local = oslo_time(now)
    if local.hour < settings.REMINDER_HOUR:
        return {}
    today = local.date()
    links = _Links()
    with transaction.atomic():
        staff = _staff()
        notices = _triage_notices(now=now, today=today, staff=staff, links=links)
        notices += _round_notices(today=today, staff=staff, links=links)
        queued = Counter(kind for _pk, kind in notifications_queue_many(notices))
    logger.info(
        "reminders sweep at %s (Oslo %s): due %s, newly queued %s",
        now.isoformat(),
        local.strftime("%Y-%m-%d %H:%M"),
        dict(Counter(notice.kind for notice in notices)),
        dict(queued),
    )
    return dict(queued)


# --- Preferences ----------------------------------------------------------------------------------


def profile_digests_set(*, user: User, enabled: bool) -> Profile:
    """Switch a person's daily digest on or off. Deadline reminders are not affected."""
    with transaction.atomic():
        profile = Profile.objects.select_for_update().get(user=user)
        if profile.digests_enabled != enabled:
            profile.digests_enabled = enabled
            profile.save(update_fields=["digests_enabled"])
    logger.info("digests %s for user %s", "on" if enabled else "off", user.pk)
    return profile


def user_address_set(*, user: User, email: str) -> User:
    """Set a person's own e-mail address (empty: none). The next notice due to them goes there;
    one already written skipped for want of an address stays as it was, in the ledger."""
    email = email.strip()
    with transaction.atomic():
        locked = get_user_model().objects.select_for_update().get(pk=user.pk)
        if locked.email != email:
            locked.email = email
            locked.save(update_fields=["email"])
    user.email = email
    logger.info("user %s %s their e-mail address", user.pk, "set" if email else "removed")
    return user
