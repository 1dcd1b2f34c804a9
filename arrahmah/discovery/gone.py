"""The end-of-walk check of the posts the site no longer lists.

When the walk is done, every live post the state knows that a complete listing of the site (the
whole REST index, or a full walk's articles) did not show, and this run did not export, is
asked for once: 404/410 marks it gone (reported, never deleted from the dataset); an article
page is read again, as any other; a failed check (timeouts, 5xx) leaves it live until a later
run. The state is streamed: a large one is never held whole.
"""

from __future__ import annotations

from collections.abc import Container, Iterator

from scrapy import Request
from scrapy.http import Response
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure

from arrahmah.discovery import Source
from arrahmah.losses import GONE_STATUSES
from arrahmah.state import Known


class GoneCheck(Source):
    """One run's check of the posts the site no longer lists."""

    def candidates(self, listed: Container[int]) -> Iterator[Known]:
        """Known live posts that ``listed`` (the ids of a complete listing) does not hold."""
        for known in self.crawl.state.live():
            if known.post_id not in listed and known.last_run != self.crawl.run_id:
                yield known

    def requests(self, listed: Container[int]) -> Iterator[Request]:
        """A check of each candidate (see `candidates`)."""
        for known in self.candidates(listed):
            yield self._request(
                self.crawl.site.url(known.path),
                cb_kwargs={"post_id": known.post_id},
                meta={"handle_httpstatus_list": list(GONE_STATUSES)},
                dont_filter=True,
            )

    def gone(self, response: Response, post_id: int) -> bool:
        """Whether the check says the post is gone (404/410); marks it gone in the state."""
        if response.status not in GONE_STATUSES:
            return False
        detail = f"{response.status} {self.crawl.site.path_of(response.url)}"
        if self.crawl.state.mark_gone(self.crawl.run_id, post_id, detail):
            self.crawl.logger.info("post %d is gone (%s)", post_id, detail)
        return True

    def failed(self, failure: Failure) -> None:
        """The check itself failed (timeouts, 5xx): the post stays live until a later run."""
        if failure.check(HttpError):
            self.crawl.logger.info(
                "gone check %s: %s",
                failure.request.url,  # type: ignore[attr-defined]
                failure.getErrorMessage(),
            )
