"""An article's first page read and cleaned in one step, wherever it runs.

`ArticlePreparer.prepare` is what a crawl does to an article's first page: the page parser
reads it (`arrahmah.page`), `strip_boilerplate` applies the boilerplate rules and `body_text`
makes its body text: the cleaning pipelines' own steps (`BoilerplatePipeline`,
`TextPipeline` call them on an article not cleaned yet). Nothing here touches the crawl's
state or imports Scrapy, so the page worker (`arrahmah.worker`) runs it in a small process of
its own; the pipelines then count and check what it did as if they had done it
(``RawArticle.cleaned``).
"""

from __future__ import annotations

from dataclasses import dataclass

from arrahmah import boilerplate, text
from arrahmah.items import Body, Cleaned, RawArticle, Stripped
from arrahmah.page import Unreadable, read_article_page
from arrahmah.site import ArticleLinks, host_of


@dataclass
class Prepared:
    """What became of an article's page: exactly one of ``raw`` (read and cleaned; its
    content trees emptied), ``unreadable`` (``(reason, detail)`` of the loss), ``later_page``
    (page 2+ of an article: its first page is to be fetched) or ``multipage`` (the first page
    of an article in several pages: the crawl reads it itself, since its later pages join
    this page's tree)."""

    raw: RawArticle | None = None
    rest_url: str | None = None  # the post's own REST record, when the page names it
    unreadable: tuple[str, str] | None = None
    later_page: bool = False
    multipage: bool = False


class ArticlePreparer:
    """Reads and cleans article pages of one site (``site_host``: the crawl's base URL's)."""

    def __init__(self, site_host: str | None) -> None:
        self.site_host = site_host

    def prepare(self, body: bytes, url: str, content_type: str | None, crawled_at: str) -> Prepared:
        """The article page ``body`` fetched from ``url``, read and cleaned."""
        try:
            page = read_article_page(body, url, content_type)
        except Unreadable as exc:
            return Prepared(unreadable=(exc.reason, exc.detail))
        if page.page_number() > 1:
            return Prepared(later_page=True)
        if page.page_links():
            return Prepared(multipage=True)
        raw = page.to_raw(crawled_at)
        if not raw.damage:  # a damaged article is dropped before any cleaning
            raw.cleaned = Cleaned(strip_boilerplate(raw, self.site_host), body_text(raw))
        raw.content = []
        return Prepared(raw=raw, rest_url=page.rest_url())


def strip_boilerplate(item: RawArticle, site_host: str | None) -> Stripped:
    """Apply `boilerplate.RULES` to every page of ``item``'s content, in place; its cross-links
    and images harvested into it. What each rule removed, and the suspect link blocks."""
    links = ArticleLinks((site_host, host_of(item.url)), item.url)
    harvest = boilerplate.Harvest(item.url, list(item.images), links)
    removed: dict[str, int] = {}
    for root in item.content:
        for rule, n in boilerplate.strip(root, harvest).items():
            removed[rule] = removed.get(rule, 0) + n
    item.related = [*item.related, *harvest.related]
    item.images = harvest.images
    return Stripped(removed, harvest.suspects)


def body_text(item: RawArticle) -> Body:
    """The body text of ``item``'s cleaned content, and what is derived from it."""
    paras: list[str] = []
    headings: list[int] = []
    for root in item.content:
        paras.extend(text.paragraphs(root, headings))
    skip = set(headings)
    joined = text.PARAGRAPH_SEPARATOR.join(paras)
    return Body(
        text=joined,
        paragraphs=[p for n, p in enumerate(paras) if n not in skip],
        dateline=text.dateline(joined),
        word_count=text.word_count(joined),
        content_hash=text.content_hash(item.title, joined),
    )
