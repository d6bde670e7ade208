"""Public pages. Their URLs are a contract: other sites link here (see the README)."""

import json
import sys
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Protocol
from urllib.parse import urlencode

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.db import InterfaceError, OperationalError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotModified
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.http import http_date, quote_etag
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views import defaults
from django.views.decorators.http import require_safe

from .diffing import has_changes, word_diff
from .models import (
    LANGUAGE_CODES,
    DownloadFormat,
    LocalAdaptation,
    LocalVersion,
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
    current_adaptation_or_404,
    current_local_version_of,
    current_pathway_or_404,
    current_version_of,
    local_page,
    published_adaptation_or_404,
    published_local_version,
    published_pathway_or_404,
    remember,
    version_by_number,
)
from .pdf import PdfFailed, render_pdf
from .problems import api_problem_response, is_api_request
from .reading import FOLD_AT_PARTS, USEFUL_TOKEN_PLACEHOLDER, UsefulPage, fill_useful_token, page_toc
from .reuse import download_record, versions_newer_than
from .services import version_export, version_export_markdown


def feedback_links(
    language: str, pathway_slug: str, version: str, local: str = "", local_version: str = ""
) -> Callable[[str], str]:
    """The "report an error" link of each section of one page: the feedback form's URL (by its name:
    the URL is the feedback app's to choose) with the section's context in the query. A local page
    names its partnership (`lokal`) and the local version the reader sees (`lokalversjon`). An empty
    `section_slug` is the page as a whole (the useful-answer's "no" leads there)."""
    with translation.override(language):
        form = reverse("feedback:form")

    def link(section_slug: str) -> str:
        query = {"forlop": pathway_slug, "seksjon": section_slug} if section_slug else {"forlop": pathway_slug}
        query["versjon"] = version
        if local:
            query["lokal"] = local
        if local_version:
            query["lokalversjon"] = local_version
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
    everything else on its own. Each item is (section, part label, link): the section's feedback
    link on the page, its full address in the print view. A service group has an `anchor` of its
    own (a service that comes back after a local section gets "-2"), and `fold` when it is long
    enough to be worth folding."""
    groups: list[dict] = []
    service_labels = dict(Service.choices)
    part_labels = dict(ServicePart.choices)
    seen: dict[str, int] = {}
    for section in sections:
        if section.kind == SectionKind.SERVICE and section.service:
            if not groups or groups[-1].get("service") != section.service:
                seen[section.service] = seen.get(section.service, 0) + 1
                suffix = f"-{seen[section.service]}" if seen[section.service] > 1 else ""
                groups.append(
                    {
                        "service": section.service,
                        "anchor": f"service-{section.service}{suffix}",
                        "label": service_labels[section.service],
                        "items": [],
                    }
                )
            groups[-1]["items"].append((section, part_labels.get(section.part, ""), feedback(section.slug)))
        else:
            groups.append({"service": None, "items": [(section, "", feedback(section.slug))]})
    for group in groups:
        group["fold"] = group["service"] is not None and len(group["items"]) >= FOLD_AT_PARTS
    return groups


def _reading_context(groups: list[dict], language: str) -> dict:
    """What the page's reading aids need: the table of contents, where it goes (after the lead),
    the useful-form's address and its per-view token placeholder."""
    toc = page_toc(groups, _("Who does what?"))
    toc_before = next((i for i, g in enumerate(groups) if g["service"] or g["items"][0][0].kind != "lead"), 0)
    with translation.override(language):
        useful_url = reverse("feedback:useful")
    return {
        "toc": toc,
        "toc_before": toc_before,
        "useful_url": useful_url,
        "useful_token_input": USEFUL_TOKEN_PLACEHOLDER.decode(),
    }


class _Texts(Protocol):
    @property
    def slug(self) -> str: ...

    def title(self, language: str) -> str: ...
    def body(self, language: str) -> str: ...


