"""A new proposal's first history entry is written by governance.proposals.services.history_queue
in the same statement as the proposal (pathways.chain); the proposal's later moves by reversion's
own `create_revision`. The two must write the same thing, or reversion's reading side (and our
history view) would see two kinds of entry."""

import pytest
import reversion
from django.utils import translation
from reversion.models import Version as HistoryVersion

from governance.models import ChangeProposal
from governance.proposals.services import proposal_create
from tests.factories import make_pathway

pytestmark = pytest.mark.django_db


def _reversions_own(proposal: ChangeProposal) -> HistoryVersion:
    """What reversion writes for the stored row, the way the transitions write it."""
    with reversion.create_revision():
        reversion.add_to_revision(ChangeProposal.objects.get(pk=proposal.pk))
        reversion.set_comment("reversion's own")
    return HistoryVersion.objects.get_for_object(proposal).order_by("-pk").first()


@pytest.mark.parametrize("language", ["nb", "nn"])
def test_the_first_entry_is_what_reversion_itself_would_write(editor, language):
    pathway = make_pathway(editor=editor, slug="angst")
    with translation.override(language):
        proposal = proposal_create(
            source="reader",
            kind="error",
            language=language,
            description='Feil nummer: "pk": 12 og {} og -918273645.',  # what the stand-in id must survive
            pathway=pathway,
            section_slug="innledning",
            version=pathway.current_version,
            suggested_text="Ring 55 00 00 00.",
            by=editor,
        )
        ours = HistoryVersion.objects.get_for_object(proposal).get()
        theirs = _reversions_own(proposal)
    fields = ("object_id", "content_type_id", "db", "format", "serialized_data", "object_repr")
    assert {name: getattr(ours, name) for name in fields} == {name: getattr(theirs, name) for name in fields}
    assert ours.object_repr.startswith(f"#{proposal.pk} (")
    assert ours.revision.user == editor
    assert ours.revision.comment == ("Forslag mottatt" if language == "nb" else "Forslag motteke")
    # Reversion reads our entry back as the proposal it was.
    assert ours.field_dict["description"] == proposal.description
    assert ours.field_dict["id"] == proposal.pk


def test_a_proposal_from_no_one_has_an_entry_from_no_one():
    proposal = proposal_create(source="reader", kind="error", language="nb", description="Feil nummer.")
    entry = HistoryVersion.objects.get_for_object(proposal).get()
    assert entry.revision.user is None
    assert entry.object_id == str(proposal.pk)
