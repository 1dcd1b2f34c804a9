"""Bytes to text as a browser reads them, and text that came out of the wrong charset caught.

The encoding is decided the way a browser decides it (w3lib): a byte-order mark, then the
``Content-Type`` header, then ``<meta charset>``, then a guess. A server that declares one charset
and sends another leaves marks in the text: bytes that do not decode (U+FFFD, e.g. windows-1252
bytes under a UTF-8 header) or mojibake (UTF-8 read as Latin-1: "â€“" for "–"). Both are caught
here. Where the repair is unambiguous (the bytes decode cleanly in the charset the page itself
declares, or as windows-1252; ftfy undoes the mojibake completely), the text is repaired and the
repair named; otherwise the page is damaged and must not be exported as good data.
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass

import ftfy
from ftfy.badness import is_bad
from w3lib.encoding import html_body_declared_encoding, html_to_unicode, resolve_encoding

REPLACEMENT = "\ufffd"
# The lead characters of UTF-8 sequences read as Latin-1/windows-1252: a cheap first test, so
# that ftfy looks only at pages that may hold mojibake.
_MOJIBAKE_LEADS = ("Ã", "Â", "â€", "Ä", "Å")


@dataclass(frozen=True)
class Decoded:
    """A page as text: the encoding it was read in, and what was wrong with it."""

    text: str
    encoding: str
    repaired: str | None = None  # how the text was repaired, when it was
    damaged: str | None = None  # why the text cannot be trusted, when it cannot


def decode_page(body: bytes, content_type: str | None = None) -> Decoded:
    """``body`` as text, decoded as a browser would, checked for charset damage."""
    encoding, text = html_to_unicode(content_type, body)
    if REPLACEMENT in text:
        return _undecodable(body, encoding, text)
    if is_utf8(encoding) and b"\xc3" not in body:
        return Decoded(text, encoding)  # every lead character is C3 xx in UTF-8: none here
    if any(lead in text for lead in _MOJIBAKE_LEADS) and is_bad(text):
        fixed = ftfy.fix_encoding(text)
        if fixed != text and not is_bad(fixed):
            return Decoded(fixed, encoding, repaired=f"mojibake: UTF-8 read as {encoding}")
        return Decoded(text, encoding, damaged=f"charset: mojibake in text read as {encoding}")
    return Decoded(text, encoding)


def is_utf8(encoding: str) -> bool:
    """True when ``encoding`` names UTF-8 (whatever the spelling)."""
    try:
        return codecs.lookup(encoding).name == "utf-8"
    except LookupError:
        return False


def _undecodable(body: bytes, encoding: str, text: str) -> Decoded:
    """Bytes that ``encoding`` cannot read: another charset the page names, or windows-1252."""
    if _strict(body, encoding) is not None:
        return Decoded(text, encoding)  # U+FFFD is in the page itself
    declared = html_body_declared_encoding(body)
    for other in (declared, "utf-8", "cp1252"):  # what the page says, the web's default, …
        name = resolve_encoding(other) if other else None
        if not name or codecs.lookup(name).name == codecs.lookup(encoding).name:
            continue
        repaired = _strict(body, name)
        if repaired is not None and not is_bad(repaired):
            return Decoded(repaired, name, repaired=f"charset: not {encoding}, read as {name}")
    bad = text.count(REPLACEMENT)
    return Decoded(text, encoding, damaged=f"charset: {bad} bytes not {encoding}")


def _strict(body: bytes, encoding: str) -> str | None:
    try:
        text = body.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        return None
    return text[1:] if text.startswith("\ufeff") else text
