"""The run's ledger and the pausable request queue: what a crawl process keeps off its heap."""

from __future__ import annotations

import pickle

from queuelib.queue import LifoDiskQueue
from scrapy import Request, Spider
from scrapy.squeues import PickleLifoDiskQueue
from scrapy.utils.test import get_crawler

from arrahmah.ledger import RunLedger
from arrahmah.queues import SpillingLifoQueue
from arrahmah.wpapi import PostMeta


def test_the_post_index_is_a_mapping_read_back_whole_and_in_batches(monkeypatch):
    from arrahmah import ledger as ledger_module

    monkeypatch.setattr(ledger_module, "_BATCH", 3)
    ledger = RunLedger()
    posts = ledger.posts
    assert not posts and len(posts) == 0 and posts.get(1) is None
    for n in range(10, 0, -1):
        posts[n] = PostMeta(n, f"https://site/{n}/", "2020-10-09T10:00:00+07:00", None)
    posts[5] = PostMeta(5, "https://site/moved/", "2020-10-09T10:00:00+07:00", "2021-01-01")
    assert posts and len(posts) == 10 and 5 in posts and 11 not in posts
    assert posts[5].link == "https://site/moved/"
    assert list(posts) == list(range(1, 11))
    assert [p.post_id for p in posts.values()] == list(range(1, 11))
    ledger.close()


def test_discovery_paths_and_what_only_one_found():
    ledger = RunLedger()
    assert ledger.find("listings", "/a/") is True
    assert ledger.find("listings", "/a/") is False
    assert ledger.find("sitemaps", "/a/") is False  # a listing found it first
    assert ledger.find("sitemaps", "/b/") is True
    assert ledger.find("listings", "/c/") is True
    assert ledger.found_count("listings") == 2 and ledger.found_count("sitemaps") == 2
    assert ledger.found_only("listings") == ["/c/"]
    assert ledger.found_only("sitemaps") == ["/b/"]


def test_fetched_ids_and_first_emits():
    ledger = RunLedger()
    ledger.fetched.add(7)
    ledger.fetched.add(7)
    assert 7 in ledger.fetched and 8 not in ledger.fetched and len(ledger.fetched) == 1
    assert ledger.first_emit("/a/") is True
    assert ledger.first_emit("/a/") is False


class _Spider(Spider):
    name = "queue-test"

    def parse_a(self, response):  # pragma: no cover - never called
        pass

    def parse_b(self, response):  # pragma: no cover - never called
        pass


def _crawler():
    crawler = get_crawler(_Spider)
    crawler.spider = _Spider()
    return crawler


def test_the_queue_is_lifo_in_memory_and_written_only_when_it_closes(tmp_path):
    crawler = _crawler()
    path = tmp_path / "requests.queue" / "0"
    queue = SpillingLifoQueue.from_crawler(crawler, str(path))
    for n in range(3):
        queue.push(Request(f"https://site/{n}/", callback=crawler.spider.parse_a))
    assert not path.exists() and len(queue) == 3
    assert queue.peek().url == "https://site/2/"
    assert queue.pop().url == "https://site/2/"
    queue.push(Request("https://site/3/", callback=crawler.spider.parse_b, cb_kwargs={"n": 3}))
    queue.close()  # the crawl pauses
    assert path.exists()

    resumed = SpillingLifoQueue.from_crawler(crawler, str(path))
    popped = [resumed.pop() for _ in range(len(resumed))]
    assert [r.url for r in popped] == ["https://site/3/", "https://site/1/", "https://site/0/"]
    assert popped[0].callback == crawler.spider.parse_b and popped[0].cb_kwargs == {"n": 3}
    assert resumed.pop() is None
    resumed.close()
    assert not path.exists()  # nothing queued: no file


def test_a_request_that_cannot_be_pickled_is_left_out_at_a_pause(tmp_path):
    crawler = _crawler()
    path = tmp_path / "q"
    queue = SpillingLifoQueue.from_crawler(crawler, str(path))
    queue.push(Request("https://site/kept/", callback=crawler.spider.parse_a))
    queue.push(Request("https://site/lost/", cb_kwargs={"f": lambda: None}))
    queue.close()
    assert crawler.stats.get_value("scheduler/unserializable") == 1
    resumed = SpillingLifoQueue.from_crawler(crawler, str(path))
    assert [resumed.pop().url] == ["https://site/kept/"]
    only_lost = SpillingLifoQueue.from_crawler(crawler, str(tmp_path / "q2"))
    only_lost.push(Request("https://site/lost/", cb_kwargs={"f": lambda: None}))
    only_lost.close()
    assert not (tmp_path / "q2").exists() and not (tmp_path / "q2.part").exists()


def test_the_queue_reads_and_writes_scrapys_own_disk_queue_format(tmp_path):
    crawler = _crawler()
    scrapys = PickleLifoDiskQueue.from_crawler(crawler, str(tmp_path / "scrapy"))
    scrapys.push(Request("https://site/1/", callback=crawler.spider.parse_a))
    scrapys.push(Request("https://site/2/", callback=crawler.spider.parse_b))
    scrapys.close()
    ours = SpillingLifoQueue.from_crawler(crawler, str(tmp_path / "scrapy"))
    assert [ours.pop().url, ours.pop().url] == ["https://site/2/", "https://site/1/"]

    ours = SpillingLifoQueue.from_crawler(crawler, str(tmp_path / "ours"))
    ours.push(Request("https://site/9/", callback=crawler.spider.parse_a))
    ours.close()
    raw = LifoDiskQueue(str(tmp_path / "ours"))
    assert pickle.loads(raw.pop())["url"] == "https://site/9/"
    raw.close()


def test_beyond_the_memory_limit_the_oldest_requests_wait_on_disk_in_lifo_order(
    tmp_path, monkeypatch
):
    from arrahmah import queues

    monkeypatch.setattr(queues, "MEMORY_LIMIT", 4)
    crawler = _crawler()
    path = tmp_path / "q"
    queue = SpillingLifoQueue.from_crawler(crawler, str(path))
    urls = [f"https://site/{n}/" for n in range(10)]
    for url in urls[:7]:
        queue.push(Request(url, callback=crawler.spider.parse_a))
    assert path.exists() and len(queue.memory) <= 4 and len(queue) == 7
    assert queue.pop().url == urls[6]
    for url in urls[7:]:
        queue.push(Request(url, callback=crawler.spider.parse_a))
    assert [queue.pop().url for _ in range(len(queue))] == [*urls[:6], *urls[7:]][::-1]
    assert queue.pop() is None
    queue.close()
    assert not path.exists()
