"""HTML reports parsed into an ElementTree, so that tests look at what a page shows rather than at its markup."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path
from xml.etree.ElementTree import Element, SubElement

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class _Builder(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.root = Element("document")
        self.open = [self.root]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        element = SubElement(self.open[-1], tag, {name: value or "" for name, value in attrs})
        if tag not in VOID:
            self.open.append(element)

    def handle_endtag(self, tag: str) -> None:
        for index in range(len(self.open) - 1, 0, -1):
            if self.open[index].tag == tag:
                del self.open[index:]
                return

    def handle_data(self, data: str) -> None:
        parent = self.open[-1]
        if len(parent):
            parent[-1].tail = (parent[-1].tail or "") + data
        else:
            parent.text = (parent.text or "") + data


def parse_page(path: Path) -> Element:
    builder = _Builder()
    builder.feed(path.read_text(encoding="utf-8"))
    builder.close()
    return builder.root


def with_class(root: Element, name: str, tag: str = "*") -> list[Element]:
    """The elements (of `tag`) whose class attribute holds `name`."""
    return [element for element in root.iter(tag) if name in element.get("class", "").split()]


def text(element: Element) -> str:
    """What the element shows, its spaces collapsed."""
    return " ".join("".join(element.itertext()).split())


def table_rows(root: Element, table_id: str) -> list[list[str]]:
    """The text of each cell of each row (headers left out) of the table with this id."""
    table = next(t for t in root.iter("table") if t.get("id") == table_id)
    return [[text(cell) for cell in row.iter("td")] for row in table.iter("tr") if row.find("td") is not None]
