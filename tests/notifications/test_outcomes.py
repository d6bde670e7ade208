"""The outcome e-mail to a reader who gave an address (governance/outcomes.py): queued in the
transaction of the move through `proposal_transition`, once per outcome, in the reader's written
standard, with the private status link and never the reader's own words."""

import pytest
from django.core import mail
from django.db import transaction

from feedback.models import Submission
from feedback.outcomes import proposal_outcome_notify
from feedback.services import status_url
from governance.models import (
    BouncingAddress,
    ChangeProposal,
    Notification,
    NotificationStatus,
    ProposalState,
    RejectReason,
)
from governance.outbox.notifications import notification_send
from governance.proposals.services import proposal_merge, proposal_transition
from pathways.models import LocalAdaptation, Section, VersionKind
from pathways.services import pathway_publish
from tests.support import make_proposal

pytestmark = pytest.mark.django_db

READER = "leser@example.no"
# What the reader wrote: it must never reach an e-mail.
DESCRIPTION = "Min sønn Ola Testesen (tlf 912 34 567) fikk feil henvisning (utfallstest 5b1e)."


def reader_proposal(pathway, *, email: str = READER, language: str = "nb", partnership=None, n: int = 1):
    """A reader's proposal on the pathway with one submission, as feedback_submit leaves it (the
    receipt aside)."""
    proposal = make_proposal(
        language=language,
        description=DESCRIPTION,
        pathway=pathway,
        section_slug="fastlege-kartlegging",
        partnership=partnership,
    )
    Submission.objects.create(proposal=proposal, email=email, language=language, dedupe_key=f"test:{proposal.pk}:{n}")
    return proposal


def set_state(proposal, state: str) -> None:
    ChangeProposal.objects.filter(pk=proposal.pk).update(state=state)


def outcome_notices():
    return list(Notification.objects.filter(kind__startswith="outcome.").order_by("pk"))


def sent_mail(notification: Notification):
    """Send the notice in this process (the test mail outbox) and return the e-mail."""
    before = len(mail.outbox)
    assert notification_send(notification.pk)
    assert len(mail.outbox) == before + 1
    return mail.outbox[-1]


def texts(message) -> list[str]:
    return [message.subject, message.body, message.alternatives[0].content]


def test_a_rejection_is_mailed_in_nynorsk_with_the_reason_and_comment_but_not_the_readers_words(
    editor, pathway, django_capture_on_commit_callbacks
):
    proposal = reader_proposal(pathway, language="nn")
    submission = proposal.submissions.get()

    with django_capture_on_commit_callbacks() as callbacks:
        proposal_transition(
            proposal_id=proposal.pk,
            action="reject",
            by=editor,
            reason=RejectReason.NOT_RELEVANT,
            comment="Dette er <b>dekt</b> i avsnittet om BUP.",
        )

    [notice] = outcome_notices()
    assert notice.kind == "outcome.rejected"
    assert notice.recipient == READER
    assert notice.language == "nn"
    assert notice.status == NotificationStatus.PENDING
    assert len(callbacks) == 1  # handed to the broker after commit
    message = sent_mail(notice)
    assert message.to == [READER]
    subject, body, html = texts(message)
    assert status_url(submission) in body and status_url(submission) in html
    assert "/nn/tilbakemelding/" in status_url(submission)
    assert "ikkje relevant" in body and "ikkje relevant" in html
    assert "Kommentar frå redaksjonen" in body
    assert "Dette er <b>dekt</b> i avsnittet om BUP." in body
    assert "Dette er &lt;b&gt;dekt&lt;/b&gt; i avsnittet om BUP." in html  # escaped in HTML
    assert "Ho gjeld: Angstplager" in body
    assert 'lang="nn"' in html
    for text in (subject, body, html):
        assert "utfallstest" not in text and "Testesen" not in text and "912 34 567" not in text
    assert "utfallstest" not in str(notice.context)
    notice.refresh_from_db()
    assert notice.status == NotificationStatus.SENT


def _adaptation(pathway, partnership):
    return LocalAdaptation.objects.create(partnership=partnership, pathway=pathway, based_on=pathway.current_version)


