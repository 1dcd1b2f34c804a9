"""Scrapy contracts for the site (``scrapy check``): sample pages named by their path.

``@url`` would name the real site; ``@site_url PATH`` names the page on the site the crawl is
pointed at (``ARRAHMAH_BASE_URL``), so ``scrapy check -s ARRAHMAH_BASE_URL=…`` checks a mirror.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from scrapy.contracts import Contract

from arrahmah.site import DEFAULT_BASE_URL, Site


class SiteUrlContract(Contract):
    """``@site_url PATH``: the sample page at PATH of the configured site."""

    name = "site_url"

    def __init__(self, method: Callable[..., Any], *args: Any) -> None:
        super().__init__(method, *args)
        self.spider = getattr(method, "__self__", None)  # the bound callback's spider

    def adjust_request_args(self, args: dict[str, Any]) -> dict[str, Any]:
        site = getattr(self.spider, "site", None)
        path = self.args[0]
        args["url"] = (site or Site.from_base_url(DEFAULT_BASE_URL)).url(path)
        return args
