"""What a page of arrahmahnews.com says: every selector and markup fact about the site lives here.

* `article`: `ArticlePage`, an article page, one small method per field, each with a fallback
  chain (structured data first, then the theme's markup); `read_article_page` reads a response;
* `listing`: `ListingPage`, the home page, a category archive and their pages;
* `structured`: the ``meta``/``link`` tags and JSON-LD a page carries;
* `layout`: where the theme (MH Magazine lite) puts the main column, found before any parse;
* `content`: where an article's text lies, and what a stray end tag pushed out of it;
* `menus`: category names from the site's menus; `dates`: how the site writes dates;
* `reading`: the small readers they share (compiled queries, the fallback chain).

Every reader is pure: a page in, values out.
"""

from arrahmah.page.article import ArticlePage, Unreadable, read_article_page
from arrahmah.page.dates import normalize_iso, parse_display_date
from arrahmah.page.layout import main_column, reaches_its_end
from arrahmah.page.listing import ListingPage
from arrahmah.page.reading import image_src

__all__ = [
    "ArticlePage",
    "ListingPage",
    "Unreadable",
    "image_src",
    "main_column",
    "normalize_iso",
    "parse_display_date",
    "reaches_its_end",
    "read_article_page",
]
