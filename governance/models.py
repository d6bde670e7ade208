"""Change proposals and the outbox of notices.

A proposal starts in `new`, whether a reader sent it through the page link or a professional filed
it. Transitions are small methods on the model (guard and set fields); their side effects live in
`governance.proposals.services`.
"""

from typing import Any

import reversion
from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from django_fsm import RETURN_VALUE, ConcurrentTransitionMixin, FSMField, transition

from pathways.models import LANGUAGE_CODES, LocalVersion, Partnership, Pathway, Version

from . import permissions as perms


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


CLOSED_STATES = {
    ProposalState.REJECTED,
    ProposalState.DUPLICATE,
    ProposalState.DONE_LOCALLY,
    ProposalState.WITHDRAWN,
    ProposalState.DECLINED,
    ProposalState.PUBLISHED,
}
# Decisions in the yearly round are taken on proposals the resource group has seen.
REVIEWED_STATES = [ProposalState.IN_REVIEW, ProposalState.RECOMMENDED, ProposalState.NOT_RECOMMENDED]


class RejectReason(models.TextChoices):
    SPAM = "spam", _("spam")
    NOT_RELEVANT = "not_relevant", _("not relevant")
    ALREADY_FIXED = "already_fixed", _("already fixed")
    OUTSIDE_PATHWAYS = "outside_pathways", _("outside the pathways")
    EDITORIAL = "editorial", _("the editor's decision")


class ProposalSource(models.TextChoices):
    READER = "reader", _("reader feedback")
    PROFESSIONAL = "professional", _("filed by a professional")


# Conditions of ChangeProposal's transitions. django-fsm passes the instance as a plain Model.
def _has_partnership(proposal: Any) -> bool:
    """A proposal on the common text (no partnership) has no local adaptation to be fixed in."""
    return proposal.partnership_id is not None


