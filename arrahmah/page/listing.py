"""What a listing of arrahmahnews.com says: the home page, a category archive, their pages."""

from __future__ import annotations

from collections.abc import Iterator
from functools import cached_property

from arrahmah import markup
from arrahmah.markup import Element
from arrahmah.page.reading import first, xpath


class ListingPage:
    """A listing: the home page, a category archive, or one of their pages.

    It reads a plain lxml tree (`arrahmah.markup`), as `ArticlePage` does: a full walk reads a
    listing for every ten articles, and each listing holds some 400 links.
    """

    def __init__(self, root: Element, url: str) -> None:
        self.root = root
        self.url = url

    @classmethod
    def from_html(cls, html: str | bytes, url: str, encoding: str | None = None) -> ListingPage:
        """Parse ``html`` (text, or bytes in ``encoding``) served at ``url``."""
        return cls(markup.parse_document(html, encoding), url)

    def _hrefs(self, query: str) -> list[str]:
        return [markup.absolute(self.url, href) for href in xpath(query)(self.root)]

    @cached_property
    def _cards(self) -> list[tuple[str, bool]]:
        """``(article URL, sticky)`` of each card, in listing order."""
        cards = []
        title_link = xpath(".//*[contains(@class, 'entry-title')]//a/@href")
        for card in xpath("//article[contains(@class, 'mh-loop-item')]")(self.root):
            hrefs = title_link(card)
            if hrefs and hrefs[0]:
                sticky = "sticky" in (card.get("class") or "").split()
                cards.append((markup.absolute(self.url, hrefs[0]), sticky))
        return cards

    def article_links(self) -> list[str]:
        """Article URLs of the listing's cards, in listing order."""
        return [url for url, _ in self._cards]

    def sticky_links(self) -> list[str]:
        """Article URLs of the cards WordPress marks as sticky (pinned to the top of page 1)."""
        return [url for url, sticky in self._cards if sticky]

    def pagination_links(self) -> list[str]:
        """URLs of the other pages of this listing that its pagination links to."""
        # the page-number links inside a pagination block: a test on each link rather than
        # on the class of every element of the page (twice as fast, the same links)
        hrefs = self._hrefs(
            "//a[contains(@class, 'page-numbers') and ancestor::*[contains(@class, 'pagination')]]"
            "/@href | //link[@rel='next']/@href"
        )
        return list(dict.fromkeys(hrefs))

    def next_page(self) -> str | None:
        """The URL of the next page of this listing, or None on the last page."""
        href = first(
            *(
                next(iter(xpath(query)(self.root)), None)
                for query in (
                    "//link[@rel='next']/@href",
                    "//*[contains(@class, 'pagination')]//a[contains(@class, 'next')]/@href",
                )
            )
        )
        return markup.absolute(self.url, href) if href else None

    def links(self) -> Iterator[str]:
        """Every link on the page (menus, sidebar widgets), to discover category archives."""
        for href in xpath("//a/@href")(self.root):
            yield markup.absolute(self.url, href.strip())
