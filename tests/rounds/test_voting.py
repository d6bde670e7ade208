"""The resource group's votes and comments (governance.rounds.voting.vote_cast, comment_add and the page
/<lang>/redaksjon/runder/<year>/stemmer/). The cast is in tests/conftest.py; the `pathway` fixture
publishes "angst" 2026. The helpers and fixtures here are shared by test_meeting.py.

Who may vote, and the answers: a seat holder while present, the deputy while the holder is absent.
An adviser, the editor, an absent holder and a deputy whose holder is present may read the page and
comment, and get a 403 when they send a vote; so does anyone outside the voting window. Someone who
may not read the round at all (a local editor, a member without a seat) gets a 404."""

import datetime
import re
import threading

import pytest
import time_machine
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation
from django.utils.html import escape
from django.utils.text import capfirst
from django.utils.translation import gettext

from governance.models import (
    ChangeProposal,
    ProposalKind,
    ProposalSource,
    ProposalState,
    ReviewComment,
    RoundItem,
    RoundState,
    Seat,
    Vote,
    VoteChoice,
)
from governance.proposals.services import NotPermitted
from governance.rounds import voting
from pathways.models import Profile, Role
from tests.factories import make_round, make_seats
from tests.rounds import make_partnerships
from tests.support import as_user, make_proposal

pytestmark = pytest.mark.django_db

SECTION = "fastlege-kartlegging"
# The GP section's text in 2026, as tests/factories.py writes it.
CURRENT_NB = "Fastlegen kartlegg plagene og vurderer alvorsgrad. Del 1."
SUGGESTED = "Fastlegen kartlegg plagene, søvnen og vurderer alvorsgrad. Del 1."
DESCRIPTION = "Teksten sier ingenting om søvn."
PARTNERSHIP_COMMENT = "FSU barn og unge støtter forslaget."
HOSTILE = "<script>alert('x')</script> & «sitat»"


# --- Helpers shared with test_meeting.py and test_seats.py ------------------------------------------


def t(msgid: str, language: str = "nb", **params) -> str:
    """A message as a person reads it in `language` (the lead fills in the catalogues)."""
    with translation.override(language):
        text = gettext(msgid)
    return text % params if params else text


def seen(msgid: str, language: str = "nb", **params) -> str:
    """The same, as it appears in a page's HTML."""
    return escape(t(msgid, language, **params))


def member(username: str, partnership, role: str = Role.RESOURCE_MEMBER, **names):
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.create_user(username=username, password="pw-for-tests", **names)
    Profile.objects.create(user=user, role=role, partnership=partnership)
    return user


def make_item(
    review_round,
    pathway,
    *,
    partnership=None,
    state: str = ProposalState.IN_REVIEW,
    section_slug: str = SECTION,
    suggested_text: str = SUGGESTED,
    description: str = DESCRIPTION,
    comment: str = PARTNERSHIP_COMMENT,
    **fields,
) -> RoundItem:
    """A proposal forwarded into the round and (by default) in the resource group's review, where
    the earlier phases leave it."""
    proposal = make_proposal(
        source=ProposalSource.PROFESSIONAL,
        kind=fields.pop("kind", ProposalKind.MISSING),
        description=description,
        pathway=pathway,
        section_slug=section_slug,
        partnership=partnership,
        suggested_text=suggested_text,
        state=state,
        **fields,
    )
    return RoundItem.objects.create(
        review_round=review_round,
        proposal=proposal,
        partnership_comment=comment,
        forwarded_at=timezone.now(),
    )


def votes_url(review_round, language: str = "nb") -> str:
    return f"/{language}/redaksjon/runder/{review_round.year}/stemmer/"


def vote_url(review_round, item) -> str:
    return f"{votes_url(review_round)}{item.proposal_id}/"


def comment_url(review_round, item) -> str:
    return f"{votes_url(review_round)}{item.proposal_id}/kommentar/"


def vote_data(item, choice: str, comment: str = "") -> dict:
    prefix = f"stemme-{item.proposal_id}"
    return {f"{prefix}-choice": choice, f"{prefix}-comment": comment}


def comment_data(item, text: str) -> dict:
    return {f"kommentar-{item.proposal_id}-text": text}


@pytest.fixture
def review_round(db):
    return make_round(state=RoundState.RESOURCE_GROUP_REVIEW)


