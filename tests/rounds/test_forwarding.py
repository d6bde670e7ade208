"""The partnerships' review (governance.rounds): forwarding and declining each proposal, "nothing to
forward", finishing, who may do it and when, odd comments, and the progress per partnership, through
the services and through the partnership's page."""

import pytest
from django.utils import translation
from django.utils.html import escape

from governance.models import AuditEntry, ChangeProposal, PartnershipReview, ProposalState, RoundItem, RoundState
from governance.proposals.services import NotPermitted
from governance.rounds.forwarding import (
    partnership_finish,
    partnership_nothing_to_forward,
    round_decline,
    round_forward,
    round_progress,
)
from governance.rounds.phases import COMMENT_MAX_LENGTH, RoundRefused
from tests.factories import make_round
from tests.rounds import HOSTILE, enrol, make_partnerships, review_rows, state_of
from tests.support import as_user, make_proposal

pytestmark = pytest.mark.django_db

S = ProposalState
R = RoundState


@pytest.fixture(autouse=True)
def _in_english():
    with translation.override("en"):
        yield


@pytest.fixture
def review_round(partnership_a, partnership_b):
    review_round = make_round(state=R.PARTNERSHIP_REVIEW)
    review_rows(review_round, [partnership_a, partnership_b])
    return review_round


@pytest.fixture
def item_a(review_round, partnership_a):
    return enrol(review_round, make_proposal(partnership=partnership_a, state=S.DEFERRED))


@pytest.fixture
def common_item(review_round):
    return enrol(review_round, make_proposal(partnership=None, state=S.DEFERRED))


def refused(call, **kwargs) -> list[str]:
    with pytest.raises(RoundRefused) as error:
        call(**kwargs)
    return error.value.reasons


def nb(message: str) -> str:
    """What a page in bokmål says for `message`, escaped as the template escapes it."""
    with translation.override("nb"):
        return escape(translation.gettext(message))


def nb_plural(singular: str, plural: str, count: int) -> str:
    with translation.override("nb"):
        return translation.ngettext(singular, plural, count)


def page_url(slug: str, tail: str = "", year: int = 2027) -> str:
    return f"/nb/redaksjon/runder/{year}/helsefellesskap/{slug}/{tail}"


# --- Forwarding and declining ------------------------------------------------------------------------


def test_local_editor_forwards_with_a_comment(item_a, local_a):
    ChangeProposal.objects.filter(pk=item_a.proposal_id).update(decision_comment="Tas med i den årlige runden.")
    round_forward(item_id=item_a.pk, by=local_a, comment="Viktig for fastlegene.")
    item_a.refresh_from_db()
    # The comment is for the resource group; the submitter's status page keeps the triager's words.
    assert ChangeProposal.objects.get(pk=item_a.proposal_id).decision_comment == "Tas med i den årlige runden."
    assert state_of(item_a.proposal) == S.FORWARDED
    assert item_a.partnership_comment == "Viktig for fastlegene."
    assert item_a.forwarded_at is not None
    entry = AuditEntry.objects.get(proposal=item_a.proposal)
    assert (entry.action, entry.actor, entry.comment) == ("forward", local_a, "Viktig for fastlegene.")


def test_local_editor_declines_with_a_reason_the_submitter_sees(item_a, local_a):
    round_decline(item_id=item_a.pk, by=local_a, comment="Dekkes av veilederen fra Helsedirektoratet.")
    proposal = item_a.proposal
    proposal.refresh_from_db()
    assert proposal.state == S.DECLINED
    assert proposal.decision_comment == "Dekkes av veilederen fra Helsedirektoratet."
    assert proposal.closed_at is not None
    item_a.refresh_from_db()
    assert item_a.forwarded_at is None


@pytest.mark.parametrize("comment", ["", "   \n  "])
def test_declining_needs_a_reason(item_a, local_a, comment):
    assert refused(round_decline, item_id=item_a.pk, by=local_a, comment=comment) == [
        "Give the reason for declining it: the submitter is told the reason."
    ]
    assert state_of(item_a.proposal) == S.DEFERRED


