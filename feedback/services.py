"""Receiving reader feedback: one statement writes the proposal with its history, the submission and
the receipt e-mail's outbox row (pathways.chain); the e-mail goes to the broker after commit
(governance.outbox.notifications)."""

import calendar
import hashlib
import hmac
import logging
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation

from governance.models import BouncingAddress, ChangeProposal, Notification, NotificationStatus, ProposalSource
from governance.outbox.notifications import notification_queue
from governance.proposals.personal_data import may_contain_personal_data
from governance.proposals.services import proposal_create, proposal_redact_personal_data, proposal_withdraw
from pathways.chain import IdOf, InsertChain

from .context import FeedbackContext
from .models import Submission

logger = logging.getLogger(__name__)


def submissions_count(*, proposal_ids: list[int], **signal: object) -> int:
    """How many readers' submissions the proposals have (governance's `proposal_submitters`)."""
    return Submission.objects.filter(proposal_id__in=proposal_ids).count()


def status_url(submission: Submission) -> str:
    """The private status page's full address, in the written standard the reader wrote in."""
    with translation.override(submission.language):
        return settings.SITE_URL + reverse("feedback:status", kwargs={"token": submission.token})


def pathway_path(*, language: str, pathway_slug: str, section_slug: str = "", partnership_slug: str = "") -> str:
    """The page the feedback was about, to go back to: the partnership's local page when it came
    from one, else the common pathway; at the section."""
    local = f"/{partnership_slug}" if partnership_slug else ""
    return f"/{language}{local}/forlop/{pathway_slug}/" + (f"#{section_slug}" if section_slug else "")


def _fingerprint(*, source: str, context: FeedbackContext, description: str) -> str:
    normalised = " ".join(description.lower().split())
    message = "|".join(
        [
            source,
            context.pathway.slug if context.pathway else "",
            context.section_slug,
            context.external_url,
            normalised,
        ]
    )
    return hmac.new(settings.SECRET_KEY.encode(), message.encode(), hashlib.sha256).hexdigest()[:64]


def feedback_submit(
    *, cleaned: dict[str, Any], context: FeedbackContext, language: str, source: str, via_api: bool = False
) -> tuple[Submission, bool]:
    """Store a reader's feedback as a new proposal. Returns (submission, created): the same text from
    the same source within FEEDBACK_DUPLICATE_MINUTES gives back the first submission instead.

    The duplicate check, the proposal with its history, the submission and the receipt's outbox row
    (with its bounce check) are one `InsertChain`: on PostgreSQL one statement, one round trip."""
    now = timezone.now()
    window = timedelta(minutes=settings.FEEDBACK_DUPLICATE_MINUTES)
    fingerprint = _fingerprint(source=source, context=context, description=cleaned["description"])
    bucket = int(now.timestamp() // window.total_seconds())
    key = f"{fingerprint}:{bucket}"
    earlier = Submission.objects.filter(
        dedupe_key__in=[key, f"{fingerprint}:{bucket - 1}"], created_at__gte=now - window
    )
    flagged = may_contain_personal_data(
        cleaned["description"], cleaned.get("suggested_text", ""), cleaned.get("quote", "")
    )
    chain = InsertChain(unless=earlier)
    proposal = proposal_create(
        source=ProposalSource.READER,
        kind=cleaned["kind"],
        language=language,
        description=cleaned["description"],
        suggested_text=cleaned.get("suggested_text", ""),
        quote=cleaned.get("quote", ""),
        pathway=context.pathway,
        section_slug=context.section_slug,
        version=context.version,
        local_version=context.local_version,
        partnership=context.partnership or cleaned.get("partnership"),
        external_url=context.external_url,
        context_unknown=context.unknown,
        may_contain_personal_data=flagged,
        chain=chain,
    )
    submission = chain.insert(
        Submission(
            proposal_id=IdOf(proposal),
            email=cleaned.get("email", ""),
            role=cleaned.get("role", ""),
            language=language,
            dedupe_key=key,
            via_api=via_api,
        )
    )
    if submission.email:
        notification_queue(
            kind="feedback_receipt",
            recipient=submission.email,
            language=language,
            dedupe_key=IdOf(submission, ("feedback_receipt:", "")),
            context={
                "status_url": status_url(submission),
                "pathway_title": context.pathway_title(language),
                "section_title": context.section_title,
                "pathway_url": settings.SITE_URL
                + pathway_path(
                    language=language,
                    pathway_slug=context.pathway.slug,
                    section_slug=context.section_slug,
                    partnership_slug=context.partnership.slug if context.partnership else "",
                )
                if context.pathway
                else "",
            },
            chain=chain,
        )
    try:
        written = chain.run()
    except IntegrityError:
        # The same text from the same source arrived at the same moment: the other one won.
        return Submission.objects.get(dedupe_key=key), False
    if not written:
        return earlier.earliest("created_at"), False
    submission.proposal = proposal
    # Ids only: the reader's text never goes to the log.
    logger.info("feedback received: proposal %s, submission %s, flagged %s", proposal.pk, submission.pk, flagged)
    return submission, True


def feedback_withdraw(*, submission: Submission) -> Submission:
    with transaction.atomic():
        proposal_withdraw(proposal=submission.proposal)
        submission.withdrawn_at = timezone.now()
        submission.save(update_fields=["withdrawn_at"])
    return submission


def _months_before(moment: datetime, months: int) -> datetime:
    """The same day and time `months` calendar months earlier (31 March less one month is 28 or 29
    February)."""
    year, month = divmod(moment.year * 12 + moment.month - 1 - months, 12)
    day = min(moment.day, calendar.monthrange(year, month + 1)[1])
    return moment.replace(year=year, month=month + 1, day=day)


def feedback_retention(*, months: int, apply: bool, now: datetime | None = None) -> dict[str, int]:
    """The retention period, for proposals closed more than `months` months ago: the submitters'
    e-mail addresses are deleted (also from the sent e-mails in the outbox), and what looks like
    personal data is removed from flagged proposals and their history.

    Without `apply` nothing changes and the counts say what would. Returns counts only, never text.
    Running it again finds nothing more to do."""
    now = now or timezone.now()
    cutoff = _months_before(now, months)
    submissions = Submission.objects.filter(proposal__closed_at__lt=cutoff).exclude(email="")
    addresses = set(submissions.values_list("email", flat=True))
    # Only what has been sent or given up on: a notice still waiting belongs to a case still going on.
    notifications = Notification.objects.filter(
        recipient__in=addresses,
        created_at__lt=cutoff,
        status__in=[NotificationStatus.SENT, NotificationStatus.FAILED],
    )
    proposals = ChangeProposal.objects.filter(closed_at__lt=cutoff, may_contain_personal_data=True, redacted_at=None)
    counts = {
        "submissions": submissions.count(),
        "notifications": notifications.count(),
        "proposals": proposals.count(),
    }
    if not apply:
        return counts
    with transaction.atomic():
        counts["submissions"] = submissions.update(email="", email_blanked_at=now)
        counts["notifications"] = notifications.update(recipient="")
        # A bouncing address is personal data too; kept only while a case still going on uses it.
        still_used = set(Submission.objects.filter(email__in=addresses).values_list("email", flat=True))
        BouncingAddress.objects.filter(email__in={a.strip().lower() for a in addresses - still_used}).delete()
    # One transaction per proposal: a long run holds no lock for long, and what is done stays done.
    redacted = 0
    for proposal in proposals.order_by("pk"):
        proposal_redact_personal_data(proposal=proposal)
        redacted += 1
    counts["proposals"] = redacted
    logger.info("feedback retention (%s months): %s", months, counts)
    return counts
