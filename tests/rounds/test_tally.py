"""The quorum rule (governance.rounds.tally): at least numerator/denominator of the seats that have not
recused themselves voted (an abstention is a vote) and, unless the round says otherwise, both
constituencies are among the voters; then more "recommend" (with or without changes) than "do not
recommend" is recommended, a tie or fewer is not; without a quorum there is no recommendation."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from governance.models import Constituency, Recommendation, ReviewRound, RoundState, Vote, VoteChoice
from governance.rounds.tally import round_tallies
from tests.factories import make_round, make_seats
from tests.rounds import enrol, make_partnerships
from tests.support import make_proposal

pytestmark = pytest.mark.django_db

REC, WITH, NOT, ABSTAIN, RECUSED = (
    VoteChoice.RECOMMEND,
    VoteChoice.RECOMMEND_WITH_CHANGES,
    VoteChoice.NOT_RECOMMEND,
    VoteChoice.ABSTAIN,
    VoteChoice.RECUSED,
)
TRUST, MUNICIPALITY = Constituency.HOSPITAL_TRUST, Constituency.MUNICIPALITY


def setup(partnerships: int, **quorum):
    """A round in review with two seats per partnership, and one proposal in it. Returns the round,
    the trust seats, the municipality seats and the proposal."""
    review_round = make_round(state=RoundState.RESOURCE_GROUP_REVIEW)
    if quorum:
        ReviewRound.objects.filter(pk=review_round.pk).update(**quorum)
        review_round.refresh_from_db()
    seats = make_seats(review_round, make_partnerships(partnerships, prefix="t"))
    proposal = make_proposal(description="Feil.")
    enrol(review_round, proposal)
    return review_round, seats[0::2], seats[1::2], proposal


def cast(seats, proposal, *choices) -> None:
    for seat, choice in zip(seats, choices, strict=False):
        Vote.objects.create(
            seat=seat,
            proposal=proposal,
            choice=choice,
            cast_by=seat.holder,
            comment="Endring." if choice == WITH else "",
        )


def tally_of(review_round, proposal):
    return round_tallies(review_round)[proposal.pk]


def test_exactly_two_thirds_is_a_quorum():
    review_round, trust, municipality, proposal = setup(3)  # 6 seats
    cast(trust, proposal, REC, REC)
    cast(municipality, proposal, REC, NOT)  # 4 of 6 voted
    tally = tally_of(review_round, proposal)
    assert (tally.eligible, tally.voted) == (6, 4)
    assert tally.has_quorum(review_round)
    assert tally.outcome(review_round) == Recommendation.RECOMMENDED


def test_just_under_two_thirds_is_no_quorum():
    review_round, trust, municipality, proposal = setup(3)
    cast(trust, proposal, REC, REC)
    cast(municipality, proposal, REC)  # 3 of 6
    tally = tally_of(review_round, proposal)
    assert not tally.has_quorum(review_round)
    assert tally.outcome(review_round) == Recommendation.NONE


def test_one_constituency_missing_gives_no_recommendation_when_both_are_required():
    review_round, trust, municipality, proposal = setup(4)  # 8 seats
    cast(trust, proposal, REC, REC, REC, REC)
    cast(municipality, proposal, RECUSED, RECUSED)  # 4 of the 6 eligible, all from the hospital trusts
    tally = tally_of(review_round, proposal)
    assert (tally.eligible, tally.voted) == (6, 4)
    assert tally.constituencies_voting() == {TRUST}
    assert tally.outcome(review_round) == Recommendation.NONE

    ReviewRound.objects.filter(pk=review_round.pk).update(both_constituencies_required=False)
    review_round.refresh_from_db()
    assert tally.outcome(review_round) == Recommendation.RECOMMENDED


def test_a_tie_is_not_recommended():
    review_round, trust, municipality, proposal = setup(2)
    cast(trust, proposal, REC, NOT)
    cast(municipality, proposal, WITH, NOT)
    tally = tally_of(review_round, proposal)
    assert (tally.in_favour, tally.against) == (2, 2)
    assert tally.outcome(review_round) == Recommendation.NOT_RECOMMENDED


def test_more_against_is_not_recommended():
    review_round, trust, municipality, proposal = setup(2)
    cast(trust, proposal, NOT, NOT)
    cast(municipality, proposal, REC)
    assert tally_of(review_round, proposal).outcome(review_round) == Recommendation.NOT_RECOMMENDED


def test_recused_seats_leave_the_denominator():
    review_round, trust, municipality, proposal = setup(3)  # 6 seats
    cast(trust, proposal, REC, RECUSED, RECUSED)
    cast(municipality, proposal, REC, NOT)  # 3 of 4 eligible; 3 of 6 would be no quorum
    tally = tally_of(review_round, proposal)
    assert (tally.recused, tally.eligible, tally.voted) == (2, 4, 3)
    assert tally.has_quorum(review_round)
    assert tally.outcome(review_round) == Recommendation.RECOMMENDED


def test_a_constituency_whose_voters_all_recused_has_not_voted():
    review_round, trust, municipality, proposal = setup(2)
    cast(trust, proposal, REC, REC)
    cast(municipality, proposal, RECUSED)  # 2 of 3 eligible, but no municipality among the voters
    tally = tally_of(review_round, proposal)
    assert tally.voted * 3 >= 2 * tally.eligible
    assert tally.outcome(review_round) == Recommendation.NONE


def test_abstentions_count_as_votes():
    review_round, trust, municipality, proposal = setup(3)
    cast(trust, proposal, REC, ABSTAIN)
    cast(municipality, proposal, ABSTAIN, ABSTAIN)  # 4 of 6 voted, 1 in favour, none against
    tally = tally_of(review_round, proposal)
    assert tally.voted == 4 and tally.has_quorum(review_round)
    assert tally.outcome(review_round) == Recommendation.RECOMMENDED


def test_all_abstaining_is_a_tie_and_not_recommended():
    review_round, trust, municipality, proposal = setup(1)
    cast(trust, proposal, ABSTAIN)
    cast(municipality, proposal, ABSTAIN)
    assert tally_of(review_round, proposal).outcome(review_round) == Recommendation.NOT_RECOMMENDED


def test_recommend_with_changes_counts_in_favour():
    review_round, trust, municipality, proposal = setup(1)
    cast(trust, proposal, WITH)
    cast(municipality, proposal, ABSTAIN)
    tally = tally_of(review_round, proposal)
    assert tally.in_favour == 1
    assert tally.outcome(review_round) == Recommendation.RECOMMENDED


def test_custom_quorum_half_without_both_constituencies():
    review_round, trust, municipality, proposal = setup(
        3, quorum_numerator=1, quorum_denominator=2, both_constituencies_required=False
    )
    cast(trust, proposal, REC, REC, NOT)  # 3 of 6, all from the hospital trusts
    tally = tally_of(review_round, proposal)
    assert tally.has_quorum(review_round)
    assert tally.outcome(review_round) == Recommendation.RECOMMENDED
    # Half is the floor: one vote less is no quorum.
    Vote.objects.filter(seat=trust[2], proposal=proposal).delete()
    assert tally_of(review_round, proposal).outcome(review_round) == Recommendation.NONE


def test_custom_quorum_half_still_wants_both_constituencies_by_default():
    review_round, trust, municipality, proposal = setup(3, quorum_numerator=1, quorum_denominator=2)
    cast(trust, proposal, REC, REC, REC)
    assert tally_of(review_round, proposal).outcome(review_round) == Recommendation.NONE


def test_everyone_recused_is_no_recommendation():
    review_round, trust, municipality, proposal = setup(1)
    cast(trust, proposal, RECUSED)
    cast(municipality, proposal, RECUSED)
    tally = tally_of(review_round, proposal)
    assert tally.eligible == 0
    assert tally.outcome(review_round) == Recommendation.NONE


def test_no_votes_no_recommendation_and_counts_per_constituency():
    review_round, trust, municipality, proposal = setup(2)
    tally = tally_of(review_round, proposal)
    assert tally.outcome(review_round) == Recommendation.NONE
    cast(trust, proposal, REC, NOT)
    cast(municipality, proposal, WITH)
    tally = tally_of(review_round, proposal)
    assert tally.seats == {TRUST: 2, MUNICIPALITY: 2}
    assert (tally.count(REC, TRUST), tally.count(NOT, TRUST), tally.count(WITH, MUNICIPALITY)) == (1, 1, 1)
    assert tally.count(REC, MUNICIPALITY) == 0


def test_only_this_rounds_seats_and_proposals_count():
    review_round, trust, municipality, proposal = setup(1)
    other = make_round(year=2028, state=RoundState.RESOURCE_GROUP_REVIEW)
    other_seats = make_seats(other, make_partnerships(1, prefix="o"), prefix="o")
    cast(other_seats, proposal, NOT, NOT)  # the same proposal, voted on in another round
    cast(trust, proposal, REC)
    cast(municipality, proposal, REC)
    tallies = round_tallies(review_round)
    assert list(tallies) == [proposal.pk]
    assert (tallies[proposal.pk].in_favour, tallies[proposal.pk].against) == (2, 0)


def _queries(review_round) -> int:
    with CaptureQueriesContext(connection) as queries:
        round_tallies(review_round)
    return len(queries)


def test_three_queries_whatever_the_size():
    small, *_rest = setup(1)
    large = make_round(year=2028, state=RoundState.RESOURCE_GROUP_REVIEW)
    seats = make_seats(large, make_partnerships(8, prefix="l"), prefix="l")
    for index in range(20):
        proposal = make_proposal(description=f"Feil {index}.")
        enrol(large, proposal)
        cast(seats, proposal, *([REC, NOT, ABSTAIN, RECUSED] * 4))
    assert _queries(small) == _queries(large) == 3
    # Given the proposals, one query fewer.
    with CaptureQueriesContext(connection) as queries:
        round_tallies(large, proposal_ids=[proposal.pk])
    assert len(queries) == 2
