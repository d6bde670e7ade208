"""PDF documents from HTML: the meeting pack, and any page that offers a printable copy."""

import io


class PdfFailed(Exception):
    """xhtml2pdf could not lay out the document."""


def render_pdf(html: str) -> bytes:
    """The PDF of an HTML document, laid out by xhtml2pdf (pure Python, on ReportLab). The document
    carries its own CSS; external links are left alone, no file or URL is fetched."""
    from xhtml2pdf import pisa

    out = io.BytesIO()
    status = pisa.CreatePDF(html, dest=out, encoding="utf-8", link_callback=_no_fetch)
    if status.err:
        raise PdfFailed(f"{status.err} error(s) laying out the PDF")
    return out.getvalue()


def _no_fetch(uri: str, rel: str) -> str:
    # Images and style sheets by URL would make the server fetch whatever a text links to.
    return ""