def _not_modified_or_none(request: HttpRequest, etag: str) -> HttpResponse | None:
    # From META, not request.headers: that builds the mapping of every header for this one.
    if etag in [tag.strip() for tag in request.META.get("HTTP_IF_NONE_MATCH", "").split(",")]:
        response = HttpResponseNotModified()
        response["ETag"] = etag
        return response
    return None


def _cached_headers(
    response: HttpResponse, etag: str, last_modified: datetime, *, private: bool = False
) -> HttpResponse:
    response["ETag"] = etag
    response["Last-Modified"] = http_date(last_modified.timestamp())
    # A page with a per-view token (the useful-form) must not be shared by a proxy: every reader
    # behind it would get the same token, and only the first answer would count.
    response["Cache-Control"] = "private, max-age=300" if private else "public, max-age=300"
    return response


def _page_etag(tag: str) -> str:
    # Weak: the body differs per response (the useful-form's token), the page does not.
    return "W/" + quote_etag(tag)


# Rendered pages of published versions, per process. A version never changes, so an entry is never
# stale; the key holds everything the page depends on.
_rendered_pages: dict[tuple, bytes] = {}
_RENDERED_PAGES_MAX = 512


def _render_version_page(request: HttpRequest, version: Version, language: str, *, is_current: bool) -> bytes:
    key = (version.pk, language, is_current, request.path)
    cached = _rendered_pages.get(key)
    if cached is not None:
        return cached
    pathway = version.pathway
    sections = common_sections(version, language)
    groups = _page_groups(sections, feedback_links(language, pathway.slug, version.number))
    body = render_to_string(
        "pathways/pathway_detail.html",
        {
            "pathway": pathway,
            "version": version,
            "title": version.title(language),
            "groups": groups,
            **_reading_context(groups, language),
            "print_url": _print_url(f"/{language}/forlop/{pathway.slug}/", version.number, is_current),
            "is_current": is_current,
            **language_context(language, request.path),
            # Rendered without the request (it is cached), so without config's context processor.
            "service_owner": settings.SERVICE_OWNER,
            "accessibility_statement_url": settings.ACCESSIBILITY_STATEMENT_URL,
        },
    ).encode()
    return remember(_rendered_pages, key, body, limit=_RENDERED_PAGES_MAX)


def root_redirect(request: HttpRequest) -> HttpResponse:
    return redirect("/nb/forlop/")


@require_safe
def pathway_index(request: HttpRequest) -> HttpResponse:
    language = current_language()
    pathways = Pathway.objects.filter(current_version__isnull=False).select_related("current_version")
    adaptations = (
        LocalAdaptation.objects.filter(current_local_version__isnull=False)
        .select_related("partnership", "pathway", "current_local_version__common_version")
        .order_by("partnership__name", "pathway__position")
    )
    return render(
        request,
        "pathways/pathway_index.html",
        {
            "pathways": [(p, p.title(language), p.current_version) for p in pathways],
            "adaptations": [(a, current_local_version_of(a).title(language)) for a in adaptations],
            "partnerships": Partnership.objects.all(),  # each with its service map
            **language_context(language, request.path),
        },
    )


def _serve_version(request: HttpRequest, version: Version, *, is_current: bool) -> HttpResponse:
    language = current_language()
    etag = _page_etag(f"v{version.pk}-{language}{'-c' if is_current else ''}")
    not_modified = _not_modified_or_none(request, etag)
    if not_modified:
        return not_modified
    body = _render_version_page(request, version, language, is_current=is_current)
    body = fill_useful_token(body, UsefulPage(version.pathway.slug, version.number, language))
    return _cached_headers(HttpResponse(body), etag, version.published_at, private=True)


def serve_current_page(request: HttpRequest, slug: str) -> HttpResponse:
    """The current version's page of a published pathway (raises Http404): what `pathway_detail`
    answers, and what `pathways.middleware.CurrentPageMiddleware` answers before the rest of the
    stack. It reads only per-process memory (at most one query every PAGE_LOOKUP_SECONDS) and never
    the session, the user or the CSRF token: the body is the same bytes for every reader but for the
    useful-form's per-view token (`reading.fill_useful_token`, one string replace)."""
    pathway = current_pathway_or_404(slug)
    version = current_version_of(pathway)
    version.pathway = pathway
    return _serve_version(request, version, is_current=True)


