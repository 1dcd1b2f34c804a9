"""How the site writes dates: the theme's displayed dates and ISO 8601 in meta data."""

from __future__ import annotations

import re
from datetime import date

# The theme shows dates as "October 9, 2020"; an Indonesian locale would show "9 Oktober 2020".
_MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("january", "januari", "jan"),
            ("february", "februari", "feb"),
            ("march", "maret", "mar"),
            ("april", "apr"),
            ("may", "mei"),
            ("june", "juni", "jun"),
            ("july", "juli", "jul"),
            ("august", "agustus", "aug", "agu", "agt"),
            ("september", "sep", "sept"),
            ("october", "oktober", "oct", "okt"),
            ("november", "nov", "nop"),
            ("december", "desember", "dec", "des"),
        ],
        start=1,
    )
    for name in names
}
_DATE_MDY = re.compile(r"([A-Za-z]+)\.?\s+(\d{1,2}),?\s+(\d{4})")
_DATE_DMY = re.compile(r"(\d{1,2})\s+([A-Za-z]+)\.?\s+(\d{4})")
_ISO_DATETIME = re.compile(
    r"^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2})?(\.\d+)?(Z|[+-]\d{2}:?\d{2})?)?$"
)


def parse_display_date(text: str | None) -> str | None:
    """ISO date of a displayed date such as "October 9, 2020" or "9 Oktober 2020"."""
    if not text:
        return None
    for pattern, order in ((_DATE_MDY, "mdy"), (_DATE_DMY, "dmy")):
        m = pattern.search(text)
        if not m:
            continue
        if order == "mdy":
            month_name, day, year = m.groups()
        else:
            day, month_name, year = m.groups()
        month = _MONTHS.get(month_name.lower())
        if month:
            try:
                return date(int(year), month, int(day)).isoformat()
            except ValueError:
                return None
    return None


def normalize_iso(value: str | None) -> str | None:
    """An ISO 8601 date or timestamp as given (offset written ``+HH:MM``), or None if not one."""
    value = (value or "").strip()
    if not _ISO_DATETIME.match(value):
        return None
    if "T" in value and len(value) >= 16 and value[16:17] != ":":
        value = value[:16] + ":00" + value[16:]
    m = re.search(r"([+-]\d{2})(\d{2})$", value)
    if m and "T" in value:
        value = value[: m.start()] + f"{m.group(1)}:{m.group(2)}"
    return value