@pytest.fixture
def seats(review_round, partnership_a, partnership_b):
    """Four seats: A's hospital trust, A's municipality, B's hospital trust, B's municipality."""
    return make_seats(review_round, [partnership_a, partnership_b])


@pytest.fixture
def holder(seats):
    """The holder of A's hospital-trust seat."""
    return seats[0].holder


@pytest.fixture
def deputy(seats, partnership_a):
    """The deputy for A's hospital-trust seat."""
    user = member("deputy-a", partnership_a)
    Seat.objects.filter(pk=seats[0].pk).update(deputy=user)
    return user


@pytest.fixture
def item(review_round, pathway, partnership_a):
    return make_item(review_round, pathway, partnership=partnership_a)


def set_absent(seat, absent: bool = True) -> None:
    Seat.objects.filter(pk=seat.pk).update(holder_absent=absent)


# --- The service: who votes --------------------------------------------------------------------------


def test_holder_votes_and_may_change_the_vote_until_the_window_closes(review_round, seats, holder, item):
    vote = voting.vote_cast(review_round=review_round, proposal=item.proposal, user=holder, choice="recommend")
    assert (vote.seat_id, vote.choice, vote.cast_by_id) == (seats[0].pk, VoteChoice.RECOMMEND, holder.pk)

    later = vote.cast_at + datetime.timedelta(hours=2)
    with time_machine.travel(later, tick=False):
        voting.vote_cast(
            review_round=review_round, proposal=item.proposal, user=holder, choice="not_recommend", comment="Nei."
        )

    vote = Vote.objects.get(seat=seats[0], proposal=item.proposal)
    assert (vote.choice, vote.comment, vote.cast_at) == (VoteChoice.NOT_RECOMMEND, "Nei.", later)
    assert Vote.objects.count() == 1


def test_deputy_cannot_vote_while_the_holder_is_present(review_round, seats, holder, deputy, item):
    with pytest.raises(voting.NoVote):
        voting.vote_cast(review_round=review_round, proposal=item.proposal, user=deputy, choice="recommend")
    assert not Vote.objects.exists()
    assert voting.seat_for(deputy, review_round) is None
    assert voting.seat_for(holder, review_round) == seats[0]


def test_deputy_votes_for_the_seat_while_the_holder_is_absent_and_never_both(review_round, seats, holder, deputy, item):
    voting.vote_cast(review_round=review_round, proposal=item.proposal, user=holder, choice="recommend")
    set_absent(seats[0])

    with pytest.raises(voting.NoVote):
        voting.vote_cast(review_round=review_round, proposal=item.proposal, user=holder, choice="abstain")
    voting.vote_cast(review_round=review_round, proposal=item.proposal, user=deputy, choice="not_recommend")

    # One vote for the seat: the deputy's replaced the holder's.
    vote = Vote.objects.get()
    assert (vote.seat_id, vote.choice, vote.cast_by_id) == (seats[0].pk, VoteChoice.NOT_RECOMMEND, deputy.pk)
    assert voting.seat_for(deputy, review_round) == seats[0]
    assert voting.seat_for(holder, review_round) is None


def test_recusal_is_stored_as_the_seats_vote(review_round, seats, holder, item):
    voting.vote_cast(
        review_round=review_round, proposal=item.proposal, user=holder, choice="recused", comment="Jeg skrev det."
    )
    assert Vote.objects.get().choice == VoteChoice.RECUSED


def test_recommend_with_changes_needs_a_comment(review_round, seats, holder, item):
    with translation.override("nb"), pytest.raises(voting.Refused) as refused:
        voting.vote_cast(
            review_round=review_round, proposal=item.proposal, user=holder, choice="recommend_with_changes", comment=" "
        )
    assert refused.value.reasons == [t("Say in the comment which changes you recommend.")]
    assert not Vote.objects.exists()


@pytest.mark.parametrize("state", [RoundState.PARTNERSHIP_REVIEW, RoundState.EDITORIAL, RoundState.CLOSED])
def test_vote_outside_the_window_is_refused(review_round, seats, holder, item, state):
    review_round.__class__.objects.filter(pk=review_round.pk).update(state=state)
    with pytest.raises(voting.VotingClosed):
        voting.vote_cast(review_round=review_round, proposal=item.proposal, user=holder, choice="recommend")
    assert not Vote.objects.exists()


def test_adviser_and_editor_never_vote(review_round, seats, adviser, editor, item):
    for user in (adviser, editor):
        with pytest.raises(voting.NoVote):
            voting.vote_cast(review_round=review_round, proposal=item.proposal, user=user, choice="recommend")
    assert not Vote.objects.exists()


