"""Public pages. Their URLs are a contract: other sites link here (see the README)."""

import json
import sys
from collections import OrderedDict
from collections.abc import Callable
from datetime import datetime
from urllib.parse import urlencode

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.db import InterfaceError, OperationalError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotModified
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.http import http_date, quote_etag
from django.utils.translation import get_language
from django.views import defaults
from django.views.decorators.http import require_safe

from .diffing import has_changes, word_diff
from .models import (
    LANGUAGE_CODES,
    LocalAdaptation,
    Partnership,
    Pathway,
    SectionKind,
    Service,
    ServicePart,
    Version,
)
from .pages import (
    PageSection,
    adapted_sections,
    common_sections,
    current_pathway_or_404,
    current_version_of,
    published_pathway_or_404,
    version_by_number,
)
from .problems import api_problem_response, is_api_request
from .services import version_export, version_export_markdown


def feedback_links(language: str, pathway_slug: str, version: str, local: str = "") -> Callable[[str], str]:
    """The "report an error" link of each section of one page: the feedback form's URL (by its name:
    the URL is the feedback app's to choose) with the section's context in the query."""
    with translation.override(language):
        form = reverse("feedback:form")

    def link(section_slug: str) -> str:
        query = {"forlop": pathway_slug, "seksjon": section_slug, "versjon": version}
        if local:
            query["lokal"] = local
        return form + "?" + urlencode(query)

    return link


def other_language(language: str) -> str:
    return "nn" if language == "nb" else "nb"


def current_language() -> str:
    """The page's written standard, from the URL prefix; anything else is a 404."""
    language = get_language()
    if language not in LANGUAGE_CODES:
        raise Http404
    return language


def language_context(language: str, path: str) -> dict:
    """What base.html needs for the written standard and the link to the same page in the other one:
    `path` is the page's own path (with or without query), starting with /<language>/."""
    return {"language": language, "other_language": other_language(language), "path_tail": path[len(language) + 2 :]}


def render_page(
    request: HttpRequest, template: str, context: dict, *, status: int = 200, path: str | None = None
) -> HttpResponse:
    """Render a page of this site with the language context of the request's path, or of `path` (the
    page's own GET address, when a POST to another address answers with the page)."""
    language = current_language()
    return render(request, template, language_context(language, path or request.path) | context, status=status)


def _page_groups(sections: list[PageSection], feedback: Callable[[str], str]) -> list[dict]:
    """Group the sections as the page shows them: service sections under one heading per service,
    everything else on its own. Each item is (section, part label, feedback link)."""
    groups: list[dict] = []
    service_labels = dict(Service.choices)
    part_labels = dict(ServicePart.choices)
    for section in sections:
        if section.kind == SectionKind.SERVICE and section.service:
            if not groups or groups[-1].get("service") != section.service:
                groups.append(
                    {
                        "service": section.service,
                        "label": service_labels[section.service],
                        "items": [],
                    }
                )
            groups[-1]["items"].append((section, part_labels.get(section.part, ""), feedback(section.slug)))
        else:
            groups.append({"service": None, "items": [(section, "", feedback(section.slug))]})
    return groups


def _not_modified_or_none(request: HttpRequest, etag: str) -> HttpResponse | None:
    if etag in [tag.strip() for tag in request.headers.get("If-None-Match", "").split(",")]:
        response = HttpResponseNotModified()
        response["ETag"] = etag
        return response
    return None


def _cached_headers(response: HttpResponse, etag: str, last_modified: datetime) -> HttpResponse:
    response["ETag"] = etag
    response["Last-Modified"] = http_date(last_modified.timestamp())
    response["Cache-Control"] = "public, max-age=300"
    return response


# Rendered pages of published versions, per process. A version never changes, so an entry is never
# stale; the key holds everything the page depends on.
_rendered_pages: OrderedDict[tuple, bytes] = OrderedDict()
_RENDERED_PAGES_MAX = 512


def _render_version_page(request: HttpRequest, version: Version, language: str, *, is_current: bool) -> bytes:
    key = (version.pk, language, is_current, request.path)
    cached = _rendered_pages.get(key)
    if cached is not None:
        return cached
    pathway = version.pathway
    sections = common_sections(version, language)
    body = render_to_string(
        "pathways/pathway_detail.html",
        {
            "pathway": pathway,
            "version": version,
            "title": version.title(language),
            "groups": _page_groups(sections, feedback_links(language, pathway.slug, version.number)),
            "is_current": is_current,
            **language_context(language, request.path),
            # Rendered without the request (it is cached), so without config's context processor.
            "service_owner": settings.SERVICE_OWNER,
            "accessibility_statement_url": settings.ACCESSIBILITY_STATEMENT_URL,
        },
    ).encode()
    _rendered_pages[key] = body
    if len(_rendered_pages) > _RENDERED_PAGES_MAX:
        _rendered_pages.popitem(last=False)
    return body


