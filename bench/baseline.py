"""The bench-only baseline of bench/feedback_post.py: the reader's form with every protection taken out.

It validates the same FeedbackForm (without the timing check) and inserts one ChangeProposal, and
nothing else: no CSRF check, no rate limit, no duplicate lookup, no personal-data scan, no context
lookup, no version history, no Submission and no outbox row, no broker hand-over. Served only by
the bench's gunicorn through bench/urls.py (ROOT_URLCONF=bench.urls); never in production.
"""

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from feedback.forms import FeedbackForm
from governance.models import ChangeProposal, ProposalSource


@csrf_exempt
@require_POST
def baseline_feedback(request: HttpRequest) -> HttpResponse:
    form = FeedbackForm(request.POST, check_timing=False)
    if not form.is_valid():
        return HttpResponse(form.errors.as_text(), status=400, content_type="text/plain; charset=utf-8")
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
