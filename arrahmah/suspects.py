"""Paragraphs kept in bodies that look like boilerplate no rule took: noted, never removed.

Two kinds, reported in the run report so that an operator can read them and, where they are
boilerplate, add a rule (one entry plus one fixture):

* ``link_block``: a short block made mostly of links to articles of the site
  (`arrahmah.crosslinks.ContentLinks.suspects`): a cross-link in a shape no rule knows, or content;
* ``repeated``: the same short paragraph, verbatim, in many articles of the run (at least
  `MIN_REPEATS` and at least `MIN_SHARE` of them): a sign-off, a call to subscribe. Counted from
  the clean bodies; subheadings recur by nature ("Kesimpulan") but are paragraphs of the body
  like any other, so they are reported too.

Counting repeats over a run of any size in bounded memory uses lossy counting (Manku and
Motwani): every `BUCKET` articles, paragraphs seen too rarely to ever reach the threshold are
forgotten. A count is then low by at most one per `BUCKET` articles; runs shorter than one
bucket count exactly.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

MIN_REPEATS = 5
MIN_SHARE = 0.02
BUCKET = 200  # articles: lossy counting's bucket width (error ≤ 1/BUCKET of the run)
SHORT = 200  # characters: boilerplate paragraphs are short; longer ones are not counted
TEXT_MAX = 120  # characters of a suspect's text in the report
LINK_BLOCKS_MAX = 1000  # distinct link-block texts kept (a run with more is reported as such)


@dataclass
class _Entry:
    count: int
    delta: int  # how many it may have had before it was (last) counted
    example: str


@dataclass
class SuspectLedger:
    """What looked like boilerplate across one run's articles."""

    articles: int = 0  # articles whose paragraphs were counted
    _repeated: dict[str, _Entry] = field(default_factory=dict)
    _link_blocks: dict[str, _Entry] = field(default_factory=dict)
    _link_blocks_over: int = 0

    def add_article(self, url: str, paragraphs: list[str]) -> None:
        """Count one article's short paragraphs (each once per article)."""
        self.articles += 1
        bucket = (self.articles - 1) // BUCKET
        for text in {p for p in paragraphs if len(p) <= SHORT}:
            entry = self._repeated.get(text)
            if entry is None:
                self._repeated[text] = _Entry(1, bucket, url)
            else:
                entry.count += 1
        if self.articles % BUCKET == 0:
            done = self.articles // BUCKET
            self._repeated = {t: e for t, e in self._repeated.items() if e.count + e.delta > done}

    def add_link_blocks(self, url: str, texts: list[str]) -> None:
        """Note an article's suspect link blocks."""
        for text in texts:
            entry = self._link_blocks.get(text)
            if entry is not None:
                entry.count += 1
            elif len(self._link_blocks) < LINK_BLOCKS_MAX:
                self._link_blocks[text] = _Entry(1, 0, url)
            else:
                self._link_blocks_over += 1

    def report(self) -> list[dict[str, Any]]:
        """The suspects: ``{kind, text, count, example}``, most frequent first."""
        threshold = max(MIN_REPEATS, MIN_SHARE * self.articles)
        found = [
            ("repeated", text, entry)
            for text, entry in self._repeated.items()
            if entry.count >= threshold
        ]
        found += [("link_block", text, entry) for text, entry in self._link_blocks.items()]
        found.sort(key=lambda f: (-f[2].count, f[0], f[1]))
        out = [
            {"kind": kind, "text": _cut(text), "count": entry.count, "example": entry.example}
            for kind, text, entry in found
        ]
        if self._link_blocks_over:
            out.append(
                {
                    "kind": "link_block",
                    "text": f"… and {self._link_blocks_over} more link blocks not listed",
                    "count": self._link_blocks_over,
                    "example": None,
                }
            )
        return out


def _cut(text: str) -> str:
    return text if len(text) <= TEXT_MAX else text[: TEXT_MAX - 1] + "…"
