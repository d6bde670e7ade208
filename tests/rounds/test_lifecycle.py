"""The round's lifecycle (governance.rounds): creating and changing a round, every step from planned
to closed with its side effects, every refusal with its reason, and the beat that ends phases when
their last day is over in Oslo."""

import datetime
import logging
import threading
from datetime import UTC

import pytest
import time_machine
from django.db import connection, transaction
from django.utils import translation

from governance.models import (
    AuditEntry,
    ChangeProposal,
    PartnershipReview,
    ProposalState,
    Recommendation,
    ReviewRound,
    RoundItem,
    RoundState,
    Vote,
    VoteChoice,
)
from governance.proposals.services import NotPermitted
from governance.rounds import phases
from governance.rounds.forwarding import partnership_nothing_to_forward
from governance.rounds.phases import (
    RoundRefused,
    round_advance,
    round_blockers,
    round_create,
    round_update,
    rounds_advance_due,
)
from governance.rounds.release import release_blockers
from pathways.models import Version, VersionKind
from pathways.services import section_update
from tests.factories import make_round, make_seats
from tests.rounds import enrol, review_rows, state_of
from tests.rounds.test_decisions import SECTION, edit, make_item
from tests.support import make_proposal, wait_until

pytestmark = pytest.mark.django_db

S = ProposalState
R = RoundState
D = datetime.date
# A day the tests call "today" unless they move the clock: before every default deadline of 2027.
TODAY = datetime.datetime(2026, 9, 1, 10, 0, tzinfo=UTC)
DATES = {
    "collecting_until": D(2026, 10, 31),
    "partnership_review_until": D(2026, 12, 15),
    "voting_until": D(2027, 2, 28),
    "editorial_until": D(2027, 4, 30),
}


@pytest.fixture(autouse=True)
def _in_english():
    with translation.override("en"):
        yield


@pytest.fixture
def clock():
    with time_machine.travel(TODAY, tick=False) as traveller:
        yield traveller


def refused(call, **kwargs) -> list[str]:
    with pytest.raises(RoundRefused) as error:
        call(**kwargs)
    return error.value.reasons


# --- Creating ---------------------------------------------------------------------------------------


def test_editor_creates_a_planned_round(editor, clock):
    review_round = round_create(by=editor, year=2027, meeting_on=D(2027, 2, 10), **DATES)
    stored = ReviewRound.objects.get(pk=review_round.pk)
    assert stored.state == R.PLANNED
    assert (stored.year, stored.collecting_until, stored.meeting_on) == (2027, D(2026, 10, 31), D(2027, 2, 10))
    assert (stored.quorum_numerator, stored.quorum_denominator, stored.both_constituencies_required) == (2, 3, True)


@pytest.mark.parametrize("who", ["local_a", "trust_seat", "adviser"])
def test_only_the_responsible_editor_creates_a_round(request, who, clock):
    with pytest.raises(NotPermitted):
        round_create(by=request.getfixturevalue(who), year=2027, **DATES)
    assert not ReviewRound.objects.exists()


def test_a_year_has_one_round(editor, clock):
    round_create(by=editor, year=2027, **DATES)
    assert refused(round_create, by=editor, year=2027, **DATES) == ["There is already a round for 2027."]
    assert ReviewRound.objects.count() == 1


def test_deadlines_out_of_order_are_refused(editor, clock):
    dates = DATES | {"voting_until": D(2026, 12, 1)}
    reasons = refused(round_create, by=editor, year=2027, **dates)
    assert any("must follow in order" in reason for reason in reasons)
    assert not ReviewRound.objects.exists()


def test_quorum_larger_than_one_is_refused(editor, clock):
    reasons = refused(round_create, by=editor, year=2027, quorum_numerator=4, quorum_denominator=3, **DATES)
    assert any("quorum must be a share" in reason for reason in reasons)


def test_meeting_outside_the_resource_groups_review_is_refused(editor, clock):
    reasons = refused(round_create, by=editor, year=2027, meeting_on=D(2026, 11, 1), **DATES)
    assert any("resource group meets while it reviews" in reason for reason in reasons)


def test_a_round_whose_collecting_is_already_over_is_refused(editor, clock):
    reasons = refused(round_create, by=editor, year=2027, **DATES | {"collecting_until": D(2026, 8, 31)})
    assert reasons == ["The last day of collecting has already passed."]


# --- Changing ---------------------------------------------------------------------------------------