def test_a_huge_comment_is_refused(item_a, local_a):
    reasons = refused(round_forward, item_id=item_a.pk, by=local_a, comment="x" * (COMMENT_MAX_LENGTH + 1))
    assert reasons == ["The comment can be at most 5000 characters long."]
    assert state_of(item_a.proposal) == S.DEFERRED


def test_a_hostile_comment_is_stored_as_written(item_a, local_a):
    round_forward(item_id=item_a.pk, by=local_a, comment=HOSTILE)
    item_a.refresh_from_db()
    assert item_a.partnership_comment == HOSTILE


def test_a_comment_with_a_nul_is_refused(item_a, local_a):
    assert refused(round_forward, item_id=item_a.pk, by=local_a, comment="a\x00b") == [
        "The comment contains a character that cannot be stored."
    ]


def test_the_other_partnerships_editor_may_not_forward(item_a, local_b):
    with pytest.raises(NotPermitted):
        round_forward(item_id=item_a.pk, by=local_b)
    with pytest.raises(NotPermitted):
        round_decline(item_id=item_a.pk, by=local_b, comment="Nei.")
    assert state_of(item_a.proposal) == S.DEFERRED


@pytest.mark.parametrize("who", ["trust_seat", "adviser"])
def test_the_resource_group_may_not_forward(request, item_a, who):
    with pytest.raises(NotPermitted):
        round_forward(item_id=item_a.pk, by=request.getfixturevalue(who))


def test_the_common_text_is_the_responsible_editors(common_item, local_a, editor):
    with pytest.raises(NotPermitted):
        round_forward(item_id=common_item.pk, by=local_a)
    round_forward(item_id=common_item.pk, by=editor)
    assert state_of(common_item.proposal) == S.FORWARDED


def test_the_responsible_editor_may_forward_for_a_partnership(item_a, editor):
    round_forward(item_id=item_a.pk, by=editor)
    assert state_of(item_a.proposal) == S.FORWARDED


@pytest.mark.parametrize("phase", [R.COLLECTING, R.RESOURCE_GROUP_REVIEW, R.EDITORIAL])
def test_forwarding_outside_the_partnerships_review_is_refused(review_round, item_a, local_a, phase):
    review_round.__class__.objects.filter(pk=review_round.pk).update(state=phase)
    label = str(R(phase).label)
    expected = [f"Proposals are forwarded only while the partnerships review them; the round is now “{label}”."]
    assert refused(round_forward, item_id=item_a.pk, by=local_a) == expected
    assert refused(round_decline, item_id=item_a.pk, by=local_a, comment="Nei.") == expected
    assert state_of(item_a.proposal) == S.DEFERRED


def test_forwarding_twice_is_refused_the_second_time(item_a, local_a):
    round_forward(item_id=item_a.pk, by=local_a, comment="Først.")
    reasons = refused(round_forward, item_id=item_a.pk, by=local_a, comment="Igjen.")
    assert reasons[0].startswith("This cannot be done now")
    item_a.refresh_from_db()
    assert item_a.partnership_comment == "Først."
    assert AuditEntry.objects.filter(proposal=item_a.proposal).count() == 1


def test_an_unknown_item_is_not_permitted(local_a):
    with pytest.raises(NotPermitted):
        round_forward(item_id=987654, by=local_a)


# --- Nothing to forward, and finishing --------------------------------------------------------------


def test_nothing_to_forward_finishes_the_review_and_declines_nothing(review_round, item_a, partnership_a, local_a):
    review = partnership_nothing_to_forward(
        review_round=review_round, partnership=partnership_a, by=local_a, comment="Ingen forslag i år."
    )
    review.refresh_from_db()
    assert review.nothing_to_forward
    assert review.finished_at is not None
    assert review.finished_by == local_a
    assert review.comment == "Ingen forslag i år."
    assert state_of(item_a.proposal) == S.DEFERRED
    # Once said, the partnership forwards nothing more this year.
    assert refused(round_forward, item_id=item_a.pk, by=local_a) == [
        "The partnership has finished its review; nothing more can be forwarded."
    ]


