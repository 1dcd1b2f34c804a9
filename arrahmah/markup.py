"""The HTML trees the parser and the pipelines work on: plain lxml elements.

Plain ``lxml.etree`` elements, not ``lxml.html``'s: lxml.html looks up a Python class for every
element a query or loop touches, which made walking a page five times slower. The few helpers
lxml.html would give (text content, drop-tree) are here.
"""

from __future__ import annotations

from urllib.parse import urljoin

from lxml import etree
from lxml.etree import _Element as Element


def parse_document(data: str | bytes, encoding: str | None = None) -> Element:
    """The ``html`` root element of a whole page (bytes in ``encoding``, or text).

    Anything goes in: an empty body, an XML declaration, an encoding lxml does not know.
    """
    if isinstance(data, bytes):
        try:
            parser = etree.HTMLParser(encoding=encoding or "utf-8")
        except LookupError:  # an encoding libxml2 does not know (Python may)
            data = data.decode(encoding or "utf-8", errors="replace")
    if isinstance(data, str):
        parser = etree.HTMLParser()
        if data.lstrip().startswith("<?xml"):
            data = data.split("?>", 1)[-1]  # lxml refuses text that declares an encoding
    root = etree.fromstring(data, parser) if data else None
    return root if root is not None else etree.fromstring("<html></html>", etree.HTMLParser())


def parse_fragment(html: str) -> Element:
    """A ``div`` holding the parsed fragment ``html`` (an element's inner HTML)."""
    root = etree.fromstring(f"<html><body><div>{html}</div></body></html>", etree.HTMLParser())
    return root[0][0]


def text_of(el: Element) -> str:
    """The text content of ``el`` and its descendants (not its own tail)."""
    return "".join(el.itertext())


def text_start(el: Element, chars: int) -> str:
    """The first ``chars`` or more characters of ``el``'s text (all of it when shorter)."""
    head = el.text
    if head is not None and len(head) >= chars:
        return head  # the usual paragraph: plain text first
    parts, size = [], 0
    for piece in el.itertext():
        parts.append(piece)
        size += len(piece)
        if size >= chars:
            break
    return "".join(parts)


def to_html(el: Element, with_tail: bool = True) -> str:
    """``el`` serialized as HTML."""
    return etree.tostring(el, method="html", encoding="unicode", with_tail=with_tail)


def remove(el: Element) -> None:
    """Take ``el`` and its subtree out of the tree, keeping its tail text in place."""
    parent = el.getparent()
    if parent is None:
        return
    if el.tail:
        previous = el.getprevious()
        if previous is not None:
            previous.tail = (previous.tail or "") + el.tail
        else:
            parent.text = (parent.text or "") + el.tail
    parent.remove(el)


def absolute(base: str, href: str) -> str:
    """``href`` resolved against ``base`` (urljoin, skipped for the usual absolute link)."""
    href = href.strip()
    if href.startswith(("https://", "http://")) and " " not in href:
        return href
    return urljoin(base, href)
