"""Typed items: what the page parser reads (`RawArticle`) and what the dataset holds (`Article`).

Both are dataclasses, read and written through ``itemadapter.ItemAdapter``. `Article` is the one
definition of the article's fields, each with its meaning and types (`arrahmah.schema`); the
JSON Schema beside this module, ``article.schema.json``, is generated from it
(``python tools/gen_docs.py``).
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import UTC, datetime
from functools import cache
from typing import Any

from arrahmah import markup
from arrahmah.markup import Element
from arrahmah.schema import column, defaults, json_schema, nullable, record


@dataclass
class RawArticle:
    """An article as its pages say it, before any cleaning.

    ``content`` holds the article's content element, one lxml tree per page, in page order;
    the pipelines clean it in place. Pickled (a request of a multi-page article in a JOBDIR
    queue), the trees travel as HTML. ``related`` and ``images`` start with what the parser
    found outside the content (the featured image) and are extended by the boilerplate rules.
    """

    url: str
    post_id: int | None
    title: str | None
    published_at: str | None
    modified_at: str | None
    author: str | None
    categories: list[str]
    category_paths: list[list[str]]
    tags: list[str]
    content: list[Element]
    images: list[dict[str, str | None]]
    comments_count: int | None
    pages: int
    crawled_at: str
    related: list[dict[str, str]] = field(default_factory=list)
    damage: list[str] = field(default_factory=list)  # why a page of it cannot be trusted
    repairs: list[str] = field(default_factory=list)  # what was mended to read it
    # where each page was read: its record in the run's WARC archive (see `arrahmah.archive`)
    sources: list[dict[str, Any]] = field(default_factory=list)
    # set when it was cleaned as it was read (`arrahmah.prepare`, in the page worker):
    # ``content`` is then empty and the cleaning pipelines take their results from here
    cleaned: Cleaned | None = None

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state["content"] = [markup.to_html(root, with_tail=False) for root in self.content]
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        state["content"] = [markup.parse_fragment(html)[0] for html in state["content"]]
        self.__dict__.update(state)


@dataclass
class Stripped:
    """What `BoilerplatePipeline` removed from an article: counts by rule, suspect blocks."""

    removed: dict[str, int]
    suspects: list[str]


@dataclass
class Body:
    """An article's body text, as `TextPipeline` makes it, and what is derived from it."""

    text: str
    paragraphs: list[str]  # headings aside: what the repeated-paragraph ledger counts
    dateline: str | None
    word_count: int
    content_hash: str


@dataclass
class Cleaned:
    """The cleaning pipelines' work on a `RawArticle`, done as it was read (`arrahmah.prepare`)."""

    stripped: Stripped
    body: Body


# JSON Schema fragments the fields share
HTTP_URL: dict[str, Any] = {"type": "string", "title": "URL", "pattern": r"^https?://[^\s]+$"}
SITE_TIME: dict[str, Any] = {
    "type": "string",
    "title": "ISO 8601",
    "pattern": r"^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2}))?$",
}
UTC_TIME: dict[str, Any] = {
    "type": "string",
    "title": "ISO 8601, UTC",
    "pattern": r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|\+00:00)$",
}
NAME: dict[str, Any] = {"type": "string", "minLength": 1}
COUNT: dict[str, Any] = {"type": "integer", "minimum": 0}
SITE_TIMEZONE = "Asia/Jakarta"  # the site's clock: its times and dates are read in this zone


def _object(**properties: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "object",
        "additionalProperties": False,
        "required": list(properties),
        "properties": properties,
    }


def _list(items: dict[str, Any]) -> dict[str, Any]:
    return {"type": "array", "items": items}


def _site_timestamp(pa: Any) -> Any:
    return pa.timestamp("ms", tz=SITE_TIMEZONE)


def _utc_timestamp(pa: Any) -> Any:
    return pa.timestamp("ms", tz="UTC")


def _int32(pa: Any) -> Any:
    return pa.int32()


