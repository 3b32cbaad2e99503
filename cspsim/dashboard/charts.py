"""ECharts options for the dashboard's plots: the current run against its baseline.

Each function takes :class:`~cspsim.dashboard.series.Series` (the current run so far and the
whole baseline run) and returns a plain dict for ``solara.FigureEcharts``. The current run
is drawn solid and the baseline dashed in the same colour, so the trade-off is read by
comparing each pair. Animation is off: the charts are redrawn every quarter.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np

from cspsim.dashboard.series import PARTNER_LABELS, Series, quarter_label, short_duty_name
from cspsim.vocab import PARTNER_TYPES

CURRENT, BASELINE = "This run", "Baseline"
PARTNER_COLOURS = {
    "police": "#1f4e9c",
    "probation": "#8c564b",
    "health": "#2ca02c",
    "fire_rescue": "#d62728",
    "youth_offending": "#9467bd",
    "county_council": "#e6a100",
}
RUN_COLOUR, BASE_COLOUR = "#5b2bd6", "#8a8a8a"


def _pairs(dates: list[str], values: np.ndarray, scale: float = 1.0) -> list[list[Any]]:
    """``[[date, value], ...]`` with NaN as gaps (None) and values rounded for the wire."""
    return [
        [d, None if not np.isfinite(v) else round(float(v) * scale, 4)]
        for d, v in zip(dates, values, strict=True)
    ]


def _line(name: str, data: list, colour: str, dashed: bool, **extra: Any) -> dict[str, Any]:
    style = {"width": 1.8 if dashed else 2.8, "type": "dashed" if dashed else "solid"}
    return {
        "name": name,
        "type": "line",
        "data": data,
        "showSymbol": False,
        "connectNulls": False,
        "color": colour,
        "lineStyle": style,
        "emphasis": {"disabled": True},
        **extra,
    }


def _style_key() -> list[dict[str, Any]]:
    """Two empty series whose legend entries say which line style is which run."""
    return [
        _line(f"{CURRENT} (solid)", [], "#555555", False),
        _line(f"{BASELINE} (dashed)", [], "#555555", True),
    ]


def _frame(title: str, span: tuple[str, str], y_name: str, **y: Any) -> dict[str, Any]:
    return {
        "animation": False,
        "title": {"text": title, "left": 8, "top": 4, "textStyle": {"fontSize": 14}},
        "tooltip": {"trigger": "axis"},
        "legend": {"top": 26, "left": 8, "right": 8, "itemWidth": 16, "itemGap": 8},
        "grid": {"left": 58, "right": 58, "top": 96, "bottom": 30},
        "xAxis": {"type": "time", "min": span[0], "max": span[1]},
        "yAxis": {"type": "value", "name": y_name, "nameGap": 8, **y},
        "series": [],
    }


def share_met_over_time(run: Series, base: Series, span: tuple[str, str]) -> dict[str, Any]:
    """Share of demand met, all duties, by quarter: this run and the baseline (percent)."""
    opt = _frame("Share of demand met, all duties", span, "%", min=0, max=100)
    opt["series"] = [
        _line(BASELINE, _pairs(base.dates, base.share_met, 100), BASE_COLOUR, True),
        _line(CURRENT, _pairs(run.dates, run.share_met, 100), RUN_COLOUR, False),
    ]
    return opt


def share_met_by_duty(run: Series, base: Series) -> dict[str, Any]:
    """Share of demand met by duty in the current quarter, this run beside the baseline."""
    k = run.n - 1
    now, ref = run.share_met_by_duty(k), base.share_met_by_duty(k)
    names = dict(zip(base.duty_ids, base.duty_names, strict=True))
    names.update(zip(run.duty_ids, run.duty_names, strict=True))
    ids = [d for d in names if d in now or d in ref][::-1]  # first duty at the top
    labels = [short_duty_name(names[d]) for d in ids]
    when = f" ({quarter_label(dt.date.fromisoformat(run.dates[k]))})" if k >= 0 else ""

    def bars(values: dict[str, float]) -> list[float | None]:
        return [round(100 * values[d], 1) if d in values else None for d in ids]

    return {
        "animation": False,
        "title": {
            "text": f"Share of demand met by duty{when}",
            "left": 8,
            "top": 4,
            "textStyle": {"fontSize": 14},
        },
        "tooltip": {"trigger": "axis", "axisPointer": {"type": "shadow"}},
        "legend": {"top": 28, "left": 8},
        "grid": {"left": 170, "right": 24, "top": 60, "bottom": 28},
        "xAxis": {"type": "value", "min": 0, "max": 100, "name": "%", "nameGap": 6},
        "yAxis": {"type": "category", "data": labels, "axisLabel": {"fontSize": 11}},
        "series": [
            {"name": BASELINE, "type": "bar", "data": bars(ref), "color": BASE_COLOUR},
            {"name": CURRENT, "type": "bar", "data": bars(now), "color": RUN_COLOUR},
        ],
    }


def engagement(run: Series, base: Series, span: tuple[str, str], kind: str) -> dict[str, Any]:
    """Engagement of each partner type by quarter (0-1), this run solid, baseline dashed.

    Args:
        run: This run so far.
        base: The baseline run.
        span: First and last date of the time axis.
        kind: ``strategic`` (involvement in decisions) or ``operational`` (share of the
            expected work committed).
    """
    title = f"Partner engagement by partner type ({kind})"
    opt = _frame(title, span, "0–1", min=0, max=1)
    series = []
    for p, ptype in enumerate(PARTNER_TYPES):
        now = getattr(run, f"eng_{kind}")[:, p]
        ref = getattr(base, f"eng_{kind}")[:, p]
        if not (np.isfinite(now).any() or np.isfinite(ref).any()):
            continue  # no such partner in these areas (e.g. no county in unitary areas)
        colour, label = PARTNER_COLOURS[ptype], PARTNER_LABELS[ptype]
        series.append(_line(label, _pairs(run.dates, now), colour, False))
        series.append(_line(label, _pairs(base.dates, ref), colour, True))
    opt["series"] = series + _style_key()
    opt["tooltip"] = {"trigger": "axis"}
    return opt


def budgets(run: Series, base: Series, span: tuple[str, str]) -> dict[str, Any]:
    """Spend and council team size against demand and delivery, by quarter."""
    opt = _frame("Budgets against delivery", span, "FTE", min=0)
    opt["yAxis"] = [
        {"type": "value", "name": "FTE", "min": 0, "nameGap": 8},
        {
            "type": "value",
            "name": "£m / quarter",
            "min": 0,
            "nameGap": 8,
            "splitLine": {"show": False},
        },
    ]
    lines = (
        ("Demand (FTE)", "demand_fte", "#bbbbbb", 1.0, 0),
        ("Delivered (FTE)", "delivered_fte", RUN_COLOUR, 1.0, 0),
        ("Council team (FTE)", "team_fte", "#e377c2", 1.0, 0),
        ("Spend (£m/quarter)", "spend_gbp", "#17becf", 1e-6, 1),
    )
    series = []
    for label, attr, colour, scale, axis in lines:
        series.append(
            _line(
                label, _pairs(run.dates, getattr(run, attr), scale), colour, False, yAxisIndex=axis
            )
        )
        series.append(
            _line(
                label, _pairs(base.dates, getattr(base, attr), scale), colour, True, yAxisIndex=axis
            )
        )
    opt["series"] = series + _style_key()
    return opt


def headline(run: Series, base: Series) -> list[tuple[str, str, str]]:
    """Headline numbers for the current quarter: (label, this run, baseline) as text."""
    k = run.n - 1
    if k < 0:
        return []

    def pct(s: Series) -> str:
        v = s.share_met[k] if k < s.n else np.nan
        return f"{100 * v:.1f}%" if np.isfinite(v) else "–"

    def fte(v: float) -> str:
        return f"{v:,.1f}"

    def money(v: float) -> str:
        return f"£{v / 1e6:,.2f}m" if v >= 1e6 else f"£{v / 1e3:,.0f}k"

    def at(s: Series, attr: str) -> float:
        return float(getattr(s, attr)[k]) if k < s.n else float("nan")

    unmet = (
        at(run, "demand_fte") - at(run, "delivered_fte"),
        at(base, "demand_fte") - at(base, "delivered_fte"),
    )
    return [
        ("Demand met", pct(run), pct(base)),
        ("Unmet demand (FTE)", fte(unmet[0]), fte(unmet[1])),
        ("Spend per quarter", money(at(run, "spend_gbp")), money(at(base, "spend_gbp"))),
        ("Council teams (FTE)", fte(at(run, "team_fte")), fte(at(base, "team_fte"))),
        (
            "Areas with coordinator / analyst",
            f"{int(at(run, 'coordinator'))} / {int(at(run, 'analyst'))} of {run.n_areas}",
            f"{int(at(base, 'coordinator'))} / {int(at(base, 'analyst'))}",
        ),
    ]
