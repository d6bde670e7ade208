"""The release of the yearly revision: governance.rounds.release.release_blockers and release_publish,
run by governance.rounds.phases.round_advance as the round moves from editorial to released, and the
editor's page /<lang>/redaksjon/runder/<year>/frigi/. One transaction: all or nothing."""

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.db import transaction
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from governance.models import (
    ChangeProposal,
    Decision,
    Notification,
    NotificationStatus,
    ProposalState,
    ReviewRound,
    RoundState,
)
from governance.outbox.notifications import notification_send
from governance.rounds import decisions, phases, release
from pathways import services as pathway_services
from pathways.models import Profile, Role, Version, VersionKind
from pathways.services import adaptation_create, adaptation_section_save
from tests.factories import make_pathway, make_round
from tests.rounds.test_decisions import SECTION, decide, edit, make_item, shows, submit, t

pytestmark = pytest.mark.django_db

CHECKLIST = "sjekkliste-henvisning"
NEW_NB = "Fastlegen kartlegger også søvn og skjermbruk."
NEW_NN = "Fastlegen kartlegg òg søvn og skjermbruk."
LINE_NB = "Fastlegen kartlegger nå søvn"
LINE_NN = "Fastlegen kartlegg no søvn"


def release_round(review_round, *, by) -> list[Version]:
    """What round_advance does, reduced to its core: the round moves on and the release publishes,
    in one transaction."""
    with transaction.atomic():
        ReviewRound.objects.filter(pk=review_round.pk).update(state=RoundState.RELEASED)
        return release.release_publish(review_round=review_round, by=by)


def round_state(review_round) -> str:
    return ReviewRound.objects.get(pk=review_round.pk).state


def proposal_of(item) -> ChangeProposal:
    return ChangeProposal.objects.select_related("published_in").get(pk=item.proposal_id)


def with_email(user, address: str):
    user.email = address
    user.save(update_fields=["email"])
    return user


@pytest.fixture
def editorial(db):
    return make_round(year=2027, state=RoundState.EDITORIAL)


@pytest.fixture
def autisme(editor):
    pathway = make_pathway(editor=editor, slug="autisme", publish_year=None)
    pathway.title_nb, pathway.title_nn = "Autismespekterforstyrrelse", "Autismespekterforstyrring"
    pathway.save(update_fields=["title_nb", "title_nn"])
    pathway_services.pathway_publish(
        pathway=pathway, by=editor, kind=VersionKind.REVISION, year=2026, summary_nb="Første.", summary_nn="Første."
    )
    pathway.refresh_from_db()
    return pathway


@pytest.fixture
def ready(editor, editorial, pathway, autisme, partnership_a):
    """A round ready to release: one proposal accepted on each of two pathways (the drafts edited
    in both written standards), one rejected."""
    accepted = make_item(editorial, pathway, partnership=partnership_a)
    common = make_item(editorial, autisme, section_slug=CHECKLIST)
    rejected = make_item(editorial, pathway, state=ProposalState.NOT_RECOMMENDED)
    edit(pathway, by=editor, nb=NEW_NB, nn=NEW_NN)
    edit(
        autisme,
        CHECKLIST,
        by=editor,
        nb="Henvisningen skal ha med skolens vurdering.",
        nn="Tilvisinga skal ha med skulen si vurdering.",
    )
    decide(
        accepted,
        by=editor,
        changed_section_ids=[pathway.sections.get(slug=SECTION).pk],
        change_summary_nb=LINE_NB,
        change_summary_nn=LINE_NN,
    )
    decide(
        common,
        by=editor,
        decision=Decision.ACCEPT_WITH_CHANGES,
        changed_section_ids=[autisme.sections.get(slug=CHECKLIST).pk],
        change_summary_nb="Sjekklisten ber om skolens vurdering.",
        change_summary_nn="Sjekklista ber om skulen si vurdering.",
    )
    decide(rejected, by=editor, decision=Decision.REJECT)
    return {"accepted": accepted, "common": common, "rejected": rejected}


# --- Blockers ------------------------------------------------------------------------------------


