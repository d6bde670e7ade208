import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from pathways.models import LocalAdaptation, VersionKind
from pathways.services import adaptation_section_save, pathway_publish, section_update
from tests.factories import make_pathway
from tests.local.conftest import publish

pytestmark = pytest.mark.django_db


def test_root_redirects_to_bokmal_index(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"] == "/nb/forlop/"


def test_index_lists_published_pathways_in_both_languages(client, pathway):
    for language in ("nb", "nn"):
        response = client.get(f"/{language}/forlop/")
        assert response.status_code == 200
        assert b'href="/%s/forlop/angst/"' % language.encode() in response.content


def test_pathway_page_has_anchored_sections_with_feedback_links(client, pathway):
    response = client.get("/nb/forlop/angst/")
    html = response.content.decode()
    assert response.status_code == 200
    assert '<section id="fastlege-kartlegging"' in html
    assert "/nb/tilbakemelding/?forlop=angst&amp;seksjon=fastlege-kartlegging&amp;versjon=2026" in html
    assert "Meld feil eller foreslå endring" in html
    assert 'href="/nn/forlop/angst/"' in html  # the same page in the other written standard
    assert "Sist oppdatert" in html and "Versjon 2026" in html


def test_nynorsk_page_uses_nynorsk_wording(client, pathway):
    html = client.get("/nn/forlop/angst/").content.decode()
    assert "Meld feil eller føreslå endring" in html
    assert 'lang="nn"' in html
    assert "Del 1 nn." in html


def test_local_page_feedback_links_carry_the_partnership(client, pathway, partnership_a, local_a):
    adaptation = LocalAdaptation.objects.create(
        partnership=partnership_a, pathway=pathway, based_on=pathway.current_version
    )
    adaptation_section_save(
        adaptation=adaptation,
        slug="lokalt",
        by=local_a,
        is_local=True,
        after_slug="innledning",
        title_nb="Lokale kontakter",
        title_nn="Lokale kontaktar",
        body_nb="Ring BUPA.",
        body_nn="Ring BUPA.",
    )
    publish(adaptation, local_a)
    html = client.get("/nb/vest/forlop/angst/").content.decode()
    assert "Ring BUPA." in html
    assert "seksjon=lokalt&amp;versjon=2026&amp;lokal=vest&amp;lokalversjon=vest-2026.1" in html
    assert html.index('id="innledning"') < html.index('id="lokalt"') < html.index('id="fastlege-kartlegging"')


@pytest.mark.parametrize(
    "url",
    [
        "/nb/forlop/finnes-ikke/",
        "/nb/forlop/angst/versjon/1999/",
        "/nb/forlop/angst/versjon/abc/",
        "/de/forlop/angst/",
        "/nb/forlop/angst/endringer/?fra=1&til=2026",
        "/nb/ukjent/forlop/angst/",
        "/nb/forlop/angst/versjon/2026.x/",
        "/nb/forlop/angst/last-ned/?format=exe",
    ],
)
def test_unknown_things_get_a_norwegian_404(client, pathway, url):
    response = client.get(url, follow=True)  # /de/… is first redirected to /nb/de/…
    assert response.status_code == 404
    assert "Fant ikke siden" in response.content.decode()


def test_unpublished_pathway_is_not_shown(client, editor):
    make_pathway(editor=editor, slug="utkast", publish_year=None)
    assert client.get("/nb/forlop/utkast/").status_code == 404


def test_etag_and_last_modified_give_304(client, pathway):
    first = client.get("/nb/forlop/angst/")
    assert first["ETag"] and first["Last-Modified"]
    again = client.get("/nb/forlop/angst/", HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304
    other_language = client.get("/nn/forlop/angst/", HTTP_IF_NONE_MATCH=first["ETag"])
    assert other_language.status_code == 200


def test_new_version_changes_the_etag(client, pathway, editor):
    etag = client.get("/nb/forlop/angst/")["ETag"]
    section = pathway.sections.get(slug="innledning")
    section_update(section=section, by=editor, body_nb="Ny tekst.", body_nn="Ny tekst nn.")
    pathway_publish(
        pathway=pathway,
        by=editor,
        kind=VersionKind.CORRECTION,
        summary_nb="Retting.",
        summary_nn="Retting.",
    )
    response = client.get("/nb/forlop/angst/", HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 200
    assert "Ny tekst." in response.content.decode()
    assert "Versjon 2026.1" in response.content.decode()


def test_earlier_version_is_served_with_a_notice(client, pathway, editor):
    section_update(section=pathway.sections.get(slug="innledning"), by=editor, body_nb="Ny.", body_nn="Ny nn.")
    pathway_publish(pathway=pathway, by=editor, kind=VersionKind.CORRECTION, summary_nb="R.", summary_nn="R.")
    html = client.get("/nb/forlop/angst/versjon/2026/").content.decode()
    assert "Del 0." in html and "som ikke er den gjeldende" in html


def _query_count(client, url) -> int:
    from pathways import pages, views

    views._rendered_pages.clear()
    pages._current.clear()
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_pathway_page_queries_do_not_grow_with_sections(client, editor):
    make_pathway(editor=editor, slug="fem", sections=5)
    make_pathway(editor=editor, slug="femti", sections=50)
    assert _query_count(client, "/nb/forlop/fem/") == _query_count(client, "/nb/forlop/femti/")


def test_local_page_queries_do_not_grow_with_sections(client, editor, partnership_a, local_a):
    for slug, count in (("fem", 5), ("femti", 50)):
        pathway = make_pathway(editor=editor, slug=slug, sections=count)
        adaptation = LocalAdaptation.objects.create(
            partnership=partnership_a, pathway=pathway, based_on=pathway.current_version
        )
        for index in range(count // 5):
            adaptation_section_save(
                adaptation=adaptation,
                slug=f"lokal-{index}",
                by=local_a,
                is_local=True,
                body_nb="Lokalt.",
                body_nn="Lokalt.",
            )
        publish(adaptation, local_a)
    assert _query_count(client, "/nb/vest/forlop/fem/") == _query_count(client, "/nb/vest/forlop/femti/")


def test_current_version_lookup_is_remembered_and_forgotten_when_a_new_version_is_published(
    client, pathway, editor, settings, django_capture_on_commit_callbacks
):
    settings.PAGE_LOOKUP_SECONDS = 60
    assert _query_count(client, "/nb/forlop/angst/") >= 1
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/nb/forlop/angst/").status_code == 200
    assert len(queries) == 0  # served from the process's memory
    section_update(section=pathway.sections.get(slug="innledning"), by=editor, body_nb="Ny.", body_nn="Ny nn.")
    with django_capture_on_commit_callbacks(execute=True):
        pathway_publish(pathway=pathway, by=editor, kind=VersionKind.CORRECTION, summary_nb="R.", summary_nn="R.")
    assert "2026.1" in client.get("/nb/forlop/angst/").content.decode()
