"""Small statistics helpers: confidence intervals of a mean across replicates."""

from __future__ import annotations

import numpy as np
import pandas as pd

# Two-sided 95% Student t quantiles t(0.975, df) for df = 1..30 (standard tables).
_T975 = (
    12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
    2.201, 2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086,
    2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042,
)  # fmt: skip


def t975(df: int) -> float:
    """97.5% quantile of Student's t with ``df`` degrees of freedom (normal beyond 30)."""
    if df < 1:
        return float("nan")
    if df <= 30:
        return _T975[df - 1]
    return 1.96 + 2.4 / df  # within 0.002 of the exact value for df > 30


def mean_ci(values: np.ndarray) -> tuple[float, float, float]:
    """Mean and 95% t-interval of the mean of ``values`` (NaNs dropped)."""
    v = np.asarray(values, dtype=float)
    v = v[~np.isnan(v)]
    if v.size == 0:
        return (float("nan"),) * 3
    mean = float(v.mean())
    if v.size == 1:
        return mean, float("nan"), float("nan")
    half = t975(v.size - 1) * float(v.std(ddof=1)) / np.sqrt(v.size)
    return mean, mean - half, mean + half


def summarise(frame: pd.DataFrame, outcomes: list[str]) -> pd.DataFrame:
    """Headline outcomes by group and period, with 95% intervals across replicates.

    Periods: the first four simulated quarters (``start``), the last four (``end``) and the
    whole run (``all``). Each replicate is first averaged over the period; the interval is the
    t-interval of the mean of those replicate values.
    """
    agg = frame[frame["level"] != "csp"]
    steps = np.sort(agg["step"].unique())
    periods = {"start": steps[:4], "end": steps[-4:], "all": steps}
    rows = []
    for period, sel in periods.items():
        sub = agg[agg["step"].isin(sel)]
        per_rep = sub.groupby(["scenario", "level", "unit", "replicate"])[outcomes].mean()
        for (scenario, level, unit), grp in per_rep.groupby(level=[0, 1, 2]):
            for outcome in outcomes:
                mean, lo, hi = mean_ci(grp[outcome].to_numpy())
                rows.append((scenario, level, unit, outcome, period, len(grp), mean, lo, hi))
    cols = ["scenario", "level", "group", "outcome", "period", "replicates", "mean", "lo", "hi"]
    return pd.DataFrame(rows, columns=cols)
