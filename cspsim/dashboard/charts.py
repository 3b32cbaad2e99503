"""ECharts options for the dashboard's plots: the current run against its baseline.

Each function takes :class:`~cspsim.dashboard.series.Series` (the current run so far and the
whole baseline run) and returns a plain dict for ``solara.FigureEcharts``. The current run
is drawn solid and the baseline dashed in the same colour, so the trade-off is read by
comparing each pair. Animation is off: the charts are redrawn every quarter.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
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
    "probation_nps": "#c49c94",  # probation's brown, lighter: the second probation partner
}
RUN_COLOUR, BASE_COLOUR = "#5b2bd6", "#8a8a8a"
STYLE_NOTE = "solid: this run · dashed: baseline"
FONT_PX, TITLE_PX = 16, 18  # presentation sizes: readable from the back of a room
_AXIS_LABEL = {"fontSize": FONT_PX}
EVENT_COLOURS = {"history": "#6d6d6d", "duty": "#1f77b4", "lever": "#5b2bd6"}


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


def _frame(
    title: str, span: tuple[str, str], y_name: str, legend_rows: int = 1, **y: Any
) -> dict[str, Any]:
    """A time plot: title, line-style note, legend, then the plot below the legend's rows
    (so that the legend never covers the axis names)."""
    top = 66 + 28 * legend_rows
    return {
        "animation": False,
        "textStyle": {"fontSize": FONT_PX},
        "title": {
            "text": title, "subtext": STYLE_NOTE, "left": 8, "top": 4, "itemGap": 12,
            "textStyle": {"fontSize": TITLE_PX}, "subtextStyle": {"fontSize": FONT_PX},
        },
        "tooltip": {"trigger": "axis", "textStyle": {"fontSize": FONT_PX}},
        "legend": {
            "top": 62, "left": 8, "right": 8, "itemWidth": 18, "itemGap": 10,
            "textStyle": {"fontSize": FONT_PX},
        },
        "grid": {"left": 16, "right": 24, "top": top + 34, "bottom": 8, "containLabel": True},
        "xAxis": {"type": "time", "min": span[0], "max": span[1], "axisLabel": _AXIS_LABEL},
        "yAxis": {
            "type": "value", "name": y_name, "nameGap": 12, "axisLabel": _AXIS_LABEL,
            "nameTextStyle": {"fontSize": FONT_PX, "align": "left"}, **y,
        },
        "series": [],
    }  # fmt: skip


def with_events(opt: dict[str, Any], events: list[Any], labels: bool = True) -> dict[str, Any]:
    """``opt`` with a dotted vertical line at each event's date.

    History and lever events are labelled, alternately at the top and the bottom of their
    line so that two events a few months apart do not print over each other; the dozen
    duty starts would crowd the plot, so their names show on hover (and in the "what just
    happened" line). With ``labels=False`` every name shows on hover only (the smaller
    plots, where the share plot's labels would crowd the lines).
    """
    if not events:
        return opt
    lines, shown = [], 0
    for e in events:
        colour = EVENT_COLOURS.get(e.kind, "#6d6d6d")
        label = {
            "formatter": e.label, "color": colour, "fontSize": FONT_PX,
            "position": "insideEndTop" if shown % 2 == 0 else "insideStartTop",
            "backgroundColor": "rgba(255,255,255,0.8)",
        }  # fmt: skip
        lines.append({
            "xAxis": e.date.isoformat(), "name": e.label,
            "lineStyle": {"color": colour, "type": "dotted", "width": 1.5},
            "label": {**label, "show": labels and e.kind != "duty"},
            "emphasis": {"label": {**label, "show": True}},
        })  # fmt: skip
        shown += e.kind != "duty"
    marker = {
        "name": "", "type": "line", "data": [], "tooltip": {"show": False},
        "markLine": {"symbol": "none", "animation": False, "data": lines},
    }  # fmt: skip
    return {**opt, "series": [*opt["series"], marker]}


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
        "textStyle": {"fontSize": FONT_PX},
        "title": {
            "text": f"Share of demand met by duty{when}", "left": 8, "top": 4,
            "textStyle": {"fontSize": TITLE_PX},
        },
        "tooltip": {
            "trigger": "axis", "axisPointer": {"type": "shadow"},
            "textStyle": {"fontSize": FONT_PX},
        },
        "legend": {"top": 32, "left": 8, "textStyle": {"fontSize": FONT_PX}},
        "grid": {"left": 8, "right": 24, "top": 70, "bottom": 8, "containLabel": True},
        "xAxis": {
            "type": "value", "min": 0, "max": 100, "name": "%", "nameGap": 6,
            "axisLabel": _AXIS_LABEL, "nameTextStyle": {"fontSize": FONT_PX},
        },
        # Whole names, wrapped over two lines rather than cut.
        "yAxis": {
            "type": "category", "data": labels,
            "axisLabel": {"fontSize": FONT_PX, "width": DUTY_LABEL_PX, "overflow": "break",
                          "lineHeight": FONT_PX + 2},
        },
        "series": [
            {"name": BASELINE, "type": "bar", "data": bars(ref), "color": BASE_COLOUR},
            {"name": CURRENT, "type": "bar", "data": bars(now), "color": RUN_COLOUR},
        ],
    }  # fmt: skip


DUTY_LABEL_PX = 190


def duty_chart_height(run: Series, base: Series) -> int:
    """Pixels for the by-duty bars: room for each duty's two-line name at presentation size."""
    n = len(set(run.duty_ids) | set(base.duty_ids))
    return max(340, 90 + 44 * n)


def engagement(run: Series, base: Series, span: tuple[str, str], kind: str) -> dict[str, Any]:
    """Engagement of each partner type by quarter (0-1), this run solid, baseline dashed.

    Args:
        run: This run so far.
        base: The baseline run.
        span: First and last date of the time axis.
        kind: ``strategic`` (involvement in decisions) or ``operational`` (share of the
            expected work committed).
    """
    title = f"Partner engagement ({kind})"
    opt = _frame(title, span, "0–1", legend_rows=2, min=0, max=1)
    series = []
    for p, ptype in enumerate(PARTNER_TYPES):
        now = getattr(run, f"eng_{kind}")[:, p]
        ref = getattr(base, f"eng_{kind}")[:, p]
        if not (np.isfinite(now).any() or np.isfinite(ref).any()):
            continue  # no such partner in these areas (e.g. no county in unitary areas)
        colour, label = PARTNER_COLOURS[ptype], PARTNER_LABELS[ptype]
        series.append(_line(label, _pairs(run.dates, now), colour, False))
        series.append(_line(label, _pairs(base.dates, ref), colour, True))
    opt["series"] = series
    return opt


def budgets(run: Series, base: Series, span: tuple[str, str]) -> dict[str, Any]:
    """Spend and council team size against demand and delivery, by quarter."""
    opt = _frame("Budgets against delivery", span, "FTE", legend_rows=2, min=0)
    y_axis = {"type": "value", "min": 0, "nameGap": 12, "axisLabel": _AXIS_LABEL}
    opt["yAxis"] = [
        {**y_axis, "name": "FTE", "nameTextStyle": {"fontSize": FONT_PX, "align": "left"}},
        {
            **y_axis, "name": "£m / quarter", "splitLine": {"show": False},
            "nameTextStyle": {"fontSize": FONT_PX, "align": "right"},
        },
    ]  # fmt: skip
    lines = (
        ("Demand", "demand_fte", "#bbbbbb", 1.0, 0),
        ("Delivered", "delivered_fte", RUN_COLOUR, 1.0, 0),
        ("Council team", "team_fte", "#e377c2", 1.0, 0),
        ("Spend (right axis)", "spend_gbp", "#17becf", 1e-6, 1),
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
    opt["series"] = series
    return opt


@dataclass(frozen=True)
class Monitor:
    """One measure now: this run, the baseline and the difference, as text.

    Attributes:
        label: What is measured (with its unit).
        now: This run's value.
        base: The baseline's value.
        diff: This run minus the baseline (signed; "–" when either is missing).
        tone: ``better``, ``worse`` or ``same`` (for the colour of the difference).
    """

    label: str
    now: str
    base: str
    diff: str
    tone: str


def _monitor(label: str, a: float, b: float, fmt: str, unit: str, higher_is_better: bool | None,
             scale: float = 1.0, diff_unit: str | None = None) -> Monitor:  # fmt: skip
    if not (np.isfinite(a) and np.isfinite(b)):
        shown = lambda x: format(x * scale, fmt) + unit if np.isfinite(x) else "–"  # noqa: E731
        return Monitor(label, shown(a), shown(b), "–", "same")
    d = (a - b) * scale
    tiny = abs(d) < 0.5 * 10 ** -int(fmt.strip(",.f") or 0)
    tone = "same" if tiny or higher_is_better is None else (
        "better" if (d > 0) == higher_is_better else "worse"
    )  # fmt: skip
    return Monitor(
        label, format(a * scale, fmt) + unit, format(b * scale, fmt) + unit,
        ("±" if tiny else "+" if d > 0 else "−") + format(abs(d), fmt)
        + (unit if diff_unit is None else diff_unit), tone,
    )  # fmt: skip


def monitors(run: Series, base: Series, kind: str = "strategic") -> list[Monitor]:
    """This run, the baseline and the difference in the current quarter: share met, unmet
    demand, council teams, spend, and each partner type's engagement (``kind``)."""
    k = run.n - 1
    if k < 0:
        return []

    def at(s: Series, values: np.ndarray) -> float:
        return float(values[k]) if k < s.n else float("nan")

    def unmet(s: Series) -> float:
        return at(s, s.demand_fte) - at(s, s.delivered_fte)

    out = [
        _monitor("Demand met", at(run, run.share_met), at(base, base.share_met), ".1f", "%",
                 True, 100, " pts"),
        _monitor("Unmet demand (FTE)", unmet(run), unmet(base), ",.1f", "", False),
        _monitor("Council teams (FTE)", at(run, run.team_fte), at(base, base.team_fte), ",.1f",
                 "", True),
        _monitor("Spend (£m a quarter)", at(run, run.spend_gbp), at(base, base.spend_gbp), ",.2f",
                 "", None, 1e-6),
    ]  # fmt: skip
    for p, ptype in enumerate(PARTNER_TYPES):
        a = at(run, getattr(run, f"eng_{kind}")[:, p])
        b = at(base, getattr(base, f"eng_{kind}")[:, p])
        if np.isfinite(a) or np.isfinite(b):
            out.append(_monitor(f"{PARTNER_LABELS[ptype]} engagement ({kind}, 0–1)", a, b,
                                ".2f", "", True))  # fmt: skip
    return out


def headline(run: Series, base: Series) -> list[Monitor]:
    """Headline numbers for the current quarter, with the baseline and the difference."""
    rows = monitors(run, base)[:4]
    k = run.n - 1
    if k < 0:
        return rows
    c = (int(run.coordinator[k]), int(run.analyst[k]))
    b = (int(base.coordinator[k]), int(base.analyst[k])) if k < base.n else (0, 0)
    diff = f"{c[0] - b[0]:+d} / {c[1] - b[1]:+d}"
    tone = "same" if c == b else "better" if sum(c) > sum(b) else "worse"
    rows.append(Monitor(
        "Areas with coordinator / analyst", f"{c[0]} / {c[1]} of {run.n_areas}",
        f"{b[0]} / {b[1]}", diff, tone,
    ))  # fmt: skip
    return rows
