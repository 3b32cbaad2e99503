"""The map: each council area shaded by its CSP's share of demand met, or by the difference
from the baseline, on the ONS 2021 district boundaries.

Areas are matched to the boundaries by ONS name or code as :func:`cspsim.analysis.maps.match_areas`
does (a council of another date is drawn within its 2021 successor, or as the union of its
2021 predecessors). An area that matches nothing (a synthetic name such as
``north_east_metropolitan_1``, or a place without a shape) is listed under the map, not drawn.
The boundaries are ONS data: the page shows :data:`cspsim.inputs.england.ATTRIBUTION` with
the map.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any

import numpy as np

from cspsim.dashboard.charts import FONT_PX, TITLE_PX

if TYPE_CHECKING:
    from cspsim.model.model import CSPModel

SIMPLIFY_DEGREES = 0.002  # about 150 m: light enough to send, still recognisable
UK_ASPECT = 0.62  # cos(52°N): a degree of longitude is shorter than one of latitude
MAP_HEIGHT_PX = 480


@dataclass(frozen=True)
class AreaMap:
    """The shapes of a run's council areas.

    Attributes:
        name: Name the shapes are registered under in the page (unique per area list).
        geojson: A FeatureCollection; each feature's ``name`` is the area's name in the run.
        drawn: Indices of the areas that have a shape.
        missing: Names of the areas that have none.
    """

    name: str
    geojson: dict[str, Any]
    drawn: tuple[int, ...]
    missing: tuple[str, ...]


@cache
def area_map(names: tuple[str, ...]) -> AreaMap:
    """Shapes for ``names`` (cached: built once per list of areas)."""
    name = "cspsim-" + hashlib.sha1("\n".join(names).encode()).hexdigest()[:12]
    if not names:
        return AreaMap(name, {"type": "FeatureCollection", "features": []}, (), ())
    from cspsim.analysis.maps import match_areas, read_boundaries

    boundaries = read_boundaries()
    matches = match_areas(names, boundaries)
    if not any(m.codes for m in matches):  # synthetic names: skip the shapes altogether
        return AreaMap(name, {"type": "FeatureCollection", "features": []}, (), names)
    features, drawn, missing = [], [], []
    for i, m in enumerate(matches):
        if not m.codes:
            missing.append(names[i])
            continue
        part = boundaries[boundaries["code"].isin(m.codes)]
        shape = part.geometry.union_all().simplify(SIMPLIFY_DEGREES)
        geometry = json.loads(json.dumps(shape.__geo_interface__))
        features.append({"type": "Feature", "properties": {"name": names[i]}, "geometry": geometry})
        drawn.append(i)
    collection = {"type": "FeatureCollection", "features": features}
    return AreaMap(name, collection, tuple(drawn), tuple(missing))


def csp_share_by_area(m: CSPModel, t: int) -> np.ndarray:
    """Each area's CSP's share of demand met in quarter ``t`` (NaN before it or without demand).

    A merged CSP's member councils all show the merged CSP's share.
    """
    n = m.geo.n
    if t < 0 or t > m.t:
        return np.full(n, np.nan)
    dem = m.rec.demand[t].sum(axis=1)  # (areas, duties) -> areas
    dlv = m.rec.delivered[t].sum(axis=1)
    csp = m.epochs[m.epoch_of_step[t]].csp_of_area  # the structure of that quarter
    k = int(csp.max()) + 1
    d_csp = np.bincount(csp, weights=dem, minlength=k)
    v_csp = np.bincount(csp, weights=dlv, minlength=k)
    share = np.divide(v_csp, d_csp, out=np.full(k, np.nan), where=d_csp > 0)
    return share[csp]


def map_option(
    amap: AreaMap,
    names: list[str],
    run: np.ndarray,
    base: np.ndarray,
    selected: set[int],
    difference: bool,
) -> dict[str, Any]:
    """ECharts option: the areas shaded by share met (percent) or by this run minus the
    baseline (points); the areas in view (``selected``) outlined in black.

    Args:
        amap: The shapes.
        names: Area names (the run's order).
        run: This run's share met by area (0-1, NaN unknown).
        base: The baseline's, same quarter.
        selected: Indices of the areas in view (the police force area shown).
        difference: Shade by the difference from the baseline instead of the share.
    """
    data = []
    for a in amap.drawn:
        r, b = float(run[a]), float(base[a])
        value = 100 * (r - b) if difference else 100 * r
        tip = f"<b>{names[a]}</b><br/>demand met {_pct(r)} (baseline {_pct(b)})"
        item: dict[str, Any] = {
            "name": names[a],
            "value": round(value, 2) if np.isfinite(value) else None,
        }
        if a in selected:  # the areas in view: outlined, and the baseline in the tooltip
            item["itemStyle"] = {"borderColor": "#111111", "borderWidth": 2.5}
            item["tooltip"] = {"formatter": tip}
        data.append(item)
    if difference:
        visual = {"min": -15, "max": 15, "text": ["+15 pts", "−15 pts"],
                  "inRange": {"color": ["#b3261e", "#f7f7f7", "#1b7f3b"]}}  # fmt: skip
        title = "Difference from the baseline (points of demand met)"
    else:
        visual = {"min": 0, "max": 100, "text": ["100%", "0%"],
                  "inRange": {"color": ["#c82828", "#eba014", "#289641"]}}  # fmt: skip
        title = "Share of demand met, by CSP"
    return {
        "animation": False,
        "textStyle": {"fontSize": FONT_PX},
        "title": {
            "text": title, "subtext": "outlined: the areas in the other plots; hover for names",
            "left": 8, "top": 4, "itemGap": 12, "textStyle": {"fontSize": TITLE_PX},
            "subtextStyle": {"fontSize": FONT_PX},
        },
        # Elsewhere the name and value only: a sentence per area would make each quarter's
        # update ten times larger nationally.
        "tooltip": {
            "trigger": "item", "textStyle": {"fontSize": FONT_PX},
            "formatter": "<b>{b}</b><br/>{c} points against the baseline" if difference
            else "<b>{b}</b><br/>demand met {c}%",
        },
        "visualMap": {
            **visual, "left": 8, "bottom": 8, "calculable": False, "itemHeight": 120,
            "textStyle": {"fontSize": FONT_PX},
        },
        "series": [{
            "type": "map", "map": amap.name, "aspectScale": UK_ASPECT, "roam": True,
            "layoutCenter": ["58%", "58%"], "layoutSize": "82%", "selectedMode": False,
            "data": data,
            "label": {"show": False}, "emphasis": {"label": {"show": False}},
            "itemStyle": {"borderColor": "#ffffff", "borderWidth": 0.6},
        }],
    }  # fmt: skip


def _pct(x: float) -> str:
    return f"{100 * x:.1f}%" if np.isfinite(x) else "–"
