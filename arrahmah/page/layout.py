"""Where MH Magazine lite puts things in a page's HTML, found by string searches before any
parse: the main column (the parser reads nothing outside it) and its comments, whether a page
reaches its end, whether it names the classes of a multi-page post's page links."""

from __future__ import annotations

import re
from typing import Any, NamedTuple


# MH Magazine lite puts the site header (logo, menus) before the main column, and the sidebar
# (widgets) and then the footer after it; the main column holds the article, its author box,
# post navigation and comments (a section from the element with id "mh-comments" to the
# column's end: the comment list and the comment form, half of the column's markup).
def _opening_tag(tag: str, css_class: str) -> str:
    return rf"<{tag}\b[^>]*\bclass=[\"'][^\"']*\b{css_class}\b"


# per type of page (text, bytes): sidebar tag, site header tag, what the content's class and the
# sidebar's are called, the end of a tag and of the site header
_LAYOUT: dict[type, tuple[re.Pattern[Any], re.Pattern[Any], Any, Any, Any, Any]] = {
    str: (
        re.compile(_opening_tag("aside", "mh-sidebar")),
        re.compile(_opening_tag("header", "mh-header")),
        "entry-content", "mh-sidebar", ">", "</header>",
    ),
    bytes: (
        re.compile(_opening_tag("aside", "mh-sidebar").encode()),
        re.compile(_opening_tag("header", "mh-header").encode()),
        b"entry-content", b"mh-sidebar", b">", b"</header>",
    ),
}  # fmt: skip


# The classes of a multi-page post's page links: a page whose HTML never names them has none
# (a query for them over the content would find nothing, at some cost per article).
PAGE_LINK_CLASSES: dict[type, tuple[Any, ...]] = {
    str: ("pagination", "page-links"),
    bytes: (b"pagination", b"page-links"),
}

_END_TEXT = re.compile(r"</(?:html|body)\s*>", re.IGNORECASE)
_END_BYTES = re.compile(rb"</(?:html|body)\s*>", re.IGNORECASE)


def reaches_its_end(html: str | bytes) -> bool:
    """True when the page's markup goes on to its closing ``</body>`` or ``</html>``; a page
    cut off in transfer (or by the server) does not. Caches may append comments after it."""
    if isinstance(html, bytes):
        return _END_BYTES.search(html, max(0, len(html) - 8192)) is not None
    return _END_TEXT.search(html, max(0, len(html) - 8192)) is not None


def main_column(html: str | bytes) -> str | bytes:
    """``html`` without the theme's site header (logo, menus) and from its sidebar on, where
    they lie before and after the article's content.

    The parser closes what is left open, as a browser would; nothing the page parser reads lies
    in the parts cut off. A page without that layout is returned whole.
    """
    return main_column_at(html).html


class Column(NamedTuple):
    """A page's main column (`main_column_at`)."""

    html: Any  # str or bytes, as the page was
    content: int  # where the content's class is first named in it (-1: never)
    comments: int | None  # the meta line's comment count, when the comments were left out


def main_column_at(html: str | bytes) -> Column:
    """`main_column`, where the first mention of the content's class is in it (whatever lies
    in the content comes after it), and the comment count of a column whose comments section
    was left out."""
    page: Any = html  # text or bytes: the marks below are of the same type
    sidebar, header, content_mark, sidebar_mark, tag_end, header_end = _LAYOUT[type(page)]
    content = page.find(content_mark)
    if content < 0:
        return Column(html, -1, None)
    end = len(html)
    start = _sidebar_search_from(page, content, sidebar_mark, tag_end)
    found = sidebar.search(page, start) if start >= 0 else None
    if found:
        end = found.start()
    comments = _comments_start(page, content, end)
    count = _count_shown(page, content) if comments >= 0 else None
    if count is not None:
        end = comments
    cuts = []  # (start, end) of the parts before the content that are left out
    styles = _global_styles(page, content)
    if styles is not None:
        cuts.append(styles)
    opening = "<header" if isinstance(page, str) else b"<header"
    top = _search_from_literal(header, page, opening, content)
    if top is not None:
        close = page.find(header_end, top.end(), content)
        if close >= 0:  # the site header closes before the content begins: cut it out whole
            cuts.append((top.start(), close + len(header_end)))
    if not cuts:
        return Column(page[:end], content, count)
    pieces, at = [], 0
    for cut_start, cut_end in sorted(cuts):
        pieces.append(page[at:cut_start])
        at = cut_end
    pieces.append(page[at:end])
    return Column(page[:0].join(pieces), content - sum(b - a for a, b in cuts), count)


