"""The resource group's vote count: quorum and outcome per proposal, per constituency.

The rule is the round's: the outcome counts when at least `quorum_numerator/quorum_denominator` of
the seats that have not recused themselves voted (an abstention is a vote) and, unless the round
says otherwise, both constituencies are among the voters. Then "recommend" and "recommend with
changes" together against "do not recommend": more is recommended, a tie or fewer is not. Without a
quorum there is no recommendation. `round_tallies` costs two queries whatever the number of
proposals and seats.
"""

from collections import Counter
from dataclasses import dataclass, field

from django.db.models import Count

from governance.models import Constituency, Recommendation, ReviewRound, Seat, Vote, VoteChoice

FOR = (VoteChoice.RECOMMEND, VoteChoice.RECOMMEND_WITH_CHANGES)


@dataclass
class Tally:
    proposal_id: int
    seats: Counter = field(default_factory=Counter)  # constituency -> seats in the round
    votes: dict = field(default_factory=dict)  # constituency -> Counter(choice -> votes)

    def count(self, choice: str, constituency: str | None = None) -> int:
        groups = [self.votes.get(constituency, Counter())] if constituency else self.votes.values()
        return sum(group[choice] for group in groups)

    @property
    def recused(self) -> int:
        return self.count(VoteChoice.RECUSED)

    @property
    def eligible(self) -> int:
        """Seats that may vote on this proposal: all but the recused."""
        return sum(self.seats.values()) - self.recused

    @property
    def voted(self) -> int:
        return sum(sum(group.values()) for group in self.votes.values()) - self.recused

    @property
    def in_favour(self) -> int:
        return sum(self.count(choice) for choice in FOR)

    @property
    def against(self) -> int:
        return self.count(VoteChoice.NOT_RECOMMEND)

    def constituencies_voting(self) -> set[str]:
        return {
            constituency
            for constituency, group in self.votes.items()
            if sum(group.values()) - group[VoteChoice.RECUSED] > 0
        }

    def has_quorum(self, review_round: ReviewRound) -> bool:
        if self.eligible <= 0:
            return False
        share = self.voted * review_round.quorum_denominator >= review_round.quorum_numerator * self.eligible
        both = not review_round.both_constituencies_required or self.constituencies_voting() >= set(Constituency.values)
        return share and both

    def outcome(self, review_round: ReviewRound) -> str:
        if not self.has_quorum(review_round):
            return Recommendation.NONE
        return Recommendation.RECOMMENDED if self.in_favour > self.against else Recommendation.NOT_RECOMMENDED


def round_tallies(review_round: ReviewRound, proposal_ids=None) -> dict[int, Tally]:
    """The tally of every proposal in the round (or of those given), keyed by proposal id."""
    seats = Counter(
        dict(
            Seat.objects.filter(review_round=review_round)
            .order_by()
            .values_list("constituency")
            .annotate(n=Count("*"))
            .values_list("constituency", "n")
        )
    )
    votes = Vote.objects.filter(seat__review_round=review_round).order_by()
    if proposal_ids is None:
        proposal_ids = review_round.items.values_list("proposal_id", flat=True)
        votes = votes.filter(proposal__round_items__review_round=review_round)
    else:
        proposal_ids = list(proposal_ids)
        votes = votes.filter(proposal_id__in=proposal_ids)
    tallies = {pk: Tally(pk, seats=seats) for pk in proposal_ids}
    rows = votes.values_list("proposal_id", "seat__constituency", "choice").annotate(n=Count("*"))
    for proposal_id, constituency, choice, n in rows:
        tallies[proposal_id].votes.setdefault(constituency, Counter())[choice] += n
    return tallies
