"""The site's boilerplate, as data: one small named rule per kind, applied in order.

Each rule finds its kind of boilerplate in an article's content tree by the markup's structure,
removes it, and keeps what is worth keeping (cross-links go to ``related``, images and their
captions to ``images``). A paragraph that merely starts with a word like "Bacaan…" is content:
the "Baca" rules match a paragraph only when everything in it apart from its links is a label.

Adding a variant is one entry in `RULES` (or one pattern in a rule's selector) and one fixture.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache

from lxml import etree

from arrahmah import markup
from arrahmah.markup import Element
from arrahmah.page import image_src

# The words of a cross-link label: "Baca", "Baca juga", "BACA JUGA", "Simak juga", "Lihat juga",
# "Berita terkait"…; optionally in brackets, and followed by a mark (":", "»", "–"…).
_LABEL_WORDS = (
    r"(?:baca(?:\s+(?:juga|pula))?|simak(?:\s+(?:juga|pula))?|lihat\s+juga|read\s+also"
    r"|see\s+also|(?:artikel|berita)\s+terkait)"
)
_OPEN = r"^[\s\[(]*"
_MARK = r"\s*[:：»›>|–—-]"
# A label alone ("Baca:"), a label that starts a paragraph, a label inside a link's own text.
LABEL = re.compile(rf"{_OPEN}{_LABEL_WORDS}(?:{_MARK})?[\s\])]*$", re.IGNORECASE)
LABEL_PREFIX = re.compile(rf"{_OPEN}{_LABEL_WORDS}(?:{_MARK})?", re.IGNORECASE)
LABELLED_LINK = re.compile(rf"{_OPEN}{_LABEL_WORDS}{_MARK}\s*", re.IGNORECASE)
LABEL_ANYWHERE = re.compile(rf"\b{_LABEL_WORDS}\b(?:{_MARK})?", re.IGNORECASE)
_LABEL_MAX = 40  # characters: a label is shorter; a paragraph's first ones are enough to test
# What may stand between (and around) the links of one cross-link paragraph.
SEPARATORS = re.compile(
    r"^[\s,;|/–—\-»>•·\[\]()]*(?:(?:dan|and|atau)[\s,;|/–—\-»>•·\[\]()]*)*$", re.IGNORECASE
)


_POS = "data-arrahmah-pos"  # document order of links and images, set by `strip`


@dataclass
class Harvest:
    """What the rules keep while they strip pages: cross-links and images, in page order.

    Rules run one kind at a time, so each kept entry remembers where it stood (page, position in
    the page) and `related`/`images` sort by that.
    """

    base_url: str
    featured: list[dict[str, str | None]] = field(default_factory=list)
    page: int = 0
    _related: list[tuple[tuple[int, int], dict[str, str]]] = field(default_factory=list)
    _images: list[tuple[tuple[int, int], dict[str, str | None]]] = field(default_factory=list)

    @property
    def related(self) -> list[dict[str, str]]:
        """Cross-links as ``{url, title}``, in page order."""
        return [entry for _, entry in sorted(self._related, key=lambda e: e[0])]

    @property
    def images(self) -> list[dict[str, str | None]]:
        """The featured image(s), then body images as ``{url, caption}``, in page order."""
        body = [entry for _, entry in sorted(self._images, key=lambda e: e[0])]
        return [*self.featured, *body]

    def _where(self, el: Element) -> tuple[int, int]:
        return (self.page, int(el.get(_POS, "0")))

    def link(self, anchor: Element) -> None:
        """Record the cross-link ``anchor`` in ``related``."""
        href = (anchor.get("href") or "").strip()
        if not href or href.startswith("#"):
            return
        title = LABELLED_LINK.sub("", _text(anchor))
        entry = {"url": markup.absolute(self.base_url, href), "title": title}
        self._related.append((self._where(anchor), entry))

    def image(self, img: Element, caption: str | None) -> None:
        """Record the image ``img`` with its caption (None when it has none)."""
        src = image_src(img)
        if src:
            entry = {"url": markup.absolute(self.base_url, src), "caption": caption or None}
            self._images.append((self._where(img), entry))


@dataclass(frozen=True)
class Rule:
    """One kind of boilerplate: a name, what it is, and how to strip it from a content tree."""

    name: str
    description: str
    apply: Callable[[Element, Harvest], int]


def _text(el: Element) -> str:
    return " ".join(markup.text_of(el).split())


def _own_text(el: Element) -> str:
    """The text of ``el`` outside its links."""
    parts = [el.text or ""]
    for child in el:
        if child.tag != "a":
            parts.append(_own_text(child))
        parts.append(child.tail or "")
    return "".join(parts)


def _links(el: Element) -> list[Element]:
    return [a for a in el.iter("a") if a.get("href")]


def _is_label(el: Element) -> bool:
    """A block whose whole text is a cross-link label ("Baca:", "Baca juga", …) and no link."""
    start = markup.text_start(el, _LABEL_MAX)
    return len(start) < _LABEL_MAX and LABEL.match(start) is not None and not _links(el)


def _is_link_only(el: Element) -> bool:
    """A block holding nothing but links (and separators between them)."""
    return bool(_links(el)) and bool(SEPARATORS.match(_own_text(el)))


def _next_block(el: Element) -> Element | None:
    nxt = el.getnext()
    while nxt is not None and not isinstance(nxt.tag, str):
        nxt = nxt.getnext()
    return nxt


def _is_embed(el: Element | None) -> bool:
    return (
        el is not None and el.tag == "blockquote" and "wp-embedded-content" in el.get("class", "")
    )


def _is_embed_frame(el: Element | None) -> bool:
    """A WordPress post-embed iframe, or the paragraph WordPress wraps around one."""
    if el is None:
        return False
    frames = [el] if el.tag == "iframe" else list(el.iter("iframe"))
    return (
        bool(frames)
        and all("wp-embedded-content" in f.get("class", "") for f in frames)
        and (el.tag == "iframe" or not _text(el))
    )


def _take_embed(quote: Element, harvest: Harvest) -> None:
    """Record an embedded post's link, then remove the quote and the iframe after it."""
    for anchor in _links(quote)[:1]:
        harvest.link(anchor)
    frame = _next_block(quote)
    if _is_embed_frame(frame):
        markup.remove(frame)
    markup.remove(quote)


