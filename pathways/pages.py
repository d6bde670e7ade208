"""Reads for the public pages: which version to show, and its sections in page order."""

import re
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

from django.conf import settings
from django.shortcuts import get_object_or_404

from .models import (
    LANGUAGE_CODES,
    LocalAdaptation,
    LocalVersion,
    LocalVersionSection,
    Pathway,
    SectionKind,
    Version,
    VersionSection,
)


@dataclass(frozen=True)
class PageSection:
    slug: str
    kind: str
    service: str
    part: str
    title: str
    html: str
    is_local: bool = False
    level: str = ""  # the intervention pyramid's level (models.InterventionLevel), "" when none


_NUMBER = re.compile(r"[0-9]+(\.[0-9]+)?")


def version_by_number(pathway: Pathway, number: str) -> Version:
    # ASCII digits only: str.isdigit() is true of "²" and "٢", which int() reads differently or not at all.
    if len(number) > 12 or not _NUMBER.fullmatch(number):
        raise Version.DoesNotExist
    year, _sep, correction = number.partition(".")
    return Version.objects.get(pathway=pathway, year=int(year), correction=int(correction or 0))


def published_pathway_or_404(slug: str) -> Pathway:
    return get_object_or_404(
        Pathway.objects.select_related("current_version"), slug=slug, current_version__isnull=False
    )


# Which version is current, per process, for a few seconds: the one database query a public page
# would otherwise make on every request. The process that publishes forgets the entry at once
# (see services.pathway_publish); other processes see the new version within
# PAGE_LOOKUP_SECONDS. Only published pathways are remembered, so unknown slugs cannot fill it.
_current: dict[str, tuple[float, Pathway]] = {}


def current_pathway_or_404(slug: str) -> Pathway:
    now = time.monotonic()
    hit = _current.get(slug)
    if hit is not None and hit[0] > now:
        return hit[1]
    pathway = published_pathway_or_404(slug)
    if settings.PAGE_LOOKUP_SECONDS:
        _current[slug] = (now + settings.PAGE_LOOKUP_SECONDS, pathway)
    return pathway


def forget_current(slug: str) -> None:
    _current.pop(slug, None)


def current_version_of(pathway: Pathway) -> Version:
    """The current version of a pathway the caller fetched as published (`published_pathway_or_404`,
    `current_pathway_or_404`, or a `current_version__isnull=False` filter)."""
    version = pathway.current_version
    assert version is not None, f"pathway {pathway.slug} is not published"
    return version


# Published versions and their sections never change, so what is read of them is kept per process
# for good (bounded). A number that does not exist yet is not remembered: it may be published.
_versions: dict[tuple[int, str], Version] = {}
_section_titles: dict[int, dict[str, tuple[str, str]]] = {}
_REMEMBERED_MAX = 2048


def remember[K, V](store: dict[K, V], key: K, value: V, *, limit: int = _REMEMBERED_MAX) -> V:
    """Keep `value` under `key` in a per-process `store` of at most `limit` entries (the oldest goes
    first) and give it back: for what is read of published versions, which never changes."""
    if len(store) >= limit:
        store.pop(next(iter(store)))
    store[key] = value
    return value


def published_version(pathway: Pathway, number: str) -> Version:
    """The version with this number (raises Version.DoesNotExist), remembered per process."""
    key = (pathway.pk, number)
    found = _versions.get(key)
    return found if found is not None else remember(_versions, key, version_by_number(pathway, number))


def section_titles(version: Version) -> dict[str, tuple[str, str]]:
    """{section slug: (title nb, title nn)} of a published version, remembered per process."""
    found = _section_titles.get(version.pk)
    if found is None:
        titles = {slug: (nb, nn) for slug, nb, nn in version.sections.values_list("slug", "title_nb", "title_nn")}
        found = remember(_section_titles, version.pk, titles)
    return found


def common_sections(version: Version, language: str) -> list[PageSection]:
    return [
        PageSection(s.slug, s.kind, s.service, s.part, s.title(language), s.html(language), level=s.level)
        for s in version.sections.all()
    ]


