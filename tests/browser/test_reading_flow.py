"""The reading aids in headless Chromium: search from the header box, open a hit, use the table of
contents by keyboard, fold a service and follow a link into it, answer "no" and reach the feedback
form; and no serious axe-core finding on the search page, a page with a table of contents, the
print view, the thank-you page and the editor's page of the counts.

Rules as in tests/browser/conftest.py: data first, then the browser, then the database.
"""

import pytest

from pathways.models import Section, VersionKind
from pathways.services import adaptation_create, adaptation_section_save, pathway_publish
from tests.browser.conftest import FAILING_IMPACTS, axe_violations, chromium, format_violations
from tests.local.conftest import publish
from tests.reading.conftest import make_full_pathway

pytestmark = pytest.mark.browser


@pytest.fixture
def site(browser_tools, live_server, transactional_db, editor, partnership_a, local_a):
    pathway = make_full_pathway(editor)
    Section.objects.filter(pathway=pathway, slug="fastlege-tiltak").update(
        body_nb="Fastlegen gir råd om søvnhygiene og eksponering i små steg.",
        body_nn="Fastlegen gjev råd om søvnhygiene og eksponering i små steg.",
    )
    pathway_publish(pathway=pathway, by=editor, kind=VersionKind.CORRECTION, summary_nb="R.", summary_nn="R.")
    adaptation = adaptation_create(partnership=partnership_a, pathway=pathway, by=local_a)
    adaptation_section_save(
        adaptation=adaptation,
        slug="legevakt-vest",
        by=local_a,
        is_local=True,
        after_slug="fastlege-kartlegging",
        title_nb="Legevakt i Vest",
        title_nn="Legevakt i Vest",
        body_nb="Ring legevakten.",
        body_nn="Ring legevakta.",
    )
    publish(adaptation, local_a)
    return live_server.url


def _in_viewport(page, selector: str) -> bool:
    top, height = page.evaluate(
        "sel => [document.querySelector(sel).getBoundingClientRect().top, window.innerHeight]", selector
    )
    assert -2 <= top < height, (selector, top, height)
    return True


def test_search_open_a_hit_use_the_toc_by_keyboard_and_answer_no(site):
    with chromium() as browser:
        context = browser.new_context(viewport={"width": 1000, "height": 700})
        page = context.new_page()
        page.goto(site + "/nb/forlop/")
        search = page.get_by_role("search")
        search.get_by_label("Søk i forløpene").fill("søvnhygiene")
        search.get_by_role("button", name="Søk").click()
        page.wait_for_url("**/nb/sok/?q=*")
        hit = page.locator(".search-hit a").first
        assert hit.get_attribute("href") == "/nb/forlop/angst/#fastlege-tiltak"
        hit.click()
        page.wait_for_url("**/nb/forlop/angst/#fastlege-tiltak")
        assert _in_viewport(page, "#fastlege-tiltak")

        # From the top of the page: the second skip link leads to the table of contents.
        page.goto(site + "/nb/forlop/angst/")
        page.keyboard.press("Tab")
        assert page.evaluate("() => document.activeElement.textContent") == "Gå til hovedinnholdet"
        page.keyboard.press("Tab")
        assert page.evaluate("() => document.activeElement.textContent") == "Gå til innholdslista"
        page.keyboard.press("Enter")
        assert page.evaluate("() => document.activeElement.id") == "toc"
        # Tab through the table to the GP's "Evaluation" part, then follow it with Enter.
        for _step in range(40):
            page.keyboard.press("Tab")
            if page.evaluate("() => document.activeElement.getAttribute('href')") == "#fastlege-evaluering":
                break
        else:
            pytest.fail("no TOC link to #fastlege-evaluering within 40 tabs")
        page.keyboard.press("Enter")
        page.wait_for_url("**#fastlege-evaluering")
        assert _in_viewport(page, "#fastlege-evaluering")
        # The next Tab goes on from the section: its own feedback link.
        page.keyboard.press("Tab")
        focused = page.evaluate("() => document.activeElement.closest('section').id")
        assert focused == "fastlege-evaluering"

        # Answer "no" at the foot of the page, and go on to the feedback form.
        page.get_by_role("group", name="Var denne sida nyttig?").get_by_role("button", name="Nei").click()
        page.wait_for_url("**/nb/nyttig/")
        assert page.get_by_role("heading", name="Takk for svaret").is_visible()
        page.get_by_role("link", name="Gi tilbakemelding om siden").click()
        page.wait_for_url("**/nb/tilbakemelding/?forlop=angst&versjon=2026.1")
        assert "Angstplager" in page.locator("main").inner_text()
        context.close()
    from feedback.models import UsefulAnswer

    assert list(UsefulAnswer.objects.values_list("useful", "version_number")) == [(False, "2026.1")]


