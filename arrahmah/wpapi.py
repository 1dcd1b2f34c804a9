"""What the WordPress REST API says about posts: ``/wp-json/wp/v2/posts?per_page=100&page=N``.

Article pages show only the publication date; the REST listing gives every post's exact
publication and modification times (``date``/``modified`` in site time, ``*_gmt`` in UTC, from
which the site's UTC offset follows), its ID and its current link.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class PostMeta:
    """One post as the REST API lists it."""

    post_id: int
    link: str
    published_at: str
    modified_at: str | None


def _with_offset(local: object, gmt: object, zone: ZoneInfo) -> str | None:
    """``local`` site time as ISO 8601 with its UTC offset: the one ``gmt`` implies, else
    the site time zone's."""
    if not isinstance(local, str) or not local:
        return None
    try:
        local_dt = datetime.fromisoformat(local)
    except ValueError:
        return None
    if local_dt.tzinfo is not None:
        return local_dt.isoformat()
    try:
        offset = local_dt - datetime.fromisoformat(gmt) if isinstance(gmt, str) else None
    except ValueError:
        offset = None
    if offset is None or abs(offset) > timedelta(hours=14):
        return local_dt.replace(tzinfo=zone).isoformat()
    return local_dt.replace(tzinfo=timezone(offset)).isoformat()


def parse_posts(body: bytes | str, site_timezone: str = "Asia/Jakarta") -> list[PostMeta]:
    """Posts of one REST listing page; raises ValueError when the body is not such a listing.

    Times come with the offset their ``*_gmt`` twin implies, else ``site_timezone``'s.
    """
    zone = ZoneInfo(site_timezone)
    data = json.loads(body)
    if not isinstance(data, list):
        raise ValueError("the REST posts listing is not a JSON array")
    posts = []
    for entry in data:
        post = _post(entry, zone)
        if post is not None:
            posts.append(post)
    return posts


def parse_post(body: bytes | str, site_timezone: str = "Asia/Jakarta") -> PostMeta | None:
    """One post's own REST record (``/wp-json/wp/v2/posts/ID``); None when it is not one."""
    try:
        data = json.loads(body)
    except ValueError:
        return None
    return _post(data, ZoneInfo(site_timezone))


def _post(entry: object, zone: ZoneInfo) -> PostMeta | None:
    if not isinstance(entry, dict) or not isinstance(entry.get("id"), int):
        return None
    published = _with_offset(entry.get("date"), entry.get("date_gmt"), zone)
    if not published or not isinstance(entry.get("link"), str):
        return None  # an entry the index cannot vouch for: the page tells its date
    return PostMeta(
        post_id=entry["id"],
        link=entry["link"],
        published_at=published,
        modified_at=_with_offset(entry.get("modified"), entry.get("modified_gmt"), zone),
    )


# The fields the crawl reads: asking for these alone makes an index page ~30x smaller.
FIELDS = "_fields=id,date,date_gmt,modified,modified_gmt,link"
# Ways to ask for the index, the first one that answers wins; the last is WordPress's default.
QUERIES = {
    # incremental runs: most recently modified first, so a run reads until what it knows
    "recent": f"orderby=modified&order=desc&{FIELDS}",
    # full runs: every post, lean
    "lean": FIELDS,
    # any WordPress (and a mirror that answers only the default query)
    "plain": "",
}


def modified_before(posts: list[PostMeta], mark: str) -> bool:
    """True when some post of ``posts`` was last modified at or before ``mark``."""
    limit = datetime.fromisoformat(mark)
    return any(
        p.modified_at is not None and datetime.fromisoformat(p.modified_at) <= limit for p in posts
    )


def total_posts(headers_value: bytes | str | None) -> int | None:
    """``X-WP-Total`` (how many posts the site publishes) as an int, None when absent."""
    if isinstance(headers_value, bytes):
        headers_value = headers_value.decode("latin-1")
    try:
        return int(headers_value) if headers_value is not None else None
    except ValueError:
        return None


def total_pages(headers_value: bytes | str | None) -> int:
    """``X-WP-TotalPages`` as an int (1 when absent or unreadable)."""
    if isinstance(headers_value, bytes):
        headers_value = headers_value.decode("latin-1")
    try:
        return max(1, int(headers_value or 1))
    except ValueError:
        return 1
