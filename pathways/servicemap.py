"""The service map (Sammenkart, seed 004): the services of a partnership's pathways, grouped and
colour-coded by the level of the intervention pyramid (tiltakspyramiden), with their local names
and contacts.

The map is drawn from the published content only: the current version of each common pathway with
the partnership's local adaptation in place, as the public pages show it (`_page_sections`). A
draft that has not been published changes nothing here.

What the map reads from the text, since the model has no separate fields for it:

- **The services**: the service sections of the six common services (`Section.service`), each at
  its section's `level`; a service whose sections are at two levels shows at both. And the local
  sections of an adaptation that the local editor gave a level: each is a local service.
- **The local name**: the part of a section title before its first colon ("BUPA: kartlegging" →
  "BUPA"), taken from the partnership's own text first (an override), then from the common text;
  without a colon, the service's name. A local service is named by its title.
- **The contacts**: the lines (paragraphs and list items) of the partnership's own text of the
  service (its overrides, or the local service's section) that hold a phone number, an e-mail
  address or a link. The common text is the same for the whole country and gives no contacts.

A municipality's map is its partnership's map with the municipality named in the title: nothing in
the model is specific to one municipality.
"""

import hashlib
import re
import textwrap
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from html import escape
from html.parser import HTMLParser

from django.conf import settings
from django.db.models import prefetch_related_objects
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from .models import (
    InterventionLevel,
    LocalAdaptation,
    Municipality,
    Partnership,
    Pathway,
    SectionKind,
    Service,
)
from .pages import PageSection, adapted_sections, common_sections, current_local_version_of, remember_local_pages

# Changes whenever what the map shows from the same content changes, so that a browser's copy under
# an old ETag is not taken for the new drawing.
MAP_FORMAT = "1"
MAX_CONTACTS = 6
CONTACT_MAX_CHARS = 160

# Top of the pyramid first, as the map is drawn.
LEVEL_ORDER = [InterventionLevel.SPECIALISED, InterventionLevel.EARLY_HELP, InterventionLevel.UNIVERSAL]


@dataclass(frozen=True)
class LevelStyle:
    strong: str  # the level's band, with white text on it
    light: str  # the cards' fill, with near-black text on it
    css_class: str


# Green, amber and red as on the printed pyramids. White on the strong colour and near-black on the
# light one are both above 7:1 (WCAG AAA for text); the strong colour against white, the page, is
# above 3:1 for the cards' borders. Colour is never alone: every band and card says its level.
LEVEL_STYLES: dict[str, LevelStyle] = {
    InterventionLevel.UNIVERSAL: LevelStyle("#1b5e20", "#e8f5e9", "level-universal"),
    InterventionLevel.EARLY_HELP: LevelStyle("#6d4c00", "#fff4d6", "level-early-help"),
    InterventionLevel.SPECIALISED: LevelStyle("#9f1c24", "#fdeaec", "level-specialised"),
}
TEXT_COLOUR = "#1a1a1a"


def level_label(level: str) -> str:
    return str(InterventionLevel(level).label)


def level_description(level: str) -> str:
    descriptions = {
        InterventionLevel.UNIVERSAL: _(
            "For every child and young person: health promotion, prevention and the first concern."
        ),
        InterventionLevel.EARLY_HELP: _(
            "When there is a concern: assessment and help in the municipality for mild to moderate problems."
        ),
        InterventionLevel.SPECIALISED: _(
            "Specialist health services: assessment and treatment of moderate to severe problems after referral."
        ),
    }
    return str(descriptions[InterventionLevel(level)])


# --- Municipalities in the URL -------------------------------------------------------------------

_NORWEGIAN_LETTERS = str.maketrans({"æ": "ae", "ø": "o", "å": "a", "Æ": "ae", "Ø": "o", "Å": "a"})


def municipality_slug(name: str) -> str:
    """The municipality's part of the map's address, as the partnerships' slugs are written:
    «Bærum» → `baerum`, «Ålesund» → `alesund`."""
    return slugify(name.translate(_NORWEGIAN_LETTERS))


def municipality_by_slug(partnership: Partnership, slug: str) -> Municipality | None:
    """The partnership's municipality with this slug; None for another partnership's or none."""
    for municipality in partnership.municipalities.all():
        if municipality_slug(municipality.name) == slug:
            return municipality
    return None


# --- What the map is drawn from ------------------------------------------------------------------


