"""Paired differences over parameter sets and replicates together (``cspsim compare
--uncertainty calibration``).

Each scenario runs under P parameter sets drawn from the calibration's near-optimal set,
R replicates each, on common random numbers: run (set j, replicate k) of every scenario
uses the same seed. For each outcome the paired difference d_jk from the reference is
summarised as:

- the mean over all P x R runs;
- a 95% interval for the effect under a parameter set drawn from the near-optimal set:
  mean +/- t(P - 1) * sqrt(s_theta^2 (1 + 1/P) + s_w^2 / (P R)), where s_w^2 is the
  variance between replicates within a set (replicate noise) and s_theta^2 =
  max(0, s_m^2 - s_w^2 / R) the variance of the set means s_m^2 less that noise (the
  one-way random-effects estimate of how much the effect moves with the parameters). It
  is a prediction interval over parameter sets that also carries the uncertainty of the
  mean. With one parameter set there is no spread of parameters to estimate, and it is the
  plain paired t-interval over replicates (:func:`cspsim.analysis.comparison.comparison_table`);
- ``sign_share``: the share of parameter sets whose mean difference has the sign of the
  overall mean; the conclusion "holds" when it is at least :data:`SIGN_HOLDS` (95%).

To keep 1,600 national runs cheap, each run is reduced where it ran to sums and counts by
period (:func:`period_parts`); the window, the whole run and each financial year are put
together from them (:func:`values_from_parts`), and equal the step means of
:func:`cspsim.analysis.comparison.period_values`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from cspsim.analysis.comparison import KEYS, outcome_columns
from cspsim.analysis.outputs import outcome_unit
from cspsim.analysis.stats import t975

#: Share of parameter sets that must agree on a difference's sign for it to "hold".
SIGN_HOLDS = 0.95
_GROUP = ["scenario", "replicate", "level", "group"]


def period_parts(frame: pd.DataFrame) -> pd.DataFrame:
    """One run's national and authority-type outcomes as sums and counts of quarters by
    period: ``start`` and ``end`` (first and last four quarters) and each financial year.

    Sums skip missing values (a duty not yet in force) and counts count the others, so
    the mean of any union of periods is its sum over its count. Done in numpy: this runs
    once per run, hundreds of times per comparison.

    Returns:
        Columns scenario, replicate, level, group, period, fy (the year of an ``fy`` row,
        -1 otherwise), stat (``sum`` or ``count``) and one column per outcome.
    """
    agg = frame[frame["level"].isin(["national", "authority_type"])]
    cols = outcome_columns(agg)
    values = agg[cols].to_numpy(dtype=float)
    present = ~np.isnan(values)
    values = np.where(present, values, 0.0)
    gid, names = pd.factorize((agg["level"] + "\0" + agg["unit"]).to_numpy())
    groups = [str(n).split("\0") for n in names]
    fid, years = pd.factorize(agg["fy"].to_numpy(), sort=True)
    step = agg["step"].to_numpy()
    steps = np.unique(step)
    n_g, n_f = len(groups), len(years)
    # Slot of each row: its year (0 .. n_f - 1), and start / end (n_f, n_f + 1) if in them.
    slots = [(gid * (n_f + 2) + fid, np.ones(len(step), dtype=bool))]
    for k, sel in enumerate((steps[:4], steps[-4:])):
        slots.append((gid * (n_f + 2) + n_f + k, np.isin(step, sel)))
    total = np.zeros((n_g * (n_f + 2), len(cols)))
    count = np.zeros_like(total)
    for slot, mask in slots:
        np.add.at(total, slot[mask], values[mask])
        np.add.at(count, slot[mask], present[mask])
    periods = [f"fy{y}" for y in years] + ["start", "end"]
    index = pd.DataFrame(
        {
            "scenario": agg["scenario"].iloc[0],
            "replicate": agg["replicate"].iloc[0],
            "level": np.repeat([g[0] for g in groups], n_f + 2),
            "group": np.repeat([g[1] for g in groups], n_f + 2),
            "period": np.tile(periods, n_g),
            "fy": np.tile(np.r_[years, -1, -1], n_g).astype(int),
        }
    )
    return pd.concat(
        [
            pd.concat([index.assign(stat="sum"), pd.DataFrame(total, columns=cols)], axis=1),
            pd.concat([index.assign(stat="count"), pd.DataFrame(count, columns=cols)], axis=1),
        ],
        ignore_index=True,
    )


def values_from_parts(
    parts: pd.DataFrame, window_fy: int | None, by_year: tuple[str, ...] = ("share_met",)
) -> pd.DataFrame:
    """Each run's outcome means by period, in the long form of
    :func:`~cspsim.analysis.comparison.period_values`: ``start``, ``end``, ``all``,
    ``window`` (years from ``window_fy``; the whole run without one) for every outcome,
    and each financial year for the outcomes in ``by_year``."""
    cols = [c for c in parts.columns if c not in {*_GROUP, "period", "fy", "stat"}]
    key = [*_GROUP, "period"]
    total = parts[parts["stat"] == "sum"].set_index([*key, "fy"])[cols]
    count = parts[parts["stat"] == "count"].set_index([*key, "fy"])[cols]
    fy = total.index.get_level_values("fy")
    blocks = [(total[fy < 0], count[fy < 0])]  # start, end
    years = fy >= 0
    window = years if window_fy is None else fy >= window_fy
    for name, sel in (("all", years), ("window", window)):
        s = total[sel].groupby(level=_GROUP).sum().assign(period=name)
        n = count[sel].groupby(level=_GROUP).sum().assign(period=name)
        blocks.append((s.set_index("period", append=True), n.set_index("period", append=True)))
    wide = [(s / n.where(n > 0)).reset_index() for s, n in blocks]
    yearly = total[years][list(by_year)] / count[years][list(by_year)].where(count[years] > 0)
    wide.append(yearly.reset_index())
    long = pd.concat(wide, ignore_index=True).drop(columns="fy", errors="ignore")
    long = long.melt(id_vars=key, var_name="outcome", value_name="value")
    return long.dropna(subset=["value"])[["scenario", "replicate", *KEYS, "value"]]


def _combined(df: pd.DataFrame, by: list[str], column: str) -> pd.DataFrame:
    """Mean and 95% interval over parameter sets and replicates together (module doc)."""
    g = df.groupby([*by, "set"], sort=False)[column]
    sets = pd.DataFrame({"m": g.mean(), "v": g.var(ddof=1), "n": g.count()})
    sets["dof"] = sets["n"] - 1
    sets["ss"] = sets["v"].fillna(0.0) * sets["dof"]
    per = sets.groupby(level=by, sort=False)
    p, nbar = per["m"].count(), per["n"].mean()
    mean = per["m"].mean()
    dof = per["dof"].sum()
    s_w2 = (per["ss"].sum() / dof.where(dof > 0)).fillna(0.0)
    s_m2 = per["m"].var(ddof=1)
    s_theta2 = (s_m2 - s_w2 / nbar).clip(lower=0.0)
    many = np.sqrt(s_theta2 * (1 + 1 / p) + s_w2 / (p * nbar)) * (p - 1).map(t975)
    one = np.sqrt(s_w2 / nbar) * (nbar - 1).map(lambda n: t975(int(n)))
    half = many.where(p > 1, one)
    return pd.DataFrame({"mean": mean, "lo": mean - half, "hi": mean + half, "sets": p})


def _sign_share(df: pd.DataFrame, by: list[str]) -> pd.Series:
    """Share of parameter sets whose mean difference has the overall mean's sign."""
    m = df.groupby([*by, "set"], sort=False)["diff"].mean()
    overall = m.groupby(level=by, sort=False).transform("mean")
    agree = ((np.sign(m) == np.sign(overall)) & (overall != 0)).astype(float)
    share = agree.groupby(level=by, sort=False).mean()
    zero = overall.groupby(level=by, sort=False).first() == 0
    return share.mask(zero).rename("sign_share")


