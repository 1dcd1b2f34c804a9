"""Every fixture page gives exactly its expected item (or no item for a non-article)."""

from __future__ import annotations

import pytest
from conftest import expected_item, fixture_pages, manifest, split_provenance
from itemadapter import ItemAdapter

import arrahmah
from arrahmah.extract import Extractor, NotAnArticle

CASES = manifest()


@pytest.mark.parametrize("entry", CASES, ids=[c["name"] for c in CASES])
def test_page_gives_expected_item(entry, validator):
    expected = expected_item(entry["name"])
    pages = fixture_pages(entry)
    if expected is None:
        with pytest.raises(NotAnArticle):
            Extractor().extract(pages)
        return
    item = ItemAdapter(Extractor().extract(pages)).asdict()
    validator.validate(item)
    item, provenance = split_provenance(item)
    assert provenance["crawled_at"] and provenance["extractor"] == arrahmah.__version__
    assert provenance["warc"] == []  # pages not read from an archive
    assert item == expected


def test_seed_article_is_clean():
    entry = next(c for c in CASES if c["name"] == "seed-putin")
    item = Extractor().extract(fixture_pages(entry))
    paragraphs = item.body.split("\n\n")
    assert len(paragraphs) == 11
    assert paragraphs[0].startswith("Moskow, ARRAHMAHNEWS.COM – Armenia dan Azerbaijan menyetujui")
    assert paragraphs[-1].endswith("setelah pembicaraan tertutup. (ARN)")
    assert item.dateline == "Moskow"
    assert [r["title"] for r in item.related] == [
        "Ryabkov Serukan Gencatan Senjata Segera atas Dasar Kemanusiaan",
        "PM Yaman: Saudi-UEA “neo-Nazi” Zaman ini",
    ]
    for leak in (
        "Baca",
        "About Arrahmahnews",
        "26657 Articles",
        "Media Aktual, Tajam dan Terpercaya",
        "Be the first to comment",
        "This site uses Akismet",
    ):
        assert leak not in item.body


def test_real_site_nbsp_after_site_name_is_whitespace():
    entry = next(c for c in CASES if c["name"] == "seed-putin")
    ((url, page),) = fixture_pages(entry)
    page = page.replace("ARRAHMAHNEWS.COM – Armenia", "ARRAHMAHNEWS.COM –&nbsp;Armenia")
    item = Extractor().extract([(url, page)])
    assert item.body.startswith("Moskow, ARRAHMAHNEWS.COM – Armenia dan")
    assert item.dateline == "Moskow"


def _stray(html: str, where: str) -> str:
    """The page with one stray ``</div>`` (or more) where an editor or a plugin left it."""
    start = html.index('<div class="entry-content')
    inside = html.index(">", start) + 1
    return {
        "after the content opens": html[:inside] + "</div>" + html[inside:],
        "two after the content opens": html[:inside] + "</div></div>" + html[inside:],
        "before the content": html[:start] + "</div>" + html[start:],
        "before the article": html.replace("<article", "</div><article", 1),
        "before the header": html.replace('<header class="entry', '</div><header class="entry', 1),
        "after the title": html.replace("</h1>", "</h1></div>", 1),
    }[where]


STRAYS = ["after the content opens", "two after the content opens", "before the content"]
STRAYS += ["before the article", "before the header", "after the title"]


@pytest.mark.parametrize("where", STRAYS)
@pytest.mark.parametrize("name", ["seed-putin", "no-author-box", "comments-closed-table"])
def test_a_stray_end_tag_loses_nothing_a_browser_shows(name, where):
    entry = next(c for c in CASES if c["name"] == name)
    ((url, html),) = fixture_pages(entry)
    item = ItemAdapter(Extractor().extract([(url, _stray(html, where))])).asdict()
    assert split_provenance(item)[0] == expected_item(name)
