"""End to end: a real `scrapy crawl arrahmah` against the project's own test site."""

from __future__ import annotations

from conftest import expected_item, manifest, read_jsonl, run_crawl, split_provenance
from fixture_site import FixtureSite, SiteServer

import arrahmah

ARTICLES = [e for e in manifest() if expected_item(e["name"]) is not None]


def _expected(base_url: str, exact_times: bool) -> dict[int, dict]:
    wanted = {}
    for entry in ARTICLES:
        item = expected_item(entry["name"])
        item["url"] = item["url"].replace("https://arrahmahnews.com", base_url)
        for link in item["related"] + item["images"]:
            link["url"] = link["url"].replace("https://arrahmahnews.com", base_url)
        if exact_times:
            item["published_at"], item["modified_at"] = entry["published"], entry["modified"]
        wanted[item["post_id"]] = item
    return wanted


def test_full_crawl_emits_every_article_once_and_valid(tmp_path, validator):
    site = FixtureSite.from_fixtures(per_page=3)
    with SiteServer(site) as server:
        result = run_crawl(server.base_url, tmp_path / "data", out=tmp_path / "out.jsonl")
        requests = server.take_requests()
    assert result.returncode == 0, result.stderr[-3000:]
    items = read_jsonl(tmp_path / "out.jsonl")
    for item in items:
        validator.validate(item)
    wanted = _expected(server.base_url, exact_times=True)
    assert sorted(i["post_id"] for i in items) == sorted(wanted)
    for item in items:
        item, provenance = split_provenance(item)
        assert provenance["crawled_at"] and provenance["extractor"] == arrahmah.__version__
        assert len(provenance["warc"]) == item["pages"]  # the archived record of each page
        assert item == wanted[item["post_id"]], item["url"]
    # the walk: every listing page once, the multi-page post's page 2, no WordPress Page
    assert site.listing_paths() <= set(requests)
    assert "/tentang-kami/" not in requests
    assert len(requests) == len(set(requests))
    assert "'arrahmah/articles/multipage': 1" in result.stderr


def test_crawl_without_rest_api_takes_times_from_the_feed(tmp_path, validator):
    site = FixtureSite.from_fixtures(per_page=5)
    site.rest_api = False
    in_feed = {p.post_id for p in site.live()[:10]}
    with SiteServer(site) as server:
        result = run_crawl(server.base_url, tmp_path / "data", out=tmp_path / "out.jsonl")
    assert result.returncode == 0, result.stderr[-3000:]
    items = read_jsonl(tmp_path / "out.jsonl")
    exact = _expected(server.base_url, exact_times=True)
    wanted = _expected(server.base_url, exact_times=False)
    assert sorted(i["post_id"] for i in items) == sorted(wanted)
    assert len(in_feed) == 10 < len(items)
    for item in items:
        validator.validate(item)
        source = exact if item["post_id"] in in_feed else wanted
        assert item["published_at"] == source[item["post_id"]]["published_at"]
        assert item["modified_at"] is None  # only the REST API tells modification times


def test_default_output_is_the_run_file_in_the_data_dir(tmp_path):
    site = FixtureSite.from_fixtures(per_page=20)
    with SiteServer(site) as server:
        result = run_crawl(server.base_url, tmp_path / "data")
    assert result.returncode == 0, result.stderr[-3000:]
    (out,) = (tmp_path / "data" / "runs").glob("*.jsonl")
    text = out.read_text("utf-8")
    assert "ARRAHMAHNEWS.COM – " in text  # UTF-8, not ASCII-escaped
    assert len(read_jsonl(out)) == len(ARTICLES)


def test_a_flaky_site_loses_nothing(tmp_path, validator):
    site = FixtureSite.from_fixtures(per_page=5)
    with SiteServer(site, flaky=True) as server:  # every first answer is a 503
        result = run_crawl(server.base_url, tmp_path / "data", out=tmp_path / "out.jsonl")
    assert result.returncode == 0, result.stderr[-3000:]
    items = read_jsonl(tmp_path / "out.jsonl")
    assert sorted(i["post_id"] for i in items) == sorted(_expected(server.base_url, True))
    assert "'retry/reason_count/503 Service Unavailable'" in result.stderr


def test_no_spider_callback_is_a_generator_that_returns_a_value():
    """Scrapy's own check parses a callback's source for every response, so the settings
    switch it off (WARN_ON_GENERATOR_RETURN_VALUE); this is the check, once."""
    import inspect

    from scrapy.utils.misc import is_generator_with_return_value

    from arrahmah.spiders.arrahmah import ArrahmahSpider
    from arrahmah.spiders.article import ArticleSpider

    for spider in (ArrahmahSpider, ArticleSpider):
        callbacks = inspect.getmembers(spider, inspect.isgeneratorfunction)
        assert callbacks
        for name, method in callbacks:
            assert not is_generator_with_return_value(method), f"{spider.__name__}.{name}"
