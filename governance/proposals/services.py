"""Changes to proposals. Views, the API, the admin and commands all call these."""

import inspect
import json

import reversion
from django.contrib.auth.models import User
from django.contrib.contenttypes.models import ContentType
from django.core import serializers
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.utils import timezone
from django.utils.encoding import force_str
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_fsm import can_proceed, has_transition_perm
from reversion.models import Revision
from reversion.models import Version as HistoryVersion

from governance import permissions as perms
from governance.models import AuditEntry, ChangeProposal, ProposalSource, ProposalState
from governance.proposals.personal_data import may_contain_personal_data, redact, redaction_marker
from governance.signals import proposal_moved
from pathways.chain import IdOf, InsertChain
from pathways.diffing import word_diff
from pathways.models import LocalVersion, Partnership, Pathway, Version


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
    local_version: LocalVersion | None = None,
    partnership: Partnership | None = None,
    suggested_text: str = "",
    quote: str = "",
    external_url: str = "",
    context_unknown: bool = False,
    may_contain_personal_data: bool = False,
    by: User | None = None,
    chain: InsertChain | None = None,
) -> ChangeProposal:
    """A new proposal in its first state, recorded in the version history. Written at once; or,
    given a `chain`, queued there with its history, to be written when the caller runs the chain
    with its own rows (the reader's feedback: one round trip for all of them)."""
    proposal = ChangeProposal(
        source=source,
        kind=kind,
        language=language,
        description=description,
        pathway=pathway,
        section_slug=section_slug,
        version=version,
        local_version=local_version,
        partnership=partnership,
        suggested_text=suggested_text,
        quote=quote,
        external_url=external_url,
        context_unknown=context_unknown,
        may_contain_personal_data=may_contain_personal_data,
    )
    rows = chain or InsertChain()
    rows.insert(proposal)
    history_queue(rows, proposal, comment=_("Proposal received"), by=by)
    if chain is None:
        rows.run()
    return proposal


# The id a new row is serialised with before it has one; the chain puts the real id in its place.
# Django's serialisers write the pk before the fields, so its first occurrence is the pk.
_ID_STAND_IN = -918273645


def _with_id(obj: models.Model, text: str) -> str | IdOf:
    """`text` with `obj`'s id where the stand-in is (its first occurrence), once the id is known."""
    before, found, after = text.partition(str(_ID_STAND_IN))
    return IdOf(obj, (before, after)) if found else text


def history_queue(chain: InsertChain, obj: models.Model, *, comment: str, by: User | None = None) -> None:
    """Queue in `chain`, after the new row `obj`, its first version-history entry: the Revision and
    Version rows `reversion.create_revision()` would write for it once it is saved (the same
    serialisation, representation and content type; tests/governance/test_history.py compares them
    with reversion's own)."""
    options = reversion.revisions._get_options(type(obj))
    obj.pk = _ID_STAND_IN
    try:
        data = serializers.serialize(
            options.format, (obj,), fields=options.fields, use_natural_foreign_keys=options.use_natural_foreign_keys
        )
        representation = force_str(obj)
    finally:
        obj.pk = None
    revision = chain.insert(Revision(date_created=timezone.now(), user=by, comment=comment))
    content_type = ContentType.objects.db_manager(chain.using).get_for_model(
        type(obj), for_concrete_model=options.for_concrete_model
    )
    chain.insert(
        HistoryVersion(
            revision_id=IdOf(revision),
            object_id=IdOf(obj, ("", "")),
            content_type=content_type,
            db=chain.using,
            format=options.format,
            serialized_data=_with_id(obj, data),
            object_repr=_with_id(obj, representation),
        )
    )


class NotPermitted(Exception):
    """The user may not see the proposal or may not make this move: a 404 (never reveal it exists)."""


# What each transition is called in the audit timeline; the keys are the transition methods.
ACTIONS = {
    "reject": gettext_lazy("rejected"),
    "merge_into": gettext_lazy("merged into another proposal"),
    "mark_local": gettext_lazy("marked as a matter for the local adaptation"),
    "mark_quick_fix": gettext_lazy("sent to the responsible editor as a minor correction"),
    "defer": gettext_lazy("held for the yearly round"),
    "withdraw": gettext_lazy("withdrawn by the submitter"),
    "fixed_locally": gettext_lazy("fixed in the local adaptation"),
    "publish": gettext_lazy("published"),
    "forward": gettext_lazy("forwarded by the partnership"),
    "decline": gettext_lazy("declined by the partnership"),
    "start_review": gettext_lazy("sent to the resource group"),
    "recommend": gettext_lazy("recommended"),
    "not_recommend": gettext_lazy("not recommended"),
    "accept": gettext_lazy("accepted"),
    "decide_reject": gettext_lazy("rejected by the editor"),
    "postpone": gettext_lazy("postponed to next year"),
    "carry_over": gettext_lazy("carried over to the new round"),
    "reconsider": gettext_lazy("decision reconsidered"),
    "redact": gettext_lazy("personal data removed"),
    "assign": gettext_lazy("assigned to a health partnership"),
    "meeting_record": gettext_lazy("the resource group's recommendation recorded"),
}


