"""Which moves of a proposal the reader who sent it is told of by e-mail, and the notice itself.

A reader who gave an e-mail address in the feedback form hears once per outcome: rejected (with
the reason and the editors' comment), declined by the partnership, merged with another proposal,
fixed in a local adaptation, taken as a minor correction, published (with the version and a link to
it), postponed to next year. The notice is queued in the transaction of the move itself
(`proposal_transition` sends `governance.signals.proposal_moved`; `proposal_outcome_notify` receives
it, connected in `FeedbackConfig.ready`), so it exists exactly when the move does.

Who hears: every submission of the proposal, and of the proposals merged into it (their readers
were told "merged" and then hear what became of the one that was kept). Not a reader who withdrew,
nor one whose address the retention period has deleted; not for a rejection as spam.

What the notice holds: the outcome, the pathway's title, the day the feedback was sent, the
editors' comment (shown on the reader's status page too), links, and the private status link;
never the reader's own words, which may hold personal data.
"""

from typing import Any

from django.conf import settings
from django.urls import reverse
from django.utils import formats, timezone, translation

from feedback.models import Submission
from feedback.services import status_url
from governance.models import AuditEntry, ChangeProposal, Notification, RejectReason
from governance.outbox.notifications import notification_queue

KIND = "outcome"

# The move (the transition method) → the outcome the reader is told of. Other moves are steps on
# the way (deferred, forwarded, in review, recommended, accepted, carried over) and tell nothing.
OUTCOMES = {
    "reject": "rejected",
    "decide_reject": "rejected",
    "decline": "declined",
    "merge_into": "duplicate",
    "fixed_locally": "done_locally",
    "mark_quick_fix": "quick_fix",
    "publish": "published",
    "postpone": "postponed",
}


def proposal_outcome(proposal: ChangeProposal, action: str) -> str | None:
    """The outcome a move tells the submitter of, or None."""
    outcome = OUTCOMES.get(action)
    if outcome == "rejected" and proposal.reject_reason == RejectReason.SPAM:
        return None
    return outcome


def _merged_into(proposal: ChangeProposal) -> list[int]:
    """The proposal and every proposal merged into it, also through another merged one."""
    ids, frontier = [proposal.pk], [proposal.pk]
    while frontier:
        frontier = list(
            ChangeProposal.objects.filter(merged_into_id__in=frontier).exclude(pk__in=ids).values_list("pk", flat=True)
        )
        ids += frontier
    return ids


def _site_url(name: str, language: str, **kwargs: str) -> str:
    with translation.override(language):
        return settings.SITE_URL + reverse(name, kwargs=kwargs)


def _context(proposal: ChangeProposal, outcome: str, submission: Submission, language: str) -> dict[str, str]:
    """What the notice's templates need, in the reader's written standard: ids, titles, links and
    the editors' comment. Never the reader's text."""
    with translation.override(language):
        context = {
            "outcome": outcome,
            "status_url": status_url(submission),
            "sent_on": formats.date_format(timezone.localtime(submission.created_at), "DATE_FORMAT"),
            "pathway_title": proposal.pathway.title(language) if proposal.pathway else "",
            "comment": proposal.decision_comment,
        }
        if outcome == "rejected" and proposal.reject_reason:
            context["reason"] = str(RejectReason(proposal.reject_reason).label)
    version = proposal.published_in if outcome == "published" else None
    if version is not None:
        context["version_number"] = version.number
        context["version_url"] = _site_url(
            "pathways:version", language, slug=version.pathway.slug, number=version.number
        )
    adaptation = proposal.fixed_in_adaptation if outcome == "done_locally" else None
    if adaptation is not None:
        context["partnership_name"] = adaptation.partnership.name
        context["adaptation_url"] = _site_url(
            "pathways:adaptation", language, partnership_slug=adaptation.partnership.slug, slug=adaptation.pathway.slug
        )
    return context


def proposal_outcome_notify(
    *, proposal: ChangeProposal, action: str, entry: AuditEntry | None = None, **signal: Any
) -> list[Notification]:
    """Queue the outcome notice of the move `action` just made on `proposal`, inside the caller's
    transaction, for each reader to be told. `entry` is the move's audit entry: the notice is about
    it, so a later move to the same outcome (a decision changed and changed back) is told again,
    while the same reader with two merged submissions hears once. Returns the queued notices."""
    outcome = proposal_outcome(proposal, action)
    if outcome is None:
        return []
    submissions = (
        Submission.objects.filter(
            proposal_id__in=_merged_into(proposal),
            withdrawn_at__isnull=True,
            email_blanked_at__isnull=True,
        )
        .exclude(email="")
        .order_by("created_at", "pk")
    )
    subject = entry if entry is not None else proposal
    due_on = timezone.localdate(entry.at) if entry is not None else timezone.localdate()
    notices: dict[int, Notification] = {}
    for submission in submissions:
        language = submission.language if submission.language in dict(settings.LANGUAGES) else "nb"
        notice = notification_queue(
            kind=f"{KIND}.{outcome}",
            recipient=submission.email,
            language=language,
            subject=subject,
            due_on=due_on,
            context=_context(proposal, outcome, submission, language),
        )
        notices[notice.pk] = notice
    return list(notices.values())
