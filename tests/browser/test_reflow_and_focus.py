"""WCAG 2.1 AA checks axe-core cannot make, measured in headless Chromium on the demo's content
(its long compound titles, 19 partnerships, 38 seats):

- reflow (1.4.10): at 320 CSS px wide no public or staff page type scrolls sideways
  (document scrollWidth ≤ clientWidth); wide tables scroll inside their own region;
- focus (2.4.7, 1.4.11): every element reached with Tab has a visible outline at least 3:1 against
  what is around it, computed from the computed styles; after a bad POST focus is on the error
  summary (without JavaScript: the summary's `autofocus`);
- landmarks: no two landmarks of one role share a name on the pathway page, and every region has one;
- `lang`: a proposal in the other written standard carries its `lang`, and the hidden diff labels
  inside it carry the page's.

Rules as in tests/browser/conftest.py: data first, then the browser, then the database.
"""

import pytest

from governance.demo import load_demo
from pathways.demo import DEMO_PASSWORD
from pathways.models import LocalAdaptation, Pathway, Section, VersionKind
from pathways.services import pathway_publish, section_update
from tests.browser.conftest import chromium
from tests.support import make_proposal

pytestmark = pytest.mark.browser

WIDTH = 320
PATHWAY = "autisme"  # "Autismespekterforstyrrelse": the longest word in a title
SECTION = "fastlege-kartlegging"
LANDMARK_ROLES = {"banner", "complementary", "contentinfo", "form", "main", "navigation", "region", "search"}


@pytest.fixture
def site(browser_tools, live_server, transactional_db, settings, monkeypatch):
    """The demo, a correction of the autism pathway (so it has an earlier version and a diff), and
    two proposals on it: one in bokmål with a suggestion, one in nynorsk with a suggestion."""
    settings.FEEDBACK_MIN_SECONDS = 0
    settings.SITE_URL = live_server.url
    settings.ACCESSIBILITY_STATEMENT_URL = "https://uustatus.no/nb/erklaringer/publisert/test"
    monkeypatch.setattr("governance.outbox.notifications.notification_hand_over", lambda pk: False)
    load_demo()
    pathway = Pathway.objects.get(slug=PATHWAY)
    first = pathway.current_version
    editor = first.published_by
    section_update(
        section=Section.objects.get(pathway=pathway, slug=SECTION),
        by=editor,
        body_nb="Fastlegen kartlegger utviklingen og henviser til spesialisthelsetjenesten ved mistanke.",
        body_nn="Fastlegen kartlegg utviklinga og tilviser til spesialisthelsetenesta ved mistanke.",
    )
    pathway_publish(pathway=pathway, by=editor, kind=VersionKind.CORRECTION, summary_nb="Rettet.", summary_nn="Retta.")
    nb = make_proposal(
        pathway=pathway,
        section_slug=SECTION,
        version=first,
        description="Autismespekterforstyrrelsesutredningsprosessen bør beskrives nærmere i kartleggingsdelen.",
        suggested_text="Fastlegen kartlegger utviklingen, språket og samspillet.",
    )
    nn = make_proposal(
        pathway=pathway,
        section_slug=SECTION,
        language="nn",
        description="Teksten manglar noko om kva skjema fastlegen skal bruke.",
        suggested_text="Fastlegen kartlegg utviklinga med eit skjema.",
    )
    local = LocalAdaptation.objects.select_related("partnership", "pathway").first()
    assert local is not None
    return {
        "url": live_server.url,
        "old": first.number,
        "year": pathway.current_version.year,
        "local": f"/nb/{local.partnership.slug}/forlop/{local.pathway.slug}/",
        "nb": nb.pk,
        "nn": nn.pk,
    }