def test_a_ready_round_has_no_blockers(editorial, ready):
    assert release.release_blockers(editorial) == []


def test_a_round_where_nothing_was_accepted_and_nothing_changed_may_be_released(editor, editorial, pathway):
    item = make_item(editorial, pathway, state=ProposalState.NOT_RECOMMENDED)
    make_item(editorial, pathway, state=ProposalState.DECLINED)  # the partnership did not forward it
    make_item(editorial, pathway, state=ProposalState.DEFERRED)  # held for next year
    decide(item, by=editor, decision=Decision.REJECT)
    assert release.release_blockers(editorial) == []
    assert release_round(editorial, by=editor) == []
    assert not Version.objects.filter(year=2027).exists()


@pytest.mark.parametrize("state", [ProposalState.FORWARDED, ProposalState.IN_REVIEW, ProposalState.RECOMMENDED])
def test_a_forwarded_proposal_without_a_decision_blocks(editorial, pathway, state):
    item = make_item(editorial, pathway, state=state)
    [reason] = release.release_blockers(editorial)
    assert f"#{item.proposal_id}" in reason and "Angstplager" in reason


@pytest.mark.parametrize(("nb", "nn"), [("", LINE_NN), (LINE_NB, ""), ("", "")])
def test_an_accepted_proposal_needs_its_change_line_in_both_written_standards(editor, editorial, pathway, nb, nn):
    item = make_item(editorial, pathway)
    edit(pathway, by=editor, nb=NEW_NB, nn=NEW_NN)
    decide(
        item,
        by=editor,
        changed_section_ids=[pathway.sections.get(slug=SECTION).pk],
        change_summary_nb=nb,
        change_summary_nn=nn,
    )
    [reason] = release.release_blockers(editorial)
    assert f"#{item.proposal_id}" in reason
    assert reason == gettext(
        "Proposal #%(number)s (%(pathway)s) is accepted: write its change line in both bokmål and nynorsk."
    ) % {"number": item.proposal_id, "pathway": "«Angstplager»"}


def test_an_accepted_proposal_needs_the_sections_it_changed(editor, editorial, pathway):
    item = make_item(editorial, pathway)
    edit(pathway, by=editor, nb=NEW_NB, nn=NEW_NN)
    decide(item, by=editor, change_summary_nb=LINE_NB, change_summary_nn=LINE_NN)
    [reason] = release.release_blockers(editorial)
    assert f"#{item.proposal_id}" in reason and "Angstplager" in reason


def test_an_accepted_proposal_whose_pathway_did_not_change_blocks(editor, editorial, pathway):
    item = make_item(editorial, pathway)
    decide(
        item,
        by=editor,
        changed_section_ids=[pathway.sections.get(slug=SECTION).pk],
        change_summary_nb=LINE_NB,
        change_summary_nn=LINE_NN,
    )
    [reason] = release.release_blockers(editorial)
    assert f"#{item.proposal_id}" in reason and "Angstplager" in reason


def test_a_changed_pathway_with_a_red_parity_gate_blocks(editor, editorial, ready, autisme):
    # The lead changed in bokmål only.
    section = autisme.sections.get(slug="innledning")
    pathway_services.section_update(section=section, by=editor, body_nb="Bare bokmål er endret.")
    [reason] = release.release_blockers(editorial)
    assert "Autismespekterforstyrrelse" in reason and "«Tittel 0»" in reason


def test_a_revision_already_published_blocks(editor, editorial, ready, pathway):
    pathway_services.pathway_publish(
        pathway=pathway, by=editor, kind=VersionKind.REVISION, year=2027, summary_nb="Tidlig.", summary_nn="Tidleg."
    )
    edit(pathway, "innledning", by=editor, nb="Ny innledning.", nn="Ny innleiing.")
    reasons = release.release_blockers(editorial)
    assert any("2027" in reason and "Angstplager" in reason for reason in reasons)


