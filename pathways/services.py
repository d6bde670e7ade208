"""Everything that changes content goes through these functions: views, the admin, the API,
management commands and (later) governance decisions all call them, so they behave the same."""

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol, TypedDict

import reversion
from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _

from .diffing import Chunk, has_changes, word_diff
from .models import (
    LANGUAGE_CODES,
    AdaptedSection,
    InterventionLevel,
    LocalAdaptation,
    LocalVersion,
    LocalVersionSection,
    Partnership,
    Pathway,
    Section,
    Version,
    VersionKind,
    VersionSection,
)
from .pages import (
    LocalPageSection,
    compose_local_page,
    forget_current,
    forget_current_adaptation,
    local_page,
    version_by_number,
)
from .rendering import render_markdown
from .signals import version_published

COPIED_SECTION_FIELDS = (
    "slug",
    "kind",
    "service",
    "part",
    "level",
    "position",
    "title_nb",
    "title_nn",
    "body_nb",
    "body_nn",
)


class Refused(Exception):
    """A service said no; `reasons` say why, in words for the user. Every refusal of the services
    (publishing, importing, the round, the votes, the decisions, a resend) is one of these, so views
    show them alike. Given one reason or several; each is made a string in the language of the moment."""

    def __init__(self, reasons: str | Promise | Iterable[str | Promise]) -> None:
        reasons = [reasons] if isinstance(reasons, str | Promise) else reasons
        self.reasons = [str(reason) for reason in reasons]
        super().__init__("; ".join(self.reasons))


class PublishRefused(Refused):
    """Publishing was refused; `reasons` says why, in words for the editor."""


class _Texts(Protocol):
    def title(self, language: str) -> str: ...
    def body(self, language: str) -> str: ...


@dataclass(frozen=True)
class ParityProblem:
    section: Section
    changed_language: str  # the language that changed while the other did not


@dataclass(frozen=True)
class LocalParityProblem:
    section: LocalPageSection  # a section of the local draft page
    changed_language: str


def changed_in_one_language(draft: _Texts, published: _Texts) -> str | None:
    """The parity gate's rule, the same for the common text and local versions: the written standard
    ("nb" or "nn") whose title or text changed while the other's did not, or None when both changed
    or neither did."""
    changed = {
        lang: (draft.title(lang), draft.body(lang)) != (published.title(lang), published.body(lang))
        for lang in LANGUAGE_CODES
    }
    if changed["nb"] != changed["nn"]:
        return "nb" if changed["nb"] else "nn"
    return None


def _parity_refusal(problems: Iterable[ParityProblem | LocalParityProblem]) -> str:
    names = ", ".join(f"«{p.section.title('nb')}»" for p in problems)
    return _(
        "These sections changed in one written standard but not in the other: %(names)s. "
        "Change both, or mark the change as language-neutral."
    ) % {"names": names}


def _summary_refusal(summary_nb: str, summary_nn: str) -> str | None:
    if not (summary_nb.strip() and summary_nn.strip()):
        return _("Write the change summary in both bokmål and nynorsk.")
    return None


def parity_problems(pathway: Pathway, *, neutral_slugs: Iterable[str] = ()) -> list[ParityProblem]:
    """Sections whose text changed in one written standard but not in the other since the current
    version, leaving out those the editor marked as language-neutral changes."""
    neutral = set(neutral_slugs)
    published: dict[str, VersionSection] = {}
    if pathway.current_version_id:
        published = {s.slug: s for s in VersionSection.objects.filter(version_id=pathway.current_version_id)}
    problems = []
    for section in pathway.sections.filter(retired=False):
        before = published.get(section.slug)
        if before is None or section.slug in neutral:
            continue
        language = changed_in_one_language(section, before)
        if language is not None:
            problems.append(ParityProblem(section, language))
    return problems


def pathway_has_unpublished_changes(pathway: Pathway) -> bool:
    version = pathway.current_version
    if version is None:
        return True
    published = list(VersionSection.objects.filter(version=version).values_list(*COPIED_SECTION_FIELDS))
    draft = list(pathway.sections.filter(retired=False).values_list(*COPIED_SECTION_FIELDS))
    return published != draft or (pathway.title_nb, pathway.title_nn) != (
        version.title_nb,
        version.title_nn,
    )


