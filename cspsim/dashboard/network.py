"""The partnership network: CSPs, the partner agencies that serve them, and engagement.

Nodes are CSPs (circles, coloured by the share of demand they meet), partner agencies
(squares, coloured by partner type) and, for a CSP formed by merging several council areas,
its member councils (diamonds). Each agency-CSP link is an edge whose width and colour show
the agency's strategic engagement with that CSP; a council's edge shows its ownership of the
merged CSP. The national model is shown one police force area at a time.

The layout is fixed, not simulated, so it does not jump between quarters: columns of
member councils (of merged CSPs), CSPs and partner agencies (those serving several CSPs
first), one node per row, labels facing outwards and cut at a fixed width, so that no two
labels meet. The legend is the key to the node shapes and colours.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from cspsim.dashboard.charts import FONT_PX, PARTNER_COLOURS, TITLE_PX
from cspsim.dashboard.series import PARTNER_LABELS
from cspsim.vocab import PARTNER_TYPES

if TYPE_CHECKING:
    from cspsim.inputs.geography import Geography
    from cspsim.model.model import CSPModel

MAX_AREAS_WHOLE = 40  # show every area up to this many; beyond, one police force area


def engagement_colour(e: float) -> str:
    """Red (0) through amber (0.5) to green (1), as a hex colour."""
    e = min(max(float(e), 0.0), 1.0) if np.isfinite(e) else 0.0
    stops = ((0.0, (200, 40, 40)), (0.5, (235, 160, 20)), (1.0, (40, 150, 60)))
    for (x0, c0), (x1, c1) in itertools.pairwise(stops):
        if e <= x1:
            w = (e - x0) / (x1 - x0)
            rgb = [round(a + w * (b - a)) for a, b in zip(c0, c1, strict=True)]
            return "#{:02x}{:02x}{:02x}".format(*rgb)
    return "#289641"


def force_options(geo: Geography) -> list[str]:
    """Police force areas to choose from (empty when every area fits in one view)."""
    if geo.n <= MAX_AREAS_WHOLE:
        return []
    return list(geo.footprint_names["police"])


def default_force(geo: Geography) -> str | None:
    """A legible force area to start with: two-tier if possible, at most 12 areas."""
    names = force_options(geo)
    if not names:
        return None
    counts = np.bincount(geo.footprint["police"], minlength=len(names))
    has_county = np.zeros(len(names), dtype=bool)
    county = geo.footprint.get("county_council")
    if county is not None:
        np.logical_or.at(has_county, geo.footprint["police"], county >= 0)
    key = [(bool(has_county[f]), counts[f] <= 12, counts[f]) for f in range(len(names))]
    return names[max(range(len(names)), key=key.__getitem__)]


def areas_in_view(geo: Geography, force: str | None) -> np.ndarray:
    """Council areas shown: all, or those of one police force area."""
    if force is None or geo.n <= MAX_AREAS_WHOLE:
        return np.arange(geo.n)
    f = geo.footprint_names["police"].index(force)
    return np.flatnonzero(geo.footprint["police"] == f)


@dataclass(frozen=True)
class Layout:
    """Fixed positions of one structure's nodes (ids: ``csp:i``, ``agency:g``, ``area:a``)."""

    pos: dict[str, tuple[float, float]]


# Layouts kept between redraws, by the structure in view (see network_option).
LayoutCache = dict[tuple[object, ...], Layout]


def _layout(
    csps: list[int],
    agency_csps: dict[int, list[int]],
    members: dict[int, list[int]],
    agency_order: dict[int, tuple[int, str]],
) -> Layout:
    """Columns: member councils of merged CSPs (if any), CSPs, partner agencies.

    One row per node, so no two labels can meet: each column's labels face outwards
    (councils and CSPs to the left, agencies to the right) and rows are a label apart.
    """
    pos: dict[str, tuple[float, float]] = {}
    councils = [a for c in csps for a in members.get(c, [])]
    agencies = sorted(agency_csps, key=lambda g: (-len(set(agency_csps[g])), agency_order[g]))
    columns = [[f"area:{a}" for a in councils]] if councils else []
    columns += [[f"csp:{c}" for c in csps], [f"agency:{g}" for g in agencies]]
    rows = max(len(col) for col in columns)
    for x, col in enumerate(columns):
        for j, nid in enumerate(col):  # each column centred on the tallest, in pixels
            pos[nid] = (x * COLUMN_PX, ROW_PX * (j + (rows - len(col)) / 2))
    return Layout(pos)


