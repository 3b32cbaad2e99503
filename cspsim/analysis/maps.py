"""A map of a run's council areas: share of demand met, and its change, on ONS boundaries.

The boundaries are the ONS local authority districts of 2021 for England and Wales
(``configs/geography/ons_lad21_boundaries_ew.topojson``, copied by
``scripts/build_geography.py``), read with geopandas (GDAL's TopoJSON driver via pyogrio).
A run's areas match them by ONS name or code; a council of another date is drawn within its
2021 boundary through the successor data of :mod:`cspsim.inputs.england`: a district merged
after 2017 (e.g. Forest Heath) is drawn within its 2021 successor (West Suffolk), sharing the
polygon with its partners (the mean of their values is shown); a council created after 2021
(e.g. North Yorkshire, 2023) is drawn as the union of its 2021 predecessors. Synthetic areas
(``north_east_metropolitan_1``...) match nothing: no map is written.

geopandas and matplotlib are imported inside the functions (slow imports).
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from cspsim.inputs.england import ATTRIBUTION, GEOGRAPHY_DIR, load_england
from cspsim.io import atomic_write

if TYPE_CHECKING:
    import geopandas as gpd
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure
    from matplotlib.text import Text

BOUNDARIES = GEOGRAPHY_DIR / "ons_lad21_boundaries_ew.topojson"
LAYER = "geog"  # the TopoJSON object holding the districts
CRS_LONLAT, CRS_BNG = "EPSG:4326", "EPSG:27700"  # WGS84; British National Grid (metres)
MAX_LABELS = 20  # label the areas when there are at most this many
_MARGIN = 0.08  # of the areas' extent, around them


@cache
def read_boundaries(path: Path = BOUNDARIES) -> gpd.GeoDataFrame:
    """The 2021 district boundaries: columns ``code``, ``name``, ``geometry`` (lon/lat)."""
    import geopandas as gpd

    raw = gpd.read_file(path, layer=LAYER)
    out = raw.rename(columns={"AREACD": "code", "AREANM": "name"})[["code", "name", "geometry"]]
    return out.set_crs(CRS_LONLAT, allow_override=True)


@dataclass(frozen=True)
class Match:
    """Where a run's council area is drawn.

    Attributes:
        area: The area's name (or code) in the run.
        codes: 2021 district codes whose union is its shape (empty: not matched).
        note: How it was matched when not by its own 2021 name or code.
    """

    area: str
    codes: tuple[str, ...]
    note: str = ""


def match_areas(areas: Iterable[str], boundaries: pd.DataFrame) -> list[Match]:
    """Match council names or ONS codes (case-insensitive) to the 2021 boundaries."""
    codes = set(boundaries["code"])
    names = {str(c): str(n) for c, n in zip(boundaries["code"], boundaries["name"], strict=True)}
    by_key = {
        str(k).casefold(): str(c)
        for k, c in zip(boundaries["name"], boundaries["code"], strict=True)
    }
    by_key |= {str(c).casefold(): str(c) for c in boundaries["code"]}
    eng = load_england()
    known = {a.name.casefold(): a for a in eng.all_areas} | {
        a.code.casefold(): a for a in eng.all_areas
    }
    by_code = {a.code: a for a in eng.all_areas}
    out = []
    for area in areas:
        key = area.strip().casefold()
        if key in by_key:
            out.append(Match(area, (by_key[key],)))
            continue
        found = known.get(key)
        if found is None:
            out.append(Match(area, ()))
            continue
        step = found  # an earlier council: follow the successors to a 2021 district
        while step.code not in codes and step.successor in by_code:
            step = by_code[step.successor]
        if step.code in codes:
            name = names[step.code]
            note = f"as {name} (renamed)" if step is found else f"within its 2021 successor {name}"
            out.append(Match(area, (step.code,), note))
            continue
        parts = sorted(a.code for a in eng.all_areas if a.successor == found.code)
        parts = [c for c in parts if c in codes]  # a later council: its 2021 predecessors
        note = "as the union of its 2021 predecessors" if parts else ""
        out.append(Match(area, tuple(parts), note))
    return out


def _csp_of_area(frame: pd.DataFrame) -> dict[str, tuple[str, str]]:
    """Each area's CSP at the start and end, when every CSP in the frame is one area."""
    units = frame.loc[frame["level"] == "csp", "unit"].astype(str).unique()
    return {u: (u, u) for u in units if not u.startswith("merged:")}