def pathway_publish(
    *,
    pathway: Pathway,
    by: User,
    kind: str,
    summary_nb: str,
    summary_nn: str,
    neutral_slugs: Iterable[str] = (),
    year: int | None = None,
    at: datetime | None = None,
) -> Version:
    """Publish the draft as a new immutable version.

    A yearly revision gets the number `<year>`; a correction gets `<year of the current
    version>.<next>`. Refused, with the reasons, when the parity gate is red, when there is nothing
    new to publish, or when the number is taken.
    """
    at = at or timezone.now()
    with transaction.atomic():
        # The row lock serialises two editors publishing the same pathway at once: the second
        # waits, then sees the first one's version and numbers after it.
        pathway = Pathway.objects.select_for_update().get(pk=pathway.pk)
        reasons = []
        problems = parity_problems(pathway, neutral_slugs=neutral_slugs)
        if problems:
            reasons.append(_parity_refusal(problems))
        if summary_refusal := _summary_refusal(summary_nb, summary_nn):
            reasons.append(summary_refusal)
        if pathway.current_version_id and not pathway_has_unpublished_changes(pathway):
            reasons.append(_("Nothing has changed since the current version."))
        if kind == VersionKind.REVISION:
            year = year or timezone.localdate(at).year
            correction = 0
            if Version.objects.filter(pathway=pathway, year=year, correction=0).exists():
                reasons.append(_("The yearly revision %(year)s has already been published.") % {"year": year})
        elif kind == VersionKind.CORRECTION:
            current = pathway.current_version
            if current is None:
                reasons.append(_("The first version of a pathway must be a yearly revision."))
                correction = 0
            else:
                year = current.year
                latest = Version.objects.filter(pathway=pathway, year=year).aggregate(n=Max("correction"))["n"]
                correction = (latest or 0) + 1
        else:
            raise ValueError(f"unknown version kind {kind!r}")
        if reasons:
            raise PublishRefused(reasons)
        assert year is not None  # only a correction of an unpublished pathway leaves it unset, and that was refused

        version = Version.objects.create(
            pathway=pathway,
            year=year,
            correction=correction,
            kind=kind,
            title_nb=pathway.title_nb,
            title_nn=pathway.title_nn,
            summary_nb=summary_nb.strip(),
            summary_nn=summary_nn.strip(),
            published_at=at,
            published_by=by,
        )
        VersionSection.objects.bulk_create(
            VersionSection(
                version=version,
                html_nb=render_markdown(section.body_nb),
                html_nn=render_markdown(section.body_nn),
                **{field: getattr(section, field) for field in COPIED_SECTION_FIELDS},
            )
            for section in pathway.sections.filter(retired=False)
        )
        pathway.current_version = version
        pathway.save(update_fields=["current_version"])
        transaction.on_commit(lambda: forget_current(pathway.slug))
        version_published.send(sender=Version, version=version)
    return version


def section_update(*, section: Section, by: User, comment: str = "", **fields: str) -> Section:
    """Change a draft section's titles, texts or level in the intervention pyramid, recording who did
    it in the version history."""
    allowed = {"title_nb", "title_nn", "body_nb", "body_nn", "level"}
    unknown = set(fields) - allowed
    if unknown:
        raise ValueError(f"cannot update {sorted(unknown)}")
    with transaction.atomic(), reversion.create_revision():
        for name, value in fields.items():
            setattr(section, name, value)
        section.save(update_fields=list(fields))
        reversion.set_user(by)
        reversion.set_comment(comment or _("Section edited"))
    return section


# --- Local adaptations -------------------------------------------------------------------------


@dataclass(frozen=True)
class CommonChange:
    """The common text of a section a local adaptation overrides changed since the adaptation's
    editor last saw it."""

    adapted: AdaptedSection
    diff_nb: list[Chunk]
    diff_nn: list[Chunk]

    def diff(self, language: str) -> list[Chunk]:
        return getattr(self, f"diff_{language}")


