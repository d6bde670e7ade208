"""What the reader is commenting on, from the link's query parameters (`forlop`, `seksjon`,
`versjon`, `lokal`, `lokalversjon`, `side`). Anything unknown is marked so, and the form still works."""

import re
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.http import Http404

from pathways.models import LocalAdaptation, LocalVersion, Partnership, Pathway, Version
from pathways.pages import (
    current_pathway_or_404,
    current_version_of,
    local_section,
    published_local_version,
    published_version,
    section_titles,
)


@dataclass(frozen=True)
class FeedbackContext:
    pathway: Pathway | None = None
    section_slug: str = ""
    section_title: str = ""
    version: Version | None = None
    partnership: Partnership | None = None
    local_version: LocalVersion | None = None  # the partnership's local version the reader saw
    external_url: str = ""
    unknown: bool = False  # something was named that does not exist

    def pathway_title(self, language: str) -> str:
        if self.version is not None:
            return self.version.title(language)
        return self.pathway.title(language) if self.pathway else ""


# What a slug can be. A value that is not one names nothing, and is never put in a query (PostgreSQL
# refuses a text parameter with a NUL character outright, so "?forlop=%00" would be a server error).
_SLUG = re.compile(r"[-\w]+")


def _slug(params: Mapping[str, str], name: str) -> tuple[str, bool]:
    """The slug named by the link parameter `name`, and whether the parameter named something that
    cannot exist."""
    value = (params.get(name) or "")[:200]
    if not value or _SLUG.fullmatch(value):
        return value, False
    return "", True


def _external_url(value: str) -> str:
    value = (value or "").strip()
    if not value or len(value) > 500 or not value.isprintable() or any(ch.isspace() for ch in value):
        return ""
    parts = urlsplit(value)
    return value if parts.scheme in {"http", "https"} and parts.netloc else ""


def _published_pathway(slug: str) -> Pathway | None:
    try:
        return current_pathway_or_404(slug)
    except Http404:
        return None


def _local_version(partnership: Partnership, pathway: Pathway, number: str) -> tuple[LocalVersion | None, bool]:
    """The local version the reader saw, and whether the link named one that does not exist (or is
    another partnership's): then, as for an unknown common version, the current one is taken."""
    adaptation = (
        LocalAdaptation.objects.select_related("current_local_version__common_version")
        .filter(partnership=partnership, pathway=pathway, current_local_version__isnull=False)
        .first()
    )
    if adaptation is None:
        return None, bool(number)
    adaptation.partnership, adaptation.pathway = partnership, pathway
    current = adaptation.current_local_version
    if number:
        try:
            return published_local_version(adaptation, number), False
        except LocalVersion.DoesNotExist:
            return current, True
    return current, False


def resolve_context(params: Mapping[str, str], language: str) -> FeedbackContext:
    """Most readers come from a common page: the pathway, the version and its section titles are
    then read from the per-process memory of pathways.pages, without a query."""
    pathway_slug, bad_pathway = _slug(params, "forlop")
    section_slug, bad_section = _slug(params, "seksjon")
    local, bad_local = _slug(params, "lokal")
    number = (params.get("versjon") or "")[:50]
    side = params.get("side") or ""
    external_url = _external_url(side)
    unknown = (bool(side) and not external_url) or bad_pathway or bad_section or bad_local

    partnership = Partnership.objects.filter(slug=local).first() if local else None
    unknown |= bool(local) and partnership is None
    pathway = _published_pathway(pathway_slug) if pathway_slug else None
    if pathway is None:
        return FeedbackContext(
            partnership=partnership, external_url=external_url, unknown=unknown or bool(pathway_slug or section_slug)
        )
    version = current_version_of(pathway)
    if number:
        try:
            version = published_version(pathway, number)
        except Version.DoesNotExist:
            unknown = True
    local_version = None
    if partnership is not None:
        local_number = (params.get("lokalversjon") or "")[:100]
        local_version, bad_local_version = _local_version(partnership, pathway, local_number)
        unknown |= bad_local_version
        if local_version is not None:
            # The common text the reader saw is the one the local version builds on.
            version = local_version.common_version
    section_title = ""
    if section_slug:
        if local_version is not None:
            seen = local_section(local_version, section_slug)
            section_title = seen.title(language) if seen else ""
        else:
            titles = section_titles(version).get(section_slug)
            section_title = titles[0 if language == "nb" else 1] if titles else ""
        if not section_title:
            unknown = True
            section_slug = ""
    return FeedbackContext(
        pathway=pathway,
        section_slug=section_slug,
        section_title=section_title,
        version=version,
        partnership=partnership,
        local_version=local_version,
        external_url=external_url,
        unknown=unknown,
    )
