"""The partnerships' review in the yearly round: each partnership's local editor (or the responsible
editor, for the common text) forwards its proposals to the resource group or declines them, says it
has nothing to forward, or marks its review finished; and the progress per partnership."""

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Count, F, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from governance import permissions as perms
from governance.models import ChangeProposal, PartnershipReview, ProposalState, ReviewRound, RoundItem, RoundState
from governance.proposals.services import NotPermitted, TransitionRefused, proposal_transition
from governance.rounds.phases import COMMENT_MAX_LENGTH, COMMON_SLUG, NOT_OPEN, RoundRefused
from pathways.models import Partnership

logger = logging.getLogger(__name__)


def _clean_comment(comment: str, *, required: bool, missing: str) -> str:
    comment = (comment or "").strip()
    if required and not comment:
        raise RoundRefused([missing])
    if len(comment) > COMMENT_MAX_LENGTH:
        raise RoundRefused([_("The comment can be at most %(limit)s characters long.") % {"limit": COMMENT_MAX_LENGTH}])
    if "\x00" in comment:
        raise RoundRefused([_("The comment contains a character that cannot be stored.")])
    return comment


def may_forward_for(user, partnership: Partnership | None) -> bool:
    """The partnership's local editor or the responsible editor; the common text (no partnership)
    is the responsible editor's."""
    if partnership is None:
        return bool(perms.can_manage_round(user))
    return bool(perms.can_forward_for(user, partnership))


def _require_partnership_review(review_round: ReviewRound) -> None:
    if review_round.state != RoundState.PARTNERSHIP_REVIEW:
        raise RoundRefused(
            [
                _("Proposals are forwarded only while the partnerships review them; the round is now “%(phase)s”.")
                % {"phase": review_round.get_state_display()}
            ]
        )


def _locked_item(item_id: int, by: User) -> RoundItem:
    """The item, its round locked (so the phase cannot move on under us); NotPermitted when it does
    not exist or is not the user's to forward."""
    item = RoundItem.objects.select_related("proposal__partnership").filter(pk=item_id).first()
    if item is None or not may_forward_for(by, item.proposal.partnership):
        raise NotPermitted
    # The round row first, as round_advance does, then the item: one order, no deadlock.
    item.review_round = ReviewRound.objects.select_for_update().get(pk=item.review_round_id)
    RoundItem.objects.select_for_update().filter(pk=item.pk).get()
    return item


def _partnership_review_row(review_round: ReviewRound, partnership: Partnership) -> PartnershipReview:
    # Made at the opening for every partnership; one created later gets its row here.
    review, _created = PartnershipReview.objects.select_for_update().get_or_create(
        review_round=review_round, partnership=partnership
    )
    return review


def _passed(review_round: ReviewRound, partnership: Partnership | None) -> bool:
    return (
        partnership is not None
        and PartnershipReview.objects.filter(
            review_round=review_round, partnership=partnership, finished_at__isnull=False
        ).exists()
    )


def _move(item: RoundItem, *, action: str, by: User, comment: str) -> None:
    try:
        proposal_transition(proposal_id=item.proposal_id, action=action, by=by, comment=comment)
    except TransitionRefused as refused:
        raise RoundRefused([str(refused)]) from None


def round_forward(*, item_id: int, by: User, comment: str = "") -> RoundItem:
    """The partnership sends a proposal on to the resource group, with an optional comment for it.
    Only while the partnerships review, and only before the partnership said it is finished."""
    comment = _clean_comment(comment, required=False, missing="")
    with transaction.atomic():
        item = _locked_item(item_id, by)
        _require_partnership_review(item.review_round)
        if _passed(item.review_round, item.proposal.partnership):
            raise RoundRefused([_("The partnership has finished its review; nothing more can be forwarded.")])
        _move(item, action="forward", by=by, comment=comment)
        item.partnership_comment = comment
        item.forwarded_at = timezone.now()
        item.save(update_fields=["partnership_comment", "forwarded_at"])
    return item


def round_decline(*, item_id: int, by: User, comment: str) -> RoundItem:
    """The partnership does not send a proposal on. The reason is required: the submitter is told it
    (it becomes the proposal's decision comment). The proposal is closed."""
    comment = _clean_comment(
        comment, required=True, missing=_("Give the reason for declining it: the submitter is told the reason.")
    )
    with transaction.atomic():
        item = _locked_item(item_id, by)
        _require_partnership_review(item.review_round)
        if _passed(item.review_round, item.proposal.partnership):
            raise RoundRefused([_("The partnership has finished its review; nothing more can be declined.")])
        _move(item, action="decline", by=by, comment=comment)
        item.partnership_comment = comment
        item.save(update_fields=["partnership_comment"])
    return item


def _partnership_step(
    review_round: ReviewRound, partnership: Partnership, by: User
) -> tuple[ReviewRound, PartnershipReview]:
    if not may_forward_for(by, partnership):
        raise NotPermitted
    locked = ReviewRound.objects.select_for_update().get(pk=review_round.pk)
    _require_partnership_review(locked)
    return locked, _partnership_review_row(locked, partnership)


def _items_of(review_round: ReviewRound, partnership: Partnership | None) -> QuerySet[RoundItem]:
    items = RoundItem.objects.filter(review_round=review_round)
    if partnership is None:
        return items.filter(proposal__partnership__isnull=True)
    return items.filter(proposal__partnership=partnership)


