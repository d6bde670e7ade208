"""pathways.middleware.CurrentPageMiddleware answers the current page before the rest of the stack:
the same response the view gives through the whole stack, and nothing else."""

import re

import pytest
from django.conf import settings
from django.test import override_settings
from django.urls import reverse
from django.utils import translation

from pathways.middleware import CURRENT_PAGE

pytestmark = pytest.mark.django_db

WITHOUT_IT = [m for m in settings.MIDDLEWARE if m != "pathways.middleware.CurrentPageMiddleware"]
IGNORED = {"Date"}  # differs between any two responses


# The useful-form's token is the one part of the page that differs per response (pathways.reading).
_TOKEN = re.compile(rb'(<input type="hidden" name="token" value=")[^"]*(">)')


def _page(response) -> bytes:
    return _TOKEN.sub(rb"\1\2", response.content)


def _headers(response) -> dict[str, str]:
    return {name: value for name, value in response.headers.items() if name not in IGNORED}


@pytest.mark.parametrize("language", ["nb", "nn"])
@pytest.mark.parametrize("method", ["get", "head"])
def test_it_answers_what_the_whole_stack_answers(client, pathway, language, method):
    url = f"/{language}/forlop/angst/"
    fast = getattr(client, method)(url)
    with override_settings(MIDDLEWARE=WITHOUT_IT):
        slow = getattr(client, method)(url)
    assert fast.status_code == slow.status_code == 200
    assert _page(fast) == _page(slow)
    assert _headers(fast) == _headers(slow)
    assert fast["Content-Language"] == language
    assert "Content-Security-Policy" in fast.headers


def test_it_answers_before_the_session_and_the_url_resolver(client, pathway):
    response = client.get("/nb/forlop/angst/")
    # The stack below it sets request.session and resolves the URL; neither happened.
    assert not hasattr(response.wsgi_request, "session")
    assert response.wsgi_request.resolver_match is None
    assert b"angst" in response.content


def test_not_modified_is_the_same_through_it(client, pathway):
    etag = client.get("/nb/forlop/angst/")["ETag"]
    fast = client.get("/nb/forlop/angst/", HTTP_IF_NONE_MATCH=etag)
    with override_settings(MIDDLEWARE=WITHOUT_IT):
        slow = client.get("/nb/forlop/angst/", HTTP_IF_NONE_MATCH=etag)
    assert fast.status_code == slow.status_code == 304
    assert fast["ETag"] == slow["ETag"] == etag


@pytest.mark.parametrize(
    "url",
    [
        "/nb/forlop/finst-ikkje/",  # unknown slug: the 404 page of the whole stack
        "/nb/forlop/angst/?versjon=2026",  # a query string
        "/nb/forlop/angst/versjoner/",  # another page of the pathway
        "/nb/forlop/angst",  # no slash: CommonMiddleware's redirect
        "/de/forlop/angst/",  # not one of the site's languages
    ],
)
def test_everything_else_goes_down_the_stack(client, pathway, url):
    fast = client.get(url)
    with override_settings(MIDDLEWARE=WITHOUT_IT):
        slow = client.get(url)
    assert fast.status_code == slow.status_code
    assert _page(fast) == _page(slow)
    assert fast.wsgi_request.resolver_match is not None or fast.status_code in (301, 302, 404)


def test_a_post_goes_down_the_stack_and_is_refused_as_before(client, pathway):
    response = client.post("/nb/forlop/angst/")
    assert response.status_code == 405


def test_its_pattern_is_the_route_of_the_page(pathway):
    for language in ("nb", "nn"):
        with translation.override(language):
            url = reverse("pathways:detail", args=["angst"])
        assert CURRENT_PAGE.fullmatch(url), url