@require_safe
def pathway_detail(request: HttpRequest, slug: str) -> HttpResponse:
    return serve_current_page(request, slug)


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
            "base_url": f"/{language}/forlop/{pathway.slug}/",
            "current_id": pathway.current_version_id,
            "versions": [
                (v, v.summary(language), previous) for v, previous in zip(versions, versions[1:] + [None], strict=True)
            ],
            **language_context(language, request.path),
        },
    )


def _section_diffs(old: Version | None, new: Version, language: str) -> list[dict]:
    """Section by section: changed, added and removed sections, in the new version's order."""
    return _diff_sections(old.sections.all() if old else [], new.sections.all(), language)


def _diff_sections(old: Iterable[_Texts], new: Iterable[_Texts], language: str) -> list[dict]:
    """The same for any two pages: a version's sections (`VersionSection`) or a local page's
    (`pages.LocalPageSection`)."""
    before = {s.slug: s for s in old}
    after = list(new)
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


# --- Local pages: a partnership's published local versions ------------------------------------
# Readers see the adaptation's last published local version, never its draft. Before the first
# local publish the local page is a 404 (and the index does not list it): the common pathway is
# what readers read until then.


def _local_url(language: str, adaptation: LocalAdaptation) -> str:
    return f"/{language}/{adaptation.partnership.slug}/forlop/{adaptation.pathway.slug}/"


def _render_local_page(
    request: HttpRequest, adaptation: LocalAdaptation, local_version: LocalVersion, language: str, *, is_current: bool
) -> bytes:
    # A local version never changes, so its rendered page is kept like a common version's.
    key = ("local", local_version.pk, language, is_current, request.path)
    cached = _rendered_pages.get(key)
    if cached is not None:
        return cached
    pathway, version = adaptation.pathway, local_version.common_version
    links = feedback_links(language, pathway.slug, version.number, adaptation.partnership.slug, local_version.number)
    groups = _page_groups(adapted_sections(local_version, language), links)
    local_url = _local_url(language, adaptation)
    body = render_to_string(
        "pathways/pathway_detail.html",
        {
            "pathway": pathway,
            "version": version,
            "adaptation": adaptation,
            "local_version": local_version,
            "local_url": local_url,
            "title": local_version.title(language),
            "groups": groups,
            **_reading_context(groups, language),
            "print_url": _print_url(local_url, local_version.number, is_current),
            "is_current": is_current,
            **language_context(language, request.path),
            "service_owner": settings.SERVICE_OWNER,
            "accessibility_statement_url": settings.ACCESSIBILITY_STATEMENT_URL,
        },
    ).encode()
    return remember(_rendered_pages, key, body, limit=_RENDERED_PAGES_MAX)


def _serve_local_version(
    request: HttpRequest, adaptation: LocalAdaptation, local_version: LocalVersion, *, is_current: bool
) -> HttpResponse:
    language = current_language()
    etag = _page_etag(f"l{local_version.pk}-{language}{'-c' if is_current else ''}")
    not_modified = _not_modified_or_none(request, etag)
    if not_modified:
        return not_modified
    body = _render_local_page(request, adaptation, local_version, language, is_current=is_current)
    page = UsefulPage(
        adaptation.pathway.slug,
        local_version.common_version.number,
        language,
        adaptation.partnership.slug,
        local_version.number,
    )
    body = fill_useful_token(body, page)
    return _cached_headers(HttpResponse(body), etag, local_version.published_at, private=True)


@require_safe
def adaptation_detail(request: HttpRequest, partnership_slug: str, slug: str) -> HttpResponse:
    adaptation = current_adaptation_or_404(partnership_slug, slug)
    return _serve_local_version(request, adaptation, current_local_version_of(adaptation), is_current=True)


def _local_version_or_404(adaptation: LocalAdaptation, number: str) -> LocalVersion:
    try:
        return published_local_version(adaptation, number)
    except LocalVersion.DoesNotExist:
        raise Http404 from None


