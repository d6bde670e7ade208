"""The resource group's seats (governance.rounds.voting.seat_assign, seat_set_absent, seats_copy and the
pages /<lang>/redaksjon/runder/<year>/seter/…). The database's constraints hold the line on their
own; the service adds the rules that need other rows: one role per person in a round, and only the
partnership's resource-group members."""

import re

import pytest
from django.db import IntegrityError, transaction
from django.utils import translation
from django.utils.html import escape

from governance.models import Constituency, ReviewRound, RoundState, Seat, Vote, VoteChoice
from governance.proposals.services import NotPermitted
from governance.rounds import voting
from pathways.models import Role
from tests.factories import make_round, make_seats
from tests.rounds.test_voting import make_item, member, seen, t
from tests.support import as_user

pytestmark = pytest.mark.django_db

TRUST, MUNICIPALITY = Constituency.HOSPITAL_TRUST, Constituency.MUNICIPALITY

# Why the service refuses a seat, as msgids for `t`.
ONE_ROLE = "%(name)s already %(role)s in this round; a person has one role in a round."
HOLDER_NOT_A_MEMBER = "%(name)s is not a resource-group member of %(partnership)s, so cannot hold its seat."
DEPUTY_NOT_A_MEMBER = "%(name)s is not a resource-group member of %(partnership)s, so cannot be its deputy."
SEATS_FIXED = "The seats can no longer be changed: the round is in the phase “%(state)s”."


def nb(label) -> str:
    """A choice's label as it reads in bokmål."""
    with translation.override("nb"):
        return str(label)


def role(msgid: str, constituency: Constituency, partnership) -> str:
    return t(msgid, constituency=nb(constituency.label), partnership=partnership.name)


@pytest.fixture
def review_round(db):
    return make_round(state=RoundState.COLLECTING)


@pytest.fixture
def members_a(partnership_a):
    """Three resource-group members of partnership A."""
    return [member(f"a-{index}", partnership_a) for index in range(3)]


def seats_url(review_round, tail: str = "") -> str:
    return f"/nb/redaksjon/runder/{review_round.year}/seter/{tail}"


def assign(review_round, partnership, constituency, holder, deputy=None, *, by):
    return voting.seat_assign(
        review_round=review_round,
        partnership=partnership,
        constituency=constituency,
        holder=holder,
        deputy=deputy,
        by=by,
    )


# --- The database's constraints, without the service ---------------------------------------------------


def _create(review_round, partnership, constituency, holder, deputy=None):
    with transaction.atomic():
        return Seat.objects.create(
            review_round=review_round, partnership=partnership, constituency=constituency, holder=holder, deputy=deputy
        )


def test_database_allows_one_seat_per_constituency(review_round, partnership_a, members_a):
    _create(review_round, partnership_a, TRUST, members_a[0])
    with pytest.raises(IntegrityError, match="seat_one_per_constituency"):
        _create(review_round, partnership_a, TRUST, members_a[1])
    assert Seat.objects.count() == 1


def test_database_allows_a_holder_one_seat_per_round(review_round, partnership_a, members_a):
    _create(review_round, partnership_a, TRUST, members_a[0])
    with pytest.raises(IntegrityError, match="seat_holder_once_per_round"):
        _create(review_round, partnership_a, MUNICIPALITY, members_a[0])
    # Another round is another matter.
    _create(make_round(year=2028), partnership_a, TRUST, members_a[0])
    assert Seat.objects.count() == 2


def test_database_allows_a_deputy_one_seat_per_round(review_round, partnership_a, members_a):
    _create(review_round, partnership_a, TRUST, members_a[0], members_a[2])
    with pytest.raises(IntegrityError, match="seat_deputy_once_per_round"):
        _create(review_round, partnership_a, MUNICIPALITY, members_a[1], members_a[2])


def test_database_refuses_a_deputy_who_is_the_holder(review_round, partnership_a, members_a):
    with pytest.raises(IntegrityError, match="seat_deputy_is_not_holder"):
        _create(review_round, partnership_a, TRUST, members_a[0], members_a[0])
    seat = _create(review_round, partnership_a, TRUST, members_a[0])
    with pytest.raises(IntegrityError, match="seat_deputy_is_not_holder"), transaction.atomic():
        Seat.objects.filter(pk=seat.pk).update(deputy=members_a[0])


