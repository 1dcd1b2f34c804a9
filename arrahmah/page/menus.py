"""What the site's menus say: the names of category archives, read from the page as served
(the parsed tree leaves the menus out) by a few string searches, no parse."""

from __future__ import annotations

import html as html_lib
import re
from typing import Any

from arrahmah.page.reading import clean

_TAGS = re.compile(r"<[^>]+>")


def category_name(source: str | bytes, slugs: str) -> str | None:
    """The name the page's links to the category archive ``slugs`` (``timur-tengah``) give it:
    the site's menus link every category the site shows."""
    page: Any = source
    text = isinstance(page, str)
    needle = f"/category/{slugs}/" if text else f"/category/{slugs}/".encode()
    quotes = "\"'" if text else b"\"'"
    name = None
    at = page.find(needle)
    while at >= 0 and name is None:
        after = at + len(needle)
        if page[after : after + 1] and page[after : after + 1] in quotes:
            opened = page.find(">" if text else b">", after)
            closed = page.find("</a>" if text else b"</a>", opened)
            if 0 <= opened < closed:
                inner = page[opened + 1 : closed]
                inner = inner if text else inner.decode("utf-8", "replace")
                name = clean(html_lib.unescape(_TAGS.sub("", inner)))
        at = page.find(needle, after)
    return name
