"""The resource group's meeting: the meeting pack (/<lang>/redaksjon/runder/<year>/motebok/ and
…/motebok.pdf), the secretary's record of the meeting's recommendation (governance.rounds.voting.
meeting_record) and the minutes (…/referat/)."""

import io
import re

import pytest
from django.utils import translation
from django.utils.html import escape
from django.utils.text import capfirst
from pypdf import PdfReader

from governance.models import (
    AuditEntry,
    ChangeProposal,
    Decision,
    ProposalState,
    Recommendation,
    ReviewRound,
    RoundItem,
    RoundState,
)
from governance.proposals.services import NotPermitted
from governance.rounds import voting
from tests.factories import make_pathway, make_round, make_seats
from tests.rounds.test_voting import (
    CURRENT_NB,
    DESCRIPTION,
    HOSTILE,
    PARTNERSHIP_COMMENT,
    make_item,
    member,
    seen,
    set_absent,
    t,
)
from tests.support import as_user

pytestmark = pytest.mark.django_db

NOTE = "Ressursgruppen ønsker at søvn nevnes i kartleggingen."


@pytest.fixture
def review_round(db):
    return make_round(state=RoundState.RESOURCE_GROUP_REVIEW)


@pytest.fixture
def seats(review_round, partnership_a, partnership_b):
    return make_seats(review_round, [partnership_a, partnership_b])


@pytest.fixture
def other_pathway(editor):
    """A second published pathway, "autisme", after "angst" in the pathways' order."""
    pathway = make_pathway(editor=editor, slug="autisme")
    pathway.__class__.objects.filter(pk=pathway.pk).update(
        title_nb="Autismespekterforstyrrelse", title_nn="Autismespekterforstyrring", position=1
    )
    return pathway


@pytest.fixture
def items(review_round, pathway, other_pathway, partnership_a, seats):
    """Three proposals in review: two on "angst" (GP section, lead), one on "autisme"; and one that
    was not forwarded (not on the agenda). Votes on the first: A's seats for, B's trust seat against."""
    first = make_item(review_round, pathway, partnership=partnership_a)
    second = make_item(review_round, pathway, section_slug="innledning", suggested_text="", comment="")
    third = make_item(review_round, other_pathway, section_slug="sjekkliste-henvisning", suggested_text="")
    make_item(review_round, pathway, state=ProposalState.DEFERRED, description="Ikke videresendt.")
    for seat, choice in zip(seats, ["recommend", "recommend_with_changes", "not_recommend"], strict=False):
        voting.vote_cast(
            review_round=review_round, proposal=first.proposal, user=seat.holder, choice=choice, comment="Ja, men."
        )
    return first, second, third


def pack_url(review_round, tail: str = "") -> str:
    return f"/nb/redaksjon/runder/{review_round.year}/motebok/{tail}"


def pdf_url(review_round) -> str:
    return f"/nb/redaksjon/runder/{review_round.year}/motebok.pdf"


def minutes_url(review_round) -> str:
    return f"/nb/redaksjon/runder/{review_round.year}/referat/"


def record_data(item, recommendation: str, note: str = "") -> dict:
    prefix = f"mote-{item.proposal_id}"
    return {f"{prefix}-recommendation": recommendation, f"{prefix}-note": note}


def record(item, recommendation=Recommendation.RECOMMENDED, note=NOTE, *, by):
    return voting.meeting_record(item=item, recommendation=recommendation, note=note, by=by)


def pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


# --- The service -------------------------------------------------------------------------------------------


def test_secretary_records_the_meetings_recommendation(review_round, items, editor):
    first = items[0]
    record(first, by=editor)
    item = RoundItem.objects.get(pk=first.pk)
    assert (item.meeting_recommendation, item.meeting_note) == (Recommendation.RECOMMENDED, NOTE)
    entry = AuditEntry.objects.get(proposal=first.proposal, action="meeting_record")
    assert entry.actor == editor and NOTE in entry.comment
    # The proposal's state is the round's to move, when the editor's phase begins.
    assert ChangeProposal.objects.get(pk=first.proposal_id).state == ProposalState.IN_REVIEW
    # It may be corrected until the editor decides.
    record(first, Recommendation.NOT_RECOMMENDED, "", by=editor)
    assert RoundItem.objects.get(pk=first.pk).meeting_recommendation == Recommendation.NOT_RECOMMENDED


