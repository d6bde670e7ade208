"""One proposal: what the reader wrote and where, what changed in the section since, the moves the
user may make now, likely duplicates to merge, and the timeline. Plain POST forms, no JavaScript.

Every view fetches the proposal through `selectors.proposal_or_404` (404 for what the user may not
see), validates a form and calls a service in governance.proposals.services: NotPermitted is a 404,
TransitionRefused the page again with the reason and status 409, success a redirect with a message.
"""

from typing import TYPE_CHECKING, Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Field
from django.forms import Form
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from governance import permissions as perms
from governance.models import ChangeProposal, ProposalState
from governance.permissions import AuthenticatedHttpRequest
from governance.proposals import selectors, services
from governance.proposals.duplicates import proposal_duplicates
from governance.proposals.forms import (
    AssignForm,
    CommentForm,
    FixedLocallyForm,
    MergeForm,
    PublishForm,
    RedactForm,
    RejectForm,
)
from governance.signals import proposal_sources, proposal_submitters
from pathways import permissions as pathway_permissions
from pathways.diffing import has_changes, word_diff
from pathways.forms import error_summary
from pathways.models import LocalAdaptation, VersionSection
from pathways.pages import LocalPageSection, local_section
from pathways.views import current_language, language_context

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

# The moves of the triage that this page offers, in the order it shows them, with what their button
# says. The yearly round's moves (forward, review, accept …) are made where the round is run.
ACTION_FORMS: dict[str, type[Form]] = {
    "mark_local": CommentForm,
    "mark_quick_fix": CommentForm,
    "defer": CommentForm,
    "fixed_locally": FixedLocallyForm,
    "publish": PublishForm,
    "reject": RejectForm,
}
ACTION_BUTTONS = {
    "mark_local": gettext_lazy("Mark as a matter for the local adaptation"),
    "mark_quick_fix": gettext_lazy("Send to the responsible editor as a minor correction"),
    "defer": gettext_lazy("Hold for the yearly round"),
    "fixed_locally": gettext_lazy("Mark as fixed in the local adaptation"),
    "publish": gettext_lazy("Mark as published"),
    "reject": gettext_lazy("Reject"),
}
# Forms that need to know the proposal (to offer its partnership's adaptation, its pathway's versions).
_FORMS_OF_PROPOSAL = (FixedLocallyForm, PublishForm)


def _detail_url(proposal_id: int) -> str:
    return reverse("governance:detail", kwargs={"pk": proposal_id})


def _proposal_or_404(request: HttpRequest, pk: int) -> ChangeProposal:
    # Pre-filtered to the one row: proposal_or_404 tests the queryset it is given for truth, which
    # runs it, so an unfiltered queryset would load every proposal.
    queryset = ChangeProposal.objects.select_related(
        "pathway__current_version",
        "version",
        "partnership",
        "merged_into",
        "fixed_in_adaptation__partnership",
        "published_in",
        "local_version__adaptation__current_local_version",
    ).filter(pk=pk)
    return selectors.proposal_or_404(request.user, pk, queryset=queryset)


def _action_form(action: str, proposal: ChangeProposal, data=None) -> Form:
    form_class = ACTION_FORMS[action]
    kwargs: dict[str, Any] = {"proposal": proposal} if form_class in _FORMS_OF_PROPOSAL else {}
    return form_class(data, prefix=action, **kwargs)


def _field_label(name: str) -> "StrOrPromise":
    field = ChangeProposal._meta.get_field(name)
    # One of the proposal's own fields, never the far side of a relation.
    assert isinstance(field, Field)
    return capfirst(field.verbose_name)


# --- What the page shows ---------------------------------------------------------------------------


def _section_texts(
    proposal: ChangeProposal,
) -> tuple[VersionSection | LocalPageSection | None, VersionSection | LocalPageSection | None]:
    """The section as published where the reader saw it, and as readers see it now: in the version
    the reader saw and the pathway's current version, or, for feedback from a local page, in the
    local version the reader saw and the adaptation's current local version. A section is the same
    section across versions when its slug is the same."""
    if not proposal.section_slug:
        return None, None
    local_version = proposal.local_version
    if local_version is not None:
        current_local = local_version.adaptation.current_local_version
        return (
            local_section(local_version, proposal.section_slug),
            local_section(current_local, proposal.section_slug) if current_local else None,
        )
    pathway = proposal.pathway
    current_id = pathway.current_version_id if pathway else None
    version_ids = {pk for pk in (proposal.version_id, current_id) if pk is not None}
    if not version_ids:
        return None, None
    found: dict[int | None, VersionSection] = {
        section.version_id: section
        for section in VersionSection.objects.filter(version_id__in=version_ids, slug=proposal.section_slug)
    }
    return found.get(proposal.version_id), found.get(current_id)


