"""The print view of a whole pathway (and of a local page), its PDF, and the print stylesheet."""

import io
from pathlib import Path

import pytest
from pypdf import PdfReader

from pathways.models import VersionKind
from pathways.pdf import PdfFailed
from pathways.services import pathway_publish, section_update
from tests.reading.conftest import PAGE_ORDER

pytestmark = pytest.mark.django_db

SITE = "https://forlop.example.no"


@pytest.fixture(autouse=True)
def _site(settings):
    settings.SITE_URL = SITE


def _pdf_text(response) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)


def test_the_page_links_to_its_print_view(client, full_pathway):
    html = client.get("/nb/forlop/angst/").content.decode()
    assert '<a href="/nb/forlop/angst/utskrift/">Skriv ut eller lagre som PDF</a>' in html
    assert '<a href="/nb/forlop/angst/utskrift/">Utskriftsvisning</a>' in html  # in the footer too


def test_print_view_has_every_section_the_version_the_date_and_each_full_address(client, full_pathway):
    response = client.get("/nb/forlop/angst/utskrift/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1>Angstplager</h1>" in html
    assert "Versjon 2026" in html
    assert f"Sist oppdatert {full_pathway.current_version.published_at:%d.%m.%Y}" in html
    assert f'Sidens adresse: <a href="{SITE}/nb/forlop/angst/">' in html
    for anchor in PAGE_ORDER:
        if not anchor.startswith("service-"):
            assert f"Tekst i {anchor}." in html
            assert f'<a href="{SITE}/nb/forlop/angst/#{anchor}">{SITE}/nb/forlop/angst/#{anchor}</a>' in html
    # In page order, the services as headings with their parts.
    assert html.index("Tekst i bakgrunn.") < html.index("<h2>Fastlege</h2>") < html.index("Tekst i fastlege-tiltak.")
    assert '<a href="/nb/forlop/angst/utskrift.pdf">Last ned som PDF</a>' in html
    assert "<details" not in html and 'class="useful"' not in html  # nothing folded, no form


def test_print_view_in_nynorsk(client, full_pathway):
    html = client.get("/nn/forlop/angst/utskrift/").content.decode()
    assert "Tekst i bakgrunn nn." in html and "Adressa til sida:" in html
    assert f"{SITE}/nn/forlop/angst/#bakgrunn" in html


def test_print_view_of_an_earlier_version(client, full_pathway, editor):
    section_update(section=full_pathway.sections.get(slug="bakgrunn"), by=editor, body_nb="Nytt.", body_nn="Nytt nn.")
    pathway_publish(pathway=full_pathway, by=editor, kind=VersionKind.CORRECTION, summary_nb="R.", summary_nn="R.")
    old_page = client.get("/nb/forlop/angst/versjon/2026/").content.decode()
    assert 'href="/nb/forlop/angst/utskrift/?versjon=2026"' in old_page
    html = client.get("/nb/forlop/angst/utskrift/?versjon=2026").content.decode()
    assert "Versjon 2026<" in html or "Versjon 2026 " in html
    assert "Tekst i bakgrunn." in html and "Nytt." not in html
    assert "Dette er ikke den gjeldende versjonen." in html
    assert f"{SITE}/nb/forlop/angst/versjon/2026/#bakgrunn" in html
    assert "Nytt." in client.get("/nb/forlop/angst/utskrift/").content.decode()


@pytest.mark.parametrize(
    "url",
    [
        "/nb/forlop/finnes-ikke/utskrift/",
        "/nb/forlop/angst/utskrift/?versjon=1999",
        "/nb/forlop/angst/utskrift/?versjon=abc",
        "/nb/forlop/angst/utskrift.pdf?versjon=2026.x",
        "/nb/nord/forlop/angst/utskrift/",
        "/nb/vest/forlop/angst/utskrift/?versjon=nord-2026.1",
    ],
)
def test_unknown_things_are_a_norwegian_404(client, local_page, partnership_b, url):
    response = client.get(url)
    assert response.status_code == 404
    assert "Fant ikke siden" in response.content.decode()


def test_print_view_is_cached_by_etag(client, full_pathway):
    first = client.get("/nb/forlop/angst/utskrift/")
    again = client.get("/nb/forlop/angst/utskrift/", HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304


def test_pdf_has_the_title_the_version_and_the_section_addresses(client, full_pathway):
    response = client.get("/nb/forlop/angst/utskrift.pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'inline; filename="angst-2026-nb.pdf"'
    text = _pdf_text(response)
    assert "Angstplager" in text and "Versjon 2026" in text
    assert "Tekst i fastlege-henvisning." in text
    assert f"{SITE}/nb/forlop/angst/#sjekkliste-henvisning" in text.replace("\n", "")
    # The second time from the process's memory, the same bytes.
    assert client.get("/nb/forlop/angst/utskrift.pdf").content == response.content


def test_when_the_pdf_cannot_be_laid_out_the_reader_is_sent_to_the_print_view(client, full_pathway, monkeypatch):
    def fail(html):
        raise PdfFailed("1 error(s) laying out the PDF")

    monkeypatch.setattr("pathways.views.render_pdf", fail)
    response = client.get("/nb/forlop/angst/utskrift.pdf")
    assert response.status_code == 503
    html = response.content.decode()
    assert "PDF-en kunne ikke lages" in html
    assert '<a href="/nb/forlop/angst/utskrift/">Gå til utskriftsvisningen</a>' in html


def test_local_print_view_and_pdf(client, local_page):
    page = client.get("/nb/vest/forlop/angst/").content.decode()
    assert 'href="/nb/vest/forlop/angst/utskrift/"' in page
    html = client.get("/nb/vest/forlop/angst/utskrift/").content.decode()
    assert "Lokal tilpasning for Helsefellesskap Vest" in html
    assert "Lokal versjon vest-2026.1, bygger på felles versjon 2026" in html
    assert "Ring legevakten i Vest." in html
    assert f'<a href="{SITE}/nb/vest/forlop/angst/#legevakt-vest">' in html
    assert html.index("Tekst i fastlege-kartlegging.") < html.index("Ring legevakten i Vest.")
    pdf = client.get("/nb/vest/forlop/angst/utskrift.pdf")
    assert pdf.status_code == 200
    assert "Ring legevakten i Vest." in _pdf_text(pdf)
    assert pdf["Content-Disposition"] == 'inline; filename="vest-2026.1-nb.pdf"'


def test_the_print_view_passes_the_footer_and_header(client, full_pathway, settings):
    settings.ACCESSIBILITY_STATEMENT_URL = "https://uustatus.no/nb/erklaringer/publisert/test"
    html = client.get("/nn/forlop/angst/utskrift/").content.decode()
    assert '<a href="https://uustatus.no/nb/erklaringer/publisert/test">Tilgjengelegheitserklæring</a>' in html


def test_the_normal_page_has_a_print_stylesheet(client, full_pathway):
    css = (Path(__file__).resolve().parents[2] / "static" / "css" / "site.css").read_text()
    rules = css[css.index("@media print") :]
    for hidden in (".site-header", ".toc", ".feedback-link", ".useful", ".print-link"):
        assert hidden in rules.split("{")[1]
    html = client.get("/nb/forlop/angst/").content.decode()
    assert 'href="/static/css/site.css"' in html