# --- Local pages -----------------------------------------------------------------------------------


class _AdaptedRow(Protocol):
    """A draft `AdaptedSection` or a published `LocalVersionSection`: what a local page is made of."""

    slug: str
    is_local: bool
    after_slug: str
    level: str  # a local section's own level on the service map; "" for an override

    def title(self, language: str) -> str: ...
    def body(self, language: str) -> str: ...
    def html(self, language: str) -> str: ...


@dataclass(frozen=True)
class LocalPageSection:
    """A section of a local page in both written standards: a common section as it is, a common
    section the partnership rewrote (`adapted`), or a local section of its own (`kind` "local")."""

    slug: str
    kind: str
    service: str
    part: str
    titles: tuple[str, str]  # nb, nn
    bodies: tuple[str, str]
    htmls: tuple[str, str]
    adapted: bool = False
    level: str = ""

    def title(self, language: str) -> str:
        return self.titles[LANGUAGE_CODES.index(language)]

    def body(self, language: str) -> str:
        return self.bodies[LANGUAGE_CODES.index(language)]

    def html(self, language: str) -> str:
        return self.htmls[LANGUAGE_CODES.index(language)]

    def page_section(self, language: str) -> PageSection:
        return PageSection(
            self.slug,
            self.kind,
            self.service,
            self.part,
            self.title(language),
            self.html(language),
            self.adapted,
            level=self.level,
        )


def _both(get) -> tuple[str, str]:
    return get("nb"), get("nn")


def compose_local_page(common: Iterable[VersionSection], adapted: Iterable[_AdaptedRow]) -> list[LocalPageSection]:
    """The common sections with the overrides in place (a blank override title shows the common
    title) and the local sections inserted after the common section each names (at the end when
    that section no longer exists). The same for the draft and for a published local version."""
    overrides: dict[str, _AdaptedRow] = {}
    local_after: dict[str, list[_AdaptedRow]] = {}
    for row in adapted:
        if row.is_local:
            local_after.setdefault(row.after_slug, []).append(row)
        else:
            overrides[row.slug] = row

    def local(row: _AdaptedRow) -> LocalPageSection:
        return LocalPageSection(
            row.slug, SectionKind.LOCAL, "", "", _both(row.title), _both(row.body), _both(row.html), True, row.level
        )

    page: list[LocalPageSection] = []
    for section in common:
        override = overrides.get(section.slug)
        if override is None:
            page.append(
                LocalPageSection(
                    section.slug,
                    section.kind,
                    section.service,
                    section.part,
                    _both(section.title),
                    _both(section.body),
                    _both(section.html),
                    level=section.level,
                )
            )
        else:
            page.append(
                LocalPageSection(
                    section.slug,
                    section.kind,
                    section.service,
                    section.part,
                    _both(lambda lang, o=override, s=section: o.title(lang) or s.title(lang)),
                    _both(override.body),
                    _both(override.html),
                    True,
                    level=section.level,
                )
            )
        page.extend(local(row) for row in local_after.pop(section.slug, []))
    page.extend(local(row) for group in local_after.values() for row in group)
    return page


# What is read of a published local version never changes, so it is kept per process for good
# (bounded), like the common versions above.
_local_pages: dict[int, list[LocalPageSection]] = {}
_local_versions: dict[tuple[int, str], LocalVersion] = {}


def local_page(local_version: LocalVersion) -> list[LocalPageSection]:
    """Every section of a published local version's page, in both written standards, remembered per
    process. Two queries the first time (the common version's sections and the local ones), however
    many sections there are."""
    found = _local_pages.get(local_version.pk)
    if found is None:
        remember_local_pages([local_version])
        found = _local_pages[local_version.pk]
    return found


