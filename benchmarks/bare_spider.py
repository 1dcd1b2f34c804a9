"""The baseline of `benchmarks/crawl.py`: a bare Scrapy spider that walks the same site.

    scrapy runspider benchmarks/bare_spider.py -a base_url=http://127.0.0.1:8000

It follows the home listing's pagination and fetches every article a listing card links to,
without parsing it: what any crawler of the site must at least do. Same concurrency, user
agent, robots.txt and retries as the project's crawl against a local mirror (polite delays
off); Scrapy's defaults otherwise (memory queues, no job directory, no pipelines). Run it
outside the project's directory, or Scrapy loads the project's settings.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any, ClassVar

from scrapy import Request, Spider
from scrapy.http import Response


class BareSpider(Spider):
    """Listing pages → article pages, nothing else."""

    name = "bare"
    custom_settings: ClassVar[dict[str, Any]] = {
        "USER_AGENT": "arrahmah-crawler/0.1 (+https://github.com/arrahmah/arrahmah; news research)",
        "ROBOTSTXT_OBEY": True,
        "CONCURRENT_REQUESTS": 16,
        "CONCURRENT_REQUESTS_PER_DOMAIN": 16,
        "DOWNLOAD_DELAY": 0,
        "AUTOTHROTTLE_ENABLED": False,
        "COOKIES_ENABLED": False,
        "TELNETCONSOLE_ENABLED": False,
        "RETRY_TIMES": 4,
        "LOG_LEVEL": "INFO",
    }

    def __init__(self, base_url: str = "http://127.0.0.1:8000", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.base_url = base_url.rstrip("/")

    async def start(self) -> AsyncIterator[Request]:
        yield Request(self.base_url + "/", callback=self.parse_listing)

    def parse_listing(self, response: Response) -> Iterator[Request]:
        """Every card's article, and the listing's other pages."""
        for href in response.css("article.mh-loop-item .entry-title a::attr(href)").getall():
            yield response.follow(href, callback=self.parse_article)
        for href in response.css(".pagination a.page-numbers::attr(href)").getall():
            yield response.follow(href, callback=self.parse_listing)

    def parse_article(self, response: Response) -> None:
        """Fetched; counted by Scrapy's own stats (``response_received_count``)."""
        self.crawler.stats.inc_value("bare/articles")