def test_database_refuses_an_unknown_constituency(review_round, partnership_a, members_a):
    with pytest.raises(IntegrityError, match="seat_constituency_known"):
        _create(review_round, partnership_a, "county", members_a[0])


# --- The service -----------------------------------------------------------------------------------------


def test_assign_creates_the_seat_and_replacing_keeps_its_votes(review_round, partnership_a, members_a, editor, pathway):
    seat = assign(review_round, partnership_a, TRUST, members_a[0], members_a[1], by=editor)
    assert (seat.holder, seat.deputy, seat.holder_absent) == (members_a[0], members_a[1], False)

    ReviewRound.objects.filter(pk=review_round.pk).update(state=RoundState.RESOURCE_GROUP_REVIEW)
    item = make_item(review_round, pathway, partnership=partnership_a)
    voting.vote_cast(review_round=review_round, proposal=item.proposal, user=members_a[0], choice="recommend")
    Seat.objects.filter(pk=seat.pk).update(holder_absent=True)

    replaced = assign(review_round, partnership_a, TRUST, members_a[2], None, by=editor)

    assert replaced.pk == seat.pk and Seat.objects.count() == 1
    assert (replaced.holder, replaced.deputy, replaced.holder_absent) == (members_a[2], None, False)
    # The vote belongs to the seat: it stays, and the new holder may change it.
    assert Vote.objects.get().seat_id == seat.pk
    voting.vote_cast(review_round=review_round, proposal=item.proposal, user=members_a[2], choice="abstain")
    assert Vote.objects.get().choice == VoteChoice.ABSTAIN


def test_a_person_has_one_role_in_a_round(review_round, partnership_a, members_a, editor):
    assign(review_round, partnership_a, TRUST, members_a[0], members_a[1], by=editor)
    # The trust seat's deputy may not hold the municipality seat, nor its holder deputise for it.
    with translation.override("nb"), pytest.raises(voting.Refused) as refused:
        assign(review_round, partnership_a, MUNICIPALITY, members_a[1], by=editor)
    deputy = role("is deputy for the %(constituency)s seat of %(partnership)s", TRUST, partnership_a)
    assert refused.value.reasons == [t(ONE_ROLE, name=members_a[1].get_username(), role=deputy)]
    with translation.override("nb"), pytest.raises(voting.Refused) as refused:
        assign(review_round, partnership_a, MUNICIPALITY, members_a[2], members_a[0], by=editor)
    holder = role("holds the %(constituency)s seat of %(partnership)s", TRUST, partnership_a)
    assert refused.value.reasons == [t(ONE_ROLE, name=members_a[0].get_username(), role=holder)]
    assert Seat.objects.count() == 1
    # Swapping holder and deputy on the same seat is fine.
    assign(review_round, partnership_a, TRUST, members_a[1], members_a[0], by=editor)
    assert Seat.objects.get().holder == members_a[1]


def test_only_resource_group_members_of_the_partnership_hold_its_seats(
    review_round, partnership_a, partnership_b, members_a, editor, adviser, local_a
):
    of_b = member("b-0", partnership_b)
    professional = member("fag-a", partnership_a, role=Role.PROFESSIONAL)
    for holder in (of_b, adviser, local_a, professional):
        with translation.override("nb"), pytest.raises(voting.Refused) as refused:
            assign(review_round, partnership_a, TRUST, holder, by=editor)
        assert refused.value.reasons == [
            t(HOLDER_NOT_A_MEMBER, name=holder.get_username(), partnership=partnership_a.name)
        ]
    with translation.override("nb"), pytest.raises(voting.Refused) as refused:
        assign(review_round, partnership_a, TRUST, members_a[0], adviser, by=editor)
    assert refused.value.reasons == [
        t(DEPUTY_NOT_A_MEMBER, name=adviser.get_username(), partnership=partnership_a.name)
    ]
    assert not Seat.objects.exists()


