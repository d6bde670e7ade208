"""Reading a page's HTML in tests: the ids in page order, and the links inside one element."""

from html.parser import HTMLParser

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class _Reader(HTMLParser):
    def __init__(self, inside_id: str) -> None:
        super().__init__()
        self.inside_id = inside_id
        self.ids: list[str] = []
        self.links: list[str] = []  # hrefs inside the element with inside_id
        self.depth = 0  # >0 while inside it

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if attributes.get("id"):
            self.ids.append(attributes["id"])
        if self.depth:
            if tag not in VOID:
                self.depth += 1
            if tag == "a":
                self.links.append(attributes.get("href", ""))
        elif attributes.get("id") == self.inside_id and tag not in VOID:
            self.depth = 1

    def handle_endtag(self, tag):
        if self.depth and tag not in VOID:
            self.depth -= 1


def read(html: str, inside_id: str = "toc") -> _Reader:
    reader = _Reader(inside_id)
    reader.feed(html)
    return reader
