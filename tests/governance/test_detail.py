"""The proposal page (governance.proposals.views.proposal): what it shows, every move made from it, and who
may do what. The cast is in tests/conftest.py; the `pathway` fixture publishes "angst" 2026."""

import re
import uuid
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from reversion.models import Version as HistoryEntry

from feedback.models import Submission
from governance.models import AuditEntry, ChangeProposal, Notification, ProposalState, RejectReason
from governance.outbox.notifications import _render
from governance.proposals import services
from pathways.models import VersionKind
from pathways.services import adaptation_create, pathway_publish, section_update
from tests.governance.test_personal_data import make_id
from tests.support import as_user, make_proposal

pytestmark = pytest.mark.django_db

SECTION = "fastlege-kartlegging"
# The GP section's text in 2026, as tests/factories.py writes it.
SECTION_NB = "Fastlegen kartlegg plagene og vurderer alvorsgrad. Del 1."


def url(proposal, tail: str = "", language: str = "nb") -> str:
    return f"/{language}/redaksjon/forslag/{proposal.pk}/{tail}"


def submit(proposal, *, email: str = "") -> Submission:
    return Submission.objects.create(proposal=proposal, email=email, dedupe_key=uuid.uuid4().hex)


def state_of(proposal) -> str:
    return ChangeProposal.objects.get(pk=proposal.pk).state


def submitter_count(response) -> int:
    found = re.search(r'<dd class="submitter-count">(\d+)</dd>', response.content.decode())
    assert found, "the page shows no submitter count"
    return int(found[1])


def timeline_items(response) -> list[str]:
    timeline = re.search(r'<ol class="timeline">(.*?)</ol>', response.content.decode(), re.S)
    assert timeline, "the page shows no timeline"
    return re.findall(r"<li>(.*?)</li>", timeline[1], re.S)


@pytest.fixture
def proposal_a(pathway, partnership_a):
    """A new proposal from a reader, on the GP section of "angst", belonging to partnership A."""
    return make_proposal(pathway=pathway, partnership=partnership_a, section_slug=SECTION)


# --- Who may see it ---------------------------------------------------------------------------------


def test_anonymous_is_sent_to_log_in(client, proposal_a):
    response = client.get(url(proposal_a))
    assert response.status_code == 302
    assert "/logg-inn/" in response["Location"]


def test_local_editor_and_responsible_editor_see_the_page(client, proposal_a, local_a, editor):
    assert as_user(client, local_a).get(url(proposal_a)).status_code == 200
    assert as_user(client, editor).get(url(proposal_a)).status_code == 200


def test_page_in_nynorsk(client, proposal_a, local_a):
    response = as_user(client, local_a).get(url(proposal_a, language="nn"))
    assert response.status_code == 200
    assert '<html lang="nn">' in response.content.decode()


def test_other_partnership_gets_404_for_the_page_and_every_post(client, proposal_a, local_b, partnership_b):
    """local_b cannot tell A's proposal from one that does not exist, and changes nothing."""
    proposal_a.may_contain_personal_data = True
    proposal_a.save()
    client = as_user(client, local_b)
    assert client.get(url(proposal_a)).status_code == 404
    posts = [
        ("handling/", {"action": "reject", "reject-reason": RejectReason.SPAM, "reject-confirm": "on"}),
        ("handling/", {"action": "mark_local"}),
        ("handling/", {"action": "mark_quick_fix"}),
        ("handling/", {"action": "defer", "defer-comment": "x"}),
        ("handling/", {"action": "nonsense"}),
        ("slaa-sammen/", {"merge-into": proposal_a.pk + 1000, "merge-confirm": "on"}),
        ("fjern-personopplysninger/", {"redact-confirm": "on"}),
        ("tildel/", {"assign-partnership": partnership_b.pk}),
    ]
    for tail, data in posts:
        assert client.post(url(proposal_a, tail), data).status_code == 404, tail
    proposal_a.refresh_from_db()
    assert proposal_a.state == ProposalState.NEW
    assert proposal_a.redacted_at is None
    assert proposal_a.partnership.slug == "vest"
    assert not AuditEntry.objects.filter(proposal=proposal_a).exists()