def test_vote_on_a_proposal_not_in_the_rounds_review_is_refused(review_round, seats, holder, pathway, partnership_a):
    forwarded = make_item(review_round, pathway, partnership=partnership_a, state=ProposalState.FORWARDED)
    elsewhere = make_item(make_round(year=2028, state=RoundState.RESOURCE_GROUP_REVIEW), pathway)
    loose = make_proposal(description="Ikke i runden.", state=ProposalState.IN_REVIEW)
    for proposal in (forwarded.proposal, elsewhere.proposal, loose):
        with translation.override("nb"), pytest.raises(voting.Refused) as refused:
            voting.vote_cast(review_round=review_round, proposal=proposal, user=holder, choice="recommend")
        assert refused.value.reasons == [t("This proposal is not in the resource group's review in this round.")]
    assert not Vote.objects.exists()


# --- Twenty at once ----------------------------------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_twenty_parallel_votes_by_the_same_seat_store_one_vote(pathway, partnership_a, partnership_b):
    review_round = make_round(state=RoundState.RESOURCE_GROUP_REVIEW)
    seat = make_seats(review_round, [partnership_a])[0]
    item = make_item(review_round, pathway, partnership=partnership_a)
    choices = [VoteChoice.RECOMMEND, VoteChoice.NOT_RECOMMEND, VoteChoice.ABSTAIN, VoteChoice.RECUSED] * 5
    start = threading.Barrier(len(choices))
    errors: list[BaseException] = []

    def cast(choice: str) -> None:
        try:
            start.wait(timeout=30)
            voting.vote_cast(review_round=review_round, proposal=item.proposal, user=seat.holder, choice=choice)
        except BaseException as error:  # handed to the main thread, which fails the test with it
            errors.append(error)
        finally:
            connection.close()  # each thread has a connection of its own

    threads = [threading.Thread(target=cast, args=(choice,)) for choice in choices]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
        assert not thread.is_alive()

    assert errors == []
    votes = list(Vote.objects.filter(seat=seat, proposal=item.proposal))
    assert len(votes) == 1
    assert votes[0].choice in choices and votes[0].cast_by_id == seat.holder_id


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_vote_waits_for_the_holder_to_be_marked_absent(editor, pathway, partnership_a):
    """The seat's row is read FOR SHARE: a holder's vote that starts while the editor is marking the
    holder absent waits, then sees the holder absent and is refused."""
    review_round = make_round(state=RoundState.RESOURCE_GROUP_REVIEW)
    seat = make_seats(review_round, [partnership_a])[0]
    item = make_item(review_round, pathway, partnership=partnership_a)
    outcome: list = []

    def cast() -> None:
        try:
            voting.vote_cast(review_round=review_round, proposal=item.proposal, user=seat.holder, choice="recommend")
            outcome.append("voted")
        except voting.NoVote:
            outcome.append("refused")
        except BaseException as error:
            outcome.append(error)
        finally:
            connection.close()

    from tests.governance.test_concurrency import backends_waiting_for_a_lock
    from tests.support import wait_until

    thread = threading.Thread(target=cast)
    with transaction.atomic():
        voting.seat_set_absent(seat=seat, absent=True, by=editor)
        thread.start()
        wait_until(lambda: backends_waiting_for_a_lock() == 1, what="the vote to wait for the seat")
    thread.join(timeout=30)
    assert outcome == ["refused"]
    assert not Vote.objects.exists()


# --- The page ----------------------------------------------------------------------------------------


def test_anonymous_is_sent_to_log_in(client, review_round):
    response = client.get(votes_url(review_round))
    assert response.status_code == 302 and "/logg-inn/" in response["Location"]


@pytest.mark.parametrize("who", ["local_a", "member_without_seat"])
def test_who_has_no_part_in_the_round_gets_404(client, review_round, seats, item, local_a, partnership_a, who):
    user = local_a if who == "local_a" else member("no-seat", partnership_a)
    as_user(client, user)
    assert client.get(votes_url(review_round)).status_code == 404
    assert client.post(vote_url(review_round, item), vote_data(item, "recommend")).status_code == 404
    assert client.post(comment_url(review_round, item), comment_data(item, "Hei")).status_code == 404
    assert not Vote.objects.exists() and not ReviewComment.objects.exists()