def partnership_nothing_to_forward(
    *, review_round: ReviewRound, partnership: Partnership, by: User, comment: str = ""
) -> PartnershipReview:
    """The partnership forwards nothing this year: its review is finished, and its proposals stay
    held (deferred) for next year's round instead of blocking this one. Declines nothing. Refused
    once the partnership has forwarded anything; saying it again changes nothing."""
    comment = _clean_comment(comment, required=False, missing="")
    with transaction.atomic():
        locked, review = _partnership_step(review_round, partnership, by)
        if review.nothing_to_forward:
            return review
        forwarded = _items_of(locked, partnership).filter(forwarded_at__isnull=False).count()
        if forwarded:
            raise RoundRefused(
                [
                    ngettext(
                        "The partnership has already forwarded %(count)s proposal.",
                        "The partnership has already forwarded %(count)s proposals.",
                        forwarded,
                    )
                    % {"count": forwarded}
                ]
            )
        review.nothing_to_forward = True
        review.comment = comment
        review.finished_at = review.finished_at or timezone.now()
        review.finished_by = review.finished_by or by
        review.save(update_fields=["nothing_to_forward", "comment", "finished_at", "finished_by"])
        logger.info("round %s: partnership %s has nothing to forward (user=%s)", locked.pk, partnership.pk, by.pk)
    return review


def partnership_finish(*, review_round: ReviewRound, partnership: Partnership, by: User) -> PartnershipReview:
    """The partnership has forwarded or declined every proposal and says it is done. Refused while
    any is undecided; saying it again changes nothing."""
    with transaction.atomic():
        locked, review = _partnership_step(review_round, partnership, by)
        if review.finished_at is not None:
            return review
        undecided = _items_of(locked, partnership).filter(proposal__state=ProposalState.DEFERRED).count()
        if undecided:
            raise RoundRefused(
                [
                    ngettext(
                        "%(count)s proposal is neither forwarded nor declined yet.",
                        "%(count)s proposals are neither forwarded nor declined yet.",
                        undecided,
                    )
                    % {"count": undecided}
                ]
            )
        review.finished_at = timezone.now()
        review.finished_by = by
        review.save(update_fields=["finished_at", "finished_by"])
        logger.info("round %s: partnership %s finished (user=%s)", locked.pk, partnership.pk, by.pk)
    return review


# --- Reads ----------------------------------------------------------------------------------------


@dataclass
class PartnershipProgress:
    """One row of the round's progress table. `partnership` None is the common text."""

    partnership: Partnership | None
    total: int = 0
    forwarded: int = 0
    declined: int = 0
    undecided: int = 0
    finished_at: datetime | None = None
    nothing_to_forward: bool = False

    @property
    def slug(self) -> str:
        return self.partnership.slug if self.partnership else COMMON_SLUG

    @property
    def finished(self) -> bool:
        return self.finished_at is not None


def round_progress(
    review_round: ReviewRound, *, partnership: Partnership | None = None, common: bool = True
) -> list[PartnershipProgress]:
    """Each partnership's progress in the round: its proposals, how many it forwarded, declined and
    has still to decide, whether it is finished or has nothing to forward; then the common text.
    With `partnership`, that partnership's row only. Three queries whatever the number of
    partnerships and proposals.

    While the round collects, proposals are not yet enrolled: `total` then counts the proposals held
    for the round so far (every deferred proposal belongs to the open round)."""
    partnerships = Partnership.objects.order_by("name")
    if partnership is not None:
        partnerships = partnerships.filter(pk=partnership.pk)
        common = False
    rows: dict[int | None, PartnershipProgress] = {p.pk: PartnershipProgress(partnership=p) for p in partnerships}
    if common:
        rows[None] = PartnershipProgress(partnership=None)
    for review in PartnershipReview.objects.filter(
        review_round=review_round, partnership_id__in=[pk for pk in rows if pk]
    ):
        rows[review.partnership_id].finished_at = review.finished_at
        rows[review.partnership_id].nothing_to_forward = review.nothing_to_forward
    # One row per partnership id, with the counts named as PartnershipProgress names them.
    counts: Iterable[Mapping[str, Any]]
    if review_round.state == RoundState.COLLECTING:
        counts = (
            ChangeProposal.objects.filter(state=ProposalState.DEFERRED)
            .values("partnership_id")
            .annotate(total=Count("*"), undecided=Count("*"))
            .order_by()
        )
    else:
        counts = (
            RoundItem.objects.filter(review_round=review_round)
            .values(partnership_id=F("proposal__partnership_id"))
            .annotate(
                total=Count("*"),
                forwarded=Count("pk", filter=Q(forwarded_at__isnull=False)),
                declined=Count("pk", filter=Q(proposal__state=ProposalState.DECLINED)),
                undecided=Count("pk", filter=Q(proposal__state=ProposalState.DEFERRED)),
            )
            .order_by()
        )
    for count in counts:
        row = rows.get(count["partnership_id"])
        if row is not None:
            for name, value in count.items():
                if name != "partnership_id":
                    setattr(row, name, value)
    return list(rows.values())


def round_items(review_round: ReviewRound, partnership: Partnership | None) -> QuerySet[RoundItem]:
    """The round's proposals of one partnership (None: the common text), oldest first, with what
    the partnership page shows. One query."""
    return (
        _items_of(review_round, partnership)
        .select_related("proposal__pathway")
        .order_by("proposal__created_at", "proposal_id")
    )


def current_round() -> ReviewRound | None:
    """The open round, else the next planned one, else the latest."""
    rounds = list(ReviewRound.objects.order_by("year"))
    for review_round in rounds:
        if review_round.state not in NOT_OPEN:
            return review_round
    planned = [r for r in rounds if r.state == RoundState.PLANNED]
    if planned:
        return planned[0]
    return rounds[-1] if rounds else None
