"""Helpers the yearly round's tests share: partnerships in bulk, rounds with their items. The cast is
in tests/conftest.py; rounds come from tests.factories.make_round, proposals in any state from
tests.support.make_proposal."""

from governance.models import ChangeProposal, PartnershipReview, RoundItem
from pathways.models import HealthTrust, Partnership

HOSTILE = "<script>alert('x')</script> Vi videresender dette."


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
