"""The resource group in the yearly round: seats, votes, comments and the meeting's record.

Seats. One hospital-trust seat and one municipality seat per partnership and round; the database
holds that line (seat_one_per_constituency, seat_holder_once_per_round, seat_deputy_once_per_round,
seat_deputy_is_not_holder). Two rules need other rows and live here: a person has one role in a
round (the holder of one seat or the deputy of one, never both), and only the partnership's
resource-group members may hold its seats or deputise for them.

Votes. A vote belongs to the seat, not to the person (one per seat and proposal, a unique
constraint), so the holder and the deputy can never both vote. The holder votes while present; the
deputy only while the holder is marked absent. Advisers (RKBU, RVTS) and the editor read and comment
and never vote. Votes are taken, and may be changed, while the round is in `resource_group_review`.

Locks. A vote reads the round and its seat with FOR SHARE: many votes go on side by side, while
anything that changes the round's phase or the seat (who holds it, whether the holder is absent)
waits until the votes in flight have committed, and votes that come later see the change. Two
attempts by the same seat on the same proposal therefore race only on the insert, and that race is
settled by the unique constraint itself (INSERT … ON CONFLICT DO UPDATE): one row, the last word kept.
"""

import logging
from dataclasses import dataclass, field

from django.contrib.auth.models import User
from django.db import IntegrityError, connection, transaction
from django.db.models import Model, Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from governance import permissions as perms
from governance.models import (
    REVIEWED_STATES,
    AuditEntry,
    ChangeProposal,
    Constituency,
    ProposalState,
    Recommendation,
    ReviewComment,
    ReviewRound,
    RoundItem,
    RoundState,
    Seat,
    Vote,
    VoteChoice,
)
from governance.proposals.services import NotPermitted
from pathways import services as pathway_services
from pathways.models import Partnership, Profile, Role

logger = logging.getLogger(__name__)

TEXT_MAX_LENGTH = 5000
# The phases in which the editor may still assign seats and mark holders absent: up to and through
# the resource group's review, when the meeting is held.
SEAT_PHASES = (
    RoundState.PLANNED,
    RoundState.COLLECTING,
    RoundState.PARTNERSHIP_REVIEW,
    RoundState.RESOURCE_GROUP_REVIEW,
)
# The meeting's recommendation may be recorded in the room and, afterwards, until the editor decides.
RECORD_PHASES = (RoundState.RESOURCE_GROUP_REVIEW, RoundState.EDITORIAL)


VOTING_CLOSED = gettext_lazy("Voting is closed: votes are taken while the resource group reviews the proposals.")


class Refused(pathway_services.Refused):
    """A seat, vote, comment or record is not allowed now; `reasons` say why, in words for the user."""


class VotingClosed(Refused):
    """A vote outside the voting window (the round's `resource_group_review` phase): a 403."""


class NoVote(Refused):
    """The user may read the round but has no vote now (an adviser, the editor, a holder marked
    absent, a deputy whose holder is present): a 403."""


def _name(user: User) -> str:
    return user.get_full_name() or user.get_username()


def _read_for_share[M: Model](model: type[M], pk: int) -> M | None:
    """The row, read under FOR SHARE on PostgreSQL (see the module's docstring). Django offers only
    FOR UPDATE, which would make every vote wait for every other."""
    suffix = " FOR SHARE" if connection.vendor == "postgresql" else ""
    table = connection.ops.quote_name(model._meta.db_table)
    rows = list(model._default_manager.raw(f"SELECT * FROM {table} WHERE id = %s{suffix}", [pk]))  # noqa: S608
    return rows[0] if rows else None


# --- Seats ---------------------------------------------------------------------------------------


def _is_member_of(user: User, partnership: Partnership) -> bool:
    profile = getattr(user, "profile", None)
    return profile is not None and profile.role == Role.RESOURCE_MEMBER and profile.partnership_id == partnership.pk


def _role_in(seat: Seat, user_id: int) -> str:
    constituency = Constituency(seat.constituency).label
    if seat.holder_id == user_id:
        return _("holds the %(constituency)s seat of %(partnership)s") % {
            "constituency": constituency,
            "partnership": seat.partnership.name,
        }
    return _("is deputy for the %(constituency)s seat of %(partnership)s") % {
        "constituency": constituency,
        "partnership": seat.partnership.name,
    }