# WordPress's global styles: an inline style sheet of 10 KB in the head of every page, two
# fifths of what is parsed of an article, read by nothing.
_GLOBAL_STYLES: dict[type, Any] = {
    str: "global-styles-inline-css",
    bytes: b"global-styles-inline-css",
}
_STYLE: dict[type, tuple[Any, ...]] = {
    str: ("<style", ">", "<", "</style>"),
    bytes: (b"<style", b">", b"<", b"</style>"),
}


def _global_styles(page: Any, before: int) -> tuple[int, int] | None:
    """Where WordPress's global style sheet stands before ``before``: a ``<style>`` element
    with that id whose text holds no ``<`` (so no other markup can hide in it)."""
    mark = page.find(_GLOBAL_STYLES[type(page)], 0, before)
    if mark < 0:
        return None
    opening, tag_end, lt, closing = _STYLE[type(page)]
    start = page.rfind(lt, 0, mark)
    if start < 0 or not page.startswith(opening, start):
        return None
    text = page.find(tag_end, mark, before) + 1
    close = page.find(closing, text, before)
    if text <= 0 or close < 0 or page.find(lt, text, close) >= 0:
        return None
    if page.find(tag_end, start, mark) >= 0:  # the mark is not inside that tag
        return None
    return start, close + len(closing)


_COMMENTS: dict[type, tuple[Any, ...]] = {
    str: (
        'id="mh-comments"', "<", ">", "entry-meta-comments",
        re.compile(r"(?:\s*<[^<>]*>)*\s*(\d+)"),
    ),
    bytes: (
        b'id="mh-comments"', b"<", b">", b"entry-meta-comments",
        re.compile(rb"(?:\s*<[^<>]*>)*\s*(\d+)"),
    ),
}  # fmt: skip


def _comments_start(page: Any, after: int, end: int) -> int:
    """Where the comments section's opening tag (``id="mh-comments"``) begins, after the
    content and before ``end``; -1 when there is none."""
    mark_text, lt, gt = _COMMENTS[type(page)][:3]
    mark = page.find(mark_text, after, end)
    if mark < 0:
        return -1
    start = page.rfind(lt, after, mark)
    if start < 0 or page.find(gt, start, mark) >= 0:  # the mark is not inside one tag
        return -1
    return int(start)


def _count_shown(page: Any, before: int) -> int | None:
    """The comment count the post's meta line shows (the last ``entry-meta-comments`` before
    the content, its text opening with a number), else None. With it the comments section is
    left unparsed: the count is all that is read of it (`ArticlePage.comments_count`)."""
    _, _, gt, meta, number = _COMMENTS[type(page)]
    at = page.rfind(meta, 0, before)
    tag_end = page.find(gt, at, before) if at >= 0 else -1
    found = number.match(page, tag_end + 1, before) if tag_end >= 0 else None
    return int(found.group(1)) if found else None


def _search_from_literal(pattern: re.Pattern[Any], page: Any, literal: Any, end: int) -> Any:
    """``pattern.search(page, 0, end)`` for a pattern that begins with ``literal``: tried only
    where the literal stands (str.find scans faster than the regex engine)."""
    at = page.find(literal, 0, end)
    while at >= 0:
        found = pattern.match(page, at, end)
        if found is not None:
            return found
        at = page.find(literal, at + 1, end)
    return None


def _sidebar_search_from(html: Any, start: int, name: Any, tag_end: Any) -> int:
    """Where the search for the sidebar's tag may begin: -1 when ``html`` (after ``start``)
    never names the sidebar's class. A match holds the class name in its own tag, so it starts
    after the last ``>`` before the first mention of it; scanning from there finds the same
    first match as from ``start``, without trying every ``<`` of the article's text."""
    first = html.find(name, start)
    if first < 0:
        return -1
    return max(start, html.rfind(tag_end, start, first) + 1)
