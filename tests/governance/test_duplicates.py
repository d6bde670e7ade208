"""Likely duplicates (governance.proposals.duplicates): pg_trgm similarity (worked out in Python on another
database) among the open proposals on the same section, of the same partnership, that the user may see; and
merging one from the proposal page."""

import re

import pytest
from django.db import connection

from governance.models import ProposalState, RejectReason
from governance.proposals import services
from governance.proposals.duplicates import MAX_SUGGESTIONS, proposal_duplicates
from tests.governance.test_detail import SECTION, submit, submitter_count, url
from tests.support import as_user, make_proposal

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]

TEXT = "Sjekklisten for henvisning til BUP mangler punktet om søvnvansker hos barnet."
SIMILAR = "Sjekklisten for henvisning til BUP mangler punkt om søvnvansker hos barn."
UNLIKE = "Telefonnummeret til helsestasjonen i kommunen er feil."


@pytest.fixture
def proposal_a(pathway, partnership_a):
    return make_proposal(pathway=pathway, partnership=partnership_a, section_slug=SECTION, description=TEXT)


def suggested(proposal, user) -> list[int]:
    return [other.pk for other in proposal_duplicates(proposal, user=user)]


def test_migration_made_the_trigram_index():
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = 'proposal_description_trgm'")
        (definition,) = cursor.fetchone()
    assert "gin" in definition and "gin_trgm_ops" in definition


def test_similar_text_in_the_same_section_is_suggested(pathway, partnership_a, proposal_a, local_a):
    other = make_proposal(pathway=pathway, partnership=partnership_a, section_slug=SECTION, description=SIMILAR)
    found = proposal_duplicates(proposal_a, user=local_a)
    assert [p.pk for p in found] == [other.pk]
    assert 0.3 <= found[0].similarity <= 1


def test_dissimilar_text_is_not_suggested(pathway, partnership_a, proposal_a, local_a):
    make_proposal(pathway=pathway, partnership=partnership_a, section_slug=SECTION, description=UNLIKE)
    assert suggested(proposal_a, local_a) == []


def test_another_section_is_not_suggested(pathway, partnership_a, proposal_a, local_a):
    make_proposal(pathway=pathway, partnership=partnership_a, description=SIMILAR, section_slug="sjekkliste-henvisning")
    assert suggested(proposal_a, local_a) == []


def test_another_pathway_is_not_suggested(editor, partnership_a, proposal_a, local_a):
    from tests.factories import make_pathway

    other_pathway = make_pathway(editor=editor, slug="autisme")
    make_proposal(pathway=other_pathway, partnership=partnership_a, section_slug=SECTION, description=SIMILAR)
    assert suggested(proposal_a, local_a) == []


def test_closed_proposals_are_not_suggested(pathway, partnership_a, proposal_a, local_a):
    rejected = make_proposal(pathway=pathway, partnership=partnership_a, section_slug=SECTION, description=SIMILAR)
    services.proposal_transition(proposal_id=rejected.pk, action="reject", by=local_a, reason=RejectReason.SPAM)
    assert suggested(proposal_a, local_a) == []


def test_open_proposals_past_triage_are_suggested(pathway, partnership_a, proposal_a, local_a):
    deferred = make_proposal(pathway=pathway, partnership=partnership_a, section_slug=SECTION, description=SIMILAR)
    services.proposal_transition(proposal_id=deferred.pk, action="defer", by=local_a)
    assert suggested(proposal_a, local_a) == [deferred.pk]


def test_other_partnerships_proposals_are_not_suggested(pathway, partnership_b, proposal_a, local_a, editor):
    make_proposal(pathway=pathway, partnership=partnership_b, section_slug=SECTION, description=SIMILAR)
    assert suggested(proposal_a, local_a) == []
    # Not to the responsible editor either: each partnership goes through its own proposals.
    assert suggested(proposal_a, editor) == []