def seat_assign(
    *,
    review_round: ReviewRound,
    partnership: Partnership,
    constituency: str,
    holder: User,
    deputy: User | None = None,
    by: User,
) -> Seat:
    """Give the partnership's hospital-trust or municipality seat to `holder`, with `deputy` (or
    none), creating the seat or replacing who holds it. The seat's votes stay with the seat. A new
    holder starts as present.

    The round's row is locked first, so two assignments in one round are served one after the
    other and the one-role-per-person check cannot be raced past."""
    if not perms.can_manage_round(by):
        raise NotPermitted
    if constituency not in Constituency.values:
        raise ValueError(f"unknown constituency {constituency!r}")
    with transaction.atomic():
        review_round = ReviewRound.objects.select_for_update(no_key=True).get(pk=review_round.pk)
        reasons = []
        if review_round.state not in SEAT_PHASES:
            reasons.append(
                _("The seats can no longer be changed: the round is in the phase “%(state)s”.")
                % {"state": review_round.get_state_display()}
            )
        for person, message in (
            (holder, _("%(name)s is not a resource-group member of %(partnership)s, so cannot hold its seat.")),
            (deputy, _("%(name)s is not a resource-group member of %(partnership)s, so cannot be its deputy.")),
        ):
            if person is not None and not _is_member_of(person, partnership):
                reasons.append(message % {"name": _name(person), "partnership": partnership.name})
        if deputy is not None and deputy.pk == holder.pk:
            reasons.append(_("The deputy cannot be the seat holder."))
        seat = (
            Seat.objects.select_for_update()
            .filter(review_round=review_round, partnership=partnership, constituency=constituency)
            .first()
        )
        people = [person.pk for person in (holder, deputy) if person is not None]
        taken = (
            Seat.objects.filter(review_round=review_round)
            .filter(Q(holder_id__in=people) | Q(deputy_id__in=people))
            .select_related("partnership")
        )
        if seat is not None:
            taken = taken.exclude(pk=seat.pk)
        for other in taken:
            for person in (holder, deputy):
                if person is not None and person.pk in (other.holder_id, other.deputy_id):
                    reasons.append(
                        _("%(name)s already %(role)s in this round; a person has one role in a round.")
                        % {"name": _name(person), "role": _role_in(other, person.pk)}
                    )
        if reasons:
            raise Refused(reasons)
        if seat is None:
            seat = Seat(review_round=review_round, partnership=partnership, constituency=constituency)
        if seat.holder_id != holder.pk:
            seat.holder_absent = False
        seat.holder, seat.deputy = holder, deputy
        try:
            with transaction.atomic():
                seat.save()
        except IntegrityError:
            # Only a change made outside this service (the admin, a shell) can get here.
            raise Refused(_("The seats were changed at the same time by someone else. Try again.")) from None
        logger.info(
            "seat assigned: round=%s partnership=%s constituency=%s holder=%s deputy=%s by=%s",
            review_round.year,
            partnership.slug,
            constituency,
            holder.pk,
            deputy.pk if deputy else None,
            by.pk,
        )
    return seat


def seat_set_absent(*, seat: Seat, absent: bool, by: User) -> Seat:
    """Mark the holder absent (the deputy votes for the seat) or present again (the holder votes).
    Waits for votes on the seat that are in flight, so none is counted for the wrong person."""
    if not perms.can_manage_round(by):
        raise NotPermitted
    with transaction.atomic():
        seat = Seat.objects.select_for_update(of=("self",)).select_related("review_round").get(pk=seat.pk)
        if seat.review_round.state not in SEAT_PHASES:
            raise Refused(
                _("The seats can no longer be changed: the round is in the phase “%(state)s”.")
                % {"state": seat.review_round.get_state_display()}
            )
        seat.holder_absent = absent
        seat.save(update_fields=["holder_absent"])
        logger.info("seat %s holder_absent=%s by=%s", seat.pk, absent, by.pk)
    return seat


@dataclass
class SeatsCopied:
    created: list[Seat] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # why a seat was not copied, one line each


def previous_round(review_round: ReviewRound) -> ReviewRound | None:
    return ReviewRound.objects.filter(year__lt=review_round.year).order_by("-year").first()