@dataclass
class MapSources:
    """The published content a partnership's map is drawn from, read in a fixed number of queries."""

    partnership: Partnership
    pathways: list[Pathway]  # published, in page order, with `current_version` selected
    adaptations: dict[int, LocalAdaptation]  # by pathway id

    def fingerprint(self, *parts: object) -> str:
        """A strong validator for everything the map shows: each pathway's current version, each
        adaptation's current local version, the names in the title, and `parts` (the language, the municipality)."""
        inputs = (
            MAP_FORMAT,
            self.partnership.pk,
            self.partnership.name,
            settings.SITE_URL,
            [(p.pk, p.current_version_id) for p in self.pathways],
            sorted((a.pk, a.current_local_version_id) for a in self.adaptations.values()),
            parts,
        )
        return hashlib.sha256(repr(inputs).encode()).hexdigest()[:32]

    def last_modified(self) -> datetime | None:
        moments = [p.current_version.published_at for p in self.pathways if p.current_version is not None]
        moments += [a.current_local_version.published_at for a in self.adaptations.values() if a.current_local_version]
        return max(moments, default=None)


def map_sources(partnership: Partnership) -> MapSources:
    """Two queries: the published pathways with their current versions, the partnership's adaptations."""
    pathways = list(
        Pathway.objects.filter(current_version__isnull=False).select_related("current_version").order_by("position")
    )
    # Only the adaptations readers see: those with a published local version (the draft never shows).
    adaptations = {
        a.pathway_id: a
        for a in LocalAdaptation.objects.filter(
            partnership=partnership, current_local_version__isnull=False
        ).select_related("current_local_version")
    }
    return MapSources(partnership, pathways, adaptations)


def _page_sections(pathway: Pathway, adaptation: LocalAdaptation | None, language: str) -> list[PageSection]:
    """The sections of the partnership's published page of a pathway: its current local version
    (`pages.adapted_sections`, the one place that says what a local page shows), or the current
    common version where the partnership has published no adaptation of it."""
    version = pathway.current_version
    assert version is not None
    if adaptation is None:
        return common_sections(version, language)
    return adapted_sections(current_local_version_of(adaptation), language)


# --- The map -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Contact:
    text: str
    href: str = ""  # the line's first link (http, https, mailto, tel), "" when none


@dataclass(frozen=True)
class MapPathway:
    slug: str
    title: str
    url: str  # the page of the pathway the reader of this map reads, at the service's first section


@dataclass
class MapService:
    key: str  # the service ("gp") or "local-<name>"
    level: str
    name: str
    common_name: str  # the service's name in the common content; "" for a local service
    is_local: bool
    contacts: list[Contact] = field(default_factory=list)
    more_contacts: int = 0  # found beyond MAX_CONTACTS
    pathways: list[MapPathway] = field(default_factory=list)
    _named_locally: bool = False

    @property
    def level_label(self) -> str:
        return level_label(self.level)

    @property
    def more_contacts_label(self) -> str:
        return more_contacts_text(self.more_contacts) if self.more_contacts else ""

    @property
    def subtitle(self) -> str:
        """Under the name: "Local service", or the common name when the local one differs."""
        if self.is_local:
            return _("Local service")
        return self.common_name if self.common_name.casefold() != self.name.casefold() else ""


@dataclass(frozen=True)
class MapLevel:
    level: str
    label: str
    description: str
    style: LevelStyle
    services: list[MapService]


@dataclass(frozen=True)
class ServiceMap:
    partnership: Partnership
    municipality: Municipality | None
    language: str
    title: str
    levels: list[MapLevel]  # top of the pyramid first
    pathway_count: int
    updated: datetime | None
    url: str  # the map's public page, absolute

    @property
    def services(self) -> list[MapService]:
        return [service for level in self.levels for service in level.services]


def map_title(partnership: Partnership, municipality: Municipality | None) -> str:
    if municipality is None:
        return _("Service map: %(partnership)s") % {"partnership": partnership.name}
    return _("Service map: %(municipality)s (%(partnership)s)") % {
        "municipality": municipality.name,
        "partnership": partnership.name,
    }


def map_path(language: str, partnership: Partnership, municipality: Municipality | None = None) -> str:
    with translation.override(language):
        if municipality is None:
            return reverse("pathways:service_map", kwargs={"partnership_slug": partnership.slug})
        return reverse(
            "pathways:service_map_municipality",
            kwargs={"partnership_slug": partnership.slug, "municipality_slug": municipality_slug(municipality.name)},
        )


