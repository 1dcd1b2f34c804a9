"""Cross-links are found by their structure: labels no list names, and look-alikes that stay.

The cross-links here are generated from words the code does not name (Indonesian, English and
made-up ones), in random case and styling, with every mark and shape; a rule that needed a known
word would fail them.
"""

from __future__ import annotations

import random
import re

import pytest
from lxml import html as lxml_html

from arrahmah import boilerplate, labels, markup, text
from arrahmah.site import ArticleLinks

SITE = "https://arrahmahnews.com"
BASE = f"{SITE}/2021/03/04/artikel-ini/"
BEFORE, AFTER = "<p>Paragraf pembuka berita.</p>", "<p>Paragraf penutup berita.</p>"
WORDS = re.findall(
    r"\w+",
    "simak lainnya terkait rekomendasi jangan lewatkan pilihan redaksi berita populer sorotan"
    " ikuti kisah sebelumnya selanjutnya terpopuler terbaru info penting cek fakta bacaan ringan"
    " more news related stories also check out editor pick trending recommended further reading"
    " top picks latest update",
)
MARKS = [":", " :", "»", " »", "–", " —", "|", " |", " -", ">>", "::", "…", "→"]
STYLES = ["{}", "<strong>{}</strong>", "<b>{}</b>", "<em>{}</em>", "<span>{}</span>"]


def _word(rng: random.Random) -> str:
    if rng.random() < 0.25:  # a made-up word: nothing any list could hold
        return "".join(rng.choice("bcdgklmnprstz") + rng.choice("aeiou") for _ in range(3))
    return rng.choice(WORDS)


def _case(rng: random.Random, words: str) -> str:
    return rng.choice([str.lower, str.upper, str.title, str.capitalize])(words)


def _label(rng: random.Random) -> str:
    words = " ".join(_word(rng) for _ in range(rng.randint(1, 4)))
    assert not labels.KNOWN_LABEL.match(words)
    return _case(rng, words)


def _link(n: int) -> tuple[str, str]:
    url = f"{SITE}/2020/0{1 + n % 9}/1{n % 10}/berita-lama-nomor-{n}/"
    return url, f"Judul Berita Lama Nomor {n}"


def _a(n: int) -> str:
    url, title = _link(n)
    return f'<a href="{url}">{title}</a>'


def _embed(n: int) -> str:
    url, title = _link(n)
    return (
        f'<blockquote class="wp-embedded-content" data-secret="s{n}"><p><a href="{url}">{title}'
        f'</a></p></blockquote><p><iframe class="wp-embedded-content" sandbox="allow-scripts"'
        f' src="{url}embed/#?secret=s{n}" title="{title}"></iframe></p>'
    )


def _generated_crosslink(seed: int) -> tuple[str, list[int]]:
    """One cross-link made of words no rule names; returns the markup and its link numbers."""
    rng = random.Random(seed)
    label, mark = _label(rng), rng.choice(MARKS)
    styled = rng.choice(STYLES)
    shape = rng.choice(["inline", "glued", "bracketed", "several", "block", "list", "embed"])
    links = [seed * 10 + i for i in range(rng.randint(2, 3) if shape in ("several", "list") else 1)]
    if shape == "inline":
        return f"<p>{styled.format(label + mark)} {_a(links[0])}</p>", links
    if shape == "glued":  # no mark: glued to the link
        glued = rng.choice(STYLES[1:]).format(label)
        return f"<p>{glued}{_a(links[0])}</p>", links
    if shape == "bracketed":
        return f"<p>[{styled.format(label + mark)} {_a(links[0])}]</p>", links
    if shape == "several":
        sep = rng.choice([" | ", ", ", "<br/>", " • ", " dan "])
        return f"<p>{styled.format(label + mark)} {sep.join(_a(n) for n in links)}</p>", links
    head = f"<p>{styled.format(label + mark)}</p>"
    if shape == "block":
        return f"{head}<p>{_a(links[0])}</p>", links
    if shape == "list":
        items = "".join(f"<li>{_a(n)}</li>" for n in links)
        tag = rng.choice(["ul", "ol"])
        return f"{head}<{tag}>{items}</{tag}>", links
    return head + _embed(links[0]), links


