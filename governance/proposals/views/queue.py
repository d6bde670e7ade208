"""The triage queue: the proposals a user may triage, filtered and paged, exported as CSV, and
rejected as spam in bulk. The responsible editor sees every proposal, a local editor their own
partnership's; anyone else gets a 404. Plain forms, no JavaScript needed."""

import csv

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest, QueryDict, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from governance.models import ChangeProposal, ProposalState, RejectReason
from governance.permissions import AuthenticatedHttpRequest
from governance.proposals import selectors
from governance.proposals.forms import BulkSpamForm, QueueFilterForm
from governance.proposals.services import NotPermitted, TransitionRefused, proposal_transition
from governance.spreadsheets import csv_cell
from pathways.forms import error_summary
from pathways.models import Pathway
from pathways.views import current_language, render_page


def _visible_or_404(user):
    """The proposals the user may triage; a 404 for a user who triages none (never a 403)."""
    if not selectors.may_triage(user):
        raise Http404
    return selectors.proposals_visible_to(user)


def _filter_form(request: HttpRequest) -> QueueFilterForm:
    language = current_language()
    pathways = [(p.slug, p.title(language)) for p in Pathway.objects.only("slug", "title_nb", "title_nn")]
    form = QueueFilterForm(request.GET, pathways=pathways)
    form.is_valid()
    return form


def _with_query(request: HttpRequest, **changes) -> str:
    """This page's query string with `changes` (None removes a parameter)."""
    query = request.GET.copy()
    for name, value in changes.items():
        query.pop(name, None)
        if value is not None:
            query[name] = value
    return "?" + query.urlencode() if query else "?"


def _queue_url(filters: str) -> str:
    # Parsed and re-encoded, so what comes back from the form can only ever be a query string here.
    query = QueryDict(filters).urlencode()
    return reverse("governance:queue") + ("?" + query if query else "")


@login_required
@require_GET
def queue(request: HttpRequest) -> HttpResponse:
    visible = _visible_or_404(request.user)
    language = current_language()
    form = _filter_form(request)
    filters = form.filters()
    summary = selectors.queue_summary(visible)
    page = selectors.keyset_page(
        selectors.queue_filter(visible, filters).select_related("pathway", "partnership"),
        cursor=selectors.Cursor.decode(request.GET.get("etter", "")),
        newest_first=filters.newest_first,
    )
    section_titles = selectors.seen_section_titles(page.rows, language)
    rows = [
        {
            "proposal": proposal,
            "pathway_title": proposal.pathway.title(language) if proposal.pathway else "",
            "section_title": section_titles.get(proposal.pk, proposal.section_slug),
            "hidden": selectors.text_is_hidden(proposal),
            "selectable": proposal.state == ProposalState.NEW,
        }
        for proposal in page.rows
    ]
    state_counts = [
        {
            "value": value,
            "label": label,
            "count": summary.counts[value],
            "query": _with_query(request, state=value, etter=None),
            "current": value == filters.state,
        }
        for value, label in ProposalState.choices
        if value in summary.counts
    ]
    now = timezone.now()
    errors = error_summary(form)
    return render_page(
        request,
        "governance/queue.html",
        {
            "partnership": selectors.own_partnership(request.user),
            "filter_form": form,
            "errors": errors,
            "rows": rows,
            "any_selectable": any(row["selectable"] for row in rows),
            "state_counts": state_counts,
            "total": sum(summary.counts.values()),
            "all_query": _with_query(request, state=selectors.ALL_STATES, etter=None),
            "all_current": filters.state == selectors.ALL_STATES,
            "oldest_new_days": (now - summary.oldest_new).days if summary.oldest_new else None,
            "next_query": None if page.next_cursor is None else _with_query(request, etter=page.next_cursor or None),
            "previous_query": (
                None if page.previous_cursor is None else _with_query(request, etter=page.previous_cursor or None)
            ),
            "export_query": _with_query(request, etter=None),
            "filters_query": _with_query(request, etter=None)[1:],
        },
        status=400 if errors else 200,
    )


# --- CSV export --------------------------------------------------------------------------------

CSV_COLUMNS = (
    "id",
    "received",
    "state",
    "kind",
    "pathway",
    "section",
    "version",
    "language",
    "partnership",
    "description",
    "suggested_text",
    "quote",
)