def _prefix_name(title: str) -> str:
    name, colon, _rest = title.partition(":")
    return name.strip() if colon else ""


def build_service_map(sources: MapSources, *, language: str, municipality: Municipality | None = None) -> ServiceMap:
    """The map of the sources in one written standard. Two queries: the sections of the current
    versions, and those of the adaptations' published local versions (at most two more)."""
    versions = [p.current_version for p in sources.pathways if p.current_version is not None]
    prefetch_related_objects(versions, "sections")
    remember_local_pages(current_local_version_of(a) for a in sources.adaptations.values())
    partnership = sources.partnership
    service_labels = {value: str(label) for value, label in Service.choices}
    found: dict[tuple[str, str], MapService] = {}
    with translation.override(language):
        for pathway in sources.pathways:
            adaptation = sources.adaptations.get(pathway.pk)
            if adaptation is not None:
                page = f"/{language}/{partnership.slug}/forlop/{pathway.slug}/"
                title = adaptation.title(language) or pathway.current_version.title(language)  # type: ignore[union-attr]
            else:
                page = f"/{language}/forlop/{pathway.slug}/"
                title = pathway.current_version.title(language)  # type: ignore[union-attr]
            for section in _page_sections(pathway, adaptation, language):
                entry = _entry_of(section, found, service_labels)
                if entry is None:
                    continue
                if all(p.slug != pathway.slug for p in entry.pathways):
                    entry.pathways.append(MapPathway(pathway.slug, title, f"{page}#{section.slug}"))
                if section.is_local:
                    _add_contacts(entry, contact_lines(section.html))
        levels = [
            MapLevel(
                level,
                level_label(level),
                level_description(level),
                LEVEL_STYLES[level],
                _ordered([s for s in found.values() if s.level == level]),
            )
            for level in LEVEL_ORDER
        ]
        title = map_title(partnership, municipality)
    return ServiceMap(
        partnership=partnership,
        municipality=municipality,
        language=language,
        title=title,
        levels=levels,
        pathway_count=len(sources.pathways),
        updated=sources.last_modified(),
        url=settings.SITE_URL + map_path(language, partnership, municipality),
    )


def _entry_of(
    section: PageSection, found: dict[tuple[str, str], MapService], service_labels: dict[str, str]
) -> MapService | None:
    """The map's entry this section belongs to (made on first sight), None when it is not a service."""
    if section.level not in LEVEL_STYLES:
        return None
    if section.kind == SectionKind.SERVICE and section.service in service_labels:
        key = section.service
        entry = found.get((key, section.level))
        if entry is None:
            common_name = str(service_labels[key])
            entry = found[(key, section.level)] = MapService(
                key, section.level, _prefix_name(section.title) or common_name, common_name, False
            )
        # The partnership's own name for the service wins over the common one, once found.
        local_name = _prefix_name(section.title) if section.is_local else ""
        if local_name and not entry._named_locally:
            entry.name, entry._named_locally = local_name, True
        return entry
    if section.kind == SectionKind.LOCAL and section.title.strip():
        name = section.title.strip()
        key = "local-" + (slugify(name.translate(_NORWEGIAN_LETTERS)) or section.slug)
        entry = found.get((key, section.level))
        if entry is None:
            entry = found[(key, section.level)] = MapService(key, section.level, name, "", True)
        return entry
    return None


def _ordered(services: list[MapService]) -> list[MapService]:
    """The common services in their order on the pages, then the local ones by name."""
    order = {value: index for index, value in enumerate(Service.values)}
    return sorted(services, key=lambda s: (s.is_local, order.get(s.key, 0), s.name.casefold()))


def _add_contacts(entry: MapService, contacts: Iterable[Contact]) -> None:
    for contact in contacts:
        if contact in entry.contacts:
            continue
        if len(entry.contacts) < MAX_CONTACTS:
            entry.contacts.append(contact)
        else:
            entry.more_contacts += 1


# --- Contacts in a section's text ----------------------------------------------------------------

_PHONE = re.compile(r"(?<![\w+])\+?\d[\d \u00a0-]{4,}\d(?!\w)")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_CONTACT_SCHEMES = ("http://", "https://", "mailto:", "tel:")
_BLOCKS = {"p", "li", "td", "th", "blockquote", "h3", "h4", "h5"}


