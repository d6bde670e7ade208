from html.parser import HTMLParser

import pytest

from pathways.rendering import render_markdown


class _Elements(HTMLParser):
    """The real elements and attributes in a piece of HTML (escaped text is not an element)."""

    def __init__(self, html: str):
        super().__init__()
        self.tags: list[str] = []
        self.attributes: list[tuple[str, str]] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attributes += [(name, value or "") for name, value in attrs]


@pytest.mark.parametrize(
    "source",
    [
        "<script>alert(1)</script>",
        '<img src=x onerror="alert(1)">',
        "[klikk](javascript:alert(1))",
        '<a href="javascript:alert(1)">klikk</a>',
        "[klikk](JaVaScRiPt:alert(1))",
        '<svg onload="alert(1)"></svg>',
        "<iframe src='https://example.org'></iframe>",
        '<p style="background:url(javascript:alert(1))">x</p>',
    ],
)
def test_script_event_handlers_and_javascript_links_never_survive(source):
    found = _Elements(render_markdown(source))
    assert not {"script", "iframe", "svg", "img", "object", "embed"} & set(found.tags)
    assert not [name for name, _ in found.attributes if name.startswith("on") or name == "style"]
    assert not [value for name, value in found.attributes if name == "href" and "javascript" in value.lower()]


def test_markdown_renders_lists_links_and_emphasis():
    html = render_markdown("- **Viktig**: se [Helsenorge](https://www.helsenorge.no/)\n- punkt to")
    assert "<ul>" in html and "<strong>Viktig</strong>" in html
    assert 'href="https://www.helsenorge.no/"' in html and 'rel="noopener noreferrer"' in html


def test_headings_never_outrank_the_section_heading():
    html = render_markdown("# Stor\n\n## Mindre")
    assert "<h3>Stor</h3>" in html and "<h4>Mindre</h4>" in html
    assert "<h1" not in html and "<h2" not in html