@record
class Article:
    """One clean article: a line of a run file, a row of the dataset.

    The one definition of the article's fields: the JSON Schema (``article.schema.json``), the
    dataset's Parquet schema and the field tables of the README and the dataset card are made
    from it (`arrahmah.schema`). A field with a default may be missing from a run file written
    before it existed; it is read with its default.
    """

    url: str = column("canonical URL of the article's first page", HTTP_URL)
    post_id: int = column("WordPress post ID", {"type": "integer", "minimum": 1})
    title: str = column("headline as displayed (curly quotes, dashes kept)", NAME)
    published_at: str = column(
        "publication time in the site's time (Asia/Jakarta, `+07:00`) when the site gives it,"
        " else the date alone (`2020-10-09`); Parquet: null where only the date is known",
        SITE_TIME,
        arrow=_site_timestamp,
    )
    modified_at: str | None = column(
        "last modification, site time; null when unknown",
        nullable(SITE_TIME),
        arrow=_site_timestamp,
    )
    author: str | None = column("byline display name", nullable(NAME))
    categories: list[str] = column("category names, in page order", _list(NAME))
    category_paths: list[list[str]] = column(
        'each category as its path from the root (`[["Timur Tengah", "Suriah"]]`);'
        " empty where the crawl did not read the hierarchy",
        _list({**_list(NAME), "minItems": 1}),
        default_factory=list,
    )
    tags: list[str] = column("tag names, in page order", _list(NAME))
    dateline: str | None = column(
        'city of the opening dateline ("Moskow" from "Moskow, ARRAHMAHNEWS.COM – …");'
        " the body keeps the text as written",
        nullable(NAME),
    )
    body: str = column(
        "the text a reader reads: paragraphs, subheadings, list items, quotes, table rows"
        " (cells tab-separated), joined by a blank line; all pages of a multi-page article",
        {"type": "string"},
    )
    related: list[dict[str, str]] = column(
        'the "Baca:" / "Baca juga:" cross-links removed from the text, in page order',
        _list(_object(url=HTTP_URL, title={"type": "string"})),
    )
    images: list[dict[str, str | None]] = column(
        "featured image first, then body images in order; caption null when none",
        _list(_object(url=HTTP_URL, caption={"type": ["string", "null"]})),
    )
    comments_count: int = column("approved comments, as of the last fetch", COUNT, arrow=_int32)
    pages: int = column(
        "pages of the article (1 unless split)", {"type": "integer", "minimum": 1}, arrow=_int32
    )
    language: str = column(
        'language of the text, ISO 639-1 (`"id"`)',
        {"type": "string", "pattern": r"^[a-z]{2,3}(-[A-Za-z0-9]+)*$"},
    )
    word_count: int = column("words in `body`", COUNT, arrow=_int32)
    content_hash: str = column(
        "SHA-256 (hex) of title and body: changes when what a reader reads changes",
        {"type": "string", "pattern": r"^[0-9a-f]{64}$"},
    )
    crawled_at: str = column("when the page was fetched, UTC", UTC_TIME, arrow=_utc_timestamp)
    version: int = column(
        "1 for a post's first export, then + 1 for each changed version",
        {"type": "integer", "minimum": 1},
        arrow=_int32,
        default=1,
    )
    former_urls: list[str] = column(
        "URLs the post had before it moved to `url` (slug changes)",
        _list(HTTP_URL),
        default_factory=list,
    )
    warc: list[dict[str, Any]] = column(
        "the archived response records its pages were read from, page 1 first: archive file"
        " (`data/warc/`), WARC-Record-ID, byte offset; empty where the run kept no archive",
        _list(_object(file=NAME, record_id=NAME, offset=COUNT)),
        default_factory=list,
    )
    extractor: str | None = column(
        "version of the arrahmah package that extracted it (`0.2.0`); null in rows exported"
        " before it was recorded",
        nullable(NAME),
        default=None,
    )


def utc_now() -> str:
    """The current time in UTC, ISO 8601 to the second: what ``crawled_at`` holds."""
    return datetime.now(UTC).isoformat(timespec="seconds")


ARTICLE_FIELDS: tuple[str, ...] = tuple(f.name for f in fields(Article))
ARTICLE_DEFAULTS = defaults(Article)


def with_defaults(article: dict[str, Any]) -> dict[str, Any]:
    """An exported article read back, the fields it was written without given their defaults
    (in place): a run file written before a field existed reads as if it had it."""
    if len(article) < len(ARTICLE_FIELDS):  # else it has every field (or others: not valid)
        for name, default in ARTICLE_DEFAULTS.items():
            if name not in article:
                article[name] = default()
    return article


SCHEMA_ID = "https://github.com/arrahmah/arrahmah/article.schema.json"


@cache
def article_schema() -> dict[str, Any]:
    """The JSON Schema every exported article satisfies (``article.schema.json`` is its copy)."""
    return json_schema(
        Article,
        title="Article",
        description="One article of arrahmahnews.com, cleaned of the site's boilerplate.",
        id=SCHEMA_ID,
    )
