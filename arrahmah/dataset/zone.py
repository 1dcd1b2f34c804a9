"""The dataset's time rule: the site's times (``published_at``, ``modified_at``) in the site's
zone, Asia/Jakarta (``+07:00``), whatever offset a run file wrote them with."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from arrahmah.items import SITE_TIMEZONE

SITE_ZONE = ZoneInfo(SITE_TIMEZONE)
_SITE_OFFSET = datetime(2020, 1, 1, tzinfo=SITE_ZONE).isoformat()[-6:]  # "+07:00"


def site_time(value: str | None) -> str | None:
    """An ISO time in the site's zone (a date alone, or None, as it is)."""
    if value is None or len(value) == 10 or value.endswith(_SITE_OFFSET):
        return value
    return datetime.fromisoformat(value).astimezone(SITE_ZONE).isoformat()


def in_site_zone(article: dict[str, Any]) -> dict[str, Any]:
    """``article`` with its site times in the site's zone (in place)."""
    article["published_at"] = site_time(article["published_at"])
    article["modified_at"] = site_time(article["modified_at"])
    return article
