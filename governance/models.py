"""Change proposals and the outbox of notices.

A proposal starts in `new`, whether a reader sent it through the page link or a professional filed
it. Transitions are small methods on the model (guard and set fields); their side effects live in
`governance.services`.
"""

import reversion
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from pathways.models import LANGUAGE_CODES, Partnership, Pathway, Version


class ProposalState(models.TextChoices):
    NEW = "new", _("new")
    REJECTED = "rejected", _("rejected")
    DUPLICATE = "duplicate", _("merged with another proposal")
    LOCAL = "local", _("local adaptation")
    DONE_LOCALLY = "done_locally", _("fixed in the local adaptation")
    QUICK_FIX = "quick_fix", _("minor correction")
    DEFERRED = "deferred", _("held for the yearly round")
    WITHDRAWN = "withdrawn", _("withdrawn")
    FORWARDED = "forwarded", _("forwarded by the partnership")
    DECLINED = "declined", _("declined by the partnership")
    IN_REVIEW = "in_review", _("in review by the resource group")
    RECOMMENDED = "recommended", _("recommended")
    NOT_RECOMMENDED = "not_recommended", _("not recommended")
    ACCEPTED = "accepted", _("accepted")
    POSTPONED = "postponed", _("postponed to next year")
    PUBLISHED = "published", _("published")


class ProposalKind(models.TextChoices):
    ERROR = "error", _("Something is wrong")
    OUTDATED = "outdated", _("Something is out of date")
    BROKEN_LINK = "broken_link", _("A link does not work")
    MISSING = "missing", _("Something is missing")
    SUGGESTION = "suggestion", _("A suggestion")


class ProposalSource(models.TextChoices):
    READER = "reader", _("reader feedback")
    PROFESSIONAL = "professional", _("filed by a professional")


@reversion.register()
class ChangeProposal(ConcurrentTransitionMixin, models.Model):
    state = FSMField(_("state"), default=ProposalState.NEW, choices=ProposalState.choices, protected=True)
    source = models.CharField(_("source"), max_length=20, choices=ProposalSource.choices)
    kind = models.CharField(_("kind"), max_length=20, choices=ProposalKind.choices)
    # What it concerns. The pathway may be unknown (a link from an external page); the section is a
    # slug rather than a foreign key because sections are identified by their anchor across versions.
    pathway = models.ForeignKey(
        Pathway, on_delete=models.PROTECT, null=True, blank=True, related_name="proposals", verbose_name=_("pathway")
    )
    section_slug = models.SlugField(_("section"), max_length=80, blank=True)
    version = models.ForeignKey(
        Version, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("version seen")
    )
    language = models.CharField(_("written standard"), max_length=2, choices=settings.LANGUAGES)
    partnership = models.ForeignKey(
        Partnership,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="proposals",
        verbose_name=_("health partnership"),
    )
    external_url = models.URLField(_("page it was sent from"), max_length=500, blank=True)
    context_unknown = models.BooleanField(_("context unknown"), default=False)
    # The submitter's words, stored exactly as typed and always shown escaped.
    description = models.TextField(_("what is wrong"), max_length=2000)
    suggested_text = models.TextField(_("suggested wording"), max_length=5000, blank=True)
    quote = models.TextField(_("quoted text"), max_length=2000, blank=True)
    may_contain_personal_data = models.BooleanField(_("may contain personal data"), default=False)
    redacted_at = models.DateTimeField(_("redacted"), null=True, blank=True)
    created_at = models.DateTimeField(_("received"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(_("last changed"), auto_now=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)

    class Meta:
        ordering = ["created_at"]
        verbose_name = _("change proposal")
        verbose_name_plural = _("change proposals")
        indexes = [models.Index(fields=["state", "created_at"], name="proposal_state_age")]
        constraints = [
            models.CheckConstraint(condition=Q(language__in=LANGUAGE_CODES), name="proposal_language_known"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} ({self.get_state_display()})"

    @transition(field=state, source=ProposalState.NEW, target=ProposalState.WITHDRAWN)
    def withdraw(self) -> None:
        self.closed_at = timezone.now()


class NotificationStatus(models.TextChoices):
    PENDING = "pending", _("waiting to be sent")
    SENDING = "sending", _("being sent")
    SENT = "sent", _("sent")
    FAILED = "failed", _("failed")


class Notification(models.Model):
    """One e-mail to send: the outbox. Written in the same transaction as what caused it, so nothing
    is lost when the broker is down; `dedupe_key` is unique, so the same notice is never queued twice.
    `context` holds ids, links and titles only, never a submitter's text."""

    kind = models.CharField(_("kind"), max_length=50)
    recipient = models.EmailField(_("recipient"), max_length=254)
    language = models.CharField(_("written standard"), max_length=2, choices=settings.LANGUAGES, default="nb")
    dedupe_key = models.CharField(max_length=200, unique=True)
    context = models.JSONField(default=dict, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=NotificationStatus.choices, default=NotificationStatus.PENDING
    )
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    last_error = models.CharField(_("last error"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        indexes = [models.Index(fields=["status", "created_at"], name="notification_status_age")]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk} ({self.status})"
