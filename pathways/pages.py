"""Reads for the public pages: which version to show, and its sections in page order."""

import re
import time
from dataclasses import dataclass

from django.conf import settings
from django.shortcuts import get_object_or_404

from .models import AdaptedSection, LocalAdaptation, Pathway, SectionKind, Version


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


def _remember[K, V](store: dict[K, V], key: K, value: V) -> V:
    if len(store) >= _REMEMBERED_MAX:
        store.pop(next(iter(store)))
    store[key] = value
    return value


def published_version(pathway: Pathway, number: str) -> Version:
    """The version with this number (raises Version.DoesNotExist), remembered per process."""
    key = (pathway.pk, number)
    found = _versions.get(key)
    return found if found is not None else _remember(_versions, key, version_by_number(pathway, number))


def section_titles(version: Version) -> dict[str, tuple[str, str]]:
    """{section slug: (title nb, title nn)} of a published version, remembered per process."""
    found = _section_titles.get(version.pk)
    if found is None:
        titles = {slug: (nb, nn) for slug, nb, nn in version.sections.values_list("slug", "title_nb", "title_nn")}
        found = _remember(_section_titles, version.pk, titles)
    return found


def common_sections(version: Version, language: str) -> list[PageSection]:
    return [
        PageSection(s.slug, s.kind, s.service, s.part, s.title(language), s.html(language), level=s.level)
        for s in version.sections.all()
    ]


def adapted_sections(adaptation: LocalAdaptation, version: Version, language: str) -> list[PageSection]:
    """The common sections with the adaptation's overrides in place and its local sections inserted
    after the common section each names (at the end when that section no longer exists)."""
    overrides: dict[str, AdaptedSection] = {}
    local_after: dict[str, list[AdaptedSection]] = {}
    for adapted in adaptation.sections.all():
        if adapted.is_local:
            local_after.setdefault(adapted.after_slug, []).append(adapted)
        else:
            overrides[adapted.slug] = adapted

    def local(adapted: AdaptedSection) -> PageSection:
        return PageSection(
            adapted.slug,
            SectionKind.LOCAL,
            "",
            "",
            adapted.title(language),
            adapted.html(language),
            True,
            level=adapted.level,
        )

    page = []
    for section in common_sections(version, language):
        override = overrides.get(section.slug)
        if override is not None:
            section = PageSection(
                section.slug,
                section.kind,
                section.service,
                section.part,
                override.title(language) or section.title,
                override.html(language),
                True,
                level=section.level,
            )
        page.append(section)
        page.extend(local(a) for a in local_after.pop(section.slug, []))
    page.extend(local(a) for group in local_after.values() for a in group)
    return page
