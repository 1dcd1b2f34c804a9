"""Cross-links, recognised by their structure, the way a reader does.

An editor's cross-link ("Baca juga: <link>", "<b>Simak</b><link>", "[Lihat: <link>]") is a
block holding nothing but a short label and links to other articles of the site. Its label may
be any word an editor ever typed, so no rule here needs a known word. A *label* is a few words
(any words, any case, plain or styled, optionally bracketed) that end in a mark such as ``:``
``»`` ``–`` ``|``, or in nothing when they are styled apart or glued to the link
(`arrahmah.labels`). The known words (`arrahmah.labels.KNOWN_LABEL`) remain a hint for odd
shapes only: a plain unmarked label, or a label typed inside the link's own text.

The shapes:

* inline: label and links in one block, several links separated by ``|``, ``,``, line breaks
  or more labels;
* labelled: a label block, then an embedded post, a list of links, or link-only blocks;
* an embedded post (WordPress's blockquote + iframe), with or without a label.

What is *not* a cross-link stays content: a sentence that goes on after its link, a label
whose link leaves the site or leads to a tag, category, author or page (not a post), a label
with no link after it. `ContentLinks.suspects` reports blocks that look like cross-links but are not
sure enough to remove.

The functions here only *recognise*; the rules in `arrahmah.boilerplate` remove what they
find and record the links.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import cached_property

from arrahmah import markup
from arrahmah.labels import (
    INLINE_TAGS,
    LABEL_LONGEST,
    LEADING_SEPARATORS,
    SEPARATORS,
    TRAILER,
    NotInline,
    Segment,
    label_of,
    link_label,
    segments,
)
from arrahmah.markup import Element

ArticleLinkTest = Callable[[str], bool]


# Blocks that may be a cross-link (or its label) on their own.
BLOCK_TAGS = frozenset(
    {"p", "div", "li", "td", "th", "dd", "dt", "h2", "h3", "h4", "h5", "h6", "blockquote"}
)
HEADING_TAGS = frozenset({"h2", "h3", "h4", "h5", "h6"})
_LIST_TAGS = ("ul", "ol")


@dataclass
class Found:
    """One cross-link found: the elements to remove and the links to keep, with titles."""

    remove: list[Element]
    links: list[tuple[Element, str]] = field(default_factory=list)


def _title(anchor: Element) -> str:
    return " ".join(markup.text_of(anchor).split())


def is_embed(el: Element | None) -> bool:
    """A WordPress post embed's blockquote."""
    return (
        el is not None and el.tag == "blockquote" and "wp-embedded-content" in el.get("class", "")
    )


def is_embed_frame(el: Element | None) -> bool:
    """A WordPress post-embed iframe, or the paragraph WordPress wraps around one."""
    if el is None:
        return False
    frames = [el] if el.tag == "iframe" else list(el.iter("iframe"))
    return (
        bool(frames)
        and all("wp-embedded-content" in f.get("class", "") for f in frames)
        and (el.tag == "iframe" or not markup.text_of(el).strip())
    )


def embed(quote: Element) -> Found:
    """An embedded post: its link, the quote and the iframe after it."""
    anchors = [a for a in quote.iter("a") if a.get("href")][:1]
    remove = [quote]
    frame = next_block(quote)
    if is_embed_frame(frame):
        remove.append(frame)  # type: ignore[arg-type]
    return Found(remove, [(a, _title(a)) for a in anchors])


def _block_embed(el: Element) -> Element | None:
    """The post embed a block-editor embed figure (``figure.wp-block-embed``) wraps."""
    if el.tag not in ("figure", "div") or "wp-block-embed" not in el.get("class", ""):
        return None
    return next((q for q in el.iter("blockquote") if is_embed(q)), None)


class _Shape:
    """What a block holds, read once and only as far as asked: its links, where they lead,
    and its text between them."""

    def __init__(self, block: Element, leads_to_article: ArticleLinkTest) -> None:
        self.block = block  # held, so that the element's proxy (and its id) lives as long
        self.anchors = [a for a in block.iter("a") if a.get("href")]
        self.to_article = [leads_to_article(a.get("href", "")) for a in self.anchors]

    @property
    def all_to_articles(self) -> bool:
        return bool(self.to_article) and all(self.to_article)

    @cached_property
    def segments(self) -> list[Segment] | None:
        """The text between the links; None when the block holds more than text and links."""
        try:
            return segments(self.block)
        except NotInline:
            return None