def test_release_with_blockers_is_refused_and_publishes_nothing(editor, editorial, pathway):
    item = make_item(editorial, pathway)
    edit(pathway, by=editor, nb=NEW_NB, nn=NEW_NN)
    with pytest.raises(release.ReleaseRefused) as refused:
        release_round(editorial, by=editor)
    assert any(f"#{item.proposal_id}" in reason for reason in refused.value.reasons)
    assert not Version.objects.filter(year=2027).exists()
    assert round_state(editorial) == RoundState.EDITORIAL


@pytest.mark.parametrize("phase", [RoundState.COLLECTING, RoundState.RESOURCE_GROUP_REVIEW, RoundState.CLOSED])
def test_only_a_round_in_the_editorial_phase_is_released(editor, pathway, phase):
    review_round = make_round(year=2027, state=phase)
    with translation.override("nb"), pytest.raises(release.ReleaseRefused) as refused:
        release.release_publish(review_round=review_round, by=editor)
    assert refused.value.reasons == [
        t(
            "nb",
            "Only a round in the phase “%(editorial)s” can be released; this one is in “%(phase)s”.",
            editorial=t("nb", RoundState.EDITORIAL.label),
            phase=t("nb", RoundState(phase).label),
        )
    ]


# --- The happy path ----------------------------------------------------------------------------------


def test_release_publishes_each_changed_pathway_in_both_written_standards(editor, editorial, ready, pathway, autisme):
    versions = release_round(editorial, by=editor)
    assert sorted(v.pathway.slug for v in versions) == ["angst", "autisme"]
    angst = Version.objects.get(pathway=pathway, year=2027, correction=0)
    assert angst.kind == VersionKind.REVISION and angst.published_by == editor
    gp = angst.sections.get(slug=SECTION)
    assert NEW_NB in gp.html_nb and NEW_NN in gp.html_nn
    # The summary is made of the accepted proposals' change lines.
    assert (angst.summary_nb, angst.summary_nn) == (f"{LINE_NB}.", f"{LINE_NN}.")
    pathway.refresh_from_db()
    assert pathway.current_version == angst
    other = Version.objects.get(pathway=autisme, year=2027)
    assert "skulen si vurdering" in other.sections.get(slug=CHECKLIST).html_nn
    assert other.summary_nb == "Sjekklisten ber om skolens vurdering."


def test_release_marks_the_accepted_proposals_published_in_their_pathways_version(editor, editorial, ready):
    release_round(editorial, by=editor)
    accepted, common = proposal_of(ready["accepted"]), proposal_of(ready["common"])
    assert accepted.state == common.state == ProposalState.PUBLISHED
    assert (accepted.published_in.pathway.slug, accepted.published_in.number) == ("angst", "2027")
    assert (common.published_in.pathway.slug, common.published_in.number) == ("autisme", "2027")
    assert accepted.audit_entries.last().action == "publish"
    assert proposal_of(ready["rejected"]).state == ProposalState.REJECTED


def test_a_pathway_changed_without_a_proposal_is_published_with_a_plain_summary(editor, editorial, pathway):
    edit(pathway, "innledning", by=editor, nb="Ny innledning.", nn="Ny innleiing.")
    [version] = release_round(editorial, by=editor)
    assert version.number == "2027"
    assert "2027" in version.summary_nb and "2027" in version.summary_nn


def test_an_unpublished_pathway_is_left_out(editor, editorial, ready):
    make_pathway(editor=editor, slug="rus", publish_year=None)
    versions = release_round(editorial, by=editor)
    assert "rus" not in {v.pathway.slug for v in versions}


@pytest.fixture
def adaptations(editor, pathway, partnership_a, partnership_b, local_a, local_b):
    """A's adaptation overrides the GP section (which the release changes); B's overrides only the
    lead (which it does not)."""
    with_email(local_a, "lokal-a@example.org")
    with_email(local_b, "lokal-b@example.org")
    a = adaptation_create(partnership=partnership_a, pathway=pathway, by=local_a)
    adaptation_section_save(adaptation=a, slug=SECTION, by=local_a, body_nb="Vår tekst.", body_nn="Vår tekst.")
    adaptation_section_save(
        adaptation=a, slug="lokal-kontakt", by=local_a, body_nb="Ring oss.", body_nn="Ring oss.", is_local=True
    )
    b = adaptation_create(partnership=partnership_b, pathway=pathway, by=local_b)
    adaptation_section_save(adaptation=b, slug="innledning", by=local_b, body_nb="Nord.", body_nn="Nord.")
    return a, b


