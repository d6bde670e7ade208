"""The webhook delivery ledger, the responsible editor's (anyone else gets a 404): the subscriptions,
then every delivery, newest first, with each attempt (when, the receiver's status code or the error,
when the next one is due). One delivery's page adds the JSON that was sent. Plain HTML, no script."""

from django.contrib.auth.decorators import login_required
from django.db.models import Count, Prefetch
from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

from governance import permissions as perms
from governance.models import NotificationStatus, WebhookAttempt, WebhookDelivery, WebhookSubscription
from governance.outbox.views.ledger import keyset_page
from pathways.views import render_page


def _editor_or_404(user) -> None:
    if not perms.can_manage_webhooks(user):
        raise Http404


def _deliveries():
    return WebhookDelivery.objects.select_related("subscription").prefetch_related(
        Prefetch("attempt_log", queryset=WebhookAttempt.objects.order_by("started_at", "pk"))
    )


@login_required
@require_GET
def webhook_ledger(request: HttpRequest) -> HttpResponse:
    _editor_or_404(request.user)
    status = request.GET.get("status", "")
    if status not in NotificationStatus.values:
        status = ""
    deliveries = _deliveries()
    if status:
        deliveries = deliveries.filter(status=status)
    # The notification ledger's keyset pages; this page links to the older ones (`foer`).
    rows, older, _newer = keyset_page(deliveries, request)
    counts = dict(WebhookDelivery.objects.order_by().values_list("status").annotate(n=Count("pk")))
    return render_page(
        request,
        "governance/webhook_ledger.html",
        {
            "subscriptions": WebhookSubscription.objects.select_related("partnership").order_by("url"),
            "rows": rows,
            "status": status,
            "status_counts": [(value, label, counts.get(value, 0)) for value, label in NotificationStatus.choices],
            "total": sum(counts.values()),
            "older": older,
        },
    )


@login_required
@require_GET
def webhook_delivery_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _editor_or_404(request.user)
    row = _deliveries().filter(pk=pk).first()
    if row is None:
        raise Http404
    return render_page(request, "governance/webhook_delivery.html", {"delivery": row})
