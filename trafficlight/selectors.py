"""What the traffic-light review reads: the newest mark of each municipality on each section of a
pathway's current version, and whether it still counts.

A mark counts when the section's text in the mark's version (titles and bodies, both written
standards) is the same as in the current version: a correction that left the section alone keeps
its marks, one that changed it sends the section back to the municipality ("from an older text").

Constant queries: `review_cells` reads the sections, the marks and the older texts in three queries
(two when no mark is on an older version), whatever the number of pathways, municipalities and
sections.
"""

from collections.abc import Iterable
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from pathways.models import LANGUAGE_CODES, Municipality, Pathway, Version, VersionSection

from .models import Colour, SectionMark

TEXT_FIELDS = tuple(f"{part}_{lang}" for part in ("title", "body") for lang in LANGUAGE_CODES)


class Status:
    """A cell's state, as codes (the exports) and for the templates."""

    UNMARKED = "unmarked"
    GREEN = Colour.GREEN.value
    YELLOW = Colour.YELLOW.value
    OLDER_TEXT = "older_text"


# What each state is called on the pages, always beside its colour (never colour alone).
STATUS_LABELS = {
    Status.UNMARKED: _("Not marked"),
    Status.GREEN: _("Green: as it is"),
    Status.YELLOW: _("Yellow: adapt"),
    Status.OLDER_TEXT: _("From an older text"),
}


@dataclass(frozen=True)
class Cell:
    """One municipality and one section of the current version."""

    municipality_id: int
    section: VersionSection
    mark: SectionMark | None  # the newest mark, possibly on an older text
    stale: bool  # the mark is on a text the current version has changed

    @property
    def status(self) -> str:
        if self.mark is None:
            return Status.UNMARKED
        if self.stale:
            return Status.OLDER_TEXT
        return self.mark.colour

    @property
    def label(self) -> str:
        return str(STATUS_LABELS[self.status])

    @property
    def answered(self) -> bool:
        return self.mark is not None and not self.stale


def _text(section: VersionSection | dict) -> tuple:
    if isinstance(section, dict):
        return tuple(section[name] for name in TEXT_FIELDS)
    return tuple(getattr(section, name) for name in TEXT_FIELDS)


def review_cells(versions: Iterable[Version], municipality_ids: Iterable[int]) -> dict[int, dict[int, list[Cell]]]:
    """For each version (a pathway's current one) and each municipality: a cell per section of the
    version, in page order. `{version_id: {municipality_id: [Cell, …]}}`."""
    versions = list(versions)
    municipality_ids = list(municipality_ids)
    by_version: dict[int, list[VersionSection]] = {version.pk: [] for version in versions}
    for section in VersionSection.objects.filter(version__in=versions).order_by("version_id", "position", "pk"):
        by_version[section.version_id].append(section)
    current_of = {version.pathway_id: version.pk for version in versions}
    newest: dict[tuple[int, int, str], SectionMark] = {}
    marks = (
        SectionMark.objects.filter(pathway_id__in=list(current_of), municipality_id__in=municipality_ids)
        .select_related("version", "marked_by", "proposal", "override")
        .order_by("version__year", "version__correction")
    )
    for mark in marks:  # oldest first: the newest of each cell is written last
        newest[(current_of[mark.pathway_id], mark.municipality_id, mark.section_slug)] = mark
    older = {
        (mark.version_id, mark.section_slug)
        for (version_id, _m, _s), mark in newest.items()
        if mark.version_id != version_id
    }
    older_texts: dict[tuple[int, str], tuple] = {}
    if older:
        rows = VersionSection.objects.filter(
            version_id__in={version_id for version_id, _slug in older},
            slug__in={slug for _version, slug in older},
        ).values("version_id", "slug", *TEXT_FIELDS)
        older_texts = {(row["version_id"], row["slug"]): _text(row) for row in rows}
    cells: dict[int, dict[int, list[Cell]]] = {}
    for version in versions:
        per_municipality = cells.setdefault(version.pk, {})
        for municipality_id in municipality_ids:
            row = []
            for section in by_version[version.pk]:
                found = newest.get((version.pk, municipality_id, section.slug))
                stale = (
                    found is not None
                    and found.version_id != version.pk
                    and older_texts.get((found.version_id, section.slug)) != _text(section)
                )
                row.append(Cell(municipality_id, section, found, stale))
            per_municipality[municipality_id] = row
    return cells


def published_pathways() -> list[Pathway]:
    """The pathways a municipality is asked about: every published one, in their order."""
    return list(Pathway.objects.filter(current_version__isnull=False).select_related("current_version"))


def waiting_by_pathway(municipality: Municipality) -> list[tuple[Pathway, int, int]]:
    """(pathway, sections still to mark, sections) for each published pathway. Four queries."""
    pathways = published_pathways()
    versions = [pathway.current_version for pathway in pathways if pathway.current_version is not None]
    cells = review_cells(versions, [municipality.pk])
    result = []
    for pathway in pathways:
        assert pathway.current_version_id is not None
        row = cells[pathway.current_version_id][municipality.pk]
        result.append((pathway, sum(1 for cell in row if not cell.answered), len(row)))
    return result