def test_the_current_phases_deadline_can_be_moved(editor, clock):
    review_round = make_round(state=R.COLLECTING, **DATES)
    round_update(round_id=review_round.pk, by=editor, collecting_until=D(2026, 11, 7))
    review_round.refresh_from_db()
    assert review_round.collecting_until == D(2026, 11, 7)


def test_the_deadline_of_a_phase_that_is_over_cannot_change(editor, clock):
    review_round = make_round(state=R.PARTNERSHIP_REVIEW, **DATES)
    reasons = refused(round_update, round_id=review_round.pk, by=editor, collecting_until=D(2026, 11, 2))
    assert reasons == ["“proposals collected until” cannot change: that phase is over."]
    review_round.refresh_from_db()
    assert review_round.collecting_until == D(2026, 10, 31)


def test_sending_back_the_value_of_a_locked_field_is_no_change(editor, clock):
    review_round = make_round(state=R.RESOURCE_GROUP_REVIEW, **DATES)
    round_update(
        round_id=review_round.pk,
        by=editor,
        collecting_until=D(2026, 10, 31),
        quorum_numerator=2,
        voting_until=D(2027, 3, 3),
    )
    review_round.refresh_from_db()
    assert review_round.voting_until == D(2027, 3, 3)


def test_the_quorum_is_fixed_once_voting_starts(editor, clock):
    review_round = make_round(state=R.RESOURCE_GROUP_REVIEW, **DATES)
    reasons = refused(round_update, round_id=review_round.pk, by=editor, quorum_numerator=1)
    assert reasons == ["The quorum cannot change once the resource group has started to vote."]
    planned = make_round(year=2028, **{k: v.replace(year=v.year + 1) for k, v in DATES.items()})
    round_update(round_id=planned.pk, by=editor, quorum_numerator=1, quorum_denominator=2)
    planned.refresh_from_db()
    assert (planned.quorum_numerator, planned.quorum_denominator) == (1, 2)


def test_a_deadline_cannot_be_moved_into_the_past(editor, clock):
    review_round = make_round(state=R.COLLECTING, **DATES)
    reasons = refused(round_update, round_id=review_round.pk, by=editor, collecting_until=D(2026, 8, 30))
    assert reasons == ["“proposals collected until” cannot be set to a day that has already passed."]


def test_a_local_editor_cannot_change_a_round(local_a, clock):
    review_round = make_round(state=R.COLLECTING, **DATES)
    with pytest.raises(NotPermitted):
        round_update(round_id=review_round.pk, by=local_a, collecting_until=D(2026, 11, 7))


# --- Opening ----------------------------------------------------------------------------------------


def test_opening_enrols_deferred_proposals_and_carries_over_postponed_ones(editor, partnership_a, partnership_b):
    last_year = make_round(year=2026, state=R.CLOSED)
    postponed = make_proposal(partnership=partnership_a, state=S.POSTPONED)
    enrol(last_year, postponed)
    deferred = make_proposal(partnership=partnership_b, state=S.DEFERRED)
    new = make_proposal(partnership=partnership_a, state=S.NEW)
    review_round = make_round(year=2027)

    round_advance(round_id=review_round.pk, by=editor)

    review_round.refresh_from_db()
    assert review_round.state == R.COLLECTING
    assert review_round.opened_at is not None
    assert state_of(postponed) == S.DEFERRED
    assert set(review_round.items.values_list("proposal_id", flat=True)) == {postponed.pk, deferred.pk}
    assert RoundItem.objects.filter(proposal=postponed).count() == 2  # last year's item is kept
    assert not RoundItem.objects.filter(proposal=new).exists()
    carried = AuditEntry.objects.get(proposal=postponed)
    assert (carried.action, carried.actor, carried.from_state, carried.to_state) == (
        "carry_over",
        editor,
        S.POSTPONED,
        S.DEFERRED,
    )
    assert set(PartnershipReview.objects.filter(review_round=review_round).values_list("partnership", flat=True)) == {
        partnership_a.pk,
        partnership_b.pk,
    }


def test_the_system_can_open_a_round_without_a_user(partnership_a):
    postponed = make_proposal(partnership=partnership_a, state=S.POSTPONED)
    review_round = make_round()
    round_advance(round_id=review_round.pk, by=None)
    assert state_of(postponed) == S.DEFERRED
    assert AuditEntry.objects.get(proposal=postponed).actor is None


