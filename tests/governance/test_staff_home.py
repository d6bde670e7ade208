"""No dead ends on the staff home page (/<lang>/redaksjon/): a seat holder is told how many votes
are left and led to them, an adviser to the proposals open for comments, and everyone who may
file a proposal finds the filing form (governance.rounds.staff_home and
governance.proposals.staff_home, through pathways.signals)."""

import pytest
from django.utils import translation

from governance.models import RoundState, Vote
from governance.rounds import voting
from pathways.models import Profile, Role
from tests.factories import make_round, make_seats
from tests.rounds.test_voting import make_item
from tests.support import as_user

pytestmark = pytest.mark.django_db

HOME = "/nb/redaksjon/"
VOTES = "/nb/redaksjon/runder/2027/stemmer/"


def nb(message: str) -> str:
    with translation.override("nb"):
        return translation.gettext(message)


@pytest.fixture
def voting_round(pathway, partnership_a):
    review_round = make_round(state=RoundState.RESOURCE_GROUP_REVIEW)
    seats = make_seats(review_round, [partnership_a])
    first, _second, _third = (make_item(review_round, pathway) for _ in range(3))
    voting.vote_cast(review_round=review_round, proposal=first.proposal, user=seats[0].holder, choice="recommend")
    return review_round, seats


def test_a_seat_holder_is_told_the_votes_left_and_led_to_them(client, voting_round):
    _round, (trust, _municipality) = voting_round
    html = as_user(client, trust.holder).get(HOME).content.decode()
    with translation.override("nb"):
        told = translation.ngettext(
            "You have %(count)d vote left in the %(year)d round.",
            "You have %(count)d votes left in the %(year)d round.",
            2,
        ) % {"count": 2, "year": 2027}
    assert told in html
    assert f'href="{VOTES}"' in html
    assert nb("There is nothing for you to edit here.") not in html


def test_a_seat_that_has_voted_on_everything_is_told_so(client, voting_round):
    review_round, (trust, _municipality) = voting_round
    for item in review_round.items.exclude(proposal__votes__seat=trust):
        Vote.objects.create(seat=trust, proposal=item.proposal, choice="abstain", cast_by=trust.holder)
    html = as_user(client, trust.holder).get(HOME).content.decode()
    assert nb("You have voted on every proposal in the %(year)d round.") % {"year": 2027} in html


def test_an_adviser_is_led_to_the_proposals_open_for_comments(client, voting_round, adviser):
    html = as_user(client, adviser).get(HOME).content.decode()
    assert (
        nb("The proposals of the %(year)d round are open for the resource group's comments.") % {"year": 2027} in html
    )
    assert f'href="{VOTES}"' in html


def test_a_professional_finds_the_filing_form(client, partnership_a, django_user_model):
    professional = django_user_model.objects.create_user(username="fagperson", password="pw")
    Profile.objects.create(user=professional, role=Role.PROFESSIONAL, partnership=partnership_a)
    client = as_user(client, professional)
    html = client.get(HOME).content.decode()
    assert 'href="/nb/redaksjon/forslag/nytt/"' in html
    assert nb("There is nothing for you to edit here.") not in html
    assert client.get("/nb/redaksjon/forslag/nytt/").status_code == 200


def test_without_a_round_in_voting_a_seat_holder_gets_no_vote_line(client, trust_seat):
    html = as_user(client, trust_seat).get(HOME).content.decode()
    assert VOTES not in html
