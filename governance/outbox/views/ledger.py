"""The notification ledger: every e-mail notice the service has queued, for the responsible editor
(anyone else gets a 404). Filter by status, kind and recipient, newest first, in pages; one notice's
delivery record; and "send again" behind a confirmation page. Never the e-mail's body: a notice to a
reader is about their feedback, and the ledger shows only how its delivery went. Plain forms, no
JavaScript needed."""

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import models
from django.db.models import Count, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from governance import permissions as perms
from governance.models import AuditEntry, BouncingAddress, Notification, NotificationStatus
from governance.outbox.forms import LedgerFilterForm, ResendForm
from governance.outbox.notifications import ResendRefused, normalised_address, notification_resend
from governance.permissions import AuthenticatedHttpRequest
from pathways.forms import error_summary
from pathways.views import render_page

PAGE_SIZE = 50
# A notice still waiting this long after it was queued is worth a look (the worker or broker may be down).
WAITING_TOO_LONG = timedelta(minutes=10)


def _editor_or_404(user) -> None:
    if not perms.can_view_ledger(user):
        raise Http404


def _notification_or_404(user, pk: int) -> Notification:
    _editor_or_404(user)
    notification = Notification.objects.select_related("resent_by").filter(pk=pk).first()
    if notification is None:
        raise Http404
    return notification


def _with_query(request: HttpRequest, **changes) -> str:
    """This page's query string with `changes` (None removes a parameter)."""
    query = request.GET.copy()
    for name, value in changes.items():
        query.pop(name, None)
        if value is not None:
            query[name] = value
    return "?" + query.urlencode() if query else "?"


def _cursor(request: HttpRequest, name: str) -> int | None:
    raw = request.GET.get(name, "")
    return int(raw) if raw.isdigit() and len(raw) < 19 else None


def keyset_page[M: models.Model](queryset: QuerySet[M], request: HttpRequest) -> tuple[list[M], int | None, int | None]:
    """One page of a ledger (notices, webhook deliveries), newest first, by id (ids grow with time):
    `foer=<id>` the page of older rows than that one, `etter=<id>` the page of newer ones. Returns
    the rows and the cursors of the older and newer pages (None when there is none)."""
    before, after = _cursor(request, "foer"), _cursor(request, "etter")
    if after is not None:
        rows = list(queryset.filter(pk__gt=after).order_by("pk")[: PAGE_SIZE + 1])
        more_newer = len(rows) > PAGE_SIZE
        rows = rows[:PAGE_SIZE][::-1]
        older = rows[-1].pk if rows else None
        newer = rows[0].pk if rows and more_newer else None
        return rows, older, newer
    if before is not None:
        queryset = queryset.filter(pk__lt=before)
    rows = list(queryset.order_by("-pk")[: PAGE_SIZE + 1])
    more_older = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]
    older = rows[-1].pk if rows and more_older else None
    newer = rows[0].pk if rows and before is not None else None
    return rows, older, newer


@login_required
@require_GET
def ledger(request: HttpRequest) -> HttpResponse:
    _editor_or_404(request.user)
    kinds = list(Notification.objects.order_by("kind").values_list("kind", flat=True).distinct())
    form = LedgerFilterForm(request.GET, kinds=kinds)
    form.is_valid()
    filters = form.filters()
    filtered = Notification.objects.all()
    if filters["kind"]:
        filtered = filtered.filter(kind=filters["kind"])
    if filters["q"]:
        filtered = filtered.filter(recipient__icontains=filters["q"])
    counts = dict(filtered.order_by().values_list("status").annotate(n=Count("pk")))
    shown = filtered.filter(status=filters["status"]) if filters["status"] else filtered
    rows, older, newer = keyset_page(shown, request)
    status_counts = [
        {
            "value": value,
            "label": label,
            "count": counts.get(value, 0),
            "query": _with_query(request, status=value, foer=None, etter=None),
            "current": value == filters["status"],
        }
        for value, label in NotificationStatus.choices
    ]
    errors = error_summary(form)
    return render_page(
        request,
        "governance/ledger.html",
        {
            "filter_form": form,
            "errors": errors,
            "rows": rows,
            "status_counts": status_counts,
            "total": sum(counts.values()),
            "all_query": _with_query(request, status=None, foer=None, etter=None),
            "all_current": not filters["status"],
            "waiting_too_long": Notification.objects.filter(
                status=NotificationStatus.PENDING, created_at__lt=timezone.now() - WAITING_TOO_LONG
            ).count(),
            "waiting_minutes": int(WAITING_TOO_LONG.total_seconds() // 60),
            "bouncing": BouncingAddress.objects.count(),
            "older_query": None if older is None else _with_query(request, foer=str(older), etter=None),
            "newer_query": None if newer is None else _with_query(request, etter=str(newer), foer=None),
        },
        status=400 if errors else 200,
    )


def _subject_link(subject: str) -> tuple[str, str]:
    """What a notice is about, as (text, link to its staff page or "")."""
    label, _sep, pk = subject.partition(":")
    if not pk.isdigit():
        return subject, ""
    proposal_id = None
    if label == "governance.changeproposal":
        proposal_id = int(pk)
    elif label == "governance.auditentry":
        proposal_id = AuditEntry.objects.filter(pk=int(pk)).values_list("proposal_id", flat=True).first()
    if proposal_id is None:
        return subject, ""
    return (
        _("Proposal #%(number)s") % {"number": proposal_id},
        reverse("governance:detail", kwargs={"pk": proposal_id}),
    )


def _bouncing(notification: Notification) -> BouncingAddress | None:
    if not notification.recipient:
        return None
    return BouncingAddress.objects.filter(email=normalised_address(notification.recipient)).first()


@login_required
@require_GET
def ledger_detail(request: HttpRequest, pk: int) -> HttpResponse:
    notification = _notification_or_404(request.user, pk)
    subject_text, subject_url = _subject_link(notification.subject)
    return render_page(
        request,
        "governance/ledger_detail.html",
        {
            "notification": notification,
            "subject_text": subject_text,
            "subject_url": subject_url,
            "bouncing": _bouncing(notification),
            "can_resend": notification.status in (NotificationStatus.FAILED, NotificationStatus.SENT)
            and bool(notification.recipient),
        },
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def ledger_resend(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """GET asks for confirmation; POST sends the notice again (back to pending, handed to a worker)."""
    notification = _notification_or_404(request.user, pk)
    bouncing = _bouncing(notification)
    form = ResendForm(request.POST if request.method == "POST" else None, bouncing=bouncing is not None)
    reasons: list[str] = []
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                notification_resend(
                    notification_id=notification.pk,
                    by=request.user,
                    address_fixed=bool(form.cleaned_data.get("address_fixed")),
                )
            except ResendRefused as refused:
                reasons, status = refused.reasons, 409
            else:
                messages.success(request, _("Notice #%(number)s will be sent again.") % {"number": notification.pk})
                return redirect("governance:ledger_detail", pk=notification.pk)
        else:
            status = 400
    elif notification.status not in (NotificationStatus.FAILED, NotificationStatus.SENT):
        reasons = [
            _("Only a notice that was sent or has failed can be sent again; this one is “%(status)s”.")
            % {"status": notification.get_status_display()}
        ]
    if reasons:
        notification.refresh_from_db()
    return render_page(
        request,
        "governance/ledger_resend.html",
        {
            "notification": notification,
            "bouncing": bouncing,
            "form": form,
            "errors": error_summary(form if form.is_bound else None, reasons),
            "refused": bool(reasons),
        },
        status=status,
    )
