"""What a cross-link's label is, by its form: a few words, any words, maybe styled or
bracketed, ending in a mark or set apart from the text; and the text between a block's links.

`arrahmah.crosslinks` asks these questions of a content block; nothing here knows a block's
place in the article.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from arrahmah import markup
from arrahmah.markup import Element

# The hint: labels editors of this site are known to type (never required by a rule).
KNOWN_LABEL = re.compile(
    r"^(?:baca(?:\s+(?:juga|pula))?|simak(?:\s+(?:juga|pula))?|lihat\s+(?:juga|pula)"
    r"|read\s+(?:also|more)|see\s+also|(?:artikel|berita)\s+terkait)$",
    re.IGNORECASE,
)
_WORD = r"[^\W_](?:[\w’'&/.-]*[\w’'])?"
_FIRST_WORD = r"[^\W\d_](?:[\w’'&/.-]*[\w’'])?"  # a label starts with a letter
MARK = r"[:：»›>|–—~→⇒-]+|\.{2,3}|…"
# A label: up to six words, then maybe a mark; brackets and quotes around it are allowed.
LABEL = re.compile(
    rf"^[\s\[(«“\"']*(?P<words>{_FIRST_WORD}(?:\s+{_WORD}){{0,5}})\s*(?P<mark>{MARK})?[\s\])»”\"']*$"
)
LABEL_MAX = 48  # characters of a label's words
LABEL_LONGEST = LABEL_MAX + 24  # with its brackets, mark and spaces
# What may stand between the links of one cross-link block, and after the last one.
SEPARATORS = re.compile(
    r"^[\s,;|/–—\-»>•·\[\]()]*(?:(?:dan|and|atau|or|&)[\s,;|/–—\-»>•·\[\]()]*)*$",
    re.IGNORECASE,
)
# After the last link: punctuation, or a short note in brackets ("(Video)", "[bagian 2]").
TRAILER = re.compile(r"^[\s.,;:!?)\]»”\"'|/–—\-•·]*(?:[(\[][^()\[\]]{1,24}[)\]][\s.,;:!?)\]]*)?$")
LEADING_SEPARATORS = re.compile(r"^[\s,;|/–—\-»>•·\[\]()]+")

# Elements that style a few words; a block holding anything else is not a cross-link.
STYLE_TAGS = frozenset({"strong", "b", "em", "i", "span", "u", "font", "mark", "small", "big"})
INLINE_TAGS = STYLE_TAGS | {"br", "sup", "sub", "abbr", "cite", "code", "q", "s", "wbr"}


def label_of(
    text: str, *, styled: bool = False, glued: bool = False, heading: bool = False
) -> bool:
    """True when ``text`` reads as a cross-link label.

    A few words that end in a mark are a label; without a mark they are one only when set apart
    (``styled`` as a whole, ``glued`` to the link, or a ``heading``), or known words.
    """
    if len(text) > LABEL_LONGEST:
        return False
    m = LABEL.match(text)
    if m is None or len(m.group("words")) > LABEL_MAX:
        return False
    if m.group("mark") or styled or glued or heading:
        return True
    return KNOWN_LABEL.match(m.group("words")) is not None


class NotInline(Exception):
    """The block holds more than text, styling and links."""


@dataclass
class Segment:
    """The text between two links of a block, and whether all of it is styled."""

    parts: list[str] = field(default_factory=list)
    styled: bool = True

    def add(self, text: str | None, styled: bool) -> None:
        if text:
            self.parts.append(text)
            if not styled and text.strip():
                self.styled = False

    @property
    def text(self) -> str:
        return "".join(self.parts)


def segments(block: Element) -> list[Segment]:
    """The block's text between its links: one more segment than it has links.

    Raises NotInline when the block holds blocks, images or other non-text elements.
    """
    segments = [Segment()]

    def walk(el: Element, styled: bool) -> None:
        for child in el:
            tag = child.tag
            if not isinstance(tag, str):  # a comment: only its tail is text
                pass
            elif tag == "a" and child.get("href"):
                segments.append(Segment())
            elif tag == "a" or tag in INLINE_TAGS:
                inner = styled or tag in STYLE_TAGS
                segments[-1].add(" " if tag == "br" else child.text, inner)
                walk(child, inner)
            else:
                raise NotInline
            segments[-1].add(child.tail, styled)

    segments[-1].add(block.text, False)
    walk(block, False)
    return segments


def link_label(anchor: Element) -> str | None:
    """A label typed inside the link's own text ("<a><b>Baca:</b> Title</a>"), if any."""
    first = anchor[0] if len(anchor) and not (anchor.text or "").strip() else None
    if first is not None and first.tag in STYLE_TAGS:
        label = markup.text_of(first)
        m = LABEL.match(label)
        if m and m.group("mark") and len(markup.text_of(anchor).strip()) > len(label.strip()):
            return label
    text = markup.text_of(anchor)
    m = re.match(rf"^\s*(\S.{{0,{LABEL_MAX}}}?)\s*(?:{MARK})", text)
    if m and KNOWN_LABEL.match(m.group(1).strip("[( ")):
        return text[: m.end()]
    return None
