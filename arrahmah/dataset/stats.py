"""The dataset card's numbers, gathered row by row in one pass (call `Stats.finish` after)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from arrahmah.dataset.rows import ROW_FIELDS, STATUSES, DatasetRow
from arrahmah.schema import may_be_empty

MAY_BE_EMPTY = may_be_empty(DatasetRow)  # the fields whose fill rate is worth counting


def url_path(url: str) -> str:
    """The path of an http(s) URL (no query, no fragment)."""
    rest = url.partition("://")[2]
    slash = rest.find("/")
    path = rest[slash:] if slash >= 0 else "/"
    return path.partition("?")[0].partition("#")[0]


def url_origin(url: str) -> str:
    """``scheme://host[:port]`` of an http(s) URL."""
    end = url.find("/", url.find("://") + 3)
    return url if end < 0 else url[:end]


@dataclass
class Stats:
    """The card's numbers."""

    articles: int = 0
    status: Counter[str] = field(default_factory=Counter)
    edited: int = 0
    moved: int = 0
    date_only: int = 0  # published_at is a date alone: the site gave no time
    first: str | None = None  # published_date
    last: str | None = None
    first_crawled: str | None = None
    last_crawled: str | None = None
    origins: set[str] = field(default_factory=set)
    extractors: Counter[str] = field(default_factory=Counter)
    authors: Counter[str] = field(default_factory=Counter)
    categories: Counter[str] = field(default_factory=Counter)
    tags: Counter[str] = field(default_factory=Counter)
    months: Counter[str] = field(default_factory=Counter)
    month_status: Counter[tuple[str, str]] = field(default_factory=Counter)
    month_category: Counter[tuple[str, str]] = field(default_factory=Counter)
    filled: Counter[str] = field(default_factory=Counter)  # rows neither null nor empty
    empty: Counter[str] = field(default_factory=Counter)
    related_links: int = 0
    related_internal: int = 0
    linking_articles: int = 0
    _origin: str = field(default="\0", repr=False)
    linked: int = 0  # articles the related links point to
    _urls: set[str] = field(default_factory=set, repr=False)  # of the rows, and their former
    _targets: Counter[str] = field(default_factory=Counter, repr=False)  # URLs linked to

    def add(self, row: dict[str, Any]) -> None:
        """Count one row."""
        self.articles += 1
        status = row["status"]
        self.edited += row["version"] > 1
        self.moved += bool(row["former_urls"])
        self.date_only += len(row["published_at"]) == 10
        day, crawled = row["published_date"], row["crawled_at"]
        if self.first is None or day < self.first:
            self.first = day
        if self.last is None or day > self.last:
            self.last = day
        if self.first_crawled is None or crawled < self.first_crawled:
            self.first_crawled = crawled
        if self.last_crawled is None or crawled > self.last_crawled:
            self.last_crawled = crawled
        month = day[:7]
        self.month_status[month, status] += 1
        url = row["url"]
        if not url.startswith(self._origin):
            self._origin = url_origin(url) + "/"
            self.origins.add(self._origin[:-1])
        if row.get("extractor"):
            self.extractors[row["extractor"]] += 1
        if row["author"]:
            self.authors[row["author"]] += 1
        for name in row["categories"]:
            self.categories[name] += 1
            self.month_category[month, name] += 1
        self.tags.update(row["tags"])
        empty = self.empty
        for name in MAY_BE_EMPTY:
            if not row[name]:
                empty[name] += 1
        self._urls.add(url)
        self._urls.update(row["former_urls"])
        links = row["related"]
        if links:
            self.related_links += len(links)
            self.linking_articles += 1
            self._targets.update(link["url"] for link in links)

    def finish(self) -> Stats:
        """Resolve what needs every row seen: the link graph, the months, the fill rates."""
        paths = {url_path(url) for url in self._urls}  # an article is its path, on any host
        targets: Counter[str] = Counter()
        for url, n in self._targets.items():
            targets[url_path(url)] += n
        self.related_internal = sum(n for path, n in targets.items() if path in paths)
        self.linked = len(targets)
        self.months, self.status = Counter(), Counter()
        for (month, status), n in self.month_status.items():
            self.months[month] += n
            self.status[status] += n
        self.filled = Counter({name: self.articles - self.empty[name] for name in ROW_FIELDS})
        return self

    def top_categories(self, n: int) -> list[str]:
        """The ``n`` categories with the most articles (ties by name)."""
        ranked = sorted(self.categories.items(), key=lambda kv: (-kv[1], kv[0]))
        return [name for name, _ in ranked[:n]]

    def summary(self) -> dict[str, Any]:
        """The numbers, JSON-ready."""
        return {
            "articles": self.articles,
            **{status: self.status[status] for status in STATUSES},
            "edited": self.edited,
            "moved": self.moved,
            "published_date_only": self.date_only,
            "authors": len(self.authors),
            "categories": len(self.categories),
            "tags": len(self.tags),
            "first_published": self.first,
            "last_published": self.last,
            "first_crawled": self.first_crawled,
            "last_crawled": self.last_crawled,
            "related_links": self.related_links,
            "related_links_to_dataset_articles": self.related_internal,
            "articles_with_related_links": self.linking_articles,
            "linked_articles": self.linked,
        }


def stats_of(rows_in: Iterable[dict[str, Any]]) -> Stats:
    """The card's numbers of ``rows_in``."""
    stats = Stats()
    for row in rows_in:
        stats.add(row)
    return stats.finish()
