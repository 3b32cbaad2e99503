"""Exports for slides: the run as CSV, each chart as PNG, and a kept run to compare with.

The CSV has one row per quarter of the run so far: this run, the baseline and the
difference for share met, unmet demand, council teams, spend and each partner type's
strategic engagement (the dashboard's monitors), summed over the areas shown. The PNGs
come from each chart's own "save as image" button (ECharts draws them in the browser).
"""

from __future__ import annotations

import csv
import io
from typing import Any

import numpy as np

from cspsim.dashboard.series import PARTNER_LABELS, Series
from cspsim.vocab import PARTNER_TYPES


def _columns(s: Series) -> dict[str, np.ndarray]:
    out = {
        "share_met_pct": 100 * s.share_met,
        "unmet_demand_fte": s.demand_fte - s.delivered_fte,
        "demand_fte": s.demand_fte,
        "council_team_fte": s.team_fte,
        "spend_gbp_per_quarter": s.spend_gbp,
    }
    for p, ptype in enumerate(PARTNER_TYPES):
        out[f"engagement_strategic_{ptype}"] = s.eng_strategic[:, p]
    return out


def run_csv(run: Series, base: Series, kept: Series | None = None) -> str:
    """This run so far against the baseline (and a kept run), one row per quarter."""
    now, ref = _columns(run), _columns(base)
    other = _columns(kept) if kept is not None else {}
    header = ["quarter"]
    for name in now:
        header += [f"{name}_run", f"{name}_baseline", f"{name}_difference"]
        header += [f"{name}_kept_run"] if kept is not None else []
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(header)
    for k in range(run.n):
        row: list[Any] = [run.dates[k]]
        for name, values in now.items():
            a = float(values[k])
            b = float(ref[name][k]) if k < base.n else float("nan")
            row += [_num(a), _num(b), _num(a - b)]
            if kept is not None:
                row.append(_num(float(other[name][k])) if k < kept.n else "")
        writer.writerow(row)
    return buf.getvalue()


def _num(x: float) -> str:
    return f"{x:.6g}" if np.isfinite(x) else ""


def with_png_button(opt: dict[str, Any], name: str) -> dict[str, Any]:
    """``opt`` with ECharts' "save as image" button (a PNG at twice the screen's pixels)."""
    feature = {"saveAsImage": {"title": "Save as PNG", "name": name, "pixelRatio": 2}}
    return {**opt, "toolbox": {"right": 12, "top": 4, "itemSize": 20, "feature": feature}}


def kept_line(kept: Series, values: np.ndarray, scale: float = 1.0) -> dict[str, Any]:
    """The kept run as a dotted black line (the "ghost") of ``values`` by quarter."""
    data = [
        [d, None if not np.isfinite(v) else round(float(v) * scale, 4)]
        for d, v in zip(kept.dates, values, strict=True)
    ]
    return {
        "name": "Kept run", "type": "line", "data": data, "showSymbol": False,
        "color": "#222222", "lineStyle": {"width": 2, "type": "dotted"},
        "emphasis": {"disabled": True},
    }  # fmt: skip


__all__ = ["PARTNER_LABELS", "kept_line", "run_csv", "with_png_button"]
