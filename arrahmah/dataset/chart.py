"""The card's figure: what an analyst wants at a glance, readable at any size of dataset.

One PNG of a fixed size (1200×900 px), three panels: articles per month (live and gone stacked)
over the whole period, with year ticks; the top categories; the top categories over time
(monthly mean per quarter). Deterministic: no timestamp in the file.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from arrahmah.dataset.stats import Stats

SIZE = (12, 9)  # inches, at 100 dpi
COLORS = {"live": "#2b6cb0", "gone": "#c53030"}
TOP_BARS = 10
TOP_LINES = 5


def _month(key: str) -> date:
    return date(int(key[:4]), int(key[5:7]), 15)


def _months_between(first: str, last: str) -> list[str]:
    """Every month from ``first`` to ``last`` (``YYYY-MM``), both included."""
    year, month = int(first[:4]), int(first[5:7])
    out = []
    while (key := f"{year:04d}-{month:02d}") <= last:
        out.append(key)
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out


def _date_axis(ax: Any, months: int) -> None:
    """Year ticks ("2021"); over three years or less, month ticks between them ("Mar")."""
    import matplotlib.dates as mdates
    from matplotlib.ticker import FuncFormatter

    ax.xaxis.set_minor_locator(mdates.YearLocator())
    ax.grid(axis="x", which="minor", color="#dddddd", linewidth=0.8)
    ax.set_axisbelow(True)
    if months > 36:
        ax.xaxis.set_major_locator(mdates.YearLocator(base=1 if months <= 16 * 12 else 2))
        ax.xaxis.set_major_formatter(mdates.DateFormatter("%Y"))
        return
    step = 1 if months <= 12 else 2 if months <= 24 else 3
    ax.xaxis.set_major_locator(mdates.MonthLocator(bymonth=range(1, 13, step)))

    def label(x: float, pos: int | None) -> str:
        day = mdates.num2date(x)
        return f"{day:%b}\n{day:%Y}" if day.month == 1 or pos == 0 else f"{day:%b}"

    ax.xaxis.set_major_formatter(FuncFormatter(label))


def _thousands(ax: Any) -> None:
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    ax.yaxis.set_major_locator(MaxNLocator(nbins=6, integer=True, steps=[1, 2, 5, 10]))
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{int(v):,}"))
    ax.grid(axis="y", color="#eeeeee")


def _per_month(ax: Any, stats: Stats) -> None:
    months = sorted(stats.months)
    x = [_month(m) for m in months]
    bottom = [0] * len(months)
    for status in sorted({s for _, s in stats.month_status}, key=lambda s: s != "live"):
        heights = [stats.month_status[m, status] for m in months]
        label = f"{status} ({stats.status[status]:,})"
        color = COLORS.get(status, "#718096")
        ax.bar(x, heights, width=27, bottom=bottom, color=color, label=label, linewidth=0)
        bottom = [b + h for b, h in zip(bottom, heights, strict=True)]
    ax.set_title(
        f"Articles per month: {stats.articles:,} articles, {stats.first} to {stats.last}",
        loc="left",
    )
    ax.set_ylabel("articles")
    ax.legend(loc="lower right", bbox_to_anchor=(1, 1), ncols=3, frameon=False)
    _date_axis(ax, len(_months_between(months[0], months[-1])))
    _thousands(ax)


def _top_categories(ax: Any, stats: Stats) -> None:
    names = stats.top_categories(TOP_BARS)
    counts = [stats.categories[n] for n in names]
    ax.barh(range(len(names)), counts, color=COLORS["live"])
    ax.set_yticks(range(len(names)), names)
    ax.invert_yaxis()
    for y, n in enumerate(counts):
        ax.annotate(f" {n:,}", (n, y), va="center", fontsize=9)
    ax.set_xlim(0, max(counts, default=1) * 1.18)
    ax.set_title(f"Top {len(names)} of {len(stats.categories)} categories, articles", loc="left")
    ax.xaxis.set_visible(False)
    ax.spines[["top", "right", "bottom"]].set_visible(False)


def _categories_over_time(ax: Any, stats: Stats) -> None:
    period = _months_between(min(stats.months), max(stats.months))
    quarters: dict[date, list[str]] = {}
    for month in period:
        quarter = date(int(month[:4]), (int(month[5:7]) - 1) // 3 * 3 + 2, 15)
        quarters.setdefault(quarter, []).append(month)
    names = stats.top_categories(TOP_LINES)
    for name in names:
        # a quarter's monthly average: a quarter the period only begins or ends in is no dip
        means = [
            sum(stats.month_category[m, name] for m in months) / len(months)
            for months in quarters.values()
        ]
        ax.plot(
            list(quarters), means, label=name, linewidth=1.8, marker="." if len(means) < 30 else ""
        )
    ax.set_title(f"Top {len(names)} categories, articles per month (quarterly mean)", loc="left")
    if names:
        ax.legend(loc="upper left", frameon=False, fontsize=9, ncols=2)
    _date_axis(ax, len(period))
    _thousands(ax)
    ax.set_ylim(0, ax.get_ylim()[1] * 1.25)  # room for the legend above the lines


def chart(stats: Stats, path: Path) -> None:
    """Draw the card's figure to ``path`` (PNG)."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=SIZE, dpi=100, layout="constrained")
    fig.suptitle("arrahmahnews.com articles", fontsize=15, x=0.01, ha="left")
    if not stats.articles:
        fig.text(0.5, 0.5, "no articles", ha="center", va="center", fontsize=20)
    else:
        grid = fig.add_gridspec(2, 2, width_ratios=[2, 3])
        _per_month(fig.add_subplot(grid[0, :]), stats)
        _top_categories(fig.add_subplot(grid[1, 0]), stats)
        _categories_over_time(fig.add_subplot(grid[1, 1]), stats)
    fig.savefig(path, format="png", metadata={"Software": None})
