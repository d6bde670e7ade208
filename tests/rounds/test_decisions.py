"""The responsible editor's decisions in the yearly round (governance.rounds.decisions.decision_record and
the pages /<lang>/redaksjon/runder/<year>/beslutninger/…). The cast is in tests/conftest.py; the
`pathway` fixture publishes "angst" 2026. The helpers here are shared by test_release.py and
test_changelog.py."""

import re

import pytest
from django.utils import timezone, translation
from django.utils.html import escape
from django.utils.translation import gettext

from feedback.models import Submission
from governance.models import (
    AuditEntry,
    ChangeProposal,
    Decision,
    ProposalKind,
    ProposalState,
    Recommendation,
    RejectReason,
    RoundItem,
    RoundState,
)
from governance.proposals import services
from governance.rounds import decisions
from pathways.models import Section
from pathways.services import section_update
from tests.factories import make_pathway, make_round
from tests.support import make_proposal

pytestmark = pytest.mark.django_db

SECTION = "fastlege-kartlegging"
DESCRIPTION = "Teksten om fastlegen sier ingenting om søvnvansker hos ungdom."
RATIONALE = "Ressursgruppen har rett: søvn bør kartlegges."
HOSTILE = "<script>alert('x')</script> & «sitat»"
POSTPONED_NOTICE = "The editor has postponed your suggestion to next year's round: it will be considered again then."


# --- Helpers shared by the round tests ----------------------------------------------------------------


def t(language: str, msgid: str, **params) -> str:
    """A message as a person reads it in `language` (the catalogues are filled in by the lead)."""
    with translation.override(language):
        # A lazy label (a model's choices) is read in the language; a msgid is looked up.
        text = gettext(msgid) if isinstance(msgid, str) else str(msgid)
    return text % params if params else text


def shows(body: str, language: str, msgid: str, **params) -> bool:
    """Whether the page's HTML holds the message (as a template writes it, or escaped as a form error)."""
    text = t(language, msgid, **params)
    return text in body or escape(text) in body


def make_item(
    review_round,
    pathway,
    *,
    partnership=None,
    state=ProposalState.RECOMMENDED,
    meeting_recommendation: str = "",
    description: str = DESCRIPTION,
    section_slug: str = SECTION,
    kind: str = ProposalKind.ERROR,
) -> RoundItem:
    """A proposal the partnership forwarded and the resource group reviewed (where the round's
    earlier phases leave it), in the round."""
    proposal = make_proposal(
        kind=kind,
        description=description,
        pathway=pathway,
        section_slug=section_slug,
        partnership=partnership,
        state=state,
    )
    return RoundItem.objects.create(
        review_round=review_round,
        proposal=proposal,
        forwarded_at=timezone.now(),
        meeting_recommendation=meeting_recommendation,
    )


def submit(proposal, *, email: str = "", language: str = "nb") -> Submission:
    return Submission.objects.create(
        proposal=proposal, email=email, language=language, dedupe_key=f"test-{proposal.pk}-{email}"
    )


def edit(pathway, slug: str = SECTION, *, by, nb: str, nn: str) -> Section:
    """The editor applies a change in the draft, in both written standards."""
    section = pathway.sections.get(slug=slug)
    return section_update(section=section, by=by, body_nb=nb, body_nn=nn)


def decide(item, *, by, decision=Decision.ACCEPT, rationale=RATIONALE, **fields) -> RoundItem:
    return decisions.decision_record(item_id=item.pk, by=by, decision=decision, rationale=rationale, **fields)


def state_of(item) -> str:
    return ChangeProposal.objects.get(pk=item.proposal_id).state


def fresh(item) -> RoundItem:
    return RoundItem.objects.get(pk=item.pk)


def decide_url(item, language: str = "nb") -> str:
    return f"/{language}/redaksjon/runder/{item.review_round.year}/beslutninger/{item.pk}/"


def list_url(year: int = 2027, language: str = "nb") -> str:
    return f"/{language}/redaksjon/runder/{year}/beslutninger/"