def adaptation_common_changes(adaptation: LocalAdaptation) -> list[CommonChange]:
    current_id = adaptation.pathway.current_version_id
    if current_id is None:
        return []  # an adaptation is of a published pathway; with no common text nothing changed in it
    overrides = [s for s in adaptation.sections.all() if not s.is_local and s.based_on_id != current_id]
    if not overrides:
        return []
    wanted = {o.slug for o in overrides}
    versions = {o.based_on_id for o in overrides if o.based_on_id is not None} | {current_id}
    # `based_on` is nullable, so an override's key may hold None: such a key finds nothing.
    texts: dict[tuple[int | None, str], VersionSection] = {
        (vs.version_id, vs.slug): vs for vs in VersionSection.objects.filter(version_id__in=versions, slug__in=wanted)
    }
    changes = []
    for override in overrides:
        before, now = (
            texts.get((override.based_on_id, override.slug)),
            texts.get((current_id, override.slug)),
        )
        if now is None:
            continue
        diffs = {lang: word_diff(before.body(lang) if before else "", now.body(lang)) for lang in LANGUAGE_CODES}
        if any(has_changes(d) for d in diffs.values()):
            changes.append(CommonChange(override, diffs["nb"], diffs["nn"]))
    return changes


def _render_adapted(section: AdaptedSection) -> None:
    section.html_nb = render_markdown(section.body_nb)
    section.html_nn = render_markdown(section.body_nn)


def adaptation_create(
    *, partnership: Partnership, pathway: Pathway, by: User, title_nb: str = "", title_nn: str = ""
) -> LocalAdaptation:
    if not pathway.current_version_id:
        raise ValueError("a pathway must be published before it can be adapted")
    with transaction.atomic(), reversion.create_revision():
        adaptation = LocalAdaptation.objects.create(
            partnership=partnership,
            pathway=pathway,
            title_nb=title_nb,
            title_nn=title_nn,
            based_on_id=pathway.current_version_id,
        )
        reversion.set_user(by)
        reversion.set_comment(_("Local adaptation created"))
    return adaptation


def adaptation_section_save(
    *,
    adaptation: LocalAdaptation,
    slug: str,
    by: User,
    title_nb: str = "",
    title_nn: str = "",
    body_nb: str,
    body_nn: str,
    is_local: bool = False,
    after_slug: str = "",
    level: str = "",
) -> AdaptedSection:
    """Create or change an override of a common section, or a local section of the adaptation. Only a
    local section has a `level` of its own (an override shows at the common section's level)."""
    with transaction.atomic(), reversion.create_revision():
        section, _created = AdaptedSection.objects.get_or_create(
            adaptation=adaptation, slug=slug, defaults={"is_local": is_local}
        )
        section.is_local = is_local
        section.after_slug = after_slug
        section.level = level if is_local else ""
        section.title_nb, section.title_nn = title_nb, title_nn
        section.body_nb, section.body_nn = body_nb, body_nn
        section.based_on_id = None if is_local else adaptation.pathway.current_version_id
        _render_adapted(section)
        section.save()
        adaptation.save(update_fields=["updated_at"])
        reversion.set_user(by)
        reversion.set_comment(_("Adapted section saved"))
    return section


def adaptation_accept_common(*, adapted: AdaptedSection, by: User) -> None:
    """The local editor takes the new common text: the override goes, the page shows the common text."""
    with transaction.atomic(), reversion.create_revision():
        adaptation = adapted.adaptation
        adapted.delete()
        adaptation.save(update_fields=["updated_at"])
        reversion.set_user(by)
        reversion.set_comment(_("Accepted the common text"))


def adaptation_keep_local(*, adapted: AdaptedSection, by: User) -> None:
    """The local editor keeps their text: it is now based on the current common version."""
    with transaction.atomic(), reversion.create_revision():
        adapted.based_on_id = adapted.adaptation.pathway.current_version_id
        adapted.save(update_fields=["based_on"])
        reversion.set_user(by)
        reversion.set_comment(_("Kept the local text"))


# --- Local versions ---------------------------------------------------------------------------

# The fields of an adapted section a local version keeps (with the rendered HTML).
LOCAL_SECTION_FIELDS = ("slug", "is_local", "after_slug", "level", "title_nb", "title_nn", "body_nb", "body_nn")


def _published_local_page(adaptation: LocalAdaptation) -> list[LocalPageSection]:
    """What readers see now: the current local version's page, or before the first local publish
    the common text (what a reader saw instead of the local page)."""
    if adaptation.current_local_version_id is None:
        return compose_local_page(VersionSection.objects.filter(version=adaptation.pathway.current_version), [])
    local_version = LocalVersion.objects.get(pk=adaptation.current_local_version_id)
    return local_page(local_version)


