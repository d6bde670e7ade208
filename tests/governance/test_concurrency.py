"""Two editors act on the same proposal at the same moment (real PostgreSQL, real transactions).

proposal_transition locks the row (SELECT … FOR UPDATE) before it looks at the state, so the two are
served one after the other and the second sees what the first left. To make the race certain rather
than likely, the test holds the row's lock itself, lets both threads start together (a Barrier) and
waits until PostgreSQL reports both blocked on that lock; only then does it let go. Whichever gets
the lock first wins; the other must be refused, and exactly one move must be recorded.
"""

import threading

import pytest
from django.db import connection, transaction
from django.utils import translation
from reversion.models import Version as HistoryVersion

from governance.models import AuditEntry, ChangeProposal, ProposalState, RejectReason
from governance.proposals.services import TransitionRefused, proposal_transition
from tests.support import make_proposal, wait_until

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

S = ProposalState
ARGUMENTS = {"reject": {"reason": RejectReason.NOT_RELEVANT}, "defer": {}, "mark_local": {}}
TARGET = {"reject": S.REJECTED, "defer": S.DEFERRED, "mark_local": S.LOCAL}


def backends_waiting_for_a_lock() -> int:
    """How many other connections to this database are blocked on a lock right now."""
    with connection.cursor() as cursor:
        # Statistics are a snapshot taken once per transaction; this caller is inside one.
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid() AND wait_event_type = 'Lock'"
        )
        return cursor.fetchone()[0]


def race(proposal: ChangeProposal, moves: list[tuple[object, str]]) -> list[tuple[str, object]]:
    """Run each (user, action) in a thread of its own, all at once; return (action, outcome) per
    thread, where the outcome is the resulting state or the TransitionRefused."""
    start = threading.Barrier(len(moves) + 1)
    outcomes: list = [None] * len(moves)

    def run(index: int, user, action: str) -> None:
        try:
            with translation.override("nb"):
                start.wait(timeout=30)
                try:
                    moved = proposal_transition(proposal_id=proposal.pk, action=action, by=user, **ARGUMENTS[action])
                    outcomes[index] = (action, moved.state)
                except TransitionRefused as refused:
                    outcomes[index] = (action, refused)
        except BaseException as error:  # handed to the main thread, which fails the test with it
            outcomes[index] = (action, error)
        finally:
            # Each thread has a connection of its own; leave none open for the test database's drop.
            connection.close()

    threads = [threading.Thread(target=run, args=(i, user, action)) for i, (user, action) in enumerate(moves)]
    with transaction.atomic():
        ChangeProposal.objects.select_for_update().get(pk=proposal.pk)
        for thread in threads:
            thread.start()
        start.wait(timeout=30)
        wait_until(lambda: backends_waiting_for_a_lock() == len(moves), what="both threads to wait for the row")
    for thread in threads:
        thread.join(timeout=30)
        assert not thread.is_alive()
    for _action, outcome in outcomes:
        if isinstance(outcome, BaseException) and not isinstance(outcome, TransitionRefused):
            raise outcome
    return outcomes


@pytest.mark.parametrize(
    ("editor_action", "local_action"),
    [("reject", "defer"), ("reject", "reject"), ("defer", "defer"), ("mark_local", "defer")],
)
def test_two_editors_at_once_one_wins_and_one_move_is_recorded(
    editor, local_a, partnership_a, editor_action, local_action
):
    proposal = make_proposal(description="Feil i sjekklisten.", partnership=partnership_a)
    versions_before = HistoryVersion.objects.get_for_object(proposal).count()

    outcomes = race(proposal, [(editor, editor_action), (local_a, local_action)])

    won = [(action, state) for action, state in outcomes if not isinstance(state, TransitionRefused)]
    lost = [(action, refused) for action, refused in outcomes if isinstance(refused, TransitionRefused)]
    assert len(won) == 1 and len(lost) == 1, outcomes
    (winning_action, final_state), (losing_action, refused) = won[0], lost[0]
    assert final_state == TARGET[winning_action]

    proposal = ChangeProposal.objects.get(pk=proposal.pk)
    assert proposal.state == final_state
    # The loser gets the conflict message, naming the state the winner left: the very message a
    # late-comer gets once the dust has settled.
    with translation.override("nb"):
        assert f"«{proposal.get_state_display()}»" in str(refused)
        with pytest.raises(TransitionRefused) as late:
            proposal_transition(proposal_id=proposal.pk, action=losing_action, by=local_a, **ARGUMENTS[losing_action])
    assert str(refused) == str(late.value)

    entry = AuditEntry.objects.get(proposal=proposal)
    assert (entry.action, entry.from_state, entry.to_state) == (winning_action, S.NEW, final_state)
    assert entry.actor in (editor, local_a)
    assert HistoryVersion.objects.get_for_object(proposal).count() == versions_before + 1
