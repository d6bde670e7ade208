"""Atom feeds of published versions, for sites that reuse the pathways (README "Reuse by other sites").

- `/<lang>/forlop/feed/`: every new published version of every pathway, newest first.
- `/<lang>/forlop/<slug>/feed/`: the versions of one pathway.
- `/<lang>/<partnership>/forlop/feed/`: the published local versions of a partnership's adaptations.

Each entry carries the version's change summary, links to its page, its changelog (local: the
version history) and the word diff from the version before, and has the same id as the webhook
event for that version (`reuse.event_id`). Versions never change, so the newest one dates the feed:
ETag and Last-Modified come from it, and a reader that sends them back gets 304.
"""

from collections.abc import Callable
from datetime import datetime
from typing import Any

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.db.models import Count, Max, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils import feedgenerator
from django.utils.cache import get_conditional_response
from django.utils.html import format_html
from django.utils.http import http_date, quote_etag
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from .models import LocalVersion, Partnership, Pathway, Version
from .pages import published_pathway_or_404
from .reuse import (
    absolute,
    event_id,
    local_version_links,
    previous_local_numbers,
    previous_numbers,
    version_links,
)

# The newest entries of a feed; a reader that polls daily never misses one.
FEED_ENTRIES = 50


class VersionAtomFeed(feedgenerator.Atom1Feed):
    """Atom with the diff as a second link of each entry (rel="related"), beside the changelog."""

    def add_item_elements(self, handler: Any, item: dict[str, Any]) -> None:
        super().add_item_elements(handler, item)
        for rel, href, title in item.get("extra_links", ()):
            handler.addQuickElement("link", "", {"rel": rel, "href": href, "title": title})


def _language(request: HttpRequest) -> str:
    return request.LANGUAGE_CODE if request.LANGUAGE_CODE in ("nb", "nn") else "nb"


