"""What the staff home page (pathways') shows of governance: the votes a seat has left in the
yearly round, the proposals open to an adviser's comments, and the way to the filing form. An
answer to `pathways.signals.staff_home_tasks`, connected in `GovernanceConfig.ready`."""

from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from governance.models import ProposalState, ReviewRound, RoundItem, RoundState, Seat, Vote
from pathways.models import Role
from pathways.signals import StaffTask


def staff_home_tasks_for(sender, *, user, language: str, **kwargs) -> list[StaffTask]:
    """The person's tasks: at most four queries."""
    profile = getattr(user, "profile", None)
    if profile is None:
        return []
    tasks = []
    review_round = ReviewRound.objects.filter(state=RoundState.RESOURCE_GROUP_REVIEW).order_by("year").first()
    if review_round is not None and profile.role in (Role.RESOURCE_MEMBER, Role.ADVISER):
        votes_url = reverse("governance:round_votes", kwargs={"year": review_round.year})
        # The seat this person votes for now, as governance.rounds.voting.seat_for has it (the core
        # may not import the rounds): its holder while present, its deputy while the holder is absent.
        seat = (
            Seat.objects.filter(review_round=review_round)
            .filter(Q(holder=user, holder_absent=False) | Q(deputy=user, holder_absent=True))
            .order_by("pk")
            .first()
            if profile.role == Role.RESOURCE_MEMBER
            else None
        )
        if seat is not None:
            in_review = RoundItem.objects.filter(review_round=review_round, proposal__state=ProposalState.IN_REVIEW)
            voted = Vote.objects.filter(seat=seat, proposal_id__in=in_review.values("proposal_id")).count()
            left = in_review.count() - voted
            if left:
                text = ngettext(
                    "You have %(count)d vote left in the %(year)d round.",
                    "You have %(count)d votes left in the %(year)d round.",
                    left,
                ) % {"count": left, "year": review_round.year}
                tasks.append(StaffTask(text, _("Vote on the proposals"), votes_url))
            else:
                text = _("You have voted on every proposal in the %(year)d round.") % {"year": review_round.year}
                tasks.append(StaffTask(text, _("See your votes"), votes_url))
        else:
            text = _("The proposals of the %(year)d round are open for the resource group's comments.") % {
                "year": review_round.year
            }
            tasks.append(StaffTask(text, _("Read and comment"), votes_url))
    if profile.partnership_id or profile.role == Role.RESPONSIBLE_EDITOR:  # as filer_profile_or_404
        tasks.append(
            StaffTask(
                _("Heard of an error by phone, by e-mail or in a meeting? File it as a change proposal."),
                _("Open the form"),
                reverse("governance:file"),
            )
        )
    return tasks