def root_redirect(request: HttpRequest) -> HttpResponse:
    return redirect("/nb/forlop/")


@require_safe
def pathway_index(request: HttpRequest) -> HttpResponse:
    language = current_language()
    pathways = Pathway.objects.filter(current_version__isnull=False).select_related("current_version")
    adaptations = LocalAdaptation.objects.select_related("partnership", "pathway").order_by(
        "partnership__name", "pathway__position"
    )
    return render(
        request,
        "pathways/pathway_index.html",
        {
            "pathways": [(p, p.title(language), p.current_version) for p in pathways],
            "adaptations": [(a, a.title(language) or a.pathway.title(language)) for a in adaptations],
            "partnerships": Partnership.objects.all(),  # each with its service map
            **language_context(language, request.path),
        },
    )


def _serve_version(request: HttpRequest, version: Version, *, is_current: bool) -> HttpResponse:
    language = current_language()
    etag = quote_etag(f"v{version.pk}-{language}{'-c' if is_current else ''}")
    not_modified = _not_modified_or_none(request, etag)
    if not_modified:
        return not_modified
    response = HttpResponse(_render_version_page(request, version, language, is_current=is_current))
    return _cached_headers(response, etag, version.published_at)


@require_safe
def pathway_detail(request: HttpRequest, slug: str) -> HttpResponse:
    pathway = current_pathway_or_404(slug)
    version = current_version_of(pathway)
    version.pathway = pathway
    return _serve_version(request, version, is_current=True)


@require_safe
def version_detail(request: HttpRequest, slug: str, number: str) -> HttpResponse:
    pathway = published_pathway_or_404(slug)
    try:
        version = version_by_number(pathway, number)
    except Version.DoesNotExist:
        raise Http404 from None
    version.pathway = pathway
    return _serve_version(request, version, is_current=version.pk == pathway.current_version_id)


@require_safe
def version_history(request: HttpRequest, slug: str) -> HttpResponse:
    language = current_language()
    pathway = published_pathway_or_404(slug)
    versions = list(pathway.versions.all())
    return render(
        request,
        "pathways/version_history.html",
        {
            "pathway": pathway,
            "title": current_version_of(pathway).title(language),
            "versions": [
                (v, v.summary(language), previous) for v, previous in zip(versions, versions[1:] + [None], strict=True)
            ],
            **language_context(language, request.path),
        },
    )


def _section_diffs(old: Version | None, new: Version, language: str) -> list[dict]:
    """Section by section: changed, added and removed sections, in the new version's order."""
    before = {s.slug: s for s in old.sections.all()} if old else {}
    after = list(new.sections.all())
    rows = []
    for section in after:
        previous = before.pop(section.slug, None)
        if previous is None:
            rows.append({"section": section, "title": section.title(language), "status": "added",
                         "chunks": word_diff("", section.body(language))})  # fmt: skip
            continue
        chunks = word_diff(previous.body(language), section.body(language))
        title_changed = previous.title(language) != section.title(language)
        if has_changes(chunks) or title_changed:
            rows.append({"section": section, "title": section.title(language), "status": "changed",
                         "old_title": previous.title(language) if title_changed else "", "chunks": chunks})  # fmt: skip
    for previous in before.values():
        rows.append({"section": previous, "title": previous.title(language), "status": "removed",
                     "chunks": word_diff(previous.body(language), "")})  # fmt: skip
    return rows


@require_safe
def version_changes(request: HttpRequest, slug: str) -> HttpResponse:
    language = current_language()
    pathway = published_pathway_or_404(slug)
    versions = list(pathway.versions.all())
    try:
        new = version_by_number(pathway, request.GET["til"]) if request.GET.get("til") else versions[0]
        old: Version | None
        if request.GET.get("fra"):
            old = version_by_number(pathway, request.GET["fra"])
        else:
            older = [v for v in versions if (v.year, v.correction) < (new.year, new.correction)]
            old = older[0] if older else None
    except Version.DoesNotExist:
        raise Http404 from None
    etag = quote_etag(f"d{old.pk if old else 0}-{new.pk}-{language}")
    not_modified = _not_modified_or_none(request, etag)
    if not_modified:
        return not_modified
    response = render(
        request,
        "pathways/version_changes.html",
        {
            "pathway": pathway,
            "title": current_version_of(pathway).title(language),
            "old": old,
            "new": new,
            "versions": versions,
            "rows": _section_diffs(old, new, language),
            **language_context(language, request.get_full_path()),
        },
    )
    return _cached_headers(response, etag, new.published_at)


