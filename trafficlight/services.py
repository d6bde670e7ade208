"""Changes in the traffic-light review: saving a municipality's marks, and turning a yellow mark into
a local override draft or a change proposal. Views, the admin and tests all call these."""

import logging
from collections.abc import Iterable
from dataclasses import dataclass

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from governance.models import ChangeProposal, ProposalKind, ProposalSource
from governance.proposals.personal_data import may_contain_personal_data
from governance.proposals.services import proposal_create
from pathways.models import AdaptedSection, LocalAdaptation, Municipality, Pathway, Version, VersionSection
from pathways.services import Refused, adaptation_create, adaptation_section_save

from .models import COMMENT_MAX_LENGTH, Colour, SectionMark
from .selectors import TEXT_FIELDS

logger = logging.getLogger(__name__)


class MarkRefused(Refused):
    """The marks cannot be saved, or the mark cannot become what was asked; `reasons` say why."""


@dataclass(frozen=True)
class MarkInput:
    section_slug: str
    colour: str
    comment: str = ""


def mark_problems(mark: MarkInput, *, section_title: str) -> list[str]:
    """What is wrong with one section's mark, in words for the user ([] when nothing is)."""
    comment = mark.comment.strip()
    if mark.colour not in Colour.values:
        return [_("«%(section)s»: choose green or yellow.") % {"section": section_title}]
    if mark.colour == Colour.YELLOW and not comment:
        return [_("«%(section)s»: say in the comment what must be adapted.") % {"section": section_title}]
    if len(comment) > COMMENT_MAX_LENGTH:
        return [
            _("«%(section)s»: the comment is too long: at most %(limit)s characters, and it has %(count)s.")
            % {"section": section_title, "limit": COMMENT_MAX_LENGTH, "count": len(comment)}
        ]
    return []


def marks_save(
    *, municipality: Municipality, version: Version, by: User, marks: Iterable[MarkInput], language: str = "nb"
) -> list[SectionMark]:
    """Save a municipality's marks on sections of a pathway's current version: a new mark, or a
    changed colour or comment of one made on this version. All or nothing: a section the version
    does not have, a colour that is not green or yellow, a yellow without a comment, a comment over
    COMMENT_MAX_LENGTH, or a version that is not the pathway's current one refuses them all.

    One statement settles a race: the unique constraint (municipality, version, section) turns a
    second insert into an update of the first row (INSERT … ON CONFLICT DO UPDATE), so twenty saves
    at once leave one row, the last one's. The rows go in in slug order, so two saves of several
    sections take their row locks in the same order and never deadlock. The version is checked
    without a lock: a version published a moment later only makes these marks "from an older text"
    where it changed the section, which is what they are."""
    marks = sorted(marks, key=lambda mark: mark.section_slug)
    current_id = Pathway.objects.filter(pk=version.pathway_id).values_list("current_version_id", flat=True).first()
    if current_id != version.pk:
        raise MarkRefused(
            _(
                "The pathway has a new version since the page was opened. The sections are shown again from "
                "the new version: check your marks and save again."
            )
        )
    titles = dict(VersionSection.objects.filter(version=version).values_list("slug", f"title_{language}"))
    reasons = []
    for mark in marks:
        if mark.section_slug not in titles:
            reasons.append(
                _("The form names a section that is not in version %(number)s: «%(slug)s».")
                % {"number": version.number, "slug": mark.section_slug[:80]}
            )
            continue
        reasons += mark_problems(mark, section_title=titles[mark.section_slug])
    if len({mark.section_slug for mark in marks}) != len(marks):
        reasons.append(_("The form names a section more than once."))
    if reasons:
        raise MarkRefused(reasons)
    if not marks:
        return []
    now = timezone.now()
    rows = [
        SectionMark(
            municipality=municipality,
            pathway_id=version.pathway_id,
            version=version,
            section_slug=mark.section_slug,
            colour=mark.colour,
            comment=mark.comment.strip(),
            language=language,
            marked_by=by,
            marked_at=now,
        )
        for mark in marks
    ]
    with transaction.atomic():
        SectionMark.objects.bulk_create(
            rows,
            update_conflicts=True,
            unique_fields=["municipality", "version", "section_slug"],
            update_fields=["colour", "comment", "language", "marked_by", "marked_at"],
        )
    logger.info(
        "traffic light: %s marks for municipality %s on version %s by user %s",
        len(rows),
        municipality.pk,
        version.pk,
        by.pk,
    )
    return list(
        SectionMark.objects.filter(
            municipality=municipality, version=version, section_slug__in=[mark.section_slug for mark in marks]
        )
    )


