"""The reader's feedback flow in headless Chromium: text selected in a section travels with the
section's feedback link into the form's quote field (static/js/feedback-link.js), the form is filled
in and sent with the keyboard only, the receipt leads to the private status page, and axe-core finds
nothing serious or critical (WCAG 2.0/2.1 A and AA) on the form, the form with errors, the receipt
and the status page. Without JavaScript the form still works, just without the quote.

Requirements and rules as in tests/browser/conftest.py: Debian's Chromium at /usr/bin/chromium and
axe-core in tests/browser/node_modules, else skipped (failed with CI=true).

Playwright's sync API keeps an event loop running in this thread and Django refuses ORM calls while
one is, so each test creates its data first, drives the browser inside `chromium()`, and looks at
the database only after the browser is closed.
"""

import pytest

from feedback.models import Submission
from governance.models import ChangeProposal, ProposalKind, ProposalState
from tests.browser.conftest import assert_no_serious_axe_violations, chromium
from tests.factories import make_pathway

pytestmark = pytest.mark.browser

SECTION = "fastlege-kartlegging"
# In make_pathway's body of that section: "Fastlegen kartlegg plagene og vurderer alvorsgrad. Del 1."
SELECTED = "kartlegg plagene og vurderer alvorsgrad"
DESCRIPTION = "Det står ikke hvilket kartleggingsskjema fastlegen skal bruke."
EMAIL = "leser@example.no"

# Selects `text` (programmatically: a Range over the paragraph's text node) in the first paragraph
# of the section, and gives back what the browser reports as selected.
SELECT_IN_SECTION = """([slug, text]) => {
    const paragraph = document.querySelector(`section#${slug} > p:not(.feedback-link)`);
    const node = paragraph.firstChild;
    const start = node.data.indexOf(text);
    if (start < 0) throw new Error(`${text} is not in ${slug}`);
    const range = document.createRange();
    range.setStart(node, start);
    range.setEnd(node, start + text.length);
    const selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
    return selection.toString();
}"""


@pytest.fixture
def site(browser_tools, live_server, transactional_db, settings, monkeypatch, editor):
    """A published pathway; the live server (same process) takes the form as fast as the browser
    fills it in and links the status page to itself. Receipt e-mails stay queued in the database:
    no broker is involved."""
    settings.FEEDBACK_MIN_SECONDS = 0
    settings.SITE_URL = live_server.url
    monkeypatch.setattr("governance.outbox.notifications.notification_hand_over", lambda pk: False)
    make_pathway(editor=editor)
    return live_server.url


def _focused_matches(page, selector: str) -> bool:
    return page.evaluate("s => document.activeElement !== null && document.activeElement.matches(s)", selector)


def _tab_to(page, selector: str, *, limit: int = 60) -> None:
    """Presses Tab until the focus is on `selector`."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if _focused_matches(page, selector):
            return
    raise AssertionError(f"{selector} not reached with {limit} presses of Tab")


def _send(page, key: str) -> int:
    """Tabs to the form's submit button, presses `key` on it and gives back the response status."""
    _tab_to(page, "form[method=post] button[type=submit]")
    with page.expect_navigation() as navigation:
        page.keyboard.press(key)
    return navigation.value.status


def _open_feedback_form_with_selection(page, site: str, language: str) -> str:
    """Opens the pathway, selects text in the section, clicks its feedback link with the mouse;
    gives back the selected text."""
    page.goto(f"{site}/{language}/forlop/angst/")
    selected = page.evaluate(SELECT_IN_SECTION, [SECTION, SELECTED])
    assert selected == SELECTED
    with page.expect_navigation():
        page.locator(f"section#{SECTION} .feedback-link a").click()
    return selected


def _context_shown(page) -> list[str]:
    return [text.strip() for text in page.locator("dl.context dd").all_inner_texts()]


