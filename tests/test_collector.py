"""The garbage collector's settings during a crawl, and after it."""

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