class ContentLinks:
    """The cross-links of one page's content tree, found from its links.

    Cross-links are rare and every one holds a link, so the search starts from the links, and
    each block is read once (`_shape`) whatever the rules ask of it. Rules remove what they find
    as they go: each method looks at the tree as it is when it is called.
    """

    def __init__(self, root: Element, is_article: ArticleLinkTest, base_url: str) -> None:
        self.root = root
        self.is_article = is_article
        self.base_url = base_url
        self._shapes: dict[int, _Shape] = {}
        self._leads: dict[str, bool] = {}

    # ---- reading blocks ----------------------------------------------------------------------
    def _leads_to_article(self, href: str) -> bool:
        known = self._leads.get(href)
        if known is None:
            known = self._leads[href] = self.is_article(markup.absolute(self.base_url, href))
        return known

    def _shape(self, block: Element) -> _Shape:
        shape = self._shapes.get(id(block))
        if shape is None:
            shape = self._shapes[id(block)] = _Shape(block, self._leads_to_article)
        return shape

    def _article_anchors(self) -> list[Element]:
        """The links to articles of the site, in document order: every shape of cross-link
        holds one, so the other links (a source cited in a sentence…) are never looked at."""
        leads = self._leads_to_article
        return [a for a in self.root.iter("a") if (href := a.get("href")) and leads(href)]

    def _link_blocks(self) -> list[Element]:
        """The innermost blocks holding a link to an article, in document order, each once."""
        blocks: dict[int, Element] = {}
        for anchor in self._article_anchors():
            for el in anchor.iterancestors():
                if el is self.root:
                    break
                if el.tag in BLOCK_TAGS:
                    blocks.setdefault(id(el), el)
                    break
        return list(blocks.values())

    def _blocks_before_links(self) -> list[Element]:
        """The blocks just before each block or list that holds a link to an article: where
        the labels of cross-links stand."""
        seen: dict[int, Element] = {}
        for anchor in self._article_anchors():
            for el in anchor.iterancestors():
                if el is self.root:
                    break
                parent = el.getparent()
                if parent is not None and (parent is self.root or parent.tag not in INLINE_TAGS):
                    prev = _previous_block(el)
                    if prev is not None:
                        seen.setdefault(id(prev), prev)
        return list(seen.values())

    def _is_label_block(self, el: Element, item: bool = False) -> bool:
        """A block (or, with ``item``, a list item) holding a short label and nothing else.

        A label block is set apart by being a block of its own: what follows it decides
        whether it labels a cross-link (see `labelled`).
        """
        if (el.tag == "li") != item or el.tag not in _LABEL_BLOCK_TAGS:
            return False
        if len(markup.text_start(el, LABEL_LONGEST + 1)) > LABEL_LONGEST:
            return False
        shape = self._shape(el)
        if shape.anchors or shape.segments is None:
            return False
        text = shape.segments[0].text
        return bool(text.strip()) and label_of(text, styled=True)

    def _links_only(self, block: Element) -> Found | None:
        """A block of nothing but links to articles (and separators between them)."""
        shape = self._shape(block)
        if shape.segments is None or not shape.all_to_articles:
            return None
        *between, after = shape.segments
        if not all(SEPARATORS.match(s.text) for s in between) or not TRAILER.match(after.text):
            return None
        titles = [_title(a) for a in shape.anchors]
        return (
            Found([block], list(zip(shape.anchors, titles, strict=True))) if all(titles) else None
        )

    def _link_items(self, lst: Element, items: list[Element]) -> Found | None:
        """The list ``lst`` as a cross-link when each of ``items`` holds only links to articles."""
        links = []
        for li in items:
            found = self._links_only(li)
            if found is None:
                return None
            links.extend(found.links)
        return Found([lst], links) if links else None

    def _follower(self, el: Element) -> Found | None:
        """What may follow a label block: an embed, a list of links, or a link-only block."""
        if is_embed(el):
            return embed(el)
        quote = _block_embed(el)
        if quote is not None:
            return Found([el], embed(quote).links)
        if el.tag in _LIST_TAGS:
            return self._link_items(el, [li for li in el if isinstance(li.tag, str)])
        if el.tag in _LABEL_BLOCK_TAGS and el.tag != "li":
            return self._links_only(el)
        return None

    # ---- the shapes ----------------------------------------------------------------------------
    def labelled(self) -> Iterator[Found]:
        """Label blocks followed by cross-links: an embed, a list, one or more link-only blocks;
        and lists whose first item is the label. A label with nothing of that kind after it
        stays: it is content ("Catatan:" …)."""
        for label in [el for el in self._blocks_before_links() if self._is_label_block(el)]:
            if label.getparent() is None:
                continue
            found = Found([label])
            el = next_block(label)
            while el is not None:
                follower = self._follower(el)
                if follower is None:
                    break
                found.remove.extend(follower.remove)
                found.links.extend(follower.links)
                el = next_block(follower.remove[-1])
            if found.links:
                yield found
        lists = {id(li.getparent()): li.getparent() for li in self._link_blocks() if li.tag == "li"}
        for lst in lists.values():
            items = [li for li in lst if isinstance(li.tag, str)] if lst is not None else []
            if lst is None or lst.tag not in _LIST_TAGS or len(items) < 2:
                continue
            if self._is_label_block(items[0], item=True):
                listed = self._link_items(lst, items[1:])
                if listed is not None:
                    yield listed

    def inline(self) -> Iterator[Found]:
        """Blocks holding a label and links to articles, nothing else."""
        # removing one innermost link block never detaches another: no need to check
        for block in self._link_blocks():
            found = self._match_inline(block)
            if found is not None:
                yield found

    def _match_inline(self, block: Element) -> Found | None:
        if len(block.text or "") > LABEL_LONGEST or _long_after_a_link(block):
            return None  # the usual paragraph: a sentence before or after a link
        shape = self._shape(block)
        if shape.segments is None or not shape.all_to_articles:
            return None
        anchors, segments = shape.anchors, shape.segments
        labelled = False
        for i, segment in enumerate(segments):
            text = segment.text
            if i == len(anchors):  # after the last link
                if not TRAILER.match(text):
                    return None
            elif SEPARATORS.match(text):
                continue
            elif label_of(
                LEADING_SEPARATORS.sub("", text) if i else text,
                styled=segment.styled,
                glued=bool(text) and not text[-1].isspace(),
                heading=block.tag in HEADING_TAGS,
            ):
                labelled = labelled or i == 0
            else:
                return None
        titles = []
        for n, anchor in enumerate(anchors):
            title = _title(anchor)
            label = link_label(anchor)
            if label is not None:
                labelled = labelled or n == 0
                title = " ".join(markup.text_of(anchor)[len(label) :].split()) or title
            if not title:
                return None
            titles.append(title)
        if not labelled:
            return None  # links alone: maybe a cross-link, maybe not (see `suspects`)
        return Found([block], list(zip(anchors, titles, strict=True)))

    def suspects(self) -> list[str]:
        """Texts of short blocks kept in the body that are mostly links to articles of the site.

        Not removed: a reader could take them for cross-links or for content. The run report
        lists them so an operator can decide; a new rule is one entry plus one fixture.
        """
        found = []
        for block in self._link_blocks():
            if len(block.text or "") > _SUSPECT_MAX:
                continue
            shape = self._shape(block)
            if not any(shape.to_article):
                continue
            text = " ".join(markup.text_of(block).split())
            if not text or len(text) > _SUSPECT_MAX:
                continue
            linked = sum(
                len(_title(a))
                for a, lead in zip(shape.anchors, shape.to_article, strict=True)
                if lead
            )
            if linked * 2 >= len(text):
                found.append(text)
        return found


_SUSPECT_MAX = 200  # characters: a cross-link block is short; a paragraph that cites is not
_LABEL_BLOCK_TAGS = BLOCK_TAGS - {"td", "th", "blockquote"}


def next_block(el: Element) -> Element | None:
    """The next element sibling, past comments and empty paragraphs (``<p>&nbsp;</p>``)."""
    nxt = el.getnext()
    while nxt is not None and (not isinstance(nxt.tag, str) or _is_blank(nxt)):
        nxt = nxt.getnext()
    return nxt


def _previous_block(el: Element) -> Element | None:
    prev = el.getprevious()
    while prev is not None and (not isinstance(prev.tag, str) or _is_blank(prev)):
        prev = prev.getprevious()
    return prev


def _is_blank(el: Element) -> bool:
    return el.tag == "p" and len(el) == 0 and not (el.text or "").strip()


def _long_after_a_link(block: Element) -> bool:
    """True when some link of ``block`` is followed by more text than a label: a sentence."""
    return any(len(a.tail or "") > LABEL_LONGEST for a in block.iter("a"))
