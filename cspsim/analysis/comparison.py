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

from cspsim.analysis.outputs import OUTCOMES
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


def outcome_columns(frame: pd.DataFrame) -> list[str]:
    """Outcomes present in a run frame that a comparison reports (incl. per-duty shares)."""
    duty = [c for c in frame.columns if c.startswith("share_met__")]
    return [c for c in COMPARED if c in frame.columns] + duty


def period_values(frame: pd.DataFrame) -> pd.DataFrame:
    """Each replicate's outcomes averaged over each period, in long form.

    Periods: ``start`` (first four quarters), ``end`` (last four), ``all`` (whole run) and
    each financial year (``fy2015`` ...). Only authority-type and national rows are used.

    Returns:
        Columns scenario, replicate, level, group, outcome, period, value.
    """
    agg = frame[frame["level"] != "csp"].rename(columns={"unit": "group"})
    cols = outcome_columns(agg)
    parts = []
    for scenario, sub in agg.groupby("scenario", sort=False):
        steps = np.sort(sub["step"].unique())
        selections = {"start": steps[:4], "end": steps[-4:], "all": steps}
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
        Tidy table: scenario, outcome, group, level, period, n, mean, lo, hi, diff, diff_lo,
        diff_hi (the reference's own differences are exactly zero).
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
    order = [
        "scenario",
        "outcome",
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
    which adds the warnings, the wall time and the files it wrote)."""

    frame: pd.DataFrame
    table: pd.DataFrame
    seeds: list[int]
    replicates: int
    precision: float | None
    half_width: float
    reached: bool
    batches: list[int] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    wall_time_s: float = 0.0
    files: list[str] = field(default_factory=list)


def label(outcome: str) -> str:
    """Human-readable name of an outcome."""
    if outcome.startswith("share_met__"):
        return "Share met: " + outcome.removeprefix("share_met__").replace("_", " ")
    return OUTCOMES.get(outcome, outcome)