def test_recording_is_the_responsible_editors(review_round, items, seats, adviser, local_a):
    for user in (seats[0].holder, adviser, local_a):
        with pytest.raises(NotPermitted):
            record(items[0], by=user)
    assert RoundItem.objects.get(pk=items[0].pk).meeting_recommendation == ""


def test_recording_after_the_editors_decision_or_outside_the_phases_is_refused(review_round, items, editor):
    RoundItem.objects.filter(pk=items[0].pk).update(decision=Decision.ACCEPT, rationale="Godt forslag.")
    with translation.override("nb"), pytest.raises(voting.Refused) as refused:
        record(items[0], by=editor)
    assert refused.value.reasons == [t("The editor has already decided on this proposal.")]
    ReviewRound.objects.filter(pk=review_round.pk).update(state=RoundState.RELEASED)
    with translation.override("nb"), pytest.raises(voting.Refused) as refused:
        record(items[1], by=editor)
    assert refused.value.reasons == [
        t("The meeting's recommendation is recorded during the resource group's review or the editor's decisions.")
    ]
    assert not RoundItem.objects.exclude(meeting_recommendation="").exists()


def test_recording_in_the_editors_phase_is_allowed(review_round, items, editor):
    ReviewRound.objects.filter(pk=review_round.pk).update(state=RoundState.EDITORIAL)
    ChangeProposal.objects.filter(pk=items[0].proposal_id).update(state=ProposalState.RECOMMENDED)
    record(items[0], by=editor)
    assert RoundItem.objects.get(pk=items[0].pk).meeting_recommendation == Recommendation.RECOMMENDED


def test_unknown_recommendation_is_refused(review_round, items, editor):
    with translation.override("nb"), pytest.raises(voting.Refused) as refused:
        record(items[0], "maybe", by=editor)
    assert refused.value.reasons == [t("Choose the meeting's recommendation.")]


# --- The meeting pack --------------------------------------------------------------------------------------


def test_meeting_pack_is_for_the_resource_group(client, review_round, items, seats, adviser, local_a, partnership_a):
    assert client.get(pack_url(review_round)).status_code == 302
    assert as_user(client, local_a).get(pack_url(review_round)).status_code == 404
    assert client.get(pdf_url(review_round)).status_code == 404
    assert as_user(client, member("uten-sete", partnership_a)).get(pack_url(review_round)).status_code == 404
    for user in (seats[0].holder, adviser):
        response = as_user(client, user).get(pack_url(review_round))
        assert response.status_code == 200
        assert 'class="meeting-record-form"' not in response.content.decode()


def test_meeting_pack_agenda_is_numbered_and_grouped_by_pathway(client, review_round, items, editor, seats):
    first, second, third = items
    html = as_user(client, editor).get(pack_url(review_round)).content.decode()

    agenda = re.search(r'<ol class="agenda">(.*?)</ol>', html, re.S)[1]
    numbers = re.findall(r'<li value="(\d+)"><a href="#forslag-(\d+)">', agenda)
    # Grouped by pathway in the pathways' order, then in the order of the sections on the page: angst
    # (the lead, then the GP section), autisme.
    assert numbers == [("1", str(second.proposal_id)), ("2", str(first.proposal_id)), ("3", str(third.proposal_id))]
    assert "Ikke videresendt." not in html
    groups = re.findall(r'<section class="meeting-group">\s*<h2>(.*?)</h2>', html)
    assert groups == ["Angstplager", "Autismespekterforstyrrelse"]
    # The proposal: current text, the suggestion as a diff, the partnership's comment.
    assert CURRENT_NB in html and DESCRIPTION in html and PARTNERSHIP_COMMENT in html
    assert re.search(r"<ins>.*søvnen", html, re.S)
    # The tally so far, per constituency.
    article = re.search(rf'<article[^>]*id="forslag-{first.proposal_id}">.*?</article>', html, re.S)[0]
    tally = re.search(r'<table class="table tally">.*?</table>', article, re.S)[0]
    assert re.search(rf"{escape(capfirst(t('hospital trust')))}</th>\s*<td>2</td>\s*<td>1</td>", tally)
    assert re.search(rf"{escape(capfirst(t('municipality')))}</th>\s*<td>2</td>\s*<td>1</td>\s*<td>1</td>", tally)
    # Printable; the secretary's forms for the editor.
    assert 'href="/static/css/rounds.css"' in html  # its @media print rules: a file, as the CSP wants
    assert html.count('class="meeting-record-form"') == 3
    assert f'action="/nb/redaksjon/runder/2027/motebok/{first.proposal_id}/"' in html


