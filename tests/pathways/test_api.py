from datetime import datetime

import pytest
import yaml
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from drf_spectacular.validation import validate_schema

from pathways.models import Section, VersionKind
from pathways.services import pathway_publish, section_update
from tests.factories import make_pathway

pytestmark = pytest.mark.django_db


def publish_correction(pathway, editor):
    version = pathway_publish(
        pathway=pathway, by=editor, kind=VersionKind.CORRECTION, summary_nb="Retting.", summary_nn="Retting."
    )
    pathway.refresh_from_db()
    return version


def correct_gp_section(pathway, editor):
    """Publish 2026.1 with the word «grundig» inserted into the GP section in both languages."""
    section = pathway.sections.get(slug="fastlege-kartlegging")
    section_update(
        section=section,
        by=editor,
        body_nb="Fastlegen kartlegg plagene grundig og vurderer alvorsgrad. Del 1.",
        body_nn="Fastlegen kartlegg plagene grundig og vurderer alvorsgrad. Del 1 nn.",
    )
    return publish_correction(pathway, editor)


# --- List and detail ---------------------------------------------------------------------------


def test_pathway_list_shows_published_pathways_only(client, editor, pathway):
    make_pathway(editor=editor, slug="utkast", publish_year=None)
    response = client.get("/api/v1/pathways/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    data = response.json()
    assert data["count"] == 1
    published_at = data["results"][0].pop("published_at")
    assert datetime.fromisoformat(published_at) == pathway.current_version.published_at
    assert data["results"] == [
        {
            "slug": "angst",
            "title": {"nb": "Angstplager", "nn": "Angstplager"},
            "current_version": "2026",
            "links": {
                "html": {"nb": "http://testserver/nb/forlop/angst/", "nn": "http://testserver/nn/forlop/angst/"},
                "api": "http://testserver/api/v1/pathways/angst/",
            },
        }
    ]


def test_pathway_list_shows_the_published_title_not_the_draft(client, pathway):
    pathway.title_nb = "Nytt utkast til tittel"
    pathway.save()
    result = client.get("/api/v1/pathways/").json()["results"][0]
    assert result["title"]["nb"] == "Angstplager"


def test_pathway_detail_has_the_current_versions_sections(client, editor, pathway):
    correct_gp_section(pathway, editor)
    response = client.get("/api/v1/pathways/angst/")
    assert response.status_code == 200
    data = response.json()
    assert data["slug"] == "angst"
    assert data["current_version"] == "2026.1"
    assert [s["slug"] for s in data["sections"]] == ["innledning", "fastlege-kartlegging", "sjekkliste-henvisning"]
    gp = data["sections"][1]
    assert gp["kind"] == "service" and gp["service"] == "gp" and gp["part"] == "assessment"
    assert gp["title"] == {"nb": "Tittel 1", "nn": "Tittel 1 nn"}
    assert gp["body"]["nb"] == "Fastlegen kartlegg plagene grundig og vurderer alvorsgrad. Del 1."
    assert gp["body"]["nn"] == "Fastlegen kartlegg plagene grundig og vurderer alvorsgrad. Del 1 nn."
    assert "<p>" in gp["html"]["nb"] and "grundig" in gp["html"]["nb"]
    assert gp["html"]["nn"] == pathway.current_version.sections.get(slug="fastlege-kartlegging").html_nn
    lead = data["sections"][0]
    assert lead["service"] == "" and lead["part"] == ""


def test_pathway_detail_query_count_does_not_grow_with_sections(client, editor):
    make_pathway(editor=editor, slug="fem", sections=5)
    make_pathway(editor=editor, slug="femti", sections=50)
    counts = {}
    for slug, expected in (("fem", 5), ("femti", 50)):
        with CaptureQueriesContext(connection) as queries:
            response = client.get(f"/api/v1/pathways/{slug}/")
        assert len(response.json()["sections"]) == expected
        counts[slug] = len(queries)
    assert counts["fem"] == counts["femti"]


# --- Versions ----------------------------------------------------------------------------------


def test_version_list_is_newest_first(client, editor, pathway):
    correct_gp_section(pathway, editor)
    response = client.get("/api/v1/pathways/angst/versions/")
    assert response.status_code == 200
    results = response.json()["results"]
    assert [(v["number"], v["kind"]) for v in results] == [("2026.1", "correction"), ("2026", "revision")]
    assert results[0]["summary"] == {"nb": "Retting.", "nn": "Retting."}
    assert results[1]["summary"] == {"nb": "Første versjon.", "nn": "Første versjon."}
    published = {v.number: v.published_at for v in pathway.versions.all()}
    assert [datetime.fromisoformat(v["published_at"]) for v in results] == [published["2026.1"], published["2026"]]


def test_version_detail_shows_that_versions_text(client, editor, pathway):
    correct_gp_section(pathway, editor)
    response = client.get("/api/v1/pathways/angst/versions/2026/")
    assert response.status_code == 200
    data = response.json()
    assert data["number"] == "2026" and data["kind"] == "revision"
    assert data["title"] == {"nb": "Angstplager", "nn": "Angstplager"}
    gp = next(s for s in data["sections"] if s["slug"] == "fastlege-kartlegging")
    assert gp["body"]["nb"] == "Fastlegen kartlegg plagene og vurderer alvorsgrad. Del 1."

    correction = client.get("/api/v1/pathways/angst/versions/2026.1/").json()
    assert correction["number"] == "2026.1" and correction["kind"] == "correction"
    assert "grundig" in correction["sections"][1]["body"]["nb"]


# --- Diff --------------------------------------------------------------------------------------


def test_diff_shows_the_inserted_word_of_a_correction(client, editor, pathway):
    correct_gp_section(pathway, editor)
    response = client.get("/api/v1/pathways/angst/diff/")
    assert response.status_code == 200
    data = response.json()
    assert (data["from"], data["to"], data["lang"]) == ("2026", "2026.1", "nb")
    assert len(data["sections"]) == 1
    row = data["sections"][0]
    assert (row["slug"], row["title"], row["status"], row["old_title"]) == (
        "fastlege-kartlegging",
        "Tittel 1",
        "changed",
        "",
    )
    inserted = [c["text"] for c in row["chunks"] if c["op"] == "insert"]
    assert [text.strip() for text in inserted] == ["grundig"]
    assert "".join(c["text"] for c in row["chunks"] if c["op"] != "delete") == (
        "Fastlegen kartlegg plagene grundig og vurderer alvorsgrad. Del 1."
    )


def test_diff_in_nynorsk_with_explicit_versions(client, editor, pathway):
    correct_gp_section(pathway, editor)
    data = client.get("/api/v1/pathways/angst/diff/?from=2026&to=2026.1&lang=nn").json()
    assert (data["from"], data["to"], data["lang"]) == ("2026", "2026.1", "nn")
    row = data["sections"][0]
    assert row["title"] == "Tittel 1 nn"
    assert "".join(c["text"] for c in row["chunks"] if c["op"] != "delete").endswith("Del 1 nn.")


def test_diff_from_defaults_to_the_version_before_to(client, editor, pathway):
    correct_gp_section(pathway, editor)
    Section.objects.filter(pathway=pathway, slug="sjekkliste-henvisning").update(retired=True)
    publish_correction(pathway, editor)  # 2026.2 drops the checklist

    data = client.get("/api/v1/pathways/angst/diff/?to=2026.1").json()
    assert (data["from"], data["to"]) == ("2026", "2026.1")
    assert [(s["slug"], s["status"]) for s in data["sections"]] == [("fastlege-kartlegging", "changed")]

    latest = client.get("/api/v1/pathways/angst/diff/").json()
    assert (latest["from"], latest["to"]) == ("2026.1", "2026.2")
    assert [(s["slug"], s["status"]) for s in latest["sections"]] == [("sjekkliste-henvisning", "removed")]
    assert [c["op"] for c in latest["sections"][0]["chunks"]] == ["delete"]


def test_diff_of_the_first_version_shows_every_section_added(client, pathway):
    data = client.get("/api/v1/pathways/angst/diff/?to=2026").json()
    assert data["from"] is None and data["to"] == "2026"
    assert [s["status"] for s in data["sections"]] == ["added"] * 3
    assert data["sections"][0]["chunks"] == [
        {"op": "insert", "text": "Fastlegen kartlegg plagene og vurderer alvorsgrad. Del 0."}
    ]


def test_diff_refuses_an_unknown_language(client, pathway):
    response = client.get("/api/v1/pathways/angst/diff/?lang=en")
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert list(response.json()["errors"]) == ["lang"]


# --- Errors and methods ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/pathways/finnes-ikke/",
        "/api/v1/pathways/finnes-ikke/versions/",
        "/api/v1/pathways/finnes-ikke/versions/2026/",
        "/api/v1/pathways/finnes-ikke/diff/",
        "/api/v1/pathways/angst/versions/2025/",
        "/api/v1/pathways/angst/versions/2026.9/",
        "/api/v1/pathways/angst/versions/tull/",
        "/api/v1/pathways/angst/diff/?from=2025",
        "/api/v1/pathways/angst/diff/?to=2027",
    ],
)
def test_unknown_pathway_or_version_is_404_json(client, pathway, url):
    response = client.get(url)
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["detail"]


