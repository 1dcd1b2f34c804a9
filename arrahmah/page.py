"""What a page of arrahmahnews.com says: every selector and markup fact about the site lives here.

`ArticlePage` reads an article page, one small method per field, each with a fallback chain:
structured data first where a page carries it (``link rel=canonical``, ``meta`` tags of an SEO
plugin, JSON-LD), then the markup of the site's theme (MH Magazine lite). `ListingPage` reads a
listing (home, category archive and their pages). Both are pure: a parsel Selector in, values out.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import date
from functools import cached_property
from typing import Any
from urllib.parse import urljoin

from parsel import Selector

from arrahmah.items import RawArticle

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
_ARTICLE_TYPES = {"Article", "NewsArticle", "BlogPosting", "ReportageNewsArticle"}

# The main post of a single-post page: the theme's `article#post-ID.type-post`, outside comments.
_POST = (
    "//article[contains(concat(' ', normalize-space(@class), ' '), ' type-post ')]"
    "[not(ancestor::*[contains(@class, 'comment')])]"
)


def _first(*values: Any) -> Any:
    """The first value that is neither None nor empty: the fallback chain of every field."""
    for value in values:
        if value not in (None, "", [], {}):
            return value
    return None


def _clean(text: str | None) -> str | None:
    """Collapse whitespace (Unicode spaces included); None for nothing."""
    if text is None:
        return None
    text = " ".join(text.split())
    return text or None


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


class ArticlePage:
    """One page of an article. Methods return one field each; `is_article` says whether to ask."""

    def __init__(self, selector: Selector, url: str) -> None:
        self.sel = selector
        self.url = url

    @classmethod
    def from_html(cls, html: str, url: str) -> ArticlePage:
        """Parse ``html`` (a saved page) served at ``url``."""
        return cls(Selector(text=html), url)

    # ---- structured data ------------------------------------------------------------------
    def _meta(self, *names: str) -> str | None:
        for name in names:
            value = self.sel.xpath(f"//meta[@property='{name}' or @name='{name}']/@content").get()
            if value and value.strip():
                return value.strip()
        return None

    def _meta_all(self, name: str) -> list[str]:
        values = self.sel.xpath(f"//meta[@property='{name}' or @name='{name}']/@content").getall()
        return [v.strip() for v in values if v.strip()]

    @cached_property
    def _jsonld(self) -> dict[str, Any]:
        """The page's JSON-LD Article object (an SEO plugin's), or {} when there is none."""
        for raw in self.sel.xpath("//script[@type='application/ld+json']/text()").getall():
            try:
                data = json.loads(raw)
            except ValueError:
                continue
            for node in _jsonld_nodes(data):
                types = node.get("@type")
                types = set(types) if isinstance(types, list) else {types}
                if types & _ARTICLE_TYPES:
                    return node
        return {}

    # ---- what kind of page -----------------------------------------------------------------
    @cached_property
    def _post(self) -> Selector | None:
        posts = self.sel.xpath(_POST)
        return posts[0] if posts else None

    def is_article(self) -> bool:
        """True for a single blog post's page (not a WordPress Page, listing or archive)."""
        body_class = self.sel.xpath("//body/@class").get("")
        if "single-post" in body_class.split():
            return True
        if body_class and ("page" in body_class.split() or "archive" in body_class.split()):
            return False
        return self._post is not None and bool(self._post.xpath(".//h1"))

    # ---- fields ------------------------------------------------------------------------------
    def canonical_url(self) -> str:
        """``link rel=canonical``, else ``og:url``, else the URL the page was served at."""
        href = _first(
            self.sel.xpath("//link[@rel='canonical']/@href").get(),
            self._meta("og:url"),
            self._jsonld.get("url"),
        )
        return urljoin(self.url, href.strip()) if href else self.url

    def post_id(self) -> int | None:
        """WordPress post ID: ``postid-N`` body class, ``article#post-N``, then the shortlink."""
        m = _POST_ID_CLASS.search(self.sel.xpath("//body/@class").get(""))
        if m:
            return int(m.group(1))
        if self._post is not None:
            m = _POST_ID_ATTR.match(self._post.attrib.get("id", ""))
            if m:
                return int(m.group(1))
        shortlink = self.sel.xpath("//link[@rel='shortlink']/@href").get("")
        m = _SHORTLINK_ID.search(shortlink)
        return int(m.group(1)) if m else None

    def title(self) -> str | None:
        """The headline as shown (``h1.entry-title``), else JSON-LD, ``og:title``, ``<title>``."""
        h1 = (
            self._post.xpath(".//h1[contains(@class, 'entry-title')]")
            if self._post is not None
            else []
        )
        shown = _clean(" ".join(h1[0].xpath(".//text()").getall())) if h1 else None
        return _first(
            shown,
            _clean(self._jsonld.get("headline")),
            _clean(self._meta("og:title")),
            _clean(self.sel.xpath("//title/text()").get("").rsplit(" – ", 1)[0]),
        )

    def published_at(self) -> str | None:
        """Publication time from meta/JSON-LD/``time``; else the date the theme shows."""
        return _first(
            normalize_iso(self._meta("article:published_time")),
            normalize_iso(self._jsonld.get("datePublished")),
            normalize_iso(self._post_xpath(".//time[contains(@class, 'published')]/@datetime")),
            parse_display_date(self._post_text(".//*[contains(@class, 'entry-meta-date')]")),
        )

    def modified_at(self) -> str | None:
        """Modification time from meta/JSON-LD/``time.updated``; None when the page omits it."""
        return _first(
            normalize_iso(self._meta("article:modified_time", "og:updated_time")),
            normalize_iso(self._jsonld.get("dateModified")),
            normalize_iso(self._post_xpath(".//time[contains(@class, 'updated')]/@datetime")),
        )

    def author(self) -> str | None:
        """The byline: the theme's ``.entry-meta-author .fn``, else JSON-LD or meta ``author``."""
        ld_author = self._jsonld.get("author")
        if isinstance(ld_author, list):
            ld_author = ld_author[0] if ld_author else None
        if isinstance(ld_author, dict):
            ld_author = ld_author.get("name")
        return (
            _first(
                self._post_text(
                    ".//*[contains(@class, 'entry-meta-author')]//*[contains(@class, 'fn')]"
                ),
                self._post_text(".//*[contains(@class, 'author')]//a[contains(@rel, 'author')]"),
                _clean(ld_author if isinstance(ld_author, str) else None),
                _clean(self._meta("author")),
            )
            or None
        )

    def categories(self) -> list[str]:
        """Category names in page order: the meta line's ``rel=category`` links, else meta."""
        shown = self._post_texts(
            ".//*[contains(@class, 'entry-meta-categories')]//a"
            " | .//header//a[contains(concat(' ', @rel, ' '), ' category ')]"
        )
        section = self._jsonld.get("articleSection")
        if isinstance(section, str):
            section = [section]
        return _first(shown, section, self._meta_all("article:section")) or []

    def tags(self) -> list[str]:
        """Tag names in page order: ``.entry-tags`` ``rel=tag`` links, else meta/JSON-LD."""
        shown = self._post_texts(
            ".//*[contains(@class, 'entry-tags')]//a"
            " | .//footer//a[contains(concat(' ', @rel, ' '), ' tag ')]"
        )
        keywords = self._jsonld.get("keywords")
        if isinstance(keywords, str):
            keywords = [k.strip() for k in keywords.split(",") if k.strip()]
        return _first(shown, self._meta_all("article:tag"), keywords) or []

    def featured_image(self) -> dict[str, str | None] | None:
        """The featured image the page shows (``figure.entry-thumbnail``), else ``og:image``."""
        if self._post is not None:
            figure = self._post.xpath(".//*[contains(@class, 'entry-thumbnail')]")
            if figure:
                src = image_src(figure[0].xpath(".//img")[0]) if figure[0].xpath(".//img") else None
                if src:
                    caption = _clean(" ".join(figure[0].xpath(".//figcaption//text()").getall()))
                    return {"url": urljoin(self.url, src), "caption": caption}
        og = self._meta("og:image")
        return {"url": urljoin(self.url, og), "caption": None} if og else None

    def content_html(self) -> str:
        """HTML of the article's content element, without the featured image (read separately)."""
        if self._post is None:
            return ""
        content = self._post.xpath(".//div[contains(@class, 'entry-content')]")
        if not content:
            return ""
        parts = (
            content[0]
            .xpath("node()[not(self::figure[contains(@class, 'entry-thumbnail')])]")
            .getall()
        )
        return "".join(parts)

    def comments_count(self) -> int | None:
        """Approved comments: the meta line's counter, else the comment list, else schema data."""
        shown = self._post_text(".//*[contains(@class, 'entry-meta-comments')]")
        if shown and _INT.search(shown):
            return int(_INT.search(shown).group())
        heading = _clean(" ".join(self.sel.xpath("//*[@id='mh-comments']//h4//text()").getall()))
        if heading and _INT.match(heading):
            return int(_INT.match(heading).group())
        listed = self.sel.xpath(
            "//ol[contains(@class, 'commentlist')]//li[contains(@class, 'comment')]"
        )
        if listed:
            return len(listed)
        count = self._jsonld.get("commentCount")
        return int(count) if isinstance(count, int | str) and str(count).isdigit() else 0

    def page_links(self) -> list[str]:
        """URLs of the article's other pages (``<!--nextpage-->`` split), in page order."""
        if self._post is None:
            return []
        hrefs = self._post.xpath(
            ".//div[contains(@class, 'entry-content')]"
            "//*[contains(@class, 'pagination') or contains(@class, 'page-links')]"
            "//a[contains(@class, 'post-page-numbers') or .//span[@class='pagelink']]/@href"
        ).getall()
        seen: dict[str, None] = {}
        for href in hrefs:
            seen.setdefault(urljoin(self.url, href), None)
        return list(seen)

    def page_number(self) -> int:
        """Which page of a multi-page article this is (the pagination's current number)."""
        current = self._post_text(
            ".//*[contains(@class, 'pagination') or contains(@class, 'page-links')]"
            "//*[contains(@class, 'current')]"
        )
        return int(current) if current and current.isdigit() else 1

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
            tags=self.tags(),
            content_html=[self.content_html()],
            images=[featured] if featured else [],
            comments_count=self.comments_count(),
            pages=1,
            crawled_at=crawled_at,
        )

    # ---- helpers -------------------------------------------------------------------------------
    def _post_xpath(self, query: str) -> str | None:
        return self._post.xpath(query).get() if self._post is not None else None

    def _post_text(self, query: str) -> str | None:
        if self._post is None:
            return None
        nodes = self._post.xpath(query)
        return _clean(" ".join(nodes[0].xpath(".//text()").getall())) if nodes else None

    def _post_texts(self, query: str) -> list[str]:
        if self._post is None:
            return []
        texts = (_clean(" ".join(n.xpath(".//text()").getall())) for n in self._post.xpath(query))
        return list(dict.fromkeys(t for t in texts if t))


