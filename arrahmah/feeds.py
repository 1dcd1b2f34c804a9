"""What the site's machine-readable indexes say: the RSS feed and the XML sitemaps.

The feed gives the exact publication time (``pubDate``) of the newest posts; the sitemaps
(WordPress core's ``/wp-sitemap.xml`` or a plugin's) list every post URL.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from email.utils import parsedate_to_datetime
from zoneinfo import ZoneInfo

from lxml import etree

_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, recover=True, huge_tree=False)


@dataclass(frozen=True)
class FeedEntry:
    """One post of the RSS feed."""

    link: str
    published_at: str


def _local(tag: object) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _parse_xml(body: bytes) -> etree._Element:
    """The root of an XML document; ValueError for anything that is not one."""
    try:
        root = etree.fromstring(body, _PARSER)
    except etree.LxmlError as exc:
        raise ValueError(f"not XML: {exc}") from None
    if root is None:
        raise ValueError("not XML")
    return root


def parse_rss(body: bytes, timezone: str) -> list[FeedEntry]:
    """Posts of an RSS 2.0 feed; ``pubDate`` given as ISO 8601 in the site's ``timezone``."""
    root = _parse_xml(body)
    zone = ZoneInfo(timezone)
    entries = []
    for item in root.iter("item"):
        fields = {_local(child.tag): (child.text or "").strip() for child in item}
        try:
            when: datetime = parsedate_to_datetime(fields.get("pubDate", ""))
        except (TypeError, ValueError):
            continue
        if not fields.get("link") or when.tzinfo is None:
            continue
        entries.append(FeedEntry(fields["link"], when.astimezone(zone).isoformat()))
    return entries


def parse_sitemap(body: bytes) -> tuple[list[str], list[str]]:
    """``(child sitemaps, page URLs)`` of a sitemap index or URL set."""
    root = _parse_xml(body)
    sitemaps: list[str] = []
    urls: list[str] = []
    for el in root.iter():
        if _local(el.tag) != "loc" or not el.text:
            continue
        parent = _local(el.getparent().tag) if el.getparent() is not None else ""
        (sitemaps if parent == "sitemap" else urls).append(el.text.strip())
    return sitemaps, urls