def adaptation_draft_page(adaptation: LocalAdaptation) -> list[LocalPageSection]:
    """The local page as it would be published now: the current common version with the draft."""
    common = VersionSection.objects.filter(version=adaptation.pathway.current_version)
    return compose_local_page(common, adaptation.sections.all())


@dataclass(frozen=True)
class LocalChange:
    section: LocalPageSection
    status: str  # "added", "changed" or "removed"


def adaptation_changed_sections(adaptation: LocalAdaptation) -> list[LocalChange]:
    """How the local page would change if the draft were published now (also through a new common
    version), section by section in the draft's order: what the publisher confirms."""
    before = {s.slug: s for s in _published_local_page(adaptation)}
    changes = []
    for section in adaptation_draft_page(adaptation):
        previous = before.pop(section.slug, None)
        if previous is None:
            changes.append(LocalChange(section, "added"))
        elif (previous.titles, previous.bodies) != (section.titles, section.bodies):
            changes.append(LocalChange(section, "changed"))
    changes += [LocalChange(section, "removed") for section in before.values()]
    return changes


def adaptation_has_unpublished_changes(adaptation: LocalAdaptation) -> bool:
    """True when the draft (sections, local titles) or the common version it builds on differs from
    the current local version; always true before the first local publish."""
    if adaptation.current_local_version_id is None:
        return True
    published = LocalVersion.objects.get(pk=adaptation.current_local_version_id)
    if published.common_version_id != adaptation.pathway.current_version_id:
        return True
    if (published.title_nb, published.title_nn) != (adaptation.title_nb, adaptation.title_nn):
        return True
    draft = sorted(adaptation.sections.values_list(*LOCAL_SECTION_FIELDS))
    return draft != sorted(published.sections.values_list(*LOCAL_SECTION_FIELDS))


def local_parity_problems(
    adaptation: LocalAdaptation, *, neutral_slugs: Iterable[str] = ()
) -> list[LocalParityProblem]:
    """Adapted sections whose text changed in one written standard but not in the other since what
    readers see now (for a new override: the common text it replaces), leaving out those marked as
    language-neutral. New local sections have nothing to be compared with, as new common sections."""
    neutral = set(neutral_slugs)
    before = {s.slug: s for s in _published_local_page(adaptation)}
    problems = []
    for section in adaptation_draft_page(adaptation):
        previous = before.get(section.slug)
        if not section.adapted or previous is None or section.slug in neutral:
            continue
        language = changed_in_one_language(section, previous)
        if language is not None:
            problems.append(LocalParityProblem(section, language))
    return problems


def local_version_next_number(adaptation: LocalAdaptation, *, at: datetime | None = None) -> str:
    """The number `adaptation_publish` would give now, for the publisher to confirm (only a preview:
    the number is settled under the row lock)."""
    year = timezone.localdate(at or timezone.now()).year
    latest = LocalVersion.objects.filter(adaptation=adaptation, year=year).aggregate(n=Max("sequence"))["n"]
    return f"{adaptation.partnership.slug}-{year}.{(latest or 0) + 1}"