def seats_copy(*, from_round: ReviewRound, to_round: ReviewRound, by: User) -> SeatsCopied:
    """Copy last year's seats into a round: every seat the round does not have yet, with its holder
    and deputy, when they are still resource-group members of the partnership and have no role in
    the round yet (a deputy who no longer qualifies is left out, the seat copied without one). Seats
    already assigned are kept. Holders start as present. Four queries, however many seats."""
    if not perms.can_manage_round(by):
        raise NotPermitted
    if from_round.pk == to_round.pk:
        raise Refused(_("Seats can only be copied from another round."))
    with transaction.atomic():
        to_round = ReviewRound.objects.select_for_update(no_key=True).get(pk=to_round.pk)
        if to_round.state not in SEAT_PHASES:
            raise Refused(
                _("The seats can no longer be changed: the round is in the phase “%(state)s”.")
                % {"state": to_round.get_state_display()}
            )
        existing = list(Seat.objects.filter(review_round=to_round))
        filled = {(seat.partnership_id, seat.constituency) for seat in existing}
        busy = {seat.holder_id for seat in existing} | {seat.deputy_id for seat in existing if seat.deputy_id}
        members = set(
            Profile.objects.filter(role=Role.RESOURCE_MEMBER, partnership__isnull=False).values_list(
                "user_id", "partnership_id"
            )
        )
        result = SeatsCopied()
        for old in Seat.objects.filter(review_round=from_round).select_related("partnership", "holder", "deputy"):
            if (old.partnership_id, old.constituency) in filled:
                continue
            label = {"constituency": Constituency(old.constituency).label, "partnership": old.partnership.name}
            if (old.holder_id, old.partnership_id) not in members:
                result.skipped.append(
                    _("The %(constituency)s seat of %(partnership)s: %(name)s is no longer a resource-group member.")
                    % (label | {"name": _name(old.holder)})
                )
                continue
            if old.holder_id in busy:
                result.skipped.append(
                    _("The %(constituency)s seat of %(partnership)s: %(name)s already has a role in this round.")
                    % (label | {"name": _name(old.holder)})
                )
                continue
            deputy_id = old.deputy_id
            if old.deputy is not None and ((deputy_id, old.partnership_id) not in members or deputy_id in busy):
                result.skipped.append(
                    _("The deputy for the %(constituency)s seat of %(partnership)s (%(name)s) was not copied.")
                    % (label | {"name": _name(old.deputy)})
                )
                deputy_id = None
            result.created.append(
                Seat(
                    review_round=to_round,
                    partnership_id=old.partnership_id,
                    constituency=old.constituency,
                    holder_id=old.holder_id,
                    deputy_id=deputy_id,
                )
            )
            busy.add(old.holder_id)
            if deputy_id is not None:
                busy.add(deputy_id)
        Seat.objects.bulk_create(result.created)
        logger.info(
            "seats copied: %s -> %s, %s seats, by=%s", from_round.year, to_round.year, len(result.created), by.pk
        )
    return result


def seat_held(user, review_round: ReviewRound) -> Seat | None:
    """The seat the user holds or is deputy for in the round, whether or not they may vote now."""
    if not user.is_authenticated:
        return None
    return (
        Seat.objects.filter(review_round=review_round)
        .filter(Q(holder=user) | Q(deputy=user))
        .select_related("partnership")
        .order_by("pk")
        .first()
    )


def votes_for(seat: Seat | None, user) -> bool:
    """Whether `user` votes for `seat` now: its holder while present, its deputy while the holder is
    absent. Only resource-group members vote."""
    if seat is None:
        return False
    profile = getattr(user, "profile", None)
    if profile is None or profile.role != Role.RESOURCE_MEMBER:
        return False
    if seat.holder_id == user.pk:
        return not seat.holder_absent
    return seat.deputy_id == user.pk and seat.holder_absent


def seat_for(user, review_round: ReviewRound) -> Seat | None:
    """The seat the user votes for in the round now, or None."""
    seat = seat_held(user, review_round)
    return seat if votes_for(seat, user) else None


def no_vote_reason(seat: Seat | None, user) -> str:
    """Why the user has no vote now, for the page and the refusal."""
    profile = getattr(user, "profile", None)
    if profile is not None and profile.role == Role.ADVISER:
        return _("Advisers read and comment on the proposals; only the seats vote.")
    if seat is None or (profile is not None and profile.role != Role.RESOURCE_MEMBER):
        return _("You hold no seat in the resource group this round, so you cannot vote.")
    if seat.holder_id == user.pk:
        return _("You are marked absent: your deputy votes for the seat.")
    return _("The seat holder is present and votes for the seat; the deputy votes only while the holder is absent.")


# --- Votes ---------------------------------------------------------------------------------------


def _in_review(review_round: ReviewRound, proposal: ChangeProposal) -> bool:
    return RoundItem.objects.filter(
        review_round=review_round, proposal=proposal, proposal__state=ProposalState.IN_REVIEW
    ).exists()


