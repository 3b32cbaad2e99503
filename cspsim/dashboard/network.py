"""The partnership network: CSPs, the partner agencies that serve them, and engagement.

Nodes are CSPs (circles, coloured by the share of demand they meet), partner agencies
(squares, coloured by partner type) and, for a CSP formed by merging several council areas,
its member councils (diamonds). Each agency-CSP link is an edge whose width and colour show
the agency's strategic engagement with that CSP; a council's edge shows its ownership of the
merged CSP. The national model is shown one police force area at a time.

The layout is fixed, not simulated, so it does not jump between quarters: CSPs on a circle,
agencies that serve several CSPs inside it (force-wide partners in the middle), agencies
that serve one CSP just outside it.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from cspsim.dashboard.charts import PARTNER_COLOURS
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
    csps: list[int], agency_csps: dict[int, list[int]], members: dict[int, list[int]]
) -> Layout:
    pos: dict[str, tuple[float, float]] = {}
    angle: dict[int, float] = {}
    n = len(csps)
    for i, c in enumerate(csps):
        angle[c] = math.pi / 2 - 2 * math.pi * i / max(n, 1)
        r = 0.0 if n == 1 else 1.0
        pos[f"csp:{c}"] = (r * math.cos(angle[c]), r * math.sin(angle[c]))
    for c, areas in members.items():  # member councils of merged CSPs, round their CSP
        cx, cy = pos[f"csp:{c}"]
        rr = 0.55 if n == 1 else 0.28
        for j, a in enumerate(areas):
            t = angle[c] + 2 * math.pi * (j + 0.5) / len(areas)
            pos[f"area:{a}"] = (cx + rr * math.cos(t), cy + rr * math.sin(t))
    shared = [g for g, cs in agency_csps.items() if len(cs) > 1 or n == 1]
    own: dict[int, list[int]] = {}
    for g, cs in agency_csps.items():
        if g not in shared:
            own.setdefault(cs[0], []).append(g)
    for j, g in enumerate(shared):  # serve several CSPs: a ring inside (or round a lone CSP)
        t = math.pi / 2 - 2 * math.pi * (j + 0.5) / len(shared)
        r = 1.25 if n == 1 else 0.5
        pos[f"agency:{g}"] = (r * math.cos(t), r * math.sin(t))
    for c, gs in own.items():  # serve one CSP: just outside it
        for j, g in enumerate(gs):
            t = angle[c] + 0.42 * (j - (len(gs) - 1) / 2)
            pos[f"agency:{g}"] = (1.75 * math.cos(t), 1.75 * math.sin(t))
    return Layout(pos)


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
        layout = _layout(csps, agency_csps, members)
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
        size = 18 + 22 * math.sqrt(pop[ca].sum() / max(pop[areas].max(), 1))
        text = f"{ep.csp_names[c]}: CSP of {len(ca)} area(s)"
        text += f", {100 * share:.0f}% of demand met" if has else ""
        colour = engagement_colour(share) if has else "#9e9e9e"
        nodes.append(
            _node(f"csp:{c}", _short(ep.csp_names[c]), layout, "circle", size, colour, text)
        )
    for c, member_areas in members.items():
        for a in member_areas:
            own, name = float(s.ownership[a]), m.geo.names[a]
            tip = f"{name} council: ownership of its merged CSP {own:.2f}"
            nodes.append(_node(f"area:{a}", _short(name), layout, "diamond", 14, "#607d8b", tip))
            links.append(_edge(f"area:{a}", f"csp:{c}", own, tip))
    for g, cs in agency_csps.items():
        ptype = PARTNER_TYPES[int(ep.agency_ptype[g])]
        label = PARTNER_LABELS[ptype]
        tip = f"{label}: {ep.agency_name[g]} (serves {len(set(cs))} CSP(s) in view)"
        nodes.append(_node(f"agency:{g}", label, layout, "rect", 16, PARTNER_COLOURS[ptype], tip))
    for lk, la in link_areas.items():
        g, p = int(ep.link_agency[lk]), int(ep.link_ptype[lk])
        c = int(ep.csp_of_area[la[0]])
        w = pop[la]
        e = float((s.engagement[p, la] * w).sum() / w.sum())
        text = f"{PARTNER_LABELS[PARTNER_TYPES[p]]} ({ep.agency_name[g]}) → {ep.csp_names[c]}: "
        links.append(_edge(f"agency:{g}", f"csp:{c}", e, text + f"strategic engagement {e:.2f}"))
    return {
        "animation": False,
        "title": {
            "text": "Partnership network (edges: engagement)",
            "left": 8,
            "top": 4,
            "textStyle": {"fontSize": 14},
        },
        "tooltip": {"trigger": "item"},
        "series": [
            {
                "type": "graph",
                "layout": "none",
                "roam": True,
                "top": 44,
                "bottom": 16,
                "left": 110,
                "right": 110,
                "label": {"show": True, "position": "right", "fontSize": 11},
                "emphasis": {"focus": "adjacency"},
                "data": nodes,
                "links": links,
            }
        ],
    }


def _short(name: str, width: int = 22) -> str:
    return name if len(name) <= width else name[: width - 1] + "…"


def _label_position(x: float, y: float) -> str:
    """Put a node's label on the side facing away from the centre."""
    if abs(x) < 0.2 and abs(y) < 0.2:
        return "bottom"
    if abs(x) >= abs(y) * 0.6:
        return "right" if x > 0 else "left"
    return "top" if y > 0 else "bottom"


def _node(
    nid: str, label: str, layout: Layout, symbol: str, size: float, colour: str, tip: str
) -> dict[str, Any]:
    x, y = layout.pos.get(nid, (0.0, 0.0))
    return {
        "id": nid,
        "name": label,
        "label": {"position": _label_position(x, y)},
        "x": round(x * 100, 2),
        "y": round(-y * 100, 2),
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
