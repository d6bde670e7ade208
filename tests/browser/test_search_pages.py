"""The search pages in headless Chromium: no serious axe-core finding, the search works from the
header box without JavaScript and lands on the section's anchor, and the results fit a phone.

Rules as in tests/browser/conftest.py: data first, then the browser, then the database.
"""

from urllib.parse import quote

import pytest

from pathways.models import Section, VersionKind
from pathways.services import pathway_publish
from tests.browser.conftest import FAILING_IMPACTS, axe_violations, chromium, format_violations
from tests.factories import make_pathway

pytestmark = pytest.mark.browser

PAGES = [
    ("empty", "/nb/sok/", 200),
    ("hits", "/nb/sok/?q=henvisningen", 200),
    ("hits-nynorsk", "/nn/sok/?q=tilvisingar", 200),
    ("no-hits", "/nb/sok/?q=xylofon", 200),
    ("too-long", "/nb/sok/?q=" + quote("angst " * 100), 400),
]


@pytest.fixture
def site(browser_tools, live_server, transactional_db, editor):
    pathway = make_pathway(editor=editor, sections=25, publish_year=None)
    Section.objects.filter(pathway=pathway).update(
        body_nb="Legg ved henvisningen og <skriv> kartleggingsskjemaet. " * 8,
        body_nn="Legg ved tilvisinga og kartleggingsskjemaet. " * 8,
    )
    pathway_publish(
        pathway=pathway, by=editor, kind=VersionKind.REVISION, year=2026, summary_nb="Ny.", summary_nn="Ny."
    )
    return live_server.url


def test_search_pages_have_no_serious_axe_violations(site, subtests):
    with chromium() as browser:
        for name, path, status in PAGES:
            with subtests.test(msg=name):
                context = browser.new_context(bypass_csp=True)
                page = context.new_page()
                response = page.goto(site + path)
                assert response is not None and response.status == status, name
                failing = [v for v in axe_violations(page) if v["impact"] in FAILING_IMPACTS]
                context.close()
                assert not failing, f"{path}: serious or critical axe violations:\n{format_violations(failing)}"


def test_the_header_box_searches_without_javascript_and_a_hit_opens_its_section(site):
    with chromium() as browser:
        context = browser.new_context(java_script_enabled=False)
        page = context.new_page()
        page.goto(site + "/nb/forlop/angst/")
        page.get_by_role("search").get_by_label("Søk i forløpene").fill("henvisninger")
        page.get_by_role("search").get_by_role("button", name="Søk").click()
        page.wait_for_url("**/nb/sok/?q=henvisninger")
        assert "25 seksjoner funnet for «henvisninger»." in page.locator("main").inner_text()
        assert page.locator(".search-hit").count() == 20
        first = page.locator(".search-hit a").first
        href = first.get_attribute("href")
        assert href is not None and href.startswith("/nb/forlop/angst/#")
        first.click()
        page.wait_for_url("**" + href)
        assert page.locator(f"section#{href.split('#')[1]}").is_visible()
        page.goto(site + "/nb/sok/?q=henvisninger")
        page.get_by_role("link", name="Neste side").click()
        assert page.locator(".search-hit").count() == 5
        context.close()


def test_the_results_fit_a_phone_without_sideways_scrolling(site):
    with chromium() as browser:
        context = browser.new_context(viewport={"width": 320, "height": 640})
        page = context.new_page()
        for path in ("/nb/sok/?q=kartleggingsskjemaet", "/nb/forlop/angst/"):
            page.goto(site + path)
            size = page.evaluate("() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]")
            assert size[0] <= size[1], (path, size)
        context.close()