def test_unknown_round_and_proposal_outside_the_round_are_404(client, review_round, seats, holder, pathway):
    as_user(client, holder)
    assert client.get("/nb/redaksjon/runder/1999/stemmer/").status_code == 404
    other = make_item(make_round(year=2028, state=RoundState.RESOURCE_GROUP_REVIEW), pathway)
    assert client.post(vote_url(review_round, other), vote_data(other, "recommend")).status_code == 404


def test_page_shows_what_the_seat_needs_to_vote(client, review_round, seats, holder, item, pathway):
    second = make_item(review_round, pathway, section_slug="innledning", suggested_text="", comment="")
    voting.vote_cast(review_round=review_round, proposal=item.proposal, user=holder, choice="recommend")

    html = as_user(client, holder).get(votes_url(review_round)).content.decode()

    assert seen("Something is missing") in html  # the kind
    assert "Angstplager" in html and "Tittel 1" in html and "Tittel 0" in html  # pathway and section titles
    assert CURRENT_NB in html  # the section's current text
    assert re.search(r"<ins>.*søvnen", html, re.S)  # the suggestion as a word diff
    assert PARTNERSHIP_COMMENT in html and DESCRIPTION in html
    assert seen("You have voted on %(voted)s of %(total)s proposals.", voted=1, total=2) in html
    # The seat's own vote is preselected; the other proposal's form is empty.
    assert re.search(rf'name="stemme-{item.proposal_id}-choice" value="recommend"[^>]*checked', html)
    assert f'name="stemme-{second.proposal_id}-choice" value="recommend" ' in html
    assert "checked" not in re.search(rf'name="stemme-{second.proposal_id}-choice".*?</fieldset>', html, re.S)[0]
    # Seats do not see the tally (the editor does: the next test).
    assert 'class="table tally"' not in html


def test_editor_sees_the_tally_per_constituency_and_no_vote_form(client, review_round, seats, editor, item):
    voting.vote_cast(review_round=review_round, proposal=item.proposal, user=seats[0].holder, choice="recommend")
    voting.vote_cast(review_round=review_round, proposal=item.proposal, user=seats[1].holder, choice="not_recommend")

    html = as_user(client, editor).get(votes_url(review_round)).content.decode()

    tally = re.search(r'<table class="table tally">.*?</table>', html, re.S)[0]
    rows = re.findall(r"<tr>\s*<th scope=\"row\">(.*?)</th>((?:\s*<td>\d+</td>)+)", tally)
    counts = {label: [int(n) for n in re.findall(r"<td>(\d+)</td>", cells)] for label, cells in rows}
    # seats, recommend, with changes, not recommend, abstain, recused
    assert counts[escape(capfirst(t("hospital trust")))] == [2, 1, 0, 0, 0, 0]
    assert counts[escape(capfirst(t("municipality")))] == [2, 0, 0, 1, 0, 0]
    assert counts[escape(t("Total"))] == [4, 1, 0, 1, 0, 0]
    assert "vote-form" not in html


def test_adviser_reads_and_comments_without_a_vote_form(client, review_round, seats, adviser, item):
    html = as_user(client, adviser).get(votes_url(review_round)).content.decode()
    assert DESCRIPTION in html and "comment-form" in html
    assert "vote-form" not in html
    assert seen("Advisers read and comment on the proposals; only the seats vote.") in html


def test_deputy_sees_why_they_cannot_vote_while_the_holder_is_present(client, review_round, seats, deputy, item):
    html = as_user(client, deputy).get(votes_url(review_round)).content.decode()
    assert "vote-form" not in html
    assert (
        seen("The seat holder is present and votes for the seat; the deputy votes only while the holder is absent.")
        in html
    )
    set_absent(seats[0])
    assert "vote-form" in client.get(votes_url(review_round)).content.decode()


def test_text_that_may_hold_personal_data_is_hidden_until_redacted(client, review_round, seats, holder, pathway):
    flagged = make_item(
        review_round,
        pathway,
        description="Ring meg på 912 34 567.",
        suggested_text="Kontakt Kari på 912 34 567.",
        may_contain_personal_data=True,
    )
    html = as_user(client, holder).get(votes_url(review_round)).content.decode()
    assert "912 34 567" not in html
    assert "hidden-text" in html

    ChangeProposal.objects.filter(pk=flagged.proposal_id).update(redacted_at=timezone.now())
    html = client.get(votes_url(review_round)).content.decode()
    assert "912 34 567" in html