def _fy_label(fy: int) -> str:
    return f"{fy}/{(fy + 1) % 100:02d}"


def area_values(
    frame: pd.DataFrame, csp_of_area: Mapping[str, tuple[str, str]]
) -> tuple[pd.DataFrame, int, int]:
    """Per area: its CSP's share of demand met in the first and last financial year.

    Means over the quarters of the year and the replicates. Returns the table (index: area;
    columns ``first``, ``last``, ``change``), the first and the last financial year.
    """
    csp = frame[frame["level"] == "csp"]
    first_fy, last_fy = int(csp["fy"].min()), int(csp["fy"].max())
    mean = csp.groupby(["fy", "unit"])["share_met"].mean()
    rows = {}
    for area, (start, end) in csp_of_area.items():
        first = mean.get((first_fy, start), float("nan"))
        last = mean.get((last_fy, end), float("nan"))
        rows[area] = {"first": first, "last": last}
    table = pd.DataFrame.from_dict(rows, orient="index", columns=["first", "last"], dtype=float)
    table["change"] = table["last"] - table["first"]
    return table, first_fy, last_fy


def plot_map(
    frame: pd.DataFrame,
    folder: Path,
    title: str,
    csp_of_area: Mapping[str, tuple[str, str]] | None = None,
    boundaries: Path = BOUNDARIES,
) -> Path | None:
    """Write ``folder/map.png``, or nothing (None) when no area of the run is a real one.

    Args:
        frame: A run's frame (``timeseries.parquet``): its ``level == "csp"`` rows.
        folder: Where to write ``map.png``.
        title: Title of the figure (the scenario's name).
        csp_of_area: Council area name or ONS code -> (its CSP's ``unit`` in the first
            quarter, in the last); default: every CSP of the frame is one area of its name.
        boundaries: The TopoJSON file of the 2021 districts.
    """
    members = dict(csp_of_area) if csp_of_area is not None else _csp_of_area(frame)
    if not members or frame[frame["level"] == "csp"].empty:
        return None
    shapes = read_boundaries(boundaries)
    matches = [m for m in match_areas(members, shapes) if m.codes]
    if not matches:
        return None
    values, first_fy, last_fy = area_values(frame, members)
    return _draw(shapes, matches, values, first_fy, last_fy, members, folder / "map.png", title)


