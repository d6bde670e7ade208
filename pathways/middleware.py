"""The current page of a published pathway, answered before the rest of the middleware stack.

Like Django's own cache middleware (`FetchFromCacheMiddleware`), it sits early in `MIDDLEWARE` and
answers what it can from memory: `GET`/`HEAD /<language>/forlop/<slug>/` without a query string,
the page every link and search hit leads to. The answer is `pathways.views.serve_current_page`'s,
the same function the URL's view calls, so there is one way to serve the page; this only skips the
work the page does not need (the URL resolver's eleven includes, the session, CSRF, the user,
messages, htmx), and adds the two headers the skipped middlewares would (`Content-Language`,
`X-Frame-Options`) and `Content-Length`. Anything else, an unknown slug included, goes down the
stack to the view and the 404 page as before.

Measured in `docs/benchmarks.md` ("Pathway page against the same HTML as a static file").
"""

import re
from collections.abc import Callable

from django.conf import settings
from django.http import Http404, HttpRequest
from django.http.response import HttpResponseBase
from django.utils import translation

from .views import serve_current_page

_LANGUAGES = "|".join(re.escape(code) for code, _name in settings.LANGUAGES)
# The route of pathways.urls "detail" under i18n_patterns (tests/pathways/test_middleware.py keeps
# the two in step).
CURRENT_PAGE = re.compile(rf"/({_LANGUAGES})/forlop/([-a-zA-Z0-9_]+)/")


class CurrentPageMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        match = CURRENT_PAGE.fullmatch(request.path_info)
        if match is None or request.method not in ("GET", "HEAD") or request.META.get("QUERY_STRING"):
            return self.get_response(request)
        language, slug = match.groups()
        with translation.override(language):
            try:
                response = serve_current_page(request, slug)
            except Http404:
                return self.get_response(request)
        response["Content-Language"] = language
        response["X-Frame-Options"] = settings.X_FRAME_OPTIONS
        if response.status_code == 200:
            response["Content-Length"] = str(len(response.content))
        return response
