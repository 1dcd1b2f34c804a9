"""arrahmah: a Scrapy crawler that turns arrahmahnews.com into a clean JSONL dataset."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("arrahmah")
except PackageNotFoundError:  # run from a checkout that was never installed
    __version__ = "unknown"
