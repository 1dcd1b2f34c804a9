"""How items are written by Scrapy's feeds (``-o``/``-O``): the same shapes as the dataset's.

A CSV cell holding a list or an object (``categories``, ``related``, ``images``…) is JSON, as in
``arrahmah dataset export --format csv``, not a Python repr: any CSV reader and ``json.loads``
give the value back.
"""

from __future__ import annotations

from typing import Any

import orjson
from scrapy.exporters import CsvItemExporter


class JsonCellsCsvItemExporter(CsvItemExporter):
    """CSV with JSON in the cells of lists and objects."""

    def serialize_field(self, field: Any, name: str, value: Any) -> Any:
        if isinstance(value, list | dict):
            return orjson.dumps(value).decode()
        return super().serialize_field(field, name, value)