def test_nothing_to_forward_twice_changes_nothing(review_round, partnership_a, local_a):
    first = partnership_nothing_to_forward(review_round=review_round, partnership=partnership_a, by=local_a)
    second = partnership_nothing_to_forward(review_round=review_round, partnership=partnership_a, by=local_a)
    assert first.finished_at == second.finished_at
    assert PartnershipReview.objects.filter(review_round=review_round, partnership=partnership_a).count() == 1


def test_nothing_to_forward_after_forwarding_is_refused(review_round, item_a, partnership_a, local_a):
    round_forward(item_id=item_a.pk, by=local_a)
    reasons = refused(partnership_nothing_to_forward, review_round=review_round, partnership=partnership_a, by=local_a)
    assert reasons == ["The partnership has already forwarded 1 proposal."]
    assert not PartnershipReview.objects.get(review_round=review_round, partnership=partnership_a).nothing_to_forward


def test_nothing_to_forward_for_another_partnership_is_not_permitted(review_round, partnership_a, local_b):
    with pytest.raises(NotPermitted):
        partnership_nothing_to_forward(review_round=review_round, partnership=partnership_a, by=local_b)


def test_nothing_to_forward_outside_the_review_is_refused(partnership_a, local_a):
    review_round = make_round(state=R.COLLECTING)
    reasons = refused(partnership_nothing_to_forward, review_round=review_round, partnership=partnership_a, by=local_a)
    assert reasons == [
        "Proposals are forwarded only while the partnerships review them; the round is now “collecting proposals”."
    ]


def test_a_partnership_made_after_the_opening_gets_its_review_row(review_round, editor):
    (late,) = make_partnerships(1, prefix="ny")
    partnership_nothing_to_forward(review_round=review_round, partnership=late, by=editor)
    assert PartnershipReview.objects.get(review_round=review_round, partnership=late).nothing_to_forward


def test_finishing_is_refused_while_proposals_are_undecided(review_round, item_a, partnership_a, local_a):
    enrol(review_round, make_proposal(partnership=partnership_a, state=S.DEFERRED))
    reasons = refused(partnership_finish, review_round=review_round, partnership=partnership_a, by=local_a)
    assert reasons == ["2 proposals are neither forwarded nor declined yet."]
    round_forward(item_id=item_a.pk, by=local_a)
    reasons = refused(partnership_finish, review_round=review_round, partnership=partnership_a, by=local_a)
    assert reasons == ["1 proposal is neither forwarded nor declined yet."]


def test_finishing_when_everything_is_decided(review_round, item_a, partnership_a, local_a):
    round_forward(item_id=item_a.pk, by=local_a)
    review = partnership_finish(review_round=review_round, partnership=partnership_a, by=local_a)
    assert review.finished_at is not None
    assert not review.nothing_to_forward
    assert PartnershipReview.objects.get(pk=review.pk).finished_by == local_a


# --- Progress ---------------------------------------------------------------------------------------------


def test_progress_counts_per_partnership(review_round, partnership_a, partnership_b, local_a, local_b, editor):
    items = [enrol(review_round, make_proposal(partnership=partnership_a, state=S.DEFERRED)) for _ in range(3)]
    enrol(review_round, make_proposal(partnership=partnership_b, state=S.DEFERRED))
    enrol(review_round, make_proposal(partnership=None, state=S.DEFERRED))
    round_forward(item_id=items[0].pk, by=local_a)
    round_decline(item_id=items[1].pk, by=local_a, comment="Ikke aktuelt.")
    partnership_nothing_to_forward(review_round=review_round, partnership=partnership_b, by=local_b)

    rows = {row.slug: row for row in round_progress(review_round)}
    assert list(rows) == ["nord", "vest", "felles"]
    vest, nord, common = rows["vest"], rows["nord"], rows["felles"]
    assert (vest.total, vest.forwarded, vest.declined, vest.undecided, vest.finished) == (3, 1, 1, 1, False)
    assert (nord.total, nord.undecided, nord.nothing_to_forward, nord.finished) == (1, 1, True, True)
    assert (common.total, common.undecided, common.partnership) == (1, 1, None)
    # A local editor's view: their own row only.
    assert [row.slug for row in round_progress(review_round, partnership=partnership_a)] == ["vest"]


