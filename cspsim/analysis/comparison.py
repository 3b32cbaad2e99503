"""Paired comparison tables of scenarios run on common random numbers.

Every scenario runs on the same replicate seeds (:func:`cspsim.studies.compare.run_comparison`),
so replicate k of scenario B differs from replicate k of the reference (the first scenario)
only by what the scenarios change. The difference is computed per replicate and summarised
with a 95% t-interval, which is narrower than the interval of a difference between
independently seeded runs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from cspsim.analysis.outputs import OUTCOMES, outcome_unit
from cspsim.analysis.stats import t975
from cspsim.vocab import PARTNER_TYPES

if TYPE_CHECKING:
    from pandas.core.groupby import SeriesGroupBy

# Outcomes compared, and the ones whose interval --precision controls.
COMPARED = (
    ["share_met", "unmet_fte", "spend_gbp", "capacity_limited", "team_fte"]
    + [f"eng_strategic__{p}" for p in PARTNER_TYPES]
    + [f"eng_operational__{p}" for p in PARTNER_TYPES]
)
PRECISION_OUTCOMES = ("share_met",)
PRECISION_PERIODS = ("all", "end")
KEYS = ["level", "group", "outcome", "period"]
# The periods a report reads first: the policy window, the last year, the whole run.
HEADLINE_PERIODS = ("window", "end", "all")


def fy_label(fy: int) -> str:
    """A financial year as people write it: 2012 -> "2012/13" (April 2012 to March 2013)."""
    return f"{fy}/{(fy + 1) % 100:02d}"


def shared_quarters(frame: pd.DataFrame) -> pd.DataFrame:
    """The rows of the quarters every scenario simulated: paired differences are taken over
    them only (a scenario run to 2030 against one that ends in 2024 is compared to 2024)."""
    dates = [set(sub.unique()) for _, sub in frame.groupby("scenario", sort=False)["date"]]
    common = set.intersection(*dates) if dates else set()
    if all(d == common for d in dates):
        return frame
    return frame[frame["date"].isin(common)]


def policy_window(frame: pd.DataFrame, reference: str) -> int | None:
    """The first financial year in which any scenario's results differ from the reference's.

    Paired runs share their random numbers, so they are identical (to rounding) until the
    first lever takes effect: the policy window runs from that year to the end of the run.

    Returns:
        The year (``fy`` of the run frame), or None when no scenario differs from the
        reference in any quarter.
    """
    nat = frame[frame["level"] == "national"]
    cols = outcome_columns(nat)
    keys = ["replicate", "step"]
    ref = nat[nat["scenario"] == reference].set_index(keys)[cols]
    first: int | None = None
    for _, sub in nat[nat["scenario"] != reference].groupby("scenario", sort=False):
        mine = sub.set_index(keys)
        both = mine[cols].join(ref.add_suffix("_ref"), how="inner")
        a = both[cols].to_numpy(dtype=float)
        b = both[[f"{c}_ref" for c in cols]].to_numpy(dtype=float)
        with np.errstate(invalid="ignore"):
            differs = (np.abs(a - b) > 1e-12 * np.maximum(1.0, np.abs(b))) | (
                np.isnan(a) != np.isnan(b)
            )
        rows = differs.any(axis=1)
        if rows.any():
            fy = int(mine.loc[both.index[rows], "fy"].min())
            first = fy if first is None else min(first, fy)
    return first


def outcome_columns(frame: pd.DataFrame) -> list[str]:
    """Outcomes present in a run frame that a comparison reports (incl. per-duty shares)."""
    duty = [c for c in frame.columns if c.startswith("share_met__")]
    return [c for c in COMPARED if c in frame.columns] + duty


def period_values(frame: pd.DataFrame, window_fy: int | None = None) -> pd.DataFrame:
    """Each replicate's outcomes averaged over each period, in long form.

    Periods: ``start`` (first four quarters), ``end`` (last four), ``all`` (whole run),
    ``window`` (the policy window: financial years from ``window_fy`` on; the whole run
    without one) and each financial year (``fy2015`` ...). Only authority-type and national
    rows are used.

    Returns:
        Columns scenario, replicate, level, group, outcome, period, value.
    """
    agg = frame[frame["level"].isin(["national", "authority_type"])]
    agg = agg.rename(columns={"unit": "group"})
    cols = outcome_columns(agg)
    parts = []
    for scenario, sub in agg.groupby("scenario", sort=False):
        steps = np.sort(sub["step"].unique())
        window = steps if window_fy is None else np.unique(sub["step"][sub["fy"] >= window_fy])
        selections = {"start": steps[:4], "end": steps[-4:], "all": steps, "window": window}
        for name, sel in selections.items():
            g = sub[sub["step"].isin(sel)].groupby(["replicate", "level", "group"])[cols].mean()
            parts.append(g.assign(period=name, scenario=scenario))
        g = sub.groupby(["replicate", "level", "group", "fy"])[cols].mean().reset_index("fy")
        g["period"] = "fy" + g.pop("fy").astype(str)
        parts.append(g.assign(scenario=scenario))
    wide = pd.concat(parts).reset_index()
    long = wide.melt(
        id_vars=["scenario", "replicate", "level", "group", "period"],
        value_vars=cols,
        var_name="outcome",
        value_name="value",
    )
    return long[["scenario", "replicate", *KEYS, "value"]]


def _ci(grouped: SeriesGroupBy) -> pd.DataFrame:
    stats = grouped.agg(["mean", "std", "count"])
    half = stats["std"] / np.sqrt(stats["count"]) * stats["count"].map(lambda n: t975(int(n) - 1))
    return pd.DataFrame(
        {"mean": stats["mean"], "lo": stats["mean"] - half, "hi": stats["mean"] + half}
    )


def comparison_table(values: pd.DataFrame, reference: str) -> pd.DataFrame:
    """Mean and 95% interval of every outcome, and its paired difference from ``reference``.

    Returns:
        Tidy table: scenario, outcome, unit (of the outcome: share, fte, gbp_per_quarter,
        engagement_0_1), group, level, period, n, mean, lo, hi, diff, diff_lo, diff_hi (the
        reference's own differences are exactly zero).
    """
    by = ["scenario", *KEYS]
    own = _ci(values.groupby(by, sort=False)["value"])
    ref = values[values["scenario"] == reference].drop(columns="scenario")
    paired = values.merge(ref, on=["replicate", *KEYS], suffixes=("", "_ref"))
    paired["diff"] = paired["value"] - paired["value_ref"]
    diff = _ci(paired.groupby(by, sort=False)["diff"]).add_prefix("diff_")
    diff = diff.rename(columns={"diff_mean": "diff"})
    n = values.groupby(by, sort=False)["value"].count().rename("n")
    table = own.join(diff).join(n).reset_index()
    table["unit"] = table["outcome"].map(outcome_unit)
    order = [
        "scenario",
        "outcome",
        "unit",
        "group",
        "level",
        "period",
        "n",
        "mean",
        "lo",
        "hi",
        "diff",
        "diff_lo",
        "diff_hi",
    ]
    return table[order]


def csp_values(frame: pd.DataFrame) -> pd.DataFrame:
    """A run frame's CSP rows summed by financial year: what :func:`csp_table` needs.

    Returns:
        Columns scenario, replicate, unit (the CSP), csp_code (its code: ONS E22 code in
        real England), fy, demand_fte, delivered_fte and quarters (how many quarters of the
        year the CSP existed).
    """
    csp = frame[frame["level"] == "csp"]
    code = csp["csp_code"] if "csp_code" in csp.columns else csp["unit"]
    g = csp.assign(csp_code=code.fillna("")).groupby(
        ["scenario", "replicate", "unit", "csp_code", "fy"], sort=False
    )
    out = g[["demand_fte", "delivered_fte"]].sum()
    return out.assign(quarters=g.size()).reset_index()


def csp_table(values: pd.DataFrame, reference: str, window_fy: int | None) -> pd.DataFrame:
    """Each CSP's share of demand met and unmet demand over the policy window, and their
    paired differences from ``reference`` (mean over replicates, 95% t-interval).

    The share is the window's total delivery over its total demand (FTE-quarters), so a
    year of heavy demand weighs more; unmet demand is FTE, averaged over the quarters.

    Args:
        values: :func:`csp_values` of every run.
        window_fy: First year of the window (None: the whole run).
    """
    sel = values if window_fy is None else values[values["fy"] >= window_fy]
    g = sel.groupby(["scenario", "replicate", "unit", "csp_code"], sort=False)
    tot = g[["demand_fte", "delivered_fte", "quarters"]].sum()
    per = pd.DataFrame(
        {
            "share_met": tot["delivered_fte"] / tot["demand_fte"].where(tot["demand_fte"] > 0),
            "unmet_fte": (tot["demand_fte"] - tot["delivered_fte"]) / tot["quarters"],
        }
    ).reset_index()
    ref = per[per["scenario"] == reference].drop(columns="scenario")
    paired = per.merge(ref, on=["replicate", "unit", "csp_code"], suffixes=("", "_ref"))
    rows = []
    for outcome in ("share_met", "unmet_fte"):
        paired["diff"] = paired[outcome] - paired[f"{outcome}_ref"]
        by = paired.groupby(["scenario", "unit", "csp_code"], sort=False)
        part = _ci(by["diff"]).add_prefix("diff_").rename(columns={"diff_mean": "diff"})
        part = part.join(by[outcome].mean().rename("mean")).join(by.size().rename("n"))
        rows.append(part.reset_index().assign(outcome=outcome))
    table = pd.concat(rows, ignore_index=True).rename(columns={"unit": "csp"})
    table["unit"] = table["outcome"].map(outcome_unit)
    table["period"] = "window"
    cols = ["scenario", "csp", "csp_code", "outcome", "unit", "period", "n", "mean", "diff"]
    return table[[*cols, "diff_lo", "diff_hi"]]


def headline_half_width(table: pd.DataFrame, reference: str) -> float:
    """Widest 95% half-width of the headline differences (national share met, whole run
    and last year) over the non-reference scenarios; NaN with fewer than two replicates."""
    sel = table[
        (table["scenario"] != reference)
        & (table["level"] == "national")
        & table["outcome"].isin(PRECISION_OUTCOMES)
        & table["period"].isin(PRECISION_PERIODS)
    ]
    if sel.empty:
        return 0.0
    return float(((sel["diff_hi"] - sel["diff_lo"]) / 2).max())


def indistinct(table: pd.DataFrame, reference: str) -> list[str]:
    """Scenarios whose whole-run national share-met difference interval includes zero."""
    sel = table[
        (table["scenario"] != reference)
        & (table["level"] == "national")
        & (table["outcome"] == "share_met")
        & (table["period"] == "all")
    ]
    bad = sel[(sel["diff_lo"] <= 0) & (sel["diff_hi"] >= 0) & (sel["diff"] != 0)]
    return bad["scenario"].tolist()


@dataclass
class Comparison:
    """Result of :func:`cspsim.studies.compare.run_comparison` (and of ``cspsim.compare``,
    which adds the warnings, the wall time and the files it wrote).

    ``window_fy`` is the first financial year of the policy window (:func:`policy_window`);
    ``csp`` the per-CSP results over the window (:func:`csp_table`); ``parameter_sets`` the
    calibration parameter sets each scenario ran under (1: the scenarios' own parameters;
    more with ``--uncertainty calibration``, whose table has intervals over parameter sets
    and replicates together, :mod:`cspsim.analysis.uncertainty`).
    """

    frame: pd.DataFrame
    table: pd.DataFrame
    seeds: list[int]
    replicates: int
    precision: float | None
    half_width: float
    reached: bool
    batches: list[int] = field(default_factory=list)
    window_fy: int | None = None
    csp: pd.DataFrame | None = None
    parameter_sets: int = 1
    warnings: list[str] = field(default_factory=list)
    wall_time_s: float = 0.0
    files: list[str] = field(default_factory=list)


def label(outcome: str) -> str:
    """Human-readable name of an outcome."""
    if outcome.startswith("share_met__"):
        return "Share met: " + outcome.removeprefix("share_met__").replace("_", " ")
    return OUTCOMES.get(outcome, outcome)
