"""Where an article's text lies in the theme's markup: the post's content element, and what a
stray end tag pushed out of it."""

from __future__ import annotations

import re

from arrahmah.markup import Element
from arrahmah.page.reading import xpath

# Blocks of an article's text, and the theme's furniture that follows the text of a post.
_CONTENT_BLOCKS = frozenset(
    {"p", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "dl", "blockquote", "figure"}
    | {"table", "pre", "div", "hr", "iframe"}
)
_FURNITURE = re.compile(
    r"entry-tags|entry-meta|author|comment|respond|nav|widget|sidebar|footer|share|related"
    r"|mh-meta|mh-loop|pagination"
)


def post_content(post: Element | None, root: Element) -> Element | None:
    """The post's content element, with what a stray end tag pushed out of it taken back.

    A stray ``</div>`` in the markup closes the content (or the article) early; a browser
    still shows the text that follows, and so does this: the content element is looked
    for in the whole main column, and the text blocks after it, up to the theme's post
    furniture (tags, author box, navigation, comments), are its own.
    """
    if post is None:
        return None
    # the first div whose class contains "entry-content" (near the top of the post: the
    # loop stops there, where an XPath query would go through the whole text)
    content = next((d for d in post.iter("div") if "entry-content" in (d.get("class") or "")), None)
    if content is None:
        found = xpath(
            "//div[contains(concat(' ', normalize-space(@class), ' '), ' entry-content ')]"
        )(root)
        if not found:
            return None
        content = found[0]
    stray: list[Element] = []
    node: Element | None = content
    while node is not None and node.tag not in ("body", "html"):
        for el in node.itersiblings():
            if not isinstance(el.tag, str):
                continue
            if el.tag not in _CONTENT_BLOCKS or _FURNITURE.search(
                f"{el.get('class', '')} {el.get('id', '')}"
            ):
                node = None  # the post's text ends here
                break
            stray.append(el)
        else:
            node = node.getparent()  # closed early with its parent: go on after the parent
    for el in stray:
        content.append(el)  # moves it, tail and all
    return content