def test_progress_while_collecting_counts_the_proposals_held(partnership_a):
    review_round = make_round(state=R.COLLECTING)
    make_proposal(partnership=partnership_a, state=S.DEFERRED)
    make_proposal(partnership=partnership_a, state=S.NEW)
    rows = {row.slug: row for row in round_progress(review_round)}
    assert rows["vest"].total == 1


@pytest.mark.parametrize("size", [2, 6])
def test_progress_costs_three_queries_whatever_the_size(django_assert_num_queries, size, db):
    review_round = make_round(state=R.PARTNERSHIP_REVIEW)
    partnerships = make_partnerships(size)
    review_rows(review_round, partnerships)
    for partnership in partnerships:
        for _ in range(size):
            enrol(review_round, make_proposal(partnership=partnership, state=S.DEFERRED))
    with django_assert_num_queries(3):
        rows = round_progress(review_round)
    assert sum(row.total for row in rows) == size * size


# --- Through the partnership's page ------------------------------------------------------------------------


def _post_item(client, user, item, action, **data):
    prefix = f"p{item.proposal_id}-{action}"
    fields = {f"{prefix}-{name}": value for name, value in data.items()}
    return as_user(client, user).post(
        page_url(item.proposal.partnership.slug, f"forslag/{item.proposal_id}/"), {"action": action, **fields}
    )


def test_forward_from_the_page(client, item_a, local_a):
    response = _post_item(client, local_a, item_a, "forward", comment="Se særlig avsnittet om henvisning.")
    assert response.status_code == 302
    assert response["Location"].endswith(f"/helsefellesskap/vest/#forslag-{item_a.proposal_id}")
    assert state_of(item_a.proposal) == S.FORWARDED
    page = client.get(page_url("vest"))
    assert "Se særlig avsnittet om henvisning." in page.content.decode()


def test_decline_from_the_page_needs_a_reason_and_a_confirmation(client, item_a, local_a):
    response = _post_item(client, local_a, item_a, "decline", comment="")
    assert response.status_code == 400
    body = response.content.decode()
    assert nb("Give the reason for declining it.") in body
    assert state_of(item_a.proposal) == S.DEFERRED
    response = _post_item(client, local_a, item_a, "decline", comment="Utenfor forløpet.", confirm="on")
    assert response.status_code == 302
    assert state_of(item_a.proposal) == S.DECLINED


def test_a_huge_comment_on_the_page_is_an_error_and_the_text_is_kept(client, item_a, local_a):
    text = "Lang begrunnelse. " * 300
    response = _post_item(client, local_a, item_a, "forward", comment=text)
    assert response.status_code == 400
    assert text.strip() in response.content.decode()
    assert state_of(item_a.proposal) == S.DEFERRED


def test_a_hostile_comment_is_shown_escaped(client, item_a, local_a):
    _post_item(client, local_a, item_a, "forward", comment=HOSTILE)
    body = client.get(page_url("vest")).content.decode()
    assert "<script>alert" not in body
    assert "&lt;script&gt;alert" in body


def test_the_same_forward_sent_twice_is_refused_the_second_time(client, item_a, local_a):
    assert _post_item(client, local_a, item_a, "forward", comment="En gang.").status_code == 302
    response = _post_item(client, local_a, item_a, "forward", comment="En gang.")
    assert response.status_code == 409
    assert AuditEntry.objects.filter(proposal=item_a.proposal, action="forward").count() == 1


