"""The local editor publishes a local version in a real browser, without JavaScript: the adaptation
page (unpublished), the publish page, a refused publish with its error summary, the publish, and
the public local page with its history; axe-core on each page."""

import pytest

from pathways.models import LocalVersion
from pathways.services import adaptation_create, adaptation_section_save
from tests.browser.conftest import assert_no_serious_axe_violations, chromium
from tests.factories import make_pathway

pytestmark = pytest.mark.browser

PASSWORD = "pw-for-tests"  # the cast's, tests/conftest.py
ADAPTATION = "/nb/redaksjon/vest/forlop/angst/"


@pytest.fixture
def site(browser_tools, live_server, transactional_db, editor, partnership_a, local_a):
    pathway = make_pathway(editor=editor)
    adaptation = adaptation_create(partnership=partnership_a, pathway=pathway, by=local_a, title_nb="Angst i Vest")
    adaptation_section_save(
        adaptation=adaptation,
        slug="lokalt",
        by=local_a,
        is_local=True,
        after_slug="innledning",
        title_nb="Lokale kontakter",
        title_nn="Lokale kontaktar",
        body_nb="Ring BUP Vest på 55 00 00 00.",
        body_nn="Ring BUP Vest på 55 00 00 00.",
    )
    return live_server.url


def _submit(page, button, status: int = 200) -> None:
    with page.expect_navigation() as navigation:
        button.click()
    assert navigation.value.status == status, (page.url, navigation.value.status)


def test_local_editor_publishes_a_local_version_without_javascript(site):
    with chromium() as browser:
        context = browser.new_context(bypass_csp=True, java_script_enabled=False)
        page = context.new_page()
        page.goto(f"{site}/nb/logg-inn/")
        page.locator("#id_username").fill("local-a")
        page.locator("#id_password").fill(PASSWORD)
        _submit(page, page.locator("main form[method=post] button[type=submit]"))

        assert page.goto(f"{site}/nb/vest/forlop/angst/").status == 404  # not published yet
        page.goto(f"{site}{ADAPTATION}")
        assert page.locator(".badge.unpublished").inner_text().strip() == "Upubliserte endringer"
        context_axe = browser.new_context(bypass_csp=True)  # axe needs JavaScript; the pages do not
        checker = context_axe.new_page()
        checker.goto(page.url)
        assert_no_serious_axe_violations(checker, "adaptation page (unpublished)")

        page.locator("a", has_text="Publiser lokal versjon").click()
        assert page.url.endswith("/publiser/")
        assert "vest-2026.1" in page.locator("main").inner_text()
        checker.goto(page.url)
        assert_no_serious_axe_violations(checker, "publish page")

        # Without the confirmation and a summary: the error summary, nothing published.
        _submit(page, page.get_by_role("button", name="Publiser den lokale versjonen"), status=400)
        assert page.locator(".error-summary").is_visible()
        assert "Bekreft at du vil publisere" in page.locator(".error-summary").inner_text()

        page.locator("#id_summary_nb").fill("Lokale kontakter lagt til.")
        page.locator("#id_summary_nn").fill("Lokale kontaktar lagde til.")
        page.locator("#id_confirm").check()
        _submit(page, page.get_by_role("button", name="Publiser den lokale versjonen"))
        assert page.url.endswith(ADAPTATION)
        assert "vest-2026.1" in page.locator("ul.messages").inner_text()
        checker.goto(page.url)
        assert_no_serious_axe_violations(checker, "adaptation page (published)")

        page.goto(f"{site}/nb/vest/forlop/angst/")
        assert "Ring BUP Vest på 55 00 00 00." in page.locator("main").inner_text()
        page.locator("footer a", has_text="Lokal versjonshistorikk").click()
        assert "Lokale kontakter lagt til." in page.locator("main").inner_text()
        checker.goto(page.url)
        assert_no_serious_axe_violations(checker, "local version history")
        context_axe.close()
        context.close()
    assert LocalVersion.objects.get().summary_nn == "Lokale kontaktar lagde til."
