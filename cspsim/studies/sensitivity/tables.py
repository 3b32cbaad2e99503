"""The results of an exploration design as tables: experiments, outcomes, summary by policy.

An exploration design (``lhs``, ``factorial``) has no sensitivity indices; its report is
the sweep itself, in EMA Workbench's shape (one row per experiment, its inputs; and the
outcomes of each), and a summary of every outcome by policy:

* ``experiments.parquet``: one row per sample point: ``point``, ``policy`` and ``scenario``
  (the row of the sample of uncertainties; every policy runs on the same ones), then each
  varied input as the model got it (integers for integer and boolean inputs, the choice's
  name, categorical, for choice levers);
* ``outcomes.parquet``: one row per run: ``point``, ``replicate``, ``seed``, ``ok``,
  ``policy``, ``scenario``, then each output (NaN where the run failed);
* ``outcomes_by_policy.csv``: per policy and outcome, over the sample points whose
  replicates all succeeded (each point counts once, as its replicate mean): ``points``,
  ``mean``, ``sd``, ``p05``, ``median``, ``p95``, ``min``, ``max`` and the outcome's unit.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from cspsim.studies.sensitivity.checks import known_spec

if TYPE_CHECKING:
    from cspsim.studies.sensitivity.sweep import Plan

#: Label of the only "policy" of a design without policies.
NO_POLICY = "(none)"
SUMMARY_COLUMNS = ["policy", "outcome", "unit", "points", "mean", "sd", "p05", "median", "p95",
                   "min", "max"]  # fmt: skip


def policy_of_points(p: Plan) -> tuple[pd.Categorical[str], np.ndarray]:
    """(policy name, scenario index) of every sample point."""
    n = len(p.X)
    names = list(p.design.policies) or [NO_POLICY]
    index = p.X[:, 0].astype(int) if p.design.policies else np.zeros(n, dtype=int)
    scenario = np.arange(n) % max(1, p.design.n_scenarios)
    return pd.Categorical.from_codes(index, categories=pd.Index(names)), scenario


def experiments_frame(p: Plan) -> pd.DataFrame:
    """One row per sample point: point, policy, scenario, each varied input (model value)."""
    policy, scenario = policy_of_points(p)
    cols: dict[str, object] = {"point": np.arange(len(p.X)), "policy": policy,
                               "scenario": scenario}  # fmt: skip
    X = p.X[:, 1:] if p.design.policies else p.X
    for j, v in enumerate(p.design.variables):
        values = [v.to_model(x) for x in X[:, j]]
        if v.kind == "choice" and p.loaded.spec.model == "cspsim":
            names = pd.Index(known_spec(v.name).choices)
            codes = np.array(values, dtype=np.int64)
            cols[v.name] = pd.Categorical.from_codes(codes, categories=names)
        else:
            cols[v.name] = np.array(values, dtype=np.int64 if v.discrete else float)
    return pd.DataFrame(cols)


def outcomes_frame(p: Plan, runs: pd.DataFrame) -> pd.DataFrame:
    """One row per stored run: point, replicate, seed, ok, policy, scenario, outputs."""
    policy, scenario = policy_of_points(p)
    points = runs["point"].to_numpy(int)
    head = {
        "point": points,
        "replicate": runs["replicate"].to_numpy(np.int64),
        "seed": runs["seed"].to_numpy(np.int64),
        "ok": runs["ok"].to_numpy(bool),
        "policy": pd.Categorical(np.asarray(policy)[points], categories=policy.categories),
        "scenario": scenario[points],
    }
    outputs = {name: runs[name].to_numpy(float) for name in p.runtime.outputs}
    return pd.DataFrame(head | outputs)


def by_policy(p: Plan, point_values: dict[str, np.ndarray]) -> pd.DataFrame:
    """Summary statistics of each outcome per policy, over complete sample points."""
    policy, _ = policy_of_points(p)
    codes = np.asarray(policy.codes)
    units = {name: spec.unit for name, spec in p.runtime.outcomes.items()}
    rows = []
    for k, name in enumerate(policy.categories):
        for output, y in point_values.items():
            vals = y[(codes == k) & np.isfinite(y)]
            stats = dict.fromkeys(SUMMARY_COLUMNS[4:], np.nan)
            if vals.size:
                q05, q50, q95 = np.quantile(vals, [0.05, 0.5, 0.95])
                sd = float(vals.std(ddof=1)) if vals.size > 1 else np.nan
                stats = {"mean": float(vals.mean()), "sd": sd, "p05": q05, "median": q50,
                         "p95": q95, "min": vals.min(), "max": vals.max()}  # fmt: skip
            rows.append({"policy": name, "outcome": output, "unit": units.get(output, ""),
                         "points": int(vals.size)} | stats)  # fmt: skip
    return pd.DataFrame(rows, columns=SUMMARY_COLUMNS)


def summary_table(table: pd.DataFrame) -> list[str]:
    """``outcomes_by_policy`` as Markdown lines: one row per outcome, one column per policy
    (mean, and the 5-95% range over the sampled scenarios)."""
    policies = list(dict.fromkeys(table["policy"]))
    lines = ["| outcome | unit | " + " | ".join(policies) + " |",
             "|---|---|" + "---|" * len(policies)]  # fmt: skip
    for outcome, rows in table.groupby("outcome", sort=False):
        cells = []
        for name in policies:
            r = rows[rows["policy"] == name].iloc[0]
            cells.append("–" if r["points"] == 0 else
                         f"{r['mean']:.4g} ({r['p05']:.3g} to {r['p95']:.3g})")  # fmt: skip
        lines.append(f"| {outcome} | {rows['unit'].iloc[0]} | " + " | ".join(cells) + " |")
    return lines
