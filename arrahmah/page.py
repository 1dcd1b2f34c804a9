"""What a page of arrahmahnews.com says: every selector and markup fact about the site lives here.

`ArticlePage` reads an article page, one small method per field, each with a fallback chain:
structured data first where a page carries it (``link rel=canonical``, ``meta`` tags of an SEO
plugin, JSON-LD), then the markup of the site's theme (MH Magazine lite). `ListingPage` reads a
listing (home, category archive and their pages). Both are pure: a parsed page in, values out.
"""

from __future__ import annotations

import html as html_lib
import json
import re
from codecs import BOM_UTF8
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from functools import cache, cached_property
from typing import Any

from lxml import etree

from arrahmah import markup
from arrahmah.decoding import decode_page, is_utf8
from arrahmah.items import RawArticle
from arrahmah.markup import Element
from arrahmah.text import collapse

# The theme shows dates as "October 9, 2020"; an Indonesian locale would show "9 Oktober 2020".
_MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("january", "januari", "jan"),
            ("february", "februari", "feb"),
            ("march", "maret", "mar"),
            ("april", "apr"),
            ("may", "mei"),
            ("june", "juni", "jun"),
            ("july", "juli", "jul"),
            ("august", "agustus", "aug", "agu", "agt"),
            ("september", "sep", "sept"),
            ("october", "oktober", "oct", "okt"),
            ("november", "nov", "nop"),
            ("december", "desember", "dec", "des"),
        ],
        start=1,
    )
    for name in names
}
_DATE_MDY = re.compile(r"([A-Za-z]+)\.?\s+(\d{1,2}),?\s+(\d{4})")
_DATE_DMY = re.compile(r"(\d{1,2})\s+([A-Za-z]+)\.?\s+(\d{4})")
_ISO_DATETIME = re.compile(
    r"^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2})?(\.\d+)?(Z|[+-]\d{2}:?\d{2})?)?$"
)
_POST_ID_CLASS = re.compile(r"\bpostid-(\d+)\b")
_POST_ID_ATTR = re.compile(r"^post-(\d+)$")
_SHORTLINK_ID = re.compile(r"[?&]p=(\d+)\b")
_INT = re.compile(r"\d+")
_CATEGORY_PATH = re.compile(r"/category/((?:[^/?#]+/)*[^/?#]+)/?(?:[?#]|$)")
_TAGS = re.compile(r"<[^>]+>")
# The theme's (MH Magazine lite) classes of the elements that carry a field, outside the content.
_THEME_CLASSES = {
    "entry-title": "title",
    "entry-meta-date": "date",
    "entry-meta-author": "author",
    "entry-meta-categories": "categories",
    "entry-meta-comments": "comments",
    "entry-tags": "tags",
}
_ARTICLE_TYPES = {"Article", "NewsArticle", "BlogPosting", "ReportageNewsArticle"}
# Blocks of an article's text, and the theme's furniture that follows the text of a post.
_CONTENT_BLOCKS = frozenset(
    {"p", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "dl", "blockquote", "figure"}
    | {"table", "pre", "div", "hr", "iframe"}
)
_FURNITURE = re.compile(
    r"entry-tags|entry-meta|author|comment|respond|nav|widget|sidebar|footer|share|related"
    r"|mh-meta|mh-loop|pagination"
)


@cache
def _xpath(query: str) -> etree.XPath:
    """``query`` compiled once: articles are the hot path and lxml recompiles string queries."""
    return etree.XPath(query)


def _first(*values: Any) -> Any:
    """The first value that is neither None nor empty: the fallback chain of every field.

    A callable stands for a value that costs a query: it is called only when its turn comes.
    """
    for value in values:
        if callable(value):
            value = value()
        if value not in (None, "", [], {}):
            return value
    return None


def _clean(text: str | None) -> str | None:
    """Collapse whitespace (Unicode spaces included); None for nothing."""
    if text is None:
        return None
    return collapse(text) or None


def parse_display_date(text: str | None) -> str | None:
    """ISO date of a displayed date such as "October 9, 2020" or "9 Oktober 2020"."""
    if not text:
        return None
    for pattern, order in ((_DATE_MDY, "mdy"), (_DATE_DMY, "dmy")):
        m = pattern.search(text)
        if not m:
            continue
        if order == "mdy":
            month_name, day, year = m.groups()
        else:
            day, month_name, year = m.groups()
        month = _MONTHS.get(month_name.lower())
        if month:
            try:
                return date(int(year), month, int(day)).isoformat()
            except ValueError:
                return None
    return None