def test_local_editors_whose_overrides_changed_are_told_and_no_one_else(editor, editorial, ready, adaptations, local_a):
    adaptation_a, _b = adaptations
    release_round(editorial, by=editor)
    [notice] = Notification.objects.filter(kind="release_overrides")
    assert notice.recipient == "lokal-a@example.org"
    assert notice.dedupe_key == f"release_overrides:2027:{adaptation_a.pk}:{local_a.pk}"
    assert [s["slug"] for s in notice.context["sections"]] == [SECTION]
    assert notice.context["sections"][0]["url"].endswith(f"/nb/forlop/angst/versjon/2027/#{SECTION}")
    assert notice.context["adaptation_url"].endswith("/nb/redaksjon/vest/forlop/angst/")
    # Ids, links and titles only: never a submitter's words.
    assert "søvnvansker" not in str(notice.context)


def test_the_notice_is_sent_in_the_local_editors_written_standard(editor, editorial, ready, adaptations, local_a):
    local_a.profile.language = "nn"
    local_a.profile.save(update_fields=["language"])
    release_round(editorial, by=editor)
    notice = Notification.objects.get(kind="release_overrides")
    assert notice.language == "nn" and "/nn/forlop/angst/" in notice.context["changelog_url"]
    assert notification_send(notice.pk)
    [message] = mail.outbox
    assert message.to == ["lokal-a@example.org"]
    assert "Tittel 1 nn" in message.body
    assert notice.context["sections"][0]["url"] in message.body
    assert notice.context["adaptation_url"] in message.alternatives[0][0]


def test_local_editors_without_an_address_are_recorded_as_skipped_and_former_ones_not_told(
    editor, editorial, ready, adaptations, local_a, partnership_a
):
    with_email(local_a, "")
    former = get_user_model().objects.create_user(username="former-a", email="tidligere@example.org", is_active=False)
    Profile.objects.create(user=former, role=Role.LOCAL_EDITOR, partnership=partnership_a)
    release_round(editorial, by=editor)
    (skipped,) = Notification.objects.filter(kind="release_overrides")
    assert (skipped.status, skipped.recipient) == (NotificationStatus.SKIPPED, "")
    assert skipped.last_error == f"no address: {local_a.username}"
    assert notification_send(skipped.pk) is False and not mail.outbox


# --- All or nothing -----------------------------------------------------------------------------------


def assert_nothing_released(review_round, ready, pathway, autisme):
    assert not Version.objects.filter(year=2027).exists()
    for item in ready.values():
        assert proposal_of(item).published_in is None
    assert not ChangeProposal.objects.filter(state=ProposalState.PUBLISHED).exists()
    assert not Notification.objects.filter(kind="release_overrides").exists()
    assert round_state(review_round) == RoundState.EDITORIAL
    pathway.refresh_from_db()
    autisme.refresh_from_db()
    assert pathway.current_version.number == autisme.current_version.number == "2026"


def flaky_publish(monkeypatch):
    """pathway_publish that fails on its second call, after the first pathway was published."""
    real = pathway_services.pathway_publish
    calls = []

    def publish(**arguments):
        calls.append(arguments["pathway"].slug)
        if len(calls) == 2:
            raise RuntimeError("the database went away")
        return real(**arguments)

    monkeypatch.setattr(pathway_services, "pathway_publish", publish)
    return calls


def test_a_failure_mid_release_leaves_nothing_published(
    monkeypatch, editor, editorial, ready, adaptations, pathway, autisme
):
    calls = flaky_publish(monkeypatch)
    with pytest.raises(RuntimeError):
        release_round(editorial, by=editor)
    assert calls == ["angst", "autisme"]
    assert_nothing_released(editorial, ready, pathway, autisme)