def test_meeting_pack_hides_text_that_may_hold_personal_data(client, review_round, seats, editor, pathway):
    make_item(review_round, pathway, description="Ring 912 34 567.", may_contain_personal_data=True)
    html = as_user(client, editor).get(pack_url(review_round)).content.decode()
    assert "912 34 567" not in html and "hidden-text" in html
    assert "912 34 567" not in pdf_text(client.get(pdf_url(review_round)).content)


def test_record_through_the_page(client, review_round, items, editor):
    response = as_user(client, editor).post(
        pack_url(review_round, f"{items[0].proposal_id}/"), record_data(items[0], "recommended", NOTE)
    )
    assert response.status_code == 302 and response["Location"].endswith(f"#forslag-{items[0].proposal_id}")
    assert RoundItem.objects.get(pk=items[0].pk).meeting_note == NOTE
    html = client.get(pack_url(review_round)).content.decode()
    assert NOTE in html


def test_record_sent_twice_is_one_record(client, review_round, items, editor):
    as_user(client, editor)
    for _ in range(2):
        client.post(pack_url(review_round, f"{items[0].proposal_id}/"), record_data(items[0], "recommended", NOTE))
    assert AuditEntry.objects.filter(action="meeting_record").count() == 2
    assert RoundItem.objects.get(pk=items[0].pk).meeting_note == NOTE