def test_selected_text_goes_with_the_feedback_and_the_keyboard_flow_passes_axe(site):
    with chromium() as browser:
        context = browser.new_context(bypass_csp=True)
        page = context.new_page()

        # The pathway page, text selected in the GP section, its feedback link clicked.
        selected = _open_feedback_form_with_selection(page, site, "nb")
        assert "/nb/tilbakemelding/?" in page.url and f"seksjon={SECTION}" in page.url
        assert page.locator("html").get_attribute("lang") == "nb"
        assert _context_shown(page)[:2] == ["Angstplager", "Tittel 1"]
        assert page.locator("#id_quote").input_value() == selected
        assert_no_serious_axe_violations(page, "form (nb)")

        # Sent with nothing written: the error summary, the quote kept.
        assert _send(page, "Enter") == 400
        assert page.locator(".error-summary").is_visible()
        assert page.locator("#id_description_error, .errorlist").first.is_visible()
        assert page.locator("#id_quote").input_value() == selected
        assert_no_serious_axe_violations(page, "form with errors (nb)")

        # Keyboard only: a kind (arrow key in the radio group), the description, the e-mail, Space.
        _tab_to(page, "input[name=kind]")
        assert _focused_matches(page, "#id_kind_0:checked")
        page.keyboard.press("ArrowDown")
        assert _focused_matches(page, "#id_kind_1:checked")
        page.keyboard.press("Tab")
        assert _focused_matches(page, "#id_description")
        page.keyboard.type(DESCRIPTION)
        _tab_to(page, "#id_email")
        page.keyboard.type(EMAIL)
        assert _send(page, "Space") == 200

        # The receipt, with the link to the status page.
        assert "/nb/tilbakemelding/" in page.url and page.url.endswith("?sendt=1")
        receipt = page.locator("[role=status]")
        assert receipt.locator("h1").inner_text().strip()
        status_link = receipt.locator("a")
        status_url = status_link.get_attribute("href")
        assert status_url.startswith(f"{site}/nb/tilbakemelding/")
        assert status_link.inner_text().strip() == status_url
        assert_no_serious_axe_violations(page, "receipt (nb)")

        # The status page: the state is "ny".
        with page.expect_navigation():
            status_link.click()
        assert page.url == status_url
        assert page.locator("dl.context dd strong").first.inner_text().strip() == "ny"
        assert DESCRIPTION in _context_shown(page)
        assert_no_serious_axe_violations(page, "status (nb)")
        context.close()

    proposal = ChangeProposal.objects.get()
    assert proposal.quote == selected
    assert proposal.section_slug == SECTION
    assert proposal.pathway.slug == "angst"
    assert proposal.kind == ProposalKind.OUTDATED
    assert proposal.description == DESCRIPTION
    assert proposal.state == ProposalState.NEW
    submission = Submission.objects.get()
    assert submission.email == EMAIL and submission.language == "nb"
    assert status_url.endswith(f"/nb/tilbakemelding/{submission.token}/")


def test_nynorsk_form_passes_axe(site):
    with chromium() as browser:
        context = browser.new_context(bypass_csp=True)
        page = context.new_page()
        selected = _open_feedback_form_with_selection(page, site, "nn")
        assert "/nn/tilbakemelding/?" in page.url
        assert page.locator("html").get_attribute("lang") == "nn"
        assert _context_shown(page)[:2] == ["Angstplager", "Tittel 1 nn"]
        assert page.locator("#id_quote").input_value() == selected
        assert_no_serious_axe_violations(page, "form (nn)")

        assert _send(page, "Enter") == 400
        assert page.locator(".error-summary").is_visible()
        assert_no_serious_axe_violations(page, "form with errors (nn)")
        context.close()
    assert not ChangeProposal.objects.exists()


def _console_error(message, errors: list[str]) -> None:
    """Keeps the console's errors (a CSP violation is one), but not the browser's own favicon request."""
    if message.type == "error" and not message.location.get("url", "").endswith("/favicon.ico"):
        errors.append(message.text)