def test_a_failure_mid_release_through_round_advance_leaves_the_round_in_editorial(
    monkeypatch, editor, editorial, ready, adaptations, pathway, autisme
):
    flaky_publish(monkeypatch)
    with pytest.raises(RuntimeError):
        phases.round_advance(round_id=editorial.pk, by=editor, from_state=RoundState.EDITORIAL)
    assert_nothing_released(editorial, ready, pathway, autisme)


def test_a_parity_problem_found_only_while_publishing_takes_everything_back(
    monkeypatch, editor, editorial, ready, adaptations, pathway, autisme
):
    # The check ran before the last edit: release_publish meets the red gate on the second pathway.
    pathway_services.section_update(section=autisme.sections.get(slug="innledning"), by=editor, body_nb="Bare bokmål.")
    monkeypatch.setattr(phases, "release_blockers", lambda review_round: [])
    with pytest.raises(phases.RoundRefused) as refused:
        phases.round_advance(round_id=editorial.pk, by=editor, from_state=RoundState.EDITORIAL)
    assert any("Autismespekterforstyrrelse" in reason for reason in refused.value.reasons)
    assert_nothing_released(editorial, ready, pathway, autisme)


def test_round_advance_releases_and_publishes(editor, editorial, ready, adaptations):
    review_round = phases.round_advance(round_id=editorial.pk, by=editor, from_state=RoundState.EDITORIAL)
    assert review_round.state == RoundState.RELEASED and review_round.released_at is not None
    assert Version.objects.filter(year=2027).count() == 2
    assert proposal_of(ready["accepted"]).state == ProposalState.PUBLISHED
    assert Notification.objects.filter(kind="release_overrides").count() == 1


def test_round_advance_refuses_a_blocked_release(editor, editorial, pathway):
    item = make_item(editorial, pathway)
    with pytest.raises(phases.RoundRefused) as refused:
        phases.round_advance(round_id=editorial.pk, by=editor, from_state=RoundState.EDITORIAL)
    assert any(f"#{item.proposal_id}" in reason for reason in refused.value.reasons)
    assert round_state(editorial) == RoundState.EDITORIAL


# --- The release page --------------------------------------------------------------------------------

RELEASE_URL = "/nb/redaksjon/runder/2027/frigi/"
RELEASED_URL = "/nb/redaksjon/runder/2027/frigitt/"


def test_the_release_page_lists_what_will_be_published(editor_client, ready):
    response = editor_client.get(RELEASE_URL)
    body = response.content.decode()
    assert response.status_code == 200
    assert "Angstplager" in body and "Autismespekterforstyrrelse" in body
    assert "Tittel 1" in body and "Tittel 2" in body  # the changed sections
    assert f"#{ready['accepted'].proposal_id}" in body and LINE_NB in body and LINE_NN in body
    assert 'name="confirm"' in body
    assert shows(
        body,
        "nb",
        "Publishing may take a moment. Click the button once and wait: the page shows the new versions when it "
        "is done. Clicking again does no harm.",
    )
    assert reverse("governance:round_release", kwargs={"year": 2027}) == RELEASE_URL


def test_the_release_page_lists_the_blockers_and_offers_no_button(editor_client, editorial, pathway):
    item = make_item(editorial, pathway)
    body = editor_client.get(RELEASE_URL).content.decode()
    assert f"#{item.proposal_id}" in body
    assert 'name="confirm"' not in body


def test_release_needs_the_confirmation(editor_client, editorial, ready):
    response = editor_client.post(RELEASE_URL, {})
    assert response.status_code == 400
    assert 'class="error-summary"' in response.content.decode()
    assert round_state(editorial) == RoundState.EDITORIAL
    assert not Version.objects.filter(year=2027).exists()


