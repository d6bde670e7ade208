"""The table of contents on the pathway pages: grouped as the page is, every link to an anchor on
the page, long services foldable, a skip link to it; and part of the cached snapshot."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from pathways.models import VersionKind
from pathways.services import pathway_publish, section_update
from tests.reading.conftest import PAGE_ORDER, PARTS
from tests.reading.markup import read

pytestmark = pytest.mark.django_db


def _toc(html: str) -> str:
    return html[html.index('<nav id="toc"') : html.index("</nav>", html.index('<nav id="toc"'))]


def test_every_toc_link_is_an_anchor_on_the_page_in_page_order(client, full_pathway):
    html = client.get("/nb/forlop/angst/").content.decode()
    page = read(html)
    anchors = [href.removeprefix("#") for href in page.links]
    assert all(href.startswith("#") for href in page.links)
    assert set(anchors) <= set(page.ids)
    # The lead stands right above the table and is left out; everything else is in, in page order.
    assert anchors == [a for a in PAGE_ORDER if a != "innledning"]
    assert len(page.ids) == len(set(page.ids)), "an id is used twice"


def test_toc_groups_the_services_under_who_does_what_with_their_parts(client, full_pathway):
    toc = _toc(client.get("/nb/forlop/angst/").content.decode())
    assert '<h2 id="toc-title">Innhold på siden</h2>' in toc
    services = toc[toc.index("Hvem gjør hva?") :]
    assert toc.index('href="#bakgrunn"') < toc.index("Hvem gjør hva?") < toc.index('href="#sjekkliste-henvisning"')
    gp = services[services.index('href="#service-gp"') : services.index('href="#service-camhs"')]
    assert ">Fastlege<" in gp
    # The parts by their names, each with its service for a screen reader's list of links.
    for label, (suffix, _part) in zip(
        ["Kartlegging", "Tiltak", "Evaluering av tiltak", "Samarbeid med andre instanser"], PARTS, strict=False
    ):
        assert re.search(rf'href="#fastlege-{suffix}">{label}<span class="visually-hidden"> \(Fastlege\)', gp)


def test_nynorsk_toc(client, full_pathway):
    html = client.get("/nn/forlop/angst/").content.decode()
    toc = _toc(html)
    assert "Innhald på sida" in toc and "Kven gjer kva?" in toc
    assert '<a class="skip-link" href="#toc">Gå til innhaldslista</a>' in html


def test_skip_links_lead_to_the_content_and_to_the_toc(client, full_pathway):
    html = client.get("/nb/forlop/angst/").content.decode()
    assert '<a class="skip-link" href="#main">Gå til hovedinnholdet</a>' in html
    assert '<a class="skip-link" href="#toc">Gå til innholdslista</a>' in html
    # The table comes after the lead and before the first section it lists.
    assert html.index('id="innledning"') < html.index('<nav id="toc"') < html.index('id="bakgrunn"')


def test_long_services_can_be_folded_and_start_open(client, full_pathway):
    html = client.get("/nb/forlop/angst/").content.decode()
    groups = re.findall(r'<details class="service-group" open>\s*<summary><h2 id="([^"]+)">', html)
    assert groups == ["service-gp", "service-camhs"]  # five parts each
    # A service with one part is not folded.
    assert '<h2 id="service-educational_psychology">' in html
    assert not re.search(r'<summary><h2 id="service-educational_psychology"', html)
    # Every part stays inside its service's folding.
    gp = html[html.index('<h2 id="service-gp">') : html.index("</details>", html.index('<h2 id="service-gp">'))]
    assert all(f'<section id="fastlege-{suffix}"' in gp for suffix, _part in PARTS)


def test_a_pathway_without_services_has_a_toc_of_its_sections(client, pathway):
    toc = _toc(client.get("/nb/forlop/angst/").content.decode())
    assert 'href="#sjekkliste-henvisning"' in toc
    assert "<details" not in client.get("/nb/forlop/angst/").content.decode()  # one GP part: nothing to fold


def test_local_page_toc_keeps_the_local_section_among_the_services(client, local_page):
    html = client.get("/nb/vest/forlop/angst/").content.decode()
    page = read(html)
    anchors = [href.removeprefix("#") for href in page.links]
    assert set(anchors) <= set(page.ids)
    assert len(page.ids) == len(set(page.ids)), "an id is used twice"
    # The GP comes back after the local section: its second heading has an anchor of its own.
    assert anchors[:5] == ["bakgrunn", "service-gp", "fastlege-kartlegging", "legevakt-vest", "service-gp-2"]
    toc = _toc(html)
    assert toc.index("Hvem gjør hva?") < toc.index("Legevakt i Vest") < toc.index('href="#service-camhs"')


def test_an_earlier_version_has_its_own_toc(client, full_pathway, editor):
    section_update(
        section=full_pathway.sections.get(slug="bakgrunn"), by=editor, title_nb="Ny bakgrunn", title_nn="Ny bakgrunn nn"
    )
    pathway_publish(pathway=full_pathway, by=editor, kind=VersionKind.CORRECTION, summary_nb="R.", summary_nn="R.")
    assert "Ny bakgrunn" in _toc(client.get("/nb/forlop/angst/").content.decode())
    old = _toc(client.get("/nb/forlop/angst/versjon/2026/").content.decode())
    assert "Les mer om angstplager" in old and "Ny bakgrunn" not in old


def test_the_toc_is_in_the_snapshot_served_from_memory(client, full_pathway, settings):
    settings.PAGE_LOOKUP_SECONDS = 60
    client.get("/nb/forlop/angst/")
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/nb/forlop/angst/")
    assert len(queries) == 0
    assert '<nav id="toc"' in response.content.decode()
    assert response.wsgi_request.resolver_match is None  # answered by CurrentPageMiddleware