def form_data(**overrides) -> dict:
    return {"decision": Decision.ACCEPT, "rationale": RATIONALE, "change_summary_nb": "", "change_summary_nn": ""} | (
        overrides
    )


@pytest.fixture
def editorial(db):
    return make_round(year=2027, state=RoundState.EDITORIAL)


@pytest.fixture
def item(editorial, pathway, partnership_a):
    return make_item(editorial, pathway, partnership=partnership_a)


# --- Each decision ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("decision", "state"),
    [
        (Decision.ACCEPT, ProposalState.ACCEPTED),
        (Decision.ACCEPT_WITH_CHANGES, ProposalState.ACCEPTED),
        (Decision.REJECT, ProposalState.REJECTED),
        (Decision.POSTPONE, ProposalState.POSTPONED),
    ],
)
def test_each_decision_moves_the_proposal_and_records_who_and_why(editor_client, editor, item, decision, state):
    # Rejecting what was recommended departs from the advice: confirmed here, tested below.
    response = editor_client.post(decide_url(item), form_data(decision=decision, against_recommendation_confirmed="on"))
    assert response.status_code == 302
    assert response["Location"] == list_url()
    saved = fresh(item)
    assert (saved.decision, saved.rationale, saved.decided_by) == (decision, RATIONALE, editor)
    assert saved.decided_at is not None
    proposal = ChangeProposal.objects.get(pk=item.proposal_id)
    assert proposal.state == state
    # The rationale is the comment the submitter and the partnership see.
    assert proposal.decision_comment == RATIONALE
    entry = AuditEntry.objects.filter(proposal=proposal).last()
    assert (entry.actor, entry.from_state, entry.to_state, entry.comment) == (
        editor,
        ProposalState.RECOMMENDED,
        state,
        RATIONALE,
    )


def test_a_rejected_proposal_is_closed_with_the_editors_reason(editor, item):
    decide(item, by=editor, decision=Decision.REJECT, against_recommendation_confirmed=True)
    proposal = ChangeProposal.objects.get(pk=item.proposal_id)
    assert proposal.reject_reason == RejectReason.EDITORIAL
    assert proposal.closed_at is not None


def test_an_accepted_item_keeps_its_sections_and_change_lines(editor, item, pathway):
    section = pathway.sections.get(slug=SECTION)
    decide(
        item,
        by=editor,
        changed_section_ids=[section.pk],
        change_summary_nb="  Fastlegen kartlegger nå søvn.  ",
        change_summary_nn="Fastlegen kartlegg no søvn.",
    )
    saved = fresh(item)
    assert list(saved.changed_sections.all()) == [section]
    assert (saved.change_summary_nb, saved.change_summary_nn) == (
        "Fastlegen kartlegger nå søvn.",
        "Fastlegen kartlegg no søvn.",
    )


def test_the_decision_page_shows_the_advice_the_proposal_and_links_to_the_editor(editor_client, item, pathway):
    response = editor_client.get(decide_url(item))
    body = response.content.decode()
    assert response.status_code == 200
    assert shows(body, "nb", "recommended")
    assert f"/nb/redaksjon/forslag/{item.proposal_id}/" in body
    assert f"/nb/redaksjon/forlop/{pathway.slug}/seksjon/{SECTION}/" in body
    assert f"/nb/redaksjon/forlop/{pathway.slug}/" in body
    assert 'name="rationale"' in body and 'name="change_summary_nn"' in body
    # Sections of the proposal's pathway to link, by title.
    assert "Tittel 1" in body


def test_the_list_shows_every_proposal_to_decide_with_its_advice(
    editor_client, editor, editorial, pathway, partnership_a
):
    first = make_item(editorial, pathway, partnership=partnership_a)
    second = make_item(editorial, pathway, state=ProposalState.NOT_RECOMMENDED)
    declined = make_item(editorial, pathway, state=ProposalState.DECLINED)
    decide(first, by=editor)
    response = editor_client.get(list_url())
    body = response.content.decode()
    assert response.status_code == 200
    assert f'data-item="{first.pk}"' in body and f'data-item="{second.pk}"' in body
    assert f'data-item="{declined.pk}"' not in body
    assert shows(body, "nb", "not recommended")
    assert shows(body, "nb", "change line missing")
    assert decide_url(second) in body
    assert "/nb/redaksjon/runder/2027/frigi/" in body