def test_local_editor_cannot_see_a_proposal_without_partnership(client, pathway, local_a):
    proposal = make_proposal(pathway=pathway, section_slug=SECTION)
    assert as_user(client, local_a).get(url(proposal)).status_code == 404


def test_unknown_action_is_a_bad_request(client, proposal_a, local_a):
    response = as_user(client, local_a).post(url(proposal_a, "handling/"), {"action": "withdraw"})
    assert response.status_code == 400
    assert state_of(proposal_a) == ProposalState.NEW


# --- What it shows ----------------------------------------------------------------------------------


def test_page_shows_the_proposal_and_its_context(client, pathway, partnership_a, local_a):
    proposal = make_proposal(
        pathway=pathway,
        partnership=partnership_a,
        section_slug=SECTION,
        description="Første linje <script>alert('x')</script>\n\n  Andre linje",
        quote="kartlegg plagene",
        external_url="https://helse-vest.example/forlop/angst",
    )
    submit(proposal, email="leser@example.org")
    submit(proposal, email="annen@example.org")
    content = as_user(client, local_a).get(url(proposal)).content.decode()
    assert "<script>alert" not in content
    assert "Første linje &lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;\n\n  Andre linje" in content
    assert "Angstplager" in content  # the pathway
    assert "Tittel 1" in content  # the section's title in the current version
    assert "<dd>2026</dd>" in content  # the version the reader saw
    assert "Helsefellesskap Vest" in content
    assert 'href="https://helse-vest.example/forlop/angst"' in content
    assert "kartlegg plagene</blockquote>" in content
    assert '<dd class="submitter-count">2</dd>' in content
    # Never the submitters' addresses.
    assert "leser@example.org" not in content
    assert "annen@example.org" not in content


def test_external_page_that_is_not_a_web_address_is_not_a_link(client, pathway, partnership_a, local_a):
    proposal = make_proposal(
        pathway=pathway, partnership=partnership_a, section_slug=SECTION, external_url="javascript:alert(1)"
    )
    content = as_user(client, local_a).get(url(proposal)).content.decode()
    assert 'href="javascript:' not in content


def test_suggested_wording_is_shown_as_a_diff_against_the_section(client, pathway, partnership_a, local_a):
    proposal = make_proposal(
        pathway=pathway,
        partnership=partnership_a,
        section_slug=SECTION,
        quote="og vurderer alvorsgrad",
        suggested_text="og vurderer alvorsgrad og søvn",
    )
    content = as_user(client, local_a).get(url(proposal)).content.decode()
    # The quote is read as the passage to replace: the change is shown in the section's own text.
    assert re.search(
        r"Fastlegen kartlegg plagene og vurderer <del>.*?</del><ins>.*?og søvn\..*?</ins> Del 1\.", content, re.S
    )


def test_suggested_wording_without_a_section_is_shown_as_written(client, partnership_a, local_a):
    proposal = make_proposal(partnership=partnership_a, suggested_text="Ny <b>tekst</b>")
    content = as_user(client, local_a).get(url(proposal)).content.decode()
    assert "Ny &lt;b&gt;tekst&lt;/b&gt;" in content
    assert "<ins>" not in content


def _publish_change_to_the_section(pathway, editor) -> None:
    section = pathway.sections.get(slug=SECTION)
    section_update(
        section=section,
        by=editor,
        body_nb="Fastlegen kartlegg plagene nøye og vurderer alvorsgrad. Del 1.",
        body_nn="Fastlegen kartlegg plagene grundig og vurderer alvorsgrad. Del 1 nn.",
    )
    pathway_publish(
        pathway=pathway, by=editor, kind=VersionKind.CORRECTION, summary_nb="Retting.", summary_nn="Retting."
    )


def test_no_stale_notice_while_the_section_is_as_the_reader_saw_it(client, proposal_a, local_a):
    content = as_user(client, local_a).get(url(proposal_a)).content.decode()
    assert "stale-notice" not in content


def test_stale_notice_with_the_diff_when_the_section_changed(client, pathway, proposal_a, local_a, editor):
    _publish_change_to_the_section(pathway, editor)
    content = as_user(client, local_a).get(url(proposal_a)).content.decode()
    notice = re.search(r'<section class="notice stale-notice".*?</section>', content, re.S)[0]
    assert re.search(r"<ins>.*?nøye.*?</ins>", notice, re.S)
    assert "grundig" not in notice  # the nynorsk text is for proposals written in nynorsk


