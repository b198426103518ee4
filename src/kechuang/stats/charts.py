"""ECharts options for the report and the dashboard, built from computed values.

Values go to the chart as exact decimal text rounded to the indicator's decimals (ECharts reads
numeric strings), so no amount passes through a float on our side. Options are plain dicts,
serialised to JSON into the page; `renderer: svg` keeps the printed PDF sharp.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from kechuang.stats.catalogue import Indicator
from kechuang.stats.compute import Value

PALETTE = ["#1f4e79", "#2e86c1", "#48a9a6", "#d4a017", "#c0504d", "#7f6084", "#4b8f29", "#8c8c8c"]


def number(value: Decimal | None, decimals: int) -> str | None:
    if value is None:
        return None
    return str(value.quantize(Decimal(1).scaleb(-decimals)))


def _base(title: str | None = None) -> dict[str, Any]:
    option: dict[str, Any] = {
        "color": PALETTE,
        "animation": False,
        "grid": {
            "left": 56,
            "right": 24,
            "top": 40 if title else 24,
            "bottom": 40,
            "containLabel": True,
        },
        "tooltip": {"trigger": "axis"},
        "textStyle": {"fontFamily": "Noto Sans CJK SC, Source Han Sans SC, sans-serif"},
    }
    if title:
        option["title"] = {"text": title, "left": 0, "textStyle": {"fontSize": 13}}
    return option


def trend(
    indicator: Indicator,
    series: Sequence[tuple[int, Decimal | None]],
    lang: str,
    growth: Sequence[tuple[int, Decimal | None]] | None = None,
) -> dict[str, Any]:
    """Bars of the value by year, with a growth line (percent) on a second axis if given."""
    option = _base()
    option["legend"] = {"top": 0, "right": 0}
    option["grid"]["top"] = 56  # room for the legend above the axis names
    option["xAxis"] = {"type": "category", "data": [str(y) for y, _ in series]}
    option["yAxis"] = [{"type": "value", "name": indicator.unit(lang)}]
    option["series"] = [
        {
            "type": "bar",
            "name": indicator.name(lang),
            "barMaxWidth": 36,
            "data": [number(v, indicator.decimals) for _, v in series],
        }
    ]
    if growth is not None:
        option["yAxis"].append({"type": "value", "name": "%", "splitLine": {"show": False}})
        option["series"].append(
            {
                "type": "line",
                "yAxisIndex": 1,
                "name": "可比增长 %" if lang == "zh" else "Comparable growth %",
                "data": [number(g, 1) for _, g in growth],
            }
        )
    return option


def bars(
    indicator: Indicator,
    rows: Sequence[Value],
    label: Any,
    lang: str,
    limit: int = 12,
    horizontal: bool = True,
) -> dict[str, Any]:
    """The largest breakdown values of a year as bars (labels by `label(dimension, key)`)."""
    top = [r for r in rows if r.value is not None][:limit]
    if horizontal:
        top = list(reversed(top))
    names = [label(r.dimension, r.key, lang) for r in top]
    data = [number(r.value, indicator.decimals) for r in top]
    option = _base()
    option["tooltip"] = {"trigger": "axis", "axisPointer": {"type": "shadow"}}
    category = {"type": "category", "data": names, "axisLabel": {"interval": 0}}
    amount = {"type": "value", "name": indicator.unit(lang)}
    option["xAxis"], option["yAxis"] = (amount, category) if horizontal else (category, amount)
    option["series"] = [
        {"type": "bar", "name": indicator.name(lang), "data": data, "barMaxWidth": 22}
    ]
    return option


def funnel(rows: Sequence[tuple[str, int]], lang: str) -> dict[str, Any]:
    """The ladder as a funnel: enterprises at or above each rung."""
    option = _base()
    option["tooltip"] = {"trigger": "item"}
    option["series"] = [
        {
            "type": "funnel",
            "sort": "descending",
            "left": "4%",
            "width": "58%",
            "minSize": "6%",
            "label": {"show": True, "position": "right", "formatter": "{b}  {c}"},
            "labelLine": {"length": 14},
            "data": [{"name": name, "value": value} for name, value in rows],
        }
    ]
    return option


def hbar_target(
    names: Sequence[str], values: Sequence[Decimal], target: int, lang: str
) -> dict[str, Any]:
    """Mean working days per hospital with the target as a marked line."""
    option = _base()
    option["tooltip"] = {"trigger": "axis", "axisPointer": {"type": "shadow"}}
    option["xAxis"] = {"type": "value", "name": "工作日" if lang == "zh" else "working days"}
    option["yAxis"] = {"type": "category", "data": list(reversed(names))}
    option["series"] = [
        {
            "type": "bar",
            "barMaxWidth": 16,
            "data": [number(v, 1) for v in reversed(values)],
            "markLine": {
                "symbol": "none",
                "lineStyle": {"color": "#c0504d", "type": "dashed"},
                "label": {"formatter": f"{target}"},
                "data": [{"xAxis": target}],
            },
        }
    ]
    return option
