"""The yearly round's phases: what must hold before a phase may be left, what happens then, and the
partnerships' forwarding.

A round walks planned → collecting → partnership_review → resource_group_review → editorial →
released → closed, one step at a time, always through `round_advance`: the editor's button, and the
beat (`rounds_advance_due`) when a phase's last day has passed. The step locks the round's row, asks
`round_blockers` why it may not go on, and either refuses with those reasons (`RoundRefused`) or
makes the model's transition and the phase's side effects in one transaction:

- open (planned → collecting): postponed proposals are carried over (→ deferred); every deferred
  proposal gets a `RoundItem`, every partnership a `PartnershipReview`.
- → partnership_review: proposals deferred since the opening are enrolled (every deferred proposal
  belongs to the open round).
- → resource_group_review: forwarded proposals go to the resource group (→ in_review).
- → editorial: the vote closes. The meeting's recorded recommendation, else the tally, moves each
  proposal in review to recommended / not_recommended; "no recommendation" leaves it in review.
- → released: `governance.rounds.release.release_publish` publishes what the editor decided.
- → closed: nothing else.

The beat moves only the three phases with a deadline that end on their own (collecting, the
partnerships' review, the vote). The editor's decisions end with the release, which is always the
editor's own action: it publishes new versions, so nothing publishes while nobody is looking.

A deadline is a date, the last day of its phase in Europe/Oslo: the phase ends when that day does
(at 00:00 Oslo time the next day, 23:00 or 22:00 UTC depending on the season).
"""

import logging
from datetime import date, datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.db.models import Count, Field
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from governance import permissions as perms
from governance.models import (
    PHASE_DEADLINES,
    ChangeProposal,
    PartnershipReview,
    ProposalState,
    Recommendation,
    ReviewRound,
    RoundItem,
    RoundState,
    Seat,
)
from governance.proposals.services import NotPermitted, proposal_transition
from governance.rounds.release import ReleaseRefused, release_blockers, release_publish
from governance.rounds.tally import round_tallies
from pathways.models import Partnership
from pathways.services import Refused

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

logger = logging.getLogger(__name__)

OSLO = ZoneInfo("Europe/Oslo")
COMMENT_MAX_LENGTH = 5000
# The slug of the "partnership" page that holds the proposals on the common text (no partnership).
COMMON_SLUG = "felles"

PHASES = [
    RoundState.PLANNED,
    RoundState.COLLECTING,
    RoundState.PARTNERSHIP_REVIEW,
    RoundState.RESOURCE_GROUP_REVIEW,
    RoundState.EDITORIAL,
    RoundState.RELEASED,
    RoundState.CLOSED,
]
# The transition on ReviewRound that leaves each phase.
NEXT_STEP = {
    RoundState.PLANNED: "open",
    RoundState.COLLECTING: "start_partnership_review",
    RoundState.PARTNERSHIP_REVIEW: "start_resource_group_review",
    RoundState.RESOURCE_GROUP_REVIEW: "start_editorial",
    RoundState.EDITORIAL: "release",
    RoundState.RELEASED: "close",
}
# The phases the beat ends when their last day has passed. Not editorial: the release is the editor's.
AUTOMATIC_PHASES = (RoundState.COLLECTING, RoundState.PARTNERSHIP_REVIEW, RoundState.RESOURCE_GROUP_REVIEW)
# A round in any other phase is open, and only one round may be open at a time.
NOT_OPEN = (RoundState.PLANNED, RoundState.CLOSED)
DEADLINE_FIELDS = ("collecting_until", "partnership_review_until", "voting_until", "editorial_until")
QUORUM_FIELDS = ("quorum_numerator", "quorum_denominator", "both_constituencies_required")


class RoundRefused(Refused):
    """The round, or something in it, may not do this now; `reasons` say why, for the user."""


# --- Dates ---------------------------------------------------------------------------------------


def oslo_today(now: datetime | None = None) -> date:
    """Today's date in Europe/Oslo, whatever the server's or the beat's time zone."""
    return timezone.localtime(now or timezone.now(), OSLO).date()