@pytest.mark.parametrize(
    ("recommendation", "note", "message"),
    [
        ("", "", "Choose the meeting's recommendation."),
        ("maybe", "", "Choose the meeting's recommendation."),
        ("recommended", "Notat. " * 800, None),  # over 5,000 characters: Django's own message
    ],
)
def test_bad_record_forms_keep_the_text(client, review_round, items, editor, recommendation, note, message):
    response = as_user(client, editor).post(
        pack_url(review_round, f"{items[0].proposal_id}/"), record_data(items[0], recommendation, note)
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert 'class="error-summary"' in html
    if message:
        assert seen(message) in html
    if note:
        assert escape(note.strip()) in html
    assert RoundItem.objects.get(pk=items[0].pk).meeting_recommendation == ""


def test_record_by_wrong_role_is_404_and_after_decision_409(client, review_round, items, editor, seats):
    url = pack_url(review_round, f"{items[0].proposal_id}/")
    assert as_user(client, seats[0].holder).post(url, record_data(items[0], "recommended")).status_code == 404
    RoundItem.objects.filter(pk=items[0].pk).update(decision=Decision.ACCEPT, rationale="Godt forslag.")
    response = as_user(client, editor).post(url, record_data(items[0], "recommended"))
    assert response.status_code == 409
    assert seen("The editor has already decided on this proposal.") in response.content.decode()
    assert as_user(client, editor).post(pack_url(review_round, "999999/"), {}).status_code == 404


def test_hostile_note_and_comment_are_escaped_in_the_pack_and_the_minutes(client, review_round, items, editor, adviser):
    voting.comment_add(item=items[0], user=adviser, text=HOSTILE)
    record(items[0], note=HOSTILE, by=editor)
    for url in (pack_url(review_round), minutes_url(review_round)):
        html = as_user(client, editor).get(url).content.decode()
        assert "<script>alert" not in html and escape(HOSTILE) in html


def test_meeting_pack_pdf_has_the_proposals(client, review_round, items, editor, adviser):
    voting.comment_add(item=items[0], user=adviser, text="RKBU anbefaler dette.")
    record(items[0], by=editor)
    response = as_user(client, editor).get(pdf_url(review_round))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert 'filename="motebok-2027.pdf"' in response["Content-Disposition"]
    text = pdf_text(response.content)
    for title in ("Angstplager", "Autismespekterforstyrrelse", "Tittel 1", "Tittel 0", "Tittel 2"):
        assert title in text
    for item in items:
        assert f"#{item.proposal_id}" in text
    assert "RKBU anbefaler dette." in text and "FSU barn og unge" in text
    assert t("recommended") in text  # the recorded recommendation


def test_meeting_pack_pdf_for_a_seat_holder_and_an_empty_round(client, seats, review_round):
    response = as_user(client, seats[0].holder).get(pdf_url(review_round))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert t("No proposals have been sent to the resource group in this round.") in pdf_text(response.content)


# --- The minutes -------------------------------------------------------------------------------------------


def test_minutes_show_tally_outcome_recorded_recommendation_and_note(client, review_round, items, editor, seats):
    first, second, _third = items
    # The fourth seat votes too: 4 of 4, both constituencies; 2 for, 2 against: a tie.
    voting.vote_cast(review_round=review_round, proposal=first.proposal, user=seats[3].holder, choice="not_recommend")
    record(first, Recommendation.RECOMMENDED, NOTE, by=editor)
    set_absent(seats[1])

    html = as_user(client, editor).get(minutes_url(review_round)).content.decode()

    article = re.search(rf'<article[^>]*id="forslag-{first.proposal_id}">.*?</article>', html, re.S)[0]
    assert re.search(rf"{escape(t('Total'))}</th>\s*<td>4</td>\s*<td>2</td>\s*<td>1</td>\s*<td>2</td>", article)
    outcome = re.search(r"<dt>[^<]*</dt><dd>([^<]*)", article.split('class="context minutes-outcome">')[1])[1]
    assert outcome == escape(capfirst(t("not recommended")))  # the votes: a tie
    assert f'<dd class="recorded">{escape(capfirst(t("recommended")))}</dd>' in article  # the meeting's word
    assert NOTE in article
    second_article = re.search(rf'<article[^>]*id="forslag-{second.proposal_id}">.*?</article>', html, re.S)[0]
    assert seen("Not recorded") in second_article
    assert seen("no quorum") in second_article
    # The seats, and who voted for each.
    assert seats[1].holder.username in html
    assert seen("The deputy (the holder is absent)") in html


def test_minutes_are_for_every_round_participant(client, review_round, items, local_a, adviser, partnership_a):
    assert as_user(client, local_a).get(minutes_url(review_round)).status_code == 200
    assert as_user(client, adviser).get(minutes_url(review_round)).status_code == 200
    professional = member("fag", partnership_a, role="professional")
    assert as_user(client, professional).get(minutes_url(review_round)).status_code == 404
    assert as_user(client, local_a).get("/nb/redaksjon/runder/1999/referat/").status_code == 404


def test_decided_items_stay_in_the_minutes(client, review_round, items, editor):
    ChangeProposal.objects.filter(pk=items[0].proposal_id).update(state=ProposalState.ACCEPTED)
    RoundItem.objects.filter(pk=items[0].pk).update(decision=Decision.ACCEPT, rationale="Godt forslag.")
    html = as_user(client, editor).get(minutes_url(review_round)).content.decode()
    assert f'id="forslag-{items[0].proposal_id}"' in html
    assert seen("accept") in html


@pytest.mark.parametrize("language", ["nb", "nn"])
def test_the_meeting_date_does_not_say_the_meeting_was_held(client, review_round, items, editor, language):
    """The pack is read before the meeting: the date is given without a tense."""
    ReviewRound.objects.filter(pk=review_round.pk).update(meeting_on="2027-03-20")
    client = as_user(client, editor)
    for path in (
        f"/{language}/redaksjon/runder/{review_round.year}/motebok/",
        f"/{language}/redaksjon/runder/{review_round.year}/referat/",
    ):
        html = client.get(path).content.decode()
        assert "Møtedato:" in html
        assert "ble holdt" not in html and "vart halde" not in html