@pytest.mark.parametrize("javascript", [True, False], ids=["with-js", "without-js"])
def test_a_link_into_a_folded_service_opens_it(site, javascript):
    """Chromium opens a closed <details> itself when a fragment it is navigated to lies inside it
    (`static/js/reading.js` does the same for other browsers); both ways end with the part shown."""
    with chromium() as browser:
        context = browser.new_context(java_script_enabled=javascript)
        page = context.new_page()
        page.goto(site + "/nb/forlop/angst/")
        gp = page.locator("details.service-group").first
        assert gp.get_attribute("open") is not None  # open to begin with
        gp.locator("summary").click()
        assert gp.get_attribute("open") is None
        assert not page.locator("#fastlege-samarbeid").is_visible()
        page.locator('#toc a[href="#fastlege-samarbeid"]').click()
        page.wait_for_url("**#fastlege-samarbeid")
        page.wait_for_function("() => document.querySelector('details.service-group').open")
        assert page.locator("#fastlege-samarbeid").is_visible()
        assert _in_viewport(page, "#fastlege-samarbeid")
        # Opening the page with the fragment in its address shows the part too.
        page.goto(site + "/nb/forlop/angst/#bup-tiltak")
        assert page.locator("#bup-tiltak").is_visible()
        context.close()


PAGES = [
    ("search", "/nb/sok/?q=tekst"),
    ("pathway-with-toc", "/nb/forlop/angst/"),
    ("pathway-nynorsk", "/nn/forlop/angst/"),
    ("local-with-toc", "/nb/vest/forlop/angst/"),
    ("print-view", "/nb/forlop/angst/utskrift/"),
    ("local-print-view", "/nn/vest/forlop/angst/utskrift/"),
]


def test_reading_pages_have_no_serious_axe_violations(site, subtests):
    with chromium() as browser:
        context = browser.new_context(bypass_csp=True)
        page = context.new_page()
        for name, path in PAGES:
            with subtests.test(msg=name):
                response = page.goto(site + path)
                assert response is not None and response.status == 200, name
                failing = [v for v in axe_violations(page) if v["impact"] in FAILING_IMPACTS]
                assert not failing, f"{path}: serious or critical axe violations:\n{format_violations(failing)}"
        with subtests.test(msg="thank-you-page"):
            page.goto(site + "/nb/forlop/angst/")
            page.get_by_role("button", name="Nei").click()
            page.wait_for_url("**/nb/nyttig/")
            failing = [v for v in axe_violations(page) if v["impact"] in FAILING_IMPACTS]
            assert not failing, f"thank-you page: serious or critical axe violations:\n{format_violations(failing)}"
        with subtests.test(msg="counts-page"):
            # The "no" above is counted on the editor's page of the answers, in both written standards.
            page.goto(site + "/nb/logg-inn/")
            page.fill("#id_username", "editor")
            page.fill("#id_password", "pw-for-tests")
            with page.expect_navigation():
                page.locator("main form[method=post] button[type=submit]").click()
            for language in ("nb", "nn"):
                response = page.goto(f"{site}/{language}/redaksjon/nyttig/")
                assert response is not None and response.status == 200
                assert page.locator("main table tbody tr").count() >= 1
                failing = [v for v in axe_violations(page) if v["impact"] in FAILING_IMPACTS]
                assert not failing, (
                    f"counts page ({language}): serious or critical axe violations:\n{format_violations(failing)}"
                )
        context.close()
