"""Helpers the yearly round's tests share: proposals in any state, partnerships in bulk, rounds with
their items. The cast is in tests/conftest.py; rounds come from tests.factories.make_round."""

from governance.models import ChangeProposal, PartnershipReview, ProposalState, RoundItem
from governance.proposals.services import proposal_create
from pathways.models import HealthTrust, Partnership

HOSTILE = "<script>alert('x')</script> Vi videresender dette."


def make_proposal(*, partnership=None, state: str = ProposalState.DEFERRED, pathway=None, **fields) -> ChangeProposal:
    """A reader's proposal put straight into `state` (the state field is protected: a plain update)."""
    proposal = proposal_create(
        source="reader",
        kind=fields.pop("kind", "error"),
        language="nb",
        description=fields.pop("description", "Feil telefonnummer til BUP."),
        pathway=pathway,
        section_slug=fields.pop("section_slug", ""),
        partnership=partnership,
        **fields,
    )
    ChangeProposal.objects.filter(pk=proposal.pk).update(state=state)
    return ChangeProposal.objects.get(pk=proposal.pk)


def enrol(review_round, proposal, **fields) -> RoundItem:
    return RoundItem.objects.create(review_round=review_round, proposal=proposal, **fields)


def make_partnerships(count: int, *, prefix: str = "hf") -> list[Partnership]:
    partnerships = []
    for index in range(count):
        trust = HealthTrust.objects.create(name=f"{prefix} sykehus {index} HF")
        partnerships.append(
            Partnership.objects.create(
                slug=f"{prefix}-{index}", name=f"Helsefellesskap {prefix} {index}", health_trust=trust
            )
        )
    return partnerships


def review_rows(review_round, partnerships) -> None:
    """The PartnershipReview rows the opening makes, for a round put straight into a later phase."""
    PartnershipReview.objects.bulk_create(
        [PartnershipReview(review_round=review_round, partnership=p) for p in partnerships], ignore_conflicts=True
    )


def state_of(proposal) -> str:
    return ChangeProposal.objects.values_list("state", flat=True).get(pk=proposal.pk)