@pytest.mark.parametrize("suffix", ["", "versions/", "versions/2026/", "diff/"])
def test_unpublished_pathway_is_invisible(client, editor, suffix):
    make_pathway(editor=editor, slug="utkast", publish_year=None)
    response = client.get(f"/api/v1/pathways/utkast/{suffix}")
    assert response.status_code == 404
    assert "detail" in response.json()


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/pathways/",
        "/api/v1/pathways/angst/",
        "/api/v1/pathways/angst/versions/",
        "/api/v1/pathways/angst/versions/2026/",
        "/api/v1/pathways/angst/diff/",
    ],
)
def test_write_methods_are_not_allowed(client, pathway, url):
    assert client.post(url, {}).status_code == 405
    assert client.put(url, {}, content_type="application/json").status_code == 405
    assert client.delete(url).status_code == 405
    assert pathway.versions.count() == 1


# --- Schema ------------------------------------------------------------------------------------


def test_schema_documents_all_endpoints(client):
    response = client.get("/api/schema/")
    assert response.status_code == 200
    schema = yaml.safe_load(response.content)
    assert schema["openapi"].startswith("3.")
    assert {
        "/api/v1/pathways/",
        "/api/v1/pathways/{slug}/",
        "/api/v1/pathways/{slug}/versions/",
        "/api/v1/pathways/{slug}/versions/{number}/",
        "/api/v1/pathways/{slug}/diff/",
    } <= set(schema["paths"])
    validate_schema(schema)
    sections = schema["components"]["schemas"]["PathwayDetail"]["properties"]["sections"]
    assert sections["items"] == {"$ref": "#/components/schemas/Section"}
    assert set(schema["components"]["schemas"]["LocalizedText"]["properties"]) == {"nb", "nn"}


def test_schema_generates_without_warnings(tmp_path):
    call_command("spectacular", "--fail-on-warn", "--validate", "--file", str(tmp_path / "schema.yaml"))
