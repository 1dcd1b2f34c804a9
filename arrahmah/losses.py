"""Losses: every URL a run wanted and did not export, and why.

The spider and the pipelines name a loss; the run recorder (`arrahmah.recorder`) lists each
one in the run report's ``failed``, counts them by reason, and tells the crawl state which to
fetch again. A *terminal* reason will not change by asking again (robots.txt forbids the page,
it is too large, it is not an article); a *transient* one may (the server failed, the page came
damaged): those are fetched again by a bounded number of later runs, then given up.
"""

from __future__ import annotations

from dataclasses import dataclass

from scrapy.exceptions import DownloadCancelledError, DropItem, IgnoreRequest
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure

# A custom signal: send_catch_log(article_lost, loss=Loss(...)).
article_lost = object()

TERMINAL = frozenset(
    {"robots", "too_large", "not_article", "not_html", "offsite_redirect", "gone", "given_up"}
)
# parse_error: reading the page raised (a parser bug; the traceback is in the log): a later
# run, perhaps with a mended parser, reads it again
TRANSIENT = frozenset(
    {"fetch_failed", "damaged", "invalid", "redirect_loop", "incomplete", "parse_error"}
)
GONE_STATUSES = (404, 410)


@dataclass(frozen=True)
class Loss:
    """A URL the run wanted and did not export."""

    url: str
    reason: str  # one of TERMINAL or TRANSIENT
    detail: str = ""

    @property
    def terminal(self) -> bool:
        """True when asking again would not change the answer."""
        return self.reason in TERMINAL

    def as_dict(self) -> dict[str, str]:
        """As the run report lists it."""
        return {"url": self.url, "reason": self.reason, "detail": self.detail}


def from_failure(url: str, failure: Failure) -> Loss:
    """The loss a failed request stands for: its reason, with the status or error."""
    value = failure.value
    if failure.check(HttpError):
        status = value.response.status  # type: ignore[union-attr]
        reason = "gone" if status in GONE_STATUSES else "fetch_failed"
        return Loss(url, reason, f"HTTP {status}")
    if failure.check(DownloadCancelledError):
        return Loss(url, "too_large", str(value).split(" in request ")[0])
    if failure.check(IgnoreRequest):
        message = str(value)
        if "robots.txt" in message:
            return Loss(url, "robots", message)
        if "redirection" in message:
            return Loss(url, "redirect_loop", message)
        if "offsite" in message:
            return Loss(url, "offsite_redirect", message)
        return Loss(url, "fetch_failed", message or type(value).__name__)
    message = failure.getErrorMessage() or ""
    name = type(value).__name__
    return Loss(url, "fetch_failed", f"{name}: {message}"[:200] if message else name)


class LostItem(DropItem):
    """An item dropped because it cannot be exported as good data: a loss of the run."""

    def __init__(self, loss: Loss) -> None:
        super().__init__(f"{loss.reason}: {loss.url}: {loss.detail}", log_level="WARNING")
        self.loss = loss