class _Blocks(HTMLParser):
    """The text of each block (paragraph, list item, cell) of sanitised HTML, with its links."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[list[str], list[str]]] = []
        self.blocks: list[tuple[str, list[str]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _BLOCKS:
            self.stack.append(([], []))
        elif tag == "a" and self.stack:
            href = dict(attrs).get("href") or ""
            if href.startswith(_CONTACT_SCHEMES):
                self.stack[-1][1].append(href)
        elif tag == "br" and self.stack:
            self.stack[-1][0].append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in _BLOCKS and self.stack:
            texts, links = self.stack.pop()
            self.blocks.append((" ".join("".join(texts).split()), links))

    def handle_data(self, data: str) -> None:
        if self.stack:
            self.stack[-1][0].append(data)


def _is_phone(candidate: str) -> bool:
    digits = sum(ch.isdigit() for ch in candidate)
    return 6 <= digits <= 12 and not re.fullmatch(r"\d{4}\s*-\s*\d{4}", candidate.strip())


def contact_lines(html: str) -> list[Contact]:
    """The lines of a section's HTML that hold a phone number, an e-mail address or a link, as
    plain text (cut at CONTACT_MAX_CHARS), each with its first link. A link whose address is not
    in its text gets the address added, so that a printed map still says where to go."""
    parser = _Blocks()
    parser.feed(html)
    parser.close()
    contacts = []
    for text, links in parser.blocks:
        if not text:
            continue
        has_phone = any(_is_phone(m.group()) for m in _PHONE.finditer(text))
        if not (has_phone or _EMAIL.search(text) or links):
            continue
        for href in links:
            if href.startswith(("http://", "https://")) and href not in text:
                shown = href.split("://", 1)[1].rstrip("/")
                if shown not in text:
                    text = f"{text} ({shown})"
        if len(text) > CONTACT_MAX_CHARS:
            text = text[: CONTACT_MAX_CHARS - 1].rstrip() + "…"
        contacts.append(Contact(text, links[0] if links else ""))
    return contacts


# --- The drawing (SVG) ---------------------------------------------------------------------------

# A3 landscape, 420 × 297 mm, at 4 units a millimetre.
WIDTH, HEIGHT = 1680, 1188
MARGIN = 48
BAND_WIDTH = 330
GAP = 20
COLUMNS = 3
CARD_WIDTH = (WIDTH - 2 * MARGIN - BAND_WIDTH - GAP - (COLUMNS - 1) * GAP) // COLUMNS
CARD_PADDING = 16
FONT = "Helvetica, Arial, sans-serif"


@dataclass(frozen=True)
class _Line:
    text: str
    size: int
    weight: str = "normal"
    style: str = "normal"
    css_class: str = ""


def _wrap(text: str, size: int, width: float, *, bold: bool = False, max_lines: int = 6) -> list[str]:
    # Helvetica's average glyph is about half its size wide (a little more in bold); wrapping by
    # characters at that width keeps every line inside its box.
    chars = max(8, int(width / (size * (0.58 if bold else 0.52))))
    lines = textwrap.wrap(text, chars, break_long_words=True, break_on_hyphens=False) or [""]
    if len(lines) > max_lines:
        lines = lines[:max_lines]
        lines[-1] = lines[-1][: chars - 1].rstrip() + "…"
    return lines


def _card_lines(service: MapService, pathway_count: int) -> list[_Line]:
    inner = CARD_WIDTH - 2 * CARD_PADDING
    lines = [
        _Line(t, 24, "bold", css_class="service-name") for t in _wrap(service.name, 24, inner, bold=True, max_lines=9)
    ]
    if service.subtitle:
        lines += [_Line(t, 16, style="italic") for t in _wrap(service.subtitle, 16, inner, max_lines=2)]
    lines.append(_Line(_("Level: %(level)s") % {"level": service.level_label}, 16, "bold"))
    if service.contacts:
        lines.append(_Line(_("Contact"), 17, "bold"))
        for contact in service.contacts:
            lines += [_Line(t, 17) for t in _wrap(contact.text, 17, inner, max_lines=3)]
        if service.more_contacts:
            lines.append(_Line(service.more_contacts_label, 16, style="italic"))
    else:
        lines.append(_Line(_("No local contact given yet."), 17, style="italic"))
    if service.pathways:
        lines.append(_Line(_("In the pathways"), 17, "bold"))
        if len(service.pathways) == pathway_count > 1:
            # The usual case for a common service; the table on the page links each of them.
            joined = ngettext("All %(count)d pathway", "All %(count)d pathways", pathway_count) % {
                "count": pathway_count
            }
        else:
            joined = ", ".join(p.title for p in service.pathways)
        lines += [_Line(t, 16) for t in _wrap(joined, 16, inner, max_lines=40)]
    return lines


def more_contacts_text(count: int) -> str:
    return ngettext(
        "%(count)d more contact on the local pathway pages",
        "%(count)d more contacts on the local pathway pages",
        count,
    ) % {"count": count}


def _line_height(line: _Line) -> int:
    return int(line.size * 1.3)


def _text(x: float, y: int, lines: list[_Line], fill: str) -> tuple[str, int]:
    """A <text> of several lines from (x, y) downwards; returns the markup and the y under it."""
    parts = []
    for line in lines:
        y += _line_height(line)
        parts.append(
            f'<text{f' class="{line.css_class}"' if line.css_class else ""} x="{x:.0f}" y="{y:.0f}" '
            f'font-family="{FONT}" font-size="{line.size}" '
            f'font-weight="{line.weight}" font-style="{line.style}" fill="{fill}">{escape(line.text)}</text>'
        )
    return "\n".join(parts), y


def _pyramid_icon(x: float, y: float, level: str, style: LevelStyle) -> str:
    """A small pyramid in three bands, this level's band filled: the shape of the tiltakspyramide."""
    width, height = 90, 66
    band = height / 3
    shapes = []
    for index, band_level in enumerate(LEVEL_ORDER):  # top band first
        top, bottom = y + index * band, y + (index + 1) * band
        half_top, half_bottom = width / 2 * index / 3, width / 2 * (index + 1) / 3
        cx = x + width / 2
        points = (
            f"{cx - half_top:.1f},{top:.1f} {cx + half_top:.1f},{top:.1f} "
            f"{cx + half_bottom:.1f},{bottom:.1f} {cx - half_bottom:.1f},{bottom:.1f}"
        )
        fill = "#ffffff" if band_level == level else style.strong
        shapes.append(f'<polygon points="{points}" fill="{fill}" stroke="#ffffff" stroke-width="2"/>')
    return "\n".join(shapes)


