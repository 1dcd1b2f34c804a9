"""The structured data a page carries anywhere in it: ``meta`` and ``link`` tags, JSON-LD
scripts (an SEO plugin's), and its ``article`` elements, found in one pass over the tree."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from arrahmah.markup import Element

ARTICLE_TYPES = {"Article", "NewsArticle", "BlogPosting", "ReportageNewsArticle"}


@dataclass
class Scan:
    """What one pass over a page found (see `scan`)."""

    metas: dict[str, list[str]] = field(default_factory=dict)
    links: list[tuple[list[str], str | None, str]] = field(default_factory=list)
    jsonld: list[str] = field(default_factory=list)
    articles: list[Element] = field(default_factory=list)


def scan(root: Element) -> Scan:
    """One pass over the page for what lies anywhere in it: meta and link tags, JSON-LD
    scripts, article elements (a page is a large tree: each walk of it costs)."""
    found = Scan()
    for el in root.iter("meta", "link", "script", "article"):
        tag = el.tag
        if tag == "meta":
            key = el.get("property") or el.get("name")
            content = (el.get("content") or "").strip()
            if key and content:
                found.metas.setdefault(key, []).append(content)
        elif tag == "link":
            href = el.get("href")
            if href:
                found.links.append(((el.get("rel") or "").lower().split(), el.get("type"), href))
        elif tag == "script":
            if el.get("type") == "application/ld+json":
                found.jsonld.append(el.text or "")
        else:
            found.articles.append(el)
    return found


def article_node(scripts: list[str]) -> dict[str, Any]:
    """The JSON-LD Article object of a page's scripts, or {} when there is none."""
    for script in scripts:
        try:
            data = json.loads(script)
        except ValueError:
            continue
        for node in _jsonld_nodes(data):
            types = node.get("@type")
            types = set(types) if isinstance(types, list) else {types}
            if types & ARTICLE_TYPES:
                return node
    return {}


def _jsonld_nodes(data: Any) -> Iterator[dict[str, Any]]:
    if isinstance(data, list):
        for item in data:
            yield from _jsonld_nodes(item)
    elif isinstance(data, dict):
        yield data
        if "@graph" in data:
            yield from _jsonld_nodes(data["@graph"])
