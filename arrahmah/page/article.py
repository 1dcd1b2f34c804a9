"""What an article page of arrahmahnews.com says, one small method per field.

Each field has a fallback chain: structured data first where a page carries it (``link
rel=canonical``, ``meta`` tags of an SEO plugin, JSON-LD: `arrahmah.page.structured`), then the
markup of the site's theme, MH Magazine lite (its layout: `arrahmah.page.layout`; where the text
lies: `arrahmah.page.content`). Pure: a parsed page in, values out.
"""

from __future__ import annotations

import re
from codecs import BOM_UTF8
from functools import cached_property
from typing import Any

from arrahmah import markup
from arrahmah.decoding import decode_page, is_utf8
from arrahmah.items import RawArticle
from arrahmah.markup import Element
from arrahmah.page import structured
from arrahmah.page.content import post_content
from arrahmah.page.dates import normalize_iso, parse_display_date
from arrahmah.page.frame import PostFrame
from arrahmah.page.layout import PAGE_LINK_CLASSES, main_column_at, reaches_its_end
from arrahmah.page.menus import category_name
from arrahmah.page.reading import clean, first, image_src, xpath

_POST_ID_CLASS = re.compile(r"\bpostid-(\d+)\b")
_POST_ID_ATTR = re.compile(r"^post-(\d+)$")
_SHORTLINK_ID = re.compile(r"[?&]p=(\d+)\b")
_INT = re.compile(r"\d+")
_CATEGORY_PATH = re.compile(r"/category/((?:[^/?#]+/)*[^/?#]+)/?(?:[?#]|$)")


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
        # the meta line's comment count, read before parsing when the comments were left out
        self.comments_shown: int | None = None
        self.repairs: list[str] = []
        self.source: str | bytes = b""  # the page as served: the menus the tree leaves out
        self._category_names: dict[str, str | None] = {}

    @classmethod
    def from_html(cls, html: str | bytes, url: str, encoding: str | None = None) -> ArticlePage:
        """Parse ``html`` (a page as text, or bytes in ``encoding``) served at ``url``.

        Only the page's main column is parsed: nothing this parser reads lies in the theme's
        sidebar and footer, which are 40 % of the work of parsing an article page.
        """
        column, content, comments = main_column_at(html)
        root = markup.parse_document(column, encoding)
        marks = PAGE_LINK_CLASSES[type(column)]
        paged = any(column.find(mark, max(content, 0)) >= 0 for mark in marks)
        page = cls(root, url, complete=reaches_its_end(html), paged=paged)
        page.source = html
        page.comments_shown = comments
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
    def _scan(self) -> structured.Scan:
        """One pass over the page for what lies anywhere in it: meta and link tags, JSON-LD
        scripts, article elements (a page is a large tree: each walk of it costs)."""
        return structured.scan(self.root)

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
    def _frame(self) -> PostFrame:
        return PostFrame(self._post, self._content)

    @cached_property
    def _jsonld(self) -> dict[str, Any]:
        """The page's JSON-LD Article object (an SEO plugin's), or {} when there is none."""
        return structured.article_node(self._scan.jsonld)

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
        href = first(self._link("canonical"), self._meta("og:url"), self._jsonld.get("url"))
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
        return first(
            self._frame.text("title"),
            lambda: clean(self._jsonld.get("headline")),
            lambda: clean(self._meta("og:title")),
            self._document_title,
        )

    def _document_title(self) -> str | None:
        """``<title>`` without the " – Site name" WordPress appends."""
        title = self.root.find(".//title")
        return clean((markup.text_of(title) if title is not None else "").rsplit(" – ", 1)[0])

    def published_at(self) -> str | None:
        """Publication time from meta/JSON-LD/``time``; else the date the theme shows."""
        return first(
            normalize_iso(self._meta("article:published_time")),
            normalize_iso(self._jsonld.get("datePublished")),
            lambda: parse_display_date(self._frame.text("date")),
            lambda: normalize_iso(
                self._frame.attr("time[contains(@class, 'published')]", "datetime")
            ),
        )

    def modified_at(self) -> str | None:
        """Modification time from meta/JSON-LD/``time.updated``; None when the page omits it."""
        return first(
            normalize_iso(self._meta("article:modified_time", "og:updated_time")),
            normalize_iso(self._jsonld.get("dateModified")),
            lambda: normalize_iso(
                self._frame.attr("time[contains(@class, 'updated')]", "datetime")
            ),
        )

    def author(self) -> str | None:
        """The byline: the theme's ``.entry-meta-author .fn``, else JSON-LD or meta ``author``."""
        return first(
            self._theme_author,
            lambda: self._frame.query_text("a[contains(concat(' ', @rel, ' '), ' author ')]"),
            self._jsonld_author,
            lambda: clean(self._meta("author")),
        )

    def _jsonld_author(self) -> str | None:
        author = self._jsonld.get("author")
        if isinstance(author, list):
            author = author[0] if author else None
        if isinstance(author, dict):
            author = author.get("name")
        return clean(author) if isinstance(author, str) else None

    def _theme_author(self) -> str | None:
        byline = self._frame.element("author")
        if byline is None:
            return None
        name = next((e for e in byline.iter() if "fn" in (e.get("class") or "").split()), byline)
        return clean(markup.text_of(name))

    def categories(self) -> list[str]:
        """Category names in page order: the meta line's ``rel=category`` links, else meta."""
        shown = first(
            self._frame.link_texts("categories"),
            lambda: self._frame.query_texts(
                "header//a[contains(concat(' ', @rel, ' '), ' category ')]"
            ),
        )
        section = self._jsonld.get("articleSection")
        if isinstance(section, str):
            section = [section]
        return first(shown, section, self._metas.get("article:section")) or []

    def category_paths(self) -> list[list[str]]:
        """Each category as its path from the root: ``["Timur Tengah", "Suriah"]``.

        WordPress's category links name the parents in their path (``/category/timur-tengah/
        suriah/``); a parent's name comes from the site's menus, which link every category the
        site shows. A parent no link names is left out (its slug is not its name).
        """
        byline = self._frame.element("categories")
        if byline is None:
            return [[name] for name in self.categories()]
        paths = []
        for link in byline.iter("a"):
            href = link.get("href")
            leaf = clean(markup.text_of(link)) if href else None
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
        if slugs not in self._category_names:
            self._category_names[slugs] = category_name(self.source, slugs)
        return self._category_names[slugs]

    def tags(self) -> list[str]:
        """Tag names in page order: ``.entry-tags`` ``rel=tag`` links, else meta/JSON-LD."""
        shown = first(
            self._frame.link_texts("tags"),
            lambda: self._frame.query_texts("footer//a[contains(concat(' ', @rel, ' '), ' tag ')]"),
        )
        keywords = self._jsonld.get("keywords")
        if isinstance(keywords, str):
            keywords = [k.strip() for k in keywords.split(",") if k.strip()]
        return first(shown, self._metas.get("article:tag"), keywords) or []

    @cached_property
    def _content(self) -> Element | None:
        """The post's content element, with what a stray end tag pushed out of it taken back.

        A stray ``</div>`` in the markup closes the content (or the article) early; a browser
        still shows the text that follows, and so does this: the content element is looked
        for in the whole main column, and the text blocks after it, up to the theme's post
        furniture (tags, author box, navigation, comments), are its own.
        """
        return post_content(self._post, self.root)

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
                    text = clean(markup.text_of(caption)) if caption is not None else None
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
        shown = _INT.search(self._frame.text("comments") or "")
        if shown:
            return int(shown.group())
        if self.comments_shown is not None:  # the comments section was not parsed
            return self.comments_shown
        heading = xpath("//*[@id='mh-comments']//h4")(self.root)
        counted = _INT.match(clean(markup.text_of(heading[0])) or "") if heading else None
        if counted:
            return int(counted.group())
        listed = xpath("//ol[contains(@class, 'commentlist')]//li[contains(@class, 'comment')]")(
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
        query = xpath(".//*[contains(@class, 'pagination') or contains(@class, 'page-links')]")
        return list(query(self._content))

    def page_links(self) -> list[str]:
        """URLs of the article's other pages (``<!--nextpage-->`` split), in page order."""
        links = xpath(".//a[contains(@class, 'post-page-numbers') or .//span[@class='pagelink']]")
        hrefs = (a.get("href") for block in self._pagination for a in links(block))
        return list(dict.fromkeys(markup.absolute(self.url, h) for h in hrefs if h is not None))

    def page_number(self) -> int:
        """Which page of a multi-page article this is (the pagination's current number)."""
        current = xpath(".//*[contains(@class, 'current')]")
        found = [el for block in self._pagination for el in current(block)]
        text = clean(markup.text_of(found[0])) if found else None
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
