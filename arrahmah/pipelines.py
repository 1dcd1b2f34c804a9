"""Item pipelines: what a raw article may become.

In order (see ``ITEM_PIPELINES``): `IntegrityPipeline` drops articles whose pages came damaged;
`BoilerplatePipeline` strips the site's boilerplate from the
content and keeps cross-links and images; `TextPipeline` turns the clean content into the
`Article` the dataset holds; `ValidationPipeline` drops what fails the JSON Schema;
`DuplicatesPipeline` lets each post through once; `StatePipeline`, in a scheduled crawl, lets
through only what is new or changed since the last run. Every drop is logged with its reason and
counted in the stats under ``arrahmah/dropped/<reason>``.
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import urlsplit

import jsonschema_rs
from itemadapter import ItemAdapter
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem
from scrapy.statscollectors import StatsCollector

import arrahmah
from arrahmah.items import ARTICLE_FIELDS, Article, RawArticle, article_schema
from arrahmah.losses import Loss, LostItem
from arrahmah.prepare import body_text, strip_boilerplate
from arrahmah.suspects import SuspectLedger
from arrahmah.times import exact_published

logger = logging.getLogger(__name__)


class _StatsPipeline:
    """Base: a pipeline that counts what it does in the crawl's stats."""

    def __init__(self, stats: StatsCollector | None = None) -> None:
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> _StatsPipeline:
        return cls(crawler.stats)

    def process_item(self, item: Any) -> Any:
        """The item as this step makes it, or DropItem."""
        raise NotImplementedError

    def count(self, key: str, n: int = 1) -> None:
        if self.stats is not None and n:
            self.stats.inc_value(f"arrahmah/{key}", n)

    def report_suspects(self, kind: str, ledger: SuspectLedger) -> None:
        """Leave what ``ledger`` noted in the stats (``arrahmah/suspects/<kind>``)."""
        if self.stats is not None:
            self.stats.set_value(f"arrahmah/suspects/{kind}", ledger.report())

    def lose(self, loss: Loss) -> LostItem:
        """Count a drop that loses an article of the run, and return the exception."""
        self.count(f"dropped/{loss.reason}")
        return LostItem(loss)

    def drop(self, reason: str, detail: str, log_level: str | None = None) -> DropItem:
        """Count a drop under ``reason`` and return the exception that carries it."""
        self.count(f"dropped/{reason}")
        return DropItem(f"{reason}: {detail}", log_level=log_level)


class IntegrityPipeline(_StatsPipeline):
    """Drop an article a page of which cannot be trusted: cut off before its end, decoded in
    the wrong charset beyond repair, far shorter than it announces. The next run fetches it
    again. What was repaired to read it is counted (``arrahmah/repaired/<kind>``)."""

    def process_item(self, item: Any) -> Any:
        if not isinstance(item, RawArticle):
            return item
        for repair in item.repairs:
            self.count(f"repaired/{repair.split(':', 1)[0]}")
            logger.info("%s: repaired (%s)", item.url, repair)
        if item.damage:
            raise self.lose(Loss(item.url, "damaged", "; ".join(item.damage)))
        return item


class BoilerplatePipeline(_StatsPipeline):
    """Apply `boilerplate.RULES` to every page of a `RawArticle`'s content
    (`arrahmah.prepare.strip_boilerplate`; the page worker did it already for an article in
    one page: ``RawArticle.cleaned``).

    Counts what each rule removed (``arrahmah/boilerplate/<rule>``) and notes what looks like
    boilerplate no rule took in a `SuspectLedger`, reported at the end of the run
    (``arrahmah/suspects``).
    """

    def __init__(self, stats: StatsCollector | None = None, site_host: str | None = None) -> None:
        super().__init__(stats)
        self.site_host = site_host
        self.suspects = SuspectLedger()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> BoilerplatePipeline:
        base_url = crawler.settings.get("ARRAHMAH_BASE_URL") or ""
        return cls(crawler.stats, urlsplit(base_url).hostname)

    def process_item(self, item: Any) -> Any:
        if not isinstance(item, RawArticle):
            return item
        stripped = (
            item.cleaned.stripped if item.cleaned else strip_boilerplate(item, self.site_host)
        )
        for rule, n in stripped.removed.items():
            self.count(f"boilerplate/{rule}", n)
        self.suspects.add_link_blocks(item.url, stripped.suspects)
        return item

    def close_spider(self) -> None:
        """Leave the run's suspect link blocks in the stats, for the run report."""
        self.report_suspects("link_blocks", self.suspects)