# --- Sending a vote ----------------------------------------------------------------------------------


def test_vote_through_the_page(client, review_round, seats, holder, item):
    response = as_user(client, holder).post(vote_url(review_round, item), vote_data(item, "recommend", "Bra."))
    assert response.status_code == 302
    assert response["Location"].endswith(f"/stemmer/#forslag-{item.proposal_id}")
    vote = Vote.objects.get()
    assert (vote.seat_id, vote.choice, vote.comment) == (seats[0].pk, "recommend", "Bra.")


def test_the_same_vote_sent_twice_is_one_vote(client, review_round, seats, holder, item):
    as_user(client, holder)
    for _ in range(2):
        assert client.post(vote_url(review_round, item), vote_data(item, "abstain")).status_code == 302
    assert Vote.objects.count() == 1


def test_recommend_with_changes_without_a_comment_keeps_the_choice_and_says_why(
    client, review_round, seats, holder, item
):
    response = as_user(client, holder).post(vote_url(review_round, item), vote_data(item, "recommend_with_changes"))
    assert response.status_code == 400
    html = response.content.decode()
    assert seen("Say in the comment which changes you recommend.") in html
    assert f'href="#id_stemme-{item.proposal_id}-comment"' in html  # the summary links to the field
    assert re.search(rf'name="stemme-{item.proposal_id}-choice" value="recommend_with_changes"[^>]*checked', html)
    assert not Vote.objects.exists()


def test_empty_malformed_and_huge_votes_are_refused_with_the_text_kept(client, review_round, seats, holder, item):
    as_user(client, holder)
    empty = client.post(vote_url(review_round, item), {})
    assert empty.status_code == 400 and seen("Choose your vote.") in empty.content.decode()
    malformed = client.post(vote_url(review_round, item), vote_data(item, "maybe"))
    assert malformed.status_code == 400 and seen("Choose one of the votes offered.") in malformed.content.decode()
    huge_text = "Lang begrunnelse. " * 300  # over 5,000 characters
    huge = client.post(vote_url(review_round, item), vote_data(item, "recommend", huge_text))
    assert huge.status_code == 400
    assert escape(huge_text.strip()) in huge.content.decode()
    assert not Vote.objects.exists()


def test_hostile_vote_comment_is_shown_escaped(client, review_round, seats, holder, item):
    as_user(client, holder).post(vote_url(review_round, item), vote_data(item, "recommend_with_changes", HOSTILE))
    html = client.get(votes_url(review_round)).content.decode()
    assert "<script>alert" not in html and escape(HOSTILE) in html


@pytest.mark.parametrize("state", [RoundState.PARTNERSHIP_REVIEW, RoundState.EDITORIAL])
def test_vote_outside_the_window_is_403(client, review_round, seats, holder, item, state):
    review_round.__class__.objects.filter(pk=review_round.pk).update(state=state)
    response = as_user(client, holder).post(vote_url(review_round, item), vote_data(item, "recommend"))
    assert response.status_code == 403
    assert seen("Voting is closed: votes are taken while the resource group reviews the proposals.") in (
        response.content.decode()
    )
    assert not Vote.objects.exists()
    # The page still opens, without vote forms.
    page = client.get(votes_url(review_round))
    assert page.status_code == 200 and "vote-form" not in page.content.decode()


@pytest.mark.parametrize("who", ["adviser", "editor", "deputy", "absent_holder"])
def test_participant_without_a_vote_now_gets_403(client, review_round, seats, deputy, adviser, editor, item, who):
    user = {"adviser": adviser, "editor": editor, "deputy": deputy, "absent_holder": seats[0].holder}[who]
    if who == "absent_holder":
        set_absent(seats[0])
    response = as_user(client, user).post(vote_url(review_round, item), vote_data(item, "recommend"))
    assert response.status_code == 403
    assert not Vote.objects.exists()


def test_vote_on_a_proposal_no_longer_in_review_is_409(client, review_round, seats, holder, item):
    ChangeProposal.objects.filter(pk=item.proposal_id).update(state=ProposalState.RECOMMENDED)
    response = as_user(client, holder).post(vote_url(review_round, item), vote_data(item, "recommend"))
    assert response.status_code == 409
    assert seen("This proposal is not in the resource group's review in this round.") in response.content.decode()
    assert not Vote.objects.exists()


# --- Comments ----------------------------------------------------------------------------------------


