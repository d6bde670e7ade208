"""Merging without knowing the number: the proposal page searches the open proposals the editor may
see (?finn=, by words or number) and each result merges with one confirmed click
(governance.proposals.selectors.merge_candidates)."""

import re

import pytest

from governance.models import ChangeProposal, ProposalState
from tests.governance.test_detail import SECTION, url
from tests.support import as_user, make_proposal

pytestmark = pytest.mark.django_db


@pytest.fixture
def proposal_a(pathway, partnership_a):
    return make_proposal(
        pathway=pathway, partnership=partnership_a, section_slug=SECTION, description="BUP-nummeret er feil."
    )


def results_block(response) -> str:
    """The search results on the page: between the results' block and the merge-by-number form."""
    html = response.content.decode()
    if 'class="merge-results"' not in html:
        return ""
    return html.split('class="merge-results"', 1)[1].split('id="action-merge"', 1)[0]


def results(response) -> list[int]:
    return [int(pk) for pk in re.findall(r'name="merge-into" value="(\d+)"', results_block(response))]


def test_the_search_finds_by_words_and_by_number_and_offers_a_merge(
    client, pathway, partnership_a, partnership_b, proposal_a, local_a
):
    wanted = make_proposal(
        pathway=pathway, partnership=partnership_a, description="Telefonnummeret til BUP Vest er gammelt."
    )
    make_proposal(pathway=pathway, partnership=partnership_b, description="Telefonnummeret til BUP Nord.")  # not A's
    make_proposal(
        pathway=pathway, partnership=partnership_a, description="Telefonnummeret igjen.", state=ProposalState.REJECTED
    )
    client = as_user(client, local_a)

    assert results(client.get(url(proposal_a) + "?finn=telefonnummeret")) == [wanted.pk]
    assert results(client.get(url(proposal_a) + f"?finn=%23{wanted.pk}")) == [wanted.pk]

    page = client.get(url(proposal_a) + "?finn=telefonnummeret").content.decode()
    assert f'action="{url(proposal_a, "slaa-sammen/")}"' in page
    response = client.post(url(proposal_a, "slaa-sammen/"), {"merge-into": wanted.pk, "merge-confirm": "on"})
    assert response.status_code == 302
    assert ChangeProposal.objects.get(pk=proposal_a.pk).merged_into_id == wanted.pk


def test_a_search_that_finds_nothing_says_so(client, proposal_a, local_a):
    response = as_user(client, local_a).get(url(proposal_a) + "?finn=finnesikke")
    assert "Ingen åpne forslag du kan slå sammen med, passer til søket." in results_block(response)
    assert results(response) == []


def test_without_a_search_there_are_no_results(client, proposal_a, local_a):
    response = as_user(client, local_a).get(url(proposal_a))
    assert 'id="merge-search"' in response.content.decode() and results_block(response) == ""
