"""The traffic-light review in headless Chromium with the demo's people (seed 004, "Skape lokalt
eierskap"): Stord's municipality contact (`kommune-stord`, of Helse Fonna's partnership) logs in,
lands on the staff home with the sections waiting for a mark, and marks sections of the anxiety
pathway on one page (the lead green, the GP's assessment yellow with a comment); Fonna's local editor
(`lokal-fonna`) opens the matrix, sees the marks with their labels, and turns the yellow mark into a
local override draft in one step, gives it Stord's text, publishes a local version, and the public
local page shows it. axe-core finds nothing serious or critical on the marking page, the matrix,
the publish page and the service map; a screenshot of each step is saved in
`$VAR_DIR/screenshots/traffic-light/`.

Requirements and rules as in tests/browser/conftest.py: the database is read only before and after
the browser.
"""

import os
from pathlib import Path

import pytest

from governance.demo import load_demo
from pathways.demo import DEMO_PASSWORD
from pathways.models import AdaptedSection, LocalVersion, Municipality
from tests.browser.conftest import assert_no_serious_axe_violations, chromium
from trafficlight.models import SectionMark

pytestmark = pytest.mark.browser

PATHWAY = "angst"
YELLOW = "fastlege-kartlegging"
COMMENT = "Stord har ikke kommunepsykolog; fastlegen henviser til helsestasjonen for ungdom."
LOCAL_TEXT_NB = "I Stord henviser fastlegen til helsestasjonen for ungdom, som har psykolog."
LOCAL_TEXT_NN = "På Stord tilviser fastlegen til helsestasjonen for ungdom, som har psykolog."
SUMMARY_NB = "Fastlegens kartlegging tilpasset Stord."
SUMMARY_NN = "Kartlegginga til fastlegen tilpassa Stord."


@pytest.fixture
def demo_site(browser_tools, live_server, transactional_db, settings, monkeypatch):
    settings.SITE_URL = live_server.url
    monkeypatch.setattr("governance.outbox.notifications.notification_hand_over", lambda pk: False)
    load_demo()
    stord = Municipality.objects.get(name="Stord", partnership__slug="fonna")
    return live_server.url, stord


def log_in(browser, site: str, username: str):
    context = browser.new_context(bypass_csp=True, viewport={"width": 1200, "height": 900})
    page = context.new_page()
    page.goto(f"{site}/nb/logg-inn/")
    page.fill("#id_username", username)
    page.fill("#id_password", DEMO_PASSWORD)
    with page.expect_navigation():
        page.locator("form[method=post] button[type=submit]").click()
    assert "/logg-inn/" not in page.url, f"{username} could not log in"
    return page


def public_text(browser, site: str, screenshot: Path | None = None) -> str:
    """The main text of Fonna's public local page of the pathway, as an anonymous reader sees it."""
    context = browser.new_context(viewport={"width": 1200, "height": 900})
    page = context.new_page()
    response = page.goto(f"{site}/nb/fonna/forlop/{PATHWAY}/")
    text = page.locator("main").inner_text() if response is not None and response.status == 200 else ""
    if screenshot is not None:
        page.screenshot(path=str(screenshot), full_page=True)
    context.close()
    return text


def submit(page, button) -> int:
    with page.expect_navigation() as navigation:
        button.click()
    return navigation.value.status