def test_only_the_responsible_editor_assigns_seats(review_round, partnership_a, members_a, local_a):
    with pytest.raises(NotPermitted):
        assign(review_round, partnership_a, TRUST, members_a[0], by=local_a)
    with pytest.raises(NotPermitted):
        assign(review_round, partnership_a, TRUST, members_a[0], by=members_a[1])
    assert not Seat.objects.exists()


@pytest.mark.parametrize("state", [RoundState.EDITORIAL, RoundState.RELEASED, RoundState.CLOSED])
def test_seats_are_fixed_once_the_resource_group_is_done(review_round, partnership_a, members_a, editor, state):
    seat = assign(review_round, partnership_a, TRUST, members_a[0], members_a[1], by=editor)
    ReviewRound.objects.filter(pk=review_round.pk).update(state=state)
    fixed = t(SEATS_FIXED, state=nb(RoundState(state).label))
    with translation.override("nb"), pytest.raises(voting.Refused) as refused:
        assign(review_round, partnership_a, TRUST, members_a[2], by=editor)
    assert refused.value.reasons == [fixed]
    with translation.override("nb"), pytest.raises(voting.Refused) as refused:
        voting.seat_set_absent(seat=seat, absent=True, by=editor)
    assert refused.value.reasons == [fixed]
    assert Seat.objects.get().holder == members_a[0]


def test_absent_holder_hands_the_vote_to_the_deputy(review_round, partnership_a, members_a, editor):
    seat = assign(review_round, partnership_a, TRUST, members_a[0], members_a[1], by=editor)
    voting.seat_set_absent(seat=seat, absent=True, by=editor)
    assert Seat.objects.get().holder_absent
    assert voting.seat_for(members_a[1], review_round) == seat
    assert voting.seat_for(members_a[0], review_round) is None
    voting.seat_set_absent(seat=seat, absent=False, by=editor)
    assert voting.seat_for(members_a[0], review_round) == seat
    with pytest.raises(NotPermitted):
        voting.seat_set_absent(seat=seat, absent=True, by=members_a[0])


def test_copy_last_years_seats(editor, partnership_a, partnership_b, members_a):
    last = make_round(year=2026, state=RoundState.CLOSED)
    this = make_round(year=2027, state=RoundState.PLANNED)
    old = make_seats(last, [partnership_a, partnership_b])
    Seat.objects.filter(pk=old[0].pk).update(deputy=members_a[0])
    # B's trust holder has left the resource group; A's municipality seat is already given this year.
    old[2].holder.profile.role = Role.PROFESSIONAL
    old[2].holder.profile.save()
    assign(this, partnership_a, MUNICIPALITY, members_a[1], by=editor)

    result = voting.seats_copy(from_round=last, to_round=this, by=editor)

    copied = {(s.partnership_id, s.constituency): s for s in Seat.objects.filter(review_round=this)}
    assert len(result.created) == 2 and len(result.skipped) == 1
    assert copied[(partnership_a.pk, TRUST)].holder_id == old[0].holder_id
    assert copied[(partnership_a.pk, TRUST)].deputy_id == members_a[0].pk
    assert copied[(partnership_a.pk, MUNICIPALITY)].holder == members_a[1]  # kept
    assert copied[(partnership_b.pk, MUNICIPALITY)].holder_id == old[3].holder_id
    assert (partnership_b.pk, TRUST) not in copied
    # Copying again changes nothing.
    again = voting.seats_copy(from_round=last, to_round=this, by=editor)
    assert again.created == [] and Seat.objects.filter(review_round=this).count() == 3


def test_copy_leaves_out_a_deputy_who_already_has_a_role(editor, partnership_a, members_a):
    last = make_round(year=2026, state=RoundState.CLOSED)
    this = make_round(year=2027, state=RoundState.PLANNED)
    old = make_seats(last, [partnership_a])
    Seat.objects.filter(pk=old[0].pk).update(deputy=members_a[0])
    assign(this, partnership_a, MUNICIPALITY, members_a[0], by=editor)

    result = voting.seats_copy(from_round=last, to_round=this, by=editor)

    trust = Seat.objects.get(review_round=this, constituency=TRUST)
    assert trust.holder_id == old[0].holder_id and trust.deputy is None
    assert len(result.skipped) == 1


