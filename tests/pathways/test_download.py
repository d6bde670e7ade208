import json

import pytest

from pathways.models import ImmutableError, LocalAdaptation
from pathways.services import adaptation_import
from tests.local.conftest import publish

pytestmark = pytest.mark.django_db


def test_download_page_offers_sections_and_formats(client, pathway):
    response = client.get("/nb/forlop/angst/last-ned/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'name="seksjon" value="fastlege-kartlegging"' in html and 'value="json"' in html


def test_json_download_of_chosen_sections(client, pathway):
    response = client.get("/nb/forlop/angst/last-ned/?format=json&seksjon=innledning&seksjon=sjekkliste-henvisning")
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="angst-2026.json"'
    data = json.loads(response.content)
    assert data["version"] == "2026"
    assert [s["slug"] for s in data["sections"]] == ["innledning", "sjekkliste-henvisning"]
    assert data["sections"][0]["body"]["nn"].endswith("Del 0 nn.")


def test_markdown_download_of_the_whole_pathway_in_nynorsk(client, pathway):
    response = client.get("/nn/forlop/angst/last-ned/?format=md")
    text = response.content.decode()
    assert response["Content-Type"].startswith("text/markdown")
    assert text.startswith("# Angstplager")
    assert "## Tittel 1 nn {#fastlege-kartlegging}" in text and "Del 2 nn." in text


def test_download_of_an_unknown_section_is_404(client, pathway):
    assert client.get("/nb/forlop/angst/last-ned/?format=json&seksjon=finnes-ikke").status_code == 404


def test_an_edited_download_becomes_a_local_adaptation(client, pathway, partnership_a, local_a):
    data = json.loads(client.get("/nb/forlop/angst/last-ned/?format=json").content)
    data["title"]["nb"] = "Angst i Vest"
    data["sections"][1]["body"]["nb"] = "Fastlegen i Vest ringer BUPA først."
    data["sections"][1]["body"]["nn"] = "Fastlegen i Vest ringjer BUPA først."
    data["sections"].append(
        {
            "slug": "lokale-kontakter",
            "title": {"nb": "Kontakter", "nn": "Kontaktar"},
            "body": {"nb": "Ring.", "nn": "Ring."},
        }
    )
    adaptation = adaptation_import(partnership=partnership_a, data=data, by=local_a)
    assert adaptation.title_nb == "Angst i Vest"
    override = adaptation.sections.get(slug="fastlege-kartlegging")
    assert not override.is_local and override.based_on_id == pathway.current_version_id
    local = adaptation.sections.get(slug="lokale-kontakter")
    assert local.is_local and local.after_slug == "sjekkliste-henvisning"
    assert adaptation.sections.count() == 2  # unchanged sections are not copied
    publish(adaptation, local_a)
    html = client.get("/nb/vest/forlop/angst/").content.decode()
    assert "ringer BUPA først" in html and 'id="lokale-kontakter"' in html
    assert LocalAdaptation.objects.count() == 1


def test_published_section_cannot_be_deleted(pathway):
    with pytest.raises(ImmutableError):
        pathway.sections.get(slug="innledning").delete()


NOT_A_DOWNLOAD = "Filen er ikke et forløp lastet ned fra denne tjenesten."
NO_SUCH_PATHWAY = "Filen viser til et forløp som ikke finnes."
NO_SUCH_VERSION = "Filen viser til en versjon som ikke finnes."
BAD_ANCHORS = "Disse avsnittsankerne er ikke gyldige (små bokstaver, sifre og bindestreker, høyst 80): "
INCOMPLETE_SECTION = "Hvert avsnitt må ha et anker og en tittel og en tekst på både bokmål og nynorsk."


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"format": "noe-annet"}, NOT_A_DOWNLOAD),
        ({"pathway": {"slug": "angst"}}, NO_SUCH_PATHWAY),
        ({"pathway": "finnes-ikke"}, NO_SUCH_PATHWAY),
        ({"version": "2026.x"}, NO_SUCH_VERSION),
        ({"version": "1999"}, NO_SUCH_VERSION),
        (
            {"sections": [{"slug": "Ikke Gyldig!", "title": {"nb": "a", "nn": "a"}, "body": {"nb": "b", "nn": "b"}}]},
            BAD_ANCHORS + "Ikke Gyldig!",
        ),
        (
            {"sections": [{"slug": "a" * 81, "title": {"nb": "a", "nn": "a"}, "body": {"nb": "b", "nn": "b"}}]},
            BAD_ANCHORS + "a" * 80,
        ),
        ({"sections": [{"slug": "ok", "title": {"nb": "a"}, "body": {"nb": "b", "nn": "b"}}]}, INCOMPLETE_SECTION),
        (
            {"sections": [{"slug": "ok", "title": {"nb": "x" * 201, "nn": "a"}, "body": {"nb": "b", "nn": "b"}}]},
            "En avsnittstittel er lengre enn 200 tegn.",
        ),
        ({"sections": "ikke en liste"}, INCOMPLETE_SECTION),
    ],
)
def test_bad_imports_are_refused_and_store_nothing(client, pathway, partnership_a, local_a, change, reason):
    from pathways.services import ImportRefused

    data = json.loads(client.get("/nb/forlop/angst/last-ned/?format=json").content)
    data.update(change)
    with pytest.raises(ImportRefused) as refused:
        adaptation_import(partnership=partnership_a, data=data, by=local_a)
    assert refused.value.reasons == [reason]
    assert not LocalAdaptation.objects.exists()