def test_stale_notice_is_in_the_proposals_written_standard(client, pathway, partnership_a, local_a, editor):
    proposal = make_proposal(pathway=pathway, partnership=partnership_a, section_slug=SECTION, language="nn")
    _publish_change_to_the_section(pathway, editor)
    content = as_user(client, local_a).get(url(proposal)).content.decode()
    notice = re.search(r'<section class="notice stale-notice".*?</section>', content, re.S)[0]
    assert re.search(r"<ins>.*?grundig.*?</ins>", notice, re.S)
    assert 'lang="nn"' in notice


def test_no_stale_notice_when_another_section_changed(client, pathway, proposal_a, local_a, editor):
    section = pathway.sections.get(slug="innledning")
    section_update(section=section, by=editor, body_nb="Ny innledning.", body_nn="Ny innleiing.")
    pathway_publish(pathway=pathway, by=editor, kind=VersionKind.CORRECTION, summary_nb="R.", summary_nn="R.")
    content = as_user(client, local_a).get(url(proposal_a)).content.decode()
    assert "stale-notice" not in content


def test_offers_the_moves_the_user_may_make_now(client, proposal_a, local_a, editor):
    content = as_user(client, local_a).get(url(proposal_a)).content.decode()
    for name in ("mark_local", "mark_quick_fix", "defer", "reject", "merge"):
        assert f'id="action-{name}"' in content, name
    for name in ("publish", "fixed_locally"):
        assert f'id="action-{name}"' not in content, name
    assert 'name="csrfmiddlewaretoken"' in content
    # The assignment is the responsible editor's, and only for proposals without a partnership.
    assert "governance:assign" not in content and "/tildel/" not in content


# --- The moves ---------------------------------------------------------------------------------------


def _audit(proposal) -> AuditEntry:
    return AuditEntry.objects.filter(proposal=proposal).latest("pk")