def _stale(
    proposal: ChangeProposal,
    seen: VersionSection | LocalPageSection | None,
    current: VersionSection | LocalPageSection | None,
) -> dict | None:
    """How the section changed between the (local) version the reader saw and the current one, in
    the proposal's written standard; None when it has not."""
    if seen is None or proposal.pathway is None:
        return None
    if proposal.local_version is not None:
        if proposal.local_version_id == proposal.local_version.adaptation.current_local_version_id:
            return None
    elif proposal.version_id == proposal.pathway.current_version_id:
        return None
    if current is None:
        return {"removed": True, "chunks": []}
    chunks = word_diff(seen.body(proposal.language), current.body(proposal.language))
    if not has_changes(chunks) and seen.title(proposal.language) == current.title(proposal.language):
        return None
    return {"removed": False, "chunks": chunks}


def _submitters(proposal: ChangeProposal) -> tuple[int, list[int]]:
    """How many people sent the proposal, and every proposal merged into it (also those merged into
    one that was then merged into it), and the numbers of those proposals. A query per level of
    merging; the count is asked of the apps that keep the senders (`proposal_submitters`)."""
    merged: list[int] = []
    ids, frontier = {proposal.pk}, [proposal.pk]
    while frontier:
        # Ids, not instances: a proposal loaded with only some fields loads its state one by one.
        frontier = list(
            ChangeProposal.objects.filter(merged_into_id__in=frontier).exclude(pk__in=ids).values_list("pk", flat=True)
        )
        merged += frontier
        ids.update(frontier)
    answers = proposal_submitters.send(sender=ChangeProposal, proposal_ids=sorted(ids))
    return sum(int(count or 0) for _receiver, count in answers), sorted(merged)


def _timeline(proposal: ChangeProposal) -> list[dict]:
    """The receipt, then every audit entry, oldest first. One query, however many entries."""
    items = [{"at": proposal.created_at, "action": _("Received"), "detail": proposal.get_source_display()}]
    for entry in proposal.audit_entries.select_related("actor").order_by("at", "pk"):
        actor = entry.actor
        items.append(
            {
                "at": entry.at,
                "action": services.ACTIONS.get(entry.action, entry.action),
                "actor": (actor.get_full_name() or actor.get_username()) if actor else "",
                "from_state": entry.get_from_state_display() if entry.from_state != entry.to_state else "",
                "to_state": entry.get_to_state_display() if entry.from_state != entry.to_state else "",
                "comment": entry.comment,
            }
        )
    return items


def _external_link(url: str) -> str:
    # Stored as the reader's browser sent it; only a web address becomes a link.
    return url if url.startswith(("https://", "http://")) else ""


def _edit_url(user, proposal: ChangeProposal) -> str:
    """Where to make the change the proposal asks for: the section in the common draft for the
    responsible editor, the partnership's adaptation of the pathway for its local editor."""
    pathway = proposal.pathway
    if pathway is None:
        return ""
    if pathway_permissions.can_edit_pathway(user, pathway):
        if proposal.section_slug and pathway.sections.filter(slug=proposal.section_slug, retired=False).exists():
            return reverse("staff:section_edit", kwargs={"slug": pathway.slug, "section_slug": proposal.section_slug})
        return reverse("staff:pathway", kwargs={"slug": pathway.slug})
    if proposal.partnership is not None and pathway_permissions.is_local_editor_of(user, proposal.partnership):
        url = reverse("staff:adaptation", kwargs={"partnership_slug": proposal.partnership.slug, "slug": pathway.slug})
        return url + (f"#{proposal.section_slug}" if proposal.section_slug else "")
    return ""


def _page(
    request: HttpRequest,
    proposal: ChangeProposal,
    *,
    bound: dict[str, Form] | None = None,
    errors: list[dict] | None = None,
    status: int = 200,
) -> HttpResponse:
    """The proposal page. `bound` holds forms sent back with errors, by action (or "merge",
    "redact", "assign"), to show in place of the empty ones; `errors` the error summary's items."""
    user, language = request.user, current_language()
    bound = bound or {}
    # django-fsm adds the method to the model for the `state` field, out of sight of the type checker.
    available = {t.name for t in proposal.get_available_user_state_transitions(user)}  # type: ignore[attr-defined]
    actions = [
        {"name": name, "button": ACTION_BUTTONS[name], "form": bound.get(name) or _action_form(name, proposal)}
        for name in ACTION_FORMS
        if name in available
    ]
    can_merge = "merge_into" in available
    merge_search = request.GET.get("finn", "")[:200] if request.method != "POST" else ""
    seen, current = _section_texts(proposal)
    section = current or seen
    submitter_count, merged = _submitters(proposal)
    detail_url = _detail_url(proposal.pk)
    context = {
        # The language switch goes to this page, also when a POST answered with it.
        **language_context(language, detail_url),
        "proposal": proposal,
        "labels": {
            name: _field_label(name)
            for name in (
                "pathway",
                "section_slug",
                "version",
                "local_version",
                "language",
                "partnership",
                "external_url",
                "kind",
                "state",
                "created_at",
                "description",
                "quote",
                "suggested_text",
                "reject_reason",
                "decision_comment",
                "merged_into",
                "published_in",
            )
        }
        | {"adaptation": capfirst(LocalAdaptation._meta.verbose_name)},
        "pathway_title": proposal.pathway.title(language) if proposal.pathway else "",
        "section_title": section.title(language) if section else proposal.section_slug,
        "external_link": _external_link(proposal.external_url),
        "edit_url": _edit_url(user, proposal),
        "submitter_count": submitter_count,
        "merged": merged,
        "sources": [
            link
            for _receiver, links in proposal_sources.send(sender=ChangeProposal, proposal=proposal)
            for link in links or ()
        ],
        "suggestion_chunks": selectors.suggestion_chunks(proposal, current or seen),
        "stale": _stale(proposal, seen, current),
        "actions": actions,
        "can_merge": can_merge,
        "duplicates": proposal_duplicates(proposal, user=user) if can_merge else [],
        "merge_form": bound.get("merge") or MergeForm(prefix="merge"),
        # The editor finds the proposal to keep by words or number (GET ?finn=), then merges with one click.
        "merge_search": merge_search,
        "merge_results": selectors.merge_candidates(proposal, user=user, text=merge_search) if can_merge else [],
        "can_redact": proposal.may_contain_personal_data and proposal.redacted_at is None,
        "redact_form": bound.get("redact") or RedactForm(prefix="redact"),
        "can_assign": (
            proposal.state == ProposalState.NEW and proposal.partnership_id is None and perms.can_decide(user, proposal)
        ),
        "assign_form": bound.get("assign") or AssignForm(prefix="assign"),
        "timeline": _timeline(proposal),
        "errors": errors or [],
    }
    return render(request, "governance/proposal_detail.html", context, status=status)