@require_safe
def adaptation_detail(request: HttpRequest, partnership_slug: str, slug: str) -> HttpResponse:
    language = current_language()
    adaptation = get_object_or_404(
        LocalAdaptation.objects.select_related("partnership", "pathway__current_version"),
        partnership__slug=partnership_slug,
        pathway__slug=slug,
        pathway__current_version__isnull=False,
    )
    pathway = adaptation.pathway
    version = current_version_of(pathway)
    etag = quote_etag(f"a{adaptation.pk}-{adaptation.updated_at.timestamp()}-v{version.pk}-{language}")
    not_modified = _not_modified_or_none(request, etag)
    if not_modified:
        return not_modified
    sections = adapted_sections(adaptation, version, language)
    local = adaptation.partnership.slug
    response = render(
        request,
        "pathways/pathway_detail.html",
        {
            "pathway": pathway,
            "version": version,
            "adaptation": adaptation,
            "title": adaptation.title(language) or version.title(language),
            "groups": _page_groups(sections, feedback_links(language, pathway.slug, version.number, local)),
            "is_current": True,
            **language_context(language, request.path),
        },
    )
    return _cached_headers(response, etag, max(adaptation.updated_at, version.published_at))


@require_safe
def pathway_download(request: HttpRequest, slug: str) -> HttpResponse:
    """Download a version, whole or chosen sections (`seksjon`, repeatable), as JSON or Markdown.
    Without `format` the page shows the choices as a form."""
    language = current_language()
    pathway = published_pathway_or_404(slug)
    try:
        version = version_by_number(pathway, request.GET["versjon"]) if request.GET.get("versjon") else None
    except Version.DoesNotExist:
        raise Http404 from None
    version = version or current_version_of(pathway)
    chosen = request.GET.getlist("seksjon")
    fmt = request.GET.get("format", "")
    known = {s.slug for s in version.sections.all()}
    if fmt and any(slug not in known for slug in chosen):
        raise Http404
    filename = f"{pathway.slug}-{version.number}"
    if fmt == "json":
        response = HttpResponse(
            json.dumps(version_export(version, slugs=chosen), ensure_ascii=False, indent=2),
            content_type="application/json; charset=utf-8",
        )
        response["Content-Disposition"] = f'attachment; filename="{filename}.json"'
        return response
    if fmt == "md":
        response = HttpResponse(
            version_export_markdown(version, language=language, slugs=chosen),
            content_type="text/markdown; charset=utf-8",
        )
        response["Content-Disposition"] = f'attachment; filename="{filename}-{language}.md"'
        return response
    if fmt:
        raise Http404
    return render(
        request,
        "pathways/pathway_download.html",
        {
            "pathway": pathway,
            "version": version,
            "title": version.title(language),
            "sections": [(s.slug, s.title(language)) for s in version.sections.all()],
            **language_context(language, request.get_full_path()),
        },
    )


# Under /api/ every error is a problem (application/problem+json), also those that never reach a
# DRF view: an address no route matches, an unhandled error (pathways.problems).


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if is_api_request(request):
        return api_problem_response(request, 404)
    return HttpResponse(render_to_string("404.html", request=request), status=404)


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    """Django's answer to a suspicious request (a body over DATA_UPLOAD_MAX_MEMORY_SIZE, a bad Host)."""
    if is_api_request(request):
        return api_problem_response(request, 413 if isinstance(exception, RequestDataTooBig) else 400)
    return defaults.bad_request(request, exception)


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    if is_api_request(request):
        return api_problem_response(request, 403)
    return defaults.permission_denied(request, exception)


def server_error(request: HttpRequest) -> HttpResponse:
    """The page for an unhandled error. When the database cannot be reached the reader gets 503,
    "try again in a few minutes", instead of 500. Neither page touches the database, and Django
    calls this inside its `except` block, so `sys.exc_info()` is the error being handled."""
    unavailable = isinstance(sys.exc_info()[1], OperationalError | InterfaceError)
    if is_api_request(request):
        response = api_problem_response(request, 503 if unavailable else 500)
    elif unavailable:
        response = HttpResponse(render_to_string("503.html"), status=503)
    else:
        return HttpResponse(render_to_string("500.html"), status=500)
    if unavailable:
        response["Retry-After"] = "120"
    return response


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    if is_api_request(request):
        return api_problem_response(request, 403)
    return HttpResponse(render_to_string("403_csrf.html", request=request), status=403)
