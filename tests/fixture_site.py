"""The project's own test site: the fixture articles served as a small WordPress would.

Article pages are the recorded pages in ``fixtures/pages`` (their origin rewritten to the
server's address); listings, category archives, the REST post index, the RSS feed, sitemaps,
``?p=ID`` shortlinks and redirects are generated from a `FixtureSite` model with the theme's
markup, so a test can change the site between two crawls (publish, edit, move, trash a post).

    with SiteServer(FixtureSite.from_fixtures()) as server:
        server.base_url  # http://127.0.0.1:PORT
"""

from __future__ import annotations

import gzip
import html
import json
import re
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "pages"
ORIGIN = "https://arrahmahnews.com"


@dataclass
class Post:
    """One post of the test site."""

    post_id: int
    path: str
    title: str
    pages: list[str]
    published: str
    modified: str
    categories: list[str]
    sticky: bool = False
    gone: bool = False
    former_paths: list[str] = field(default_factory=list)


def slugify(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


def _display_date(iso: str) -> str:
    """A date as the theme shows it: "October 9, 2020"."""
    dt = datetime.fromisoformat(iso)
    return f"{dt:%B} {dt.day}, {dt.year}"


def _gmt(local: str) -> str:
    dt = datetime.fromisoformat(local)
    return (dt.replace(tzinfo=None) - (dt.utcoffset() or timedelta())).isoformat()


@dataclass
class FixtureSite:
    """A WordPress-like site made of posts; every listing and index is derived from them."""

    posts: list[Post]
    wp_pages: dict[str, str] = field(default_factory=dict)
    per_page: int = 3
    rest_api: bool = True
    # like the replica: the REST index answers its default query only (no orderby, _fields)
    rest_plain_only: bool = False
    # path -> (status, body) served instead of the model's answer: broken pages, odd feeds
    overrides: dict[str, tuple[int, bytes]] = field(default_factory=dict)
    # a mirror that rewrites links but leaves canonical links naming the origin
    origin_canonical: bool = False
    # path -> (status, headers, body): whole answers, headers included (charsets, redirects)
    responses: dict[str, tuple[int, dict[str, str], bytes]] = field(default_factory=dict)
    # path prefixes robots.txt disallows
    robots_disallow: list[str] = field(default_factory=list)
    # more links on page 1 of the home listing, as article cards (offsite ones, odd ones)
    extra_cards: list[str] = field(default_factory=list)
    # posts the REST index does not list
    unindexed: set[int] = field(default_factory=set)

    @classmethod
    def from_fixtures(cls, directory: Path = FIXTURES, per_page: int = 3) -> FixtureSite:
        """The site of every article fixture, plus the WordPress Page fixture."""
        posts, wp_pages = [], {}
        for entry in json.loads((directory / "manifest.json").read_text("utf-8")):
            pages = [(directory / name).read_text("utf-8") for name in entry["pages"]]
            path = urlsplit(entry["url"]).path
            expected = json.loads((directory / f"{entry['name']}.expected.json").read_text("utf-8"))
            if expected is None:
                if entry["name"] == "wp-page":
                    wp_pages[path] = pages[0]
                continue
            posts.append(
                Post(
                    post_id=expected["post_id"],
                    path=path,
                    title=expected["title"],
                    pages=pages,
                    published=entry["published"],
                    modified=entry["modified"],
                    categories=expected["categories"],
                    sticky=entry.get("sticky", False),
                )
            )
        return cls(posts=posts, wp_pages=wp_pages, per_page=per_page)

    # ---- the model ------------------------------------------------------------------------
    def live(self) -> list[Post]:
        """Published posts, newest first."""
        return sorted(
            (p for p in self.posts if not p.gone), key=lambda p: p.published, reverse=True
        )

    def listing_paths(self) -> set[str]:
        """Every page of the home listing and of each category archive."""
        paths = set()
        prefixes = {"/": len(self.live())}
        for post in self.live():
            for name in post.categories:
                key = f"/category/{slugify(name)}/"
                prefixes[key] = prefixes.get(key, 0) + 1
        for prefix, count in prefixes.items():
            for n in range(1, -(-count // self.per_page) + 1):
                paths.add(prefix if n == 1 else f"{prefix}page/{n}/")
        return paths

    def post(self, post_id: int) -> Post:
        return next(p for p in self.posts if p.post_id == post_id)

    def edit(self, post_id: int, old: str, new: str, modified: str) -> None:
        """Replace text in a post's first page and move its modification time."""
        post = self.post(post_id)
        assert old in post.pages[0], old
        post.pages[0] = post.pages[0].replace(old, new, 1)
        post.modified = modified

    def move(self, post_id: int, new_slug: str, modified: str) -> str:
        """Give a post a new slug; the old URL redirects. Returns the new path."""
        post = self.post(post_id)
        old = post.path
        new = re.sub(r"[^/]+/$", f"{new_slug}/", old)
        post.pages = [page.replace(old, new) for page in post.pages]
        post.former_paths.append(old)
        post.path, post.modified = new, modified
        return new

    def publish(self, template_id: int, post_id: int, slug: str, published: str) -> Post:
        """A new post made from an existing one's page under a new id, slug, date and title."""
        src = self.post(template_id)
        shown, new_shown = _display_date(src.published), _display_date(published)
        day = published[:10].replace("-", "/")
        path = f"/{day}/{slug}/"
        title = f"{src.title} ({post_id})"
        pages = [
            page.replace(src.path, path)
            .replace(f"post-{src.post_id}", f"post-{post_id}")
            .replace(f"postid-{src.post_id}", f"postid-{post_id}")
            .replace(f"?p={src.post_id}", f"?p={post_id}")
            .replace(f">{src.title}<", f">{title}<")
            .replace(f">{shown}<", f">{new_shown}<")
            for page in src.pages
        ]
        post = Post(post_id, path, title, pages, published, published, list(src.categories))
        self.posts.append(post)
        return post

    # ---- routing ----------------------------------------------------------------------------
    def route(self, target: str, base: str) -> tuple[int, dict[str, str], bytes]:
        """Status, headers and body for a request target (path and query)."""
        parts = urlsplit(target)
        path, query = parts.path, parse_qs(parts.query)
        if target in self.overrides:
            status, body = self.overrides[target]
            return status, {"Content-Type": "application/octet-stream"}, body
        if target in self.responses:
            status, headers, body = self.responses[target]
            headers = {k: v.replace("{base}", base) for k, v in headers.items()}
            return status, headers, body.replace(ORIGIN.encode(), base.encode())
        if path == "/robots.txt":
            disallow = "".join(f"Disallow: {p}\n" for p in ["/wp-admin/", *self.robots_disallow])
            text = f"User-agent: *\n{disallow}\nSitemap: {base}/wp-sitemap.xml\n"
            return self._text(text, "text/plain")
        if path == "/" and "p" in query:
            return self._shortlink(int(query["p"][0]), base)
        if path.startswith("/wp-json/"):
            if not self.rest_api:
                return self._not_found()
            if path == "/wp-json/wp/v2/posts":
                return self._rest(query, base)
            one = re.match(r"^/wp-json/wp/v2/posts/(\d+)$", path)
            if one and not self.rest_plain_only:
                return self._rest_record(int(one.group(1)), base)
            return self._not_found()
        if path == "/feed/":
            return self._feed(base)
        if path == "/wp-sitemap.xml":
            return self._sitemap_index(base)
        if path == "/wp-sitemap-posts-post-1.xml":
            return self._sitemap(base)
        if path in self.wp_pages:
            return self._html(self.wp_pages[path], base)
        m = re.match(r"^(/(?:category/[a-z0-9-]+/)?)(?:page/(\d+)/)?$", path)
        if m:
            return self._listing(m.group(1), int(m.group(2) or 1), base)
        for post in self.posts:
            if post.gone:
                continue
            if path in post.former_paths:
                return 301, {"Location": base + post.path}, b""
            for n, page in enumerate(post.pages, start=1):
                if path == (post.path if n == 1 else f"{post.path}{n}/"):
                    return self._html(page, base)
        return self._not_found()

    def _text(self, text: str, ctype: str, status: int = 200) -> tuple[int, dict[str, str], bytes]:
        return status, {"Content-Type": f"{ctype}; charset=UTF-8"}, text.encode("utf-8")

    def _html(self, page: str, base: str) -> tuple[int, dict[str, str], bytes]:
        page = page.replace(ORIGIN, base)
        if self.origin_canonical:
            page = page.replace(f'rel="canonical" href="{base}', f'rel="canonical" href="{ORIGIN}')
        return self._text(page, "text/html")

    def _not_found(self) -> tuple[int, dict[str, str], bytes]:
        page = "<!DOCTYPE html><html><body class='error404'><h1>Page not found</h1></body></html>"
        return self._text(page, "text/html", 404)

    def _shortlink(self, post_id: int, base: str) -> tuple[int, dict[str, str], bytes]:
        for post in self.posts:
            if post.post_id == post_id and not post.gone:
                return 301, {"Location": base + post.path}, b""
        return self._not_found()

    def _listing(self, prefix: str, page: int, base: str) -> tuple[int, dict[str, str], bytes]:
        posts = self.live()
        if prefix.startswith("/category/"):
            slug = prefix.split("/")[2]
            posts = [p for p in posts if slug in {slugify(c) for c in p.categories}]
            if not posts:
                return self._not_found()
        pages = max(1, -(-len(posts) // self.per_page))
        if page > pages:
            return self._not_found()
        shown = posts[(page - 1) * self.per_page : page * self.per_page]
        if prefix == "/" and page == 1:
            shown = [p for p in posts if p.sticky] + shown
        extra = "".join(
            f'<article class="mh-loop-item post type-post"><h3 class="entry-title mh-loop-title">'
            f'<a href="{href.replace("{base}", base)}">Tautan</a></h3></article>\n'
            for href in (self.extra_cards if prefix == "/" and page == 1 else [])
        )
        cards = extra + "".join(
            f'<article class="mh-loop-item mh-clearfix post-{p.post_id} post type-post'
            f' status-publish{" sticky" if p.sticky and prefix == "/" else ""} hentry">'
            f'<div class="mh-loop-content mh-clearfix"><header class="mh-loop-header">'
            f'<h3 class="entry-title mh-loop-title"><a href="{base}{p.path}" rel="bookmark">'
            f"{html.escape(p.title)}</a></h3></header></div></article>\n"
            for p in shown
        )
        links = []
        for n in range(1, pages + 1):
            href = f"{base}{prefix}" + ("" if n == 1 else f"page/{n}/")
            if n == page:
                links.append(f'<span aria-current="page" class="page-numbers current">{n}</span>')
            else:
                links.append(f'<a class="page-numbers" href="{href}">{n}</a>')
        if page < pages:
            links.append(
                f'<a class="next page-numbers" href="{base}{prefix}page/{page + 1}/">»</a>'
            )
        categories = sorted({c for p in self.live() for c in p.categories})
        menu = "".join(
            f'<li><a href="{base}/category/{slugify(c)}/">{html.escape(c)}</a></li>'
            for c in categories
        )
        menu += "".join(f'<li><a href="{base}{path}">Page</a></li>' for path in self.wp_pages)
        body = (
            '<!DOCTYPE html><html lang="en-US"><head><meta charset="UTF-8">'
            "<title>Arrahmahnews</title></head>"
            f'<body class="{"home blog" if prefix == "/" else "archive category"}">'
            f'<nav class="mh-navigation"><ul class="menu">{menu}</ul></nav>'
            f'<div id="main-content" class="mh-loop mh-content">{cards}'
            '<div class="mh-loop-pagination mh-clearfix"><nav class="navigation pagination">'
            f'<div class="nav-links">{" ".join(links)}</div></nav></div></div></body></html>'
        )
        return self._text(body, "text/html")

    def _rest(self, query: dict[str, list[str]], base: str) -> tuple[int, dict[str, str], bytes]:
        if self.rest_plain_only and set(query) - {"per_page", "page"}:
            return self._not_found()
        per_page = min(100, int(query.get("per_page", ["10"])[0]))
        page = int(query.get("page", ["1"])[0])
        posts = [p for p in self.live() if p.post_id not in self.unindexed]
        if query.get("orderby") == ["modified"]:
            posts.sort(key=lambda p: p.modified, reverse=query.get("order") != ["asc"])
        total_pages = max(1, -(-len(posts) // per_page))
        if page > total_pages:
            return self._text('{"code":"rest_post_invalid_page_number"}', "application/json", 400)
        entries = [self._entry(p, base) for p in posts[(page - 1) * per_page : page * per_page]]
        if "_fields" in query:
            keep = set(query["_fields"][0].split(","))
            entries = [{k: v for k, v in e.items() if k in keep} for e in entries]
        status, headers, body = self._text(json.dumps(entries), "application/json")
        headers.update({"X-WP-Total": str(len(posts)), "X-WP-TotalPages": str(total_pages)})
        return status, headers, body

    def _entry(self, p: Post, base: str) -> dict[str, Any]:
        return {
            "id": p.post_id,
            "date": p.published[:19],
            "date_gmt": _gmt(p.published),
            "modified": p.modified[:19],
            "modified_gmt": _gmt(p.modified),
            "link": base + p.path,
            "title": {"rendered": html.escape(p.title)},
            "sticky": p.sticky,
            "type": "post",
        }

    def _rest_record(self, post_id: int, base: str) -> tuple[int, dict[str, str], bytes]:
        for post in self.live():
            if post.post_id == post_id:
                return self._text(json.dumps(self._entry(post, base)), "application/json")
        return self._text('{"code":"rest_post_invalid_id"}', "application/json", 404)

    def _feed(self, base: str) -> tuple[int, dict[str, str], bytes]:
        items = "".join(
            f"<item><title>{html.escape(p.title)}</title><link>{base}{p.path}</link>"
            f"<pubDate>{format_datetime(datetime.fromisoformat(p.published))}</pubDate>"
            f'<guid isPermaLink="false">{base}/?p={p.post_id}</guid></item>'
            for p in self.live()[:10]
        )
        rss = (
            '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel>'
            f"<title>Arrahmahnews</title><link>{base}</link>{items}</channel></rss>"
        )
        status, headers, body = self._text(rss, "application/rss+xml")
        modified = max((datetime.fromisoformat(p.modified) for p in self.live()), default=None)
        if modified is not None:  # as WordPress: the latest edit or publication of any post
            headers["Last-Modified"] = format_datetime(modified.astimezone(UTC), usegmt=True)
        return status, headers, body

    def _sitemap_index(self, base: str) -> tuple[int, dict[str, str], bytes]:
        xml = (
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
            f"<sitemap><loc>{base}/wp-sitemap-posts-post-1.xml</loc></sitemap></sitemapindex>"
        )
        return self._text(xml, "application/xml")

    def _sitemap(self, base: str) -> tuple[int, dict[str, str], bytes]:
        urls = "".join(f"<url><loc>{base}{p.path}</loc></url>" for p in self.live())
        xml = (
            '<?xml version="1.0" encoding="UTF-8"?>'
            f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{urls}</urlset>'
        )
        return self._text(xml, "application/xml")


class SiteServer:
    """Serve a `FixtureSite` on 127.0.0.1 in a background thread; logs every request target."""

    def __init__(
        self, site: FixtureSite, delay: float = 0.0, flaky: bool = False, compress: bool = False
    ) -> None:
        self.site = site
        self.delay = delay  # seconds before each answer, to give a test time to act mid-crawl
        self.flaky = flaky  # every path answers 503 the first time it is asked
        self.compress = compress  # gzip bodies for clients that accept it, as most sites do
        self.requests: list[str] = []
        self.accept_encodings: set[str] = set()  # what clients said they accept
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                if server.delay:
                    time.sleep(server.delay)
                with server._lock:
                    first_time = self.path not in server.requests
                    server.requests.append(self.path)
                if server.flaky and first_time and self.path != "/robots.txt":
                    status, headers, body = 503, {"Retry-After": "0"}, b"busy"
                else:
                    status, headers, body = server.site.route(self.path, server.base_url)
                since = self.headers.get("If-Modified-Since")
                if since and status == 200 and headers.get("Last-Modified") == since:
                    status, body = 304, b""  # a conditional request for what did not change
                accepted = self.headers.get("Accept-Encoding", "")
                server.accept_encodings.add(accepted)
                if server.compress and body and "gzip" in accepted:
                    body = gzip.compress(body)
                    headers = {**headers, "Content-Encoding": "gzip"}
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.base_url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self._thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> SiteServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def take_requests(self) -> list[str]:
        """The request targets since the last call, in arrival order."""
        with self._lock:
            taken, self.requests = self.requests, []
        return taken
