"""Changes to proposals. Views, the API, the admin and commands all call these."""

import reversion
from django.db import transaction
from django.utils.translation import gettext as _

from pathways.models import Partnership, Pathway, Version

from .models import ChangeProposal, ProposalState


class TransitionRefused(Exception):
    """The proposal is not in a state that allows this; `message` says so in words for the user."""


def proposal_create(
    *,
    source: str,
    kind: str,
    language: str,
    description: str,
    pathway: Pathway | None = None,
    section_slug: str = "",
    version: Version | None = None,
    partnership: Partnership | None = None,
    suggested_text: str = "",
    quote: str = "",
    external_url: str = "",
    context_unknown: bool = False,
    may_contain_personal_data: bool = False,
    by=None,
) -> ChangeProposal:
    """A new proposal in its first state, recorded in the version history."""
    with transaction.atomic(), reversion.create_revision():
        proposal = ChangeProposal.objects.create(
            source=source,
            kind=kind,
            language=language,
            description=description,
            pathway=pathway,
            section_slug=section_slug,
            version=version,
            partnership=partnership,
            suggested_text=suggested_text,
            quote=quote,
            external_url=external_url,
            context_unknown=context_unknown,
            may_contain_personal_data=may_contain_personal_data,
        )
        if by is not None:
            reversion.set_user(by)
        reversion.set_comment(_("Proposal received"))
    return proposal


def proposal_withdraw(*, proposal: ChangeProposal) -> ChangeProposal:
    """The submitter withdraws a proposal that nobody has looked at yet."""
    with transaction.atomic(), reversion.create_revision():
        proposal = ChangeProposal.objects.select_for_update().get(pk=proposal.pk)
        if proposal.state != ProposalState.NEW:
            raise TransitionRefused(_("It can no longer be withdrawn: it has already been looked at."))
        proposal.withdraw()
        proposal.save()
        reversion.set_comment(_("Withdrawn by the submitter"))
    return proposal
