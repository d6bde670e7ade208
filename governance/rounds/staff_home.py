"""What the staff home page (pathways') shows of the yearly round: the votes a seat has left, or the
proposals open to an adviser's comments. An answer to `pathways.signals.staff_home_tasks`, connected
in `GovernanceConfig.ready`."""

from django.contrib.auth.models import AnonymousUser, User
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from governance.models import ProposalState, ReviewRound, RoundItem, RoundState, Vote
from governance.rounds.voting import seat_for
from pathways.models import Role
from pathways.signals import StaffTask


def round_home_tasks(sender: object, *, user: User | AnonymousUser, language: str, **kwargs: object) -> list[StaffTask]:
    """The person's task in the round under vote, if any: at most four queries."""
    profile = getattr(user, "profile", None)
    if profile is None or profile.role not in (Role.RESOURCE_MEMBER, Role.ADVISER):
        return []
    review_round = ReviewRound.objects.filter(state=RoundState.RESOURCE_GROUP_REVIEW).order_by("year").first()
    if review_round is None:
        return []
    votes_url = reverse("governance:round_votes", kwargs={"year": review_round.year})
    seat = seat_for(user, review_round)
    if seat is None:
        text = _("The proposals of the %(year)d round are open for the resource group's comments.") % {
            "year": review_round.year
        }
        return [StaffTask(text, _("Read and comment"), votes_url)]
    in_review = RoundItem.objects.filter(review_round=review_round, proposal__state=ProposalState.IN_REVIEW)
    voted = Vote.objects.filter(seat=seat, proposal_id__in=in_review.values("proposal_id")).count()
    left = in_review.count() - voted
    if left:
        text = ngettext(
            "You have %(count)d vote left in the %(year)d round.",
            "You have %(count)d votes left in the %(year)d round.",
            left,
        ) % {"count": left, "year": review_round.year}
        return [StaffTask(text, _("Vote on the proposals"), votes_url)]
    text = _("You have voted on every proposal in the %(year)d round.") % {"year": review_round.year}
    return [StaffTask(text, _("See your votes"), votes_url)]
