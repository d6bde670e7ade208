"""What every browser test shares: Debian's Chromium, axe-core from npm, and the rule that a
missing tool skips the tests locally but fails them with CI=true.

Playwright's sync API keeps an event loop running in the test's thread and Django refuses ORM calls
while one is, so tests create their data first, drive the browser inside `chromium()`, and look at
the database only after the browser is closed.
"""

from contextlib import contextmanager
from pathlib import Path

import pytest

from tests import support

CHROMIUM = Path("/usr/bin/chromium")
AXE = Path(__file__).parent / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
FAILING_IMPACTS = {"serious", "critical"}


def _missing() -> list[str]:
    missing = []
    if not CHROMIUM.exists():
        missing.append(f"{CHROMIUM} (apt-get install chromium)")
    if not AXE.exists():
        missing.append(f"{AXE} (cd tests/browser && npm ci)")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        missing.append("the playwright Python package")
    return missing


@pytest.fixture(scope="module")
def browser_tools():
    support.require(_missing(), what="browser test")


@contextmanager
def chromium():
    """Headless Debian Chromium, closed on the way out."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def format_violations(violations: list[dict]) -> str:
    lines = []
    for violation in violations:
        lines.append(f"[{violation['impact']}] {violation['id']}: {violation['help']} ({violation['helpUrl']})")
        for node in violation["nodes"]:
            lines.append(f"    {' '.join(str(t) for t in node['target'])}")
            summary = (node.get("failureSummary") or "").replace("\n", " ")
            if summary:
                lines.append(f"      {summary}")
    return "\n".join(lines)


def axe_violations(page) -> list[dict]:
    """axe-core's violations on the page as it is now. The page's context needs bypass_csp=True:
    the site's Content-Security-Policy rightly blocks the injected script."""
    page.add_script_tag(path=str(AXE))
    results = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})", AXE_TAGS
    )
    return results["violations"]


def assert_no_serious_axe_violations(page, name: str) -> None:
    violations = axe_violations(page)
    failing = [v for v in violations if v["impact"] in FAILING_IMPACTS]
    others = [v for v in violations if v["impact"] not in FAILING_IMPACTS]
    if others:
        print(f"{name} ({page.url}): minor/moderate axe findings:\n{format_violations(others)}")
    assert not failing, f"{name} ({page.url}): serious or critical axe violations:\n{format_violations(failing)}"