# --- The rationale -----------------------------------------------------------------------------------


@pytest.mark.parametrize("rationale", ["", "   \n  "])
def test_a_decision_needs_a_rationale_and_the_typed_text_is_kept(editor_client, item, rationale):
    response = editor_client.post(
        decide_url(item), form_data(rationale=rationale, change_summary_nb="Linja jeg skrev.")
    )
    body = response.content.decode()
    assert response.status_code == 400
    assert shows(body, "nb", "Write the rationale for the decision: the submitter and the partnership see it.")
    assert "Linja jeg skrev." in body
    assert state_of(item) == ProposalState.RECOMMENDED
    assert fresh(item).decision == ""


def test_the_service_refuses_a_decision_without_rationale(editor, item):
    with pytest.raises(decisions.DecisionRefused) as refused:
        decide(item, by=editor, rationale="  ")
    assert refused.value.reasons
    assert state_of(item) == ProposalState.RECOMMENDED


def test_a_rationale_over_the_limit_is_refused_and_kept(editor_client, item):
    text = "a" * 5001
    response = editor_client.post(decide_url(item), form_data(rationale=text))
    body = response.content.decode()
    assert response.status_code == 400
    assert text in body
    assert "5000" in body and "5001" in body
    assert fresh(item).decision == ""


def test_a_change_line_over_the_limit_is_refused(editor_client, item):
    response = editor_client.post(decide_url(item), form_data(change_summary_nn="b" * 2001))
    assert response.status_code == 400
    assert fresh(item).decision == ""


def test_hostile_text_is_stored_as_typed_and_shown_escaped(editor_client, item):
    editor_client.post(decide_url(item), form_data(rationale=HOSTILE, change_summary_nb=HOSTILE))
    assert fresh(item).rationale == HOSTILE
    body = editor_client.get(decide_url(item)).content.decode()
    assert "<script>alert" not in body
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in body


def test_unreadable_characters_are_refused(editor_client, item):
    response = editor_client.post(decide_url(item), form_data(rationale="Begrunnelse \ufffd"))
    assert response.status_code == 400
    assert fresh(item).decision == ""


@pytest.mark.parametrize(
    "data",
    [
        {"decision": "bogus"},
        {"decision": ""},
        {"changed_sections": "not-a-number"},
        {"changed_sections": "999999"},
    ],
)
def test_malformed_input_is_refused_with_a_message(editor_client, item, data):
    response = editor_client.post(decide_url(item), form_data(**data))
    assert response.status_code == 400
    assert 'class="error-summary"' in response.content.decode()
    assert state_of(item) == ProposalState.RECOMMENDED


def test_the_proposals_own_section_is_ticked_until_the_editor_decides(editor_client, item, pathway):
    own = pathway.sections.get(slug=SECTION)
    form = editor_client.get(decide_url(item)).context["form"]
    assert form["changed_sections"].initial == [own.pk]
    html = editor_client.get(decide_url(item)).content.decode()
    ticked = re.findall(r'<input type="checkbox" name="changed_sections" value="(\d+)"[^>]*checked', html)
    assert ticked == [str(own.pk)]


def test_sections_of_another_pathway_cannot_be_linked(editor_client, editor, item):
    other = make_pathway(editor=editor, slug="autisme")
    foreign = other.sections.get(slug=SECTION)
    response = editor_client.post(decide_url(item), form_data(changed_sections=[foreign.pk]))
    assert response.status_code == 400
    assert shows(response.content.decode(), "nb", "Choose sections of the pathway the proposal is about.")
    with translation.override("nb"), pytest.raises(decisions.DecisionRefused) as refused:
        decide(item, by=editor, changed_section_ids=[foreign.pk])
    assert refused.value.reasons == [t("nb", "Choose sections of the pathway the proposal is about.")]
    assert fresh(item).decision == ""


# --- Against the resource group's advice -------------------------------------------------------------


