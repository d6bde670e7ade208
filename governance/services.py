"""Changes to proposals. Views, the API, the admin and commands all call these."""

import json

import reversion
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from reversion.models import Version as HistoryVersion

from pathways.models import Partnership, Pathway, Version

from .models import ChangeProposal, ProposalState

# The detector is pure Python with no Django in it; it lives with the form that first used it.
from .personal_data import redact


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


# The fields of a proposal that hold the submitter's own words.
SUBMITTER_TEXT_FIELDS = ("description", "suggested_text", "quote")


def _redact_history(proposal: ChangeProposal) -> int:
    """Rewrite the proposal's versions in the history with what looks like personal data removed.
    Returns how many versions changed. Only the text fields are touched, in the stored JSON as it is,
    so an old version keeps the shape it was saved with."""
    changed = 0
    for version in HistoryVersion.objects.get_for_object(proposal).select_for_update():
        if version.format != "json":
            # Not written by this project's settings; rather than guess at its format, drop it.
            version.delete()
            changed += 1
            continue
        data = json.loads(version.serialized_data)
        dirty = False
        for stored in data:
            fields = stored.get("fields", {})
            for name in SUBMITTER_TEXT_FIELDS:
                value = fields.get(name)
                if isinstance(value, str) and (redacted := redact(value)) != value:
                    fields[name] = redacted
                    dirty = True
        if dirty:
            version.serialized_data = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False)
            version.save(update_fields=["serialized_data"])
            changed += 1
    return changed


def proposal_redact_personal_data(*, proposal: ChangeProposal, by=None) -> ChangeProposal:
    """Replace what looks like personal data (national identity numbers, phone numbers, e-mail
    addresses) in the submitter's text with "[fjernet]", in the proposal and in every earlier
    version of it in the history, so the original text is kept nowhere. Sets `redacted_at`.

    Running it again changes nothing. A proposal can be redacted in any state: a triager does it
    while the proposal is new, the retention command after it has long been closed."""
    with transaction.atomic():
        proposal = ChangeProposal.objects.select_for_update().get(pk=proposal.pk)
        # The history first, so the revision saved below is the only one left with the new text.
        _redact_history(proposal)
        changed = False
        for name in SUBMITTER_TEXT_FIELDS:
            redacted = redact(getattr(proposal, name))
            if redacted != getattr(proposal, name):
                setattr(proposal, name, redacted)
                changed = True
        if changed or proposal.redacted_at is None:
            proposal.redacted_at = timezone.now()
            with reversion.create_revision():
                proposal.save()
                if by is not None:
                    reversion.set_user(by)
                reversion.set_comment(_("Personal data removed"))
    return proposal
