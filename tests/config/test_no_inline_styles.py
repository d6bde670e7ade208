"""The Content-Security-Policy allows style sheets from the site only (style-src 'self'): a
<style> element or a style attribute in a page is blocked by the browser, and the page silently
loses its layout. The PDF templates are not pages (xhtml2pdf reads their <style>)."""

from pathlib import Path

import pytest

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
PAGES = sorted(
    path for path in TEMPLATES.rglob("*.html") if not path.stem.endswith("_pdf") and path.parent.name != "emails"
)


@pytest.mark.parametrize("path", PAGES, ids=lambda path: str(path.relative_to(TEMPLATES)))
def test_no_page_template_has_an_inline_style(path):
    text = path.read_text()
    assert "<style" not in text and " style=" not in text


@pytest.mark.django_db
def test_the_seats_page_takes_its_styles_from_a_file(client, editor):
    from tests.factories import make_round

    make_round(year=2027)
    client.force_login(editor)
    response = client.get("/nb/redaksjon/runder/2027/seter/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'href="/static/css/rounds.css"' in html and "<style" not in html
    assert "style-src 'self'" in response["Content-Security-Policy"]
