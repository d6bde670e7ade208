"""The reader's form, the receipt and the private status page."""

import logging

from django import forms
from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from governance.models import ChangeProposal, ProposalState
from governance.proposals.services import TransitionRefused
from pathways.forms import error_summary
from pathways.throttle import over_limit
from pathways.views import current_language, language_context

from .context import FeedbackContext, resolve_context
from .forms import FeedbackForm, form_started_token
from .models import Submission
from .services import feedback_submit, feedback_withdraw, pathway_path, status_url

logger = logging.getLogger(__name__)

CONTEXT_FIELDS = ("forlop", "seksjon", "versjon", "lokal", "lokalversjon", "side")


def client_address(request: HttpRequest) -> str:
    return request.META.get("REMOTE_ADDR", "")


def feedback_throttled(request: HttpRequest) -> bool:
    return over_limit(request, group="feedback", rate=(settings.FEEDBACK_PER_MINUTE, 60))


def _with_new_start(data: QueryDict) -> QueryDict:
    """The reader's input, to show again with a fresh start time so the next try is not 'too fast'."""
    data = data.copy()
    data["started"] = form_started_token()
    return data


def _render_form(
    request: HttpRequest,
    form: FeedbackForm,
    context: FeedbackContext,
    language: str,
    *,
    status: int = 200,
    message: str = "",
) -> HttpResponse:
    return render(
        request,
        "feedback/form.html",
        {
            "form": form,
            "context": context,
            "pathway_title": context.pathway_title(language),
            "errors": error_summary(form, [message] if message else []) if form.is_bound else [],
            **language_context(language, request.get_full_path()),
        },
        status=status,
    )


def _context_max_length(name: str) -> int | None:
    field = FeedbackForm.base_fields[name]
    assert isinstance(field, forms.CharField)  # the context fields are hidden text fields
    return field.max_length


@require_http_methods(["GET", "HEAD", "POST"])
def feedback_form(request: HttpRequest) -> HttpResponse:
    language = current_language()
    if request.method != "POST":
        context = resolve_context(request.GET, language)
        # The hidden fields carry the link on to the POST. What they would refuse (too long, a NUL
        # character) the reader could not fix, so it is cut to fit, and a NUL becomes U+FFFD: that
        # still names nothing, so the context stays unknown.
        initial = {
            name: request.GET.get(name, "")[: _context_max_length(name)].replace("\x00", "\ufffd")
            for name in CONTEXT_FIELDS
        }
        initial["side"] = context.external_url
        initial["quote"] = request.GET.get("sitat", "")[:2000].replace("\x00", "")
        initial["started"] = form_started_token()
        if context.partnership:
            initial["partnership"] = context.partnership.slug
        return _render_form(request, FeedbackForm(initial=initial), context, language)

    context = resolve_context(request.POST, language)
    if feedback_throttled(request):
        logger.warning("feedback throttled")
        form = FeedbackForm(_with_new_start(request.POST), check_timing=False)
        message = _("You have sent many messages in a short time. Wait a minute and try again; your text is kept.")
        return _render_form(request, form, context, language, status=429, message=message)
    form = FeedbackForm(request.POST)
    if form.is_spam_trap:
        # Ids only, never the text: a filled hidden field is a robot.
        logger.warning("feedback refused: the hidden field was filled")
        return render(request, "feedback/refused.html", {"language": language}, status=400)
    if not form.is_valid():
        form.data = _with_new_start(request.POST)  # the errors are already worked out
        return _render_form(request, form, context, language, status=400)
    submission, _created = feedback_submit(
        cleaned=form.cleaned_data, context=context, language=language, source=client_address(request)
    )
    return redirect(reverse("feedback:status", kwargs={"token": submission.token}) + "?sendt=1")


def _submission_or_404(token: str) -> Submission:
    if len(token) > 64:
        raise Http404
    submission = Submission.objects.select_related(
        "proposal__pathway",
        "proposal__partnership",
        "proposal__merged_into",
        "proposal__published_in__pathway",
    ).filter(token=token)
    found = submission.first()
    if found is None:
        raise Http404
    return found


@require_http_methods(["GET", "HEAD"])
def feedback_status(request: HttpRequest, token: str) -> HttpResponse:
    language = current_language()
    submission = _submission_or_404(token)
    response = render(
        request,
        "feedback/status.html",
        {
            "submission": submission,
            "proposal": submission.proposal,
            "just_sent": request.GET.get("sendt") == "1",
            "status_url": status_url(submission),
            # The way back to the page the feedback was about.
            "pathway_url": pathway_path(
                language=language,
                pathway_slug=submission.proposal.pathway.slug,
                section_slug=submission.proposal.section_slug,
            )
            if submission.proposal.pathway
            else "",
            "pathway_title": submission.proposal.pathway.title(language) if submission.proposal.pathway else "",
            "can_withdraw": submission.proposal.state == ProposalState.NEW,
            # The editor's decision in the latest yearly round that decided on it, if any.
            "round_item": submission.proposal.round_items.exclude(decision="")
            .select_related("review_round")
            .order_by("-review_round__year")
            .first(),
            **language_context(language, request.get_full_path()),
        },
    )
    # A private page: keep it out of shared caches and search engines, and its token out of referrers.
    response["Cache-Control"] = "private, no-store"
    response["X-Robots-Tag"] = "noindex"
    response["Referrer-Policy"] = "no-referrer"
    return response


def _withdraw_refusal(state: str) -> str:
    """Why a proposal in `state` cannot be withdrawn, in words for the reader; "" when it can."""
    if state == ProposalState.NEW:
        return ""
    if state == ProposalState.WITHDRAWN:
        return _("You have already withdrawn this feedback.")
    return _("It can no longer be withdrawn: it has already been looked at.")


@require_http_methods(["GET", "HEAD", "POST"])
def feedback_withdraw_view(request: HttpRequest, token: str) -> HttpResponse:
    """GET asks for confirmation; POST withdraws."""
    language = current_language()
    submission = _submission_or_404(token)
    error = ""
    if request.method != "POST":
        # Say at once that it cannot be withdrawn, rather than offer a button that can only fail.
        error = _withdraw_refusal(submission.proposal.state)
    else:
        try:
            feedback_withdraw(submission=submission)
        except TransitionRefused:
            # The state as it is now, not as it was read above: another request may have changed it.
            state = ChangeProposal.objects.filter(pk=submission.proposal_id).values_list("state", flat=True).get()
            error = _withdraw_refusal(state)
        else:
            return redirect("feedback:status", token=submission.token)
    response = render(
        request,
        "feedback/withdraw_confirm.html",
        {
            "submission": submission,
            "error": error,
            **language_context(language, request.get_full_path()),
        },
        status=409 if error and request.method == "POST" else 200,
    )
    response["Cache-Control"] = "private, no-store"
    response["Referrer-Policy"] = "no-referrer"
    return response


@require_http_methods(["GET", "HEAD"])
def privacy_statement(request: HttpRequest) -> HttpResponse:
    """What the feedback form stores, why, and for how long; linked from every page's footer."""
    language = current_language()
    return render(
        request,
        "feedback/privacy.html",
        {
            **language_context(language, request.get_full_path()),
            "retention_months": settings.FEEDBACK_RETENTION_MONTHS,
        },
    )