@pytest.mark.parametrize(
    ("state", "recorded", "decision"),
    [
        (ProposalState.NOT_RECOMMENDED, "", Decision.ACCEPT),
        (ProposalState.NOT_RECOMMENDED, "", Decision.ACCEPT_WITH_CHANGES),
        (ProposalState.RECOMMENDED, "", Decision.REJECT),
        # The meeting's recorded recommendation counts over the vote.
        (ProposalState.IN_REVIEW, Recommendation.NOT_RECOMMENDED, Decision.ACCEPT),
        (ProposalState.RECOMMENDED, Recommendation.NOT_RECOMMENDED, Decision.ACCEPT),
    ],
)
def test_departing_from_the_advice_needs_a_confirmation(
    editor_client, editor, editorial, pathway, state, recorded, decision
):
    item = make_item(editorial, pathway, state=state, meeting_recommendation=recorded)
    response = editor_client.post(decide_url(item), form_data(decision=decision))
    body = response.content.decode()
    assert response.status_code == 400
    assert shows(body, "nb", "This decision departs from the resource group's advice. Tick the box to confirm it.")
    assert fresh(item).decision == ""
    with translation.override("nb"), pytest.raises(decisions.DecisionRefused) as refused:
        decide(item, by=editor, decision=decision)
    # The advice named is the meeting's when it recorded one, else the vote's (the proposal's state).
    advice = Recommendation(recorded or state)
    assert refused.value.reasons == [
        t(
            "nb",
            "The resource group's advice was “%(recommendation)s”. Confirm that you depart from it, "
            "and say why in the rationale.",
            recommendation=t("nb", advice.label),
        )
    ]

    response = editor_client.post(decide_url(item), form_data(decision=decision, against_recommendation_confirmed="on"))
    assert response.status_code == 302
    assert fresh(item).decision == decision


@pytest.mark.parametrize(
    ("state", "decision"),
    [
        (ProposalState.RECOMMENDED, Decision.ACCEPT),
        (ProposalState.NOT_RECOMMENDED, Decision.REJECT),
        (ProposalState.NOT_RECOMMENDED, Decision.POSTPONE),
        (ProposalState.IN_REVIEW, Decision.REJECT),  # no quorum, no advice
    ],
)
def test_following_the_advice_needs_no_confirmation(editor, editorial, pathway, state, decision):
    item = make_item(editorial, pathway, state=state)
    decide(item, by=editor, decision=decision)
    assert fresh(item).decision == decision


def test_the_form_shows_the_advice_next_to_the_confirmation(editor_client, editorial, pathway):
    item = make_item(editorial, pathway, state=ProposalState.NOT_RECOMMENDED)
    body = editor_client.get(decide_url(item)).content.decode()
    assert 'name="against_recommendation_confirmed"' in body
    assert shows(body, "nb", "not recommended")


# --- Changing a decision until the release --------------------------------------------------------------


def test_a_decision_can_be_changed_until_the_release(editor, item):
    decide(item, by=editor, decision=Decision.REJECT, rationale="Først nei.", against_recommendation_confirmed=True)
    decide(item, by=editor, decision=Decision.ACCEPT, rationale="Likevel ja.")
    proposal = ChangeProposal.objects.get(pk=item.proposal_id)
    assert proposal.state == ProposalState.ACCEPTED
    assert (proposal.reject_reason, proposal.closed_at, proposal.decision_comment) == ("", None, "Likevel ja.")
    *_, reconsidered, last = AuditEntry.objects.filter(proposal=proposal).order_by("pk")
    # The timeline says it: the rejection reconsidered (back to where the resource group left it),
    # then accepted from there.
    assert (reconsidered.action, reconsidered.from_state, reconsidered.to_state) == (
        "reconsider",
        ProposalState.REJECTED,
        ProposalState.RECOMMENDED,
    )
    assert (last.action, last.from_state, last.to_state) == (
        "accept",
        ProposalState.RECOMMENDED,
        ProposalState.ACCEPTED,
    )

    decide(item, by=editor, decision=Decision.POSTPONE, rationale="Vent et år.")
    decide(item, by=editor, decision=Decision.REJECT, rationale="Nei.", against_recommendation_confirmed=True)
    assert state_of(item) == ProposalState.REJECTED
    # It goes back where the resource group left it, every time, and the advice still holds.
    decide(item, by=editor, decision=Decision.ACCEPT_WITH_CHANGES, rationale="Ja, med endringer.")
    assert state_of(item) == ProposalState.ACCEPTED
    assert fresh(item).decision == Decision.ACCEPT_WITH_CHANGES


