"""The retention period: `feedback_retention` and `manage.py feedback_retention`, and
`proposal_redact_personal_data`, which it uses and a triager calls on its own."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core.management import call_command
from django.utils import translation
from reversion.models import Version

from feedback.context import FeedbackContext
from feedback.models import Submission
from feedback.services import feedback_retention, feedback_submit, feedback_withdraw
from governance.models import BouncingAddress, ChangeProposal, Notification, NotificationStatus
from governance.proposals.services import proposal_redact_personal_data

pytestmark = pytest.mark.django_db

NOW = datetime(2027, 6, 15, 10, 0, tzinfo=UTC)
READER_EMAIL = "leser@example.no"
PHONE = "912 34 567"
ADDRESS_IN_TEXT = "ola.nordmann@example.no"


def _months_ago(months: int, days: int = 0) -> datetime:
    return NOW - timedelta(days=30.5 * months + days)


def _feedback(topic: str, *, sent: datetime, withdrawn: datetime | None = None, email=READER_EMAIL) -> Submission:
    """Reader feedback about `topic` that mentions a phone number and an e-mail address (so it is
    flagged), sent and perhaps withdrawn (closed) at the given moments."""
    with time_machine.travel(sent, tick=False):
        submission, _created = feedback_submit(
            cleaned={
                "kind": "error",
                "description": f"{topic}: barnet til Ola (tlf. {PHONE}) fikk feil henvisning.",
                "suggested_text": f"Spør meg på {ADDRESS_IN_TEXT} om detaljer.",
                "quote": "Henvis til BUP ved alvorlige plager.",
                "email": email,
            },
            context=FeedbackContext(),
            language="nb",
            source=f"198.51.100.7-{topic}",
        )
    if withdrawn is not None:
        with time_machine.travel(withdrawn, tick=False):
            feedback_withdraw(submission=submission)
    submission.refresh_from_db()
    submission.proposal.refresh_from_db()
    return submission


def _history(proposal: ChangeProposal) -> str:
    return "\n".join(version.serialized_data for version in Version.objects.get_for_object(proposal))


def _has_personal_data(proposal: ChangeProposal) -> bool:
    proposal.refresh_from_db()
    text = " ".join([proposal.description, proposal.suggested_text, proposal.quote, _history(proposal)])
    return PHONE in text or ADDRESS_IN_TEXT in text


@pytest.fixture
def old_closed():
    return _feedback("gammel", sent=_months_ago(15), withdrawn=_months_ago(14))


def test_a_dry_run_counts_and_changes_nothing(old_closed):
    versions_before = _history(old_closed.proposal)

    counts = feedback_retention(months=12, apply=False, now=NOW)

    assert counts == {"submissions": 1, "notifications": 0, "proposals": 1}
    old_closed.refresh_from_db()
    assert old_closed.email == READER_EMAIL
    assert old_closed.email_blanked_at is None
    assert _has_personal_data(old_closed.proposal)
    assert old_closed.proposal.redacted_at is None
    assert _history(old_closed.proposal) == versions_before


def test_apply_deletes_the_address_and_redacts_the_text_and_its_history(old_closed):
    assert Version.objects.get_for_object(old_closed.proposal).count() == 2  # received, withdrawn

    with translation.override("nb"):
        counts = feedback_retention(months=12, apply=True, now=NOW)

    assert counts == {"submissions": 1, "notifications": 0, "proposals": 1}
    old_closed.refresh_from_db()
    assert old_closed.email == ""
    assert old_closed.email_blanked_at == NOW
    proposal = ChangeProposal.objects.get(pk=old_closed.proposal_id)
    assert proposal.description == "gammel: barnet til Ola (tlf. [fjernet]) fikk feil henvisning."
    assert proposal.suggested_text == "Spør meg på [fjernet] om detaljer."
    assert proposal.quote == "Henvis til BUP ved alvorlige plager."
    assert proposal.redacted_at is not None
    assert not _has_personal_data(proposal)
    # The history is still readable, and says the same as the proposal about the text.
    versions = list(Version.objects.get_for_object(proposal))
    assert len(versions) == 3
    assert {version.field_dict["description"] for version in versions} == {proposal.description}
    assert versions[0].revision.get_comment() == "Personopplysninger fjernet"


def test_recent_and_open_proposals_are_untouched(old_closed):
    recent = _feedback("nylig lukket", sent=_months_ago(12, days=20), withdrawn=_months_ago(11))
    open_old = _feedback("gammel og åpen", sent=_months_ago(30))

    counts = feedback_retention(months=12, apply=True, now=NOW)

    assert counts["submissions"] == 1
    assert counts["proposals"] == 1
    for untouched in (recent, open_old):
        untouched.refresh_from_db()
        assert untouched.email == READER_EMAIL
        assert untouched.email_blanked_at is None
        assert _has_personal_data(untouched.proposal)
        assert untouched.proposal.redacted_at is None
    assert not _has_personal_data(old_closed.proposal)


def test_a_proposal_cleared_by_a_triager_keeps_its_text_but_not_the_address():
    cleared = _feedback("falsk alarm", sent=_months_ago(15), withdrawn=_months_ago(14))
    ChangeProposal.objects.filter(pk=cleared.proposal_id).update(may_contain_personal_data=False)

    counts = feedback_retention(months=12, apply=True, now=NOW)

    assert counts == {"submissions": 1, "notifications": 0, "proposals": 0}
    cleared.refresh_from_db()
    assert cleared.email == ""
    assert _has_personal_data(cleared.proposal)


def test_the_address_goes_from_sent_notifications_too(old_closed):
    Notification.objects.filter(recipient=READER_EMAIL).update(status=NotificationStatus.SENT)
    waiting = _feedback("venter", sent=_months_ago(1), email=READER_EMAIL)

    counts = feedback_retention(months=12, apply=True, now=NOW)

    assert counts["notifications"] == 1
    receipt = Notification.objects.get(dedupe_key=f"feedback_receipt:{old_closed.pk}")
    assert receipt.recipient == ""
    assert Notification.objects.get(dedupe_key=f"feedback_receipt:{waiting.pk}").recipient == READER_EMAIL


def test_a_bouncing_address_is_forgotten_with_the_case_unless_an_open_case_uses_it(old_closed):
    other = "annen.leser@example.no"
    _feedback("annen", sent=_months_ago(15), withdrawn=_months_ago(14), email=other)
    _feedback("fortsatt apen", sent=_months_ago(1), email=other)
    BouncingAddress.objects.create(email=READER_EMAIL, reason="550")
    BouncingAddress.objects.create(email=other, reason="550")

    feedback_retention(months=12, apply=True, now=NOW)

    assert list(BouncingAddress.objects.values_list("email", flat=True)) == [other]


def test_running_it_twice_is_harmless(old_closed):
    feedback_retention(months=12, apply=True, now=NOW)
    proposal = ChangeProposal.objects.get(pk=old_closed.proposal_id)
    history = _history(proposal)

    counts = feedback_retention(months=12, apply=True, now=NOW + timedelta(days=1))

    assert counts == {"submissions": 0, "notifications": 0, "proposals": 0}
    old_closed.refresh_from_db()
    assert old_closed.email_blanked_at == NOW
    again = ChangeProposal.objects.get(pk=old_closed.proposal_id)
    assert (again.description, again.redacted_at) == (proposal.description, proposal.redacted_at)
    assert _history(again) == history


def test_the_command_only_counts_unless_told_to_apply(old_closed, capsys):
    with time_machine.travel(NOW, tick=False):
        call_command("feedback_retention")
    dry_run = capsys.readouterr().out

    assert "Dry run" in dry_run
    assert "1 submissions" in dry_run
    assert READER_EMAIL not in dry_run and PHONE not in dry_run
    old_closed.refresh_from_db()
    assert old_closed.email == READER_EMAIL

    with time_machine.travel(NOW, tick=False):
        call_command("feedback_retention", "--apply", "--months", "24")
    assert "0 submissions" in capsys.readouterr().out
    old_closed.refresh_from_db()
    assert old_closed.email == READER_EMAIL  # closed 14 months ago, not 24

    with time_machine.travel(NOW, tick=False):
        call_command("feedback_retention", "--apply")
    assert "redacted 1 proposals" in capsys.readouterr().out
    old_closed.refresh_from_db()
    assert old_closed.email == ""


def test_a_triager_can_redact_an_open_proposal_on_its_own(editor):
    submission = _feedback("åpen", sent=_months_ago(1))

    with translation.override("nb"):
        proposal = proposal_redact_personal_data(proposal=submission.proposal, by=editor)

    assert proposal.description == "åpen: barnet til Ola (tlf. [fjernet]) fikk feil henvisning."
    assert not _has_personal_data(proposal)
    latest = Version.objects.get_for_object(proposal).first()
    assert latest.revision.user == editor
    assert latest.revision.get_comment() == "Personopplysninger fjernet"
    submission.refresh_from_db()
    assert submission.email == READER_EMAIL  # the address is kept while the case is open

    versions = Version.objects.get_for_object(proposal).count()
    proposal_redact_personal_data(proposal=proposal, by=editor)
    assert Version.objects.get_for_object(proposal).count() == versions


def test_the_period_is_counted_in_calendar_months():
    closed_just_before = _feedback("like før", sent=_months_ago(13), withdrawn=datetime(2026, 6, 15, 9, 59, tzinfo=UTC))
    closed_just_after = _feedback(
        "like etter", sent=_months_ago(13), withdrawn=datetime(2026, 6, 15, 10, 1, tzinfo=UTC)
    )

    feedback_retention(months=12, apply=True, now=NOW)

    closed_just_before.refresh_from_db()
    closed_just_after.refresh_from_db()
    assert closed_just_before.email == ""
    assert closed_just_after.email == READER_EMAIL
