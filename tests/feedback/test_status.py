"""The reader's private status page /<lang>/tilbakemelding/<token>/ and withdrawing from it
(feedback/views.py `feedback_status`, `feedback_withdraw_view`). The reader is the plain `client`,
holding nothing but the link."""

import pytest
from django.test import Client
from django.utils import translation

from feedback.context import resolve_context
from feedback.models import Submission
from feedback.services import feedback_submit
from governance.models import ChangeProposal, ProposalState
from tests.feedback.test_form import page
from tests.support import make_proposal

pytestmark = pytest.mark.django_db


@pytest.fixture
def submission(pathway) -> Submission:
    submission, _created = feedback_submit(
        cleaned={"kind": "error", "description": "Telefonnummeret til BUP er feil.", "email": ""},
        context=resolve_context({"forlop": "angst", "seksjon": "fastlege-kartlegging", "versjon": "2026"}, "nb"),
        language="nb",
        source="192.0.2.10",
    )
    return submission


def status_path(submission: Submission, language: str = "nb") -> str:
    return f"/{language}/tilbakemelding/{submission.token}/"


def withdraw_path(submission: Submission, language: str = "nb") -> str:
    return f"{status_path(submission, language)}trekk-tilbake/"


def has_withdraw_link(response, submission: Submission, language: str = "nb") -> bool:
    return bool(page(response).find("a", href=withdraw_path(submission, language)))


def set_state(submission: Submission, state: str) -> None:
    # What triage would do; the field is protected against assignment, so straight to the row.
    ChangeProposal.objects.filter(pk=submission.proposal_id).update(state=state)


@pytest.mark.parametrize(("language", "message"), [("nb", "Fant ikke siden"), ("nn", "Fann ikkje sida")])
def test_unknown_token_is_a_norwegian_not_found_page(client, submission, language, message):
    response = client.get(f"/{language}/tilbakemelding/{'x' * 32}/")
    assert response.status_code == 404
    assert message in response.content.decode()


def test_overlong_token_is_not_found(client, submission):
    response = client.get(f"/nb/tilbakemelding/{submission.token + 'a' * (200 - len(submission.token))}/")
    assert response.status_code == 404
    assert "Fant ikke siden" in response.content.decode()
    assert client.get(f"/nb/tilbakemelding/{'a' * 200}/trekk-tilbake/").status_code == 404


def test_status_page_shows_the_state_in_norwegian(client, submission):
    response = client.get(status_path(submission))
    html = page(response)
    assert response.status_code == 200
    assert "Tilbakemeldingen din" in html.main
    assert "Status" in html.main and "ny" in [e.text for e in html.find("strong")]
    assert "Telefonnummeret til BUP er feil." in html.main
    assert "Angstplager" in html.main
    assert has_withdraw_link(response, submission)


def test_status_page_is_kept_private(client, submission):
    response = client.get(status_path(submission))
    assert response["Cache-Control"] == "private, no-store"
    assert response["Referrer-Policy"] == "no-referrer"
    assert response["X-Robots-Tag"] == "noindex"


def test_status_page_shows_the_state_it_has_reached(client, submission):
    set_state(submission, ProposalState.IN_REVIEW)
    response = client.get(status_path(submission))
    assert "til vurdering i ressursgruppen" in [e.text for e in page(response).find("strong")]
    assert not has_withdraw_link(response, submission)


def test_nynorsk_status_page(client, submission):
    response = client.get(status_path(submission, "nn"))
    html = page(response)
    assert response.status_code == 200
    assert html.find("html")[0].attrs["lang"] == "nn"
    assert "Tilbakemeldinga di" in html.main
    assert "ny" in [e.text for e in html.find("strong")]
    assert has_withdraw_link(response, submission, "nn")


def test_withdraw_asks_for_confirmation_first(client, submission):
    response = client.get(withdraw_path(submission))
    html = page(response)
    assert response.status_code == 200
    assert "Hvis du trekker den tilbake, ser ikke redaktørene på den." in html.main
    assert [b for b in html.find("button") if "Ja, trekk den tilbake" in b.text]
    assert response["Cache-Control"] == "private, no-store"
    assert response["Referrer-Policy"] == "no-referrer"
    submission.refresh_from_db()
    assert submission.proposal.state == ProposalState.NEW and submission.withdrawn_at is None


