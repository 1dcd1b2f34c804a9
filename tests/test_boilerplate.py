"""Each boilerplate rule, on the markup it is for and on content that only looks like it."""

from __future__ import annotations

import pytest
from lxml import html as lxml_html

from arrahmah import boilerplate, markup, text

BASE = "https://arrahmahnews.com/2020/10/09/post/"
LINK = "https://arrahmahnews.com/2020/08/06/older-post/"
TITLE = "Judul Berita Lama"
CONTENT = "<p>Paragraf isi.</p>"


def clean(fragment: str) -> tuple[list[str], boilerplate.Harvest]:
    root = markup.parse_fragment(fragment)
    harvest = boilerplate.Harvest(base_url=BASE)
    boilerplate.strip(root, harvest)
    return text.paragraphs(root), harvest


CROSSLINK_FORMS = {
    "a: label then embed": (
        f'<p><strong>Baca:</strong></p><blockquote class="wp-embedded-content" data-secret="x">'
        f'<p><a href="{LINK}">{TITLE}</a></p></blockquote><p><iframe class="wp-embedded-content"'
        f' sandbox="allow-scripts" src="{LINK}embed/#?secret=a#?secret=x"></iframe></p>'
    ),
    "b: label glued to link": f'<p><strong>Baca</strong><a href="{LINK}">{TITLE}</a></p>',
    "c: Baca juga:": f'<p>Baca juga: <a href="{LINK}">{TITLE}</a></p>',
    "d: BACA JUGA:": f'<p><strong>BACA JUGA:</strong> <a href="{LINK}">{TITLE}</a></p>',
    "e: label then list": (
        f'<p><strong>Baca:</strong></p><ul><li><a href="{LINK}">{TITLE}</a></li></ul>'
    ),
    "label inside link": f'<p><a href="{LINK}">Baca juga: {TITLE}</a></p>',
    "label then link paragraph": f'<p><em>Baca Juga :</em></p><p><a href="{LINK}">{TITLE}</a></p>',
    "label, line break, link": (
        f'<p><strong>Baca juga:</strong><br/><a href="{LINK}">{TITLE}</a></p>'
    ),
    "simak juga": f'<p>Simak juga: <a href="{LINK}">{TITLE}</a></p>',
    "bracketed": f'<p>[Baca juga: <a href="{LINK}">{TITLE}</a>]</p>',
    "guillemet": f'<p><em>Baca Juga »</em> <a href="{LINK}">{TITLE}</a></p>',
    "heading label then list": (
        f'<h4>Berita Terkait</h4><ol><li><a href="{LINK}">{TITLE}</a></li></ol>'
    ),
    "whole paragraph bold": f'<p><strong>BACA: <a href="{LINK}">{TITLE}</a></strong></p>',
    "label then block embed": (
        f'<p>Baca juga:</p><figure class="wp-block-embed is-type-wp-embed"><div class='
        f'"wp-block-embed__wrapper"><blockquote class="wp-embedded-content"><a href="{LINK}">'
        f'{TITLE}</a></blockquote><iframe class="wp-embedded-content" src="{LINK}embed/">'
        "</iframe></div></figure>"
    ),
    "embed without label": (
        f'<blockquote class="wp-embedded-content"><p><a href="{LINK}">{TITLE}</a></p></blockquote>'
    ),
}


@pytest.mark.parametrize("fragment", CROSSLINK_FORMS.values(), ids=CROSSLINK_FORMS.keys())
def test_crosslink_is_removed_and_kept_as_related(fragment):
    paragraphs, harvest = clean(CONTENT + fragment + CONTENT)
    assert paragraphs == ["Paragraf isi.", "Paragraf isi."]
    assert harvest.related == [{"url": LINK, "title": TITLE}]


def test_crosslink_list_keeps_every_link_in_order():
    items = "".join(f'<li><a href="{LINK}{n}/">Judul {n}</a></li>' for n in range(3))
    paragraphs, harvest = clean(f"<p><strong>Baca:</strong></p><ul>{items}</ul>{CONTENT}")
    assert paragraphs == ["Paragraf isi."]
    assert [r["title"] for r in harvest.related] == ["Judul 0", "Judul 1", "Judul 2"]


def test_related_follow_page_order_across_rule_kinds():
    fragment = (
        f'<p>Baca juga: <a href="{LINK}1/">Satu</a></p>'
        f'<p><strong>Baca:</strong></p><ul><li><a href="{LINK}2/">Dua</a></li></ul>'
        f'<p>Baca juga: <a href="{LINK}3/">Tiga</a></p>'
    )
    _, harvest = clean(fragment)
    assert [r["title"] for r in harvest.related] == ["Satu", "Dua", "Tiga"]


CONTENT_THAT_LOOKS_LIKE_BACA = [
    "<p>Bacaan Al-Quran menggema di masjid itu sepanjang malam.</p>",
    "<p>Baca Al-Quran setiap hari, pesan ulama itu kepada para santri.</p>",
    f'<p>Baca juga laporan <a href="{LINK}">Reuters</a> tentang serangan itu.</p>',
    f'<p>Membaca situasi itu, <a href="{LINK}">PBB</a> mengeluarkan pernyataan.</p>',
    "<p><strong>Baca</strong> adalah kata pertama yang diturunkan.</p>",
    f'<p>Simak pula <a href="{LINK}">wawancara lengkapnya</a> di kanal kami.</p>',
    "<p>Lihat juga: situasi di lapangan masih berkembang.</p>",
    f'<ul><li><a href="{LINK}">Sumber</a> menyebut 12 korban.</li></ul>',
]