@pytest.mark.parametrize(
    ("start", "action", "outcome"),
    [
        (ProposalState.NEW, "reject", "rejected"),
        (ProposalState.IN_REVIEW, "decide_reject", "rejected"),
        (ProposalState.DEFERRED, "decline", "declined"),
        (ProposalState.LOCAL, "fixed_locally", "done_locally"),
        (ProposalState.NEW, "mark_quick_fix", "quick_fix"),
        (ProposalState.QUICK_FIX, "publish", "published"),
        (ProposalState.RECOMMENDED, "postpone", "postponed"),
    ],
)
def test_each_outcome_is_one_notice_with_its_own_text(editor, pathway, partnership_a, start, action, outcome):
    proposal = reader_proposal(pathway, partnership=partnership_a)
    set_state(proposal, start)
    arguments = {
        "reject": {"reason": RejectReason.ALREADY_FIXED},
        "decide_reject": {"comment": "Ikke i tråd med faglige råd."},
        "decline": {"comment": "Ikke aktuelt for oss."},
        "fixed_locally": {"adaptation": _adaptation(pathway, partnership_a)},
        "publish": {"version": pathway.current_version},
        "postpone": {"comment": "Vi tar den neste år."},
    }.get(action, {})

    proposal_transition(proposal_id=proposal.pk, action=action, by=editor, **arguments)

    [notice] = outcome_notices()
    assert notice.kind == f"outcome.{outcome}"
    assert notice.context["outcome"] == outcome
    subject, body, html = texts(sent_mail(notice))
    assert subject and "\n" not in subject
    assert "/nb/tilbakemelding/" in body
    assert "utfallstest" not in body + html
    if outcome == "published":
        assert "http://localhost:8000/nb/forlop/angst/versjon/2026/" in body
        assert 'href="http://localhost:8000/nb/forlop/angst/versjon/2026/"' in html
    if outcome == "done_locally":
        assert "Helsefellesskap Vest" in body
        assert "http://localhost:8000/nb/vest/forlop/angst/" in body
    if "comment" in arguments:
        assert arguments["comment"] in body


def test_the_published_notice_links_the_version_it_went_into(editor, pathway):
    proposal = reader_proposal(pathway, language="nn")
    set_state(proposal, ProposalState.QUICK_FIX)
    Section.objects.filter(pathway=pathway, slug="fastlege-kartlegging").update(body_nb="Rettet.", body_nn="Retta.")
    correction = pathway_publish(
        pathway=pathway,
        by=editor,
        kind=VersionKind.CORRECTION,
        summary_nb="Retting.",
        summary_nn="Retting.",
    )
    proposal_transition(proposal_id=proposal.pk, action="publish", by=editor, version=correction)

    [notice] = outcome_notices()
    assert notice.context["version_number"] == "2026.1"
    assert notice.context["version_url"] == "http://localhost:8000/nn/forlop/angst/versjon/2026.1/"


@pytest.mark.parametrize(
    ("start", "action"),
    [
        (ProposalState.NEW, "defer"),
        (ProposalState.NEW, "mark_local"),
        (ProposalState.DEFERRED, "forward"),
        (ProposalState.FORWARDED, "start_review"),
        (ProposalState.IN_REVIEW, "recommend"),
        (ProposalState.RECOMMENDED, "accept"),
        (ProposalState.POSTPONED, "carry_over"),
    ],
)
def test_steps_on_the_way_are_not_mailed(editor, pathway, partnership_a, start, action):
    proposal = reader_proposal(pathway, partnership=partnership_a)
    set_state(proposal, start)

    proposal_transition(proposal_id=proposal.pk, action=action, by=editor)

    assert outcome_notices() == []


def test_a_rejection_as_spam_is_not_mailed(editor, pathway):
    proposal = reader_proposal(pathway)
    proposal_transition(proposal_id=proposal.pk, action="reject", by=editor, reason=RejectReason.SPAM)
    assert outcome_notices() == []


def test_readers_who_withdrew_or_whose_address_was_deleted_or_never_given_get_nothing(editor, pathway):
    withdrawn = reader_proposal(pathway, email="trakk@example.no")
    Submission.objects.filter(proposal=withdrawn).update(withdrawn_at="2026-03-01T10:00:00Z")
    blanked = reader_proposal(pathway, email="")
    Submission.objects.filter(proposal=blanked).update(email_blanked_at="2026-03-01T10:00:00Z")
    no_address = reader_proposal(pathway, email="")

    for proposal in (withdrawn, blanked, no_address):
        proposal_transition(proposal_id=proposal.pk, action="reject", by=editor, reason=RejectReason.NOT_RELEVANT)

    assert outcome_notices() == []