def test_withdraw_moves_the_proposal_to_withdrawn(client, submission):
    response = client.post(withdraw_path(submission))
    assert response.status_code == 302
    assert response["Location"] == status_path(submission)

    submission = Submission.objects.select_related("proposal").get(pk=submission.pk)
    assert submission.proposal.state == ProposalState.WITHDRAWN
    assert submission.proposal.closed_at is not None
    assert submission.withdrawn_at is not None

    status = client.get(status_path(submission))
    assert "trukket tilbake" in [e.text for e in page(status).find("strong")]
    assert not has_withdraw_link(status, submission)


def test_withdrawing_again_is_refused_and_changes_nothing(client, submission):
    client.post(withdraw_path(submission))
    withdrawn_at = Submission.objects.get(pk=submission.pk).withdrawn_at

    response = client.post(withdraw_path(submission))
    html = page(response)
    with translation.override("nb"):
        already = translation.gettext("You have already withdrawn this feedback.")
    assert response.status_code == 409
    assert already in html.find("div", role="alert")[0].text
    assert not html.in_main("button")
    after = Submission.objects.select_related("proposal").get(pk=submission.pk)
    assert after.withdrawn_at == withdrawn_at
    assert after.proposal.state == ProposalState.WITHDRAWN

    # Opening the confirmation page again says so at once, without a button that can only fail.
    again = page(client.get(withdraw_path(submission)))
    assert already in again.main and not again.in_main("button")


@pytest.mark.parametrize(
    ("language", "message"),
    [
        ("nb", "Det kan ikke lenger trekkes tilbake: det er allerede sett på."),
        ("nn", "Det kan ikkje lenger trekkjast tilbake: det er allereie sett på."),
    ],
)
def test_withdrawing_what_has_been_looked_at_is_refused(client, submission, language, message):
    set_state(submission, ProposalState.REJECTED)
    response = client.post(withdraw_path(submission, language))
    assert response.status_code == 409
    assert message in page(response).find("div", role="alert")[0].text
    after = Submission.objects.select_related("proposal").get(pk=submission.pk)
    assert after.proposal.state == ProposalState.REJECTED
    assert after.withdrawn_at is None

    confirm = client.get(withdraw_path(submission, language))
    assert confirm.status_code == 200
    assert message in page(confirm).main and not page(confirm).in_main("button")


def test_withdraw_without_csrf_token_is_refused(submission):
    client = Client(enforce_csrf_checks=True)
    response = client.post(withdraw_path(submission))
    assert response.status_code == 403
    assert "Skjemaet er utløpt" in response.content.decode()
    assert ChangeProposal.objects.get().state == ProposalState.NEW


def test_nynorsk_withdraw(client, submission):
    assert "Viss du trekkjer ho tilbake" in page(client.get(withdraw_path(submission, "nn"))).main
    response = client.post(withdraw_path(submission, "nn"))
    assert response["Location"] == status_path(submission, "nn")
    status = client.get(status_path(submission, "nn"))
    assert "trekt tilbake" in [e.text for e in page(status).find("strong")]
    assert not has_withdraw_link(status, submission, "nn")


def test_status_page_shows_the_outcome_the_editors_gave(client, pathway, editor):
    from feedback.models import Submission
    from governance.models import RejectReason
    from governance.proposals.services import proposal_transition

    proposal = make_proposal(description="Feil.", pathway=pathway)
    submission = Submission.objects.create(proposal=proposal, dedupe_key="outcome-test", language="nb")
    proposal_transition(
        proposal_id=proposal.pk,
        action="reject",
        by=editor,
        reason=RejectReason.ALREADY_FIXED,
        comment="Rettet i 2026.1.",
    )
    html = client.get(f"/nb/tilbakemelding/{submission.token}/").content.decode()
    assert "avvist" in html and "allerede rettet" in html and "Rettet i 2026.1." in html


def test_status_page_of_a_merged_proposal_follows_the_kept_one(client, pathway, editor):
    from feedback.models import Submission
    from governance.proposals.services import proposal_merge

    kept = make_proposal(description="Feil A.", pathway=pathway)
    merged = make_proposal(description="Feil A igjen.", pathway=pathway)
    submission = Submission.objects.create(proposal=merged, dedupe_key="merge-test", language="nb")
    proposal_merge(proposal_id=merged.pk, into_id=kept.pk, by=editor)
    html = client.get(f"/nb/tilbakemelding/{submission.token}/").content.decode()
    assert "Slått sammen med" in html
    assert f"<strong>{kept.get_state_display()}</strong>" in html