@pytest.mark.parametrize("fragment", CONTENT_THAT_LOOKS_LIKE_BACA)
def test_content_that_starts_like_a_crosslink_stays(fragment):
    paragraphs, harvest = clean(fragment)
    assert paragraphs == [" ".join(lxml_html.fromstring(fragment).text_content().split())]
    assert harvest.related == []


def test_captioned_image_moves_to_images():
    fragment = (
        '<p>Awal.</p><figure id="attachment_1" class="wp-caption aligncenter">'
        '<img src="/wp-content/uploads/a.jpg"/><figcaption class="wp-caption-text">'
        "Keterangan foto</figcaption></figure><p>Akhir.</p>"
        '<div class="wp-caption"><img data-src="/b.jpg" src="data:image/gif;base64,x"/>'
        '<p class="wp-caption-text">Kedua</p></div><p><img src="/c.png"/></p>'
    )
    paragraphs, harvest = clean(fragment)
    assert paragraphs == ["Awal.", "Akhir."]
    assert harvest.images == [
        {"url": "https://arrahmahnews.com/wp-content/uploads/a.jpg", "caption": "Keterangan foto"},
        {"url": "https://arrahmahnews.com/b.jpg", "caption": "Kedua"},
        {"url": "https://arrahmahnews.com/c.png", "caption": None},
    ]


PAGE_FURNITURE = {
    "author box": (
        '<div class="mh-author-box mh-clearfix"><span class="mh-author-box-name">About '
        'Arrahmahnews</span><span class="mh-author-box-postcount"><a href="/author/a/" '
        'title="More articles written by Arrahmahnews">26657 Articles</a></span>'
        '<div class="mh-author-box-bio">Media Aktual, Tajam dan Terpercaya</div></div>'
    ),
    "no comments yet": (
        '<h4 id="mh-comments" class="mh-widget-title mh-comment-form-title">'
        '<span class="mh-widget-title-inner">Be the first to comment</span></h4>'
    ),
    "comment list": (
        '<div id="mh-comments" class="mh-comments-wrap"><h4>3 Comments</h4>'
        '<ol class="commentlist mh-comment-list"><li class="comment"><p>Komentar</p></li></ol>'
        "</div>"
    ),
    "comments closed": '<p class="no-comments">Comments are closed.</p>',
    "comment form": (
        '<div id="respond" class="comment-respond"><h3>Leave a Reply</h3><form><p>Your email'
        " address will not be published.</p><textarea></textarea></form></div>"
    ),
    "akismet": (
        '<p class="akismet_comment_form_privacy_notice">This site uses Akismet to reduce spam.'
        ' <a href="https://akismet.com/privacy/">Learn how your comment data is processed</a>.</p>'
    ),
    "youtube": '<p><iframe src="https://www.youtube.com/embed/x" title="YouTube"></iframe></p>',
    "block video embed": (
        '<figure class="wp-block-embed is-type-video"><div class="wp-block-embed__wrapper">'
        '<iframe src="https://www.youtube.com/embed/x"></iframe></div>'
        "<figcaption>Video: pidato presiden</figcaption></figure>"
    ),
    "script": "<script>var x = 'Baca';</script><style>p{}</style>",
    "page links": (
        '<div class="pagination clear mh-clearfix"><span class="post-page-numbers current">'
        '<span class="pagelink">1</span></span> <a href="/p/2/" class="post-page-numbers">'
        '<span class="pagelink">2</span></a></div>'
    ),
}


@pytest.mark.parametrize("fragment", PAGE_FURNITURE.values(), ids=PAGE_FURNITURE.keys())
def test_page_furniture_is_removed(fragment):
    paragraphs, harvest = clean(CONTENT + fragment)
    assert paragraphs == ["Paragraf isi."]
    assert harvest.related == []


def test_every_rule_has_a_name_and_description():
    names = [rule.name for rule in boilerplate.RULES]
    assert len(names) == len(set(names))
    assert all(rule.description for rule in boilerplate.RULES)


def test_several_labels_and_links_in_one_paragraph():
    fragment = (
        f'<p><strong>Baca:</strong> <a href="{LINK}1/">Satu</a><br/>'
        f'<strong>Baca juga:</strong> <a href="{LINK}2/">Dua</a></p>{CONTENT}'
    )
    paragraphs, harvest = clean(fragment)
    assert paragraphs == ["Paragraf isi."]
    assert [r["title"] for r in harvest.related] == ["Satu", "Dua"]


def test_crosslink_box_in_a_table_cell():
    fragment = f'<table><tr><td>Baca juga: <a href="{LINK}">{TITLE}</a></td></tr></table>{CONTENT}'
    paragraphs, harvest = clean(fragment)
    assert paragraphs == ["Paragraf isi."]
    assert harvest.related == [{"url": LINK, "title": TITLE}]


def test_gallery_images_keep_their_own_captions():
    fragment = (
        '<figure class="wp-block-gallery"><figure class="wp-block-image"><img src="/a.jpg"/>'
        '<figcaption>Satu</figcaption></figure><figure class="wp-block-image">'
        '<img src="/b.jpg"/><figcaption>Dua</figcaption></figure>'
        '<figcaption class="blocks-gallery-caption">Galeri</figcaption></figure>' + CONTENT
    )
    paragraphs, harvest = clean(fragment)
    assert paragraphs == ["Paragraf isi."]
    assert [(i["url"].rsplit("/", 1)[1], i["caption"]) for i in harvest.images] == [
        ("a.jpg", "Satu"),
        ("b.jpg", "Dua"),
    ]


def test_table_caption_leaves_the_table_rows_stay():
    fragment = (
        '<figure class="wp-block-table"><table><tr><td>Iran</td><td>12</td></tr></table>'
        "<figcaption>Sumber: PBB</figcaption></figure>"
    )
    paragraphs, _ = clean(fragment)
    assert paragraphs == ["Iran\t12"]