class _VersionFeed(Feed):
    """Made afresh for each request (see `_conditional`), so that it may keep the request's
    language and path: the attribute methods of a Feed are not given the request."""

    feed_type = VersionAtomFeed
    lang = "nb"

    def __call__(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.lang = _language(request)
        self.path = request.path
        return super().__call__(request, *args, **kwargs)

    def feed_url(self) -> str:
        return absolute(self.path)

    def author_name(self) -> str:
        return settings.SERVICE_OWNER

    def get_feed(self, obj: Any, request: HttpRequest) -> Any:
        # The number of the version before each entry, for its diff link: one query for them all.
        entries = list(self._get_dynamic_attr("items", obj))  # type: ignore[attr-defined]
        if entries and isinstance(entries[0], LocalVersion):
            self._previous = previous_local_numbers(entries)
        else:
            self._previous = previous_numbers(entries)
        return super().get_feed(obj, request)

    def _previous_of(self, item: Version | LocalVersion) -> str | None:
        return self._previous.get(item.pk)

    def item_pubdate(self, item: Version | LocalVersion) -> datetime:
        return item.published_at

    def item_updateddate(self, item: Version | LocalVersion) -> datetime:
        return item.published_at

    def item_guid(self, item: Version | LocalVersion) -> str:
        return event_id(item).urn

    def item_description(self, item: Version | LocalVersion) -> str:
        return str(format_html("<p>{}</p>", item.summary(self.lang)))


class _CommonVersionFeed(_VersionFeed):
    def item_title(self, item: Version) -> str:
        return f"{item.title(self.lang)} {item.number}"

    def item_link(self, item: Version) -> str:
        return absolute(self._links(item)["changelog"])

    def _links(self, item: Version) -> dict[str, str]:
        return version_links(item, self.lang, previous=self._previous_of(item))

    def item_extra_kwargs(self, item: Version) -> dict[str, Any]:
        links = self._links(item)
        return {
            "extra_links": [
                ("related", absolute(links["diff"]), _("Changes from the version before")),
                ("via", absolute(links["page"]), _("The version")),
            ]
        }

    def item_categories(self, item: Version) -> list[str]:
        return [item.pathway.slug]


class AllVersionsFeed(_CommonVersionFeed):
    def title(self) -> str:
        return _("Collaboration pathways: new versions")

    def link(self) -> str:
        return absolute(f"/{self.lang}/forlop/")

    def subtitle(self) -> str:
        return _("Every new published version of every pathway, with what changed.")

    def items(self) -> QuerySet[Version]:
        return _published_versions().select_related("pathway").order_by("-published_at", "-pk")[:FEED_ENTRIES]


class PathwayVersionsFeed(_CommonVersionFeed):
    def get_object(self, request: HttpRequest, slug: str) -> Pathway:
        return published_pathway_or_404(slug)

    def title(self, pathway: Pathway) -> str:
        return _("%(title)s: new versions") % {"title": pathway.current_version.title(self.lang)}  # type: ignore[union-attr]

    def link(self, pathway: Pathway) -> str:
        return absolute(f"/{self.lang}/forlop/{pathway.slug}/")

    def items(self, pathway: Pathway) -> QuerySet[Version]:
        return pathway.versions.select_related("pathway").order_by("-year", "-correction")[:FEED_ENTRIES]


class PartnershipLocalVersionsFeed(_VersionFeed):
    def get_object(self, request: HttpRequest, partnership_slug: str) -> Partnership:
        return get_object_or_404(Partnership, slug=partnership_slug)

    def title(self, partnership: Partnership) -> str:
        return _("%(name)s: new local versions") % {"name": partnership.name}

    def link(self, partnership: Partnership) -> str:
        return absolute(f"/{self.lang}/forlop/")

    def items(self, partnership: Partnership) -> QuerySet[LocalVersion]:
        return (
            _published_local_versions(partnership)
            .select_related("adaptation__partnership", "adaptation__pathway", "common_version")
            .order_by("-published_at", "-pk")[:FEED_ENTRIES]
        )

    def item_title(self, item: LocalVersion) -> str:
        return f"{item.title(self.lang)} {item.number}"

    def _links(self, item: LocalVersion) -> dict[str, str]:
        return local_version_links(item, self.lang, previous=self._previous_of(item))

    def item_link(self, item: LocalVersion) -> str:
        return absolute(self._links(item)["page"])

    def item_extra_kwargs(self, item: LocalVersion) -> dict[str, Any]:
        links = self._links(item)
        return {
            "extra_links": [
                ("related", absolute(links["diff"]), _("Changes from the version before")),
                ("via", absolute(links["history"]), _("Version history")),
            ]
        }

    def item_categories(self, item: LocalVersion) -> list[str]:
        return [item.adaptation.pathway.slug, f"{_('builds on')} {item.common_version.number}"]


def _published_versions() -> QuerySet[Version]:
    """The versions of every pathway that is published (a withdrawn pathway's are not in a feed)."""
    return Version.objects.filter(pathway__current_version__isnull=False)


def _published_local_versions(partnership: Partnership) -> QuerySet[LocalVersion]:
    return LocalVersion.objects.filter(
        adaptation__partnership=partnership, adaptation__current_local_version__isnull=False
    )


def _conditional(feed: type[Feed], stamp: Callable[..., QuerySet], prefix: str) -> Callable[..., HttpResponse]:
    """The feed behind ETag and Last-Modified from its newest entry: the feed changes only when a
    version is published. An empty feed is dated by nothing and sent whole."""

    @require_safe
    def view(request: HttpRequest, **kwargs: Any) -> HttpResponse:
        newest = stamp(**kwargs).aggregate(latest=Max("published_at"), last=Max("pk"), count=Count("pk"))
        language = _language(request)
        etag = quote_etag(f"{prefix}-{language}-{newest['last'] or 0}-{newest['count']}")
        latest = newest["latest"]
        # Whole seconds, as the header has them: a fraction would make every copy look older.
        last_modified = int(latest.timestamp()) if latest else None
        not_modified = get_conditional_response(request, etag=etag, last_modified=last_modified)
        if not_modified is not None:
            return not_modified
        response = feed()(request, **kwargs)
        response["ETag"] = etag
        if last_modified is not None:
            response["Last-Modified"] = http_date(last_modified)
        response["Cache-Control"] = "public, max-age=300"
        return response

    return view


def _pathway_versions(slug: str) -> QuerySet[Version]:
    return published_pathway_or_404(slug).versions.all()


def _local_versions(partnership_slug: str) -> QuerySet[LocalVersion]:
    return _published_local_versions(get_object_or_404(Partnership, slug=partnership_slug))


all_versions_feed = _conditional(AllVersionsFeed, _published_versions, "fa")
pathway_versions_feed = _conditional(PathwayVersionsFeed, _pathway_versions, "fp")
partnership_local_versions_feed = _conditional(PartnershipLocalVersionsFeed, _local_versions, "fl")