def service_map_svg(service_map: ServiceMap) -> str:
    """The map as a standalone SVG document for A3 landscape. Every text is escaped; the drawing has
    a <title> and a <desc>, and each level is named in words beside its colour."""
    with translation.override(service_map.language):
        return _draw(service_map)


@dataclass
class _LevelLayout:
    level: MapLevel
    rows: list[list[tuple[MapService, list[_Line]]]]
    row_heights: list[int]
    band_lines: list[_Line]
    height: int


def _level_layout(level: MapLevel, pathway_count: int) -> _LevelLayout:
    cards: list[tuple[MapService, list[_Line]]] = [(s, _card_lines(s, pathway_count)) for s in level.services]
    rows = [cards[i : i + COLUMNS] for i in range(0, len(cards), COLUMNS)] or [[]]
    row_heights = [
        max((sum(_line_height(line) for line in lines) + 2 * CARD_PADDING for _s, lines in row), default=70)
        for row in rows
    ]
    band_lines = [_Line(t, 26, "bold") for t in _wrap(level.label, 26, BAND_WIDTH - 40, bold=True)]
    band_lines += [_Line(t, 17) for t in _wrap(level.description, 17, BAND_WIDTH - 40, max_lines=6)]
    band_height = sum(_line_height(line) for line in band_lines) + 66 + 48
    cards_height = sum(row_heights) + GAP * (len(rows) - 1)
    if cards_height < band_height:
        row_heights[-1] += band_height - cards_height
    return _LevelLayout(level, rows, row_heights, band_lines, max(cards_height, band_height))