def remember_local_pages(local_versions: Iterable[LocalVersion]) -> None:
    """Compose and remember the pages of those of `local_versions` not remembered yet: two queries
    for them all (the service map reads every adaptation of a partnership at once)."""
    missing = {lv.pk: lv for lv in local_versions if lv.pk not in _local_pages}
    if not missing:
        return
    common: dict[int, list[VersionSection]] = {}
    for section in VersionSection.objects.filter(version_id__in={lv.common_version_id for lv in missing.values()}):
        common.setdefault(section.version_id, []).append(section)
    adapted: dict[int, list[LocalVersionSection]] = {pk: [] for pk in missing}
    for row in LocalVersionSection.objects.filter(local_version_id__in=missing):
        adapted[row.local_version_id].append(row)
    for pk, local_version in missing.items():
        remember(_local_pages, pk, compose_local_page(common.get(local_version.common_version_id, []), adapted[pk]))


def adapted_sections(local_version: LocalVersion, language: str) -> list[PageSection]:
    """The sections of a partnership's published local page, in page order, for one written
    standard: the one place that says what a local page shows (the public page, the service map).

    `local_version` is the adaptation's published `LocalVersion` (usually its
    `current_local_version`, see `current_adaptation_or_404`); the draft is never shown to readers.
    Overridden common sections and local sections have `is_local` true."""
    return [section.page_section(language) for section in local_page(local_version)]


def local_section(local_version: LocalVersion, slug: str) -> LocalPageSection | None:
    """One section of a published local page by its anchor, or None."""
    return next((s for s in local_page(local_version) if s.slug == slug), None)


def _adaptations():
    return LocalAdaptation.objects.select_related(
        "partnership", "pathway__current_version", "current_local_version__common_version"
    )


def published_adaptation_or_404(partnership_slug: str, slug: str) -> LocalAdaptation:
    """A partnership's adaptation that has a published local version. Before its first local publish
    an adaptation has no public page: readers see the common pathway until then."""
    return get_object_or_404(
        _adaptations(), partnership__slug=partnership_slug, pathway__slug=slug, current_local_version__isnull=False
    )


# Which local version is current, per process, for PAGE_LOOKUP_SECONDS, as for the common pages.
# The process that publishes forgets the entry on commit (services.adaptation_publish).
_current_local: dict[tuple[str, str], tuple[float, LocalAdaptation]] = {}


def current_adaptation_or_404(partnership_slug: str, slug: str) -> LocalAdaptation:
    now = time.monotonic()
    key = (partnership_slug, slug)
    hit = _current_local.get(key)
    if hit is not None and hit[0] > now:
        return hit[1]
    adaptation = published_adaptation_or_404(partnership_slug, slug)
    if settings.PAGE_LOOKUP_SECONDS:
        _current_local[key] = (now + settings.PAGE_LOOKUP_SECONDS, adaptation)
    return adaptation


def forget_current_adaptation(partnership_slug: str, slug: str) -> None:
    _current_local.pop((partnership_slug, slug), None)


def current_local_version_of(adaptation: LocalAdaptation) -> LocalVersion:
    """The current local version of an adaptation fetched as published (`published_adaptation_or_404`,
    `current_adaptation_or_404`)."""
    local_version = adaptation.current_local_version
    assert local_version is not None, f"adaptation {adaptation.pk} has no local version"
    local_version.adaptation = adaptation
    return local_version


_LOCAL_NUMBER = re.compile(r"[a-z0-9-]{1,80}-[0-9]{4}\.[0-9]{1,6}")


def published_local_version(adaptation: LocalAdaptation, number: str) -> LocalVersion:
    """The adaptation's local version with this number (raises LocalVersion.DoesNotExist; another
    partnership's number names nothing here), remembered per process."""
    if not _LOCAL_NUMBER.fullmatch(number):
        raise LocalVersion.DoesNotExist
    key = (adaptation.pk, number)
    found = _local_versions.get(key)
    if found is None:
        found = LocalVersion.objects.select_related("common_version").get(adaptation=adaptation, number=number)
        found.adaptation = adaptation
        remember(_local_versions, key, found)
    return found