def test_the_notice_is_queued_with_the_move_and_undone_with_it(editor, pathway):
    proposal = reader_proposal(pathway)

    with pytest.raises(RuntimeError), transaction.atomic():
        proposal_transition(proposal_id=proposal.pk, action="reject", by=editor, reason=RejectReason.NOT_RELEVANT)
        assert len(outcome_notices()) == 1
        raise RuntimeError("the request failed after the move")

    assert outcome_notices() == []
    proposal.refresh_from_db()
    assert proposal.state == ProposalState.NEW


def test_merged_readers_hear_of_the_merge_and_then_of_the_outcome_of_the_one_kept(editor, pathway):
    kept = reader_proposal(pathway, email="forste@example.no")
    merged = reader_proposal(pathway, email="andre@example.no", language="nn", n=2)

    proposal_merge(proposal_id=merged.pk, into_id=kept.pk, by=editor)
    [duplicate] = outcome_notices()
    assert (duplicate.kind, duplicate.recipient, duplicate.language) == ("outcome.duplicate", "andre@example.no", "nn")

    proposal_transition(proposal_id=kept.pk, action="mark_quick_fix", by=editor)

    quick = [(n.kind, n.recipient) for n in outcome_notices()[1:]]
    assert sorted(quick) == [("outcome.quick_fix", "andre@example.no"), ("outcome.quick_fix", "forste@example.no")]
    andre = Notification.objects.get(kind="outcome.quick_fix", recipient="andre@example.no")
    assert andre.context["status_url"] == status_url(merged.submissions.get())


def test_one_reader_with_two_merged_submissions_hears_once(editor, pathway):
    kept = reader_proposal(pathway, email="leser@example.no")
    merged = reader_proposal(pathway, email="LESER@example.no", n=2)
    proposal_merge(proposal_id=merged.pk, into_id=kept.pk, by=editor)

    proposal_transition(proposal_id=kept.pk, action="reject", by=editor, reason=RejectReason.ALREADY_FIXED)

    assert [n.kind for n in outcome_notices()] == ["outcome.duplicate", "outcome.rejected"]


def test_the_same_move_notified_twice_is_one_notice(editor, pathway):
    proposal = reader_proposal(pathway)
    proposal_transition(proposal_id=proposal.pk, action="reject", by=editor, reason=RejectReason.ALREADY_FIXED)
    proposal.refresh_from_db()
    entry = proposal.audit_entries.get()

    again = proposal_outcome_notify(proposal=proposal, action="reject", entry=entry)

    assert len(outcome_notices()) == 1
    assert again == outcome_notices()
    assert again[0].subject == f"governance.auditentry:{entry.pk}"


def test_a_decision_changed_and_changed_back_is_told_each_time(editor, pathway):
    proposal = reader_proposal(pathway)
    set_state(proposal, ProposalState.IN_REVIEW)
    proposal_transition(proposal_id=proposal.pk, action="decide_reject", by=editor, comment="Nei.")
    set_state(proposal, ProposalState.IN_REVIEW)
    proposal_transition(proposal_id=proposal.pk, action="postpone", by=editor, comment="Neste år.")
    set_state(proposal, ProposalState.IN_REVIEW)
    proposal_transition(proposal_id=proposal.pk, action="decide_reject", by=editor, comment="Nei likevel.")

    assert [n.kind for n in outcome_notices()] == ["outcome.rejected", "outcome.postponed", "outcome.rejected"]


def test_a_bouncing_address_is_not_mailed_and_the_ledger_says_why(editor, pathway, django_capture_on_commit_callbacks):
    BouncingAddress.objects.create(email=READER, reason="550 5.1.1 mailbox unavailable")
    proposal = reader_proposal(pathway)

    with django_capture_on_commit_callbacks() as callbacks:
        proposal_transition(proposal_id=proposal.pk, action="reject", by=editor, reason=RejectReason.NOT_RELEVANT)

    [notice] = outcome_notices()
    assert notice.status == NotificationStatus.FAILED
    assert notice.last_error == "address is bouncing"
    assert callbacks == []  # nothing handed to the broker
    assert not notification_send(notice.pk)
    assert mail.outbox == []