@require_safe
def local_version_detail(request: HttpRequest, partnership_slug: str, slug: str, number: str) -> HttpResponse:
    adaptation = published_adaptation_or_404(partnership_slug, slug)
    local_version = _local_version_or_404(adaptation, number)
    is_current = local_version.pk == adaptation.current_local_version_id
    return _serve_local_version(request, adaptation, local_version, is_current=is_current)


def _local_versions(adaptation: LocalAdaptation) -> list[LocalVersion]:
    versions = list(adaptation.versions.select_related("common_version"))
    for version in versions:
        version.adaptation = adaptation
    return versions


@require_safe
def local_version_history(request: HttpRequest, partnership_slug: str, slug: str) -> HttpResponse:
    language = current_language()
    adaptation = published_adaptation_or_404(partnership_slug, slug)
    versions = _local_versions(adaptation)
    return render(
        request,
        "pathways/version_history.html",
        {
            "pathway": adaptation.pathway,
            "adaptation": adaptation,
            "title": current_local_version_of(adaptation).title(language),
            "base_url": _local_url(language, adaptation),
            "current_id": adaptation.current_local_version_id,
            "local": True,
            "versions": [
                (v, v.summary(language), previous) for v, previous in zip(versions, versions[1:] + [None], strict=True)
            ],
            **language_context(language, request.path),
        },
    )


@require_safe
def local_version_changes(request: HttpRequest, partnership_slug: str, slug: str) -> HttpResponse:
    """The word diff between two local versions (`fra`, `til`; by default the current one and the
    one before it), over the whole local page: common text, overrides and local sections."""
    language = current_language()
    adaptation = published_adaptation_or_404(partnership_slug, slug)
    versions = _local_versions(adaptation)
    new = _local_version_or_404(adaptation, request.GET["til"]) if request.GET.get("til") else versions[0]
    old: LocalVersion | None
    if request.GET.get("fra"):
        old = _local_version_or_404(adaptation, request.GET["fra"])
    else:
        older = [v for v in versions if (v.year, v.sequence) < (new.year, new.sequence)]
        old = older[0] if older else None
    etag = quote_etag(f"ld{old.pk if old else 0}-{new.pk}-{language}")
    not_modified = _not_modified_or_none(request, etag)
    if not_modified:
        return not_modified
    response = render(
        request,
        "pathways/version_changes.html",
        {
            "pathway": adaptation.pathway,
            "adaptation": adaptation,
            "title": current_local_version_of(adaptation).title(language),
            "old": old,
            "new": new,
            "versions": versions,
            "rows": _diff_sections(local_page(old) if old else [], local_page(new), language),
            **language_context(language, request.get_full_path()),
        },
    )
    return _cached_headers(response, etag, new.published_at)


# --- The print view and its PDF: every section of one version, with its full address -----------


def _print_url(page_url: str, number: str, is_current: bool) -> str:
    """The print view of the page at `page_url` (the current page's path, common or local)."""
    return page_url + "utskrift/" + ("" if is_current else "?" + urlencode({"versjon": number}))


# The PDF takes xhtml2pdf a while; its bytes are kept per process under the page's ETag (a
# published version never changes).
_print_pdfs: dict[str, bytes] = {}
_PRINT_PDFS_MAX = 64


def _serve_print(
    request: HttpRequest, context: dict, *, tag: str, published_at: datetime, pdf: bool, filename: str
) -> HttpResponse:
    language = context["language"]
    etag = quote_etag(f"p{'d' if pdf else 'h'}-{tag}-{language}")
    not_modified = _not_modified_or_none(request, etag)
    if not_modified:
        return not_modified
    if not pdf:
        response = render_page(request, "pathways/pathway_print.html", context, path=request.get_full_path())
        return _cached_headers(response, etag, published_at)
    body = _print_pdfs.get(etag)
    if body is None:
        try:
            body = render_pdf(render_to_string("pathways/pathway_print_pdf.html", context))
        except PdfFailed:
            # The print view shows the same; the reader can print that instead.
            return render_page(request, "pathways/pathway_print_failed.html", context, status=503)
        remember(_print_pdfs, etag, body, limit=_PRINT_PDFS_MAX)
    response = HttpResponse(body, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}.pdf"'
    return _cached_headers(response, etag, published_at)