def vote_cast(
    *, review_round: ReviewRound, proposal: ChangeProposal, user: User, choice: str, comment: str = ""
) -> Vote:
    """Cast or change the vote of the seat `user` votes for, on a proposal in the round's review.

    Raises VotingClosed outside the window, NoVote when the user has no vote now, Refused for a
    proposal not in review or a vote that is not complete ("recommend with changes" needs a comment
    saying which). Twenty attempts at once by the same seat store one vote, the last one's."""
    comment = (comment or "").strip()
    if choice not in VoteChoice.values:
        raise Refused(_("Choose one of the votes offered."))
    if choice == VoteChoice.RECOMMEND_WITH_CHANGES and not comment:
        raise Refused(_("Say in the comment which changes you recommend."))
    if len(comment) > TEXT_MAX_LENGTH:
        raise Refused(_("The comment is too long: at most %(limit)s characters.") % {"limit": TEXT_MAX_LENGTH})
    with transaction.atomic():
        shared = _read_for_share(ReviewRound, review_round.pk)
        # The caller's round, read again under the share lock (nothing in the service deletes a round).
        assert shared is not None
        review_round = shared
        if review_round.state != RoundState.RESOURCE_GROUP_REVIEW:
            raise VotingClosed(VOTING_CLOSED)
        held = seat_held(user, review_round)
        seat = _read_for_share(Seat, held.pk) if held is not None else None
        if not votes_for(seat, user):
            raise NoVote(no_vote_reason(seat, user))
        if not _in_review(review_round, proposal):
            raise Refused(_("This proposal is not in the resource group's review in this round."))
        # One statement settles a race between attempts by the same seat: the unique constraint
        # (seat, proposal) turns the second insert into an update of the first row.
        Vote.objects.bulk_create(
            [Vote(seat=seat, proposal=proposal, choice=choice, comment=comment, cast_by=user)],
            update_conflicts=True,
            unique_fields=["seat", "proposal"],
            update_fields=["choice", "comment", "cast_by", "cast_at"],
        )
        vote = Vote.objects.get(seat=seat, proposal=proposal)
    return vote


# --- Comments ------------------------------------------------------------------------------------


def comment_add(*, item: RoundItem, user: User, text: str) -> ReviewComment:
    """A comment on a proposal in review, by a seat holder, a deputy, an adviser or the editor.
    Sending the same text twice in a row (a double click) stores it once."""
    text = (text or "").strip()
    if not text:
        raise Refused(_("Write a comment."))
    if len(text) > TEXT_MAX_LENGTH:
        raise Refused(_("The comment is too long: at most %(limit)s characters.") % {"limit": TEXT_MAX_LENGTH})
    with transaction.atomic():
        item = (
            RoundItem.objects.select_for_update(no_key=True, of=("self",))
            .select_related("review_round", "proposal")
            .get(pk=item.pk)
        )
        if not perms.can_comment_in_round(user, item.review_round):
            raise NotPermitted
        if item.review_round.state != RoundState.RESOURCE_GROUP_REVIEW:
            raise Refused(_("Comments are taken while the resource group reviews the proposals."))
        if item.proposal.state != ProposalState.IN_REVIEW:
            raise Refused(_("This proposal is not in the resource group's review in this round."))
        last = ReviewComment.objects.filter(item=item, author=user).order_by("-created_at", "-pk").first()
        if last is not None and last.text == text:
            return last
        return ReviewComment.objects.create(item=item, author=user, text=text)


# --- The meeting ---------------------------------------------------------------------------------


def meeting_record(*, item: RoundItem, recommendation: str, note: str = "", by: User) -> RoundItem:
    """The responsible editor, as the meeting's secretary, records what the resource group
    recommended for a proposal decided in the room, with a note. May be corrected until the editor
    has decided on the proposal. The proposal's state is left as it is: the round's move to the
    editor's decisions settles it (from the recorded recommendation, or else the tally)."""
    if not perms.can_manage_round(by):
        raise NotPermitted
    if recommendation not in Recommendation.values:
        raise Refused(_("Choose the meeting's recommendation."))
    note = (note or "").strip()
    if len(note) > TEXT_MAX_LENGTH:
        raise Refused(_("The note is too long: at most %(limit)s characters.") % {"limit": TEXT_MAX_LENGTH})
    with transaction.atomic():
        item = (
            RoundItem.objects.select_for_update(no_key=True, of=("self",))
            .select_related("review_round", "proposal")
            .get(pk=item.pk)
        )
        reasons = []
        if item.review_round.state not in RECORD_PHASES:
            reasons.append(
                _(
                    "The meeting's recommendation is recorded during the resource group's review or the editor's "
                    "decisions."
                )
            )
        if item.decision:
            reasons.append(_("The editor has already decided on this proposal."))
        if item.proposal.state not in REVIEWED_STATES:
            reasons.append(_("This proposal has not been reviewed by the resource group."))
        if reasons:
            raise Refused(reasons)
        item.meeting_recommendation, item.meeting_note = recommendation, note
        item.save(update_fields=["meeting_recommendation", "meeting_note"])
        label = str(Recommendation(recommendation).label)
        AuditEntry.objects.create(
            proposal=item.proposal,
            actor=by,
            action="meeting_record",
            from_state=item.proposal.state,
            to_state=item.proposal.state,
            comment=f"{label}: {note}" if note else label,
        )
    return item
