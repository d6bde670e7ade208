"""services.proposal_transition against the state graph and the roles.

Two tables. The first takes every state × every transition of ChangeProposal and checks that the
move is made exactly where the graph has an edge, with one audit entry and one history version, and
refused everywhere else with nothing written. The second takes each role × each move from each of
its source states and checks who may make it.
"""

import pytest
from django.utils import translation
from django.utils.translation import gettext_lazy
from reversion.models import Version as HistoryVersion

from governance.models import REVIEWED_STATES, AuditEntry, ChangeProposal, ProposalState, RejectReason
from governance.proposals.services import ACTIONS, NotPermitted, TransitionRefused, proposal_transition
from pathways.models import LocalAdaptation
from tests.support import make_proposal

pytestmark = pytest.mark.django_db

S = ProposalState

# Why a move is refused, as the editor reads it: the state does not allow it, or a condition fails.
NOT_NOW = gettext_lazy(
    "This cannot be done now: the proposal is “%(state)s”. Someone may have acted on it just before you."
)
NO_PARTNERSHIP = gettext_lazy("A proposal that belongs to no health partnership cannot be a local matter.")


def in_nb(text) -> str:
    """A message, a lazy label or a refusal as it reads in bokmål."""
    with translation.override("nb"):
        return str(text)


# The graph, written out: (source states, target) for each transition method. Checked against the
# model below, so a change to the model's graph shows up here and in the tables that use it.
GRAPH: dict[str, tuple[set[str], str]] = {
    "withdraw": ({S.NEW}, S.WITHDRAWN),
    "reject": ({S.NEW, S.QUICK_FIX}, S.REJECTED),
    "merge_into": ({S.NEW}, S.DUPLICATE),
    "mark_local": ({S.NEW}, S.LOCAL),
    "mark_quick_fix": ({S.NEW}, S.QUICK_FIX),
    "defer": ({S.NEW, S.QUICK_FIX}, S.DEFERRED),
    "fixed_locally": ({S.LOCAL}, S.DONE_LOCALLY),
    "publish": ({S.QUICK_FIX, S.ACCEPTED}, S.PUBLISHED),
    "forward": ({S.DEFERRED}, S.FORWARDED),
    "decline": ({S.DEFERRED}, S.DECLINED),
    "start_review": ({S.FORWARDED}, S.IN_REVIEW),
    "recommend": ({S.IN_REVIEW}, S.RECOMMENDED),
    "not_recommend": ({S.IN_REVIEW}, S.NOT_RECOMMENDED),
    "accept": (set(REVIEWED_STATES), S.ACCEPTED),
    "decide_reject": (set(REVIEWED_STATES), S.REJECTED),
    "postpone": (set(REVIEWED_STATES), S.POSTPONED),
    "carry_over": ({S.POSTPONED}, S.DEFERRED),
    # Back to where the resource group left it (any reviewed state; the tables send recommended).
    "reconsider": ({S.ACCEPTED, S.REJECTED, S.POSTPONED}, S.RECOMMENDED),
}
RETURNED_TARGETS = {"reconsider": set(REVIEWED_STATES)}
EDGES = sorted((action, source) for action, (sources, _target) in GRAPH.items() for source in sources)

# Besides the responsible editor, who may make every move, the local editor of the proposal's
# partnership triages it (from new, and closes it as fixed in the local adaptation) and, in the
# yearly round, forwards or declines it. Quick-fix decisions and the round's decisions are the
# responsible editor's alone; nobody else may make any move.
LOCAL_EDITOR_MAY = {
    ("reject", S.NEW),
    ("merge_into", S.NEW),
    ("mark_local", S.NEW),
    ("mark_quick_fix", S.NEW),
    ("defer", S.NEW),
    ("fixed_locally", S.LOCAL),
    ("forward", S.DEFERRED),
    ("decline", S.DEFERRED),
}


# The moves that are the responsible editor's alone: every edge but the local editor's and withdrawing.