def normalize_iso(value: str | None) -> str | None:
    """An ISO 8601 date or timestamp as given (offset written ``+HH:MM``), or None if not one."""
    value = (value or "").strip()
    if not _ISO_DATETIME.match(value):
        return None
    if "T" in value and len(value) >= 16 and value[16:17] != ":":
        value = value[:16] + ":00" + value[16:]
    m = re.search(r"([+-]\d{2})(\d{2})$", value)
    if m and "T" in value:
        value = value[: m.start()] + f"{m.group(1)}:{m.group(2)}"
    return value


@dataclass
class _Scan:
    """What one pass over a page found (see `ArticlePage._scan`)."""

    metas: dict[str, list[str]] = field(default_factory=dict)
    links: list[tuple[list[str], str | None, str]] = field(default_factory=list)
    jsonld: list[str] = field(default_factory=list)
    articles: list[Element] = field(default_factory=list)


# MH Magazine lite puts the site header (logo, menus) before the main column, and the sidebar
# (widgets) and then the footer after it; the main column holds the article, its author box,
# post navigation and comments.
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
_PAGE_LINK_CLASSES: dict[type, tuple[Any, ...]] = {
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
    return _main_column(html)[0]


def _main_column(html: str | bytes) -> tuple[Any, int]:
    """`main_column`, and where the first mention of the content's class is in it (-1: none):
    whatever lies in the content comes after it."""
    page: Any = html  # text or bytes: the marks below are of the same type
    sidebar, header, content_mark, sidebar_mark, tag_end, header_end = _LAYOUT[type(page)]
    content = page.find(content_mark)
    if content < 0:
        return html, -1
    end = len(html)
    start = _sidebar_search_from(page, content, sidebar_mark, tag_end)
    found = sidebar.search(page, start) if start >= 0 else None
    if found:
        end = found.start()
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
        return page[:end], content
    pieces, at = [], 0
    for cut_start, cut_end in sorted(cuts):
        pieces.append(page[at:cut_start])
        at = cut_end
    pieces.append(page[at:end])
    return page[:0].join(pieces), content - sum(b - a for a, b in cuts)


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


class Unreadable(ValueError):
    """A response that holds no article page, and why (a loss reason of `arrahmah.losses`)."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail


def read_article_page(body: bytes, url: str, content_type: str | None) -> ArticlePage:
    """The article page of a response (``body`` as the server sent it, its content coding
    undone), read as a browser reads it (`ArticlePage.from_response`). Raises `Unreadable`
    for a response that is not HTML, is empty, or is no article. The crawl reads every article
    page here, and so does ``arrahmah reextract`` reading them back from the archive."""
    if "html" not in (content_type or "text/html"):
        raise Unreadable("not_html", content_type or "no Content-Type")
    if not body.strip():
        raise Unreadable("damaged", "empty page")
    page = ArticlePage.from_response(body, url, content_type)
    if not page.is_article():
        raise Unreadable("not_article")
    return page


class ArticlePage:
    """One page of an article. Methods return one field each; `is_article` says whether to ask.

    It reads a plain lxml tree (`arrahmah.markup`): articles are the crawl's hot path.
    """

    def __init__(
        self, root: Element, url: str, *, complete: bool = True, paged: bool = True
    ) -> None:
        self.root = root
        self.url = url
        self.complete = complete  # the page's HTML reaches its end
        self.paged = paged  # False: the HTML names no page-links class (a single-page post)
        self.charset_damage: str | None = None
        self.repairs: list[str] = []
        self.source: str | bytes = b""  # the page as served: the menus the tree leaves out
        self._category_names: dict[str, str | None] = {}

    @classmethod
    def from_html(cls, html: str | bytes, url: str, encoding: str | None = None) -> ArticlePage:
        """Parse ``html`` (a page as text, or bytes in ``encoding``) served at ``url``.

        Only the page's main column is parsed: nothing this parser reads lies in the theme's
        sidebar and footer, which are 40 % of the work of parsing an article page.
        """
        column, content = _main_column(html)
        root = markup.parse_document(column, encoding)
        marks = _PAGE_LINK_CLASSES[type(column)]
        paged = any(column.find(mark, max(content, 0)) >= 0 for mark in marks)
        page = cls(root, url, complete=reaches_its_end(html), paged=paged)
        page.source = html
        return page

    @classmethod
    def from_response(cls, body: bytes, url: str, content_type: str | None) -> ArticlePage:
        """Parse a page as the server sent it: bytes decoded as a browser would, with what
        was wrong with its charset repaired where that is unambiguous, else noted."""
        decoded = decode_page(body, content_type)
        clean = decoded.repaired is None and decoded.damaged is None
        if clean and is_utf8(decoded.encoding) and body[:3] != BOM_UTF8:
            # good UTF-8: the parser reads the bytes themselves (a tenth faster than the text)
            page = cls.from_html(body, url, "utf-8")
        else:
            page = cls.from_html(decoded.text, url)
        page.charset_damage = decoded.damaged
        page.repairs = [decoded.repaired] if decoded.repaired else []
        return page

    def damage(self) -> list[str]:
        """Why this page cannot be trusted as the article's text (empty when it can)."""
        found = []
        if not self.complete:
            found.append("truncated: the page ends before its closing </html>")
        if self.charset_damage:
            found.append(self.charset_damage)
        expected = self._jsonld.get("wordCount")
        if isinstance(expected, int) and expected > 0 and self._content is not None:
            words = len(markup.text_of(self._content).split())
            if words * 2 < expected:
                found.append(f"short: {words} of the {expected} words the page announces")
        return found

    # ---- structured data ------------------------------------------------------------------
    @cached_property
    def _scan(self) -> _Scan:
        """One pass over the page for what lies anywhere in it: meta and link tags, JSON-LD
        scripts, article elements (a page is a large tree: each walk of it costs)."""
        scan = _Scan()
        for el in self.root.iter("meta", "link", "script", "article"):
            tag = el.tag
            if tag == "meta":
                key = el.get("property") or el.get("name")
                content = (el.get("content") or "").strip()
                if key and content:
                    scan.metas.setdefault(key, []).append(content)
            elif tag == "link":
                href = el.get("href")
                if href:
                    scan.links.append(((el.get("rel") or "").lower().split(), el.get("type"), href))
            elif tag == "script":
                if el.get("type") == "application/ld+json":
                    scan.jsonld.append(el.text or "")
            else:
                scan.articles.append(el)
        return scan

    @property
    def _metas(self) -> dict[str, list[str]]:
        """Every ``meta`` tag's content by its ``property``/``name``, in page order."""
        return self._scan.metas

    def _meta(self, *names: str) -> str | None:
        return next((self._metas[n][0] for n in names if n in self._metas), None)

    @cached_property
    def _links(self) -> dict[str, str]:
        """``href`` of the first ``link`` of each ``rel`` (canonical, shortlink…)."""
        links: dict[str, str] = {}
        for rels, _, href in self._scan.links:
            for rel in rels:
                links.setdefault(rel, href)
        return links

    def _link(self, rel: str) -> str | None:
        return self._links.get(rel)

    @cached_property
    def _theme(self) -> dict[str, Element]:
        """The theme's elements that carry a field, by field: one pass outside the content."""
        found: dict[str, Element] = {}
        if self._post is None:
            return found
        for child in self._post:
            if child is not self._content:
                self._theme_in(child.iter(etree.Element), found)
        if len(found) < len(_THEME_CLASSES):
            # a stray end tag may have closed the post early: its header and tags follow it
            content = set(self._content.iter()) if self._content is not None else set()
            after = _xpath("following::*[@class]")(self._post)
            self._theme_in((el for el in after if el not in content), found)
        return found

    def _theme_in(self, elements: Iterable[Element], found: dict[str, Element]) -> None:
        for el in elements:
            for token in (el.get("class") or "").split():
                name = _THEME_CLASSES.get(token)
                if name is not None and name not in found:
                    found[name] = el

    def _theme_text(self, name: str) -> str | None:
        el = self._theme.get(name)
        return _clean(markup.text_of(el)) if el is not None else None

    def _theme_link_texts(self, name: str) -> list[str]:
        el = self._theme.get(name)
        texts = (_clean(markup.text_of(a)) for a in el.iter("a")) if el is not None else ()
        return list(dict.fromkeys(t for t in texts if t))

    @cached_property
    def _jsonld(self) -> dict[str, Any]:
        """The page's JSON-LD Article object (an SEO plugin's), or {} when there is none."""
        for script in self._scan.jsonld:
            try:
                data = json.loads(script)
            except ValueError:
                continue
            for node in _jsonld_nodes(data):
                types = node.get("@type")
                types = set(types) if isinstance(types, list) else {types}
                if types & _ARTICLE_TYPES:
                    return node
        return {}

    @cached_property
    def _body_classes(self) -> list[str]:
        # root.find("body") reads its path in Python at every call: the child is looked up
        body = next((child for child in self.root if child.tag == "body"), None)
        return (body.get("class") or "").split() if body is not None else []

    # ---- what kind of page -----------------------------------------------------------------
    @cached_property
    def _post(self) -> Element | None:
        for article in self._scan.articles:
            classes = (article.get("class") or "").split()
            if "type-post" in classes and "comment" not in " ".join(
                a.get("class") or "" for a in article.iterancestors()
            ):
                return article
        return None

    def is_article(self) -> bool:
        """True for a single blog post's page (not a WordPress Page, listing or archive)."""
        classes = self._body_classes
        if "single-post" in classes:
            return True
        if "page" in classes or "archive" in classes or "blog" in classes:
            return False
        return self._post is not None and next(self._post.iter("h1"), None) is not None

    # ---- fields ------------------------------------------------------------------------------
    def canonical_url(self) -> str:
        """``link rel=canonical``, else ``og:url``, else the URL the page was served at."""
        href = _first(self._link("canonical"), self._meta("og:url"), self._jsonld.get("url"))
        return markup.absolute(self.url, href.strip()) if href else self.url

    def rest_url(self) -> str | None:
        """The post's own REST API record (``link rel=alternate type=application/json``)."""
        for rels, kind, href in self._scan.links:
            if "alternate" in rels and kind == "application/json":
                return markup.absolute(self.url, href)
        return None

    def post_id(self) -> int | None:
        """WordPress post ID: ``postid-N`` body class, ``article#post-N``, then the shortlink."""
        m = _POST_ID_CLASS.search(" ".join(self._body_classes))
        if m:
            return int(m.group(1))
        if self._post is not None:
            m = _POST_ID_ATTR.match(self._post.get("id", ""))
            if m:
                return int(m.group(1))
        m = _SHORTLINK_ID.search(self._link("shortlink") or "")
        return int(m.group(1)) if m else None

    def title(self) -> str | None:
        """The headline as shown (``h1.entry-title``), else JSON-LD, ``og:title``, ``<title>``."""
        return _first(
            self._theme_text("title"),
            lambda: _clean(self._jsonld.get("headline")),
            lambda: _clean(self._meta("og:title")),
            self._document_title,
        )

    def _document_title(self) -> str | None:
        """``<title>`` without the " – Site name" WordPress appends."""
        title = self.root.find(".//title")
        return _clean((markup.text_of(title) if title is not None else "").rsplit(" – ", 1)[0])

    def published_at(self) -> str | None:
        """Publication time from meta/JSON-LD/``time``; else the date the theme shows."""
        return _first(
            normalize_iso(self._meta("article:published_time")),
            normalize_iso(self._jsonld.get("datePublished")),
            lambda: parse_display_date(self._theme_text("date")),
            lambda: normalize_iso(
                self._post_attr("time[contains(@class, 'published')]", "datetime")
            ),
        )

    def modified_at(self) -> str | None:
        """Modification time from meta/JSON-LD/``time.updated``; None when the page omits it."""
        return _first(
            normalize_iso(self._meta("article:modified_time", "og:updated_time")),
            normalize_iso(self._jsonld.get("dateModified")),
            lambda: normalize_iso(self._post_attr("time[contains(@class, 'updated')]", "datetime")),
        )

    def author(self) -> str | None:
        """The byline: the theme's ``.entry-meta-author .fn``, else JSON-LD or meta ``author``."""
        return _first(
            self._theme_author,
            lambda: self._post_text("a[contains(concat(' ', @rel, ' '), ' author ')]"),
            self._jsonld_author,
            lambda: _clean(self._meta("author")),
        )

    def _jsonld_author(self) -> str | None:
        author = self._jsonld.get("author")
        if isinstance(author, list):
            author = author[0] if author else None
        if isinstance(author, dict):
            author = author.get("name")
        return _clean(author) if isinstance(author, str) else None

    def _theme_author(self) -> str | None:
        byline = self._theme.get("author")
        if byline is None:
            return None
        name = next((e for e in byline.iter() if "fn" in (e.get("class") or "").split()), byline)
        return _clean(markup.text_of(name))

    def categories(self) -> list[str]:
        """Category names in page order: the meta line's ``rel=category`` links, else meta."""
        shown = _first(
            self._theme_link_texts("categories"),
            lambda: self._post_texts("header//a[contains(concat(' ', @rel, ' '), ' category ')]"),
        )
        section = self._jsonld.get("articleSection")
        if isinstance(section, str):
            section = [section]
        return _first(shown, section, self._metas.get("article:section")) or []

    def category_paths(self) -> list[list[str]]:
        """Each category as its path from the root: ``["Timur Tengah", "Suriah"]``.

        WordPress's category links name the parents in their path (``/category/timur-tengah/
        suriah/``); a parent's name comes from the site's menus, which link every category the
        site shows. A parent no link names is left out (its slug is not its name).
        """
        byline = self._theme.get("categories")
        if byline is None:
            return [[name] for name in self.categories()]
        paths = []
        for link in byline.iter("a"):
            href = link.get("href")
            leaf = _clean(markup.text_of(link)) if href else None
            if not leaf:
                continue
            path = _CATEGORY_PATH.search(href)  # type: ignore[arg-type]
            slugs = path.group(1).split("/") if path else []
            parents = [self._category_name("/".join(slugs[: n + 1])) for n in range(len(slugs) - 1)]
            paths.append([*(p for p in parents if p), leaf])
        return list({tuple(p): p for p in paths}.values()) or [[n] for n in self.categories()]

    def _category_name(self, slugs: str) -> str | None:
        """The name the page's links to the category archive ``slugs`` (``timur-tengah``) give
        it: the site's menus link every category, in the page as served (the parsed tree
        leaves the menus out). A few string searches: no parse, no pass over the page."""
        if slugs in self._category_names:
            return self._category_names[slugs]
        source: Any = self.source
        text = isinstance(source, str)
        needle = f"/category/{slugs}/" if text else f"/category/{slugs}/".encode()
        quotes = "\"'" if text else b"\"'"
        name = None
        at = source.find(needle)
        while at >= 0 and name is None:
            after = at + len(needle)
            if source[after : after + 1] and source[after : after + 1] in quotes:
                opened = source.find(">" if text else b">", after)
                closed = source.find("</a>" if text else b"</a>", opened)
                if 0 <= opened < closed:
                    inner = source[opened + 1 : closed]
                    inner = inner if text else inner.decode("utf-8", "replace")
                    name = _clean(html_lib.unescape(_TAGS.sub("", inner)))
            at = source.find(needle, after)
        self._category_names[slugs] = name
        return name

    def tags(self) -> list[str]:
        """Tag names in page order: ``.entry-tags`` ``rel=tag`` links, else meta/JSON-LD."""
        shown = _first(
            self._theme_link_texts("tags"),
            lambda: self._post_texts("footer//a[contains(concat(' ', @rel, ' '), ' tag ')]"),
        )
        keywords = self._jsonld.get("keywords")
        if isinstance(keywords, str):
            keywords = [k.strip() for k in keywords.split(",") if k.strip()]
        return _first(shown, self._metas.get("article:tag"), keywords) or []

    @cached_property
    def _content(self) -> Element | None:
        """The post's content element, with what a stray end tag pushed out of it taken back.

        A stray ``</div>`` in the markup closes the content (or the article) early; a browser
        still shows the text that follows, and so does this: the content element is looked
        for in the whole main column, and the text blocks after it, up to the theme's post
        furniture (tags, author box, navigation, comments), are its own.
        """
        if self._post is None:
            return None
        # the first div whose class contains "entry-content" (near the top of the post: the
        # loop stops there, where an XPath query would go through the whole text)
        content = next(
            (d for d in self._post.iter("div") if "entry-content" in (d.get("class") or "")), None
        )
        if content is None:
            found = _xpath(
                "//div[contains(concat(' ', normalize-space(@class), ' '), ' entry-content ')]"
            )(self.root)
            if not found:
                return None
            content = found[0]
        stray: list[Element] = []
        node: Element | None = content
        while node is not None and node.tag not in ("body", "html"):
            for el in node.itersiblings():
                if not isinstance(el.tag, str):
                    continue
                if el.tag not in _CONTENT_BLOCKS or _FURNITURE.search(
                    f"{el.get('class', '')} {el.get('id', '')}"
                ):
                    node = None  # the post's text ends here
                    break
                stray.append(el)
            else:
                node = node.getparent()  # closed early with its parent: go on after the parent
        for el in stray:
            content.append(el)  # moves it, tail and all
        return content

    def _is_thumbnail(self, el: Any) -> bool:
        return el.tag == "figure" and "entry-thumbnail" in (el.get("class") or "")

    def featured_image(self) -> dict[str, str | None] | None:
        """The featured image the page shows (``figure.entry-thumbnail``), else ``og:image``."""
        if self._content is not None:
            for figure in self._content:
                if not self._is_thumbnail(figure):
                    continue
                img = next(figure.iter("img"), None)
                src = image_src(img) if img is not None else None
                if src:
                    caption = next(figure.iter("figcaption"), None)
                    text = _clean(markup.text_of(caption)) if caption is not None else None
                    return {"url": markup.absolute(self.url, src), "caption": text}
        og = self._meta("og:image")
        return {"url": markup.absolute(self.url, og), "caption": None} if og else None

    def content(self) -> Element:
        """The article's content element, its featured image taken out (read before, apart).

        The element stays in the page's tree: the pipelines clean it in place, without parsing
        the page again. A page without one gives an empty ``div``.
        """
        if self._content is None:
            return markup.parse_fragment("")
        for child in list(self._content):
            if self._is_thumbnail(child):
                markup.remove(child)
        return self._content

    def comments_count(self) -> int | None:
        """Approved comments: the meta line's counter, else the comment list, else schema data."""
        shown = _INT.search(self._theme_text("comments") or "")
        if shown:
            return int(shown.group())
        heading = _xpath("//*[@id='mh-comments']//h4")(self.root)
        counted = _INT.match(_clean(markup.text_of(heading[0])) or "") if heading else None
        if counted:
            return int(counted.group())
        listed = _xpath("//ol[contains(@class, 'commentlist')]//li[contains(@class, 'comment')]")(
            self.root
        )
        if listed:
            return len(listed)
        count = self._jsonld.get("commentCount")
        return int(count) if isinstance(count, int | str) and str(count).isdigit() else 0

    @cached_property
    def _pagination(self) -> list[Element]:
        """The content's page links block(s) of a multi-page article (none for most articles):
        looked for once, for both `page_links` and `page_number`."""
        if self._content is None or not self.paged:
            return []
        query = _xpath(".//*[contains(@class, 'pagination') or contains(@class, 'page-links')]")
        return list(query(self._content))

    def page_links(self) -> list[str]:
        """URLs of the article's other pages (``<!--nextpage-->`` split), in page order."""
        links = _xpath(".//a[contains(@class, 'post-page-numbers') or .//span[@class='pagelink']]")
        hrefs = (a.get("href") for block in self._pagination for a in links(block))
        return list(dict.fromkeys(markup.absolute(self.url, h) for h in hrefs if h is not None))

    def page_number(self) -> int:
        """Which page of a multi-page article this is (the pagination's current number)."""
        current = _xpath(".//*[contains(@class, 'current')]")
        found = [el for block in self._pagination for el in current(block)]
        text = _clean(markup.text_of(found[0])) if found else None
        return int(text) if text and text.isdigit() else 1

    def to_raw(self, crawled_at: str) -> RawArticle:
        """Everything the page says, as a `RawArticle` of one page."""
        featured = self.featured_image()
        return RawArticle(
            url=self.canonical_url(),
            post_id=self.post_id(),
            title=self.title(),
            published_at=self.published_at(),
            modified_at=self.modified_at(),
            author=self.author(),
            categories=self.categories(),
            category_paths=self.category_paths(),
            tags=self.tags(),
            content=[self.content()],
            images=[featured] if featured else [],
            comments_count=self.comments_count(),
            pages=1,
            crawled_at=crawled_at,
            damage=self.damage(),
            repairs=list(self.repairs),
        )

    def add_to(self, raw: RawArticle) -> None:
        """Append this page, a later page of ``raw``'s article, to it: its content, and what
        was damaged or repaired in it."""
        raw.content.append(self.content())
        raw.damage.extend(self.damage())
        raw.repairs.extend(self.repairs)
        raw.pages += 1

    # ---- helpers -------------------------------------------------------------------------------
    # Queries about the post's header and footer (title, meta line, tags) run on the post's
    # children other than its content: the text is the large part of a page, and never holds them.
    _OUTSIDE_CONTENT = (
        "./*[not(contains(concat(' ', normalize-space(@class), ' '), ' entry-content '))]"
        "/descendant-or-self::"
    )

    def _outside(self, query: str) -> list[Any]:
        if self._post is None:
            return []
        return _xpath(" | ".join(self._OUTSIDE_CONTENT + q for q in query.split(" | ")))(self._post)

    def _post_attr(self, query: str, attr: str) -> str | None:
        found = self._outside(query)
        return found[0].get(attr) if found else None

    def _post_text(self, query: str) -> str | None:
        found = self._outside(query)
        return _clean(markup.text_of(found[0])) if found else None

    def _post_texts(self, query: str) -> list[str]:
        texts = (_clean(markup.text_of(el)) for el in self._outside(query))
        return list(dict.fromkeys(t for t in texts if t))


class ListingPage:
    """A listing: the home page, a category archive, or one of their pages.

    It reads a plain lxml tree (`arrahmah.markup`), as `ArticlePage` does: a full walk reads a
    listing for every ten articles, and each listing holds some 400 links.
    """

    def __init__(self, root: Element, url: str) -> None:
        self.root = root
        self.url = url

    @classmethod
    def from_html(cls, html: str | bytes, url: str, encoding: str | None = None) -> ListingPage:
        """Parse ``html`` (text, or bytes in ``encoding``) served at ``url``."""
        return cls(markup.parse_document(html, encoding), url)

    def _hrefs(self, query: str) -> list[str]:
        return [markup.absolute(self.url, href) for href in _xpath(query)(self.root)]

    @cached_property
    def _cards(self) -> list[tuple[str, bool]]:
        """``(article URL, sticky)`` of each card, in listing order."""
        cards = []
        title_link = _xpath(".//*[contains(@class, 'entry-title')]//a/@href")
        for card in _xpath("//article[contains(@class, 'mh-loop-item')]")(self.root):
            hrefs = title_link(card)
            if hrefs and hrefs[0]:
                sticky = "sticky" in (card.get("class") or "").split()
                cards.append((markup.absolute(self.url, hrefs[0]), sticky))
        return cards

    def article_links(self) -> list[str]:
        """Article URLs of the listing's cards, in listing order."""
        return [url for url, _ in self._cards]

    def sticky_links(self) -> list[str]:
        """Article URLs of the cards WordPress marks as sticky (pinned to the top of page 1)."""
        return [url for url, sticky in self._cards if sticky]

    def pagination_links(self) -> list[str]:
        """URLs of the other pages of this listing that its pagination links to."""
        # the page-number links inside a pagination block: a test on each link rather than
        # on the class of every element of the page (twice as fast, the same links)
        hrefs = self._hrefs(
            "//a[contains(@class, 'page-numbers') and ancestor::*[contains(@class, 'pagination')]]"
            "/@href | //link[@rel='next']/@href"
        )
        return list(dict.fromkeys(hrefs))

    def next_page(self) -> str | None:
        """The URL of the next page of this listing, or None on the last page."""
        href = _first(
            *(
                next(iter(_xpath(query)(self.root)), None)
                for query in (
                    "//link[@rel='next']/@href",
                    "//*[contains(@class, 'pagination')]//a[contains(@class, 'next')]/@href",
                )
            )
        )
        return markup.absolute(self.url, href) if href else None

    def links(self) -> Iterator[str]:
        """Every link on the page (menus, sidebar widgets), to discover category archives."""
        for href in _xpath("//a/@href")(self.root):
            yield markup.absolute(self.url, href.strip())


def image_src(img: Any) -> str | None:
    """The real source of an ``img`` (lxml or parsel), lazy-loading attributes first."""
    for attr in ("data-src", "data-lazy-src", "data-orig-file", "src"):
        value = img.attrib.get(attr)
        if value and not value.startswith("data:"):
            return value.strip()
    return None


def _jsonld_nodes(data: Any) -> Iterator[dict[str, Any]]:
    if isinstance(data, list):
        for item in data:
            yield from _jsonld_nodes(item)
    elif isinstance(data, dict):
        yield data
        if "@graph" in data:
            yield from _jsonld_nodes(data["@graph"])
