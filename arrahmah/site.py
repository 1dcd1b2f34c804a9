"""Where things are on the site: its URL scheme, relative to one configurable base URL.

WordPress permalinks on arrahmahnews.com are ``/YYYY/MM/DD/slug/``; a multi-page article goes on
at ``/YYYY/MM/DD/slug/N/``. Everything here is computed from ``ARRAHMAH_BASE_URL`` so that the
crawl works the same against the real site and against a mirror.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit, urlunsplit

DEFAULT_BASE_URL = "https://arrahmahnews.com"

_ARTICLE_PATH = re.compile(r"^/(\d{4})/(\d{2})/(\d{2})/([^/?#]+)/(?:(\d+)/)?$")
_LISTING_PATH = re.compile(r"^/(?:category/[^?#]+/)?(?:page/\d+/)?$")
_CATEGORY_PATH = re.compile(r"^/category/(?:(?!page/)[^/?#]+/)+$")


@dataclass(frozen=True)
class Site:
    """The site at one base URL: its host, and how its URLs are shaped."""

    base_url: str

    @classmethod
    def from_base_url(cls, base_url: str) -> Site:
        """Normalise ``base_url`` (scheme and host, no trailing slash) into a `Site`."""
        parts = urlsplit(base_url.strip())
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError(f"ARRAHMAH_BASE_URL must be an http(s) URL, got {base_url!r}")
        return cls(urlunsplit((parts.scheme, parts.netloc, parts.path.rstrip("/"), "", "")))

    @property
    def host(self) -> str:
        """The host name (without port) that spiders may crawl."""
        return urlsplit(self.base_url).hostname or ""

    def url(self, path: str) -> str:
        """The absolute URL of ``path`` on this site."""
        return urljoin(self.base_url + "/", path.lstrip("/"))

    def path_of(self, url: str) -> str | None:
        """The path of ``url`` below the base URL, or None when ``url`` is on another site."""
        parts, base = urlsplit(url), urlsplit(self.base_url)
        if parts.hostname != base.hostname or (parts.port or None) != (base.port or None):
            return None
        if not parts.path.startswith(base.path):
            return None
        path = parts.path[len(base.path) :] or "/"
        return path if path.startswith("/") else "/" + path

    def is_article_url(self, url: str) -> bool:
        """True for a permalink of a post (first page or a later page of it)."""
        path = self.path_of(url)
        return path is not None and not urlsplit(url).query and bool(_ARTICLE_PATH.match(path))

    def article_first_page(self, url: str) -> str:
        """The URL of page 1 of the article ``url`` (drops a trailing ``/N/`` page number)."""
        path = self.path_of(url)
        m = _ARTICLE_PATH.match(path or "")
        if not m or not m.group(5):
            return url.split("#", 1)[0]
        y, mo, d, slug, _ = m.groups()
        return self.url(f"/{y}/{mo}/{d}/{slug}/")

    def is_listing_url(self, url: str) -> bool:
        """True for the home listing, a category archive, or a page of either."""
        path = self.path_of(url)
        return path is not None and not urlsplit(url).query and bool(_LISTING_PATH.match(path))

    def is_category_url(self, url: str) -> bool:
        """True for the first page of a category archive."""
        path = self.path_of(url)
        return path is not None and not urlsplit(url).query and bool(_CATEGORY_PATH.match(path))

    def rest_posts_url(self, page: int, query: str = "", per_page: int = 100) -> str:
        """One page of the WordPress REST API's post listing (``query``: more parameters)."""
        extra = f"&{query}" if query else ""
        return self.url(f"/wp-json/wp/v2/posts?per_page={per_page}&page={page}{extra}")
