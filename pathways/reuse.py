"""Reuse by other sites: the links a feed entry and a webhook event give for a published version,
how far behind a copy of a version is, and the record that a version was downloaded.

Links are absolute (SITE_URL) and in both written standards; a site that copied a version learns
from `versions_newer_than` how many published versions have come since ("your copy is 2 versions
behind") and which.
"""

import uuid
from urllib.parse import urlencode

from django.conf import settings
from django.db.models import Count, Q, QuerySet

from .models import LANGUAGE_CODES, Download, DownloadFormat, LocalVersion, Pathway, Version


def event_id(version: Version | LocalVersion) -> uuid.UUID:
    """The one id of "this version was published": the feed entry's id (urn:uuid:…) and the
    webhook event's (X-Forlop-Event-Id) are the same, so a site that reads both can tell."""
    kind = "local-version" if isinstance(version, LocalVersion) else "version"
    return uuid.uuid5(uuid.NAMESPACE_URL, f"{settings.SITE_URL}/{kind}/{version.pk}")


def absolute(path: str) -> str:
    return f"{settings.SITE_URL}{path}"


def previous_version(version: Version) -> Version | None:
    """The published version of the same pathway just before `version`, or None for the first."""
    return (
        Version.objects.filter(pathway_id=version.pathway_id)
        .filter(Q(year__lt=version.year) | Q(year=version.year, correction__lt=version.correction))
        .order_by("-year", "-correction")
        .first()
    )


def previous_local_version(local_version: LocalVersion) -> LocalVersion | None:
    return (
        LocalVersion.objects.filter(adaptation_id=local_version.adaptation_id)
        .filter(Q(year__lt=local_version.year) | Q(year=local_version.year, sequence__lt=local_version.sequence))
        .order_by("-year", "-sequence")
        .first()
    )


def previous_numbers(versions: list[Version]) -> dict[int, str | None]:
    """For each of `versions` (by pk), the number of the version of its pathway before it: one
    query however many (a feed's entries)."""
    rows = sorted(
        Version.objects.filter(pathway_id__in={v.pathway_id for v in versions}).values_list(
            "pk", "pathway_id", "year", "correction"
        ),
        key=lambda row: (row[1], row[2], row[3]),
    )
    before: dict[int, str | None] = {}
    for index, (pk, pathway_id, _year, _correction) in enumerate(rows):
        previous = rows[index - 1] if index and rows[index - 1][1] == pathway_id else None
        before[pk] = (
            None if previous is None else (str(previous[2]) if not previous[3] else f"{previous[2]}.{previous[3]}")
        )
    return before


def previous_local_numbers(local_versions: list[LocalVersion]) -> dict[int, str | None]:
    """The same for local versions: the number of the adaptation's local version before each."""
    rows = sorted(
        LocalVersion.objects.filter(adaptation_id__in={v.adaptation_id for v in local_versions}).values_list(
            "pk", "adaptation_id", "year", "sequence", "number"
        ),
        key=lambda row: (row[1], row[2], row[3]),
    )
    before: dict[int, str | None] = {}
    for index, (pk, adaptation_id, *_rest) in enumerate(rows):
        previous = rows[index - 1] if index and rows[index - 1][1] == adaptation_id else None
        before[pk] = None if previous is None else previous[4]
    return before


def _diff_query(previous: str | None, number: str) -> str:
    query = {"fra": previous, "til": number} if previous else {"til": number}
    return "?" + urlencode(query)


def version_links(version: Version, language: str, *, previous: str | None) -> dict[str, str]:
    """The version's page, its changelog, and the word diff from the version before (`previous`,
    its number; None for the first), relative."""
    base = f"/{language}/forlop/{version.pathway.slug}"
    return {
        "page": f"{base}/versjon/{version.number}/",
        "changelog": f"{base}/versjon/{version.number}/endringer/",
        "diff": f"{base}/endringer/{_diff_query(previous, version.number)}",
    }


def local_version_links(local_version: LocalVersion, language: str, *, previous: str | None) -> dict[str, str]:
    """A local version's page, the adaptation's version history, and the word diff from the one before."""
    adaptation = local_version.adaptation
    base = f"/{language}/{adaptation.partnership.slug}/forlop/{adaptation.pathway.slug}"
    return {
        "page": f"{base}/versjon/{local_version.number}/",
        "history": f"{base}/versjoner/",
        "diff": f"{base}/endringer/{_diff_query(previous, local_version.number)}",
    }


def both_languages(links_of) -> dict[str, dict[str, str]]:
    """`{"page": {"nb": …, "nn": …}, …}` from a function of the language giving relative links."""
    by_language = {language: links_of(language) for language in LANGUAGE_CODES}
    names = by_language[LANGUAGE_CODES[0]].keys()
    return {name: {language: absolute(by_language[language][name]) for language in LANGUAGE_CODES} for name in names}


def versions_newer_than(pathway: Pathway, version: Version) -> QuerySet[Version]:
    """The published versions of `pathway` after `version`, oldest first."""
    return (
        Version.objects.filter(pathway=pathway)
        .filter(Q(year__gt=version.year) | Q(year=version.year, correction__gt=version.correction))
        .order_by("year", "correction")
    )


def download_record(*, version: Version, format: str) -> Download:
    """That `version` was taken in `format` (DownloadFormat): nothing about who took it."""
    return Download.objects.create(version=version, format=format)


def download_counts(pathway: Pathway) -> list[dict]:
    """Per published version of `pathway`, newest first: how many times it was downloaded, in each
    format and in all. One query."""
    versions = pathway.versions.order_by("-year", "-correction").annotate(
        total=Count("downloads"),
        **{f"n_{value}": Count("downloads", filter=Q(downloads__format=value)) for value in DownloadFormat.values},
    )
    return [
        {
            "number": version.number,
            "total": version.total,
            "formats": [(label, getattr(version, f"n_{value}")) for value, label in DownloadFormat.choices],
        }
        for version in versions
    ]