def arguments_for(action: str, proposal: ChangeProposal, request) -> dict:
    """What the transition needs besides `by`; the comment goes through `comment` as from a form."""
    match action:
        case "reject":
            return {"reason": RejectReason.NOT_RELEVANT, "comment": "Gjelder ikke forløpet."}
        case "merge_into":
            return {"other": make_proposal(partnership=proposal.partnership)}
        case "fixed_locally":
            pathway = request.getfixturevalue("pathway")
            partnership = proposal.partnership or request.getfixturevalue("partnership_a")
            adaptation = LocalAdaptation.objects.create(
                partnership=partnership, pathway=pathway, based_on=pathway.current_version
            )
            return {"adaptation": adaptation}
        case "publish":
            return {"version": request.getfixturevalue("pathway").current_version}
        case "decline" | "decide_reject":
            return {"comment": "Begrunnelse for avgjørelsen."}
        case "reconsider":
            # Only the editor's own rejection is reconsidered (see test_a_triage_rejection_is_not_reconsidered).
            ChangeProposal.objects.filter(pk=proposal.pk).update(reject_reason=RejectReason.EDITORIAL)
            return {"back_to": S.RECOMMENDED}
    return {}


def history(proposal: ChangeProposal) -> int:
    return HistoryVersion.objects.get_for_object(proposal).count()


# --- The graph ---------------------------------------------------------------------------------


def test_the_graph_here_is_the_models_graph():
    field = ChangeProposal._meta.get_field("state")
    model_graph: dict[str, tuple[set[str], str]] = {}
    for transition in field.get_all_transitions(ChangeProposal):
        target = transition.target
        if transition.name in RETURNED_TARGETS:
            assert set(target.allowed_states) == RETURNED_TARGETS[transition.name]
            target = GRAPH[transition.name][1]
        sources, _target = model_graph.setdefault(transition.name, (set(), target))
        sources.add(transition.source)
    assert model_graph == GRAPH


def test_every_transition_has_an_audit_label():
    assert set(GRAPH) <= set(ACTIONS)


def test_every_state_is_reached_or_is_the_first():
    targets = {target for _sources, target in GRAPH.values()}
    assert set(S.values) - targets == {S.NEW}


@pytest.mark.parametrize(
    ("state", "action"),
    [pytest.param(state, action) for state in S.values for action in sorted(GRAPH)],
)
def test_transition_is_made_exactly_where_the_graph_allows_it(request, editor, partnership_a, state, action):
    proposal = make_proposal(partnership=partnership_a, state=state)
    arguments = arguments_for(action, proposal, request)
    versions_before = history(proposal)
    # Withdrawing is the submitter's move (by=None, through the status link); the rest are staff's.
    by = None if action == "withdraw" else editor
    sources, target = GRAPH[action]

    if state in sources:
        result = proposal_transition(proposal_id=proposal.pk, action=action, by=by, **arguments)
        assert result.state == target
        assert ChangeProposal.objects.get(pk=proposal.pk).state == target
        entry = AuditEntry.objects.get(proposal=proposal)
        assert (entry.action, entry.from_state, entry.to_state, entry.actor) == (action, state, target, by)
        assert entry.comment == arguments.get("comment", "")
        assert history(proposal) == versions_before + 1
    else:
        with translation.override("nb"), pytest.raises(TransitionRefused) as refused:
            proposal_transition(proposal_id=proposal.pk, action=action, by=by, **arguments)
        assert in_nb(refused.value) == in_nb(NOT_NOW) % {"state": in_nb(S(state).label)}
        assert ChangeProposal.objects.get(pk=proposal.pk).state == state
        assert not AuditEntry.objects.filter(proposal=proposal).exists()
        assert history(proposal) == versions_before


def test_a_proposal_on_the_common_text_cannot_be_marked_local(editor):
    """mark_local has a condition: a proposal without a partnership has no local adaptation."""
    proposal = make_proposal(partnership=None)
    with pytest.raises(TransitionRefused) as refused:
        proposal_transition(proposal_id=proposal.pk, action="mark_local", by=editor)
    assert in_nb(refused.value) == in_nb(NO_PARTNERSHIP)
    assert ChangeProposal.objects.get(pk=proposal.pk).state == S.NEW
    assert not AuditEntry.objects.filter(proposal=proposal).exists()


