"""The page parser: field fallbacks, listings, and the site's URL scheme."""

from __future__ import annotations

import json
import re

import pytest
from conftest import fixture_pages, manifest

from arrahmah import markup
from arrahmah.page import (
    ArticlePage,
    ListingPage,
    main_column,
    normalize_iso,
    parse_display_date,
)
from arrahmah.site import Site

BY_NAME = {entry["name"]: entry for entry in manifest()}

# Another theme with an SEO plugin: no theme classes, everything in meta tags and JSON-LD.
SEO_PAGE = """<!DOCTYPE html><html><head>
<link rel="canonical" href="https://arrahmahnews.com/2021/01/02/judul-berita/" />
<link rel="shortlink" href="https://arrahmahnews.com/?p=4242" />
<meta property="og:title" content="Judul Berita - Arrahmahnews" />
<meta property="og:image" content="https://arrahmahnews.com/wp-content/uploads/x.jpg" />
<meta property="article:published_time" content="2021-01-02T08:30:00+07:00" />
<meta property="article:modified_time" content="2021-01-03T09:00:00+0700" />
<meta property="article:section" content="Timur Tengah" />
<meta property="article:tag" content="Iran" /><meta property="article:tag" content="Irak" />
<script type="application/ld+json">%s</script>
</head><body class="post-template-default single single-post">
<article class="post type-post"><h1 class="title">Judul Berita</h1>
<div class="entry-content"><p>Teheran, ARRAHMAHNEWS.COM – Isi.</p></div></article>
</body></html>""".replace(
    "%s",
    json.dumps(
        {
            "@context": "https://schema.org",
            "@graph": [
                {"@type": "WebPage", "name": "x"},
                {
                    "@type": "NewsArticle",
                    "headline": "Judul Berita",
                    "author": {"@type": "Person", "name": "Ahmad Zaki"},
                    "datePublished": "2021-01-02T08:30:00+07:00",
                },
            ],
        }
    ),
)


def test_structured_data_is_read_when_the_theme_markup_is_missing():
    page = ArticlePage.from_html(SEO_PAGE, "https://arrahmahnews.com/2021/01/02/judul-berita/")
    assert page.is_article()
    assert page.canonical_url() == "https://arrahmahnews.com/2021/01/02/judul-berita/"
    assert page.post_id() == 4242
    assert page.title() == "Judul Berita"
    assert page.published_at() == "2021-01-02T08:30:00+07:00"
    assert page.modified_at() == "2021-01-03T09:00:00+07:00"
    assert page.author() == "Ahmad Zaki"
    assert page.categories() == ["Timur Tengah"]
    assert page.tags() == ["Iran", "Irak"]
    assert page.featured_image() == {
        "url": "https://arrahmahnews.com/wp-content/uploads/x.jpg",
        "caption": None,
    }
    assert "Teheran" in markup.text_of(page.content())


def test_theme_page_gives_date_only_and_no_modified_time():
    ((url, html),) = fixture_pages(BY_NAME["seed-putin"])
    page = ArticlePage.from_html(html, url)
    assert page.published_at() == "2020-10-09"
    assert page.modified_at() is None
    assert page.post_id() == 120
    assert page.comments_count() == 0


def test_comment_content_is_not_article_content():
    (url, html), _ = fixture_pages(BY_NAME["multipage-comments"])
    page = ArticlePage.from_html(html, url)
    assert page.comments_count() == 5
    assert "Analisa yang tajam" not in markup.text_of(page.content())
    assert page.page_links() == [url + "2/"]
    assert page.page_number() == 1


@pytest.mark.parametrize("name", ["wp-page", "listing-home", "listing-category"])
def test_non_articles_are_not_articles(name):
    ((url, html),) = fixture_pages(BY_NAME[name])
    assert not ArticlePage.from_html(html, url).is_article()


def test_home_listing_cards_sticky_and_pagination():
    ((url, html),) = fixture_pages(BY_NAME["listing-home"])
    listing = ListingPage.from_html(html, url)
    links = listing.article_links()
    assert len(links) == 11
    assert listing.sticky_links() == [
        "https://arrahmahnews.com/2020/11/13/jerman-tuding-amerika-serikat-dalangi-karikatur-nabi/"
    ]
    assert links[0] == listing.sticky_links()[0]
    assert listing.next_page() == "https://arrahmahnews.com/page/2/"
    assert "https://arrahmahnews.com/page/2/" in listing.pagination_links()
    site = Site.from_base_url("https://arrahmahnews.com")
    categories = {link for link in listing.links() if site.is_category_url(link)}
    assert "https://arrahmahnews.com/category/timur-tengah/yaman/" in categories


@pytest.mark.parametrize(
    ("text", "iso"),
    [
        ("October 9, 2020", "2020-10-09"),
        ("9 Oktober 2020", "2020-10-09"),
        ("Mei 3, 2021", "2021-05-03"),
        ("February 30, 2021", None),
        ("kemarin", None),
        (None, None),
    ],
)
def test_display_dates(text, iso):
    assert parse_display_date(text) == iso