def test_opening_is_refused_while_another_round_is_open(editor):
    make_round(year=2026, state=R.EDITORIAL)
    review_round = make_round(year=2027)
    reasons = refused(round_advance, round_id=review_round.pk, by=editor)
    assert reasons == [
        "The round for 2026 is still open (the editor's decisions): only one round can be open at a time."
    ]
    review_round.refresh_from_db()
    assert review_round.state == R.PLANNED


def test_a_closed_or_planned_round_does_not_block_opening(editor):
    make_round(year=2025, state=R.CLOSED)
    make_round(year=2028)
    review_round = make_round(year=2027)
    assert round_blockers(review_round) == []
    assert round_advance(round_id=review_round.pk, by=editor).state == R.COLLECTING


@pytest.mark.parametrize("who", ["local_a", "trust_seat", "adviser"])
def test_only_the_responsible_editor_moves_a_round_on(request, who):
    review_round = make_round()
    with pytest.raises(NotPermitted):
        round_advance(round_id=review_round.pk, by=request.getfixturevalue(who))
    review_round.refresh_from_db()
    assert review_round.state == R.PLANNED


# --- Collecting → the partnerships' review -----------------------------------------------------------


def test_proposals_deferred_while_collecting_are_enrolled(editor, partnership_a):
    review_round = make_round(state=R.COLLECTING)
    early = make_proposal(partnership=partnership_a, state=S.DEFERRED)
    enrol(review_round, early)
    late = make_proposal(partnership=None, state=S.DEFERRED)
    round_advance(round_id=review_round.pk, by=editor)
    review_round.refresh_from_db()
    assert review_round.state == R.PARTNERSHIP_REVIEW
    assert set(review_round.items.values_list("proposal_id", flat=True)) == {early.pk, late.pk}


# --- The partnerships' review → the resource group -----------------------------------------------------


@pytest.fixture
def in_partnership_review(partnership_a, partnership_b):
    review_round = make_round(state=R.PARTNERSHIP_REVIEW)
    review_rows(review_round, [partnership_a, partnership_b])
    make_seats(review_round, [partnership_a])
    return review_round


def test_forwarded_proposals_go_to_the_resource_group(editor, in_partnership_review, partnership_a):
    forwarded = make_proposal(partnership=partnership_a, state=S.FORWARDED)
    declined = make_proposal(partnership=partnership_a, state=S.DECLINED)
    enrol(in_partnership_review, forwarded)
    enrol(in_partnership_review, declined)
    round_advance(round_id=in_partnership_review.pk, by=editor)
    in_partnership_review.refresh_from_db()
    assert in_partnership_review.state == R.RESOURCE_GROUP_REVIEW
    assert state_of(forwarded) == S.IN_REVIEW
    assert state_of(declined) == S.DECLINED
    assert AuditEntry.objects.get(proposal=forwarded).action == "start_review"


def test_undecided_proposals_block_the_resource_groups_review(
    editor, in_partnership_review, partnership_a, partnership_b
):
    for _ in range(2):
        enrol(in_partnership_review, make_proposal(partnership=partnership_a, state=S.DEFERRED))
    enrol(in_partnership_review, make_proposal(partnership=partnership_b, state=S.DEFERRED))
    enrol(in_partnership_review, make_proposal(partnership=None, state=S.DEFERRED))
    reasons = refused(round_advance, round_id=in_partnership_review.pk, by=editor)
    assert reasons == [
        "The common text: 1 proposal is neither forwarded nor declined.",
        "Helsefellesskap Nord: 1 proposal is neither forwarded nor declined.",
        "Helsefellesskap Vest: 2 proposals are neither forwarded nor declined.",
    ]
    in_partnership_review.refresh_from_db()
    assert in_partnership_review.state == R.PARTNERSHIP_REVIEW


def test_a_deferred_proposal_not_in_the_round_does_not_block(editor, in_partnership_review, partnership_a):
    # Deferred after collecting ended: it waits for next year's round.
    make_proposal(partnership=partnership_a, state=S.DEFERRED)
    assert round_blockers(in_partnership_review) == []