CONDITION_MESSAGES = {
    "mark_local": gettext_lazy("A proposal that belongs to no health partnership cannot be a local matter."),
    "reconsider": gettext_lazy(
        "A rejection in triage is final: only the editor's decisions in the round are reconsidered."
    ),
}


def proposal_transition(
    *,
    proposal_id: int,
    action: str,
    by: User | None,
    comment: str = "",
    reader_note: str | None = None,
    **arguments: object,
) -> ChangeProposal:
    """Move a proposal along its state machine as `by` (None: the submitter, through the status link).

    `comment` goes to the audit entry. Without a `reader_note` it is also the move's comment on the
    proposal (`decision_comment`, which the reader is shown and e-mailed). With one (the triage
    page asks for both), the note is what the reader is told and the comment stays internal.

    The row is locked first, so two editors acting at once are served one after the other: the
    second sees the state the first left, and is refused with TransitionRefused (409) when its move
    no longer applies. A user who may not see the proposal or may not make this move gets
    NotPermitted (404) and nothing changes. One audit entry and one history version per move.
    """
    if action not in ACTIONS or action in {"redact", "assign", "meeting_record"}:
        raise ValueError(f"unknown transition {action!r}")
    # Here and below `atomic=False`: the revision is written inside our transaction, and reversion's
    # own atomic block would only add a second savepoint (two more round trips) inside it.
    with transaction.atomic(), reversion.create_revision(atomic=False):
        proposal = ChangeProposal.objects.select_for_update().filter(pk=proposal_id).first()
        if proposal is None or (by is not None and not perms.can_view(by, proposal)):
            raise NotPermitted
        method = getattr(proposal, action)
        if not can_proceed(method, check_conditions=False):
            raise TransitionRefused(
                _("This cannot be done now: the proposal is “%(state)s”. Someone may have acted on it just before you.")
                % {"state": proposal.get_state_display()}
            )
        if not can_proceed(method):
            raise TransitionRefused(CONDITION_MESSAGES.get(action, _("The conditions for this step are not met.")))
        if by is not None and not has_transition_perm(method, by):
            perms.logger.warning(
                "proposal transition denied: user=%s proposal=%s action=%s", by.pk, proposal.pk, action
            )
            raise NotPermitted
        from_state = proposal.state
        told = comment if reader_note is None else reader_note
        if told and "comment" in inspect.signature(method).parameters:
            arguments["comment"] = told
        method(**arguments)
        proposal.save()
        entry = _audit(proposal, by=by, action=action, from_state=from_state, comment=comment)
        # In the move's transaction: what the move means to others (the reader's e-mail) exists exactly
        # when the move does.
        proposal_moved.send(sender=ChangeProposal, proposal=proposal, action=action, entry=entry)
    return proposal


def _audit(
    proposal: ChangeProposal, *, by: User | None, action: str, from_state: str = "", comment: str = ""
) -> AuditEntry:
    """The audit entry and the version-history entry of one change, inside the caller's revision."""
    if by is not None:
        reversion.set_user(by)
    reversion.set_comment(str(ACTIONS[action]))
    return AuditEntry.objects.create(
        proposal=proposal, actor=by, action=action, from_state=from_state, to_state=proposal.state, comment=comment
    )


def proposals_fixed_by(*, version: Version, proposal_ids: list[int], by: User) -> list[ChangeProposal]:
    """Close the proposals a newly published version of their pathway fixes (a minor correction,
    or one the editor accepted): each is published in `version`, with its audit entry, and its
    readers are told (the `publish` move, as on the proposal page). All or none."""
    with transaction.atomic():
        closed = []
        for proposal_id in proposal_ids:
            proposal = ChangeProposal.objects.filter(pk=proposal_id, pathway_id=version.pathway_id).first()
            if proposal is None:
                raise NotPermitted
            closed.append(proposal_transition(proposal_id=proposal_id, action="publish", by=by, version=version))
    return closed


