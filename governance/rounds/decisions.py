"""The yearly round's last steps: the responsible editor's decision on each proposal the resource
group reviewed, and the release of the yearly revision.

`decision_record` is taken in the round's `editorial` phase and may be changed until release. Accepted
proposals are applied by editing the drafts in the staff editor; the round item then names the
sections that changed and carries the public change line in both written standards.

`release_publish` runs inside the transaction of `governance.rounds.phases.round_advance` when the round
moves from `editorial` to `released`: it publishes every changed pathway as revision `<year>`, marks
the accepted proposals published, and queues a notice to each local editor whose adaptation
overrides a section that changed. Any failure raises, and the caller's transaction takes everything
back with it: nothing is half released.
"""

import reversion
from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from governance import permissions as perms
from governance.models import (
    REVIEWED_STATES,
    AuditEntry,
    ChangeProposal,
    Decision,
    ProposalState,
    Recommendation,
    ReviewRound,
    RoundItem,
    RoundState,
)
from governance.proposals.services import NotPermitted, proposal_transition
from governance.rounds.tally import round_tallies
from pathways.models import Pathway, Section
from pathways.services import Refused

RATIONALE_MAX_LENGTH = 5000
CHANGE_SUMMARY_MAX_LENGTH = 2000
ACCEPTED_DECISIONS = (Decision.ACCEPT, Decision.ACCEPT_WITH_CHANGES)
# The proposal's transition for each decision, and the state it leaves the proposal in.
DECISION_ACTIONS: dict[str, str] = {
    Decision.ACCEPT: "accept",
    Decision.ACCEPT_WITH_CHANGES: "accept",
    Decision.REJECT: "decide_reject",
    Decision.POSTPONE: "postpone",
}
DECISION_STATES: dict[str, str] = {
    Decision.ACCEPT: ProposalState.ACCEPTED,
    Decision.ACCEPT_WITH_CHANGES: ProposalState.ACCEPTED,
    Decision.REJECT: ProposalState.REJECTED,
    Decision.POSTPONE: ProposalState.POSTPONED,
}
# Proposals that were sent on to the editorial team and so need a decision before release.
AWAITING_DECISION_STATES = [ProposalState.FORWARDED, *REVIEWED_STATES]


class DecisionRefused(Refused):
    """The decision cannot be recorded; `reasons` says why, in words for the editor."""


# --- Reads ------------------------------------------------------------------------------------------


def item_recommendation(item: RoundItem, tally=None) -> str:
    """The resource group's advice on the item's proposal: the recommendation the meeting recorded,
    else the outcome of the vote (the proposal's state once the count moved it, else the tally)."""
    if item.meeting_recommendation:
        return item.meeting_recommendation
    state = item.proposal.state
    if state in (ProposalState.RECOMMENDED, ProposalState.NOT_RECOMMENDED):
        return Recommendation(state)
    if tally is None:
        tally = round_tallies(item.review_round, [item.proposal_id])[item.proposal_id]
    return tally.outcome(item.review_round)


def departs_from_recommendation(decision: str, recommendation: str) -> bool:
    """Accepting what the resource group did not recommend, or rejecting what it did."""
    if decision in ACCEPTED_DECISIONS:
        return recommendation == Recommendation.NOT_RECOMMENDED
    if decision == Decision.REJECT:
        return recommendation == Recommendation.RECOMMENDED
    return False


def is_decidable(item: RoundItem) -> bool:
    """A proposal in review gets its first decision; a decided one may be changed until release."""
    if item.decision:
        return item.proposal.state == DECISION_STATES[item.decision]
    return item.proposal.state in REVIEWED_STATES


def decision_items(review_round: ReviewRound):
    """The items of the round that the editor decides on (or has decided), oldest proposal first."""
    return review_round.items.filter(Q(proposal__state__in=AWAITING_DECISION_STATES) | ~Q(decision="")).order_by(
        "proposal_id"
    )


def decision_sections(proposal: ChangeProposal):
    """The draft sections an accepted proposal may be linked to: its pathway's, or (for a proposal
    that named no pathway) those of every published pathway."""
    sections = Section.objects.filter(retired=False).select_related("pathway")
    if proposal.pathway_id:
        return sections.filter(pathway_id=proposal.pathway_id).order_by("position", "pk")
    return sections.filter(pathway__current_version__isnull=False).order_by("pathway__position", "position", "pk")


def item_pathway(item: RoundItem, sections=None) -> Pathway | None:
    """The pathway an accepted item changed: the proposal's, else that of the sections it names."""
    if item.proposal.pathway_id:
        return item.proposal.pathway
    sections = list(item.changed_sections.all()) if sections is None else sections
    return sections[0].pathway if sections else None


def pathway_name(pathway: Pathway | None) -> str:
    return f"«{pathway.title_nb}»" if pathway else _("no pathway")


# --- Deciding ---------------------------------------------------------------------------------------


def _state_before_decision(proposal: ChangeProposal) -> str:
    """The state the resource group left the proposal in: where its latest decision came from (a
    reconsidered decision goes back there, so the next decision comes from there too)."""
    entry = (
        AuditEntry.objects.filter(
            proposal=proposal, from_state__in=REVIEWED_STATES, to_state__in=set(DECISION_STATES.values())
        )
        .order_by("-pk")
        .first()
    )
    return entry.from_state if entry else ProposalState.IN_REVIEW