def deadline_passed(review_round: ReviewRound, now: datetime | None = None) -> bool:
    """Whether the current phase's last day is over in Oslo. A phase without a deadline never is."""
    deadline = review_round.deadline()
    return deadline is not None and oslo_today(now) > deadline


def phase_index(state: str) -> int:
    return PHASES.index(RoundState(state))


def next_phase(state: str) -> str | None:
    index = phase_index(state)
    return PHASES[index + 1] if index + 1 < len(PHASES) else None


def phase_label(state: str) -> str:
    return str(RoundState(state).label)


# --- Creating and changing a round --------------------------------------------------------------


def _check_values(values: dict) -> list[str]:
    """What is wrong with a round's dates and quorum; `values` holds every field."""
    reasons = []
    deadlines = [values[name] for name in DEADLINE_FIELDS]
    if any(later < earlier for earlier, later in zip(deadlines, deadlines[1:], strict=False)):
        reasons.append(
            _(
                "The last days must follow in order: collecting, the partnerships' review, the resource "
                "group's vote, the editor's decisions."
            )
        )
    meeting_on = values.get("meeting_on")
    if meeting_on is not None and not values["partnership_review_until"] < meeting_on <= values["voting_until"]:
        reasons.append(
            _("The resource group meets while it reviews the proposals: after %(start)s and no later than %(end)s.")
            % {
                "start": values["partnership_review_until"].strftime("%d.%m.%Y"),
                "end": values["voting_until"].strftime("%d.%m.%Y"),
            }
        )
    numerator, denominator = values["quorum_numerator"], values["quorum_denominator"]
    if not (1 <= numerator <= denominator):
        reasons.append(_("The quorum must be a share: a numerator of at least 1 and no larger than the denominator."))
    return reasons


def round_create(
    *,
    by: User,
    year: int,
    collecting_until: date,
    partnership_review_until: date,
    voting_until: date,
    editorial_until: date,
    meeting_on: date | None = None,
    quorum_numerator: int = 2,
    quorum_denominator: int = 3,
    both_constituencies_required: bool = True,
) -> ReviewRound:
    """A new round in `planned` for the revision `year`. The responsible editor's alone (anyone else:
    NotPermitted). Refused with the reasons when the year already has a round, the last day of
    collecting has already passed, the last days are out of order, the meeting is not while the
    resource group reviews, or the quorum is not a share."""
    if not perms.can_manage_round(by):
        raise NotPermitted
    values = {
        "collecting_until": collecting_until,
        "partnership_review_until": partnership_review_until,
        "voting_until": voting_until,
        "editorial_until": editorial_until,
        "meeting_on": meeting_on,
        "quorum_numerator": quorum_numerator,
        "quorum_denominator": quorum_denominator,
        "both_constituencies_required": both_constituencies_required,
    }
    today = oslo_today()
    reasons = _check_values(values)
    if collecting_until < today:
        reasons.append(_("The last day of collecting has already passed."))
    if ReviewRound.objects.filter(year=year).exists():
        reasons.insert(0, _("There is already a round for %(year)s.") % {"year": year})
    if reasons:
        raise RoundRefused(reasons)
    try:
        # The unique year decides a race between two editors creating the same year at once.
        with transaction.atomic():
            review_round = ReviewRound.objects.create(year=year, **values)
    except IntegrityError:
        raise RoundRefused([_("There is already a round for %(year)s.") % {"year": year}]) from None
    logger.info("round %s created by user=%s", review_round.pk, by.pk)
    return review_round


# Passed for a field round_update should leave as it is (None is a value: no meeting date).
UNCHANGED = object()


def locked_fields(review_round: ReviewRound) -> set[str]:
    """The fields that may no longer change: the last day of every phase that is over, the quorum
    once the vote has started, and everything once the round is released."""
    current = phase_index(review_round.state)
    locked = {field for state, field in PHASE_DEADLINES.items() if phase_index(state) < current}
    if current >= phase_index(RoundState.RESOURCE_GROUP_REVIEW):
        locked.update(QUORUM_FIELDS)
    if current >= phase_index(RoundState.EDITORIAL):
        locked.add("meeting_on")
    return locked