def test_a_municipality_marks_and_the_local_editor_adapts_the_yellow_section(demo_site):
    site, stord = demo_site
    shots = Path(os.environ.get("VAR_DIR", "var")) / "screenshots" / "traffic-light"
    shots.mkdir(parents=True, exist_ok=True)
    print(f"screenshots in {shots}")
    mark_path = f"/nb/redaksjon/trafikklys/fonna/{PATHWAY}/kommune/{stord.pk}/"
    with chromium() as browser:
        # 1. Stord's contact lands on the staff home, with the sections waiting for a mark.
        contact = log_in(browser, site, "kommune-stord")
        assert contact.url.endswith("/nb/redaksjon/")
        task = contact.locator(f".staff-tasks a[href='{mark_path}']")
        line = contact.locator(".staff-tasks li").filter(has=contact.locator(f"a[href='{mark_path}']"))
        assert "Angstplager" in line.inner_text() and "venter på merknaden deres" in line.inner_text()
        contact.screenshot(path=str(shots / "01-contact-home.png"), full_page=True)
        with contact.expect_navigation():
            task.click()

        # 2. One page with every section: the lead green, the GP's assessment yellow with a comment.
        assert contact.url.endswith(mark_path)
        assert_no_serious_axe_violations(contact, "marking page")
        contact.check("#id_innledning-colour_0")
        contact.check(f"#id_{YELLOW}-colour_1")
        # Yellow without a comment first: refused, and the green choice is still there.
        assert submit(contact, contact.locator("form.tl-mark-form button[type=submit]")) == 400
        assert "Si i kommentaren hva som må tilpasses." in contact.locator(".error-summary").inner_text()
        assert contact.is_checked("#id_innledning-colour_0")
        assert_no_serious_axe_violations(contact, "marking page with an error")
        contact.screenshot(path=str(shots / "02-marking-error.png"), full_page=True)
        contact.fill(f"#id_{YELLOW}-comment", COMMENT)
        assert submit(contact, contact.locator("form.tl-mark-form button[type=submit]")) == 200
        assert "2 merknader ble lagret." in contact.locator(".messages").inner_text()
        assert "Merket: 2 av" in contact.locator(".tl-progress-line").inner_text()
        contact.screenshot(path=str(shots / "03-marked.png"), full_page=True)

        # 3. Fonna's local editor opens the matrix: the colours with their labels.
        local = log_in(browser, site, "lokal-fonna")
        local.goto(f"{site}/nb/redaksjon/trafikklys/fonna/{PATHWAY}/")
        assert_no_serious_axe_violations(local, "matrix")
        row = local.locator(f"tr#seksjon-{YELLOW}")
        assert "Gult: tilpasses" in row.inner_text() and COMMENT in row.inner_text()
        assert "Grønt: slik den er" in local.locator("tr#seksjon-innledning").inner_text()
        local.screenshot(path=str(shots / "04-matrix.png"), full_page=True)

        # 4. The yellow mark becomes a local override draft, opened for editing.
        assert submit(local, row.locator("button", has_text="Tilpass lokalt")) == 200
        assert local.url.endswith(f"/nb/redaksjon/fonna/forlop/{PATHWAY}/seksjon/{YELLOW}/")
        assert COMMENT in local.locator(".messages").inner_text()
        local.screenshot(path=str(shots / "05-override-draft.png"), full_page=True)
        local.goto(f"{site}/nb/redaksjon/trafikklys/fonna/{PATHWAY}/")
        assert local.locator(f"tr#seksjon-{YELLOW} a", has_text="Lokal tilpasning").count() == 1
        assert_no_serious_axe_violations(local, "matrix after the override")
        local.screenshot(path=str(shots / "06-matrix-linked.png"), full_page=True)

        # 5. The override gets Fonna's text and is saved: a draft, not yet what readers see.
        local.goto(f"{site}/nb/redaksjon/fonna/forlop/{PATHWAY}/seksjon/{YELLOW}/")
        local.fill("#id_body_nb", LOCAL_TEXT_NB)
        local.fill("#id_body_nn", LOCAL_TEXT_NN)
        assert submit(local, local.locator("button[name=save]")) == 200
        assert "Leserne ser det når du publiserer en lokal versjon." in local.locator("ul.messages").inner_text()
        assert LOCAL_TEXT_NB not in public_text(browser, site)

        # 6. Fonna publishes a local version; the public local page shows the text from then on.
        local.goto(f"{site}/nb/redaksjon/fonna/forlop/{PATHWAY}/publiser/")
        assert_no_serious_axe_violations(local, "publish page")
        local.fill("#id_summary_nb", SUMMARY_NB)
        local.fill("#id_summary_nn", SUMMARY_NN)
        local.check("#id_confirm")
        local.screenshot(path=str(shots / "07-publish.png"), full_page=True)
        assert submit(local, local.get_by_role("button", name="Publiser den lokale versjonen")) == 200
        assert "fonna-" in local.locator("ul.messages").inner_text()
        assert LOCAL_TEXT_NB in public_text(browser, site, shots / "08-public-local-page.png")

        # 7. Fonna's service map, drawn from what is published.
        local.goto(f"{site}/nb/fonna/sammenkart/")
        assert_no_serious_axe_violations(local, "service map")
        local.screenshot(path=str(shots / "09-service-map.png"), full_page=True)

    mark = SectionMark.objects.get(municipality=stord, section_slug=YELLOW)
    assert mark.colour == "yellow" and mark.comment == COMMENT and mark.marked_by.username == "kommune-stord"
    override = AdaptedSection.objects.get(adaptation__partnership__slug="fonna", adaptation__pathway__slug=PATHWAY)
    assert mark.override == override and override.slug == YELLOW
    published = LocalVersion.objects.filter(adaptation=override.adaptation).first()
    assert published is not None and published.summary_nn == SUMMARY_NN
    assert published.sections.get(slug=YELLOW).body_nn == LOCAL_TEXT_NN