def uncertainty_table(values: pd.DataFrame, reference: str, replicates: int) -> pd.DataFrame:
    """:func:`~cspsim.analysis.comparison.comparison_table`'s columns, with intervals over
    parameter sets and replicates together, plus ``sets`` (parameter sets) and
    ``sign_share``; run r belongs to parameter set r // ``replicates``."""
    by = ["scenario", *KEYS]
    values = values.assign(set=values["replicate"] // replicates)
    own = _combined(values, by, "value")
    ref = values[values["scenario"] == reference].drop(columns=["scenario", "set"])
    paired = values.merge(ref, on=["replicate", *KEYS], suffixes=("", "_ref"))
    paired["diff"] = paired["value"] - paired["value_ref"]
    diff = _combined(paired, by, "diff").drop(columns="sets")
    diff = diff.rename(columns={"mean": "diff", "lo": "diff_lo", "hi": "diff_hi"})
    n = values.groupby(by, sort=False)["value"].count().rename("n")
    table = own.join(diff).join(n).join(_sign_share(paired, by)).reset_index()
    table["unit"] = table["outcome"].map(outcome_unit)
    first = ["scenario", "outcome", "unit", "group", "level", "period", "n", "mean", "lo"]
    return table[[*first, "hi", "diff", "diff_lo", "diff_hi", "sets", "sign_share"]]