def test_nothing_to_forward_lets_the_round_go_on_and_keeps_the_proposals_for_next_year(
    editor, local_b, in_partnership_review, partnership_b
):
    held = make_proposal(partnership=partnership_b, state=S.DEFERRED)
    enrol(in_partnership_review, held)
    partnership_nothing_to_forward(review_round=in_partnership_review, partnership=partnership_b, by=local_b)
    round_advance(round_id=in_partnership_review.pk, by=editor)
    assert state_of(held) == S.DEFERRED

    # Next year it is enrolled again.
    ReviewRound.objects.filter(pk=in_partnership_review.pk).update(state=R.CLOSED)
    next_round = make_round(year=2028)
    round_advance(round_id=next_round.pk, by=editor)
    assert next_round.items.filter(proposal=held).exists()


def test_a_round_without_seats_cannot_go_to_the_resource_group(editor, partnership_a):
    review_round = make_round(state=R.PARTNERSHIP_REVIEW)
    reasons = refused(round_advance, round_id=review_round.pk, by=editor)
    assert reasons == ["The resource group has no seats in this round yet."]


# --- The vote closes ----------------------------------------------------------------------------------


def _vote(seat, proposal, choice):
    Vote.objects.create(seat=seat, proposal=proposal, choice=choice, cast_by=seat.holder, comment="ok")


def test_closing_the_vote_records_each_outcome(editor, partnership_a, partnership_b):
    review_round = make_round(state=R.RESOURCE_GROUP_REVIEW)
    seats = make_seats(review_round, [partnership_a, partnership_b])
    favoured, opposed, unclear, overruled, not_in_review = (
        make_proposal(partnership=partnership_a, state=S.IN_REVIEW) for _ in range(5)
    )
    ChangeProposal.objects.filter(pk=not_in_review.pk).update(state=S.DECLINED)
    for proposal in (favoured, opposed, unclear, overruled, not_in_review):
        enrol(review_round, proposal)
    for seat in seats:
        _vote(seat, favoured, VoteChoice.RECOMMEND)
        _vote(seat, opposed, VoteChoice.NOT_RECOMMEND)
        _vote(seat, overruled, VoteChoice.RECOMMEND)
    _vote(seats[0], unclear, VoteChoice.RECOMMEND)  # one of four: no quorum
    RoundItem.objects.filter(proposal=overruled).update(meeting_recommendation=Recommendation.NOT_RECOMMENDED)

    round_advance(round_id=review_round.pk, by=editor)

    review_round.refresh_from_db()
    assert review_round.state == R.EDITORIAL
    assert state_of(favoured) == S.RECOMMENDED
    assert state_of(opposed) == S.NOT_RECOMMENDED
    assert state_of(unclear) == S.IN_REVIEW
    assert state_of(overruled) == S.NOT_RECOMMENDED  # the meeting's word counts over the tally
    assert state_of(not_in_review) == S.DECLINED


def test_the_meetings_no_recommendation_leaves_a_proposal_in_review(editor, partnership_a):
    review_round = make_round(state=R.RESOURCE_GROUP_REVIEW)
    seats = make_seats(review_round, [partnership_a])
    proposal = make_proposal(partnership=partnership_a, state=S.IN_REVIEW)
    enrol(review_round, proposal, meeting_recommendation=Recommendation.NONE)
    for seat in seats:
        _vote(seat, proposal, VoteChoice.RECOMMEND)
    round_advance(round_id=review_round.pk, by=editor)
    assert state_of(proposal) == S.IN_REVIEW


# --- The release and the close -------------------------------------------------------------------------


# The real decisions and release behind round_advance: the pathway fixture is published as 2026 with
# a GP section; the editor's edit in both written standards is what the release publishes as 2027.

NEW_NB, NEW_NN = "Fastlegen kartlegger også søvn.", "Fastlegen kartlegg òg søvn."


def version_numbers(pathway) -> list[str]:
    return sorted(version.number for version in Version.objects.filter(pathway=pathway))


def test_release_publishes_the_changed_pathways_as_the_years_revision(editor, pathway):
    review_round = make_round(state=R.EDITORIAL)
    edit(pathway, by=editor, nb=NEW_NB, nn=NEW_NN)
    round_advance(round_id=review_round.pk, by=editor)
    review_round.refresh_from_db()
    assert review_round.state == R.RELEASED
    assert review_round.released_at is not None
    assert version_numbers(pathway) == ["2026", "2027"]
    published = Version.objects.get(pathway=pathway, year=2027, correction=0)
    assert published.kind == VersionKind.REVISION and published.published_by == editor