def clean(fragment: str) -> tuple[list[str], boilerplate.Harvest]:
    root = markup.parse_fragment(fragment)
    harvest = boilerplate.Harvest(BASE, is_article=ArticleLinks(["arrahmahnews.com"], BASE))
    boilerplate.strip(root, harvest)
    return text.paragraphs(root), harvest


@pytest.mark.parametrize("seed", range(240))
def test_crosslink_with_an_unseen_label_is_removed_and_recorded(seed):
    fragment, links = _generated_crosslink(seed)
    paragraphs, harvest = clean(BEFORE + fragment + AFTER)
    assert paragraphs == ["Paragraf pembuka berita.", "Paragraf penutup berita."], fragment
    assert harvest.related == [{"url": _link(n)[0], "title": _link(n)[1]} for n in links]


def test_every_shape_and_mark_was_generated():
    fragments = [_generated_crosslink(seed)[0] for seed in range(240)]
    for mark in MARKS:
        assert any(mark.strip() + " " in f or mark.strip() + "<" in f for f in fragments), mark
    assert any("blockquote" in f for f in fragments)
    assert any("<li>" in f for f in fragments)
    assert any(re.search(r"</(strong|b|em|span)><a ", f) for f in fragments)


def test_links_keep_page_order_across_shapes():
    fragment = "".join(_generated_crosslink(seed)[0] + AFTER for seed in range(12))
    _, harvest = clean(fragment)
    expected = [n for seed in range(12) for n in _generated_crosslink(seed)[1]]
    assert [r["url"] for r in harvest.related] == [_link(n)[0] for n in expected]


def test_a_short_note_in_brackets_after_the_link():
    paragraphs, harvest = clean(f"<p><b>Tonton juga:</b> {_a(1)} (Video)</p>{AFTER}")
    assert paragraphs == ["Paragraf penutup berita."]
    assert harvest.related == [{"url": _link(1)[0], "title": _link(1)[1]}]
    sentence = f"<p>Simak juga: {_a(2)} (kata pejabat itu kepada wartawan kemarin)</p>"
    paragraphs, harvest = clean(sentence)
    assert len(paragraphs) == 1 and harvest.related == []


def test_a_list_whose_first_item_is_the_label():
    fragment = f"<ul><li><strong>Pilihan Redaksi</strong></li><li>{_a(1)}</li><li>{_a(2)}</li></ul>"
    paragraphs, harvest = clean(BEFORE + fragment)
    assert paragraphs == ["Paragraf pembuka berita."]
    assert len(harvest.related) == 2


@pytest.mark.parametrize(
    "href",
    [
        "http://arrahmahnews.com/2020/01/10/ditulis-dengan-http/",
        "https://www.arrahmahnews.com/2020/01/10/dengan-www/",
        "https://arrahmahnews.com/2020/01/10/tanpa-garis-miring",
        "/2020/01/10/tautan-relatif/",
        "https://arrahmahnews.com/?p=1234",
        "https://arrahmahnews.com/2020/01/10/dengan-utm/?utm_source=wa",
    ],
)
def test_links_to_articles_as_editors_typed_them(href):
    paragraphs, harvest = clean(f'<p>Terkait: <a href="{href}">Judul</a></p>{AFTER}')
    assert paragraphs == ["Paragraf penutup berita."]
    assert harvest.related == [{"url": markup.absolute(BASE, href), "title": "Judul"}]


