"""The garbage collector's settings during a crawl, and after it; the log lines it makes."""

from __future__ import annotations

import gc

import pytest
from scrapy.exceptions import NotConfigured
from scrapy.utils.test import get_crawler

from arrahmah.collector import CollectorTuning


def test_the_crawl_collects_less_often_and_leaves_the_collector_as_it_found_it():
    before = gc.get_threshold()
    crawler = get_crawler(settings_dict={"ARRAHMAH_GC_THRESHOLD": 9999})
    tuning = CollectorTuning.from_crawler(crawler)
    tuning.spider_opened()
    try:
        assert gc.get_threshold() == (9999, *before[1:])
        assert gc.get_freeze_count() > 0
    finally:
        tuning.spider_closed()
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0


def test_a_threshold_of_zero_keeps_pythons_defaults():
    with pytest.raises(NotConfigured):
        CollectorTuning.from_crawler(get_crawler(settings_dict={"ARRAHMAH_GC_THRESHOLD": 0}))


def test_response_and_item_lines_are_made_only_when_the_log_level_shows_them():
    from scrapy import Request
    from scrapy.http import Response

    from arrahmah.logformat import LevelAwareLogFormatter

    request = Request("https://site/a/")
    response = Response("https://site/a/", request=request)
    for level, shown in (("INFO", False), ("DEBUG", True), (10, True), ("WARNING", False)):
        crawler = get_crawler(settings_dict={"LOG_LEVEL": level})
        formatter = LevelAwareLogFormatter.from_crawler(crawler)
        assert (formatter.crawled(request, response, None) is not None) is shown
        assert (formatter.scraped({"a": 1}, response, None) is not None) is shown