@pytest.mark.parametrize("reason", [RejectReason.SPAM, RejectReason.NOT_RELEVANT])
def test_a_triage_rejection_is_not_reconsidered(editor, reason):
    proposal = make_proposal(state=S.REJECTED)
    ChangeProposal.objects.filter(pk=proposal.pk).update(reject_reason=reason)
    with pytest.raises(TransitionRefused) as refused:
        proposal_transition(proposal_id=proposal.pk, action="reconsider", by=editor, back_to=S.RECOMMENDED)
    with translation.override("nn"):
        assert str(refused.value) == (
            "Eit forslag som vart avvist i den løpande behandlinga, er endeleg avvist: "
            "berre avgjerdene til redaktøren i runden kan vurderast på nytt."
        )
    assert ChangeProposal.objects.get(pk=proposal.pk).state == S.REJECTED
    assert not AuditEntry.objects.filter(proposal=proposal).exists()


def test_reconsider_goes_back_only_to_a_reviewed_state(editor):
    proposal = make_proposal(state=S.ACCEPTED)
    with pytest.raises(ValueError, match="not a reviewed state"):
        proposal_transition(proposal_id=proposal.pk, action="reconsider", by=editor, back_to=S.NEW)
    assert ChangeProposal.objects.get(pk=proposal.pk).state == S.ACCEPTED
    assert not AuditEntry.objects.filter(proposal=proposal).exists()


def test_redact_and_assign_are_not_transitions(editor):
    proposal = make_proposal()
    for action in ("redact", "assign", "no_such_thing"):
        with pytest.raises(ValueError, match="unknown transition"):
            proposal_transition(proposal_id=proposal.pk, action=action, by=editor)


def test_a_missing_proposal_is_not_permitted(editor):
    with pytest.raises(NotPermitted):
        proposal_transition(proposal_id=999_999, action="defer", by=editor)


# --- Who may --------------------------------------------------------------------------------------

# (the user, the partnership of the proposal they act on)
ROLES = [
    ("editor", "a"),
    ("local_a", "a"),
    ("local_b", "a"),
    ("trust_seat", "a"),
    ("adviser", "a"),
    ("local_a", None),
]


def may(user: str, partnership: str | None, action: str, state: str) -> bool:
    if user == "editor":
        return True
    return user == "local_a" and partnership == "a" and (action, state) in LOCAL_EDITOR_MAY


def _role_cases():
    for user, partnership in ROLES:
        for action, state in EDGES:
            if action == "withdraw":
                continue  # the submitter's: see test_staff_cannot_withdraw_for_the_submitter
            yield pytest.param(
                user,
                partnership,
                action,
                state,
                id=f"{user}-on-{partnership or 'common'}-{action}-from-{state}",
            )


@pytest.mark.parametrize(("user", "partnership", "action", "state"), list(_role_cases()))
def test_who_may_make_each_move(request, editor, partnership_a, user, partnership, action, state):
    by = request.getfixturevalue(user)
    proposal = make_proposal(partnership=partnership_a if partnership == "a" else None, state=state)
    arguments = arguments_for(action, proposal, request)
    _sources, target = GRAPH[action]

    if may(user, partnership, action, state):
        assert proposal_transition(proposal_id=proposal.pk, action=action, by=by, **arguments).state == target
        assert AuditEntry.objects.get(proposal=proposal).actor == by
    else:
        with pytest.raises(NotPermitted):
            proposal_transition(proposal_id=proposal.pk, action=action, by=by, **arguments)
        assert ChangeProposal.objects.get(pk=proposal.pk).state == state
        assert not AuditEntry.objects.filter(proposal=proposal).exists()


def test_the_role_table_covers_every_move_but_withdrawing():
    assert {action for action, _state in EDGES} - {"withdraw"} == set(GRAPH) - {"withdraw"}
    assert {action for action, _state in LOCAL_EDITOR_MAY} < set(GRAPH)


def test_a_local_editor_may_not_see_another_partnerships_proposal_in_any_state(local_b, partnership_a):
    for state in S.values:
        proposal = make_proposal(partnership=partnership_a, state=state)
        for action in sorted(GRAPH):
            with pytest.raises(NotPermitted):
                proposal_transition(proposal_id=proposal.pk, action=action, by=local_b)
    assert not AuditEntry.objects.exists()


@pytest.mark.parametrize("user", ["editor", "local_a"])
def test_staff_cannot_withdraw_for_the_submitter(request, partnership_a, user):
    proposal = make_proposal(partnership=partnership_a)
    with pytest.raises(NotPermitted):
        proposal_transition(proposal_id=proposal.pk, action="withdraw", by=request.getfixturevalue(user))