def _not_a_triage_rejection(proposal: Any) -> bool:
    """Only the editor's own decision is reconsidered; a rejection in triage is final."""
    return proposal.state != ProposalState.REJECTED or proposal.reject_reason == RejectReason.EDITORIAL


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
    # From a partnership's local page: the local version the reader saw (its common version is `version`).
    local_version = models.ForeignKey(
        LocalVersion,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("local version seen"),
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
    triaged_at = models.DateTimeField(_("triaged"), null=True, blank=True)
    # The outcome, shown to the submitter and the partnership.
    reject_reason = models.CharField(_("reason"), max_length=30, choices=RejectReason.choices, blank=True)
    # What the reader is told with the outcome (the status page, the e-mail). Internal comments are
    # only in the audit entries.
    decision_comment = models.TextField(_("note to the reader"), max_length=5000, blank=True)
    merged_into = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="merged", verbose_name=_("merged into")
    )
    fixed_in_adaptation = models.ForeignKey(
        "pathways.LocalAdaptation", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    published_in = models.ForeignKey(
        Version, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("published in")
    )

    class Meta:
        ordering = ["created_at"]
        verbose_name = _("change proposal")
        verbose_name_plural = _("change proposals")
        indexes = [
            models.Index(fields=["state", "created_at"], name="proposal_state_age"),
            # A local editor's queue: counts per state, and pages in (created_at, pk) order.
            models.Index(fields=["partnership", "state", "created_at"], name="proposal_partner_state_age"),
            models.Index(fields=["partnership", "created_at", "id"], name="proposal_partner_age"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(language__in=LANGUAGE_CODES), name="proposal_language_known"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} ({self.get_state_display()})"

    @property
    def is_closed(self) -> bool:
        return self.state in CLOSED_STATES

    # Transitions guard and set fields only; governance.proposals.services saves, audits and notifies.
    # `permission` is checked by the services with django_fsm.has_transition_perm.

    @transition(
        field=state, source=ProposalState.NEW, target=ProposalState.WITHDRAWN, permission=perms.only_the_submitter
    )
    def withdraw(self) -> None:
        self.closed_at = timezone.now()

    @transition(
        field=state,
        source=[ProposalState.NEW, ProposalState.QUICK_FIX],
        target=ProposalState.REJECTED,
        permission=perms.can_reject_proposal,
    )
    def reject(self, *, reason: str, comment: str = "") -> None:
        if reason not in RejectReason.values:
            raise ValueError(f"unknown reason {reason!r}")
        self.reject_reason, self.decision_comment = reason, comment
        self.closed_at = self.triaged_at = timezone.now()

    @transition(
        field=state,
        source=ProposalState.NEW,
        target=ProposalState.DUPLICATE,
        permission=perms.can_triage_proposal,
    )
    def merge_into(self, *, other: "ChangeProposal") -> None:
        self.merged_into = other
        self.closed_at = self.triaged_at = timezone.now()

    @transition(
        field=state,
        source=ProposalState.NEW,
        target=ProposalState.LOCAL,
        permission=perms.can_triage_proposal,
        conditions=[_has_partnership],
    )
    def mark_local(self, *, comment: str = "") -> None:
        self.decision_comment = comment
        self.triaged_at = timezone.now()

    @transition(
        field=state, source=ProposalState.NEW, target=ProposalState.QUICK_FIX, permission=perms.can_triage_proposal
    )
    def mark_quick_fix(self, *, comment: str = "") -> None:
        self.decision_comment = comment
        self.triaged_at = timezone.now()

    @transition(
        field=state,
        source=[ProposalState.NEW, ProposalState.QUICK_FIX],
        target=ProposalState.DEFERRED,
        permission=perms.can_defer_proposal,
    )
    def defer(self, *, comment: str = "") -> None:
        self.decision_comment = comment
        self.triaged_at = self.triaged_at or timezone.now()

    @transition(
        field=state, source=ProposalState.LOCAL, target=ProposalState.DONE_LOCALLY, permission=perms.can_triage_proposal
    )
    def fixed_locally(self, *, adaptation, comment: str = "") -> None:
        self.fixed_in_adaptation, self.decision_comment = adaptation, comment
        self.closed_at = timezone.now()

    @transition(
        field=state,
        source=[ProposalState.QUICK_FIX, ProposalState.ACCEPTED],
        target=ProposalState.PUBLISHED,
        permission=perms.can_decide_proposal,
    )
    def publish(self, *, version: Version) -> None:
        self.published_in = version
        self.closed_at = timezone.now()

    # The yearly round (governance round issue drives these).

    @transition(
        field=state,
        source=ProposalState.DEFERRED,
        target=ProposalState.FORWARDED,
        permission=perms.can_forward_proposal,
    )
    def forward(self, *, comment: str = "") -> None:
        # The partnership's comment is for the resource group (RoundItem.partnership_comment and the
        # audit entry); the submitter keeps seeing the triager's comment.
        pass

    @transition(
        field=state, source=ProposalState.DEFERRED, target=ProposalState.DECLINED, permission=perms.can_forward_proposal
    )
    def decline(self, *, comment: str) -> None:
        self.decision_comment = comment
        self.closed_at = timezone.now()

    @transition(
        field=state,
        source=ProposalState.FORWARDED,
        target=ProposalState.IN_REVIEW,
        permission=perms.can_decide_proposal,
    )
    def start_review(self) -> None:
        pass

    @transition(
        field=state,
        source=ProposalState.IN_REVIEW,
        target=ProposalState.RECOMMENDED,
        permission=perms.can_decide_proposal,
    )
    def recommend(self) -> None:
        pass

    @transition(
        field=state,
        source=ProposalState.IN_REVIEW,
        target=ProposalState.NOT_RECOMMENDED,
        permission=perms.can_decide_proposal,
    )
    def not_recommend(self) -> None:
        pass

    @transition(
        field=state, source=REVIEWED_STATES, target=ProposalState.ACCEPTED, permission=perms.can_decide_proposal
    )
    def accept(self, *, comment: str = "") -> None:
        self.decision_comment = comment

    @transition(
        field=state, source=REVIEWED_STATES, target=ProposalState.REJECTED, permission=perms.can_decide_proposal
    )
    def decide_reject(self, *, comment: str) -> None:
        self.reject_reason, self.decision_comment = RejectReason.EDITORIAL, comment
        self.closed_at = timezone.now()

    @transition(
        field=state, source=REVIEWED_STATES, target=ProposalState.POSTPONED, permission=perms.can_decide_proposal
    )
    def postpone(self, *, comment: str = "") -> None:
        self.decision_comment = comment

    @transition(
        field=state, source=ProposalState.POSTPONED, target=ProposalState.DEFERRED, permission=perms.can_decide_proposal
    )
    def carry_over(self) -> None:
        pass

    @transition(
        field=state,
        source=[ProposalState.ACCEPTED, ProposalState.REJECTED, ProposalState.POSTPONED],
        target=RETURN_VALUE(*REVIEWED_STATES),
        conditions=[_not_a_triage_rejection],
        permission=perms.can_decide_proposal,
    )
    def reconsider(self, *, back_to: str) -> str:
        """The editor changes a decision before the release: the proposal goes back to where the
        resource group left it (`back_to`, one of the reviewed states) and is decided again. Only a
        rejection by the editor is reconsidered, never one from triage."""
        if back_to not in REVIEWED_STATES:
            raise ValueError(f"not a reviewed state: {back_to!r}")
        self.reject_reason, self.closed_at = "", None
        return back_to


class AuditEntry(models.Model):
    """Who did what to a proposal, and when: every transition and every redaction."""

    proposal = models.ForeignKey(ChangeProposal, on_delete=models.CASCADE, related_name="audit_entries")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    at = models.DateTimeField(_("when"), auto_now_add=True)
    action = models.CharField(_("action"), max_length=40)
    from_state = models.CharField(_("from"), max_length=30, choices=ProposalState.choices, blank=True)
    to_state = models.CharField(_("to"), max_length=30, choices=ProposalState.choices, blank=True)
    comment = models.TextField(_("comment"), max_length=5000, blank=True)

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")

    def __str__(self) -> str:
        return f"{self.action} on #{self.proposal_id}"


class NotificationStatus(models.TextChoices):
    PENDING = "pending", _("waiting to be sent")
    SENDING = "sending", _("being sent")
    SENT = "sent", _("sent")
    FAILED = "failed", _("failed")
    # Never sent: the person had no e-mail address when it was due. Kept so that the ledger says so.
    SKIPPED = "skipped", _("skipped: no address")


# What each kind of notice is, as the ledger shows it (the code stays in the URL's filter). Kinds
# are written by governance and by the apps on top of it (feedback's receipt and outcomes); a kind
# not named here is shown as its code.
NOTICE_KIND_LABELS = {
    "digest": _("daily digest to local editors"),
    "escalation": _("untriaged proposals, to the responsible editor"),
    "editor_quick_fixes": _("quick fixes waiting, to the responsible editor"),
    "forward_reminder": _("reminder to forward proposals"),
    "vote_reminder": _("reminder to vote"),
    "editor_undecided": _("proposals without a decision, to the responsible editor"),
    "release_overrides": _("release: local adaptations to check"),
    "feedback_receipt": _("receipt for feedback"),
    "outcome.rejected": _("to the reader: rejected"),
    "outcome.declined": _("to the reader: declined by the partnership"),
    "outcome.duplicate": _("to the reader: merged as a duplicate"),
    "outcome.done_locally": _("to the reader: done in the local adaptation"),
    "outcome.quick_fix": _("to the reader: to be corrected"),
    "outcome.published": _("to the reader: published"),
    "outcome.postponed": _("to the reader: postponed"),
    "traffic_light_reminder": _("reminder to the municipalities to mark the sections"),
}


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
    # The ledger (governance.outbox.notifications): what the notice is about ("governance.changeproposal:42")
    # and for which day, the two parts of the dedupe key besides kind and recipient; when a failed
    # attempt may be tried again; and who last asked for it to be sent again.
    subject = models.CharField(_("about"), max_length=100, blank=True)
    due_on = models.DateField(_("due"), null=True, blank=True)
    retry_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    resent_at = models.DateTimeField(_("sent again on request"), null=True, blank=True)
    resent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("sent again by"),
    )

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        indexes = [models.Index(fields=["status", "created_at"], name="notification_status_age")]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk} ({self.status})"

    @property
    def kind_label(self) -> str:
        label = NOTICE_KIND_LABELS.get(self.kind)
        return capfirst(str(label)) if label is not None else self.kind