def _public_pages(site) -> list[tuple[str, str]]:
    p = f"/nb/forlop/{PATHWAY}"
    return [
        ("index", "/nb/forlop/"),
        ("index (nn)", "/nn/forlop/"),
        ("pathway", f"{p}/"),
        ("pathway (nn)", f"/nn/forlop/{PATHWAY}/"),
        ("earlier version", f"{p}/versjon/{site['old']}/"),
        ("word diff", f"{p}/endringer/"),
        ("changelog", f"{p}/versjon/{site['year']}/endringer/"),
        ("version history", f"{p}/versjoner/"),
        ("download", f"{p}/last-ned/"),
        ("local adaptation", site["local"]),
        ("feedback form", f"/nb/tilbakemelding/?forlop={PATHWAY}&seksjon={SECTION}"),
        ("privacy statement", "/nb/personvern/"),
        ("log-in", "/nb/logg-inn/"),
        ("not found", "/nb/forlop/finnes-ikke/"),
    ]


def _staff_pages(site) -> list[tuple[str, str]]:
    r = "/nb/redaksjon"
    return [
        ("staff home", f"{r}/"),
        ("staff pathway", f"{r}/forlop/{PATHWAY}/"),
        ("section editor", f"{r}/forlop/{PATHWAY}/seksjon/{SECTION}/"),
        ("publish", f"{r}/forlop/{PATHWAY}/publiser/"),
        ("queue", f"{r}/forslag/?state=all"),
        ("proposal", f"{r}/forslag/{site['nb']}/"),
        ("proposal (nn text)", f"{r}/forslag/{site['nn']}/"),
        ("file a proposal", f"{r}/forslag/nytt/?forlop={PATHWAY}&seksjon={SECTION}&maal=nb"),
        ("rounds", f"{r}/runder/"),
        ("round", f"{r}/runder/2027/"),
        ("round overview", f"{r}/runder/2027/oversikt/"),
        ("round settings", f"{r}/runder/2027/endre/"),
        ("seats", f"{r}/runder/2027/seter/"),
        ("votes", f"{r}/runder/2027/stemmer/"),
        ("meeting pack", f"{r}/runder/2027/motebok/"),
        ("minutes", f"{r}/runder/2027/referat/"),
        ("decisions", f"{r}/runder/2027/beslutninger/"),
        ("notices", f"{r}/varsler/"),
        ("notice settings", f"{r}/varsler/innstillinger/"),
        ("accounts", f"{r}/kontoer/"),
    ]


def _log_in(page, url: str, username: str = "redaktor") -> None:
    page.goto(f"{url}/nb/logg-inn/")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(DEMO_PASSWORD)
    with page.expect_navigation():
        page.locator("main form[method=post] button[type=submit]").click()
    assert page.url == f"{url}/nb/redaksjon/", page.url


OVERFLOW = """() => {
  const root = document.documentElement;
  return {scrollWidth: root.scrollWidth, clientWidth: root.clientWidth};
}"""


def test_no_page_type_scrolls_sideways_at_320_px(site):
    url = site["url"]
    checked, failures = [], []
    with chromium() as browser:
        context = browser.new_context(viewport={"width": WIDTH, "height": 640})
        page = context.new_page()

        def check(name: str, path: str) -> None:
            response = page.goto(url + path)
            assert response is not None and response.status in (200, 404), (path, response and response.status)
            size = page.evaluate(OVERFLOW)
            checked.append(name)
            if size["scrollWidth"] > size["clientWidth"]:
                failures.append(f"{name} ({path}): {size['scrollWidth']} px wide in {size['clientWidth']} px")

        for name, path in _public_pages(site):
            check(name, path)
        _log_in(page, url)
        for name, path in _staff_pages(site):
            check(name, path)
        context.close()
    print(f"reflow at {WIDTH} px: {len(checked)} pages checked: " + "; ".join(checked))
    assert len(checked) == len(_public_pages(site)) + len(_staff_pages(site))
    assert not failures, "pages that scroll sideways:\n" + "\n".join(failures)