def test_forwarding_from_the_page_in_the_wrong_phase_is_refused(client, review_round, item_a, local_a):
    review_round.__class__.objects.filter(pk=review_round.pk).update(state=R.RESOURCE_GROUP_REVIEW)
    response = _post_item(client, local_a, item_a, "forward")
    assert response.status_code == 409
    assert state_of(item_a.proposal) == S.DEFERRED


def test_the_other_partnerships_editor_gets_404_everywhere(client, item_a, local_b):
    client.force_login(local_b)
    assert client.get(page_url("vest")).status_code == 404
    url = page_url("vest", f"forslag/{item_a.proposal_id}/")
    assert client.post(url, {"action": "forward"}).status_code == 404
    assert client.post(page_url("vest", "ingenting-aa-videresende/"), {"nothing-confirm": "on"}).status_code == 404
    assert client.post(page_url("vest", "ferdig/"), {"finish-confirm": "on"}).status_code == 404
    # Nor through their own page.
    assert client.post(page_url("nord", f"forslag/{item_a.proposal_id}/"), {"action": "forward"}).status_code == 404
    assert state_of(item_a.proposal) == S.DEFERRED


def test_an_unknown_action_is_a_bad_request(client, item_a, local_a):
    client.force_login(local_a)
    response = client.post(page_url("vest", f"forslag/{item_a.proposal_id}/"), {"action": "publish"})
    assert response.status_code == 400


def test_nothing_to_forward_from_the_page_asks_for_confirmation(client, review_round, partnership_a, local_a):
    client.force_login(local_a)
    response = client.post(page_url("vest", "ingenting-aa-videresende/"), {"nothing-comment": "Ingen i år."})
    assert response.status_code == 400
    assert not PartnershipReview.objects.get(review_round=review_round, partnership=partnership_a).nothing_to_forward
    response = client.post(
        page_url("vest", "ingenting-aa-videresende/"), {"nothing-comment": "Ingen i år.", "nothing-confirm": "on"}
    )
    assert response.status_code == 302
    review = PartnershipReview.objects.get(review_round=review_round, partnership=partnership_a)
    assert review.nothing_to_forward and review.comment == "Ingen i år."


def test_finish_from_the_page_is_refused_while_undecided(client, review_round, item_a, partnership_a, local_a):
    client.force_login(local_a)
    response = client.post(page_url("vest", "ferdig/"), {"finish-confirm": "on"})
    assert response.status_code == 409
    reason = nb_plural(
        "%(count)s proposal is neither forwarded nor declined yet.",
        "%(count)s proposals are neither forwarded nor declined yet.",
        1,
    )
    assert escape(reason % {"count": 1}) in response.content.decode()
    assert PartnershipReview.objects.get(review_round=review_round, partnership=partnership_a).finished_at is None
    round_forward(item_id=item_a.pk, by=local_a)
    assert client.post(page_url("vest", "ferdig/"), {"finish-confirm": "on"}).status_code == 302
    assert PartnershipReview.objects.get(review_round=review_round, partnership=partnership_a).finished_at is not None


def test_the_common_text_has_no_review_to_finish(client, review_round, editor):
    client.force_login(editor)
    assert client.post(page_url("felles", "ferdig/"), {"finish-confirm": "on"}).status_code == 404


def test_the_items_of_a_round_stay_in_their_round(client, review_round, item_a, local_a, partnership_a):
    """An item of another year's round cannot be reached through this year's address."""
    other = make_round(year=2026, state=R.PARTNERSHIP_REVIEW)
    old = enrol(other, make_proposal(partnership=partnership_a, state=S.DEFERRED))
    client.force_login(local_a)
    response = client.post(page_url("vest", f"forslag/{old.proposal_id}/"), {"action": "forward"})
    assert response.status_code == 404
    assert RoundItem.objects.get(pk=old.pk).forwarded_at is None
