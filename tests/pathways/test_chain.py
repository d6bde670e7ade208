"""pathways.chain: rows that need each other's ids, written by one statement on PostgreSQL and one
INSERT after another elsewhere, all or none."""

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.models.expressions import RawSQL
from django.test.utils import CaptureQueriesContext

from feedback.models import Submission
from governance.models import ChangeProposal, Notification
from pathways.chain import IdOf, InsertChain

pytestmark = pytest.mark.django_db


def _rows(chain: InsertChain, *, key: str = "chain-key") -> tuple[ChangeProposal, Submission, Notification]:
    proposal = chain.insert(ChangeProposal(source="reader", kind="error", language="nb", description="Feil nummer."))
    submission = chain.insert(Submission(proposal_id=IdOf(proposal), language="nb", dedupe_key=key))
    notification = chain.insert(
        Notification(
            kind="feedback_receipt",
            recipient="leser@example.org",
            language="nb",
            dedupe_key=IdOf(submission, ("receipt:", ":end")),
            context={"n": 1},
            status=RawSQL("CASE WHEN %s THEN 'failed' ELSE 'pending' END", [False]),  # noqa: S611 - a constant
        )
    )
    return proposal, submission, notification


def _assert_written(proposal, submission, notification):
    stored = Notification.objects.get(pk=notification.pk)
    assert Submission.objects.get(pk=submission.pk).proposal_id == proposal.pk
    assert stored.dedupe_key == f"receipt:{submission.pk}:end" == notification.dedupe_key
    assert stored.status == "pending" == notification.status
    assert stored.context == {"n": 1}
    assert submission.proposal_id == proposal.pk
    assert not proposal._state.adding
    stored_proposal = ChangeProposal.objects.get(pk=proposal.pk)
    assert stored_proposal.created_at == proposal.created_at  # the pre-save value taken when queued


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the one statement is PostgreSQL's")
def test_dependent_rows_are_one_statement_on_postgresql():
    chain = InsertChain()
    rows = _rows(chain)
    with CaptureQueriesContext(connection) as queries:
        assert chain.run() is True
    # One statement, in a savepoint because the test's transaction is open.
    statements = [q["sql"] for q in queries if not q["sql"].startswith(("SAVEPOINT", "RELEASE"))]
    assert len(statements) == 1 and statements[0].startswith("WITH c0 AS (INSERT")
    _assert_written(*rows)


def test_one_by_one_writes_the_same_rows():
    chain = InsertChain()
    rows = _rows(chain)
    assert chain._run_one_by_one() is True
    _assert_written(*rows)


@pytest.mark.parametrize("how", ["run", "_run_one_by_one"])
def test_nothing_is_written_when_unless_finds_a_row(how):
    earlier = InsertChain()
    _rows(earlier, key="first")
    earlier.run()
    before = (ChangeProposal.objects.count(), Submission.objects.count(), Notification.objects.count())
    chain = InsertChain(unless=Submission.objects.filter(dedupe_key="first"))
    called = []
    chain.on_commit(lambda: called.append(True))
    proposal, submission, _notification = _rows(chain, key="second")
    assert getattr(chain, how)() is False
    assert (ChangeProposal.objects.count(), Submission.objects.count(), Notification.objects.count()) == before
    assert proposal.pk is None and submission.pk is None
    assert called == []


@pytest.mark.parametrize("how", ["run", "_run_one_by_one"])
def test_a_row_that_fails_takes_the_others_with_it_and_the_transaction_goes_on(how):
    taken = InsertChain()
    _rows(taken, key="taken")
    taken.run()
    before = ChangeProposal.objects.count()
    chain = InsertChain()
    _rows(chain, key="taken")  # the submission's unique key is already used
    with pytest.raises(IntegrityError):
        getattr(chain, how)()
    assert ChangeProposal.objects.count() == before  # the proposal queued before it is not kept either


def test_on_commit_runs_after_the_commit(django_capture_on_commit_callbacks):
    chain = InsertChain()
    _proposal, submission, _notification = _rows(chain)
    seen = []
    chain.on_commit(lambda: seen.append(submission.pk))
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        chain.run()
    assert len(callbacks) == 1 and seen == [submission.pk]


def test_a_row_can_be_queued_once_and_only_after_what_it_names():
    chain = InsertChain()
    proposal = ChangeProposal(source="reader", kind="error", language="nb", description="x")
    with pytest.raises(ValueError, match="not queued before"):
        chain.insert(Submission(proposal_id=IdOf(proposal), language="nb", dedupe_key="k"))
    chain.insert(proposal)
    with pytest.raises(ValueError, match="once"):
        chain.insert(proposal)


def test_an_error_in_the_callers_transaction_is_still_the_callers():
    """Inside the caller's transaction the chain is a savepoint: what the caller wrote before stays
    when the chain fails, and goes when the caller's transaction rolls back."""
    taken = InsertChain()
    _rows(taken, key="taken")
    taken.run()
    with transaction.atomic():
        kept = InsertChain()
        kept_rows = _rows(kept, key="kept")
        kept.run()
        failing = InsertChain()
        _rows(failing, key="taken")
        with pytest.raises(IntegrityError):
            failing.run()
        assert Submission.objects.filter(pk=kept_rows[1].pk).exists()