def test_common_text_proposals_are_suggested_to_the_responsible_editor(pathway, editor):
    first = make_proposal(pathway=pathway, section_slug=SECTION, description=TEXT)
    second = make_proposal(pathway=pathway, section_slug=SECTION, description=SIMILAR)
    assert suggested(first, editor) == [second.pk]


def test_at_most_five_most_similar_first(pathway, partnership_a, proposal_a, local_a):
    near = make_proposal(pathway=pathway, partnership=partnership_a, section_slug=SECTION, description=TEXT + " ")
    others = [
        make_proposal(
            pathway=pathway, partnership=partnership_a, section_slug=SECTION, description=f"{SIMILAR} Og {n} til."
        )
        for n in range(6)
    ]
    found = proposal_duplicates(proposal_a, user=local_a)
    assert len(found) == MAX_SUGGESTIONS
    assert found[0].pk == near.pk
    assert [p.similarity for p in found] == sorted((p.similarity for p in found), reverse=True)
    assert {p.pk for p in found[1:]} <= {p.pk for p in others}


def test_another_database_suggests_the_same_through_the_python_fallback(
    monkeypatch, pathway, partnership_a, proposal_a, local_a
):
    other = make_proposal(pathway=pathway, partnership=partnership_a, section_slug=SECTION, description=SIMILAR)
    on_postgres = suggested(proposal_a, local_a)
    monkeypatch.setattr(connection, "vendor", "sqlite")
    assert suggested(proposal_a, local_a) == on_postgres == [other.pk]


# --- On the page ---------------------------------------------------------------------------------------


def test_page_lists_suggestions_with_a_merge_form(client, pathway, partnership_a, proposal_a, local_a):
    other = make_proposal(pathway=pathway, partnership=partnership_a, section_slug=SECTION, description=SIMILAR)
    content = as_user(client, local_a).get(url(proposal_a)).content.decode()
    section = re.search(r'<section aria-labelledby="duplicates-title".*?</section>', content, re.S)[0]
    assert f'href="{url(other)}"' in section
    assert f'action="{url(proposal_a, "slaa-sammen/")}"' in section
    assert f'name="merge-into" value="{other.pk}"' in section
    assert 'name="merge-confirm"' in section


def test_suggested_text_that_may_hold_personal_data_is_hidden(client, pathway, partnership_a, proposal_a, local_a):
    make_proposal(
        pathway=pathway,
        partnership=partnership_a,
        section_slug=SECTION,
        description=SIMILAR + " Ring 912 34 567.",
        may_contain_personal_data=True,
    )
    content = as_user(client, local_a).get(url(proposal_a)).content.decode()
    section = re.search(r'<section aria-labelledby="duplicates-title".*?</section>', content, re.S)[0]
    assert "912 34 567" not in section


def test_no_suggestions_once_it_cannot_be_merged(client, pathway, partnership_a, proposal_a, local_a):
    make_proposal(pathway=pathway, partnership=partnership_a, section_slug=SECTION, description=SIMILAR)
    services.proposal_transition(proposal_id=proposal_a.pk, action="defer", by=local_a)
    content = as_user(client, local_a).get(url(proposal_a)).content.decode()
    assert "duplicates-title" not in content


def test_merging_a_suggestion_keeps_both_submitters(client, pathway, partnership_a, proposal_a, local_a):
    other = make_proposal(pathway=pathway, partnership=partnership_a, section_slug=SECTION, description=SIMILAR)
    submit(proposal_a)
    submit(other)
    client = as_user(client, local_a)
    response = client.post(url(proposal_a, "slaa-sammen/"), {"merge-into": other.pk, "merge-confirm": "on"})
    assert response.status_code == 302
    assert response["Location"] == url(other)
    proposal_a.refresh_from_db()
    assert (proposal_a.state, proposal_a.merged_into_id) == (ProposalState.DUPLICATE, other.pk)
    assert submitter_count(client.get(url(other))) == 2
    # The merged proposal is closed: it is no longer suggested for the one that was kept.
    assert proposal_duplicates(other, user=local_a) == []
