"""The comments the seats give with their votes ("recommend with changes" needs one) are the
resource group's advice to the editor: shown wherever the tally is, per seat and constituency (the
votes page, the meeting pack as HTML and PDF, the minutes, the decision page and vedtak.csv)."""

import csv
import io

import pytest
from django.utils import translation
from django.utils.html import escape
from django.utils.text import capfirst

from governance.models import ChangeProposal, ProposalState, ReviewRound, RoundState
from governance.rounds import voting
from tests.factories import make_round, make_seats
from tests.rounds.test_meeting import pdf_text
from tests.rounds.test_voting import make_item
from tests.support import as_user

pytestmark = pytest.mark.django_db

ADVICE = "Nevn søvn i kartleggingen, ikke i tiltakene."
OBJECTION = "Dette hører hjemme i den lokale tilpasningen."


@pytest.fixture
def review_round(db):
    return make_round(state=RoundState.RESOURCE_GROUP_REVIEW)


@pytest.fixture
def voted(review_round, pathway, partnership_a, partnership_b):
    """One proposal in review: A's municipality seat recommends with changes (ADVICE), B's trust
    seat does not recommend (OBJECTION), A's trust seat recommends without a comment."""
    a_trust, a_muni, b_trust, _b_muni = make_seats(review_round, [partnership_a, partnership_b])
    item = make_item(review_round, pathway, partnership=partnership_a)
    for seat, choice, comment in [
        (a_trust, "recommend", ""),
        (a_muni, "recommend_with_changes", ADVICE),
        (b_trust, "not_recommend", OBJECTION),
    ]:
        voting.vote_cast(
            review_round=review_round, proposal=item.proposal, user=seat.holder, choice=choice, comment=comment
        )
    return item


def seat_label(constituency: str, partnership) -> str:
    with translation.override("nb"):
        return translation.gettext("%(constituency)s seat, %(partnership)s") % {
            "constituency": translation.gettext(constituency),
            "partnership": partnership.name,
        }


def assert_advice_in(html: str, partnership_a, partnership_b) -> None:
    assert escape(ADVICE) in html and escape(OBJECTION) in html
    assert escape(capfirst(seat_label("municipality", partnership_a))) in html
    assert escape(capfirst(seat_label("hospital trust", partnership_b))) in html
    # In the seats' order (partnership by name, then constituency): Nord before Vest.
    assert html.index(escape(OBJECTION)) < html.index(escape(ADVICE))


def test_the_meeting_pack_shows_each_seats_comment_under_the_tally(client, editor, voted, partnership_a, partnership_b):
    html = as_user(client, editor).get(f"/nb/redaksjon/runder/{voted.review_round.year}/motebok/").content.decode()
    assert_advice_in(html, partnership_a, partnership_b)
    assert 'data-constituency="municipality"' in html and 'data-constituency="hospital_trust"' in html
    with translation.override("nb"):
        assert translation.gettext("Comments given with the votes") in html


def test_the_meeting_pack_pdf_has_the_comments(client, editor, voted):
    text = " ".join(
        pdf_text(
            as_user(client, editor).get(f"/nb/redaksjon/runder/{voted.review_round.year}/motebok.pdf").content
        ).split()
    )
    assert ADVICE in text and OBJECTION in text


def test_the_minutes_and_the_editors_votes_page_have_the_comments(client, editor, voted, partnership_a, partnership_b):
    client = as_user(client, editor)
    year = voted.review_round.year
    assert_advice_in(client.get(f"/nb/redaksjon/runder/{year}/referat/").content.decode(), partnership_a, partnership_b)
    assert_advice_in(client.get(f"/nb/redaksjon/runder/{year}/stemmer/").content.decode(), partnership_a, partnership_b)


def test_the_decision_page_shows_the_comments_with_the_advice(client, editor, voted, partnership_a, partnership_b):
    ReviewRound.objects.filter(pk=voted.review_round_id).update(state=RoundState.EDITORIAL)
    ChangeProposal.objects.filter(pk=voted.proposal_id).update(state=ProposalState.RECOMMENDED)
    response = as_user(client, editor).get(f"/nb/redaksjon/runder/{voted.review_round.year}/beslutninger/{voted.pk}/")
    assert response.status_code == 200
    assert_advice_in(response.content.decode(), partnership_a, partnership_b)


def test_the_decisions_csv_has_a_line_per_seat_that_commented(client, editor, voted, partnership_a, partnership_b):
    ReviewRound.objects.filter(pk=voted.review_round_id).update(state=RoundState.EDITORIAL)
    body = as_user(client, editor).get(f"/nb/redaksjon/runder/{voted.review_round.year}/vedtak.csv").content.decode()
    (row,) = list(csv.DictReader(io.StringIO(body[1:]), delimiter=";"))
    assert row["vote_comments"].splitlines() == [
        f"{capfirst(seat_label('hospital trust', partnership_b))} (not_recommend): {OBJECTION}",
        f"{capfirst(seat_label('municipality', partnership_a))} (recommend_with_changes): {ADVICE}",
    ]