def _draw(
    shapes: gpd.GeoDataFrame,
    matches: list[Match],
    values: pd.DataFrame,
    first_fy: int,
    last_fy: int,
    members: Mapping[str, tuple[str, str]],
    path: Path,
    title: str,
    headings: tuple[str, str] | None = None,
) -> Path:
    import geopandas as gpd
    import matplotlib
    import shapely

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib import patheffects
    from matplotlib.colors import Normalize
    from matplotlib.ticker import FuncFormatter

    bng = shapes.to_crs(CRS_BNG)
    geom = dict(zip(bng["code"], bng.geometry, strict=True))
    # One shape per drawn polygon: areas sharing a 2021 district show their mean.
    groups: dict[tuple[str, ...], list[str]] = {}
    for m in matches:
        groups.setdefault(m.codes, []).append(m.area)
    rows = []
    for codes, areas in groups.items():
        v = values.loc[areas]
        label = " + ".join(areas) if len(areas) <= 2 else f"{areas[0]} + {len(areas) - 1}"
        rows.append(
            {
                "label": label,
                "last": v["last"].mean(),
                "change": v["change"].mean(),
                "csp": members[areas[0]][1],
                "geometry": shapely.union_all([geom[c] for c in codes]),
            }
        )
    drawn = gpd.GeoDataFrame(rows, geometry="geometry", crs=CRS_BNG)
    xmin, ymin, xmax, ymax = drawn.total_bounds
    pad = _MARGIN * max(xmax - xmin, ymax - ymin, 20_000.0)
    box = (xmin - pad, ymin - pad, xmax + pad, ymax + pad)
    around = bng.cx[box[0] : box[2], box[1] : box[3]]
    csps = drawn.dissolve(by="csp") if drawn["csp"].nunique() < len(drawn) else None

    change = drawn["change"].abs().max()
    lim = max(0.01, float(change) if pd.notna(change) else 0.01)
    last_heading, change_heading = headings or (
        f"Share of demand met, FY {_fy_label(last_fy)}",
        f"Change since FY {_fy_label(first_fy)}",
    )
    panels = (
        (
            "last",
            last_heading,
            "share of demand met (%)",
            "viridis",
            Normalize(0, 1),
            "{:.0f}%",
        ),
        (
            "change",
            change_heading,
            "change (percentage points)",
            "RdBu",
            Normalize(-lim, lim),  # symmetric: white is no change
            "{:+.0f} pp" if lim >= 0.05 else "{:+.1f} pp",
        ),
    )
    width, height = box[2] - box[0], box[3] - box[1]
    wide = width > 1.3 * height  # a wide extent: panels one above the other
    panel_w = 8.5 if wide else 5.6
    panel_h = min(max(panel_w * height / width, 3.2), 7.5)
    size = (panel_w + 1.4, 2 * panel_h + 1.6) if wide else (2 * panel_w + 1.6, panel_h + 1.4)
    fig, axes = plt.subplots(2 if wide else 1, 1 if wide else 2, figsize=size)
    fig.suptitle(
        title
        if headings
        else f"{title}: share of demand met by council area (CSP mean over replicates)"
    )
    notes: dict[str, list[str]] = {}
    for m in matches:
        if m.note:
            notes.setdefault(m.note, []).append(m.area)
    n_noted = sum(len(areas) for areas in notes.values())
    if n_noted <= MAX_LABELS:
        foot = [f"{', '.join(areas)} drawn {note}" for note, areas in notes.items()]
    else:  # a national map: say how, not every name (areas.csv lists each area's council)
        foot = [
            f"{n_noted} areas of councils renamed or replaced since are drawn within their 2021 "
            "boundaries (areas.csv lists each area's council and CSP by period)"
        ]
    if csps is not None:
        foot.append("black lines: CSPs of several areas at the end")
    foot_text = textwrap.fill(". ".join([*foot, ATTRIBUTION]), 150 if wide else 190)
    fig.text(0.01, 0.005, foot_text, fontsize=6.5, ha="left", va="bottom", color="#444444")
    labels = []
    for ax, (col, heading, unit, cmap, norm, fmt) in zip(axes, panels, strict=True):
        around.plot(ax=ax, color="#eeeeee", edgecolor="#bbbbbb", lw=0.4)
        drawn.plot(
            ax=ax,
            column=col,
            cmap=cmap,
            norm=norm,
            edgecolor="white",
            lw=0.6,
            missing_kwds={"color": "#cccccc", "hatch": "//", "edgecolor": "white"},
        )
        if csps is not None:
            csps.boundary.plot(ax=ax, color="black", lw=1.2)
        bar = fig.colorbar(plt.cm.ScalarMappable(norm=norm, cmap=cmap), ax=ax, shrink=0.8, pad=0.02)
        bar.set_label(unit)
        digits = 0 if col == "last" or lim >= 0.05 else 1  # small differences: tenths
        bar.formatter = FuncFormatter(lambda t, _, d=digits: f"{100 * t:.{d}f}")
        bar.update_ticks()
        ax.set_xlim(box[0], box[2])
        ax.set_ylim(box[1], box[3])
        ax.set_aspect("equal")
        ax.set_axis_off()
        ax.set_title(heading, fontsize=10)
        if len(drawn) <= MAX_LABELS:
            halo = [patheffects.withStroke(linewidth=2.2, foreground="white")]
            texts = []
            for _, r in drawn.iterrows():
                p = r.geometry.representative_point()
                value = fmt.format(100 * r[col]) if pd.notna(r[col]) else "n/a"
                text = f"{textwrap.fill(str(r['label']), 14)}\n{value}"
                texts.append(
                    ax.text(
                        p.x, p.y, text, ha="center", va="center", fontsize=6.5, path_effects=halo
                    )
                )
            labels.append((ax, texts))
    foot_h = (foot_text.count("\n") + 1) * 6.5 * 1.3 / 72 / size[1]  # of the figure height
    fig.tight_layout(rect=(0, foot_h + 0.01, 1, 1))
    fig.canvas.draw()  # fixes the axes' aspect before the labels are measured
    for ax, texts in labels:
        _spread(fig, ax, texts)
    atomic_write(path, lambda p: fig.savefig(p, dpi=110, format="png"))
    plt.close(fig)
    return path