def network_height(option: dict[str, Any]) -> int:
    """Chart height (px): the layout's rows below the title and key, and a margin."""
    ys = [n["y"] for n in option["series"][0]["data"]] or [0.0]
    return round(TOP_PX + max(ys) - min(ys) + 40)


ROW_PX = 30  # vertical room per row: a 16 px label and a gap
COLUMN_PX = 170  # between columns
LABEL_PX = 180  # labels are cut with "…" beyond this width (full names on hover)
TOP_PX = 130  # below the title and the key
CATEGORIES = ["CSP", "Member council (merged CSP)", *PARTNER_TYPES]


def network_option(
    m: CSPModel, areas: np.ndarray, cache: LayoutCache | None = None
) -> dict[str, Any]:
    """ECharts ``graph`` option for the partnership network of ``areas`` now.

    Args:
        m: The model (its current structure and engagement are drawn).
        areas: Council areas in view.
        cache: Optional dict reused between calls to keep layouts.
    """
    ep, s, t = m.epoch, m.state, m.t
    csp_of = ep.csp_of_area[areas]
    csps = sorted(set(csp_of.tolist()), key=lambda c: ep.csp_names[c])
    pop = m.geo.population
    members = {c: areas[csp_of == c].tolist() for c in csps if (csp_of == c).sum() > 1}
    # Links in view: (link id, partner type, agency, CSP) with the areas they cover.
    link_areas: dict[int, list[int]] = {}
    for p in range(len(PARTNER_TYPES)):
        for a in areas[ep.link_of[p, areas] >= 0]:
            link_areas.setdefault(int(ep.link_of[p, a]), []).append(int(a))
    agency_csps: dict[int, list[int]] = {}
    for lk, la in link_areas.items():
        agency_csps.setdefault(int(ep.link_agency[lk]), []).append(int(ep.csp_of_area[la[0]]))
    key = (
        tuple(csps),
        tuple((g, tuple(cs)) for g, cs in sorted(agency_csps.items())),
        tuple((c, tuple(a)) for c, a in sorted(members.items())),
    )
    layout = cache.get(key) if cache is not None else None
    if layout is None:
        order = {g: (int(ep.agency_ptype[g]), str(ep.agency_name[g])) for g in agency_csps}
        layout = _layout(csps, agency_csps, members, order)
        if cache is not None:
            cache[key] = layout
    nodes, links = [], []
    dem = m.rec.demand[t] if t >= 0 else None
    dlv = m.rec.delivered[t] if t >= 0 else None
    for c in csps:
        ca = np.flatnonzero(ep.csp_of_area == c)
        has, share = False, np.nan
        if dem is not None and dlv is not None and dem[ca].sum() > 0:
            has, share = True, float(dlv[ca].sum() / dem[ca].sum())
        size = 12 + 12 * math.sqrt(pop[ca].sum() / max(pop[areas].max(), 1))  # < a row
        text = f"{_csp_name(ep.csp_names[c], len(ca))}: CSP of {len(ca)} area(s)"
        text += f", {100 * share:.0f}% of demand met" if has else ""
        colour = engagement_colour(share) if has else "#9e9e9e"
        nodes.append(
            _node(
                f"csp:{c}",
                ep.csp_names[c],
                layout,
                "circle",
                size,
                colour,
                text,
                0,
                "top" if members else "left",
            )  # left of it: the merged CSP's councils
        )
    for c, member_areas in members.items():
        for a in member_areas:
            own, name = float(s.ownership[a]), m.geo.names[a]
            tip = f"{name} council: ownership of its merged CSP {own:.2f}"
            nodes.append(_node(f"area:{a}", name, layout, "diamond", 14, "#607d8b", tip, 1, "left"))
            links.append(_edge(f"area:{a}", f"csp:{c}", own, tip))
    for g, cs in agency_csps.items():
        ptype = PARTNER_TYPES[int(ep.agency_ptype[g])]
        label = PARTNER_LABELS[ptype]
        tip = f"{label}: {ep.agency_name[g]} (serves {len(set(cs))} CSP(s) in view)"
        nodes.append(_node(
            f"agency:{g}", f"{label}: {ep.agency_name[g]}", layout, "rect", 16,
            PARTNER_COLOURS[ptype], tip, 2 + PARTNER_TYPES.index(ptype), "right",
        ))  # fmt: skip
    for lk, la in link_areas.items():
        g, p = int(ep.link_agency[lk]), int(ep.link_ptype[lk])
        c = int(ep.csp_of_area[la[0]])
        w = pop[la]
        e = float((s.engagement[p, la] * w).sum() / w.sum())
        text = f"{PARTNER_LABELS[PARTNER_TYPES[p]]} ({ep.agency_name[g]}) → {ep.csp_names[c]}: "
        links.append(_edge(f"agency:{g}", f"csp:{c}", e, text + f"strategic engagement {e:.2f}"))
    used = sorted({n["category"] for n in nodes})
    xs, ys = [n["x"] for n in nodes], [n["y"] for n in nodes]
    return {
        "animation": False,
        "textStyle": {"fontSize": FONT_PX},
        "title": {
            "text": "Partnership network now", "subtext": NETWORK_NOTE, "left": 8, "top": 4,
            "itemGap": 12, "textStyle": {"fontSize": TITLE_PX},
            "subtextStyle": {"fontSize": FONT_PX},
        },
        "tooltip": {"trigger": "item", "textStyle": {"fontSize": FONT_PX}},
        # The key: one entry per kind of node in view, with its shape and colour.
        "legend": {
            "top": 62, "left": 8, "right": 8, "textStyle": {"fontSize": FONT_PX},
            "data": [_legend_name(k) for k in used], "selectedMode": False,
        },
        "series": [
            {
                # Drawn at the layout's own pixel size (scale 1 both ways): a box
                # fitted to the chart would stretch the circles into ellipses.
                "type": "graph", "layout": "none", "roam": False, "top": TOP_PX,
                "left": LABEL_PX + 12, "width": max(xs) - min(xs) or 1,
                "height": max(ys) - min(ys) or 1,
                "categories": [_category(k) for k in range(len(CATEGORIES))],
                "label": {
                    "show": True, "fontSize": FONT_PX, "width": LABEL_PX,
                    "overflow": "truncate", "ellipsis": "…",
                },
                "emphasis": {"focus": "adjacency"},
                "data": nodes,
                "links": links,
            }
        ],
    }  # fmt: skip


