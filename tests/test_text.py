"""HTML to paragraphs, datelines, hashes."""

from __future__ import annotations

import pytest

from arrahmah import markup, text


def paragraphs(fragment: str) -> list[str]:
    return text.paragraphs(markup.parse_fragment(fragment))


def test_blocks_become_paragraphs():
    fragment = (
        "<p>Satu <strong>dua</strong>\n tiga.</p><h2>Judul  Bagian</h2>"
        "<ul><li>Butir satu</li><li>Butir <em>dua</em></li></ul>"
        "<blockquote><p>Kutipan satu.</p><p>Kutipan dua.</p></blockquote>"
        "<table><tr><th>Negara</th><th>Jumlah</th></tr><tr><td>Iran</td><td>12</td></tr></table>"
        "<ol><li><p>Nomor satu</p></li></ol>"
    )
    assert paragraphs(fragment) == [
        "Satu dua tiga.",
        "Judul Bagian",
        "Butir satu",
        "Butir dua",
        "Kutipan satu.",
        "Kutipan dua.",
        "Negara\tJumlah",
        "Iran\t12",
        "Nomor satu",
    ]


def test_unicode_spaces_collapse_but_typography_stays():
    fragment = "<p>ARRAHMAHNEWS.COM –&nbsp;Armenia\u2009dan\u202f“Azerbaijan”…\t—  ‘x’</p>"
    assert paragraphs(fragment) == ["ARRAHMAHNEWS.COM – Armenia dan “Azerbaijan”… — ‘x’"]


def test_line_break_is_a_space_and_empty_blocks_vanish():
    assert paragraphs("<p>baris satu<br/>baris dua</p><p> \xa0 </p><p></p>") == [
        "baris satu baris dua"
    ]


@pytest.mark.parametrize(
    ("body", "place"),
    [
        ("Moskow, ARRAHMAHNEWS.COM – Armenia dan Azerbaijan", "Moskow"),
        ("Tel Aviv, ARRAHMAHNEWS.COM — Israel", "Tel Aviv"),
        ("Sana’a, ARRAHMAHNEWS.COM - Yaman", "Sana’a"),
        ("Jakarta, arrahmahnews.com – Presiden", "Jakarta"),
        ("Gaza (ARRAHMAHNEWS.COM) – Hamas", "Gaza"),
        ("Al-Quds, ARRAHMAHNEWS.COM: Israel", "Al-Quds"),
        ("Oleh: Zahra Pratama Ketegangan kembali meningkat", None),
        ("Presiden Rusia, Vladimir Putin, mengatakan", None),
        ("", None),
    ],
)
def test_dateline(body, place):
    assert text.dateline(body) == place


def test_content_hash_changes_with_title_or_body():
    h = text.content_hash("Judul", "Isi")
    assert len(h) == 64
    assert h != text.content_hash("Judul", "Isi.")
    assert h != text.content_hash("Judul lain", "Isi")
    assert h == text.content_hash("Judul", "Isi")


def test_word_count():
    assert text.word_count("Satu dua\n\ntiga, empat.") == 4
    assert text.word_count("") == 0