def round_update(
    *,
    round_id: int,
    by: User,
    collecting_until=UNCHANGED,
    partnership_review_until=UNCHANGED,
    voting_until=UNCHANGED,
    editorial_until=UNCHANGED,
    meeting_on=UNCHANGED,
    quorum_numerator=UNCHANGED,
    quorum_denominator=UNCHANGED,
    both_constituencies_required=UNCHANGED,
) -> ReviewRound:
    """Change a round's last days, meeting date and quorum (the responsible editor's alone).

    The last day of a phase that is over cannot change, nor the quorum once the vote has started
    (the votes were cast under it), nor the meeting date once the vote has closed. A new last day
    may not lie in the past: the beat would end the phase at once. Passing a field's current value
    is no change, so a form may send every field back."""
    if not perms.can_manage_round(by):
        raise NotPermitted
    given = {
        "collecting_until": collecting_until,
        "partnership_review_until": partnership_review_until,
        "voting_until": voting_until,
        "editorial_until": editorial_until,
        "meeting_on": meeting_on,
        "quorum_numerator": quorum_numerator,
        "quorum_denominator": quorum_denominator,
        "both_constituencies_required": both_constituencies_required,
    }
    with transaction.atomic():
        review_round = ReviewRound.objects.select_for_update().filter(pk=round_id).first()
        if review_round is None:
            raise NotPermitted
        changes = {
            name: value
            for name, value in given.items()
            if value is not UNCHANGED and value != getattr(review_round, name)
        }
        reasons = []
        locked = locked_fields(review_round)
        for name in changes:
            if name in locked:
                reasons.append(_changed_too_late(review_round, name))
        today = oslo_today()
        for name in DEADLINE_FIELDS:
            if name in changes and name not in locked and changes[name] < today:
                reasons.append(
                    _("“%(field)s” cannot be set to a day that has already passed.") % {"field": _field_label(name)}
                )
        values = {name: getattr(review_round, name) for name in given} | changes
        reasons += _check_values(values)
        if reasons:
            raise RoundRefused(reasons)
        if changes:
            for name, value in changes.items():
                setattr(review_round, name, value)
            review_round.save(update_fields=list(changes))
            logger.info("round %s changed by user=%s: %s", review_round.pk, by.pk, ",".join(sorted(changes)))
    return review_round


def _changed_too_late(review_round: ReviewRound, name: str) -> str:
    if name in QUORUM_FIELDS:
        return _("The quorum cannot change once the resource group has started to vote.")
    if name == "meeting_on":
        return _("The meeting date cannot change once the vote has closed.")
    return _("“%(field)s” cannot change: that phase is over.") % {"field": _field_label(name)}


def _field_label(name: str) -> "StrOrPromise":
    field = ReviewRound._meta.get_field(name)
    # One of the round's own fields, never the far side of a relation.
    assert isinstance(field, Field)
    return field.verbose_name


# --- What stands in the way of the next phase ---------------------------------------------------


def _undecided_by_partnership(review_round: ReviewRound) -> dict[int | None, int]:
    """How many of the round's proposals are still neither forwarded nor declined, per partnership
    id (None: the common text). One query."""
    rows = (
        RoundItem.objects.filter(review_round=review_round, proposal__state=ProposalState.DEFERRED)
        .values_list("proposal__partnership_id")
        .annotate(n=Count("*"))
        .order_by()
    )
    return dict(rows)


