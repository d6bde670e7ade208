"""The release of the yearly revision, and the public changelog of what it changed.

`release_publish` runs inside the transaction of `governance.rounds.phases.round_advance` when the
round moves from `editorial` to `released`: it publishes every changed pathway as revision `<year>`,
marks the accepted proposals published, and queues a notice to each local editor whose adaptation
overrides a section that changed. Any failure raises, and the caller's transaction takes everything
back with it: nothing is half released."""

from collections import OrderedDict
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from governance.models import (
    ChangeProposal,
    ReviewRound,
    RoundItem,
    RoundState,
)
from governance.outbox.notifications import notification_queue
from governance.proposals.services import proposal_transition
from governance.rounds.decisions import (
    ACCEPTED_DECISIONS,
    AWAITING_DECISION_STATES,
    item_pathway,
    pathway_name,
)
from pathways import services as pathway_services
from pathways.models import LANGUAGE_CODES, AdaptedSection, Pathway, Profile, Role, Section, Version, VersionKind
from pathways.services import Refused

NOTICE_KIND = "release_overrides"


class ReleaseRefused(Refused):
    """The round cannot be released; `reasons` says why, naming proposals and pathways."""


@dataclass
class PathwayRelease:
    """One pathway the release publishes: the draft sections that changed and the accepted items."""

    pathway: Pathway
    changed_sections: list[Section]
    items: list[RoundItem] = field(default_factory=list)

    def summary(self, language: str, year: int) -> str:
        lines = list(OrderedDict.fromkeys(item.change_summary(language).strip() for item in self.items))
        lines = [line if line[-1] in ".!?" else f"{line}." for line in lines if line]
        if lines:
            return " ".join(lines)
        with translation.override(language):
            return _("Yearly revision %(year)s.") % {"year": year}


def _accepted_items(review_round: ReviewRound) -> list[RoundItem]:
    return list(
        review_round.items.filter(decision__in=ACCEPTED_DECISIONS)
        .select_related("proposal__pathway")
        .prefetch_related("changed_sections__pathway")
        .order_by("proposal_id")
    )


def release_plan(review_round: ReviewRound) -> list[PathwayRelease]:
    """What releasing the round publishes: every published pathway whose draft has changed, with the
    sections that changed and the accepted items behind them. A pathway never published is left out:
    the round revises what is public and does not publish a pathway still being written."""
    plan = []
    for pathway in Pathway.objects.filter(current_version__isnull=False).select_related("current_version"):
        if pathway_services.pathway_has_unpublished_changes(pathway):
            plan.append(PathwayRelease(pathway, pathway_services.pathway_changed_sections(pathway)))
    by_pathway = {entry.pathway.pk: entry for entry in plan}
    for item in _accepted_items(review_round):
        changed = item_pathway(item)
        if changed is not None and changed.pk in by_pathway:
            by_pathway[changed.pk].items.append(item)
    return plan


def release_blockers(review_round: ReviewRound) -> list[str]:
    """Why the round cannot be released now, naming the proposals and pathways; empty when it can.

    A forwarded proposal without a decision; an accepted one without its change line in both
    written standards, without the sections it changed, or whose pathway has nothing new to publish;
    a changed pathway whose parity gate is red, or whose revision `<year>` exists already. That
    nothing changed at all is no reason when nothing was accepted."""
    reasons = []
    undecided = (
        review_round.items.filter(decision="", proposal__state__in=AWAITING_DECISION_STATES)
        .select_related("proposal__pathway")
        .order_by("proposal_id")
    )
    for item in undecided:
        reasons.append(
            _("Proposal #%(number)s (%(pathway)s) has no decision yet.")
            % {"number": item.proposal_id, "pathway": pathway_name(item.proposal.pathway)}
        )
    plan = release_plan(review_round)
    changed = {entry.pathway.pk for entry in plan}
    for item in _accepted_items(review_round):
        sections = list(item.changed_sections.all())
        pathway = item_pathway(item, sections)
        names = {"number": item.proposal_id, "pathway": pathway_name(pathway)}
        if not (item.change_summary_nb.strip() and item.change_summary_nn.strip()):
            reasons.append(
                _("Proposal #%(number)s (%(pathway)s) is accepted: write its change line in both bokmål and nynorsk.")
                % names
            )
        if not sections:
            reasons.append(
                _("Proposal #%(number)s (%(pathway)s) is accepted: choose the sections the change touched.") % names
            )
        elif pathway is not None and pathway.pk not in changed:
            reasons.append(
                _(
                    "Proposal #%(number)s is accepted, but %(pathway)s has no unpublished changes: "
                    "edit the draft in the editor first."
                )
                % names
            )
    for entry in plan:
        problems = pathway_services.parity_problems(entry.pathway)
        if problems:
            reasons.append(
                _(
                    "%(pathway)s: these sections changed in one written standard but not in the other: "
                    "%(sections)s. Change both before the release."
                )
                % {
                    "pathway": pathway_name(entry.pathway),
                    "sections": ", ".join(f"«{problem.section.title_nb}»" for problem in problems),
                }
            )
        if Version.objects.filter(pathway=entry.pathway, year=review_round.year, correction=0).exists():
            reasons.append(
                _("%(pathway)s: the yearly revision %(year)s has already been published.")
                % {"pathway": pathway_name(entry.pathway), "year": review_round.year}
            )
    return reasons


