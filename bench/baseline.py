"""The bench-only baselines of bench/feedback_post.py: the reader's form with every protection taken out.

Both validate the same FeedbackForm (without the timing check) and answer with a redirect like the
real form's; neither checks CSRF, counts a rate limit, looks for duplicates, scans for personal
data, writes a version-history revision, checks the bounce list or hands anything to the broker.

- `baseline_feedback` (the one-row baseline): one ChangeProposal insert and nothing else (no
  context lookup, no submission, no outbox row, no transaction of its own: autocommit).
- `baseline_feedback_rows` (the three-row baseline): the rows the real form writes, in one
  transaction: the ChangeProposal (with the link's context, resolved as the form does: from
  per-process memory), the feedback Submission and the receipt's governance Notification (outbox)
  row, with the same fields and context as the form's; the submission's dedupe key is random
  instead of the keyed fingerprint.

Served only by the bench's gunicorn through bench/urls.py (ROOT_URLCONF=bench.urls); never in production.
"""

import secrets

from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from feedback.context import resolve_context
from feedback.forms import FeedbackForm
from feedback.models import Submission
from feedback.services import status_url
from governance.models import ChangeProposal, Notification, NotificationStatus, ProposalSource


def _invalid(form: FeedbackForm) -> HttpResponse:
    return HttpResponse(form.errors.as_text(), status=400, content_type="text/plain; charset=utf-8")


@csrf_exempt
@require_POST
def baseline_feedback(request: HttpRequest) -> HttpResponse:
    form = FeedbackForm(request.POST, check_timing=False)
    if not form.is_valid():
        return _invalid(form)
    cleaned = form.cleaned_data
    proposal = ChangeProposal.objects.create(
        source=ProposalSource.READER,
        kind=cleaned["kind"],
        language="nb",
        description=cleaned["description"],
        suggested_text=cleaned.get("suggested_text", ""),
        quote=cleaned.get("quote", ""),
    )
    # A redirect like the real form's (to its receipt), not followed by the bench.
    return HttpResponseRedirect(f"/nb/tilbakemelding/?bench={proposal.pk}")


@csrf_exempt
@require_POST
def baseline_feedback_rows(request: HttpRequest) -> HttpResponse:
    form = FeedbackForm(request.POST, check_timing=False)
    if not form.is_valid():
        return _invalid(form)
    cleaned = form.cleaned_data
    language = "nb"
    context = resolve_context(request.POST, language)
    with transaction.atomic():
        proposal = ChangeProposal.objects.create(
            source=ProposalSource.READER,
            kind=cleaned["kind"],
            language=language,
            description=cleaned["description"],
            suggested_text=cleaned.get("suggested_text", ""),
            quote=cleaned.get("quote", ""),
            pathway=context.pathway,
            section_slug=context.section_slug,
            version=context.version,
            partnership=context.partnership or cleaned.get("partnership"),
            external_url=context.external_url,
            context_unknown=context.unknown,
        )
        submission = Submission.objects.create(
            proposal=proposal,
            email=cleaned.get("email", ""),
            role=cleaned.get("role", ""),
            language=language,
            dedupe_key=secrets.token_hex(16),
        )
        Notification.objects.create(
            kind="feedback_receipt",
            recipient=submission.email,
            language=language,
            dedupe_key=f"feedback_receipt:{submission.pk}",
            context={
                "status_url": status_url(submission),
                "pathway_title": context.pathway_title(language),
                "section_title": context.section_title,
            },
            status=NotificationStatus.PENDING,
        )
    return HttpResponseRedirect(f"/nb/tilbakemelding/status/{submission.token}/?sendt=1")