def _spread(fig: Figure, ax: Axes, texts: list[Text], rounds: int = 60) -> None:
    """Nudge overlapping labels apart vertically (a few rounds of pairwise pushes)."""
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    to_data = ax.transData.inverted()
    for _ in range(rounds):
        boxes = [t.get_window_extent(renderer).expanded(1.05, 1.1) for t in texts]
        moved = False
        for i in range(len(texts)):
            for j in range(i + 1, len(texts)):
                a, b = boxes[i], boxes[j]
                if not a.overlaps(b):
                    continue
                lower, upper = (i, j) if a.y0 + a.y1 <= b.y0 + b.y1 else (j, i)
                push = (min(a.y1, b.y1) - max(a.y0, b.y0)) / 2 + 1  # pixels each way
                for k, dy in ((lower, -push), (upper, push)):
                    x, y = texts[k].get_position()
                    px, py = ax.transData.transform((x, y))
                    texts[k].set_position(tuple(to_data.transform((px, py + dy))))
                boxes = [t.get_window_extent(renderer).expanded(1.05, 1.1) for t in texts]
                moved = True
        if not moved:
            return


def plot_difference_map(
    csp: pd.DataFrame,
    scenario: str,
    reference: str,
    csp_of_area: Mapping[str, str],
    folder: Path,
    period: str,
    boundaries: Path = BOUNDARIES,
) -> Path | None:
    """Write ``folder/map_<scenario>.png``: each council area shaded by its CSP's share of
    demand met under ``scenario`` and by the paired difference from ``reference``.

    Args:
        csp: Per-CSP results of a comparison (``csp_comparison.csv``: columns scenario, csp,
            outcome, mean, diff).
        scenario, reference: The scenario drawn and the reference it is compared with.
        csp_of_area: Council area name or ONS code -> its CSP at the end of the run.
        folder: Where to write the map.
        period: What the values cover (e.g. "FY 2026/27 to 2029/30"), for the headings.
        boundaries: The TopoJSON file of the 2021 districts.

    Returns:
        The file, or None when no area is a real one or no CSP has a result.
    """
    sub = csp[(csp["scenario"] == scenario) & (csp["outcome"] == "share_met")]
    by_csp = sub.set_index("csp")[["mean", "diff"]]
    rows = {
        area: {"first": float("nan"), "last": by_csp.at[c, "mean"], "change": by_csp.at[c, "diff"]}
        for area, c in csp_of_area.items()
        if c in by_csp.index
    }
    if not rows:
        return None
    shapes = read_boundaries(boundaries)
    matches = [m for m in match_areas(rows, shapes) if m.codes]
    if not matches:
        return None
    values = pd.DataFrame.from_dict(rows, orient="index", dtype=float)
    members = {a: (c, c) for a, c in csp_of_area.items()}
    safe = "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in scenario)
    return _draw(
        shapes,
        matches,
        values,
        0,
        0,
        members,
        folder / f"map_{safe}.png",
        f"{scenario} against {reference}: share of demand met by council area, {period}",
        (f"{scenario}: share of demand met", f"Difference from {reference}"),
    )
