"""The public pages in headless Chromium: no serious or critical axe-core finding (WCAG 2.0/2.1 A and
AA), `<html lang>` set, and the sections and feedback links there without JavaScript.

Needs Debian's Chromium at /usr/bin/chromium and axe-core in tests/browser/node_modules (`make test`
runs `npm ci` there). Without them the tests are skipped, unless CI=true: then they fail.

The test data is created before Playwright starts and the browser is closed before the database is
flushed: Playwright's sync API keeps an event loop running in this thread, and Django refuses ORM
calls while one is.
"""

import pytest

from pathways.models import LocalAdaptation, Section, VersionKind
from pathways.services import (
    adaptation_create,
    adaptation_publish,
    adaptation_section_save,
    pathway_publish,
    section_update,
)
from tests.browser.conftest import FAILING_IMPACTS, axe_violations, chromium, format_violations
from tests.factories import make_pathway

pytestmark = pytest.mark.browser

# (name, path, expected <html lang>)
PAGES = [
    ("index", "/nb/forlop/", "nb"),
    ("pathway", "/nb/forlop/angst/", "nb"),
    ("pathway-nynorsk", "/nn/forlop/angst/", "nn"),
    ("old-version", "/nb/forlop/angst/versjon/2026/", "nb"),
    ("changes", "/nb/forlop/angst/endringer/", "nb"),
    ("local", "/nb/vest/forlop/angst/", "nb"),
    ("local-history", "/nb/vest/forlop/angst/versjoner/", "nb"),
    ("local-changes", "/nb/vest/forlop/angst/endringer/", "nb"),
    ("history", "/nb/forlop/angst/versjoner/", "nb"),
    ("download", "/nb/forlop/angst/last-ned/", "nb"),
    ("not-found", "/nb/forlop/finnes-ikke/", "nb"),
]
# Pages with sections: (path, section slugs the page must show)
SECTION_PAGES = [
    ("/nb/forlop/angst/", ["innledning", "fastlege-kartlegging", "sjekkliste-henvisning"]),
    ("/nn/forlop/angst/", ["innledning", "fastlege-kartlegging", "sjekkliste-henvisning"]),
    ("/nb/vest/forlop/angst/", ["innledning", "lokalt", "fastlege-kartlegging", "sjekkliste-henvisning"]),
]


@pytest.fixture
def site(browser_tools, live_server, transactional_db, editor, partnership_a, local_a):
    """A pathway with two versions (2026 and the correction 2026.1) and a local adaptation for
    partnership A with an override and a local section."""
    pathway = make_pathway(editor=editor)
    section = Section.objects.get(pathway=pathway, slug="fastlege-kartlegging")
    section_update(
        section=section,
        by=editor,
        body_nb="Fastlegen kartlegg plagene, vurderer alvorsgrad og [henviser ved behov](#sjekkliste-henvisning).",
        body_nn="Fastlegen kartlegg plagene, vurderer alvorsgrad og [tilviser ved behov](#sjekkliste-henvisning).",
    )
    pathway_publish(
        pathway=pathway,
        by=editor,
        kind=VersionKind.CORRECTION,
        summary_nb="Presisert når fastlegen henviser.",
        summary_nn="Presisert når fastlegen tilviser.",
    )
    pathway.refresh_from_db()
    adaptation = adaptation_create(
        partnership=partnership_a, pathway=pathway, by=local_a, title_nb="Angst i Vest", title_nn="Angst i Vest"
    )
    adaptation_section_save(
        adaptation=adaptation,
        slug="fastlege-kartlegging",
        by=local_a,
        body_nb="Fastlegen i Vest bruker kartleggingsskjemaet fra BUP Vest.\n\n- Ring BUP-vakta ved tvil.",
        body_nn="Fastlegen i Vest brukar kartleggingsskjemaet frå BUP Vest.\n\n- Ring BUP-vakta ved tvil.",
    )
    adaptation_section_save(
        adaptation=adaptation,
        slug="lokalt",
        by=local_a,
        is_local=True,
        after_slug="innledning",
        title_nb="Lokale kontakter",
        title_nn="Lokale kontaktar",
        body_nb="Ring **BUP Vest** på 55 00 00 00.",
        body_nn="Ring **BUP Vest** på 55 00 00 00.",
    )
    adaptation_publish(
        adaptation=adaptation, by=local_a, summary_nb="Lokale kontakter.", summary_nn="Lokale kontaktar."
    )
    assert pathway.versions.count() == 2 and LocalAdaptation.objects.count() == 1
    return live_server.url


@pytest.fixture
def playwright_browser(site):
    """Chromium, started after the test data exists and closed before the database is flushed."""
    with chromium() as browser:
        yield browser


def _axe_violations(browser, url: str) -> tuple[int, str | None, list[dict]]:
    """Status, <html lang> and axe-core's violations of the page at `url`."""
    # The site's CSP (script-src 'self' + nonce) rightly blocks the injected axe script;
    # bypass_csp is Playwright's switch for exactly this kind of test tooling.
    context = browser.new_context(bypass_csp=True)
    try:
        page = context.new_page()
        response = page.goto(url)
        assert response is not None
        assert page.title().strip(), f"{url}: empty <title>"
        lang = page.locator("html").get_attribute("lang")
        return response.status, lang, axe_violations(page)
    finally:
        context.close()


def test_pages_have_no_serious_axe_violations(site, playwright_browser, subtests):
    for name, path, lang in PAGES:
        with subtests.test(msg=name, path=path):
            status, html_lang, violations = _axe_violations(playwright_browser, site + path)
            assert status == (404 if name == "not-found" else 200), path
            assert html_lang == lang, f"{path}: <html lang={html_lang!r}>"
            failing = [v for v in violations if v["impact"] in FAILING_IMPACTS]
            others = [v for v in violations if v["impact"] not in FAILING_IMPACTS]
            if others:
                print(f"{path}: minor/moderate axe findings:\n{format_violations(others)}")
            assert not failing, f"{path}: serious or critical axe violations:\n{format_violations(failing)}"


def test_sections_and_feedback_links_work_without_javascript(site, playwright_browser, subtests):
    context = playwright_browser.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        for path, slugs in SECTION_PAGES:
            with subtests.test(path=path):
                language = path[1:3]
                response = page.goto(site + path)
                assert response is not None and response.status == 200
                assert page.locator("html").get_attribute("lang") == language
                for slug in slugs:
                    section = page.locator(f"section#{slug}")
                    assert section.is_visible(), f"{path}: section {slug} not shown"
                    assert section.locator("h2, h3").first.is_visible(), f"{path}: {slug} has no visible heading"
                    link = section.locator(".feedback-link a")
                    assert link.is_visible(), f"{path}: no feedback link in {slug}"
                    href = link.get_attribute("href")
                    assert href.startswith(f"/{language}/tilbakemelding/?"), href
                    assert f"seksjon={slug}" in href, href
                    if "/vest/" in path:
                        assert "lokal=vest" in href, href
    finally:
        context.close()


def test_the_version_history_fits_a_phone_without_sideways_scrolling(site, playwright_browser):
    context = playwright_browser.new_context(viewport={"width": 375, "height": 740})
    try:
        page = context.new_page()
        response = page.goto(site + "/nb/forlop/angst/versjoner/")
        assert response is not None and response.status == 200
        overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0, f"the page is {overflow} px wider than a 375 px phone"
        assert page.locator("text=Presisert når fastlegen henviser.").is_visible()
    finally:
        context.close()