def test_reject_with_reason_and_comment(client, proposal_a, local_a):
    response = as_user(client, local_a).post(
        url(proposal_a, "handling/"),
        {
            "action": "reject",
            "reject-reason": RejectReason.NOT_RELEVANT,
            "reject-reader_note": "Gjelder ikke forløpet.",
            "reject-comment": "Tredje gang fra samme kontor.",
            "reject-confirm": "on",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == url(proposal_a)
    proposal_a.refresh_from_db()
    assert proposal_a.state == ProposalState.REJECTED
    assert proposal_a.reject_reason == RejectReason.NOT_RELEVANT
    assert proposal_a.decision_comment == "Gjelder ikke forløpet."
    entry = _audit(proposal_a)
    assert (entry.action, entry.actor, entry.from_state, entry.to_state, entry.comment) == (
        "reject",
        local_a,
        ProposalState.NEW,
        ProposalState.REJECTED,
        "Tredje gang fra samme kontor.",
    )
    # The message is shown on the page it redirects to.
    assert 'class="messages"' in client.get(url(proposal_a)).content.decode()


@pytest.mark.parametrize(
    "data",
    [
        {"reject-reason": RejectReason.SPAM},  # not confirmed
        {"reject-confirm": "on"},  # no reason
        {"reject-reason": "no-such-reason", "reject-confirm": "on"},
    ],
)
def test_reject_needs_a_reason_and_a_confirmation(client, proposal_a, local_a, data):
    response = as_user(client, local_a).post(url(proposal_a, "handling/"), {"action": "reject"} | data)
    assert response.status_code == 400
    assert 'class="error-summary"' in response.content.decode()
    assert state_of(proposal_a) == ProposalState.NEW
    assert not AuditEntry.objects.filter(proposal=proposal_a).exists()


@pytest.mark.parametrize(
    ("action", "target"),
    [
        ("mark_local", ProposalState.LOCAL),
        ("mark_quick_fix", ProposalState.QUICK_FIX),
        ("defer", ProposalState.DEFERRED),
    ],
)
def test_triage_moves_with_a_comment(client, proposal_a, local_a, action, target):
    response = as_user(client, local_a).post(
        url(proposal_a, "handling/"),
        {"action": action, f"{action}-comment": "Se på dette.", f"{action}-reader_note": "Takk, vi ser på det."},
    )
    assert response.status_code == 302
    proposal_a.refresh_from_db()
    assert proposal_a.state == target
    # The note is what the reader is told; the comment stays with staff, in the audit entry.
    assert proposal_a.decision_comment == "Takk, vi ser på det."
    assert proposal_a.triaged_at is not None
    entry = _audit(proposal_a)
    assert (entry.action, entry.actor, entry.to_state, entry.comment) == (action, local_a, target, "Se på dette.")


INTERNAL = "Kontoret har sendt det samme før, uten grunnlag."
NOTE = "Takk! Vi retter nummeret i neste retting."


def test_the_reader_is_emailed_the_note_and_never_the_internal_comment(
    client, proposal_a, local_a, mailoutbox, django_capture_on_commit_callbacks
):
    submission = submit(proposal_a, email="leser@example.no")
    with django_capture_on_commit_callbacks(execute=True):
        as_user(client, local_a).post(
            url(proposal_a, "handling/"),
            {"action": "mark_quick_fix", "mark_quick_fix-comment": INTERNAL, "mark_quick_fix-reader_note": NOTE},
        )
    notice = Notification.objects.get(kind__startswith="outcome.")
    message = _render(notice)
    assert NOTE in message.body and INTERNAL not in message.body
    assert INTERNAL not in message.alternatives[0][0]
    status = Client().get(f"/nb/tilbakemelding/{submission.token}/").content.decode()
    assert NOTE in status and INTERNAL not in status
    # Staff read both, each labelled.
    page = client.get(url(proposal_a)).content.decode()
    assert re.search(r'class="reader-text internal-comment"><span class="badge">Internt</span> ' + INTERNAL, page)
    assert "Merknad til leseren" in page and NOTE in page


def test_the_triage_form_labels_the_note_and_the_internal_comment(client, proposal_a, local_a):
    page = as_user(client, local_a).get(url(proposal_a)).content.decode()
    assert 'name="mark_quick_fix-reader_note"' in page and 'name="mark_quick_fix-comment"' in page
    assert "Merknad til leseren" in page and "Intern kommentar" in page
    assert "Den sendes aldri til leseren." in page


def test_mark_local_is_not_offered_without_a_partnership(client, pathway, editor):
    proposal = make_proposal(pathway=pathway, section_slug=SECTION)
    content = as_user(client, editor).get(url(proposal)).content.decode()
    assert 'id="action-mark_local"' not in content
    assert 'id="action-mark_quick_fix"' in content


def test_fixed_locally_in_the_partnerships_adaptation(client, pathway, partnership_a, proposal_a, local_a):
    adaptation = adaptation_create(partnership=partnership_a, pathway=pathway, by=local_a)
    services.proposal_transition(proposal_id=proposal_a.pk, action="mark_local", by=local_a)
    client = as_user(client, local_a)
    assert 'id="action-fixed_locally"' in client.get(url(proposal_a)).content.decode()
    response = client.post(
        url(proposal_a, "handling/"), {"action": "fixed_locally", "fixed_locally-adaptation": adaptation.pk}
    )
    assert response.status_code == 302
    proposal_a.refresh_from_db()
    assert proposal_a.state == ProposalState.DONE_LOCALLY
    assert proposal_a.fixed_in_adaptation == adaptation
    assert proposal_a.closed_at is not None
    assert _audit(proposal_a).action == "fixed_locally"


def test_fixed_locally_refuses_another_partnerships_adaptation(
    client, pathway, partnership_b, proposal_a, local_a, local_b
):
    other = adaptation_create(partnership=partnership_b, pathway=pathway, by=local_b)
    services.proposal_transition(proposal_id=proposal_a.pk, action="mark_local", by=local_a)
    response = as_user(client, local_a).post(
        url(proposal_a, "handling/"), {"action": "fixed_locally", "fixed_locally-adaptation": other.pk}
    )
    assert response.status_code == 400
    assert state_of(proposal_a) == ProposalState.LOCAL


def test_responsible_editor_publishes_a_quick_fix(client, pathway, proposal_a, local_a, editor):
    services.proposal_transition(proposal_id=proposal_a.pk, action="mark_quick_fix", by=local_a)
    client = as_user(client, editor)
    assert 'id="action-publish"' in client.get(url(proposal_a)).content.decode()
    response = client.post(
        url(proposal_a, "handling/"), {"action": "publish", "publish-version": pathway.current_version_id}
    )
    assert response.status_code == 302
    proposal_a.refresh_from_db()
    assert proposal_a.state == ProposalState.PUBLISHED
    assert proposal_a.published_in_id == pathway.current_version_id
    entry = _audit(proposal_a)
    assert (entry.action, entry.actor, entry.from_state) == ("publish", editor, ProposalState.QUICK_FIX)


def test_local_editor_may_not_publish(client, pathway, proposal_a, local_a):
    services.proposal_transition(proposal_id=proposal_a.pk, action="mark_quick_fix", by=local_a)
    client = as_user(client, local_a)
    content = client.get(url(proposal_a)).content.decode()
    assert 'id="action-publish"' not in content
    assert 'id="action-reject"' not in content  # a quick fix is the responsible editor's now
    response = client.post(
        url(proposal_a, "handling/"), {"action": "publish", "publish-version": pathway.current_version_id}
    )
    assert response.status_code == 404
    assert state_of(proposal_a) == ProposalState.QUICK_FIX


def test_move_in_the_wrong_state_is_refused_with_409(client, proposal_a, local_a):
    services.proposal_transition(proposal_id=proposal_a.pk, action="defer", by=local_a)
    before = AuditEntry.objects.count()
    response = as_user(client, local_a).post(url(proposal_a, "handling/"), {"action": "mark_local"})
    assert response.status_code == 409
    content = response.content.decode()
    assert 'class="error-summary"' in content
    # The service's message, in the page's language (the lead's catalogue has it in nb).
    assert services.TransitionRefused.__name__ not in content
    assert state_of(proposal_a) == ProposalState.DEFERRED
    assert AuditEntry.objects.count() == before


# --- Merging -----------------------------------------------------------------------------------------


def test_merge_keeps_every_submitter(client, pathway, partnership_a, local_a):
    kept = make_proposal(pathway=pathway, partnership=partnership_a, section_slug=SECTION)
    merged = make_proposal(
        pathway=pathway, partnership=partnership_a, section_slug=SECTION, description="Om søvn hos fastlegen."
    )
    kept_submissions = [submit(kept), submit(kept)]
    merged_submission = submit(merged)
    client = as_user(client, local_a)
    response = client.post(url(merged, "slaa-sammen/"), {"merge-into": kept.pk, "merge-confirm": "on"})
    assert response.status_code == 302
    assert response["Location"] == url(kept)
    merged.refresh_from_db()
    assert merged.state == ProposalState.DUPLICATE
    assert merged.merged_into == kept
    assert state_of(kept) == ProposalState.NEW
    # The submissions stay where they were; the kept proposal counts them all.
    merged_submission.refresh_from_db()
    assert merged_submission.proposal == merged
    assert {s.proposal_id for s in kept_submissions} == {kept.pk}
    response = client.get(url(kept))
    assert submitter_count(response) == 3
    assert f'href="{url(merged)}"' in response.content.decode()
    entry = _audit(merged)
    assert (entry.action, entry.actor, entry.to_state) == ("merge_into", local_a, ProposalState.DUPLICATE)


def test_merges_of_merges_are_counted(client, pathway, partnership_a, local_a):
    first, second, third = (
        make_proposal(pathway=pathway, partnership=partnership_a, section_slug=SECTION) for _ in range(3)
    )
    for proposal in (first, second, third):
        submit(proposal)
    services.proposal_merge(proposal_id=first.pk, into_id=second.pk, by=local_a)
    services.proposal_merge(proposal_id=second.pk, into_id=third.pk, by=local_a)
    assert submitter_count(as_user(client, local_a).get(url(third))) == 3


def test_merge_needs_confirmation(client, pathway, partnership_a, local_a):
    kept, merged = (make_proposal(pathway=pathway, partnership=partnership_a, section_slug=SECTION) for _ in range(2))
    response = as_user(client, local_a).post(url(merged, "slaa-sammen/"), {"merge-into": kept.pk})
    assert response.status_code == 400
    assert state_of(merged) == ProposalState.NEW


def test_merge_into_a_closed_proposal_is_refused(client, pathway, partnership_a, local_a):
    closed, merged = (make_proposal(pathway=pathway, partnership=partnership_a, section_slug=SECTION) for _ in range(2))
    services.proposal_transition(proposal_id=closed.pk, action="reject", by=local_a, reason=RejectReason.SPAM)
    response = as_user(client, local_a).post(
        url(merged, "slaa-sammen/"), {"merge-into": closed.pk, "merge-confirm": "on"}
    )
    assert response.status_code == 409
    assert state_of(merged) == ProposalState.NEW


def test_merge_into_another_partnerships_proposal_is_404(client, pathway, partnership_a, partnership_b, local_a):
    theirs = make_proposal(pathway=pathway, partnership=partnership_b, section_slug=SECTION)
    mine = make_proposal(pathway=pathway, partnership=partnership_a, section_slug=SECTION)
    response = as_user(client, local_a).post(
        url(mine, "slaa-sammen/"), {"merge-into": theirs.pk, "merge-confirm": "on"}
    )
    assert response.status_code == 404
    assert state_of(mine) == ProposalState.NEW


# --- Personal data -----------------------------------------------------------------------------------


def test_redaction_removes_the_national_id_from_the_page_and_the_history(client, pathway, partnership_a, local_a):
    national_id = make_id("150635")
    proposal = make_proposal(
        pathway=pathway,
        partnership=partnership_a,
        section_slug=SECTION,
        description=f"Gjelder pasient {national_id}, ring meg.",
        may_contain_personal_data=True,
    )
    services.proposal_transition(proposal_id=proposal.pk, action="defer", by=local_a, comment="Se")
    assert any(national_id in v.serialized_data for v in HistoryEntry.objects.get_for_object(proposal))
    client = as_user(client, local_a)
    content = client.get(url(proposal)).content.decode()
    assert national_id in content
    assert "/fjern-personopplysninger/" in content

    # Not without the confirmation.
    assert client.post(url(proposal, "fjern-personopplysninger/"), {}).status_code == 400
    assert ChangeProposal.objects.get(pk=proposal.pk).redacted_at is None

    response = client.post(url(proposal, "fjern-personopplysninger/"), {"redact-confirm": "on"})
    assert response.status_code == 302
    content = client.get(url(proposal)).content.decode()
    assert national_id not in content
    assert "Gjelder pasient [fjernet], ring meg." in content
    assert "/fjern-personopplysninger/" not in content  # done: no button any more
    history = HistoryEntry.objects.get_for_object(proposal)
    assert history.exists()
    assert not any(national_id in v.serialized_data for v in history)
    proposal.refresh_from_db()
    assert proposal.redacted_at is not None
    entry = _audit(proposal)
    assert (entry.action, entry.actor) == ("redact", local_a)


def test_no_redaction_button_without_suspected_personal_data(client, proposal_a, local_a):
    assert "/fjern-personopplysninger/" not in as_user(client, local_a).get(url(proposal_a)).content.decode()


# --- Assigning a partnership --------------------------------------------------------------------------


def test_responsible_editor_assigns_a_proposal_to_a_partnership(client, pathway, partnership_a, editor, local_a):
    proposal = make_proposal(pathway=pathway, section_slug=SECTION)
    client = as_user(client, editor)
    assert "/tildel/" in client.get(url(proposal)).content.decode()
    response = client.post(url(proposal, "tildel/"), {"assign-partnership": partnership_a.pk})
    assert response.status_code == 302
    proposal.refresh_from_db()
    assert proposal.partnership == partnership_a
    entry = _audit(proposal)
    assert (entry.action, entry.actor, entry.comment) == ("assign", editor, partnership_a.name)
    # Now partnership A's local editor sees it, and the assignment is no longer offered.
    assert as_user(client, local_a).get(url(proposal)).status_code == 200
    assert "/tildel/" not in as_user(client, editor).get(url(proposal)).content.decode()


def test_local_editor_may_not_assign(client, proposal_a, local_a, partnership_b):
    response = as_user(client, local_a).post(url(proposal_a, "tildel/"), {"assign-partnership": partnership_b.pk})
    assert response.status_code == 404
    assert ChangeProposal.objects.get(pk=proposal_a.pk).partnership.slug == "vest"


def test_assign_needs_a_partnership(client, pathway, editor):
    proposal = make_proposal(pathway=pathway, section_slug=SECTION)
    assert as_user(client, editor).post(url(proposal, "tildel/"), {}).status_code == 400
    assert ChangeProposal.objects.get(pk=proposal.pk).partnership is None


# --- The timeline ------------------------------------------------------------------------------------


def test_timeline_starts_with_the_receipt_and_runs_oldest_first(client, pathway, partnership_a, local_a, editor):
    start = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    with time_machine.travel(start, tick=False):
        proposal = make_proposal(pathway=pathway, partnership=partnership_a, section_slug=SECTION)
    with time_machine.travel(start + timedelta(hours=1), tick=False):
        services.proposal_transition(proposal_id=proposal.pk, action="defer", by=local_a, comment="Først")
    with time_machine.travel(start + timedelta(hours=2), tick=False):
        services.proposal_transition(proposal_id=proposal.pk, action="decline", by=editor, comment="Deretter")
    items = timeline_items(as_user(client, editor).get(url(proposal)))
    assert len(items) == 3
    assert 'datetime="2026-03-02T10:00:00+01:00"' in items[0]  # received (Oslo time)
    assert "Først" in items[1] and "local-a" in items[1]
    assert "Deretter" in items[2] and "editor" in items[2]
    assert "→" in items[1] and "→" in items[2]


# --- Cost ----------------------------------------------------------------------------------------------


def _queries(client, proposal) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url(proposal)).status_code == 200
    return len(captured)


def test_query_count_does_not_grow_with_entries_or_submitters(client, pathway, partnership_a, local_a):
    """A query per level of merging is allowed (there are one or two); none per entry or submission."""
    proposal = make_proposal(
        pathway=pathway, partnership=partnership_a, section_slug=SECTION, suggested_text="Ny tekst."
    )
    submit(proposal)
    merged = make_proposal(pathway=pathway, partnership=partnership_a, section_slug=SECTION)
    submit(merged)
    services.proposal_merge(proposal_id=merged.pk, into_id=proposal.pk, by=local_a)
    client = as_user(client, local_a)
    few = _queries(client, proposal)
    for _ in range(10):
        submit(proposal)
        submit(merged)
        AuditEntry.objects.create(proposal=proposal, actor=local_a, action="defer", from_state="new", to_state="new")
    for _ in range(3):
        also_merged = make_proposal(pathway=pathway, partnership=partnership_a, section_slug=SECTION)
        submit(also_merged)
        services.proposal_merge(proposal_id=also_merged.pk, into_id=proposal.pk, by=local_a)
    many = _queries(client, proposal)
    assert submitter_count(client.get(url(proposal))) == 2 + 20 + 3
    assert many == few


def test_proposal_in_the_yearly_round_offers_no_triage_moves(client, proposal_a, local_a, editor):
    services.proposal_transition(proposal_id=proposal_a.pk, action="defer", by=local_a)
    services.proposal_transition(proposal_id=proposal_a.pk, action="forward", by=local_a)
    response = as_user(client, editor).get(url(proposal_a))
    assert response.status_code == 200
    assert 'id="action-' not in response.content.decode()


# --- The way to the change -------------------------------------------------------------------------


def edit_links(response) -> list[str]:
    return re.findall(r'<a class="edit-section" href="([^"]+)"', response.content.decode())


def test_the_responsible_editor_is_linked_to_the_section_to_edit(client, proposal_a, editor):
    response = as_user(client, editor).get(url(proposal_a))
    assert edit_links(response) == [f"/nb/redaksjon/forlop/angst/seksjon/{SECTION}/"]
    assert client.get(edit_links(response)[0]).status_code == 200


def test_the_local_editor_is_linked_to_the_partnerships_adaptation(client, proposal_a, local_a):
    response = as_user(client, local_a).get(url(proposal_a))
    assert edit_links(response) == [f"/nb/redaksjon/vest/forlop/angst/#{SECTION}"]


def test_a_proposal_without_a_pathway_has_no_edit_link(client, editor):
    response = as_user(client, editor).get(url(make_proposal(pathway=None, description="Generelt innspill.")))
    assert edit_links(response) == []
