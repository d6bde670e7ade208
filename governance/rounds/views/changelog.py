"""The public changelog of a version: what the yearly round changed, in plain language, with the
proposals behind each change. Anonymous: a proposal is its kind, its health partnership (or the
common text) and the date it came in; never its text, never who sent it."""

import hashlib

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotModified
from django.utils.http import http_date, quote_etag
from django.views.decorators.http import require_safe

from governance.rounds.release import changelog_entries
from pathways.models import Version, VersionKind
from pathways.pages import published_pathway_or_404, section_titles, version_by_number
from pathways.views import current_language, render_page


@require_safe
def changelog(request: HttpRequest, slug: str, number: str) -> HttpResponse:
    language = current_language()
    pathway = published_pathway_or_404(slug)
    try:
        version = version_by_number(pathway, number)
    except Version.DoesNotExist:
        raise Http404 from None
    entries = changelog_entries(version, language, section_titles(version))
    # The page changes only with what it shows: the entries are fixed once the round is released.
    digest = hashlib.sha256(
        repr([(e.text, e.sections, [(p.pk, p.kind, p.partnership_id) for p in e.proposals]) for e in entries]).encode()
    ).hexdigest()[:16]
    etag = quote_etag(f"l{version.pk}-{language}-{digest}")
    if etag in [tag.strip() for tag in request.headers.get("If-None-Match", "").split(",")]:
        not_modified = HttpResponseNotModified()
        not_modified["ETag"] = etag
        return not_modified
    response = render_page(
        request,
        "pathways/changelog.html",
        {
            "pathway": pathway,
            "version": version,
            "is_revision": version.kind == VersionKind.REVISION,
            "title": version.title(language),
            "summary": version.summary(language),
            "entries": entries,
        },
    )
    response["ETag"] = etag
    response["Last-Modified"] = http_date(version.published_at.timestamp())
    response["Cache-Control"] = "public, max-age=300"
    return response