# Content that only looks like a cross-link: each stays, and nothing goes to `related`.
LOOKALIKES = {
    "sentence goes on after the link": f"<p>Seperti dilaporkan {_a(1)}, serangan itu terjadi.</p>",
    "label, link, then more text": f"<p>Simak lainnya: {_a(1)} yang dirilis kemarin malam.</p>",
    "link opens a sentence": f"<p>{_a(1)} menjadi sorotan para analis pekan ini.</p>",
    "credit line leaving the site": (
        '<p>Sumber: <a href="https://www.reuters.com/world/middle-east/x">Reuters</a></p>'
    ),
    "styled credit line leaving the site": (
        '<p><strong>Foto</strong>: <a href="https://www.aljazeera.com/">Al Jazeera</a></p>'
    ),
    "label-like line with no link": "<p><strong>Catatan Redaksi:</strong></p><p>Isi catatan.</p>",
    "label line before content": "<p>Kronologi:</p><ul><li>Senin: rapat.</li><li>Selasa.</li></ul>",
    "Bacaan": "<p>Bacaan Al-Quran menggema di masjid itu sepanjang malam.</p>",
    "Baca Al-Quran": "<p>Baca Al-Quran setiap hari, pesan ulama itu kepada para santri.</p>",
    "Baca Al-Quran with a link going on": (
        f"<p>Baca Al-Quran bersama {_a(1)} menjadi tradisi warga.</p>"
    ),
    "tag link": f'<p>Baca juga: <a href="{SITE}/tag/suriah/">Suriah</a></p>',
    "category link": f'<p>Terkait: <a href="{SITE}/category/timur-tengah/">Timur Tengah</a></p>',
    "author link": f'<p>Penulis: <a href="{SITE}/author/ahmad-zaki/">Ahmad Zaki</a></p>',
    "page link": f'<p>Redaksi: <a href="{SITE}/redaksi/">Tim Redaksi</a></p>',
    "day archive link": f'<p>Arsip: <a href="{SITE}/2020/10/09/">9 Oktober</a></p>',
    "own next page": f'<p>Halaman: <a href="{BASE}2/">2</a></p>',
    "long sentence with a colon": (
        f"<p>Menteri luar negeri itu mengatakan kepada wartawan di Jakarta bahwa: {_a(1)}</p>"
    ),
    "link alone, no label": f"<p>{_a(1)}</p>",
}


@pytest.mark.parametrize("fragment", LOOKALIKES.values(), ids=LOOKALIKES.keys())
def test_lookalike_stays_content(fragment):
    paragraphs, harvest = clean(fragment)
    expected = [
        " ".join(lxml_html.fromstring(f"<{tag}>{inner}</{tag}>").text_content().split())
        for tag, inner in re.findall(r"<(p|li)>(.*?)</\1>", fragment)
    ]
    assert paragraphs == expected
    assert harvest.related == []


def test_lookalike_with_generated_labels_stays():
    """A generated label before a sentence, an offsite link, or nothing: content, every one."""
    for seed in range(100):
        rng = random.Random(seed)
        label = _label(rng) + rng.choice(MARKS)
        for fragment in (
            f"<p>{label} {_a(seed)} kata sumber itu kepada kami.</p>",
            f'<p>{label} <a href="https://example.org/{seed}/">Nama Sumber</a></p>',
            f"<p>{label}</p><p>Isi paragraf yang panjang dan biasa saja.</p>",
        ):
            paragraphs, harvest = clean(fragment)
            assert harvest.related == [], fragment
            assert len(paragraphs) == fragment.count("<p>"), fragment


def test_suspects_are_short_blocks_mostly_linking_to_articles():
    fragment = (
        f"<p>{_a(1)}</p>"  # a link alone: kept, suspect
        f"<p>Seperti dilaporkan {_a(2)}, serangan itu terjadi di perbatasan pada pagi hari.</p>"
        '<p>Sumber: <a href="https://example.org/">Example</a></p>'
    )
    paragraphs, harvest = clean(fragment)
    assert len(paragraphs) == 3
    assert harvest.suspects == [_link(1)[1]]
