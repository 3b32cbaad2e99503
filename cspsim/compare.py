"""Paired comparison of scenarios on common random numbers.

Every scenario runs on the same replicate seeds, so replicate k of scenario B differs from
replicate k of the reference (the first scenario) only by what the scenarios change. The
difference is computed per replicate and summarised with a 95% t-interval, which is
narrower than the interval of a difference between independently seeded runs.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from cspsim.config import PARTNER_TYPES, Scenario
from cspsim.outputs import OUTCOMES
from cspsim.runner import Job, replicate_seeds, run_jobs
from cspsim.stats import t975

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


def _ci(grouped) -> pd.DataFrame:
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


class _Progress:
    """Counts finished runs and reports ``(done, total)``."""

    def __init__(self, report: Callable[[int, int], None] | None, done: int, total: int):
        self.report, self.done, self.total = report, done, total

    def __call__(self, n: int) -> None:
        self.done += n
        if self.report:
            self.report(self.done, self.total)


@dataclass
class Comparison:
    """Result of :func:`run_comparison`."""

    frame: pd.DataFrame
    table: pd.DataFrame
    seeds: list[int]
    replicates: int
    precision: float | None
    half_width: float
    reached: bool
    batches: list[int] = field(default_factory=list)


def run_comparison(
    scenarios: list[Scenario],
    base_dirs: list[Path],
    root_seed: int,
    replicates: int,
    *,
    precision: float | None = None,
    max_replicates: int = 200,
    workers: int = 1,
    progress: Callable[[int, int], None] | None = None,
) -> Comparison:
    """Run every scenario on the same replicate seeds and compare them with the first.

    With ``precision``, replicates are added in batches until the headline half-width is
    below it or ``max_replicates`` is reached (``reached`` says which).

    Args:
        progress: Called as ``progress(done, total)`` when a run finishes.
    """
    reference = scenarios[0].name
    target = replicates
    frames: list[pd.DataFrame] = []
    done, batches = 0, []
    while True:
        seeds = replicate_seeds(root_seed, target)
        jobs = [
            Job(sc, k, seeds[k], base, csp_rows=False)
            for k in range(done, target)
            for sc, base in zip(scenarios, base_dirs, strict=True)
        ]
        counter = _Progress(progress, len(scenarios) * done, len(scenarios) * target)
        frames.extend(run_jobs(jobs, workers=workers, progress=counter))
        batches.append(target - done)
        done = target
        frame = pd.concat(frames, ignore_index=True)
        table = comparison_table(period_values(frame), reference)
        hw = headline_half_width(table, reference)
        if precision is None or done >= max_replicates or (not math.isnan(hw) and hw <= precision):
            break
        # Interval width falls as 1/sqrt(n): aim for the target with 20% to spare, growing by
        # at most four times per batch so an early noisy estimate cannot overshoot far.
        need = done * (hw / precision) ** 2 * 1.2 if hw > 0 and not math.isnan(hw) else 2 * done
        target = int(min(max_replicates, max(done + 2, min(4 * done, math.ceil(need)))))
    reached = precision is None or (not math.isnan(hw) and hw <= precision)
    frame = frame.sort_values(["scenario", "replicate", "level", "unit", "step"], kind="stable")
    return Comparison(
        frame, table, replicate_seeds(root_seed, done), done, precision, hw, reached, batches
    )


def label(outcome: str) -> str:
    """Human-readable name of an outcome."""
    if outcome.startswith("share_met__"):
        return "Share met: " + outcome.removeprefix("share_met__").replace("_", " ")
    return OUTCOMES.get(outcome, outcome)