def test_adviser_comments_and_everyone_in_the_group_reads_it(client, review_round, seats, adviser, holder, item):
    response = as_user(client, adviser).post(comment_url(review_round, item), comment_data(item, "RKBU: se veileder."))
    assert response.status_code == 302
    comment = ReviewComment.objects.get()
    assert (comment.item_id, comment.author_id, comment.text) == (item.pk, adviser.pk, "RKBU: se veileder.")
    html = as_user(client, holder).get(votes_url(review_round)).content.decode()
    assert "RKBU: se veileder." in html and escape(t("adviser")) in html


def test_seat_holder_comment_names_the_seat(client, review_round, seats, holder, item, partnership_a):
    as_user(client, holder).post(comment_url(review_round, item), comment_data(item, "Enig."))
    html = client.get(votes_url(review_round)).content.decode()
    assert (
        seen("%(constituency)s seat, %(partnership)s", constituency=t("hospital trust"), partnership=partnership_a.name)
        in html
    )


def test_hostile_comment_is_shown_escaped(client, review_round, seats, holder, item):
    as_user(client, holder).post(comment_url(review_round, item), comment_data(item, HOSTILE))
    html = client.get(votes_url(review_round)).content.decode()
    assert "<script>alert" not in html and escape(HOSTILE) in html


def test_empty_and_huge_comments_are_refused_with_the_text_kept(client, review_round, seats, holder, item):
    as_user(client, holder)
    empty = client.post(comment_url(review_round, item), comment_data(item, "   "))
    assert empty.status_code == 400 and seen("Write a comment.") in empty.content.decode()
    huge_text = "Kommentar. " * 500
    huge = client.post(comment_url(review_round, item), comment_data(item, huge_text))
    assert huge.status_code == 400 and escape(huge_text.strip()) in huge.content.decode()
    assert not ReviewComment.objects.exists()


def test_the_same_comment_sent_twice_is_stored_once(client, review_round, seats, holder, item):
    as_user(client, holder)
    for _ in range(2):
        assert client.post(comment_url(review_round, item), comment_data(item, "Enig.")).status_code == 302
    assert ReviewComment.objects.count() == 1


def test_comment_outside_the_review_is_refused(client, review_round, seats, holder, item):
    review_round.__class__.objects.filter(pk=review_round.pk).update(state=RoundState.EDITORIAL)
    response = as_user(client, holder).post(comment_url(review_round, item), comment_data(item, "For sent."))
    assert response.status_code == 409
    assert seen("Comments are taken while the resource group reviews the proposals.") in response.content.decode()
    assert not ReviewComment.objects.exists()


def test_comment_service_refuses_who_may_not_comment(review_round, seats, item, local_a):
    with pytest.raises(NotPermitted):
        voting.comment_add(item=item, user=local_a, text="Hei")


# --- Constant queries --------------------------------------------------------------------------------


def _queries(client, user, review_round) -> int:
    as_user(client, user)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(votes_url(review_round)).status_code == 200
    return len(queries)


def _grow(review_round, pathway, partnerships, proposals: int, adviser):
    seats = make_seats(review_round, partnerships, prefix=f"s{len(partnerships)}")
    items = [make_item(review_round, pathway, partnership=partnerships[0]) for _ in range(proposals)]
    for item in items:
        for seat in seats:
            Vote.objects.create(seat=seat, proposal=item.proposal, choice=VoteChoice.RECOMMEND, cast_by=seat.holder)
        ReviewComment.objects.create(item=item, author=adviser, text="Merknad.")
    return seats


@pytest.mark.parametrize("role", ["holder", "editor"])
def test_the_page_costs_the_same_queries_for_few_and_many_proposals_and_seats(
    client, editor, adviser, pathway, role, django_assert_num_queries
):
    small = make_round(year=2027, state=RoundState.RESOURCE_GROUP_REVIEW)
    large = make_round(year=2028, state=RoundState.RESOURCE_GROUP_REVIEW)
    small_seats = _grow(small, pathway, make_partnerships(2, prefix="a"), 2, adviser)
    large_seats = _grow(large, pathway, make_partnerships(6, prefix="b"), 12, adviser)
    # 2 proposals and 4 seats, then 12 proposals and 12 seats, each with votes and a comment.
    few = _queries(client, editor if role == "editor" else small_seats[0].holder, small)
    as_user(client, editor if role == "editor" else large_seats[0].holder)
    with django_assert_num_queries(few):
        assert client.get(votes_url(large)).status_code == 200
