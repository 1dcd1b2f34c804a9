"""What the WordPress REST API says about posts: ``/wp-json/wp/v2/posts?per_page=100&page=N``.

Article pages show only the publication date; the REST listing gives every post's exact
publication and modification times (``date``/``modified`` in site time, ``*_gmt`` in UTC, from
which the site's UTC offset follows), its ID and its current link.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class PostMeta:
    """One post as the REST API lists it."""

    post_id: int
    link: str
    published_at: str
    modified_at: str | None
    sticky: bool = False


def _with_offset(local: str | None, gmt: str | None) -> str | None:
    """``local`` site time as ISO 8601 with the UTC offset that ``gmt`` implies."""
    if not local:
        return None
    try:
        local_dt = datetime.fromisoformat(local)
    except ValueError:
        return None
    if local_dt.tzinfo is not None:
        return local_dt.isoformat()
    try:
        offset = local_dt - datetime.fromisoformat(gmt) if gmt else None
    except ValueError:
        offset = None
    if offset is None or abs(offset) > timedelta(hours=14):
        return local_dt.isoformat()  # no offset known: the local time, as the site gives it
    minutes = round(offset.total_seconds() / 60)
    sign = "+" if minutes >= 0 else "-"
    hours, mins = divmod(abs(minutes), 60)
    return f"{local_dt.isoformat()}{sign}{hours:02d}:{mins:02d}"


def parse_posts(body: bytes | str) -> list[PostMeta]:
    """Posts of one REST listing page; raises ValueError when the body is not such a listing."""
    data = json.loads(body)
    if not isinstance(data, list):
        raise ValueError("the REST posts listing is not a JSON array")
    posts = []
    for entry in data:
        if not isinstance(entry, dict) or not isinstance(entry.get("id"), int):
            continue
        published = _with_offset(entry.get("date"), entry.get("date_gmt"))
        if not published or not entry.get("link"):
            continue
        posts.append(
            PostMeta(
                post_id=entry["id"],
                link=str(entry["link"]),
                published_at=published,
                modified_at=_with_offset(entry.get("modified"), entry.get("modified_gmt")),
                sticky=bool(entry.get("sticky")),
            )
        )
    return posts


def total_pages(headers_value: bytes | str | None) -> int:
    """``X-WP-TotalPages`` as an int (1 when absent or unreadable)."""
    if isinstance(headers_value, bytes):
        headers_value = headers_value.decode("latin-1")
    try:
        return max(1, int(headers_value or 1))
    except ValueError:
        return 1