def test_release_is_refused_with_the_release_blockers_reasons(editor, pathway):
    review_round = make_round(state=R.EDITORIAL)
    item = make_item(review_round, pathway)  # reviewed by the resource group, not yet decided
    edit(pathway, by=editor, nb=NEW_NB, nn=NEW_NN)
    reasons = refused(round_advance, round_id=review_round.pk, by=editor)
    assert reasons == release_blockers(review_round)
    assert any(f"#{item.proposal_id}" in reason for reason in reasons)
    review_round.refresh_from_db()
    assert (review_round.state, review_round.released_at) == (R.EDITORIAL, None)
    assert version_numbers(pathway) == ["2026"]


def test_a_refusal_found_while_publishing_takes_the_release_back(editor, pathway, monkeypatch):
    # The blockers were read before the last edit (nb only): the parity gate stops the publishing.
    review_round = make_round(state=R.EDITORIAL)
    section_update(section=pathway.sections.get(slug=SECTION), by=editor, body_nb="Bare bokmål.")
    monkeypatch.setattr(phases, "release_blockers", lambda review_round: [])
    reasons = refused(round_advance, round_id=review_round.pk, by=editor)
    assert len(reasons) == 1 and pathway.title_nb in reasons[0]
    review_round.refresh_from_db()
    assert (review_round.state, review_round.released_at) == (R.EDITORIAL, None)
    assert version_numbers(pathway) == ["2026"]


def test_the_system_never_releases(editor, pathway):
    review_round = make_round(state=R.EDITORIAL)
    edit(pathway, by=editor, nb=NEW_NB, nn=NEW_NN)
    assert refused(round_advance, round_id=review_round.pk, by=None) == [
        "Only the responsible editor can release the round."
    ]
    review_round.refresh_from_db()
    assert review_round.state == R.EDITORIAL
    assert version_numbers(pathway) == ["2026"]


def test_a_released_round_closes_and_a_closed_one_goes_nowhere(editor):
    review_round = make_round(state=R.RELEASED)
    round_advance(round_id=review_round.pk, by=editor)
    review_round.refresh_from_db()
    assert review_round.state == R.CLOSED
    assert review_round.closed_at is not None
    assert refused(round_advance, round_id=review_round.pk, by=editor) == ["The round is closed: it has no next phase."]


def test_a_step_from_a_phase_the_round_has_left_is_refused(editor):
    review_round = make_round(state=R.COLLECTING)
    round_advance(round_id=review_round.pk, by=editor, from_state=R.COLLECTING)
    reasons = refused(round_advance, round_id=review_round.pk, by=editor, from_state=R.COLLECTING)
    assert reasons == ["The round has already moved on: it is now in the phase “review in the partnerships”."]
    review_round.refresh_from_db()
    assert review_round.state == R.PARTNERSHIP_REVIEW


# --- The beat ---------------------------------------------------------------------------------------------


def _at(moment: str):
    return time_machine.travel(datetime.datetime.fromisoformat(moment), tick=False)


def test_collecting_ends_when_its_last_day_is_over_in_oslo():
    review_round = make_round(state=R.COLLECTING, collecting_until=D(2027, 1, 31))
    with _at("2027-01-31T22:59:00+00:00"):  # 23:59 in Oslo: still the last day
        assert rounds_advance_due() == []
    review_round.refresh_from_db()
    assert review_round.state == R.COLLECTING
    with _at("2027-01-31T23:00:01+00:00"):  # 00:00:01 on 1 February in Oslo
        assert [r.pk for r in rounds_advance_due()] == [review_round.pk]
    review_round.refresh_from_db()
    assert review_round.state == R.PARTNERSHIP_REVIEW


def test_a_deadline_on_the_day_summer_time_ends(partnership_a):
    # 25 October 2026: the clocks go back at 03:00, so the day ends at 23:00 UTC (UTC+1), not 22:00.
    review_round = make_round(
        year=2027,
        state=R.PARTNERSHIP_REVIEW,
        collecting_until=D(2026, 9, 30),
        partnership_review_until=D(2026, 10, 25),
    )
    make_seats(review_round, [partnership_a])
    with _at("2026-10-25T22:00:01+00:00"):  # 23:00:01 in Oslo
        assert rounds_advance_due() == []
    with _at("2026-10-25T22:59:59+00:00"):
        assert rounds_advance_due() == []
    with _at("2026-10-25T23:00:01+00:00"):
        assert len(rounds_advance_due()) == 1
    review_round.refresh_from_db()
    assert review_round.state == R.RESOURCE_GROUP_REVIEW