def _draw_level(layout: _LevelLayout, y: int) -> str:
    level, style = layout.level, layout.level.style
    body = [
        f'<g class="level" data-level="{level.level}">',
        f'<rect x="{MARGIN}" y="{y}" width="{BAND_WIDTH}" height="{layout.height}" rx="10" fill="{style.strong}"/>',
        _pyramid_icon(MARGIN + 20, y + 20, level.level, style),
        _text(MARGIN + 20, y + 20 + 66 + 8, layout.band_lines, "#ffffff")[0],
    ]
    x0 = MARGIN + BAND_WIDTH + GAP
    if not level.services:
        empty = _Line(_("No services at this level yet."), 20, style="italic")
        body.append(_text(x0, y + 10, [empty], TEXT_COLOUR)[0])
    card_y = y
    for row, row_height in zip(layout.rows, layout.row_heights, strict=True):
        for column, (service, lines) in enumerate(row):
            x = x0 + column * (CARD_WIDTH + GAP)
            body.append(
                f'<g class="service" data-service="{escape(service.key)}" data-level="{service.level}">'
                f'<rect x="{x}" y="{card_y}" width="{CARD_WIDTH}" height="{row_height}" rx="8" '
                f'fill="{style.light}" stroke="{style.strong}" stroke-width="3"/>'
                + _text(x + CARD_PADDING, card_y + CARD_PADDING - 4, lines, TEXT_COLOUR)[0]
                + "</g>"
            )
        card_y += row_height + GAP
    body.append("</g>")
    return "\n".join(body)


def _draw(service_map: ServiceMap) -> str:
    body: list[str] = []
    y = MARGIN
    heading, y = _text(MARGIN, y, [_Line(service_map.title, 40, "bold")], TEXT_COLOUR)
    body.append(heading)
    subtitle = _(
        "The services in the collaboration pathways for children and young people, by level of the "
        "intervention pyramid."
    )
    sub, y = _text(MARGIN, y + 6, [_Line(t, 20) for t in _wrap(subtitle, 20, WIDTH - 2 * MARGIN)], TEXT_COLOUR)
    body.append(sub)
    y += 24
    footer_lines = [_Line(t, 16) for t in _wrap(footer_text(service_map), 16, WIDTH - 2 * MARGIN, max_lines=3)]
    footer_height = sum(_line_height(line) for line in footer_lines) + 4
    layouts = [_level_layout(level, service_map.pathway_count) for level in service_map.levels]
    # A map with few services is stretched to fill the sheet: each level's last row of cards grows.
    used = y + sum(layout.height for layout in layouts) + GAP * len(layouts) + footer_height + MARGIN
    if used < HEIGHT and layouts:
        spare = (HEIGHT - used) // len(layouts)
        for layout in layouts:
            layout.row_heights[-1] += spare
            layout.height += spare
    for layout in layouts:
        body.append(_draw_level(layout, y))
        y += layout.height + GAP
    footer, y = _text(MARGIN, y + 4, footer_lines, TEXT_COLOUR)
    body.append(footer)
    # Taller than A3 with many services: the drawing is scaled down onto the sheet, never cut.
    view_height = max(HEIGHT, int(y + MARGIN))
    view_width = max(WIDTH, int(view_height * WIDTH / HEIGHT))
    shift = (view_width - WIDTH) // 2  # the drawing in the middle of a widened sheet
    description = map_description(service_map)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<svg xmlns="http://www.w3.org/2000/svg" width="420mm" height="297mm" '
        f'viewBox="0 0 {view_width} {view_height}" preserveAspectRatio="xMidYMin meet" '
        f'role="img" aria-labelledby="map-title map-desc" lang="{service_map.language}">\n'
        f'<title id="map-title">{escape(service_map.title)}</title>\n'
        f'<desc id="map-desc">{escape(description)}</desc>\n'
        f'<rect x="0" y="0" width="{view_width}" height="{view_height}" fill="#ffffff"/>\n'
        f'<g transform="translate({shift},0)">\n' + "\n".join(body) + "\n</g>\n</svg>\n"
    )


def footer_text(service_map: ServiceMap) -> str:
    parts = [_("From the published collaboration pathways, with the health partnership's local adaptations.")]
    if service_map.updated is not None:
        parts.append(
            _("Last updated %(date)s.") % {"date": date_format(timezone.localtime(service_map.updated).date(), "d.m.Y")}
        )
    parts.append(_("Online: %(url)s") % {"url": service_map.url})
    return " ".join(str(p) for p in parts)


def map_description(service_map: ServiceMap) -> str:
    """What the drawing shows, in words: the <desc> of the SVG and the alt text of the picture."""
    count = len(service_map.services)
    sentences = [
        ngettext(
            "The intervention pyramid with %(count)d service; the table on the map's page holds the same.",
            "The intervention pyramid with %(count)d services; the table on the map's page holds the same.",
            count,
        )
        % {"count": count}
    ]
    for level in service_map.levels:
        names = ", ".join(s.name for s in level.services) or _("none")
        sentences.append(_("%(level)s: %(names)s.") % {"level": level.label, "names": names})
    return " ".join(str(s) for s in sentences)
