"""Meta refresh redirects: followed as Scrapy follows them, without decoding every page."""

from __future__ import annotations

import pytest
from scrapy import Request
from scrapy.downloadermiddlewares.redirect import MetaRefreshMiddleware
from scrapy.http import HtmlResponse, Response
from scrapy.utils.test import get_crawler

from arrahmah.refresh import MetaRefresh

REFRESH = b'<html><head><meta http-equiv="Refresh" content="0; url=/moved/"></head></html>'


@pytest.fixture
def middleware() -> MetaRefresh:
    return MetaRefresh.from_crawler(get_crawler())


def test_a_page_with_a_meta_refresh_is_redirected(middleware):
    request = Request("https://site/old/")
    response = HtmlResponse("https://site/old/", body=REFRESH, encoding="utf-8")
    redirected = middleware.process_response(request, response)
    assert isinstance(redirected, Request) and redirected.url == "https://site/moved/"


@pytest.mark.parametrize(
    ("body", "encoding"),
    [
        (REFRESH, "utf-8"),
        (REFRESH.decode().encode("utf-16"), "utf-16"),  # NUL bytes: left to Scrapy's
        (b"<html><p>refresh</p></html>", "utf-8"),
        (b"<html><p>Berita</p></html>", "utf-8"),
        (b"<p>x</p>" * 3000 + REFRESH, "utf-8"),  # past what Scrapy reads
    ],
)
def test_every_page_gets_what_scrapys_middleware_gives(middleware, body, encoding):
    scrapys = MetaRefreshMiddleware.from_crawler(get_crawler())
    request = Request("https://site/old/")
    ours = middleware.process_response(
        request, HtmlResponse(request.url, body=body, encoding=encoding)
    )
    theirs = scrapys.process_response(
        request, HtmlResponse(request.url, body=body, encoding=encoding)
    )
    assert type(ours) is type(theirs)
    assert ours.url == theirs.url


def test_a_page_without_the_word_goes_on_undecoded(middleware, monkeypatch):
    def decoded(self):  # pragma: no cover - must not run
        raise AssertionError("decoded")

    request = Request("https://site/a/")
    response = HtmlResponse("https://site/a/", body=b"<html><p>Berita</p></html>", encoding="utf-8")
    monkeypatch.setattr(HtmlResponse, "text", property(decoded))
    assert middleware.process_response(request, response) is response
    plain = Response("https://site/a.bin", body=b"refresh")
    assert middleware.process_response(request, plain) is plain