def release_publish(*, review_round: ReviewRound, by: User) -> list[Version]:
    """Publish the round's yearly revision. Called by `round_advance` inside its transaction as the
    round moves from `editorial` to `released` (the round may already be marked released).

    Every changed pathway becomes version `<year>`, its change summary made of the accepted items'
    change lines; each accepted proposal moves to `published` in its pathway's new version; each
    local editor whose adaptation overrides a section that changed gets one notice. Raises
    ReleaseRefused with the reasons when a blocker is found, also one found only now (a parity
    problem, a number taken); the caller's transaction then takes back everything done so far."""
    with transaction.atomic():
        review_round = ReviewRound.objects.select_for_update().get(pk=review_round.pk)
        if review_round.state not in (RoundState.EDITORIAL, RoundState.RELEASED):
            raise ReleaseRefused(
                [
                    _("Only a round in the phase “%(editorial)s” can be released; this one is in “%(phase)s”.")
                    % {"editorial": RoundState.EDITORIAL.label, "phase": review_round.get_state_display()}
                ]
            )
        blockers = release_blockers(review_round)
        if blockers:
            raise ReleaseRefused(blockers)
        plan = release_plan(review_round)
        versions: dict[int, Version] = {}
        for entry in plan:
            try:
                versions[entry.pathway.pk] = pathway_services.pathway_publish(
                    pathway=entry.pathway,
                    by=by,
                    kind=VersionKind.REVISION,
                    year=review_round.year,
                    summary_nb=entry.summary("nb", review_round.year),
                    summary_nn=entry.summary("nn", review_round.year),
                )
            except pathway_services.PublishRefused as refused:
                raise ReleaseRefused(
                    [f"{pathway_name(entry.pathway)}: {reason}" for reason in refused.reasons]
                ) from None
        for entry in plan:
            for item in entry.items:
                proposal_transition(
                    proposal_id=item.proposal_id, action="publish", by=by, version=versions[entry.pathway.pk]
                )
        _queue_override_notices(review_round, plan, versions)
    return list(versions.values())


def _queue_override_notices(review_round: ReviewRound, plan: list[PathwayRelease], versions: dict) -> None:
    """One notice per local editor and adaptation that overrides a section the release changed."""
    changed = {entry.pathway.pk: {s.slug: s for s in entry.changed_sections} for entry in plan}
    overrides = (
        AdaptedSection.objects.filter(adaptation__pathway_id__in=list(changed), is_local=False)
        .select_related("adaptation__partnership", "adaptation__pathway")
        .order_by("adaptation_id", "pk")
    )
    by_adaptation: dict[int, list[AdaptedSection]] = OrderedDict()
    for adapted in overrides:
        if adapted.slug in changed[adapted.adaptation.pathway_id]:
            by_adaptation.setdefault(adapted.adaptation_id, []).append(adapted)
    if not by_adaptation:
        return
    partnerships = {overridden[0].adaptation.partnership_id for overridden in by_adaptation.values()}
    editors: dict[int | None, list[Profile]] = {}
    for profile in (
        # Those without an address too: their notice is written skipped, and the ledger says so.
        Profile.objects.filter(role=Role.LOCAL_EDITOR, partnership_id__in=partnerships, user__is_active=True)
        .select_related("user")
        .order_by("pk")
    ):
        editors.setdefault(profile.partnership_id, []).append(profile)
    for adaptation_id, overridden in by_adaptation.items():
        adaptation = overridden[0].adaptation
        pathway, partnership = adaptation.pathway, adaptation.partnership
        version = versions[pathway.pk]
        sections = changed[pathway.pk]
        for profile in editors.get(partnership.pk, []):
            language = profile.language if profile.language in LANGUAGE_CODES else "nb"
            public = f"{settings.SITE_URL}/{language}/forlop/{pathway.slug}"
            notification_queue(
                kind=NOTICE_KIND,
                recipient=profile.user.email,
                who=profile.user.get_username(),
                language=language,
                dedupe_key=f"{NOTICE_KIND}:{review_round.year}:{adaptation_id}:{profile.user_id}",
                context={
                    "year": review_round.year,
                    "partnership_name": partnership.name,
                    "pathway_title": adaptation.title(language) or pathway.title(language),
                    "version_number": version.number,
                    "sections": [
                        {
                            "slug": adapted.slug,
                            "title": sections[adapted.slug].title(language),
                            "url": f"{public}/versjon/{version.number}/#{adapted.slug}",
                        }
                        for adapted in overridden
                    ],
                    "adaptation_url": (
                        f"{settings.SITE_URL}/{language}/redaksjon/{partnership.slug}/forlop/{pathway.slug}/"
                    ),
                    "changelog_url": f"{public}/versjon/{version.number}/endringer/",
                },
            )


# --- The public changelog ---------------------------------------------------------------------------


@dataclass
class ChangelogEntry:
    """One change as the public reads it, with the sections it touched and the proposals behind it."""

    text: str
    sections: list[tuple[str, str]] = field(default_factory=list)  # (slug, title); slug "" when gone
    proposals: list[ChangeProposal] = field(default_factory=list)


def changelog_entries(version: Version, language: str, section_titles: dict) -> list[ChangelogEntry]:
    """The changes from the yearly round published in `version`, in the page's written standard.
    Proposals with the same change line are one change. Two queries, however many changes."""
    items = (
        RoundItem.objects.filter(proposal__published_in=version, decision__in=ACCEPTED_DECISIONS)
        .select_related("proposal__partnership")
        .prefetch_related("changed_sections")
        .order_by("proposal__created_at", "proposal_id")
    )
    entries: dict[str, ChangelogEntry] = OrderedDict()
    for item in items:
        text = item.change_summary(language).strip()
        entry = entries.setdefault(text, ChangelogEntry(text))
        entry.proposals.append(item.proposal)
        for section in item.changed_sections.all():
            known = section_titles.get(section.slug)
            row = (section.slug, known[LANGUAGE_CODES.index(language)]) if known else ("", section.title(language))
            if row not in entry.sections:
                entry.sections.append(row)
    return list(entries.values())