def _refused(request: HttpRequest, proposal_id: int, refused: services.TransitionRefused, bound: dict) -> HttpResponse:
    # Fetched again: the move was refused because the proposal changed, and the page shows it as it is.
    proposal = _proposal_or_404(request, proposal_id)
    return _page(request, proposal, bound=bound, errors=error_summary(None, [str(refused)]), status=409)


def _done(request: HttpRequest, proposal_id: int, action: str) -> HttpResponse:
    messages.success(
        request, _("Proposal #%(number)s: %(action)s.") % {"number": proposal_id, "action": services.ACTIONS[action]}
    )
    return redirect(_detail_url(proposal_id))


# --- Views -----------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "HEAD"])
def proposal_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _page(request, _proposal_or_404(request, pk))


@login_required
@require_POST
def proposal_act(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """One move along the state machine, named by the `action` the button sent."""
    proposal = _proposal_or_404(request, pk)
    action = request.POST.get("action", "")
    if action not in ACTION_FORMS:
        return HttpResponseBadRequest()
    form = _action_form(action, proposal, request.POST)
    if not form.is_valid():
        return _page(request, proposal, bound={action: form}, errors=error_summary(form), status=400)
    arguments = {name: value for name, value in form.cleaned_data.items() if name != "confirm"}
    try:
        services.proposal_transition(proposal_id=proposal.pk, action=action, by=request.user, **arguments)
    except services.NotPermitted:
        raise Http404 from None
    except services.TransitionRefused as refused:
        return _refused(request, proposal.pk, refused, {action: form})
    return _done(request, proposal.pk, action)


@login_required
@require_POST
def proposal_merge(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Merge this proposal into another: this one closes, the other is kept with the submitters of both."""
    proposal = _proposal_or_404(request, pk)
    form = MergeForm(request.POST, prefix="merge")
    if not form.is_valid():
        return _page(request, proposal, bound={"merge": form}, errors=error_summary(form), status=400)
    into_id = form.cleaned_data["into"]
    try:
        services.proposal_merge(proposal_id=proposal.pk, into_id=into_id, by=request.user)
    except services.NotPermitted:
        raise Http404 from None
    except services.TransitionRefused as refused:
        return _refused(request, proposal.pk, refused, {"merge": form})
    messages.success(request, _("Proposal #%(number)s was merged into this one.") % {"number": proposal.pk})
    # Work goes on with the proposal that was kept.
    return redirect(_detail_url(into_id))


@login_required
@require_POST
def proposal_redact(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Remove what looks like personal data from the submitter's text, here and in the history."""
    proposal = _proposal_or_404(request, pk)
    form = RedactForm(request.POST, prefix="redact")
    if not form.is_valid():
        return _page(request, proposal, bound={"redact": form}, errors=error_summary(form), status=400)
    services.proposal_redact_personal_data(proposal=proposal, by=request.user)
    return _done(request, proposal.pk, "redact")


@login_required
@require_POST
def proposal_assign(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The responsible editor gives a proposal on the common text to a health partnership."""
    proposal = _proposal_or_404(request, pk)
    if not perms.can_decide(request.user, proposal):
        raise Http404
    form = AssignForm(request.POST, prefix="assign")
    if not form.is_valid():
        return _page(request, proposal, bound={"assign": form}, errors=error_summary(form), status=400)
    try:
        services.proposal_assign(proposal_id=proposal.pk, partnership=form.cleaned_data["partnership"], by=request.user)
    except services.NotPermitted:
        raise Http404 from None
    except services.TransitionRefused as refused:
        return _refused(request, proposal.pk, refused, {"assign": form})
    return _done(request, proposal.pk, "assign")
