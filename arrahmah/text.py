"""HTML to the text a reader reads: one paragraph per block, joined by a blank line.

Paragraphs, headings, list items, blockquote paragraphs and table rows (cells joined by a tab) each
become one paragraph. Whitespace, U+00A0 and the other Unicode spaces included, collapses to one
space; every other character is kept as the site renders it (curly quotes, dashes, ellipses).
"""

from __future__ import annotations

import hashlib
import re

from arrahmah.markup import Element, text_of

PARAGRAPH_SEPARATOR = "\n\n"

# Elements that end the paragraph before them and start a new one.
BLOCK_TAGS = frozenset(
    {
        "address", "article", "aside", "blockquote", "caption", "dd", "details", "div", "dl",
        "dt", "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4",
        "h5", "h6", "header", "hr", "li", "main", "nav", "ol", "p", "pre", "section",
        "summary", "table", "tbody", "tfoot", "thead", "ul",
    }
)  # fmt: skip
CELL_TAGS = frozenset({"td", "th"})

# "Moskow, ARRAHMAHNEWS.COM – …", "Gaza (ARRAHMAHNEWS) – …": the place, then the site's name.
_DATELINE = re.compile(
    r"^(?P<place>[^\W\d_][^,()–—\n]{0,48}?)\s*(?:,|\()\s*(?:www\.)?ARRAHMAHNEWS(?:\.COM)?\)?"
    r"\s*[–—\-:|]",
    re.IGNORECASE,
)


def collapse(text: str) -> str:
    """Collapse every run of whitespace (Unicode spaces included) into one space."""
    # most paragraphs are collapsed already: printable text holds no whitespace but the plain
    # space (every other space is a separator or control character), so single spaces
    # between words are all there is to check
    if text.isprintable() and "  " not in text and text[:1] != " " and text[-1:] != " ":
        return text
    return " ".join(text.split())


HEADING_TAGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})


def paragraphs(root: Element, headings: list[int] | None = None) -> list[str]:
    """The text paragraphs of ``root``, in document order, empty ones dropped.

    With ``headings``, the indexes of the paragraphs that are headings are appended to it.
    """
    out: list[str] = []
    buffer: list[str] = []
    _walk(root, out, buffer, headings)
    _flush(out, buffer)
    return out


def _flush(out: list[str], buffer: list[str]) -> None:
    if buffer:
        text = collapse("".join(buffer))
        if text:
            out.append(text)
        buffer.clear()


def _walk(el: Element, out: list[str], buffer: list[str], headings: list[int] | None) -> None:
    tag = el.tag if isinstance(el.tag, str) else None
    if tag is None:  # a comment or processing instruction: only its tail is text
        if el.tail:
            buffer.append(el.tail)
        return
    if tag == "tr":
        _flush(out, buffer)
        cells = [collapse(text_of(cell)) for cell in el if cell.tag in CELL_TAGS]
        if any(cells):
            out.append("\t".join(cells))
    else:
        block = tag in BLOCK_TAGS
        if block:
            _flush(out, buffer)
        if tag == "br":
            buffer.append(" ")
        if el.text:
            buffer.append(el.text)
        for child in el:
            _walk(child, out, buffer, headings)
        if block:
            before = len(out)
            _flush(out, buffer)
            if headings is not None and tag in HEADING_TAGS and len(out) > before:
                headings.append(before)
    if el.tail:
        buffer.append(el.tail)


def dateline(body: str) -> str | None:
    """The place of a "Moskow, ARRAHMAHNEWS.COM – …" dateline opening ``body``, else None."""
    m = _DATELINE.match(body)
    return collapse(m.group("place")) if m else None


def word_count(body: str) -> int:
    """Words of ``body``: runs of characters between whitespace."""
    return len(body.split())


def content_hash(title: str | None, body: str) -> str:
    """SHA-256 over the title and body: changes exactly when what a reader reads changes."""
    return hashlib.sha256(f"{title or ''}\n\n{body}".encode()).hexdigest()
