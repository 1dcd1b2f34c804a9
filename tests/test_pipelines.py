"""Validation drops invalid items with a counted reason; duplicates are dropped."""

from __future__ import annotations

import dataclasses

import pytest
from conftest import fixture_pages, manifest
from scrapy.exceptions import DropItem
from scrapy.statscollectors import MemoryStatsCollector
from scrapy.utils.test import get_crawler

from arrahmah import markup
from arrahmah.extract import Extractor
from arrahmah.pipelines import DuplicatesPipeline, ValidationPipeline

SEED = next(e for e in manifest() if e["name"] == "seed-putin")


@pytest.fixture
def article():
    return Extractor().extract(fixture_pages(SEED))


@pytest.fixture
def stats():
    return MemoryStatsCollector(get_crawler())


@pytest.mark.parametrize(
    "change",
    [
        {"post_id": None},
        {"title": ""},
        {"published_at": "9 Oktober 2020"},
        {"url": "not a url"},
        {"related": [{"url": "https://x.test/a/"}]},
        {"content_hash": "abc"},
        {"comments_count": -1},
    ],
)
def test_invalid_items_are_dropped_and_counted(article, stats, change):
    pipeline = ValidationPipeline(stats)
    with pytest.raises(DropItem, match="invalid"):
        pipeline.process_item(dataclasses.replace(article, **change))
    assert stats.get_value("arrahmah/dropped/invalid") == 1


def test_valid_item_passes(article, stats):
    assert ValidationPipeline(stats).process_item(article) is article
    assert stats.get_value("arrahmah/items/valid") == 1


def test_second_item_of_an_article_is_dropped(article, stats):
    pipeline = DuplicatesPipeline(stats)
    pipeline.process_item(article)
    again = dataclasses.replace(article, crawled_at="2026-11-25T01:00:00+00:00")
    with pytest.raises(DropItem, match="duplicate"):
        pipeline.process_item(again)
    other = dataclasses.replace(article, url=article.url.replace("putin", "putin-lain"))
    assert pipeline.process_item(other) is other
    assert stats.get_value("arrahmah/dropped/duplicate") == 1


def test_raw_article_pickles_with_its_content_as_html():
    import pickle

    from arrahmah.page import ArticlePage

    ((url, html),) = fixture_pages(SEED)
    raw = ArticlePage.from_html(html, url).to_raw("2026-11-25T00:00:00+00:00")
    again = pickle.loads(pickle.dumps(raw))
    assert [markup.to_html(r) for r in again.content] == [markup.to_html(r) for r in raw.content]
    assert again.url == raw.url and again.images == raw.images