class TextPipeline(_StatsPipeline):
    """Turn a cleaned `RawArticle` into an `Article`: body text and the fields derived from it
    (`arrahmah.prepare.body_text`, or what the page worker made of it).

    Notes the short paragraphs (headings aside) that recur verbatim across the run's articles,
    reported at the end of the run (``arrahmah/suspects/repeated``): a sign-off, a call to
    subscribe that no rule knows.
    """

    language = "id"

    def __init__(self, stats: StatsCollector | None = None) -> None:
        super().__init__(stats)
        self.suspects = SuspectLedger()

    def process_item(self, item: Any) -> Any:
        if not isinstance(item, RawArticle):
            return item
        body = item.cleaned.body if item.cleaned else body_text(item)
        self.suspects.add_article(item.url, body.paragraphs)
        return Article(
            url=item.url,
            post_id=item.post_id,  # type: ignore[arg-type]  # validated next
            title=item.title,  # type: ignore[arg-type]
            published_at=item.published_at,  # type: ignore[arg-type]
            modified_at=item.modified_at,
            author=item.author,
            categories=item.categories,
            category_paths=item.category_paths,
            tags=item.tags,
            dateline=body.dateline,
            body=body.text,
            related=item.related,
            images=item.images,
            comments_count=item.comments_count or 0,
            pages=item.pages,
            language=self.language,
            word_count=body.word_count,
            content_hash=body.content_hash,
            crawled_at=item.crawled_at,
            warc=item.sources,
            extractor=arrahmah.__version__,
        )

    def close_spider(self) -> None:
        """Leave the run's recurring paragraphs in the stats, for the run report."""
        self.report_suspects("repeated", self.suspects)


class ValidationPipeline(_StatsPipeline):
    """Drop, with a logged reason, every item that is not a valid `Article`."""

    def __init__(self, stats: StatsCollector | None = None) -> None:
        super().__init__(stats)
        self.validator = jsonschema_rs.validator_for(article_schema())

    def process_item(self, item: Any) -> Any:
        if not isinstance(item, Article):
            raise self.drop("not_an_article", f"{type(item).__name__} reached validation")
        # shallow (nested values are plain JSON already); the fields as ItemAdapter lists them
        data = {name: getattr(item, name) for name in ARTICLE_FIELDS}
        if not self.validator.is_valid(data):
            first = next(iter(self.validator.iter_errors(data)))
            where = "/".join(str(p) for p in first.instance_path) or "(item)"
            raise self.lose(Loss(item.url, "invalid", f"{where}: {first.message}"))
        self.count("items/valid")
        return item


class DuplicatesPipeline(_StatsPipeline):
    """Let each article through once, whatever URL it was reached by (an old slug, ``?p=ID``).

    The key is the canonical URL's path, which every way to an article ends at; a post id
    would serve as well on a WordPress site, but a mirror or synthetic site may reuse ids.
    """

    def __init__(self, stats: StatsCollector | None = None, crawler: Crawler | None = None) -> None:
        super().__init__(stats)
        self.crawler = crawler
        self.seen: set[str] = set()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> DuplicatesPipeline:
        return cls(crawler.stats, crawler)

    def _first(self, key: str) -> bool:
        ctx = getattr(self.crawler.spider, "run_context", None) if self.crawler else None
        if ctx is not None:  # a scheduled crawl: its ledger holds the keys, on disk
            return bool(ctx.ledger.first_emit(key))
        if key in self.seen:
            return False
        self.seen.add(key)
        return True

    def process_item(self, item: Any) -> Any:
        url = str((item.url if isinstance(item, Article) else ItemAdapter(item).get("url")) or "")
        if not self._first(urlsplit(url).path):
            raise self.drop("duplicate", url)
        return item


class StatePipeline(_StatsPipeline):
    """In a scheduled crawl: number each article's version against the crawl state.

    A new article is version 1; a changed one (text, URL or modification time) the next
    version, with its former URLs if it moved. One the state knows unchanged keeps its version
    and is marked unchanged (``arrahmah/unchanged``): it still reaches ``-o``/``-O`` feeds, but
    the run file, which holds what is new or changed, leaves it out. Without a run (a one-off
    fetch) items pass untouched.
    """

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler.stats)
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StatePipeline:
        return cls(crawler)

    def process_item(self, item: Any) -> Any:
        ctx = getattr(self.crawler.spider, "run_context", None)
        if ctx is None or not isinstance(item, Article):
            return item
        known = ctx.state.by_id(item.post_id)
        if known is None:
            item.version = 1
            return item

        item.published_at = exact_published(item.published_at, known.published_at)
        path = ctx.path_of(item.url)
        if known.last_run == ctx.run.run_id and known.path == path:
            raise self.drop("already_exported", f"{item.url} earlier in this run", "INFO")
        modified_same = None in (item.modified_at, known.modified_at) or (
            item.modified_at == known.modified_at
        )
        former = ctx.state.former_paths(item.post_id)
        if known.path != path:
            former.append(known.path)
        item.former_urls = [ctx.site.url(p) for p in sorted(set(former))]
        unchanged = known.content_hash == item.content_hash and known.path == path
        if unchanged and modified_same and known.status != "gone":
            ctx.state.record_seen(item.post_id)
            self.count("unchanged")
            item.version = known.version
            ctx.unchanged.add(item.post_id)
            return item
        item.version = known.version + 1
        return item
