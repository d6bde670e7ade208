"""After publishing a version, the responsible editor is asked which minor corrections (and
accepted proposals) waiting on the pathway it fixes; those ticked are closed as published in it
and their readers told (governance.proposals.views.fixes, services.proposals_fixed_by)."""

import pytest

from feedback.models import Submission
from governance.models import AuditEntry, ChangeProposal, Notification, ProposalState
from pathways.models import VersionKind
from pathways.services import pathway_publish, section_update
from tests.support import as_user, make_proposal

pytestmark = pytest.mark.django_db


@pytest.fixture
def correction(pathway, editor):
    section = pathway.sections.get(slug="fastlege-kartlegging")
    section_update(section=section, by=editor, body_nb="Ring BUP på 55 00 00 01.", body_nn="Ring BUP på 55 00 00 01.")
    return pathway_publish(
        pathway=pathway, by=editor, kind=VersionKind.CORRECTION, summary_nb="Rettet nummer.", summary_nn="Retta nummer."
    )


def fixes_url(version) -> str:
    return f"/nb/redaksjon/forslag/rettet/angst/{version.number}/"


def test_the_ticked_quick_fixes_are_closed_and_their_readers_told(client, pathway, editor, correction):
    fixed = make_proposal(pathway=pathway, state=ProposalState.QUICK_FIX, description="Feil nummer til BUP.")
    left = make_proposal(pathway=pathway, state=ProposalState.QUICK_FIX, description="Skrivefeil i tittelen.")
    Submission.objects.create(proposal=fixed, email="leser@example.no", dedupe_key="a")
    client = as_user(client, editor)

    page = client.get(fixes_url(correction)).content.decode()
    assert f'value="{fixed.pk}"' in page and f'value="{left.pk}"' in page

    response = client.post(fixes_url(correction), {"fixes": [fixed.pk]})

    assert response.status_code == 302 and response["Location"] == "/nb/forlop/angst/"
    fixed.refresh_from_db()
    assert (fixed.state, fixed.published_in) == (ProposalState.PUBLISHED, correction)
    assert AuditEntry.objects.filter(proposal=fixed, action="publish", actor=editor).exists()
    assert ChangeProposal.objects.get(pk=left.pk).state == ProposalState.QUICK_FIX
    notice = Notification.objects.get(kind="outcome.published")
    assert notice.recipient == "leser@example.no"


def test_with_nothing_waiting_the_editor_goes_straight_to_the_pathway(client, editor, correction):
    response = as_user(client, editor).get(fixes_url(correction))
    assert response.status_code == 302 and response["Location"] == "/nb/forlop/angst/"


def test_a_proposal_not_waiting_on_the_pathway_cannot_be_ticked(client, pathway, editor, correction):
    make_proposal(pathway=pathway, state=ProposalState.QUICK_FIX)
    other = make_proposal(pathway=pathway, state=ProposalState.NEW)
    response = as_user(client, editor).post(fixes_url(correction), {"fixes": [other.pk]})
    assert response.status_code == 400
    assert ChangeProposal.objects.get(pk=other.pk).state == ProposalState.NEW


def test_only_the_responsible_editor_is_asked(client, pathway, local_a, correction):
    make_proposal(pathway=pathway, state=ProposalState.QUICK_FIX)
    assert as_user(client, local_a).get(fixes_url(correction)).status_code == 404
