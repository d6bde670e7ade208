"""Whole versions from the API with ETag/304, the record of which version was taken (Download: no
personal data), how far behind a copy is (/behind/), and the counts on the staff pathway page."""

import pytest

from pathways.models import Download
from tests.reuse.conftest import correct
from tests.support import as_user

pytestmark = pytest.mark.django_db

PROBLEM = "application/problem+json"


def downloads():
    return sorted(
        Download.objects.values_list("version__pathway__slug", "version__year", "version__correction", "format")
    )


def test_a_whole_version_carries_an_etag_and_answers_304_to_it(client, corrected):
    first = client.get("/api/v1/pathways/angst/versions/2026/")
    assert first.status_code == 200
    assert first.json()["number"] == "2026" and first.json()["sections"]
    etag = first["ETag"]
    assert first["Last-Modified"]

    again = client.get("/api/v1/pathways/angst/versions/2026/", HTTP_IF_NONE_MATCH=etag)
    other = client.get("/api/v1/pathways/angst/versions/2026.1/", HTTP_IF_NONE_MATCH=etag)

    assert again.status_code == 304 and again.content == b"" and again["ETag"] == etag
    assert other.status_code == 200 and other["ETag"] != etag


def test_each_whole_version_sent_is_counted_once_and_a_304_is_not(client, corrected):
    etag = client.get("/api/v1/pathways/angst/versions/2026/")["ETag"]
    client.get("/api/v1/pathways/angst/versions/2026/", HTTP_IF_NONE_MATCH=etag)
    client.get("/api/v1/pathways/angst/versions/2026.1/")

    assert downloads() == [("angst", 2026, 0, "api"), ("angst", 2026, 1, "api")]


def test_the_download_page_counts_the_file_taken_and_not_the_page(client, corrected):
    client.get("/nb/forlop/angst/last-ned/")
    client.get("/nb/forlop/angst/last-ned/?format=json&versjon=2026")
    client.get("/nn/forlop/angst/last-ned/?format=md&seksjon=innledning")
    client.get("/nb/forlop/angst/last-ned/?format=pdf")  # unknown format: 404, not counted
    client.get("/nb/forlop/angst/last-ned/?format=json&seksjon=finnes-ikke")  # 404, not counted

    assert downloads() == [("angst", 2026, 0, "json"), ("angst", 2026, 1, "md")]
    # Nothing about who took it: the model has no field for a person, an address or a client.
    assert {field.name for field in Download._meta.concrete_fields} == {"id", "version", "format", "created_at"}


def test_the_download_page_tells_how_far_behind_an_old_version_is(client, corrected, editor):
    correct(corrected, editor)

    html = client.get("/nb/forlop/angst/last-ned/?versjon=2026").content.decode()
    current = client.get("/nb/forlop/angst/last-ned/").content.decode()

    assert "Versjon 2026 er 2 versjoner bak den gjeldende." in html
    assert 'href="/nb/forlop/angst/endringer/?fra=2026&amp;til=2026.2"' in html
    assert "bak den gjeldende" not in current
    assert 'href="/nb/forlop/angst/feed/"' in current


def test_behind_tells_how_many_and_which_versions_are_newer(client, corrected, editor):
    correct(corrected, editor, summary_nb="Ny sjekkliste.", summary_nn="Ny sjekkliste.")

    old = client.get("/api/v1/pathways/angst/behind/?version=2026").json()
    newest = client.get("/api/v1/pathways/angst/behind/?version=2026.2").json()

    assert old["version"] == "2026" and old["current"] == "2026.2" and old["behind"] == 2
    assert [(v["number"], v["summary"]["nb"]) for v in old["newer"]] == [
        ("2026.1", "Rettet telefonnummer til BUP."),
        ("2026.2", "Ny sjekkliste."),
    ]
    assert newest["behind"] == 0 and newest["newer"] == []


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/api/v1/pathways/finnes-ikke/behind/?version=2026", 404),
        ("/api/v1/pathways/angst/behind/?version=2019", 404),
        ("/api/v1/pathways/angst/behind/", 400),
        ("/api/v1/pathways/angst/behind/?version=", 400),
        ("/api/v1/pathways/angst/behind/?version=2026.x", 400),
        ("/api/v1/pathways/angst/behind/?version=2026&version=2026.1", 400),
        ("/api/v1/pathways/finnes-ikke/versions/2026/", 404),
        ("/api/v1/pathways/angst/versions/2019/", 404),
        ("/api/v1/pathways/angst/versions/2026.x/", 404),
    ],
)
def test_bad_input_is_a_problem_in_norwegian(client, corrected, path, status):
    response = client.get(path, HTTP_ACCEPT_LANGUAGE="nb")

    assert response.status_code == status
    assert response["Content-Type"] == PROBLEM
    body = response.json()
    assert body["status"] == status and body["detail"]
    assert Download.objects.count() == 0


def test_the_missing_version_is_named(client, corrected):
    body = client.get("/api/v1/pathways/angst/behind/", HTTP_ACCEPT_LANGUAGE="nn").json()

    assert body["title"] == "Ugyldig førespurnad"
    assert body["errors"] == {"version": ["Feltet må fyllast ut."]}


def test_the_editor_sees_downloads_per_version_on_the_pathway_page(client, corrected, editor, local_a):
    client.get("/nb/forlop/angst/last-ned/?format=json&versjon=2026")
    client.get("/nb/forlop/angst/last-ned/?format=json&versjon=2026")
    client.get("/api/v1/pathways/angst/versions/2026.1/")

    html = as_user(client, editor).get("/nb/redaksjon/forlop/angst/").content.decode()

    assert "Nedlastinger per versjon" in html
    # Once, in the page's main part; the window's title is the page's name only.
    assert html.count('id="downloads-title"') == 1
    title = html[html.index("<title>") : html.index("</title>")]
    assert "<" not in title[len("<title>") :] and "Nedlastinger" not in title
    assert '<tr data-version="2026.1"><th scope="row">2026.1</th><td>0</td><td>0</td><td>1</td><td>1</td></tr>' in html
    assert '<tr data-version="2026"><th scope="row">2026</th><td>2</td><td>0</td><td>0</td><td>2</td></tr>' in html
    assert '<th scope="col">JSON-API-et</th>' in html
    # A local editor cannot see the common pathway's staff page at all.
    assert as_user(client, local_a).get("/nb/redaksjon/forlop/angst/").status_code == 404


def test_a_head_of_a_whole_version_is_not_counted(client, corrected):
    assert client.head("/api/v1/pathways/angst/versions/2026/").status_code == 200

    assert Download.objects.count() == 0