class _Echo:
    """csv.writer writes each row here, which hands it straight back to the streaming response."""

    def write(self, value: str) -> str:
        return value


def _csv_row(proposal: ChangeProposal, hidden_text: str) -> list:
    hidden = selectors.text_is_hidden(proposal)

    def text(value: str) -> str:
        return hidden_text if hidden and value else value

    return [
        proposal.pk,
        timezone.localtime(proposal.created_at).isoformat(timespec="seconds"),
        proposal.state,
        proposal.kind,
        proposal.pathway.slug if proposal.pathway else "",
        proposal.section_slug,
        proposal.version.number if proposal.version else "",
        proposal.language,
        proposal.partnership.slug if proposal.partnership else "",
        text(proposal.description),
        text(proposal.suggested_text),
        text(proposal.quote),
    ]


@login_required
@require_GET
def queue_export(request: HttpRequest) -> HttpResponseBase:
    """Every proposal the queue's filters match (all pages), as CSV: UTF-8 with a byte order mark so
    that spreadsheets read the Norwegian letters right. Codes rather than labels, so the columns mean
    the same whatever the language of the page."""
    visible = _visible_or_404(request.user)
    form = _filter_form(request)
    if form.errors:
        return HttpResponseBadRequest()
    filters = form.filters()
    proposals = (
        selectors.queue_filter(visible, filters)
        .select_related("pathway", "version", "partnership")
        .order_by(*(("-created_at", "-pk") if filters.newest_first else ("created_at", "pk")))
    )
    # Translated now: the rows are written after the view has returned, outside the request's language.
    hidden_text = _("[may contain personal data]")

    def lines():
        writer = csv.writer(_Echo())
        yield "\ufeff" + writer.writerow(CSV_COLUMNS)
        for proposal in proposals.iterator(chunk_size=2000):
            yield writer.writerow([csv_cell(value) for value in _csv_row(proposal, hidden_text)])

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    filename = f"endringsforslag-{timezone.localdate().isoformat()}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


# --- Bulk: reject as spam ----------------------------------------------------------------------


def _skipped_message(skipped: list[int]) -> str:
    return ngettext(
        "%(count)d proposal was skipped (%(ids)s): you may not handle it, or it is no longer new.",
        "%(count)d proposals were skipped (%(ids)s): you may not handle them, or they are no longer new.",
        len(skipped),
    ) % {"count": len(skipped), "ids": ", ".join(f"#{pk}" for pk in skipped)}


@login_required
@require_POST
def queue_bulk(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Reject the ticked proposals as spam: first a page that lists them, then, with `confirm`, each
    one through the same service as the detail page."""
    visible = _visible_or_404(request.user)
    form = BulkSpamForm(request.POST)
    back = _queue_url(request.POST.get("filters", "")[:2000])
    if not form.is_valid():
        for error in form.errors.get("ids") or [
            _("The choice of proposals was not understood. Try again from the list.")
        ]:
            messages.error(request, str(error))
        return redirect(back)
    ids = form.cleaned_data["ids"]

    if not form.cleaned_data["confirm"]:
        proposals = list(
            visible.filter(pk__in=ids, state=ProposalState.NEW)
            .order_by("created_at", "pk")
            .only("pk", "kind", "created_at")
        )
        skipped = sorted(set(ids) - {p.pk for p in proposals})
        if skipped:
            messages.warning(request, _skipped_message(skipped))
        if not proposals:
            return redirect(back)
        return render_page(
            request,
            "governance/queue_confirm_spam.html",
            {"proposals": proposals, "filters": form.cleaned_data["filters"], "back_url": back},
        )

    rejected, skipped = [], []
    # One transaction per proposal (the service opens it): one that someone else has just triaged, or
    # that is not this user's, is skipped without undoing the others.
    for pk in ids:
        try:
            proposal_transition(proposal_id=pk, action="reject", reason=RejectReason.SPAM, by=request.user)
        except (NotPermitted, TransitionRefused):
            skipped.append(pk)
        else:
            rejected.append(pk)
    if rejected:
        messages.success(
            request,
            ngettext(
                "%(count)d proposal was rejected as spam.", "%(count)d proposals were rejected as spam.", len(rejected)
            )
            % {"count": len(rejected)},
        )
    if skipped:
        messages.warning(request, _skipped_message(skipped))
    return redirect(back)