# --- What a yellow mark becomes ---------------------------------------------------------------------


def _is_on_current_text(mark: SectionMark) -> bool:
    current_id = mark.pathway.current_version_id
    if current_id == mark.version_id:
        return True
    texts = {
        row["version_id"]: tuple(row[name] for name in TEXT_FIELDS)
        for row in VersionSection.objects.filter(
            version_id__in=[mark.version_id, current_id], slug=mark.section_slug
        ).values("version_id", *TEXT_FIELDS)
    }
    return mark.version_id in texts and texts.get(mark.version_id) == texts.get(current_id)


def _locked_yellow_mark(mark_id: int) -> SectionMark:
    """The mark, locked until the caller's transaction ends (a double click waits, then finds what
    the first made), when it is yellow and on the current text."""
    mark = (
        SectionMark.objects.select_for_update(of=("self",))
        .select_related("pathway", "municipality__partnership", "version")
        .get(pk=mark_id)
    )
    if mark.colour != Colour.YELLOW:
        raise MarkRefused(_("Only a yellow mark can become a local adaptation or a change proposal."))
    if not _is_on_current_text(mark):
        raise MarkRefused(
            _("This mark was given on an older text of the section. Ask the municipality to mark it again.")
        )
    return mark


def mark_to_override(*, mark_id: int, by: User) -> AdaptedSection:
    """The partnership's override of the section in its local adaptation, made from a yellow mark:
    the adaptation is created when the partnership has none, and the override starts from the current
    common text (the local editor then writes the local one). An override that exists already is
    kept as it is and linked. The caller has checked that `by` may manage the partnership's review."""
    with transaction.atomic():
        mark = _locked_yellow_mark(mark_id)
        partnership, pathway = mark.municipality.partnership, mark.pathway
        if mark.override_id is not None:
            existing = AdaptedSection.objects.filter(pk=mark.override_id).first()
            if existing is not None:
                return existing
        adaptation = LocalAdaptation.objects.filter(partnership=partnership, pathway=pathway).first()
        if adaptation is None:
            try:
                with transaction.atomic():
                    adaptation = adaptation_create(partnership=partnership, pathway=pathway, by=by)
            except IntegrityError:
                # Another mark of the same pathway made it a moment ago.
                adaptation = LocalAdaptation.objects.get(partnership=partnership, pathway=pathway)
        adaptation.pathway = pathway
        override = adaptation.sections.filter(slug=mark.section_slug, is_local=False).first()
        if override is None:
            assert pathway.current_version_id is not None  # the mark is on the current text
            common = VersionSection.objects.get(version_id=pathway.current_version_id, slug=mark.section_slug)
            override = adaptation_section_save(
                adaptation=adaptation,
                slug=mark.section_slug,
                by=by,
                body_nb=common.body_nb,
                body_nn=common.body_nn,
            )
        mark.override = override
        mark.save(update_fields=["override"])
    return override


def mark_to_proposal(*, mark_id: int, by: User) -> ChangeProposal:
    """A change proposal to the common text made from a yellow mark: filed by a professional of the
    partnership, a suggestion on the section in the mark's version, the mark's comment as its
    description. A mark becomes one proposal: asking again gives back the first. The caller has
    checked that `by` may manage the partnership's review."""
    with transaction.atomic():
        mark = _locked_yellow_mark(mark_id)
        if mark.proposal_id is not None:
            existing = ChangeProposal.objects.filter(pk=mark.proposal_id).first()
            if existing is not None:
                return existing
        proposal = proposal_create(
            source=ProposalSource.PROFESSIONAL,
            kind=ProposalKind.SUGGESTION,
            language=mark.language,
            description=mark.comment,
            pathway=mark.pathway,
            section_slug=mark.section_slug,
            version=mark.version,
            partnership=mark.municipality.partnership,
            may_contain_personal_data=may_contain_personal_data(mark.comment),
            by=by,
        )
        mark.proposal = proposal
        mark.save(update_fields=["proposal"])
    return proposal