def adaptation_publish(
    *,
    adaptation: LocalAdaptation,
    by: User,
    summary_nb: str,
    summary_nn: str,
    neutral_slugs: Iterable[str] = (),
    at: datetime | None = None,
) -> LocalVersion:
    """Publish the adaptation's draft as a new immutable local version, `<partnership>-<year>.<n>`,
    built on the pathway's current common version; readers see it from then on.

    Refused, with the reasons, when the parity gate is red, a summary is missing, or nothing has
    changed since the current local version (neither the draft nor the common version). Sends
    `version_published` with the local version inside the transaction.
    """
    at = at or timezone.now()
    with transaction.atomic():
        # The row lock serialises two editors publishing the same adaptation at once: the second
        # waits, then sees the first one's version, numbers after it or finds nothing new.
        adaptation = (
            LocalAdaptation.objects.select_for_update(of=("self",))
            .select_related("partnership", "pathway")
            .get(pk=adaptation.pk)
        )
        pathway = adaptation.pathway
        if pathway.current_version_id is None:
            raise PublishRefused(_("The common pathway has not been published."))
        reasons = []
        problems = local_parity_problems(adaptation, neutral_slugs=neutral_slugs)
        if problems:
            reasons.append(_parity_refusal(problems))
        if summary_refusal := _summary_refusal(summary_nb, summary_nn):
            reasons.append(summary_refusal)
        if not adaptation_has_unpublished_changes(adaptation):
            reasons.append(_("Nothing has changed since the current local version."))
        if reasons:
            raise PublishRefused(reasons)
        year = timezone.localdate(at).year
        latest = LocalVersion.objects.filter(adaptation=adaptation, year=year).aggregate(n=Max("sequence"))["n"]
        sequence = (latest or 0) + 1
        local_version = LocalVersion.objects.create(
            adaptation=adaptation,
            number=f"{adaptation.partnership.slug}-{year}.{sequence}",
            year=year,
            sequence=sequence,
            common_version_id=pathway.current_version_id,
            title_nb=adaptation.title_nb,
            title_nn=adaptation.title_nn,
            summary_nb=summary_nb.strip(),
            summary_nn=summary_nn.strip(),
            published_at=at,
            published_by=by,
        )
        LocalVersionSection.objects.bulk_create(
            LocalVersionSection(
                local_version=local_version,
                position=position,
                # Rendered again, not copied: the snapshot's HTML is what this version's Markdown
                # gives with today's renderer, whatever an older save stored.
                html_nb=render_markdown(section.body_nb),
                html_nn=render_markdown(section.body_nn),
                **{field: getattr(section, field) for field in LOCAL_SECTION_FIELDS},
            )
            for position, section in enumerate(adaptation.sections.order_by("pk"))
        )
        adaptation.current_local_version = local_version
        adaptation.save(update_fields=["current_local_version"])
        partnership_slug, pathway_slug = adaptation.partnership.slug, pathway.slug
        transaction.on_commit(lambda: forget_current_adaptation(partnership_slug, pathway_slug))
        version_published.send(sender=LocalVersion, version=local_version)
    return local_version


# --- Export and import -------------------------------------------------------------------------

EXPORT_FORMAT = "forlop-export/1"
_SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")


def version_export(version: Version, *, slugs: Iterable[str] = ()) -> dict[str, Any]:
    """A published version, whole or the chosen sections, as plain data (the JSON download)."""
    wanted = set(slugs)
    sections = [s for s in version.sections.all() if not wanted or s.slug in wanted]
    return {
        "format": EXPORT_FORMAT,
        "pathway": version.pathway.slug,
        "version": version.number,
        "published_at": version.published_at.isoformat(),
        "title": {lang: version.title(lang) for lang in LANGUAGE_CODES},
        "sections": [
            {
                "slug": s.slug,
                "kind": s.kind,
                "service": s.service,
                "part": s.part,
                "level": s.level,
                "title": {lang: s.title(lang) for lang in LANGUAGE_CODES},
                "body": {lang: s.body(lang) for lang in LANGUAGE_CODES},
            }
            for s in sections
        ],
    }


def version_export_markdown(version: Version, *, language: str, slugs: Iterable[str] = ()) -> str:
    data = version_export(version, slugs=slugs)
    lines = [
        f"# {data['title'][language]}",
        "",
        f"<!-- {data['pathway']} {data['version']} -->",
        "",
    ]
    for section in data["sections"]:
        lines += [
            f"## {section['title'][language]} {{#{section['slug']}}}",
            "",
            section["body"][language].strip(),
            "",
        ]
    return "\n".join(lines)


class ImportRefused(Refused):
    """The file cannot be imported; `reasons` says why."""


class _ImportedSection(TypedDict):
    slug: str
    title: dict[str, str]  # by language
    body: dict[str, str]
    level: str  # a local section's level on the service map; "" when absent or not a level