_LABEL_BLOCKS = ("p", "div", "li", "td", "h2", "h3", "h4", "h5", "h6")


def strip_labelled_crosslinks(root: Element, harvest: Harvest) -> int:
    """``<p>Baca:</p>`` followed by an embedded post, a list of links, or a link-only paragraph."""
    found = 0
    for label in [el for el in root.iter(*_LABEL_BLOCKS) if el.tag != "li" and _is_label(el)]:
        follower = _next_block(label)
        if _is_embed(follower):
            _take_embed(follower, harvest)
        elif (
            follower is not None
            and follower.tag in ("ul", "ol")
            and all(_is_link_only(li) for li in follower.iter("li"))
        ) or (follower is not None and follower.tag == "p" and _is_link_only(follower)):
            for anchor in _links(follower):
                harvest.link(anchor)
            markup.remove(follower)
        markup.remove(label)
        found += 1
    return found


def strip_inline_crosslinks(root: Element, harvest: Harvest) -> int:
    """A paragraph that is a label and links: "Baca juga: <a>…</a>", "<b>Baca</b><a>…</a>"."""
    found = 0
    for para in list(root.iter(*_LABEL_BLOCKS)):
        if LABEL_PREFIX.match(markup.text_start(para, _LABEL_MAX)) is None:
            continue
        links = _links(para)
        if not links or para.getparent() is None:
            continue
        if any(child.tag in ("p", "div", "ul", "ol", "table", "blockquote") for child in para):
            continue
        own = _own_text(para).strip()
        label = LABEL_PREFIX.match(own)
        if label:
            rest = LABEL_ANYWHERE.sub("", own[label.end() :])  # "Baca: <a/> Baca juga: <a/>"
            if not SEPARATORS.match(rest):
                continue
        elif not (not own and LABELLED_LINK.match(_text(links[0]))):
            continue
        for anchor in links:
            harvest.link(anchor)
        markup.remove(para)
        found += 1
    return found


def strip_post_embeds(root: Element, harvest: Harvest) -> int:
    """WordPress post embeds without a label: the embedded post is still a cross-link."""
    quotes = [q for q in root.iter("blockquote") if _is_embed(q)]
    for quote in quotes:
        _take_embed(quote, harvest)
    frames = [f for f in root.iter("iframe") if "wp-embedded-content" in f.get("class", "")]
    for frame in frames:
        markup.remove(frame)
    return len(quotes) + len(frames)


def _caption_of(container: Element) -> str | None:
    for el in container.iter("figcaption", "p", "span", "div"):
        if "wp-caption-text" in el.get("class", "") or el.tag == "figcaption":
            return _text(el) or None
    return None


def strip_captioned_images(root: Element, harvest: Harvest) -> int:
    """``figure``/``div.wp-caption`` with an image: image and caption go to ``images``."""
    found = 0
    # innermost first: each image of a gallery keeps its own caption
    for box in reversed(list(root.iter("figure", "div"))):
        if box.tag == "div" and "wp-caption" not in box.get("class", "").split():
            continue
        if box.getparent() is None or not any(True for _ in box.iter("img")):
            continue
        caption = _caption_of(box)
        for img in box.iter("img"):
            harvest.image(img, caption)
        markup.remove(box)
        found += 1
    return found


def strip_images(root: Element, harvest: Harvest) -> int:
    """Images without a caption box: recorded in ``images`` with a null caption."""
    imgs = [img for img in root.iter("img") if "emoji" not in img.get("class", "")]
    for img in imgs:
        harvest.image(img, None)
        parent = img.getparent()
        if parent is not None and parent.tag == "a" and not _text(parent):
            img = parent
        markup.remove(img)
    return len(imgs)