def test_release_from_the_page_publishes_and_shows_the_new_versions(editor_client, editorial, ready):
    response = editor_client.post(RELEASE_URL, {"confirm": "on"})
    assert response.status_code == 302 and response["Location"] == RELEASED_URL
    assert round_state(editorial) == RoundState.RELEASED
    body = editor_client.get(RELEASED_URL).content.decode()
    assert "/nb/forlop/angst/versjon/2027/" in body and "/nb/forlop/autisme/versjon/2027/endringer/" in body
    assert LINE_NB in body
    # A second click changes nothing and goes to the same page.
    again = editor_client.post(RELEASE_URL, {"confirm": "on"})
    assert again.status_code == 302 and again["Location"] == RELEASED_URL
    assert Version.objects.filter(year=2027).count() == 2


def test_a_release_blocked_since_the_page_was_read_is_refused_with_the_reasons(
    editor_client, editorial, ready, pathway
):
    late = make_item(editorial, pathway)
    response = editor_client.post(RELEASE_URL, {"confirm": "on"})
    assert response.status_code == 409
    assert f"#{late.proposal_id}" in response.content.decode()
    assert round_state(editorial) == RoundState.EDITORIAL


def test_the_release_page_outside_the_editorial_phase_offers_nothing(editor_client, pathway):
    review_round = make_round(year=2027, state=RoundState.RESOURCE_GROUP_REVIEW)
    body = editor_client.get(RELEASE_URL).content.decode()
    assert 'name="confirm"' not in body
    assert editor_client.post(RELEASE_URL, {"confirm": "on"}).status_code == 409
    assert round_state(review_round) == RoundState.RESOURCE_GROUP_REVIEW
    assert editor_client.get(RELEASED_URL)["Location"] == RELEASE_URL


@pytest.mark.parametrize("who", ["local_a", "trust_seat", "adviser"])
def test_only_the_responsible_editor_releases(client, request, editorial, ready, who):
    client.force_login(request.getfixturevalue(who))
    assert client.get(RELEASE_URL).status_code == 404
    assert client.post(RELEASE_URL, {"confirm": "on"}).status_code == 404
    assert client.get(RELEASED_URL).status_code == 404
    assert round_state(editorial) == RoundState.EDITORIAL


# --- The submitter is told -----------------------------------------------------------------------------


def test_the_submitter_sees_that_the_suggestion_is_live(client, editor, editorial, ready):
    submission = submit(ready["accepted"].proposal)
    release_round(editorial, by=editor)
    body = client.get(f"/nb/tilbakemelding/{submission.token}/").content.decode()
    assert shows(body, "nb", "Your suggestion is published")
    assert 'href="/nb/forlop/angst/versjon/2027/"' in body
    assert 'href="/nb/forlop/angst/versjon/2027/endringer/"' in body
    nynorsk = client.get(f"/nn/tilbakemelding/{submission.token}/").content.decode()
    assert 'href="/nn/forlop/angst/versjon/2027/endringer/"' in nynorsk


def test_a_proposal_that_named_no_pathway_is_published_in_the_pathway_of_its_sections(
    client, editor, editorial, pathway, autisme
):
    item = make_item(editorial, None, section_slug="")
    edit(autisme, CHECKLIST, by=editor, nb="Ny sjekkliste.", nn="Ny sjekkliste nn.")
    lines = {"change_summary_nb": "Ny sjekkliste.", "change_summary_nn": "Ny sjekkliste nn."}
    # The decision page offers the sections of every published pathway, each named with its pathway.
    client.force_login(editor)
    body = client.get(f"/nb/redaksjon/runder/2027/beslutninger/{item.pk}/").content.decode()
    assert "Autismespekterforstyrrelse: Tittel 2" in body and "Angstplager: Tittel 1" in body
    both = [pathway.sections.get(slug=SECTION).pk, autisme.sections.get(slug=CHECKLIST).pk]
    with translation.override("nb"), pytest.raises(decisions.DecisionRefused) as refused:
        decide(item, by=editor, changed_section_ids=both, **lines)
    assert refused.value.reasons == [t("nb", "Choose sections of one pathway only.")]
    decide(item, by=editor, changed_section_ids=both[1:], **lines)
    [version] = release_round(editorial, by=editor)
    assert version.pathway == autisme
    assert proposal_of(item).published_in == version