# --- The pages -------------------------------------------------------------------------------------------


def test_seats_page_is_the_editors(client, review_round, local_a, trust_seat, adviser):
    assert client.get(seats_url(review_round)).status_code == 302
    for user in (local_a, trust_seat, adviser):
        assert as_user(client, user).get(seats_url(review_round)).status_code == 404


def test_seats_page_lists_both_seats_of_every_partnership(
    client, review_round, partnership_a, partnership_b, members_a, editor
):
    members_a[0].first_name = "<script>alert('x')</script>"
    members_a[0].save()
    seat = assign(review_round, partnership_a, TRUST, members_a[0], members_a[1], by=editor)
    voting.seat_set_absent(seat=seat, absent=True, by=editor)

    html = as_user(client, editor).get(seats_url(review_round)).content.decode()

    assert partnership_a.name in html and partnership_b.name in html
    assert seen("%(assigned)s of %(wanted)s seats are assigned.", assigned=1, wanted=4) in html
    assert "<script>alert" not in html and escape("<script>alert('x')</script>") in html
    assert members_a[1].username in html
    assert seen("The deputy") in html  # votes for the seat while the holder is absent
    assert 'action="/nb/redaksjon/runder/2027/seter/vest/helseforetak/"' in html
    assert 'action="/nb/redaksjon/runder/2027/seter/vest/kommune/"' in html
    assert 'action="/nb/redaksjon/runder/2027/seter/vest/helseforetak/fravaer/"' in html


def _seat_data(prefix: str, holder="", deputy="") -> dict:
    return {f"{prefix}-holder": holder, f"{prefix}-deputy": deputy}


def test_assign_through_the_page(client, review_round, partnership_a, members_a, editor):
    response = as_user(client, editor).post(
        seats_url(review_round, "vest/helseforetak/"), _seat_data("vest-helseforetak", members_a[0].pk, members_a[1].pk)
    )
    assert response.status_code == 302 and response["Location"].endswith("#vest-helseforetak")
    seat = Seat.objects.get()
    assert (seat.partnership, seat.constituency, seat.holder, seat.deputy) == (
        partnership_a,
        TRUST,
        members_a[0],
        members_a[1],
    )
    # The same form sent again changes nothing.
    client.post(
        seats_url(review_round, "vest/helseforetak/"), _seat_data("vest-helseforetak", members_a[0].pk, members_a[1].pk)
    )
    assert Seat.objects.count() == 1


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({}, "Choose who holds the seat."),
        ({"holder": "abc"}, "Choose one of the partnership's resource-group members."),
        ({"holder": "999999"}, "Choose one of the partnership's resource-group members."),
        ({"holder": "9" * 40}, "Choose one of the partnership's resource-group members."),
        ({"holder": "SAME", "deputy": "SAME"}, "The deputy cannot be the seat holder."),
    ],
)
def test_bad_seat_forms_are_refused_with_a_message(client, review_round, members_a, editor, data, message):
    data = {name: (str(members_a[0].pk) if value == "SAME" else value) for name, value in data.items()}
    response = as_user(client, editor).post(
        seats_url(review_round, "vest/helseforetak/"), {f"vest-helseforetak-{k}": v for k, v in data.items()}
    )
    assert response.status_code == 400
    assert seen(message) in response.content.decode()
    assert not Seat.objects.exists()


def test_member_of_another_partnership_is_not_offered(client, review_round, partnership_b, members_a, editor):
    of_b = member("b-0", partnership_b)
    response = as_user(client, editor).post(
        seats_url(review_round, "vest/helseforetak/"), _seat_data("vest-helseforetak", of_b.pk)
    )
    assert response.status_code == 400 and not Seat.objects.exists()