@dataclass(frozen=True)
class MarkupRule:
    """Boilerplate known by its markup alone: elements with one of these classes, ids or tags.

    All markup rules are applied in one pass over the tree (see `strip`).
    """

    name: str
    description: str
    classes: str = ""  # space-separated, as in a class attribute
    ids: str = ""
    tags: str = ""


# Boilerplate found by reading the content: applied in this order, each one kind.
RULES: list[Rule] = [
    Rule(
        "baca_labelled",
        "'Baca:' label paragraph with an embed, a list of links or a link paragraph after it",
        strip_labelled_crosslinks,
    ),
    Rule(
        "baca_inline", "'Baca juga: <link>' paragraphs, label glued or not", strip_inline_crosslinks
    ),
    Rule(
        "post_embed",
        "WordPress post embeds (blockquote + iframe) without a label",
        strip_post_embeds,
    ),
    Rule(
        "captioned_image",
        "images in a caption box; the caption leaves the text",
        strip_captioned_images,
    ),
    Rule("image", "other images", strip_images),
]

# Boilerplate known by its markup: removed whole, wherever it is.
MARKUP_RULES: list[MarkupRule] = [
    MarkupRule(
        "media_and_scripts",
        "iframes (YouTube…), scripts, styles, forms and other embedded objects",
        tags="iframe script style noscript object embed form video audio svg button template",
    ),
    MarkupRule(
        "captions",
        "captions left without their image (a gallery's, a table's): never body text",
        tags="figcaption",
        classes="wp-caption-text blocks-gallery-caption wp-element-caption gallery-caption",
    ),
    MarkupRule(
        "block_embeds",
        "block-editor embeds (video, social posts) with their captions",
        classes="wp-block-embed wp-block-video wp-block-audio",
    ),
    MarkupRule(
        "page_links",
        "the page-number links of a multi-page post",
        classes="pagination page-links post-page-numbers",
    ),
    MarkupRule(
        "author_box",
        "the theme's author box ('About Arrahmahnews', 'N Articles', bio)",
        classes="mh-author-box author-box author-bio",
    ),
    MarkupRule(
        "comments",
        "comment section: heading, list, form, 'Be the first to comment', 'Comments are closed.'",
        classes=(
            "mh-comments-wrap comment-respond commentlist comment-list mh-comment-form-title"
            " comments-closed nocomments no-comments comments-area"
        ),
        ids="mh-comments comments respond",
    ),
    MarkupRule(
        "akismet_notice",
        "'This site uses Akismet to reduce spam…'",
        classes="akismet_comment_form_privacy_notice",
    ),
    MarkupRule(
        "share_and_navigation",
        "share buttons, related-post widgets and post navigation of common plugins",
        classes=(
            "sharedaddy jp-relatedposts addtoany_share_save_container mh-post-nav entry-tags"
            " post-navigation mh-social-widget"
        ),
    ),
]


@cache
def _markup_index(rules: tuple[MarkupRule, ...]) -> tuple[dict[str, str], ...]:
    """Rule name by tag, by id and by class: one dict lookup per element and attribute."""
    by_tag, by_id, by_class = {}, {}, {}
    for rule in reversed(rules):  # the first rule that names a token wins
        by_tag.update(dict.fromkeys(rule.tags.split(), rule.name))
        by_id.update(dict.fromkeys(rule.ids.split(), rule.name))
        by_class.update(dict.fromkeys(rule.classes.split(), rule.name))
    return by_tag, by_id, by_class


def strip_markup(root: Element, rules: list[MarkupRule] = MARKUP_RULES) -> dict[str, int]:
    """Remove every element a markup rule matches (outermost only), in one pass over the tree."""
    by_tag, by_id, by_class = _markup_index(tuple(rules))
    counts = dict.fromkeys((rule.name for rule in rules), 0)
    doomed: list[tuple[Element, str]] = []
    for el in root.iter(etree.Element):
        name = by_tag.get(el.tag) or by_id.get(el.get("id", ""))
        if name is None and (classes := el.get("class")):
            name = next((by_class[c] for c in classes.split() if c in by_class), None)
        if name is not None:
            doomed.append((el, name))
    chosen = {el for el, _ in doomed}
    for el, name in doomed:
        if not any(a in chosen for a in el.iterancestors()):  # else it went with its ancestor
            counts[name] += 1
            markup.remove(el)
    return counts


def strip(
    root: Element,
    harvest: Harvest,
    rules: list[Rule] = RULES,
    markup_rules: list[MarkupRule] = MARKUP_RULES,
) -> dict[str, int]:
    """Strip the next page's ``root``: ``rules`` in order, then ``markup_rules``.

    Returns how many pieces of boilerplate each rule removed.
    """
    harvest.page += 1
    for position, el in enumerate(root.iter("a", "img")):
        el.set(_POS, str(position))
    counts = {rule.name: rule.apply(root, harvest) for rule in rules}
    counts.update(strip_markup(root, markup_rules))
    return counts
