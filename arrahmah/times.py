"""When a post was published and modified, beyond the date its page shows.

Article pages show the date alone ("October 9, 2020"). The REST API's post index gives every
post's exact publication and modification times; without it, the RSS feed gives the exact
publication time of the newest posts; failing both, an exact time an earlier run learnt for the
same date still stands. The crawl, the dataset build (times a later run learnt) and
``arrahmah reextract`` apply them here alike.
"""

from __future__ import annotations

from collections.abc import MutableMapping
from dataclasses import dataclass, field

from arrahmah.items import RawArticle
from arrahmah.wpapi import PostMeta


@dataclass
class ExactTimes:
    """What the site's indexes said, as one run read them."""

    # the REST index, by post id (a crawl keeps it on disk: `arrahmah.ledger.RunLedger.posts`)
    posts: MutableMapping[int, PostMeta] = field(default_factory=dict)
    feed: dict[str, str] = field(default_factory=dict)  # the feed: path -> publication time

    def apply(self, raw: RawArticle, path: str | None) -> None:
        """Give ``raw`` (an article at ``path`` on the site) the exact times its post has."""
        meta = self.posts.get(raw.post_id) if raw.post_id is not None else None
        if meta is not None:
            raw.published_at, raw.modified_at = meta.published_at, meta.modified_at
        elif raw.published_at and len(raw.published_at) == 10:
            exact = self.feed.get(path or "")
            if exact and exact.startswith(raw.published_at):
                raw.published_at = exact


def exact_published(published_at: str, known: str | None) -> str:
    """``published_at``, or ``known`` when that is an exact time of the same date (what an
    earlier run read in the REST index, for a run that has only the page's date)."""
    if known and len(published_at) == 10 and known.startswith(published_at):
        return known
    return published_at
