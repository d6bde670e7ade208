"""Every reading page's footer links to the accessibility statement, in both written standards, the
cached pathway pages included."""

import pytest

pytestmark = pytest.mark.django_db

STATEMENT = "https://uustatus.no/nb/erklaringer/publisert/forlop-test"
NAMES = {"nb": "Tilgjengelighetserklæring", "nn": "Tilgjengelegheitserklæring"}


@pytest.mark.parametrize("language", ["nb", "nn"])
@pytest.mark.parametrize(
    "path",
    ["forlop/angst/", "forlop/angst/versjon/2026/", "vest/forlop/angst/", "forlop/angst/utskrift/", "sok/?q=tekst"],
)
def test_the_footer_links_the_accessibility_statement(client, local_page, settings, language, path):
    settings.ACCESSIBILITY_STATEMENT_URL = STATEMENT
    html = client.get(f"/{language}/{path}").content.decode()
    footer = html[html.index('<footer class="site-footer">') :]
    assert f'<a href="{STATEMENT}">{NAMES[language]}</a>' in footer


def test_the_thank_you_page_has_it_too(client, full_pathway, settings):
    import re

    settings.ACCESSIBILITY_STATEMENT_URL = STATEMENT
    page = client.get("/nn/forlop/angst/").content.decode()
    token = re.search(r'name="token" value="([^"]+)"', page)
    assert token is not None
    html = client.post("/nn/nyttig/", {"token": token.group(1), "svar": "ja"}).content.decode()
    assert f'<a href="{STATEMENT}">{NAMES["nn"]}</a>' in html
