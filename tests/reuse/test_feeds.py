"""The Atom feeds (pathways/feeds.py), read with a real feed parser (feedparser): every published
version, one pathway's versions, a partnership's local versions; the change summary and the links
to the changelog and the diff in each entry; ETag and Last-Modified answered with 304."""

import feedparser
import pytest
from django.utils.http import http_date

from pathways.models import Pathway
from pathways.reuse import event_id
from tests.factories import make_pathway
from tests.local.conftest import publish
from tests.reuse.conftest import correct
from tests.support import as_user

pytestmark = pytest.mark.django_db


def parsed(response):
    assert response.status_code == 200
    assert response["Content-Type"] == "application/atom+xml; charset=utf-8"
    feed = feedparser.parse(response.content)
    assert not feed.bozo, feed.get("bozo_exception")
    assert feed.version == "atom10"
    return feed


def test_the_feed_of_all_pathways_has_each_new_version_with_its_summary_and_links(client, corrected, editor):
    make_pathway(editor=editor, slug="autisme")

    feed = parsed(client.get("/nb/forlop/feed/"))

    assert feed.feed.title == "Samhandlingsforløp: nye versjoner"
    assert feed.feed.language == "nb"
    # Newest first: autisme's first version was published last.
    assert [(entry.tags[0].term, entry.title) for entry in feed.entries] == [
        ("autisme", "Angstplager 2026"),
        ("angst", "Angstplager 2026.1"),
        ("angst", "Angstplager 2026"),
    ]
    correction = feed.entries[1]
    assert "Rettet telefonnummer til BUP." in correction.summary
    assert correction.link == "http://localhost:8000/nb/forlop/angst/versjon/2026.1/endringer/"
    related = {link.rel: link.href for link in correction.links}
    assert related["related"] == "http://localhost:8000/nb/forlop/angst/endringer/?fra=2026&til=2026.1"
    assert related["via"] == "http://localhost:8000/nb/forlop/angst/versjon/2026.1/"
    assert correction.id == event_id(corrected.current_version).urn
    assert correction.published_parsed is not None


def test_one_pathways_feed_in_nynorsk_has_only_its_versions_newest_first(client, corrected, editor):
    make_pathway(editor=editor, slug="autisme")

    feed = parsed(client.get("/nn/forlop/angst/feed/"))

    assert feed.feed.title == "Angstplager: nye versjonar"
    assert [entry.title for entry in feed.entries] == ["Angstplager 2026.1", "Angstplager 2026"]
    assert "Retta telefonnummer til BUP." in feed.entries[0].summary
    first = {link.rel: link.href for link in feed.entries[1].links}
    assert first["related"] == "http://localhost:8000/nn/forlop/angst/endringer/?til=2026"


def test_the_partnerships_feed_has_its_published_local_versions(client, adaptation, local_a, partnership_b):
    local_version = publish(adaptation, local_a)

    feed = parsed(client.get("/nb/vest/forlop/feed/"))

    assert feed.feed.title == "Helsefellesskap Vest: nye lokale versjoner"
    [entry] = feed.entries
    assert entry.title == f"Angst i Vest {local_version.number}"
    assert "Lokale endringer." in entry.summary
    assert entry.link == f"http://localhost:8000/nb/vest/forlop/angst/versjon/{local_version.number}/"
    assert {tag.term for tag in entry.tags} >= {"angst"}
    # Another partnership's feed is empty, and valid.
    assert parsed(client.get("/nb/nord/forlop/feed/")).entries == []


def test_the_feed_answers_304_to_its_etag_and_to_its_date(client, corrected):
    first = client.get("/nb/forlop/angst/feed/")
    etag, modified = first["ETag"], first["Last-Modified"]
    assert modified == http_date(corrected.current_version.published_at.timestamp())

    assert client.get("/nb/forlop/angst/feed/", HTTP_IF_NONE_MATCH=etag).status_code == 304
    assert client.get("/nb/forlop/angst/feed/", HTTP_IF_MODIFIED_SINCE=modified).status_code == 304
    assert client.get("/nn/forlop/angst/feed/", HTTP_IF_NONE_MATCH=etag).status_code == 200  # another language


def test_a_new_version_changes_the_feeds_etag(client, corrected, editor):
    etag = client.get("/nb/forlop/feed/")["ETag"]
    make_pathway(editor=editor, slug="autisme")

    response = client.get("/nb/forlop/feed/", HTTP_IF_NONE_MATCH=etag)

    assert response.status_code == 200
    assert len(parsed(response).entries) == 3


@pytest.mark.parametrize(
    "path", ["/nb/forlop/finnes-ikke/feed/", "/nb/finnes-ikke/forlop/feed/", "/nb/forlop/utkast/feed/"]
)
def test_the_feed_of_an_unknown_or_unpublished_pathway_or_partnership_is_404(client, editor, path):
    make_pathway(editor=editor, slug="utkast", publish_year=None)

    assert client.get(path).status_code == 404


def test_a_feed_takes_only_get_and_head(client, pathway):
    assert client.post("/nb/forlop/feed/").status_code == 405
    assert client.head("/nb/forlop/feed/").status_code == 200


def test_the_pathway_page_names_its_feed_in_the_head(client, pathway):
    html = client.get("/nb/forlop/angst/").content.decode()

    head = html.split("</head>")[0]
    assert (
        '<link rel="alternate" type="application/atom+xml" href="/nb/forlop/angst/feed/" '
        'title="Angstplager: nye versjoner">' in head
    )


def test_the_local_page_names_the_partnerships_feed(client, adaptation, local_a):
    publish(adaptation, local_a)

    head = client.get("/nb/vest/forlop/angst/").content.decode().split("</head>")[0]

    assert 'type="application/atom+xml" href="/nb/vest/forlop/feed/"' in head


def test_a_feed_takes_the_same_queries_however_many_entries(client, corrected, editor, django_assert_num_queries):
    client.get("/nb/forlop/feed/")  # warm the per-process caches
    # CurrentPageMiddleware looking for a pathway called "feed" (the URL has the shape of a page),
    # the feed's date (ETag), its entries (twice: for the diff links, then for the feed) and the
    # numbers of the versions before them.
    with django_assert_num_queries(5) as few:
        client.get("/nb/forlop/feed/")
    for _ in range(3):
        correct(corrected, editor)
    make_pathway(editor=editor, slug="autisme")

    with django_assert_num_queries(len(few.captured_queries)):
        feed = parsed(client.get("/nb/forlop/feed/"))

    assert len(feed.entries) == 6
    assert {link.rel: link.href for link in feed.entries[1].links}["related"].endswith("?fra=2026.3&til=2026.4")


def test_the_admin_refuses_a_pathway_whose_address_is_the_feeds(client, editor):
    editor.is_staff = editor.is_superuser = True
    editor.save()
    as_user(client, editor)
    form = {"slug": "feed", "position": "0", "title_nb": "Feed", "title_nn": "Feed"}
    refused = client.post("/admin/pathways/pathway/add/", form)
    assert refused.status_code == 200
    assert "Denne adressen brukes av nettstedet selv; velg en annen." in refused.content.decode()
    assert not Pathway.objects.filter(slug="feed").exists()
    assert client.post("/admin/pathways/pathway/add/", form | {"slug": "feed-ikke"}).status_code == 302