def decision_record(
    *,
    item_id: int,
    by: User,
    decision: str,
    rationale: str,
    changed_section_ids=(),
    change_summary_nb: str = "",
    change_summary_nn: str = "",
    against_recommendation_confirmed: bool = False,
) -> RoundItem:
    """Record (or change) the responsible editor's decision on a proposal in the round.

    Accepting moves the proposal to `accepted`, rejecting to `rejected`, postponing to `postponed`
    (the next round carries it over to `deferred`), each through `proposal_transition` with the
    rationale as the comment the submitter and the partnership see. Refused with DecisionRefused
    outside the `editorial` phase, without a rationale, and when the decision departs from the
    resource group's advice without `against_recommendation_confirmed`. A user who may not decide
    gets NotPermitted (404).

    The round row is locked first, as `round_advance` locks it, so a decision and the release are
    served one after the other: a decision that comes after the release is refused.
    """
    if not perms.can_decide(by):
        raise NotPermitted
    with transaction.atomic():
        round_id = RoundItem.objects.filter(pk=item_id).values_list("review_round_id", flat=True).first()
        if round_id is None:
            raise NotPermitted
        review_round = ReviewRound.objects.select_for_update().get(pk=round_id)
        item = RoundItem.objects.select_for_update(of=("self",)).select_related("proposal__pathway").get(pk=item_id)
        item.review_round = review_round
        proposal = item.proposal
        if review_round.state != RoundState.EDITORIAL:
            raise DecisionRefused(
                [
                    _("Decisions are taken in the phase “%(editorial)s”; the round is now in “%(phase)s”.")
                    % {"editorial": RoundState.EDITORIAL.label, "phase": review_round.get_state_display()}
                ]
            )
        if not is_decidable(item):
            raise DecisionRefused(
                [
                    _("Proposal #%(number)s cannot be decided now: it is “%(state)s”.")
                    % {"number": proposal.pk, "state": proposal.get_state_display()}
                ]
            )
        rationale = rationale.strip()
        change_summary_nb, change_summary_nn = change_summary_nb.strip(), change_summary_nn.strip()
        reasons = []
        if decision not in Decision.values:
            reasons.append(_("Choose a decision."))
        if not rationale:
            reasons.append(_("Write the rationale for the decision: the submitter and the partnership see it."))
        elif len(rationale) > RATIONALE_MAX_LENGTH:
            reasons.append(_("The rationale is too long: it may have at most 5,000 characters."))
        if max(len(change_summary_nb), len(change_summary_nn)) > CHANGE_SUMMARY_MAX_LENGTH:
            reasons.append(_("A change line is too long: it may have at most 2,000 characters."))
        recommendation = item_recommendation(item)
        if departs_from_recommendation(decision, recommendation) and not against_recommendation_confirmed:
            reasons.append(
                _(
                    "The resource group's advice was “%(recommendation)s”. Confirm that you depart from it, "
                    "and say why in the rationale."
                )
                % {"recommendation": Recommendation(recommendation).label}
            )
        accepted = decision in ACCEPTED_DECISIONS
        sections = []
        if accepted and changed_section_ids:
            wanted = {int(pk) for pk in changed_section_ids}
            sections = list(decision_sections(proposal).filter(pk__in=wanted))
            if len(sections) != len(wanted):
                reasons.append(_("Choose sections of the pathway the proposal is about."))
            elif len({section.pathway_id for section in sections}) > 1:
                reasons.append(_("Choose sections of one pathway only."))
        if reasons:
            raise DecisionRefused(reasons)

        previous = item.decision
        if not previous:
            proposal_transition(proposal_id=proposal.pk, action=DECISION_ACTIONS[decision], by=by, comment=rationale)
        elif DECISION_STATES[previous] != DECISION_STATES[decision]:
            _change_outcome(proposal, decision=decision, by=by, rationale=rationale)
        elif previous != decision or rationale != item.rationale:
            _change_rationale(proposal, decision=decision, by=by, rationale=rationale)

        item.decision, item.rationale = decision, rationale
        item.decided_by, item.decided_at = by, timezone.now()
        # A proposal that is not accepted changes nothing, so it has no line in the changelog.
        item.change_summary_nb = change_summary_nb if accepted else ""
        item.change_summary_nn = change_summary_nn if accepted else ""
        item.save()
        item.changed_sections.set(sections)
    return item


def _change_outcome(proposal: ChangeProposal, *, decision: str, by: User, rationale: str) -> None:
    """From one decided state to another: the proposal is reconsidered (back to where the resource
    group left it) and decided again, two moves the timeline shows, in the caller's transaction."""
    back_to = _state_before_decision(proposal)
    proposal_transition(proposal_id=proposal.pk, action="reconsider", by=by, back_to=back_to)
    proposal_transition(proposal_id=proposal.pk, action=DECISION_ACTIONS[decision], by=by, comment=rationale)


def _change_rationale(proposal: ChangeProposal, *, decision: str, by: User, rationale: str) -> None:
    """The same outcome with new words: the submitter sees the new rationale; the timeline shows it."""
    with reversion.create_revision():
        proposal = ChangeProposal.objects.get(pk=proposal.pk)
        proposal.decision_comment = rationale
        proposal.save(update_fields=["decision_comment", "updated_at"])
        if by is not None:
            reversion.set_user(by)
        reversion.set_comment(_("Decision changed"))
        AuditEntry.objects.create(
            proposal=proposal,
            actor=by,
            action=DECISION_ACTIONS[decision],
            from_state=proposal.state,
            to_state=proposal.state,
            comment=rationale,
        )
