"""The service map's pages (Sammenkart) in headless Chromium: no serious or critical axe-core finding,
the picture drawn and the table shown without JavaScript, and no sideways scrolling at 320 CSS px.

The data is made before Playwright starts (see conftest.py)."""

import pytest

from pathways.models import Municipality
from pathways.services import adaptation_create, adaptation_publish, adaptation_section_save
from tests.browser.conftest import assert_no_serious_axe_violations, chromium
from tests.pathways.test_servicemap import make_service_pathway

pytestmark = pytest.mark.browser

PAGES = [("map", "/nb/vest/sammenkart/", "nb"), ("municipality-nynorsk", "/nn/vest/sammenkart/askoy/", "nn")]


@pytest.fixture
def site(browser_tools, live_server, transactional_db, editor, partnership_a, local_a):
    """A published pathway with the six services; partnership A's adaptation names BUP "BUPA Vest"
    with contacts and adds a local service."""
    pathway = make_service_pathway(editor)
    Municipality.objects.create(partnership=partnership_a, name="Askøy")
    adaptation = adaptation_create(partnership=partnership_a, pathway=pathway, by=local_a)
    adaptation_section_save(
        adaptation=adaptation,
        slug="camhs-0",
        by=local_a,
        title_nb="BUPA Vest: del 0",
        title_nn="BUPA Vest: del 0",
        body_nb="- Telefon 555 12 345\n- [Bestill time](https://bupa.vest.example/)",
        body_nn="- Telefon 555 12 345\n- [Bestill time](https://bupa.vest.example/)",
    )
    adaptation_section_save(
        adaptation=adaptation,
        slug="familiens-hus",
        by=local_a,
        is_local=True,
        level="early_help",
        title_nb="Familiens hus",
        title_nn="Familiens hus",
        body_nb="Ring 555 20 000.",
        body_nn="Ring 555 20 000.",
    )
    adaptation_publish(adaptation=adaptation, by=local_a, summary_nb="Lokalt.", summary_nn="Lokalt.")
    return live_server.url


def test_map_pages_have_no_serious_axe_violations(site, subtests):
    with chromium() as browser:
        context = browser.new_context(bypass_csp=True)
        page = context.new_page()
        for name, path, lang in PAGES:
            with subtests.test(msg=name):
                response = page.goto(site + path)
                assert response is not None and response.status == 200
                assert page.locator("html").get_attribute("lang") == lang
                assert_no_serious_axe_violations(page, name)
        context.close()


def test_map_shows_picture_and_table_without_javascript_and_reflows_at_320px(site):
    with chromium() as browser:
        context = browser.new_context(java_script_enabled=False, viewport={"width": 320, "height": 800})
        page = context.new_page()
        response = page.goto(site + "/nb/vest/sammenkart/")
        assert response is not None and response.status == 200
        picture = page.locator(".service-map-figure img")
        picture.scroll_into_view_if_needed()
        assert page.evaluate("img => img.complete && img.naturalWidth > 0", picture.element_handle())
        assert "BUPA Vest" in (picture.get_attribute("alt") or "")
        rows = page.locator(".service-table tbody tr[data-service]")  # one a service; a row heads each level
        assert rows.count() == 7
        assert page.locator(".service-table").get_by_text("Familiens hus").is_visible()
        assert page.get_by_role("link", name="Last ned som PDF (A3)").is_visible()
        scroll_width, client_width = page.evaluate(
            "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
        )
        assert scroll_width <= client_width
        context.close()