def test_a_deadline_on_the_day_summer_time_starts(partnership_a):
    # 28 March 2027: UTC+2 from 02:00, so the day ends at 22:00 UTC.
    review_round = make_round(state=R.RESOURCE_GROUP_REVIEW, voting_until=D(2027, 3, 28))
    with _at("2027-03-28T21:59:59+00:00"):
        assert rounds_advance_due() == []
    with _at("2027-03-28T22:00:01+00:00"):
        assert len(rounds_advance_due()) == 1
    review_round.refresh_from_db()
    assert review_round.state == R.EDITORIAL


def test_the_beat_leaves_a_blocked_round_and_logs_only_ids(caplog, partnership_a):
    review_round = make_round(state=R.PARTNERSHIP_REVIEW)
    make_seats(review_round, [partnership_a])
    enrol(review_round, make_proposal(partnership=partnership_a, state=S.DEFERRED))
    with caplog.at_level(logging.WARNING, logger="governance.rounds.phases"), _at("2027-03-01T12:00:00+00:00"):
        assert rounds_advance_due() == []
    review_round.refresh_from_db()
    assert review_round.state == R.PARTNERSHIP_REVIEW
    assert f"round {review_round.pk} not moved on from partnership_review" in caplog.text
    assert "Helsefellesskap" not in caplog.text


def test_the_beat_never_opens_nor_releases_nor_closes(editor, pathway):
    edit(pathway, by=editor, nb=NEW_NB, nn=NEW_NN)  # a release would publish this
    rounds = [
        make_round(year=2027, state=R.EDITORIAL),
        make_round(year=2028, state=R.PLANNED),
        make_round(year=2029, state=R.RELEASED),
    ]
    with _at("2031-01-01T12:00:00+00:00"):
        assert rounds_advance_due() == []
    assert [r.state for r in ReviewRound.objects.order_by("year")] == [r.state for r in rounds]
    assert version_numbers(pathway) == ["2026"]


def test_the_beat_takes_one_step_per_tick():
    review_round = make_round(state=R.COLLECTING)
    with _at("2027-06-01T12:00:00+00:00"):
        rounds_advance_due()
        review_round.refresh_from_db()
        assert review_round.state == R.PARTNERSHIP_REVIEW
        rounds_advance_due()  # no seats yet: refused, logged, stays
    review_round.refresh_from_db()
    assert review_round.state == R.PARTNERSHIP_REVIEW


# --- Two advances at once ----------------------------------------------------------------------------------


def _waiting_for_a_lock() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid() AND wait_event_type = 'Lock'"
        )
        return cursor.fetchone()[0]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_advances_at_once_take_one_step(editor):
    """Both see `collecting` and press the button; the row lock serves them one after the other, and
    the second is refused instead of skipping the partnerships' review."""
    review_round = make_round(state=R.COLLECTING)
    start = threading.Barrier(3)
    outcomes: list = [None, None]

    def run(index: int) -> None:
        try:
            with translation.override("en"):
                start.wait(timeout=30)
                try:
                    outcomes[index] = round_advance(round_id=review_round.pk, by=editor, from_state=R.COLLECTING).state
                except RoundRefused as error:
                    outcomes[index] = error.reasons
        except BaseException as error:  # handed to the main thread
            outcomes[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
    with transaction.atomic():
        ReviewRound.objects.select_for_update().get(pk=review_round.pk)
        for thread in threads:
            thread.start()
        start.wait(timeout=30)
        wait_until(lambda: _waiting_for_a_lock() == 2, what="both advances to wait for the round")
    for thread in threads:
        thread.join(timeout=30)
        assert not thread.is_alive()
    for outcome in outcomes:
        if isinstance(outcome, BaseException):
            raise outcome
    moved = "The round has already moved on: it is now in the phase “review in the partnerships”."
    assert sorted(outcomes, key=str) == [[moved], R.PARTNERSHIP_REVIEW]
    review_round.refresh_from_db()
    assert review_round.state == R.PARTNERSHIP_REVIEW


def test_release_of_a_round_with_nothing_accepted_publishes_nothing(editor, pathway):
    """With the real decisions and release: nothing decided, nothing to publish, the round is released."""
    review_round = make_round(state=R.EDITORIAL)
    round_advance(round_id=review_round.pk, by=editor)
    review_round.refresh_from_db()
    assert review_round.state == R.RELEASED
    assert pathway.versions.count() == 1
