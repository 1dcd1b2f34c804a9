"""Where things are on the site: its URL scheme, relative to one configurable base URL.

WordPress permalinks on arrahmahnews.com are ``/YYYY/MM/DD/slug/``; a multi-page article goes on
at ``/YYYY/MM/DD/slug/N/``. Everything here is computed from ``ARRAHMAH_BASE_URL`` so that the
crawl works the same against the real site and against a mirror.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from urllib.parse import urljoin, urlsplit, urlunsplit

DEFAULT_BASE_URL = "https://arrahmahnews.com"

_ARTICLE_PATH = re.compile(r"^/(\d{4})/(\d{2})/(\d{2})/([^/?#]+)/(?:(\d+)/)?$")
_LISTING_PATH = re.compile(r"^/(?:category/[^?#]+/)?(?:page/\d+/)?$")
_CATEGORY_PATH = re.compile(r"^/category/(?:(?!page/)[^/?#]+/)+$")
# What an editor may have typed for a link to a post: the permalink with or without its last
# slash (or a later page of it, or its AMP version), or the ``?p=ID`` shortlink. Day archives
# (``/2020/10/09/``, ``/2020/10/09/page/2/``) are not posts.
_PERMALINK_PATH = re.compile(r"^/\d{4}/\d{2}/\d{2}/(?!page/\d)[^/?#]+(?:/(?:\d+/?|amp/?)?)?$")
_SHORTLINK_QUERY = re.compile(r"(?:^|&)p=\d+(?:&|$)")


def host_key(host: str | None) -> str:
    """A host name as links to one site may spell it: lower case, without ``www.``."""
    host = (host or "").lower().rstrip(".")
    return host[4:] if host.startswith("www.") else host


_HOST = re.compile(r"^[a-z][a-z0-9+.-]*://(?:[^/?#@]*@)?([^/?#:]+)", re.IGNORECASE)
_POST_PATH = re.compile(r"^[a-z][a-z0-9+.-]*://[^/?#]+(/\d{4}/\d{2}/\d{2}/[^/?#]+)", re.I)
_REAL_HOST = host_key(urlsplit(DEFAULT_BASE_URL).hostname)


def host_of(url: str) -> str | None:
    """The host name of an absolute ``url`` (None when it has none)."""
    m = _HOST.match(url.strip())
    return m.group(1) if m else None


@cache
def _site_url_pattern(hosts: tuple[str | None, ...]) -> re.Pattern[str]:
    """An absolute URL on one of ``hosts`` (or the site's real address), as one regex: links
    are tested by the thousand."""
    names = "|".join(re.escape(h) for h in sorted({host_key(h) for h in (_REAL_HOST, *hosts) if h}))
    return re.compile(
        rf"^\s*https?://(?:www\.)?(?:{names})\.?(?::\d+)?(?P<path>/[^?#\s]*)?"
        r"(?:\?(?P<query>[^#\s]*))?(?:#\S*)?\s*$",
        re.IGNORECASE,
    )


class ArticleLinks:
    """Tells whether a link leads to an article of the site.

    Fourteen years of editors typed links by hand: ``http`` or ``https``, with or without
    ``www.``, the permalink with or without its last slash, the ``?p=ID`` shortlink. Any of the
    ``hosts`` counts as the site (the configured base URL's, a mirror's own), and so does the
    site's real address, which a mirror's pages may still name. Links to the article
    ``itself`` (its other pages) are not links to an article.
    """

    def __init__(self, hosts: Iterable[str | None], itself: str | None = None) -> None:
        self._url = _site_url_pattern(tuple(hosts))
        own = _POST_PATH.match(itself or "")
        self.own_path = own.group(1) + "/" if own else None

    def __call__(self, url: str) -> bool:
        """True when ``url`` (absolute) is a permalink or shortlink of a post of the site."""
        m = self._url.match(url)
        if m is None:
            return False
        path = m.group("path") or "/"
        if _PERMALINK_PATH.match(path):
            return not (self.own_path and (path + "/").startswith(self.own_path))
        return path == "/" and bool(_SHORTLINK_QUERY.search(m.group("query") or ""))


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
        if "/category/" not in url:
            return False  # most links of a listing: no need to take them apart
        path = self.path_of(url)
        return path is not None and not urlsplit(url).query and bool(_CATEGORY_PATH.match(path))

    def rest_posts_url(self, page: int, query: str = "", per_page: int = 100) -> str:
        """One page of the WordPress REST API's post listing (``query``: more parameters)."""
        extra = f"&{query}" if query else ""
        return self.url(f"/wp-json/wp/v2/posts?per_page={per_page}&page={page}{extra}")