def adaptation_import(*, partnership: Partnership, data: object, by: User) -> LocalAdaptation:
    """Create (or update) a partnership's adaptation from an edited JSON download.

    Sections whose text differs from the version the download was taken from become overrides;
    sections with slugs the common pathway does not have become local sections.
    """
    if not isinstance(data, dict) or data.get("format") != EXPORT_FORMAT:
        raise ImportRefused([_("The file is not a pathway download from this service.")])
    pathway = Pathway.objects.filter(slug=str(data.get("pathway", ""))[:80]).first()
    if pathway is None or not pathway.current_version_id:
        raise ImportRefused([_("The file names a pathway that does not exist.")])
    try:
        base = version_by_number(pathway, str(data.get("version", "")))
    except Version.DoesNotExist:
        raise ImportRefused([_("The file names a version that does not exist.")]) from None
    common = {s.slug: s for s in base.sections.all()}
    try:
        incoming: list[_ImportedSection] = [
            {
                "slug": str(item["slug"]),
                "title": {lang: str(item["title"][lang]) for lang in LANGUAGE_CODES},
                "body": {lang: str(item["body"][lang]) for lang in LANGUAGE_CODES},
                "level": item["level"] if item.get("level") in InterventionLevel.values else "",
            }
            for item in data.get("sections", [])
        ]
    except (KeyError, TypeError):
        raise ImportRefused(
            [_("Every section needs a slug and a title and text in both bokmål and nynorsk.")]
        ) from None
    bad = [item["slug"][:80] for item in incoming if len(item["slug"]) > 80 or not _SLUG.fullmatch(item["slug"])]
    if bad:
        raise ImportRefused(
            [_("These section anchors are not valid (lowercase letters, digits and hyphens, at most 80): %(slugs)s")
             % {"slugs": ", ".join(bad[:10])}]
        )  # fmt: skip
    if any(len(item["title"][lang]) > 200 for item in incoming for lang in LANGUAGE_CODES):
        raise ImportRefused([_("A section title is longer than 200 characters.")])
    with transaction.atomic():
        adaptation = LocalAdaptation.objects.filter(partnership=partnership, pathway=pathway).first()
        if adaptation is None:
            adaptation = adaptation_create(partnership=partnership, pathway=pathway, by=by)
        titles = data.get("title") or {}
        if isinstance(titles, dict) and any(titles.get(lang) != base.title(lang) for lang in LANGUAGE_CODES):
            adaptation.title_nb = str(titles.get("nb") or "")
            adaptation.title_nn = str(titles.get("nn") or "")
            adaptation.save(update_fields=["title_nb", "title_nn", "updated_at"])
        previous = ""
        for item in incoming:
            original = common.get(item["slug"])
            same = original is not None and all(
                (original.title(lang), original.body(lang)) == (item["title"][lang], item["body"][lang])
                for lang in LANGUAGE_CODES
            )
            if not same:
                saved = adaptation_section_save(
                    adaptation=adaptation,
                    slug=item["slug"],
                    by=by,
                    title_nb=item["title"]["nb"],
                    title_nn=item["title"]["nn"],
                    body_nb=item["body"]["nb"],
                    body_nn=item["body"]["nn"],
                    is_local=original is None,
                    after_slug=previous if original is None else "",
                    level=item["level"],
                )
                if original is not None:
                    # The download's text was written against `base`, not the current version.
                    saved.based_on = base
                    saved.save(update_fields=["based_on"])
            previous = item["slug"] if original is not None else previous
    return adaptation


# --- Staff editor ------------------------------------------------------------------------------


def pathway_next_version_number(pathway: Pathway, *, kind: str, year: int | None = None) -> str:
    """The number `pathway_publish` would give a version of this kind now, for the editor to confirm.
    Only a preview: the number is settled under the row lock when the version is published."""
    if kind == VersionKind.REVISION:
        return str(year or timezone.localdate().year)
    current = pathway.current_version
    if current is None:
        return ""
    current_year = current.year
    latest = Version.objects.filter(pathway=pathway, year=current_year).aggregate(n=Max("correction"))["n"]
    return f"{current_year}.{(latest or 0) + 1}"


def pathway_changed_sections(pathway: Pathway) -> list[Section]:
    """Draft sections that are new or differ from the current version: what publishing would change."""
    published: dict[str, tuple[object, ...]] = {}
    if pathway.current_version_id:
        published = {
            s.slug: tuple(getattr(s, field) for field in COPIED_SECTION_FIELDS)
            for s in VersionSection.objects.filter(version_id=pathway.current_version_id)
        }
    return [
        section
        for section in pathway.sections.filter(retired=False)
        if published.get(section.slug) != tuple(getattr(section, field) for field in COPIED_SECTION_FIELDS)
    ]


def adaptation_update_titles(*, adaptation: LocalAdaptation, by: User, title_nb: str, title_nn: str) -> LocalAdaptation:
    """Set the adaptation's local titles; blank means the common title is shown."""
    with transaction.atomic(), reversion.create_revision():
        adaptation.title_nb, adaptation.title_nn = title_nb, title_nn
        adaptation.save(update_fields=["title_nb", "title_nn", "updated_at"])
        reversion.set_user(by)
        reversion.set_comment(_("Local titles changed"))
    return adaptation