# Everything in the page's own terms: the outline's computed colour against the background just
# outside it (the first opaque background behind the point there, walking up from the element found).
FOCUS_RING = """() => {
  const el = document.activeElement;
  const style = getComputedStyle(el);
  const rect = el.getBoundingClientRect();
  const reach = parseFloat(style.outlineWidth) + Math.max(0, parseFloat(style.outlineOffset)) + 2;
  const y = Math.min(Math.max(rect.top + rect.height / 2, 0), innerHeight - 1);
  const candidates = [rect.left - reach, rect.right + reach].filter(x => x >= 0 && x < innerWidth);
  let around = el.parentElement;
  for (const x of candidates) {
    const found = document.elementsFromPoint(x, y).find(node => node !== el && !el.contains(node));
    if (found) { around = found; break; }
  }
  let background = "rgb(255, 255, 255)";
  for (let node = around; node; node = node.parentElement) {
    const colour = getComputedStyle(node).backgroundColor;
    if (colour !== "transparent" && !/rgba\\(.*, 0\\)$/.test(colour)) { background = colour; break; }
  }
  const text = (el.textContent || "").trim().slice(0, 30);
  const label = el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") + " " + text;
  const width = parseFloat(style.outlineWidth);
  return {label, style: style.outlineStyle, width, colour: style.outlineColor, background};
}"""


def _rgb(css: str) -> tuple[float, ...]:
    return tuple(float(part) for part in css[css.index("(") + 1 : css.index(")")].split(",")[:3])


def _luminance(rgb: tuple[float, ...]) -> float:
    def channel(value: float) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(v) for v in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(first: str, second: str) -> float:
    a, b = sorted((_luminance(_rgb(first)), _luminance(_rgb(second))), reverse=True)
    return (a + 0.05) / (b + 0.05)


def test_contrast_formula_matches_wcag():
    assert contrast("rgb(0, 0, 0)", "rgb(255, 255, 255)") == pytest.approx(21.0)
    # The old yellow focus outline on white, as the issue measured it.
    assert contrast("rgb(255, 191, 71)", "rgb(255, 255, 255)") == pytest.approx(1.64, abs=0.01)


def test_every_focus_outline_is_visible_and_at_least_3_to_1(site):
    url = site["url"]
    rings, failures = [], []
    with chromium() as browser:
        context = browser.new_context(viewport={"width": 1024, "height": 768})
        page = context.new_page()

        def tab_through(name: str, path: str, *, limit: int = 60) -> None:
            page.goto(url + path)
            seen = set()
            for _ in range(limit):
                page.keyboard.press("Tab")
                ring = page.evaluate(FOCUS_RING)
                if ring["label"] in seen or ring["label"].startswith("body"):
                    break
                seen.add(ring["label"])
                ratio = contrast(ring["colour"], ring["background"])
                rings.append(ratio)
                if ring["style"] == "none" or ring["width"] < 2 or ratio < 3:
                    failures.append(f"{name}: {ring['label']!r}: {ring['style']} {ring['width']}px {ratio:.2f}:1")

        tab_through("pathway", f"/nb/forlop/{PATHWAY}/", limit=80)
        tab_through("feedback form", f"/nb/tilbakemelding/?forlop={PATHWAY}&seksjon={SECTION}")
        _log_in(page, url)
        tab_through("staff home", "/nb/redaksjon/")
        tab_through("proposal", f"/nb/redaksjon/forslag/{site['nb']}/")
        context.close()
    print(f"focus: {len(rings)} focus rings measured, lowest {min(rings):.2f}:1, highest {max(rings):.2f}:1")
    assert len(rings) > 40
    assert not failures, "focus outlines under 3:1 or not visible:\n" + "\n".join(failures)


@pytest.mark.parametrize("javascript", [True, False])
def test_after_a_bad_post_focus_is_on_the_error_summary(site, javascript):
    url = site["url"]
    with chromium() as browser:
        context = browser.new_context(java_script_enabled=javascript)
        page = context.new_page()
        # The reader's form sent without saying what is wrong.
        page.goto(f"{url}/nb/tilbakemelding/?forlop={PATHWAY}&seksjon={SECTION}")
        with page.expect_navigation() as navigation:
            page.locator("main form[method=post] button[type=submit]").click()
        assert navigation.value.status == 400
        focused = page.evaluate("document.activeElement.className")
        assert focused == "error-summary", focused
        assert page.evaluate("document.activeElement.querySelector('a').getAttribute('href')") == "#id_description"

        # A wrong password on the log-in form.
        page.goto(f"{url}/nb/logg-inn/")
        page.locator("#id_username").fill("redaktor")
        page.locator("#id_password").fill("not-the-password")
        with page.expect_navigation():
            page.locator("main form[method=post] button[type=submit]").click()
        assert page.evaluate("document.activeElement.className") == "error-summary"

        # A staff action form sent without its reason.
        _log_in(page, url)
        page.goto(f"{url}/nb/redaksjon/forslag/{site['nb']}/")
        with page.expect_navigation() as navigation:
            page.locator("form#action-reject button[type=submit]").click()
        assert navigation.value.status == 400
        assert page.evaluate("document.activeElement.className") == "error-summary"
        context.close()