def round_blockers(review_round: ReviewRound) -> list[str]:
    """Why the round may not move to its next phase now; empty when it may. Each reason is a
    translated sentence naming what is in the way; `round_advance` asks once, under the round's
    lock, and refuses with the reasons.

    - planned → collecting: another round is open (only one may be).
    - partnership_review → resource_group_review: the resource group has no seats; or a
      partnership has proposals it has neither forwarded nor declined, unless it said it has
      nothing to forward (those proposals stay held for next year); or proposals on the common
      text are undecided (those are the responsible editor's).
    - editorial → released: whatever `governance.rounds.release.release_blockers` says.
    - closed: there is no next phase.
    """
    state = review_round.state
    reasons: list[str] = []
    if state == RoundState.PLANNED:
        other = ReviewRound.objects.exclude(pk=review_round.pk).exclude(state__in=NOT_OPEN).order_by("year").first()
        if other is not None:
            reasons.append(
                _("The round for %(year)s is still open (%(phase)s): only one round can be open at a time.")
                % {"year": other.year, "phase": other.get_state_display()}
            )
    elif state == RoundState.PARTNERSHIP_REVIEW:
        if not Seat.objects.filter(review_round=review_round).exists():
            reasons.append(_("The resource group has no seats in this round yet."))
        undecided = _undecided_by_partnership(review_round)
        if undecided:
            passing = set(
                PartnershipReview.objects.filter(review_round=review_round, nothing_to_forward=True).values_list(
                    "partnership_id", flat=True
                )
            )
            names: dict[int | None, str] = dict(
                Partnership.objects.filter(pk__in=[pk for pk in undecided if pk]).values_list("pk", "name")
            )
            for partnership_id, count in sorted(undecided.items(), key=lambda row: names.get(row[0], "")):
                if partnership_id in passing:
                    continue
                reasons.append(
                    ngettext(
                        "%(partnership)s: %(count)s proposal is neither forwarded nor declined.",
                        "%(partnership)s: %(count)s proposals are neither forwarded nor declined.",
                        count,
                    )
                    % {"partnership": names.get(partnership_id) or _("The common text"), "count": count}
                )
    elif state == RoundState.EDITORIAL:
        reasons += release_blockers(review_round)
    elif state == RoundState.CLOSED:
        reasons.append(_("The round is closed: it has no next phase."))
    return reasons


# --- Moving on ------------------------------------------------------------------------------------


def round_advance(*, round_id: int, by: User | None = None, from_state: str | None = None) -> ReviewRound:
    """Move the round to its next phase, with that step's side effects, in one transaction.

    The one way a round moves: the editor's button (`by` the responsible editor; anyone else gets
    NotPermitted) and the beat (`by=None`, a system step: audit entries then have no actor). The
    release publishes, so it always needs the editor (`by=None` is refused there).

    The round's row is locked first, so two advances at once are served one after the other.
    `from_state` is the phase the caller saw (the confirmation page sends it back): when the round
    has moved on meanwhile, the second is refused instead of skipping a phase. Refusals raise
    RoundRefused with the reasons from `round_blockers`.
    """
    if by is not None and not perms.can_manage_round(by):
        raise NotPermitted
    with transaction.atomic():
        review_round = ReviewRound.objects.select_for_update().filter(pk=round_id).first()
        if review_round is None:
            raise NotPermitted
        state = review_round.state
        if from_state is not None and state != from_state:
            raise RoundRefused(
                [
                    _("The round has already moved on: it is now in the phase “%(phase)s”.")
                    % {"phase": review_round.get_state_display()}
                ]
            )
        if state not in NEXT_STEP:
            raise RoundRefused(round_blockers(review_round) or [_("The round is closed: it has no next phase.")])
        if state == RoundState.EDITORIAL and by is None:
            raise RoundRefused([_("Only the responsible editor can release the round.")])
        reasons = round_blockers(review_round)
        if reasons:
            raise RoundRefused(reasons)
        getattr(review_round, NEXT_STEP[state])()
        review_round.save()
        _SIDE_EFFECTS[state](review_round, by)
        logger.info(
            "round %s moved from %s to %s by user=%s",
            review_round.pk,
            state,
            review_round.state,
            getattr(by, "pk", None),
        )
    return review_round


def _enrol(review_round: ReviewRound, proposal_ids) -> int:
    """A RoundItem in this round for each proposal that has none yet."""
    items = [RoundItem(review_round=review_round, proposal_id=pk) for pk in proposal_ids]
    RoundItem.objects.bulk_create(items, ignore_conflicts=True)
    return len(items)