def test_changing_to_a_decision_that_is_not_accepted_drops_the_change_lines(editor, item, pathway):
    section = pathway.sections.get(slug=SECTION)
    decide(item, by=editor, changed_section_ids=[section.pk], change_summary_nb="Linje.", change_summary_nn="Line.")
    decide(item, by=editor, decision=Decision.POSTPONE)
    saved = fresh(item)
    assert (saved.change_summary_nb, saved.change_summary_nn) == ("", "")
    assert not saved.changed_sections.exists()


def test_the_same_decision_sent_twice_is_recorded_once(editor_client, item):
    for _attempt in range(2):
        assert editor_client.post(decide_url(item), form_data()).status_code == 302
    assert AuditEntry.objects.filter(proposal_id=item.proposal_id, action="accept").count() == 1
    assert state_of(item) == ProposalState.ACCEPTED


def test_a_new_rationale_for_the_same_outcome_is_shown_to_the_submitter(editor, item):
    decide(item, by=editor, rationale="Første begrunnelse.")
    decide(item, by=editor, decision=Decision.ACCEPT_WITH_CHANGES, rationale="Ny begrunnelse.")
    proposal = ChangeProposal.objects.get(pk=item.proposal_id)
    assert proposal.decision_comment == "Ny begrunnelse."
    assert AuditEntry.objects.filter(proposal=proposal, comment="Ny begrunnelse.").exists()


def test_the_form_shows_the_decision_so_far(editor_client, editor, item):
    decide(item, by=editor, decision=Decision.POSTPONE, rationale="Tas opp neste år.")
    body = editor_client.get(decide_url(item)).content.decode()
    assert "Tas opp neste år." in body
    assert re.search(r'<input[^>]*value="postpone"[^>]*checked', body)


# --- Wrong phase, wrong state, wrong person -----------------------------------------------------------


@pytest.mark.parametrize(
    "phase", [RoundState.COLLECTING, RoundState.RESOURCE_GROUP_REVIEW, RoundState.RELEASED, RoundState.CLOSED]
)
def test_decisions_are_refused_outside_the_editorial_phase(editor_client, editor, pathway, phase):
    review_round = make_round(year=2027, state=phase)
    item = make_item(review_round, pathway)
    response = editor_client.post(decide_url(item), form_data())
    assert response.status_code == 409
    assert shows(response.content.decode(), "nb", RoundState(phase).label)
    assert state_of(item) == ProposalState.RECOMMENDED and fresh(item).decision == ""
    with translation.override("nb"), pytest.raises(decisions.DecisionRefused) as refused:
        decide(item, by=editor)
    assert refused.value.reasons == [
        t(
            "nb",
            "Decisions are taken in the phase “%(editorial)s”; the round is now in “%(phase)s”.",
            editorial=t("nb", RoundState.EDITORIAL.label),
            phase=t("nb", RoundState(phase).label),
        )
    ]
    # The page can be read, without a form.
    page = editor_client.get(decide_url(item))
    assert page.status_code == 200
    assert 'name="rationale"' not in page.content.decode()


@pytest.mark.parametrize("state", [ProposalState.FORWARDED, ProposalState.DEFERRED, ProposalState.DECLINED])
def test_a_proposal_not_in_review_cannot_be_decided(editor_client, editor, editorial, pathway, state):
    item = make_item(editorial, pathway, state=state)
    response = editor_client.post(decide_url(item), form_data())
    assert response.status_code == 409
    assert state_of(item) == state
    with translation.override("nb"), pytest.raises(decisions.DecisionRefused) as refused:
        decide(item, by=editor)
    assert refused.value.reasons == [
        t(
            "nb",
            "Proposal #%(number)s cannot be decided now: it is “%(state)s”.",
            number=item.proposal_id,
            state=t("nb", ProposalState(state).label),
        )
    ]


