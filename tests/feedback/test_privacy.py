"""Every page's footer names the service's owner and links to the accessibility statement and the
privacy statement; the privacy statement says what the feedback form stores, why and how long."""

import pytest

pytestmark = pytest.mark.django_db

STATEMENT = "https://uustatus.no/nb/erklaringer/publisert/forlop-test"


@pytest.mark.parametrize("path", ["/nb/forlop/", "/nb/forlop/angst/", "/nb/tilbakemelding/", "/nb/logg-inn/"])
def test_every_footer_names_the_owner_and_links_both_statements(client, pathway, settings, path):
    settings.SERVICE_OWNER = "Helse Testfonna HF"
    settings.ACCESSIBILITY_STATEMENT_URL = STATEMENT
    html = client.get(path).content.decode()
    footer = html[html.index('<footer class="site-footer">') :]
    assert "Tjenesten eies av Helse Testfonna HF." in footer
    assert f'<a href="{STATEMENT}">Tilgjengelighetserklæring</a>' in footer
    assert '<a href="/nb/personvern/">Personvernerklæring</a>' in footer


def test_without_a_statement_url_the_footer_says_it_is_not_published(client, db, settings):
    settings.ACCESSIBILITY_STATEMENT_URL = ""
    html = client.get("/nn/forlop/").content.decode()
    assert "Tilgjengelegheitserklæring: ikkje publisert enno" in html
    assert '<a href="/nn/personvern/">Personvernerklæring</a>' in html


@pytest.mark.parametrize(
    ("language", "stores", "months"),
    [
        ("nb", "E-postadressen din, bare hvis du oppgir en.", "12 måneder etter at tilbakemeldingen er avsluttet"),
        ("nn", "E-postadressa di, berre om du oppgjev ei.", "12 månader etter at tilbakemeldinga er avslutta"),
    ],
)
def test_the_privacy_statement_says_what_is_stored_why_and_for_how_long(client, db, settings, language, stores, months):
    settings.FEEDBACK_RETENTION_MONTHS = 12
    settings.SERVICE_OWNER = "Helse Testfonna HF"
    response = client.get(f"/{language}/personvern/")
    assert response.status_code == 200
    html = response.content.decode()
    assert f'<html lang="{language}">' in html
    assert stores in html and months in html
    assert "Helse Testfonna HF" in html
    assert f'href="/{"nn" if language == "nb" else "nb"}/personvern/"' in html  # the other written standard