def test_iso_normalisation():
    assert normalize_iso("2021-01-03T09:00:00+0700") == "2021-01-03T09:00:00+07:00"
    assert normalize_iso("2021-01-03") == "2021-01-03"
    assert normalize_iso("3 Jan 2021") is None


def test_site_urls_follow_the_base_url():
    site = Site.from_base_url("http://127.0.0.1:8123/")
    assert site.base_url == "http://127.0.0.1:8123"
    assert site.host == "127.0.0.1"
    assert site.is_article_url("http://127.0.0.1:8123/2020/10/09/judul/")
    assert site.is_article_url("http://127.0.0.1:8123/2020/10/09/judul/2/")
    assert site.article_first_page("http://127.0.0.1:8123/2020/10/09/judul/2/") == (
        "http://127.0.0.1:8123/2020/10/09/judul/"
    )
    assert not site.is_article_url("https://arrahmahnews.com/2020/10/09/judul/")
    assert not site.is_article_url("http://127.0.0.1:8123/2020/10/")
    assert not site.is_article_url("http://127.0.0.1:8123/tentang-kami/")
    assert site.is_listing_url("http://127.0.0.1:8123/page/3/")
    assert site.is_category_url("http://127.0.0.1:8123/category/timur-tengah/yaman/")
    assert not site.is_category_url("http://127.0.0.1:8123/category/opini/page/2/")
    assert not site.is_listing_url("http://127.0.0.1:8123/tag/iran/")
    with pytest.raises(ValueError):
        Site.from_base_url("arrahmahnews.com")


@pytest.mark.parametrize("encoding", ["utf-8", "utf-16-le", "cp1252"])
def test_pages_parse_in_any_encoding_and_with_an_xml_declaration(encoding):
    ((url, html),) = fixture_pages(BY_NAME["one-paragraph"])
    if encoding == "cp1252":
        html = html.replace("–", "-").replace("“", '"').replace("”", '"').replace("’", "'")
    page = ArticlePage.from_html(html.encode(encoding, errors="replace"), url, encoding)
    assert page.title() == "Pashinyan: Ekspansi NATO Ancam Stabilitas"
    declared = ArticlePage.from_html('<?xml version="1.0" encoding="utf-8"?>\n' + html, url)
    assert declared.post_id() == 325


def test_an_empty_or_binary_page_is_no_article():
    for body in (b"", b"\x00\x01\x02", "   "):
        assert not ArticlePage.from_html(
            body, "https://arrahmahnews.com/2020/01/01/x/"
        ).is_article()


def test_only_the_main_column_is_parsed_and_nothing_is_lost():
    entry = BY_NAME["multipage-comments"]
    ((url, html), _) = fixture_pages(entry)
    main = main_column(html)
    assert 0 < len(main) < len(html) * 0.8 and "mh-sidebar" not in main[-200:]
    whole = ArticlePage(markup.parse_document(html), url)
    cut = ArticlePage.from_html(html.encode(), url, "utf-8")
    for field in ("canonical_url", "post_id", "title", "author", "categories", "tags"):
        assert getattr(cut, field)() == getattr(whole, field)(), field
    assert cut.comments_count() == whole.comments_count() == 5
    assert markup.to_html(cut.content()) == markup.to_html(whole.content())


def test_the_comments_are_parsed_only_when_the_meta_line_does_not_count_them():
    (url, html), _ = fixture_pages(BY_NAME["multipage-comments"])
    counted = ArticlePage.from_html(html, url)
    assert 'id="mh-comments"' not in main_column(html)  # its count is in the meta line
    assert counted.comments_count() == 5
    # the count read before the parse stands when the post's frame is not found in the tree
    assert ArticlePage.from_html(html.replace("type-post", "type-x"), url).comments_count() == 5
    # no count in the meta line: the section is read (its heading, then its list)
    uncounted = re.sub(r'(class="entry-meta-comments">.*?>)5(</a>)', r"\1\2", html)
    assert 'id="mh-comments"' in main_column(uncounted)
    assert ArticlePage.from_html(uncounted, url).comments_count() == 5
    listed = re.sub(r"5 Comments", "Comments", uncounted)
    assert ArticlePage.from_html(listed, url).comments_count() == 5
    for page in (counted, ArticlePage.from_html(uncounted, url)):
        assert page.page_links() == [url + "2/"]
        assert "Analisa yang tajam" not in markup.text_of(page.content())


@pytest.mark.parametrize(
    "html",
    [
        "<html><body><aside class='mh-sidebar'>widgets</aside>"
        "<div class='entry-content'><p>Isi.</p></div></body></html>",  # sidebar first
        "<html><body><div class='entry-content'><p>Isi.</p></div></body></html>",  # none
    ],
)
def test_a_page_of_another_layout_is_parsed_whole(html):
    assert main_column(html) == html
    assert main_column(html.encode()) == html.encode()
