"""The theme's frame around an article's text: the post's header (title, meta line: date,
author, categories, comments) and footer (tags): everything in the post but its content."""

from __future__ import annotations

from collections.abc import Iterable
from functools import cached_property
from typing import Any

from lxml import etree

from arrahmah import markup
from arrahmah.markup import Element
from arrahmah.page.reading import clean, xpath

# The theme's (MH Magazine lite) classes of the elements that carry a field, outside the content.
_THEME_CLASSES = {
    "entry-title": "title",
    "entry-meta-date": "date",
    "entry-meta-author": "author",
    "entry-meta-categories": "categories",
    "entry-meta-comments": "comments",
    "entry-tags": "tags",
}
# Queries about the post's header and footer run on the post's children other than its
# content: the text is the large part of a page, and never holds them.
_OUTSIDE_CONTENT = (
    "./*[not(contains(concat(' ', normalize-space(@class), ' '), ' entry-content '))]"
    "/descendant-or-self::"
)


class PostFrame:
    """The elements around a post's content, found by the theme's classes or by a query."""

    def __init__(self, post: Element | None, content: Element | None) -> None:
        self.post = post
        self.content = content

    @cached_property
    def _elements(self) -> dict[str, Element]:
        """The theme's elements that carry a field, by field: one pass outside the content."""
        found: dict[str, Element] = {}
        if self.post is None:
            return found
        for child in self.post:
            if child is not self.content:
                _classified(child.iter(etree.Element), found)
        if len(found) < len(_THEME_CLASSES):
            # a stray end tag may have closed the post early: its header and tags follow it
            content = set(self.content.iter()) if self.content is not None else set()
            after = xpath("following::*[@class]")(self.post)
            _classified((el for el in after if el not in content), found)
        return found

    def element(self, name: str) -> Element | None:
        """The theme's element of field ``name`` (title, date, author, categories, comments,
        tags), or None."""
        return self._elements.get(name)

    def text(self, name: str) -> str | None:
        """The clean text of the theme's element of field ``name``."""
        el = self._elements.get(name)
        return clean(markup.text_of(el)) if el is not None else None

    def link_texts(self, name: str) -> list[str]:
        """The texts of the links in the theme's element of field ``name``, once each."""
        el = self._elements.get(name)
        texts = (clean(markup.text_of(a)) for a in el.iter("a")) if el is not None else ()
        return list(dict.fromkeys(t for t in texts if t))

    def query(self, query: str) -> list[Any]:
        """What an XPath ``query`` (relative, ``|`` between alternatives) finds outside the
        content."""
        if self.post is None:
            return []
        return xpath(" | ".join(_OUTSIDE_CONTENT + q for q in query.split(" | ")))(self.post)

    def attr(self, query: str, attr: str) -> str | None:
        """Attribute ``attr`` of the first element ``query`` finds outside the content."""
        found = self.query(query)
        return found[0].get(attr) if found else None

    def query_text(self, query: str) -> str | None:
        """The clean text of the first element ``query`` finds outside the content."""
        found = self.query(query)
        return clean(markup.text_of(found[0])) if found else None

    def query_texts(self, query: str) -> list[str]:
        """The clean texts of every element ``query`` finds outside the content, once each."""
        texts = (clean(markup.text_of(el)) for el in self.query(query))
        return list(dict.fromkeys(t for t in texts if t))


def _classified(elements: Iterable[Element], found: dict[str, Element]) -> None:
    for el in elements:
        for token in (el.get("class") or "").split():
            name = _THEME_CLASSES.get(token)
            if name is not None and name not in found:
                found[name] = el