@pytest.mark.parametrize("who", ["local_a", "local_b", "trust_seat", "adviser"])
def test_only_the_responsible_editor_decides_everyone_else_gets_404(client, request, item, who):
    client.force_login(request.getfixturevalue(who))
    assert client.get(list_url()).status_code == 404
    assert client.get(decide_url(item)).status_code == 404
    assert client.post(decide_url(item), form_data()).status_code == 404
    assert fresh(item).decision == ""
    with pytest.raises(services.NotPermitted):
        decide(item, by=request.getfixturevalue(who))


def test_anonymous_is_sent_to_the_login_page(client, item):
    response = client.get(decide_url(item))
    assert response.status_code == 302
    assert "/logg-inn/" in response["Location"]


def test_unknown_round_or_an_item_of_another_round_is_404(editor_client, editor, pathway, item):
    other = make_round(year=2028, state=RoundState.EDITORIAL)
    assert editor_client.get(list_url(2031)).status_code == 404
    assert editor_client.get(f"/nb/redaksjon/runder/2028/beslutninger/{item.pk}/").status_code == 404
    assert editor_client.get(f"/nb/redaksjon/runder/2027/beslutninger/{item.pk + 1000}/").status_code == 404
    assert other.items.count() == 0
    with pytest.raises(services.NotPermitted):
        decisions.decision_record(item_id=item.pk + 1000, by=editor, decision=Decision.ACCEPT, rationale="x")


# --- The submitter's status page -------------------------------------------------------------------------


def test_the_submitter_sees_the_decision_and_its_rationale(client, editor, item):
    submission = submit(item.proposal)
    decide(item, by=editor, decision=Decision.REJECT, rationale=HOSTILE, against_recommendation_confirmed=True)
    body = client.get(f"/nb/tilbakemelding/{submission.token}/").content.decode()
    assert shows(body, "nb", "Decision in the yearly round %(year)s", year="2027")
    assert shows(body, "nb", "reject")
    assert "&lt;script&gt;" in body and "<script>alert" not in body
    # The rationale is shown once, not again as the editors' comment.
    assert body.count("&lt;script&gt;alert") == 1


def test_the_submitter_sees_that_it_was_postponed_to_next_year(client, editor, item):
    submission = submit(item.proposal)
    decide(item, by=editor, decision=Decision.POSTPONE, rationale="Vi trenger mer kunnskap.")
    body = client.get(f"/nb/tilbakemelding/{submission.token}/").content.decode()
    assert "utsatt til neste år" in body
    assert shows(body, "nb", POSTPONED_NOTICE)
    assert "Vi trenger mer kunnskap." in body
    nynorsk = client.get(f"/nn/tilbakemelding/{submission.token}/").content.decode()
    assert "utsett til neste år" in nynorsk


@pytest.mark.parametrize(
    ("language", "told", "not_told"),
    [
        ("nb", "Godkjent med endringer", "godkjenn med endringer"),
        ("nn", "Godkjend med endringar", "godkjenn med endringar"),
    ],
)
def test_the_submitter_is_told_the_decision_as_done_not_as_a_command(client, editor, item, language, told, not_told):
    submission = submit(item.proposal)
    decide(item, by=editor, decision=Decision.ACCEPT_WITH_CHANGES, rationale="Godt forslag, litt omskrevet.")
    body = client.get(f"/{language}/tilbakemelding/{submission.token}/").content.decode()
    assert f"<strong>{told}</strong>" in body
    assert not_told not in body.lower()


def test_the_nynorsk_status_page_says_when_it_was_sent(client, editor, item):
    submission = submit(item.proposal)
    body = client.get(f"/nn/tilbakemelding/{submission.token}/").content.decode()
    assert "<dt>Sendt</dt>" in body and "<dt>Send</dt>" not in body