def _print_context(language: str, *, page_path: str, print_path: str, query: str, sections: list[PageSection]) -> dict:
    page_url = settings.SITE_URL + page_path
    return {
        "groups": _page_groups(sections, lambda slug: f"{page_url}#{slug}"),
        "page_url": page_url,
        "page_path": page_path,
        "print_path": print_path + query,
        "pdf_path": print_path[: -len("/")] + ".pdf" + query,
        **language_context(language, print_path + query),
    }


def _pathway_print(request: HttpRequest, slug: str, *, pdf: bool) -> HttpResponse:
    language = current_language()
    pathway = published_pathway_or_404(slug)
    number = request.GET.get("versjon", "")
    try:
        version = version_by_number(pathway, number) if number else current_version_of(pathway)
    except Version.DoesNotExist:
        raise Http404 from None
    version.pathway = pathway
    is_current = version.pk == pathway.current_version_id
    base = f"/{language}/forlop/{pathway.slug}/"
    context = {
        "pathway": pathway,
        "version": version,
        "title": version.title(language),
        "number": version.number,
        "published_at": version.published_at,
        "is_current": is_current,
        **_print_context(
            language,
            page_path=base if is_current else f"{base}versjon/{version.number}/",
            print_path=base + "utskrift/",
            query="" if not number else "?" + urlencode({"versjon": version.number}),
            sections=common_sections(version, language),
        ),
    }
    return _serve_print(
        request,
        context,
        tag=f"v{version.pk}",
        published_at=version.published_at,
        pdf=pdf,
        filename=f"{pathway.slug}-{version.number}-{language}",
    )


@require_safe
def pathway_print(request: HttpRequest, slug: str) -> HttpResponse:
    """The whole pathway for printing (`versjon` for an earlier version)."""
    return _pathway_print(request, slug, pdf=False)


@require_safe
def pathway_print_pdf(request: HttpRequest, slug: str) -> HttpResponse:
    return _pathway_print(request, slug, pdf=True)


def _local_print(request: HttpRequest, partnership_slug: str, slug: str, *, pdf: bool) -> HttpResponse:
    language = current_language()
    adaptation = published_adaptation_or_404(partnership_slug, slug)
    number = request.GET.get("versjon", "")
    local_version = _local_version_or_404(adaptation, number) if number else current_local_version_of(adaptation)
    is_current = local_version.pk == adaptation.current_local_version_id
    base = _local_url(language, adaptation)
    context = {
        "pathway": adaptation.pathway,
        "version": local_version.common_version,
        "adaptation": adaptation,
        "local_version": local_version,
        "title": local_version.title(language),
        "number": local_version.number,
        "published_at": local_version.published_at,
        "is_current": is_current,
        **_print_context(
            language,
            page_path=base if is_current else f"{base}versjon/{local_version.number}/",
            print_path=base + "utskrift/",
            query="" if not number else "?" + urlencode({"versjon": local_version.number}),
            sections=adapted_sections(local_version, language),
        ),
    }
    return _serve_print(
        request,
        context,
        tag=f"l{local_version.pk}",
        published_at=local_version.published_at,
        pdf=pdf,
        filename=f"{local_version.number}-{language}",
    )


@require_safe
def local_print(request: HttpRequest, partnership_slug: str, slug: str) -> HttpResponse:
    """A partnership's local page for printing (`versjon` for an earlier local version)."""
    return _local_print(request, partnership_slug, slug, pdf=False)


@require_safe
def local_print_pdf(request: HttpRequest, partnership_slug: str, slug: str) -> HttpResponse:
    return _local_print(request, partnership_slug, slug, pdf=True)


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
    if fmt in DownloadFormat.values and fmt != DownloadFormat.API:
        download_record(version=version, format=fmt)
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
            "newer": list(versions_newer_than(pathway, version)),
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