def test_feedback_link_script_under_the_sites_csp(site):
    """With the real CSP (no bypass): the script loads and runs without a violation, follows Enter
    on a focused link, and adds nothing without a selection or with one in another section."""
    form_path = "/nb/tilbakemelding/?"
    with chromium() as browser:
        context = browser.new_context()
        page = context.new_page()
        errors = []
        page.on("console", lambda message: _console_error(message, errors))
        page.on("pageerror", lambda error: errors.append(str(error)))
        pathway_url = f"{site}/nb/forlop/angst/"
        link = page.locator(f"section#{SECTION} .feedback-link a")

        # No selection: the link as the page gave it.
        page.goto(pathway_url)
        href = link.get_attribute("href")
        assert href.startswith(form_path) and "sitat" not in href
        with page.expect_navigation():
            link.click()
        assert page.url == site + href
        assert page.locator("#id_quote").input_value() == ""

        # A selection in another section: not quoted.
        page.goto(pathway_url)
        page.evaluate(SELECT_IN_SECTION, ["innledning", "Fastlegen kartlegg"])
        with page.expect_navigation():
            link.click()
        assert "sitat" not in page.url
        assert page.locator("#id_quote").input_value() == ""

        # Keyboard: the selection in the section, Tab on to its feedback link, Enter. The click in
        # the paragraph first puts the start of Tab's order there, as selecting with the mouse
        # does (from the top of the page, Tab would pass the header's search box, and focusing a
        # text field drops the page's selection).
        page.goto(pathway_url)
        page.locator(f"section#{SECTION} > p:not(.feedback-link)").first.click()
        selected = page.evaluate(SELECT_IN_SECTION, [SECTION, SELECTED])
        _tab_to(page, f"section#{SECTION} .feedback-link a")
        with page.expect_navigation():
            page.keyboard.press("Enter")
        assert "sitat=" in page.url
        assert page.locator("#id_quote").input_value() == selected

        # Back on the page (it may come from the back/forward cache): without a selection the
        # link is as it was.
        page.go_back()
        page.evaluate("() => window.getSelection().removeAllRanges()")
        with page.expect_navigation():
            link.click()
        assert page.url == site + href

        # A long selection is cut to 500 characters, never in the middle of a character.
        page.goto(pathway_url)
        long_text = "a" * 499 + "\U0001f600" + "b" * 100
        page.evaluate(
            """([slug, text]) => {
                document.querySelector(`section#${slug} > p:not(.feedback-link)`).firstChild.data = text;
            }""",
            [SECTION, long_text],
        )
        page.evaluate(SELECT_IN_SECTION, [SECTION, long_text])
        with page.expect_navigation():
            link.click()
        assert page.locator("#id_quote").input_value() == long_text[:500]
        context.close()
    assert errors == [], errors


def test_feedback_form_works_without_javascript(site):
    with chromium() as browser:
        context = browser.new_context(java_script_enabled=False)
        page = context.new_page()
        page.goto(f"{site}/nb/forlop/angst/")
        link = page.locator(f"section#{SECTION} .feedback-link a")
        assert "sitat" not in link.get_attribute("href")
        with page.expect_navigation():
            link.click()
        assert _context_shown(page)[:2] == ["Angstplager", "Tittel 1"]
        assert page.locator("#id_quote").input_value() == ""
        page.locator("#id_description").fill(DESCRIPTION)
        with page.expect_navigation() as navigation:
            page.locator("form[method=post] button[type=submit]").click()
        assert navigation.value.status == 200
        assert page.url.endswith("?sendt=1")
        assert page.locator("[role=status] a").get_attribute("href").startswith(f"{site}/nb/tilbakemelding/")
        context.close()

    proposal = ChangeProposal.objects.get()
    assert proposal.quote == ""
    assert proposal.section_slug == SECTION
    assert proposal.description == DESCRIPTION
