"""Which rows an extract holds: by publication date, category, author, tag.

Names match case-insensitively. A category matches its sub-categories too: a row whose
``category_paths`` holds ``["Timur Tengah", "Suriah"]`` is in "Timur Tengah" and in "Suriah";
a row without paths is matched on its category names alone. A category, author or tag that no
row of the dataset has is an error (`UnknownName`), raised once every row was read, naming those
the dataset has: a misspelt name never passes for an empty extract.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

LISTED = 30  # known names an error lists at most


class UnknownName(ValueError):
    """A category, author or tag that no row has."""


def _categories(row: dict[str, Any]) -> Iterator[str]:
    paths = row.get("category_paths")
    if paths:
        for path in paths:
            yield from path
    else:
        yield from row["categories"]


@dataclass
class Selection:
    """The filters of one extract; a filter left None lets every row through."""

    since: str | None = None  # published_date on or after, YYYY-MM-DD
    until: str | None = None  # published_date on or before
    category: str | None = None
    author: str | None = None
    tag: str | None = None
    known: dict[str, Counter[str]] = field(default_factory=dict)

    def matches(self, row: dict[str, Any]) -> bool:
        """Whether ``row`` belongs in the extract (and note the names it has)."""
        day = row["published_date"]
        ok = not (self.since and day < self.since) and not (self.until and day > self.until)
        for kind, wanted, names in (
            ("category", self.category, _categories(row)),
            ("author", self.author, [row["author"]] if row["author"] else []),
            ("tag", self.tag, row["tags"]),
        ):
            if wanted is None:
                continue
            seen = self.known.setdefault(kind, Counter())
            found = False
            for name in names:
                seen[name] += 1
                found = found or name.casefold() == wanted.casefold()
            ok = ok and found
        return ok

    def check(self) -> None:
        """`UnknownName` for a category, author or tag no row had."""
        for kind, wanted in (
            ("category", self.category),
            ("author", self.author),
            ("tag", self.tag),
        ):
            if wanted is None:
                continue
            seen = self.known.get(kind, Counter())
            if wanted.casefold() not in {name.casefold() for name in seen}:
                names = sorted(seen, key=lambda name: (name.casefold(), name))
                listed = ", ".join(names[:LISTED]) + (
                    f", … ({len(names)} in all)" if len(names) > LISTED else ""
                )
                raise UnknownName(f"no {kind} {wanted!r} in the dataset; known: {listed or 'none'}")


def select(rows_in: Iterable[dict[str, Any]], selection: Selection) -> Iterator[dict[str, Any]]:
    """The rows ``selection`` keeps; `UnknownName` after the last one if a name matched no row."""
    for row in rows_in:
        if selection.matches(row):
            yield row
    selection.check()