def _landmarks(page) -> list[tuple[str, str]]:
    """The landmarks in Chromium's own accessibility tree: (role, accessible name)."""
    session = page.context.new_cdp_session(page)
    try:
        nodes = session.send("Accessibility.getFullAXTree")["nodes"]
    finally:
        session.detach()
    found = []
    for node in nodes:
        role = node.get("role", {}).get("value")
        if role in LANDMARK_ROLES and not node.get("ignored"):
            found.append((role, node.get("name", {}).get("value", "")))
    return found


def test_pathway_landmarks_have_unique_names(site, subtests):
    url = site["url"]
    with chromium() as browser:
        page = browser.new_page()
        for path in (f"/nb/forlop/{PATHWAY}/", f"/nn/forlop/{PATHWAY}/", site["local"]):
            with subtests.test(path=path):
                page.goto(url + path)
                landmarks = _landmarks(page)
                print(f"{path}: {len(landmarks)} landmarks: {landmarks}")
                regions = [name for role, name in landmarks if role == "region"]
                assert all(name.strip() for name in regions), landmarks
                assert len(set(landmarks)) == len(landmarks), sorted(landmarks)
                assert len(landmarks) <= 20, len(landmarks)
                assert ("main", "") in landmarks and any(role == "navigation" for role, _ in landmarks)
                # Every section keeps its anchor and feedback link, landmark or not.
                assert page.locator(f"section#{SECTION} .feedback-link a").count() == 1


# Text whose lang differs from the page's closest [lang] ancestor-or-self.
LANG_OF = "selector => [...document.querySelectorAll(selector)].map(el => el.closest('[lang]').getAttribute('lang'))"
# The hidden diff labels ("[lagt til: "), not the closing bracket.
LABELS = (
    "() => [...document.querySelectorAll('.diff-text .visually-hidden')].filter(el => /\\p{L}/u.test(el.textContent))"
    ".map(el => el.closest('[lang]').getAttribute('lang'))"
)


def test_text_in_the_other_written_standard_carries_lang(site):
    url = site["url"]
    with chromium() as browser:
        page = browser.new_page()
        _log_in(page, url)
        page.goto(f"{url}/nb/redaksjon/forslag/?state=all")
        excerpts = page.evaluate(
            "() => Object.fromEntries([...document.querySelectorAll('tr[data-proposal]')]"
            ".map(r => [r.dataset.proposal, r.querySelector('.excerpt').closest('[lang]').getAttribute('lang')]))"
        )
        assert excerpts[str(site["nn"])] == "nn" and excerpts[str(site["nb"])] == "nb"

        page.goto(f"{url}/nb/redaksjon/forslag/{site['nn']}/")
        assert set(page.evaluate(LANG_OF, ".proposal-description, .proposal-suggestion")) == {"nn"}
        assert set(page.evaluate(LANG_OF, ".diff-text ins, .diff-text del")) == {"nn"}
        hidden = page.evaluate(LABELS)
        assert hidden and set(hidden) == {"nb"}, hidden  # "[lagt til: " is the page's bokmål

        page.goto(f"{url}/nn/redaksjon/forslag/{site['nb']}/")
        assert set(page.evaluate(LANG_OF, ".proposal-description")) == {"nb"}
        hidden = page.evaluate(LABELS)
        assert hidden and set(hidden) == {"nn"}, hidden