class ListingPage:
    """A listing: the home page, a category archive, or one of their pages."""

    def __init__(self, selector: Selector, url: str) -> None:
        self.sel = selector
        self.url = url

    def article_links(self, include_sticky: bool = True) -> list[str]:
        """Article URLs of the listing's cards, in listing order."""
        cards = self.sel.xpath("//article[contains(@class, 'mh-loop-item')]")
        links = []
        for card in cards:
            if not include_sticky and "sticky" in card.attrib.get("class", "").split():
                continue
            href = card.xpath(".//*[contains(@class, 'entry-title')]//a/@href").get()
            if href:
                links.append(urljoin(self.url, href))
        return links

    def sticky_links(self) -> list[str]:
        """Article URLs of the cards WordPress marks as sticky (pinned to the top of page 1)."""
        every = self.article_links()
        unpinned = set(self.article_links(include_sticky=False))
        return [link for link in every if link not in unpinned]

    def pagination_links(self) -> list[str]:
        """URLs of the other pages of this listing that its pagination links to."""
        hrefs = self.sel.xpath(
            "//*[contains(@class, 'pagination')]//a[contains(@class, 'page-numbers')]/@href"
            " | //link[@rel='next']/@href"
        ).getall()
        return list(dict.fromkeys(urljoin(self.url, h) for h in hrefs))

    def next_page(self) -> str | None:
        """The URL of the next page of this listing, or None on the last page."""
        href = _first(
            self.sel.xpath("//link[@rel='next']/@href").get(),
            self.sel.xpath(
                "//*[contains(@class, 'pagination')]//a[contains(@class, 'next')]/@href"
            ).get(),
        )
        return urljoin(self.url, href) if href else None

    def links(self) -> Iterator[str]:
        """Every link on the page (menus, sidebar widgets), to discover category archives."""
        for href in self.sel.xpath("//a/@href").getall():
            yield urljoin(self.url, href.strip())


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