def _on_open(review_round: ReviewRound, by: User | None) -> None:
    # Postponed last year: back to deferred, one audited move each, so the timeline shows the carry-over.
    postponed = ChangeProposal.objects.filter(state=ProposalState.POSTPONED).values_list("pk", flat=True)
    for proposal_id in list(postponed):
        proposal_transition(proposal_id=proposal_id, action="carry_over", by=by)
    deferred = ChangeProposal.objects.filter(state=ProposalState.DEFERRED).values_list("pk", flat=True)
    _enrol(review_round, list(deferred))
    PartnershipReview.objects.bulk_create(
        [
            PartnershipReview(review_round=review_round, partnership_id=pk)
            for pk in Partnership.objects.values_list("pk", flat=True)
        ],
        ignore_conflicts=True,
    )


def _on_partnership_review(review_round: ReviewRound, by: User | None) -> None:
    # Deferred while collecting: every deferred proposal belongs to the open round.
    deferred = ChangeProposal.objects.filter(state=ProposalState.DEFERRED).values_list("pk", flat=True)
    _enrol(review_round, list(deferred))


def _on_resource_group_review(review_round: ReviewRound, by: User | None) -> None:
    forwarded = RoundItem.objects.filter(review_round=review_round, proposal__state=ProposalState.FORWARDED)
    for proposal_id in list(forwarded.values_list("proposal_id", flat=True)):
        proposal_transition(proposal_id=proposal_id, action="start_review", by=by)


def _on_editorial(review_round: ReviewRound, by: User | None) -> None:
    in_review = dict(
        RoundItem.objects.filter(review_round=review_round, proposal__state=ProposalState.IN_REVIEW).values_list(
            "proposal_id", "meeting_recommendation"
        )
    )
    tallies = round_tallies(review_round, proposal_ids=list(in_review))
    for proposal_id, recorded in in_review.items():
        # What the meeting recorded counts over the tally; "no recommendation" leaves it in review.
        outcome = recorded or tallies[proposal_id].outcome(review_round)
        if outcome == Recommendation.RECOMMENDED:
            proposal_transition(proposal_id=proposal_id, action="recommend", by=by)
        elif outcome == Recommendation.NOT_RECOMMENDED:
            proposal_transition(proposal_id=proposal_id, action="not_recommend", by=by)


def _on_release(review_round: ReviewRound, by: User | None) -> None:
    # round_advance refuses the release without the editor.
    assert by is not None
    try:
        release_publish(review_round=review_round, by=by)
    except ReleaseRefused as refused:
        # Raised inside round_advance's transaction: the round stays in editorial, nothing is published.
        raise RoundRefused(refused.reasons) from None


def _on_close(review_round: ReviewRound, by: User | None) -> None:
    pass


# Keyed by the phase that is left.
_SIDE_EFFECTS = {
    RoundState.PLANNED: _on_open,
    RoundState.COLLECTING: _on_partnership_review,
    RoundState.PARTNERSHIP_REVIEW: _on_resource_group_review,
    RoundState.RESOURCE_GROUP_REVIEW: _on_editorial,
    RoundState.EDITORIAL: _on_release,
    RoundState.RELEASED: _on_close,
}


def rounds_advance_due(*, now: datetime | None = None) -> list[ReviewRound]:
    """End every phase whose last day is over: what the beat runs every 15 minutes.

    For each round collecting, in the partnerships' review or in the resource group's vote whose
    deadline has passed in Oslo (the day after the last day has begun there), one `round_advance`
    as the system (`by=None`). A refused step is logged with the round's id and the round stays
    where it is; the next tick tries again, so a phase blocked by undecided proposals ends as soon
    as they are decided. One step per round per tick: a round whose later deadlines have passed as
    well (the beat was down) takes the next step on the next tick. The editor's decisions never end
    on their own: the release is the editor's action. Returns the rounds that moved."""
    now = now or timezone.now()
    moved = []
    for review_round in ReviewRound.objects.filter(state__in=AUTOMATIC_PHASES).order_by("year"):
        if not deadline_passed(review_round, now):
            continue
        try:
            moved.append(round_advance(round_id=review_round.pk, by=None, from_state=review_round.state))
        except RoundRefused as refused:
            logger.warning(
                "round %s not moved on from %s at its deadline (%s reasons)",
                review_round.pk,
                review_round.state,
                len(refused.reasons),
            )
    return moved