def test_one_role_per_person_is_refused_on_the_page_with_the_reason(
    client, review_round, partnership_a, members_a, editor
):
    assign(review_round, partnership_a, TRUST, members_a[0], by=editor)
    response = as_user(client, editor).post(
        seats_url(review_round, "vest/kommune/"), _seat_data("vest-kommune", members_a[0].pk)
    )
    assert response.status_code == 409
    role = t(
        "holds the %(constituency)s seat of %(partnership)s",
        constituency=t("hospital trust"),
        partnership=partnership_a.name,
    )
    reason = seen(
        "%(name)s already %(role)s in this round; a person has one role in a round.",
        name=members_a[0].username,
        role=role,
    )
    assert reason in response.content.decode()
    assert Seat.objects.count() == 1


def test_assign_in_a_closed_round_is_409(client, review_round, members_a, editor):
    ReviewRound.objects.filter(pk=review_round.pk).update(state=RoundState.CLOSED)
    response = as_user(client, editor).post(
        seats_url(review_round, "vest/helseforetak/"), _seat_data("vest-helseforetak", members_a[0].pk)
    )
    assert response.status_code == 409 and not Seat.objects.exists()


def test_unknown_seat_in_the_url_is_404(client, review_round, members_a, editor):
    as_user(client, editor)
    assert client.post(seats_url(review_round, "vest/fylke/"), {}).status_code == 404
    assert client.post(seats_url(review_round, "ingen/kommune/"), {}).status_code == 404
    assert client.post(seats_url(review_round, "vest/kommune/fravaer/"), {"absent": "1"}).status_code == 404


def test_wrong_role_cannot_assign_through_the_page(client, review_round, members_a, local_a):
    response = as_user(client, local_a).post(
        seats_url(review_round, "vest/helseforetak/"), _seat_data("vest-helseforetak", members_a[0].pk)
    )
    assert response.status_code == 404 and not Seat.objects.exists()


def test_absent_toggle_through_the_page(client, review_round, partnership_a, members_a, editor):
    assign(review_round, partnership_a, TRUST, members_a[0], members_a[1], by=editor)
    as_user(client, editor)
    assert client.post(seats_url(review_round, "vest/helseforetak/fravaer/"), {"absent": "1"}).status_code == 302
    assert Seat.objects.get().holder_absent
    assert client.post(seats_url(review_round, "vest/helseforetak/fravaer/"), {"absent": "0"}).status_code == 302
    assert not Seat.objects.get().holder_absent
    assert client.post(seats_url(review_round, "vest/helseforetak/fravaer/"), {"absent": "x"}).status_code == 400


def test_copy_asks_first_then_copies(client, editor, partnership_a, partnership_b, local_a):
    last = make_round(year=2026, state=RoundState.CLOSED)
    this = make_round(year=2027, state=RoundState.PLANNED)
    make_seats(last, [partnership_a, partnership_b])
    as_user(client, editor)

    page = client.get(seats_url(this, "kopier/"))
    assert page.status_code == 200 and 'name="confirm"' in page.content.decode()
    assert re.search(r"<p>[^<]*2026[^<]*4[^<]*2027[^<]*</p>", page.content.decode())  # from, how many, into
    assert not Seat.objects.filter(review_round=this).exists()
    # Without the confirmation nothing is copied.
    assert client.post(seats_url(this, "kopier/"), {}).status_code == 200
    assert not Seat.objects.filter(review_round=this).exists()

    response = client.post(seats_url(this, "kopier/"), {"confirm": "1"})
    assert response.status_code == 302
    assert Seat.objects.filter(review_round=this).count() == 4
    assert client.post(seats_url(this, "kopier/"), {"confirm": "1"}).status_code == 302  # again: nothing more
    assert Seat.objects.filter(review_round=this).count() == 4

    assert as_user(client, local_a).post(seats_url(this, "kopier/"), {"confirm": "1"}).status_code == 404


def test_copy_page_without_an_earlier_round(client, review_round, editor):
    html = as_user(client, editor).get(seats_url(review_round, "kopier/")).content.decode()
    assert seen("There is no earlier round to copy the seats from.") in html
    assert 'name="confirm"' not in html