def proposal_merge(*, proposal_id: int, into_id: int, by: User) -> ChangeProposal:
    """Merge a new proposal into another open one the same user may see; the submitters of both are
    told the outcome of the one that remains."""
    other = ChangeProposal.objects.filter(pk=into_id).first()
    if other is None or not perms.can_view(by, other):
        raise NotPermitted
    if proposal_id == into_id:
        raise TransitionRefused(_("A proposal cannot be merged into itself."))
    if other.is_closed:
        raise TransitionRefused(_("It can only be merged into a proposal that is still open."))
    return proposal_transition(proposal_id=proposal_id, action="merge_into", by=by, other=other)


def proposal_withdraw(*, proposal: ChangeProposal) -> ChangeProposal:
    """The submitter withdraws a proposal that nobody has looked at yet."""
    try:
        return proposal_transition(proposal_id=proposal.pk, action="withdraw", by=None)
    except TransitionRefused:
        raise TransitionRefused(_("It can no longer be withdrawn: it has already been looked at.")) from None


def proposal_assign(*, proposal_id: int, partnership: Partnership | None, by: User) -> ChangeProposal:
    """The responsible editor gives a proposal on the common text to a partnership (or takes it back)."""
    with transaction.atomic(), reversion.create_revision(atomic=False):
        proposal = ChangeProposal.objects.select_for_update().filter(pk=proposal_id).first()
        if proposal is None or not perms.can_decide(by, proposal):
            raise NotPermitted
        if proposal.state != ProposalState.NEW:
            raise TransitionRefused(_("Only a new proposal can be given to a partnership."))
        proposal.partnership = partnership
        proposal.save(update_fields=["partnership", "updated_at"])
        _audit(
            proposal, by=by, action="assign", from_state=proposal.state, comment=partnership.name if partnership else ""
        )
    return proposal


# The fields of a proposal that hold the submitter's own words.
SUBMITTER_TEXT_FIELDS = ("description", "suggested_text", "quote")


def _redact_history(proposal: ChangeProposal) -> int:
    """Rewrite the proposal's versions in the history with what looks like personal data removed.
    Returns how many versions changed. Only the text fields are touched, in the stored JSON as it is,
    so an old version keeps the shape it was saved with."""
    changed = 0
    marker = redaction_marker(proposal.language)
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
                if isinstance(value, str) and (redacted := redact(value, marker)) != value:
                    fields[name] = redacted
                    dirty = True
        if dirty:
            version.serialized_data = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False)
            version.save(update_fields=["serialized_data"])
            changed += 1
    return changed


def proposal_redact_personal_data(*, proposal: ChangeProposal, by: User | None = None) -> ChangeProposal:
    """Replace what looks like personal data (national identity numbers, phone numbers, e-mail
    addresses) in the submitter's text with "[fjernet]" ("[fjerna]" in nynorsk: the reader's
    written standard), in the proposal and in every earlier
    version of it in the history, so the original text is kept nowhere. Sets `redacted_at`.

    Running it again changes nothing. A proposal can be redacted in any state: a triager does it
    while the proposal is new, the retention command after it has long been closed."""
    with transaction.atomic():
        proposal = ChangeProposal.objects.select_for_update().get(pk=proposal.pk)
        # The history first, so the revision saved below is the only one left with the new text.
        _redact_history(proposal)
        changed = False
        marker = redaction_marker(proposal.language)
        for name in SUBMITTER_TEXT_FIELDS:
            redacted = redact(getattr(proposal, name), marker)
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
                AuditEntry.objects.create(
                    proposal=proposal, actor=by, action="redact", from_state=proposal.state, to_state=proposal.state
                )
    return proposal


def proposal_file(
    *,
    by: User,
    pathway: Pathway,
    section_slug: str,
    kind: str,
    language: str,
    description: str,
    suggested_text: str,
) -> ChangeProposal:
    """A proposal filed from the staff pages by a professional of a partnership or the responsible
    editor, on a section of the pathway's current version: source "professional", the filer's
    partnership (none for the responsible editor: the common text). The caller has checked that the
    filer may file and that the section is in the current version.

    It may contain personal data when the description does, or what the suggestion adds to the
    current text: words already published (a clinic's phone number) do not count."""

    version = pathway.current_version
    # The caller found the section in the current version, so there is one.
    assert version is not None
    current = version.sections.get(slug=section_slug).body(language)
    added = [chunk.text for chunk in word_diff(current, suggested_text) if chunk.op == "insert"]
    profile = getattr(by, "profile", None)
    return proposal_create(
        source=ProposalSource.PROFESSIONAL,
        kind=kind,
        language=language,
        description=description,
        pathway=pathway,
        section_slug=section_slug,
        version=version,
        partnership=profile.partnership if profile is not None else None,
        suggested_text=suggested_text,
        may_contain_personal_data=may_contain_personal_data(description, *added),
        by=by,
    )