NETWORK_NOTE = "edges: strategic engagement (thick green = engaged, thin red = drifting)"
_CATEGORY_SYMBOL = {0: "circle", 1: "diamond"}
_CATEGORY_COLOUR = {0: "#4caf50", 1: "#607d8b"}


def _csp_name(name: str, n_areas: int) -> str:
    """A CSP's name for the page: a merged CSP (``merged:<hub>``) by what it is."""
    if name.startswith("merged:"):
        return f"Merged CSP of {n_areas} councils ({name.removeprefix('merged:')} hub)"
    return name


def _category(k: int) -> dict[str, Any]:
    colour = _CATEGORY_COLOUR.get(k) or PARTNER_COLOURS[CATEGORIES[k]]
    symbol = _CATEGORY_SYMBOL.get(k, "rect")
    return {"name": _legend_name(k), "symbol": symbol, "itemStyle": {"color": colour}}


def _legend_name(k: int) -> str:
    if k < 2:
        return CATEGORIES[k]
    return PARTNER_LABELS[CATEGORIES[k]]


def _node(
    nid: str,
    label: str,
    layout: Layout,
    symbol: str,
    size: float,
    colour: str,
    tip: str,
    category: int,
    side: str,
) -> dict[str, Any]:
    x, y = layout.pos.get(nid, (0.0, 0.0))
    return {
        "id": nid,
        "name": label,
        "category": category,
        "label": {"position": side},
        "x": round(x, 1),
        "y": round(y, 1),
        "symbol": symbol,
        "symbolSize": round(size, 1),
        "itemStyle": {"color": colour, "borderColor": "#333", "borderWidth": 0.6},
        "tooltip": {"formatter": tip},
    }


def _edge(source: str, target: str, e: float, tip: str) -> dict[str, Any]:
    e = float(e) if np.isfinite(e) else 0.0
    return {
        "source": source,
        "target": target,
        "value": round(e, 3),
        "lineStyle": {
            "width": round(0.8 + 6 * e, 2),
            "color": engagement_colour(e),
            "opacity": 0.85,
        },
        "tooltip": {"formatter": tip},
    }
