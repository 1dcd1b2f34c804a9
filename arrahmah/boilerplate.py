"""The site's boilerplate, as data: one small named rule per kind, applied in order.

Each rule finds its kind of boilerplate in an article's content tree by the markup's structure,
removes it, and keeps what is worth keeping (cross-links go to ``related``, images and their
captions to ``images``). Cross-links are recognised by their structure (`arrahmah.crosslinks`),
never by a list of words: a block is one when everything in it apart from its links to articles
of the site is a short label, so "Bacaan…" or a sentence that goes on after its link stays.

Adding a kind is one entry in `RULES` (or `MARKUP_RULES`) and one fixture.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cache

from lxml import etree

from arrahmah import crosslinks, markup
from arrahmah.markup import Element
from arrahmah.page import image_src
from arrahmah.site import ArticleLinks, host_of


@dataclass
class Harvest:
    """What the rules keep while they strip pages: cross-links and images, in page order.

    Rules run one kind at a time, so each kept entry remembers where it stood (page, position in
    the page) and `related`/`images` sort by that. ``is_article`` tells a link to an article of
    the site (by default: of the article's own host); ``suspects`` collects the texts of blocks
    kept in the body that look like boilerplate no rule took.
    """

    base_url: str
    featured: list[dict[str, str | None]] = field(default_factory=list)
    is_article: Callable[[str], bool] | None = None
    page: int = 0
    suspects: list[str] = field(default_factory=list)
    _related: list[tuple[tuple[int, int], dict[str, str]]] = field(default_factory=list)
    # document order of the page's links and images (`number`); the dict keeps their lxml
    # proxies alive, so the same element is the same key whenever it is met again
    _positions: dict[Element, int] = field(default_factory=dict)
    _images: list[tuple[tuple[int, int], dict[str, str | None]]] = field(default_factory=list)
    _links: crosslinks.ContentLinks | None = None

    def __post_init__(self) -> None:
        if self.is_article is None:
            self.is_article = ArticleLinks([host_of(self.base_url)], self.base_url)

    @property
    def related(self) -> list[dict[str, str]]:
        """Cross-links as ``{url, title}``, in page order."""
        return [entry for _, entry in sorted(self._related, key=lambda e: e[0])]

    @property
    def images(self) -> list[dict[str, str | None]]:
        """The featured image(s), then body images as ``{url, caption}``, in page order."""
        body = [entry for _, entry in sorted(self._images, key=lambda e: e[0])]
        return [*self.featured, *body]

    def number(self, root: Element) -> None:
        """Note the document order of the links and images of the next page, ``root``."""
        self.page += 1
        for position, el in enumerate(root.iter("a", "img")):
            self._positions[el] = position

    def _where(self, el: Element) -> tuple[int, int]:
        return (self.page, self._positions.get(el, 0))

    def link(self, anchor: Element, title: str) -> None:
        """Record the cross-link ``anchor`` (titled ``title``) in ``related``."""
        href = (anchor.get("href") or "").strip()
        if not href or href.startswith("#"):
            return
        entry = {"url": markup.absolute(self.base_url, href), "title": title}
        self._related.append((self._where(anchor), entry))

    def image(self, img: Element, caption: str | None) -> None:
        """Record the image ``img`` with its caption (None when it has none)."""
        src = image_src(img)
        if src:
            entry = {"url": markup.absolute(self.base_url, src), "caption": caption or None}
            self._images.append((self._where(img), entry))

    def links(self, root: Element) -> crosslinks.ContentLinks:
        """The cross-link finder of the page ``root``: one per page, each block read once."""
        if self._links is None or self._links.root is not root:
            assert self.is_article is not None
            self._links = crosslinks.ContentLinks(root, self.is_article, self.base_url)
        return self._links

    def take(self, found: Iterable[crosslinks.Found]) -> int:
        """Record the links of each cross-link found and remove its elements; how many."""
        count = 0
        for each in found:  # removed as found: what a rule finds next sees the tree without it
            for anchor, title in each.links:
                self.link(anchor, title)
            for el in each.remove:
                markup.remove(el)
            count += 1
        return count


@dataclass(frozen=True)
class Rule:
    """One kind of boilerplate: a name, what it is, and how to strip it from a content tree."""

    name: str
    description: str
    apply: Callable[[Element, Harvest], int]


def _text(el: Element) -> str:
    return " ".join(markup.text_of(el).split())


def strip_labelled_crosslinks(root: Element, harvest: Harvest) -> int:
    """A label block followed by an embedded post, a list of links or link-only blocks."""
    return harvest.take(harvest.links(root).labelled())


def strip_inline_crosslinks(root: Element, harvest: Harvest) -> int:
    """A block of a label and links to articles: "Baca juga: <a>…</a>", "<b>Simak</b><a>…</a>"."""
    return harvest.take(harvest.links(root).inline())


def strip_post_embeds(root: Element, harvest: Harvest) -> int:
    """WordPress post embeds without a label: the embedded post is still a cross-link."""
    quotes = [q for q in root.iter("blockquote") if crosslinks.is_embed(q)]
    count = harvest.take(crosslinks.embed(q) for q in quotes)
    frames = [f for f in root.iter("iframe") if "wp-embedded-content" in f.get("class", "")]
    for frame in frames:
        markup.remove(frame)
    return count + len(frames)


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
        "crosslink_labelled",
        "a label block ('Baca:', any words) then an embedded post, a list of links to articles"
        " or link-only blocks",
        strip_labelled_crosslinks,
    ),
    Rule(
        "crosslink_inline",
        "a block of a label (any words) and links to articles of the site, nothing else",
        strip_inline_crosslinks,
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

    Returns how many pieces of boilerplate each rule removed. What is left that looks like a
    cross-link no rule took is noted in ``harvest.suspects``.
    """
    harvest.number(root)
    counts = {rule.name: rule.apply(root, harvest) for rule in rules}
    counts.update(strip_markup(root, markup_rules))
    harvest.suspects.extend(harvest.links(root).suspects())
    return counts