# --- The yearly round ---------------------------------------------------------------------------
#
# `ReviewRound` walks the phases of seed 004's yearly cycle. Which proposals belong to a round is
# `RoundItem` (a postponed proposal gets an item in each round it is carried into); votes are per
# `Seat` and proposal. Side effects and the reasons a phase may not be left live in
# `governance.rounds`, `governance.rounds.voting` and `governance.rounds.decisions`.


class RoundState(models.TextChoices):
    PLANNED = "planned", _("planned")
    COLLECTING = "collecting", _("collecting proposals")
    PARTNERSHIP_REVIEW = "partnership_review", _("review in the partnerships")
    RESOURCE_GROUP_REVIEW = "resource_group_review", _("review in the resource group")
    EDITORIAL = "editorial", _("the editor's decisions")
    RELEASED = "released", _("released")
    CLOSED = "closed", _("closed")


# The last day (Europe/Oslo) of each phase that has a deadline; the phase ends when that day does.
PHASE_DEADLINES = {
    RoundState.COLLECTING: "collecting_until",
    RoundState.PARTNERSHIP_REVIEW: "partnership_review_until",
    RoundState.RESOURCE_GROUP_REVIEW: "voting_until",
    RoundState.EDITORIAL: "editorial_until",
}


class ReviewRound(ConcurrentTransitionMixin, models.Model):
    """One year's innspillsrunde, producing the revision `year`.

    Its transitions only set fields: whether a phase may be left is asked by the one service that
    moves a round, `governance.rounds.phases.round_advance`, under the round's row lock."""

    year = models.PositiveIntegerField(_("revision year"), unique=True)
    state = FSMField(_("phase"), default=RoundState.PLANNED, choices=RoundState.choices, protected=True)
    collecting_until = models.DateField(_("proposals collected until"))
    partnership_review_until = models.DateField(_("partnerships forward until"))
    voting_until = models.DateField(_("resource group votes until"))
    editorial_until = models.DateField(_("decisions and release by"))
    meeting_on = models.DateField(_("resource group meeting"), null=True, blank=True)
    # The quorum: at least numerator/denominator of the seats that have not recused themselves voted,
    # and (by default) both constituencies are among the voters.
    quorum_numerator = models.PositiveSmallIntegerField(_("quorum numerator"), default=2)
    quorum_denominator = models.PositiveSmallIntegerField(_("quorum denominator"), default=3)
    both_constituencies_required = models.BooleanField(_("both constituencies must vote"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    opened_at = models.DateTimeField(_("opened"), null=True, blank=True)
    released_at = models.DateTimeField(_("released"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)

    class Meta:
        ordering = ["-year"]
        verbose_name = _("review round")
        verbose_name_plural = _("review rounds")
        constraints = [
            models.CheckConstraint(
                condition=Q(collecting_until__lte=F("partnership_review_until"))
                & Q(partnership_review_until__lte=F("voting_until"))
                & Q(voting_until__lte=F("editorial_until")),
                name="round_deadlines_in_order",
            ),
            models.CheckConstraint(
                condition=Q(quorum_numerator__gte=1) & Q(quorum_numerator__lte=F("quorum_denominator")),
                name="round_quorum_is_a_share",
            ),
        ]

    def __str__(self) -> str:
        return str(self.year)

    def deadline(self):
        """The last day of the current phase, or None when the phase has no deadline."""
        field = PHASE_DEADLINES.get(self.state)
        return getattr(self, field) if field else None

    @transition(field=state, source=RoundState.PLANNED, target=RoundState.COLLECTING)
    def open(self) -> None:
        self.opened_at = timezone.now()

    @transition(
        field=state,
        source=RoundState.COLLECTING,
        target=RoundState.PARTNERSHIP_REVIEW,
    )
    def start_partnership_review(self) -> None:
        pass

    @transition(
        field=state,
        source=RoundState.PARTNERSHIP_REVIEW,
        target=RoundState.RESOURCE_GROUP_REVIEW,
    )
    def start_resource_group_review(self) -> None:
        pass

    @transition(
        field=state,
        source=RoundState.RESOURCE_GROUP_REVIEW,
        target=RoundState.EDITORIAL,
    )
    def start_editorial(self) -> None:
        pass

    @transition(field=state, source=RoundState.EDITORIAL, target=RoundState.RELEASED)
    def release(self) -> None:
        self.released_at = timezone.now()

    @transition(field=state, source=RoundState.RELEASED, target=RoundState.CLOSED)
    def close(self) -> None:
        self.closed_at = timezone.now()


class PartnershipReview(models.Model):
    """A partnership's progress through its proposals in `partnership_review`."""

    review_round = models.ForeignKey(ReviewRound, on_delete=models.CASCADE, related_name="partnership_reviews")
    partnership = models.ForeignKey(Partnership, on_delete=models.PROTECT, related_name="+")
    nothing_to_forward = models.BooleanField(_("nothing to forward"), default=False)
    comment = models.TextField(_("comment"), max_length=5000, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    finished_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["partnership__name"]
        verbose_name = _("partnership review")
        verbose_name_plural = _("partnership reviews")
        constraints = [
            models.UniqueConstraint(fields=["review_round", "partnership"], name="partnershipreview_once_per_round")
        ]

    def __str__(self) -> str:
        return f"{self.review_round} {self.partnership_id}"


class Constituency(models.TextChoices):
    HOSPITAL_TRUST = "hospital_trust", _("hospital trust")
    MUNICIPALITY = "municipality", _("municipality")


class Seat(models.Model):
    """One of the resource group's two seats per partnership in a round: a hospital-trust seat and a
    municipality seat. The deputy votes in the holder's place; the vote belongs to the seat, so the
    two can never both vote."""

    review_round = models.ForeignKey(ReviewRound, on_delete=models.CASCADE, related_name="seats")
    partnership = models.ForeignKey(Partnership, on_delete=models.PROTECT, related_name="+")
    constituency = models.CharField(_("constituency"), max_length=20, choices=Constituency.choices)
    holder = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="seats", verbose_name=_("seat holder")
    )
    deputy = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="deputy_seats",
        verbose_name=_("deputy"),
    )
    holder_absent = models.BooleanField(_("holder absent"), default=False)

    class Meta:
        ordering = ["partnership__name", "constituency"]
        verbose_name = _("seat")
        verbose_name_plural = _("seats")
        constraints = [
            models.UniqueConstraint(
                fields=["review_round", "partnership", "constituency"], name="seat_one_per_constituency"
            ),
            models.UniqueConstraint(fields=["review_round", "holder"], name="seat_holder_once_per_round"),
            models.UniqueConstraint(fields=["review_round", "deputy"], name="seat_deputy_once_per_round"),
            models.CheckConstraint(condition=~Q(holder=F("deputy")), name="seat_deputy_is_not_holder"),
            models.CheckConstraint(condition=Q(constituency__in=Constituency.values), name="seat_constituency_known"),
        ]

    def __str__(self) -> str:
        return f"{self.review_round} {self.partnership_id} {self.constituency}"


class Recommendation(models.TextChoices):
    RECOMMENDED = "recommended", _("recommended")
    NOT_RECOMMENDED = "not_recommended", _("not recommended")
    NONE = "none", _("no recommendation")


class Decision(models.TextChoices):
    ACCEPT = "accept", _("accept")
    ACCEPT_WITH_CHANGES = "accept_with_changes", _("accept with changes")
    REJECT = "reject", _("reject")
    POSTPONE = "postpone", _("postpone to next year")


# The decision as a reader is told it: what was done, not the editor's command ("accept").
DECISION_OUTCOME_LABELS: dict[str, Any] = {
    Decision.ACCEPT: _("accepted"),
    Decision.ACCEPT_WITH_CHANGES: _("accepted with changes"),
    Decision.REJECT: _("rejected"),
    Decision.POSTPONE: _("postponed to next year"),
}


class RoundItem(models.Model):
    """A proposal's passage through one round: the partnership's comment, the meeting's recorded
    recommendation, the editor's decision and the plain-language line for the public changelog."""

    review_round = models.ForeignKey(ReviewRound, on_delete=models.CASCADE, related_name="items")
    proposal = models.ForeignKey(ChangeProposal, on_delete=models.CASCADE, related_name="round_items")
    partnership_comment = models.TextField(_("the partnership's comment"), max_length=5000, blank=True)
    forwarded_at = models.DateTimeField(_("forwarded"), null=True, blank=True)
    meeting_recommendation = models.CharField(
        _("the meeting's recommendation"), max_length=20, choices=Recommendation.choices, blank=True
    )
    meeting_note = models.TextField(_("note from the meeting"), max_length=5000, blank=True)
    decision = models.CharField(_("decision"), max_length=30, choices=Decision.choices, blank=True)
    rationale = models.TextField(_("rationale"), max_length=5000, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    changed_sections = models.ManyToManyField(
        "pathways.Section", blank=True, related_name="+", verbose_name=_("sections changed")
    )
    change_summary_nb = models.TextField(_("what changed (bokmål)"), max_length=2000, blank=True)
    change_summary_nn = models.TextField(_("what changed (nynorsk)"), max_length=2000, blank=True)

    class Meta:
        ordering = ["review_round", "proposal"]
        verbose_name = _("proposal in a round")
        verbose_name_plural = _("proposals in a round")
        constraints = [
            models.UniqueConstraint(fields=["review_round", "proposal"], name="rounditem_once_per_round"),
            models.CheckConstraint(condition=Q(decision__in=["", *Decision.values]), name="rounditem_decision_known"),
            models.CheckConstraint(
                condition=Q(decision="") | ~Q(rationale=""), name="rounditem_decision_has_rationale"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.review_round} #{self.proposal_id}"

    def change_summary(self, language: str) -> str:
        return getattr(self, f"change_summary_{language}")

    @property
    def decision_outcome_label(self) -> str:
        """The decision in the past tense, for the submitter's status page."""
        label = DECISION_OUTCOME_LABELS.get(self.decision)
        return capfirst(str(label)) if label is not None else ""


class VoteChoice(models.TextChoices):
    RECOMMEND = "recommend", _("recommend")
    RECOMMEND_WITH_CHANGES = "recommend_with_changes", _("recommend with changes")
    NOT_RECOMMEND = "not_recommend", _("do not recommend")
    ABSTAIN = "abstain", _("abstain")
    RECUSED = "recused", _("conflict of interest (recused)")


class Vote(models.Model):
    """A seat's vote on a proposal in its round; changeable until the voting window closes."""

    seat = models.ForeignKey(Seat, on_delete=models.CASCADE, related_name="votes")
    proposal = models.ForeignKey(ChangeProposal, on_delete=models.CASCADE, related_name="votes")
    choice = models.CharField(_("vote"), max_length=30, choices=VoteChoice.choices)
    comment = models.TextField(_("comment"), max_length=5000, blank=True)
    cast_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("cast by")
    )
    cast_at = models.DateTimeField(_("cast"), auto_now=True)

    class Meta:
        ordering = ["seat", "proposal"]
        verbose_name = _("vote")
        verbose_name_plural = _("votes")
        constraints = [
            models.UniqueConstraint(fields=["seat", "proposal"], name="vote_one_per_seat_and_proposal"),
            models.CheckConstraint(condition=Q(choice__in=VoteChoice.values), name="vote_choice_known"),
            models.CheckConstraint(
                condition=~Q(choice="recommend_with_changes") | ~Q(comment=""),
                name="vote_changes_need_a_comment",
            ),
        ]
        indexes = [models.Index(fields=["proposal", "seat"], name="vote_proposal_seat")]

    def __str__(self) -> str:
        return f"{self.seat_id} on #{self.proposal_id}: {self.choice}"


class ReviewComment(models.Model):
    """A comment on a proposal in the round by a seat holder, a deputy or an adviser (RKBU, RVTS)."""

    item = models.ForeignKey(RoundItem, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    text = models.TextField(_("comment"), max_length=5000)
    created_at = models.DateTimeField(_("written"), auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("review comment")
        verbose_name_plural = _("review comments")

    def __str__(self) -> str:
        return f"comment on {self.item_id}"


class BouncingAddress(models.Model):
    """An address the mail server refused for good (a 5xx reply): nothing more is sent to it until
    the responsible editor confirms, when resending from the ledger, that it has been fixed. Stored
    in lower case."""

    email = models.EmailField(_("e-mail address"), max_length=254, unique=True)
    since = models.DateTimeField(_("bouncing since"), auto_now_add=True)
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    notification = models.ForeignKey(
        Notification, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("notification")
    )

    class Meta:
        ordering = ["-since"]
        verbose_name = _("bouncing address")
        verbose_name_plural = _("bouncing addresses")

    def __str__(self) -> str:
        return self.email


# --- Webhooks: other sites told of each published version ---------------------------------------
#
# A `WebhookSubscription` is a receiving URL the responsible editor has registered; each published
# version (common or local) writes one `WebhookDelivery` per active subscription in the publishing
# transaction (the outbox, as `Notification` is for e-mail), and a worker POSTs it, signed. Every
# try is a `WebhookAttempt`, which the delivery ledger shows. See governance.outbox.webhooks.


class WebhookSubscription(models.Model):
    url = models.URLField(_("URL"), max_length=500, unique=True)
    # Signs each delivery (X-Forlop-Signature); shown once when it is made, never again.
    secret = models.CharField(_("secret"), max_length=128)
    active = models.BooleanField(_("active"), default=True)
    # Only the local versions of this partnership; without one, every published version.
    partnership = models.ForeignKey(
        Partnership,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("health partnership"),
        help_text=_("Only this partnership's local versions. Leave empty for every published version."),
    )
    description = models.CharField(_("description"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )

    class Meta:
        ordering = ["url"]
        verbose_name = _("webhook subscription")
        verbose_name_plural = _("webhook subscriptions")

    def __str__(self) -> str:
        return self.url


class WebhookDelivery(models.Model):
    """One event for one subscription. `event_id` is the event's (the same for every subscription,
    sent as X-Forlop-Event-Id so that a receiver can drop a repeat); `body` is the JSON sent, frozen
    when the version was published. The status, attempts and claim work as a `Notification`'s."""

    subscription = models.ForeignKey(
        WebhookSubscription, on_delete=models.CASCADE, related_name="deliveries", verbose_name=_("subscription")
    )
    event_id = models.UUIDField(_("event id"))
    event_type = models.CharField(_("event"), max_length=50)
    body = models.TextField()
    status = models.CharField(
        _("status"), max_length=20, choices=NotificationStatus.choices, default=NotificationStatus.PENDING
    )
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    last_error = models.CharField(_("last error"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    retry_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    sent_at = models.DateTimeField(_("delivered"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        constraints = [
            models.UniqueConstraint(fields=["subscription", "event_id"], name="webhookdelivery_once_per_event")
        ]
        indexes = [models.Index(fields=["status", "created_at"], name="webhookdelivery_status_age")]

    def __str__(self) -> str:
        return f"{self.event_type} #{self.pk} ({self.status})"


class WebhookAttempt(models.Model):
    """One POST of a delivery: when, what the receiver answered (or the error), and when the next
    try is due if there is one."""

    delivery = models.ForeignKey(WebhookDelivery, on_delete=models.CASCADE, related_name="attempt_log")
    started_at = models.DateTimeField(_("time"))
    status_code = models.PositiveIntegerField(_("status code"), null=True, blank=True)
    error = models.CharField(_("error"), max_length=200, blank=True)
    retry_at = models.DateTimeField(_("next attempt"), null=True, blank=True)

    class Meta:
        ordering = ["started_at", "pk"]
        verbose_name = _("webhook attempt")
        verbose_name_plural = _("webhook attempts")

    def __str__(self) -> str:
        return f"{self.delivery_id} {self.started_at:%Y-%m-%d %H:%M:%S} {self.status_code or self.error}"
