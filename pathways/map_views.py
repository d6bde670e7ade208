"""The service map's public pages (Sammenkart): the page with the picture and the table, the SVG
and the A3 PDF, for a partnership and for each of its municipalities. Drawn from the published
content (`servicemap`); they carry an ETag from it and answer a matching `If-None-Match` with 304."""

import base64

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.utils.http import quote_etag
from django.views.decorators.http import require_safe

from .models import Municipality, Partnership
from .pages import remember
from .pdf import render_pdf
from .servicemap import (
    LEVEL_ORDER,
    LEVEL_STYLES,
    MapSources,
    ServiceMap,
    build_service_map,
    level_description,
    level_label,
    map_description,
    map_path,
    map_sources,
    municipality_by_slug,
    service_map_svg,
)
from .views import _cached_headers, _not_modified_or_none, current_language, language_context

# The PDF takes xhtml2pdf a while; its bytes are kept per process under the map's ETag, which
# changes with everything the map shows.
_pdfs: dict[str, bytes] = {}
_PDFS_MAX = 64


def _map_target(partnership_slug: str, slug: str | None) -> tuple[Partnership, Municipality | None]:
    partnership = get_object_or_404(Partnership, slug=partnership_slug)
    if slug is None:
        return partnership, None
    municipality = municipality_by_slug(partnership, slug)
    if municipality is None:
        raise Http404
    return partnership, municipality


def _etag(sources: MapSources, kind: str, language: str, municipality: Municipality | None) -> str:
    return quote_etag(f"m-{kind}-" + sources.fingerprint(language, municipality.pk if municipality else None,
                                                          municipality.name if municipality else ""))  # fmt: skip


def _serve(request: HttpRequest, partnership_slug: str, municipality_slug: str | None, kind: str) -> HttpResponse:
    language = current_language()
    partnership, municipality = _map_target(partnership_slug, municipality_slug)
    sources = map_sources(partnership)
    etag = _etag(sources, kind, language, municipality)
    not_modified = _not_modified_or_none(request, etag)
    if not_modified:
        return not_modified
    service_map = build_service_map(sources, language=language, municipality=municipality)
    filename = "sammenkart-" + partnership.slug + (f"-{municipality_slug}" if municipality_slug else "")
    if kind == "svg":
        response = HttpResponse(service_map_svg(service_map), content_type="image/svg+xml; charset=utf-8")
        response["Content-Disposition"] = f'inline; filename="{filename}.svg"'
    elif kind == "pdf":
        pdf = _pdfs.get(etag)
        if pdf is None:
            pdf = remember(_pdfs, etag, render_pdf(_pdf_html(service_map)), limit=_PDFS_MAX)
        response = HttpResponse(pdf, content_type="application/pdf")
        response["Content-Disposition"] = f'inline; filename="{filename}.pdf"'
    else:
        response = render(request, "pathways/servicemap.html", _page_context(request, service_map))
    if service_map.updated is not None:
        return _cached_headers(response, etag, service_map.updated)
    response["ETag"] = etag
    return response


def _levels_legend() -> list[dict]:
    return [
        {"level": level, "label": level_label(level), "description": level_description(level),
         "css_class": LEVEL_STYLES[level].css_class}
        for level in LEVEL_ORDER
    ]  # fmt: skip


def _table_context(service_map: ServiceMap) -> dict:
    return {
        "map": service_map,
        "legend": _levels_legend(),
        "levels": [{"level": level, "css_class": LEVEL_STYLES[level.level].css_class} for level in service_map.levels],
    }


def _page_context(request: HttpRequest, service_map: ServiceMap) -> dict:
    partnership, language = service_map.partnership, service_map.language
    here = map_path(language, partnership, service_map.municipality)
    municipalities = [(m, map_path(language, partnership, m)) for m in partnership.municipalities.all()]
    return _table_context(service_map) | {
        "alt": map_description(service_map),
        "svg_url": here + "sammenkart.svg",
        "pdf_url": here + "sammenkart.pdf",
        "partnership_url": map_path(language, partnership),
        "municipalities": municipalities,
        **language_context(language, request.path),
    }


def _pdf_html(service_map: ServiceMap) -> str:
    """The PDF's HTML: the drawing on the first A3 page, the table after it. The SVG goes in as a
    data: URI, so that nothing is fetched."""
    svg = base64.b64encode(service_map_svg(service_map).encode()).decode()
    return render_to_string(
        "pathways/servicemap_pdf.html",
        _table_context(service_map) | {"svg_data_uri": "data:image/svg+xml;base64," + svg,
                                       "language": service_map.language},
    )  # fmt: skip


@require_safe
def service_map(request: HttpRequest, partnership_slug: str, municipality_slug: str | None = None) -> HttpResponse:
    return _serve(request, partnership_slug, municipality_slug, "page")


@require_safe
def service_map_svg_view(
    request: HttpRequest, partnership_slug: str, municipality_slug: str | None = None
) -> HttpResponse:
    return _serve(request, partnership_slug, municipality_slug, "svg")


@require_safe
def service_map_pdf(request: HttpRequest, partnership_slug: str, municipality_slug: str | None = None) -> HttpResponse:
    return _serve(request, partnership_slug, municipality_slug, "pdf")
