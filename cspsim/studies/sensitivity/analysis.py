"""From the store to indices: outputs per sample point, failures, convergence, completeness.

Policy for failed and missing runs (documented in ``docs/SENSITIVITY.md``):

* A sample point's output is the mean over its replicates, and only when *every* replicate
  ran and gave a number: averaging a subset would mix different noise into different points.
* Sobol', Morris, DGSM, RBD-FAST, PAWN and delta designs are N blocks (see
  :mod:`cspsim.studies.sensitivity.methods`); a block with any unusable point is dropped whole and
  the indices are computed on the remaining blocks. eFAST cannot drop anything, so an eFAST
  output with unusable points gets no indices.
* The convergence table gives each index a verdict at the full N: ``stable`` when its
  interval's half-width (``conf``) is at most the experiment's ``convergence_target``
  (default 0.05), else ``not converged`` with the N to aim for, assuming the half-width
  shrinks as 1/sqrt(N): ``M = N * (half_width / target)^2`` (for Sobol' the next power of 2).
* Any failed or missing run marks the whole analysis incomplete: every row of
  ``indices.csv`` then has ``complete = False``, the summary says how many blocks were
  dropped, and the command exits with status 3. Dropping blocks is not neutral when failures
  cluster in one region of the parameter space, so such indices are a diagnosis, not a result.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from cspsim.studies.sensitivity.methods import analyze as salib_analyze
from cspsim.studies.sensitivity.outcomes import split_output
from cspsim.studies.sensitivity.store import Store
from cspsim.studies.sensitivity.sweep import Plan
from cspsim.studies.sensitivity.tables import by_policy

INDEX_COLUMNS = [
    "method", "outcome", "year", "parameter", "parameter_2", "index", "value", "conf",
    "N", "complete", "parameter_unit", "outcome_unit",
]  # fmt: skip


@dataclass
class Analysis:
    """Indices and the bookkeeping that says how far to trust them."""

    indices: pd.DataFrame
    convergence: pd.DataFrame
    failures: pd.DataFrame
    counts: dict[str, int]
    blocks_used: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    by_policy: pd.DataFrame | None = None  # exploration designs: outcomes by policy
    runs: pd.DataFrame | None = None  # exploration designs: the stored runs

    @property
    def complete(self) -> bool:
        """Whether every run of the design is stored and succeeded."""
        return self.counts["missing"] == 0 and self.counts["failed"] == 0


def point_outputs(p: Plan, runs: pd.DataFrame) -> dict[str, np.ndarray]:
    """Each output's value per sample point (NaN unless every replicate gave a number)."""
    return replicate_means(runs, p.runtime.outputs, len(p.X), len(p.seeds))


def replicate_means(
    runs: pd.DataFrame, outputs: Sequence[str], n_points: int, replicates: int
) -> dict[str, np.ndarray]:
    """Each output's mean over the replicates of each point, NaN unless every replicate is
    stored and gave a number (``runs``: the store's rows)."""
    out = {}
    for name in outputs:
        grid = np.full((n_points, replicates), np.nan)
        if len(runs):
            good = runs["ok"].to_numpy(bool)
            pts, reps = runs["point"].to_numpy()[good], runs["replicate"].to_numpy()[good]
            grid[pts, reps] = runs[name].to_numpy(float)[good]
        out[name] = grid.mean(axis=1)  # NaN if any replicate is missing
    return out


def parameter_units(p: Plan) -> dict[str, str]:
    """Unit of each varied input (or group: its members' unit, ``mixed`` if they differ), from
    the parameter registry; empty for a function model (its inputs have no registry)."""
    from cspsim.studies.sensitivity.checks import known_spec

    by_label: dict[str, set[str]] = {}
    for v in p.design.variables:
        unit = known_spec(v.name).unit if p.loaded.spec.model == "cspsim" else ""
        by_label.setdefault(str(v.group) if p.design.grouped else v.name, set()).add(unit)
    return {k: units.pop() if len(units) == 1 else "mixed" for k, units in by_label.items()}


def outcome_units(p: Plan) -> dict[str, str]:
    """Unit of each outcome (from its outcome spec; empty for a function model)."""
    return {name: spec.unit for name, spec in p.loaded.outcomes.items()}


def _labels(p: Plan) -> list[str]:
    from SALib.util import extract_group_names

    problem = p.design.problem()
    if p.design.grouped:
        return [str(g) for g in extract_group_names(problem)[0]]
    return list(problem["names"])


def _rows(p: Plan, Si: dict, outcome: str, year: Any, n: int, complete: bool) -> list[dict]:
    labels = _labels(p)
    units = parameter_units(p)
    out_unit = outcome_units(p).get(outcome, "")
    rows = []
    for idx in p.design.spec.indices:
        if idx.name not in Si:
            continue
        value = np.asarray(Si[idx.name], dtype=float)
        conf = np.asarray(Si[idx.conf], dtype=float) if idx.conf in Si else None
        base = {"method": p.design.method, "outcome": outcome, "year": year, "index": idx.name,
                "N": n, "complete": complete, "outcome_unit": out_unit}  # fmt: skip
        if value.ndim == 2:  # Sobol' S2: one row per pair
            for i in range(len(labels)):
                for j in range(i + 1, len(labels)):
                    c = conf[i, j] if conf is not None else np.nan
                    rows.append(base | {"parameter": labels[i], "parameter_2": labels[j],
                                        "value": value[i, j], "conf": c,
                                        "parameter_unit": units[labels[i]]})  # fmt: skip
            continue
        for i, label in enumerate(labels):
            c = conf[i] if conf is not None else np.nan
            rows.append(base | {"parameter": label, "parameter_2": "", "value": value[i],
                                "conf": c, "parameter_unit": units[label]})  # fmt: skip
    return rows


def _usable_blocks(p: Plan, y: np.ndarray) -> np.ndarray:
    """Whether each block of the design has a number at every point."""
    blocks = p.design.n_blocks()
    return np.isfinite(y).reshape(blocks, -1).all(axis=1)


def _subset(p: Plan, y: np.ndarray, keep: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    per = len(p.X) // p.design.n_blocks()
    rows = np.repeat(keep, per)
    return p.X[rows], y[rows]


def _one(
    p: Plan, y: np.ndarray, first: int, notes: list[str], label: str
) -> tuple[dict[str, Any] | None, int]:
    """Indices from the usable blocks among the first ``first``; (SALib result, blocks used)."""
    ok = _usable_blocks(p, y)
    keep = np.zeros_like(ok)
    keep[:first] = ok[:first]
    used = int(keep.sum())
    if used == 0 or (not p.design.spec.nested and not ok.all()):
        notes.append(f"{label}: no usable design (every block has a failed or missing run)")
        return None, used
    X, Y = _subset(p, y, keep)
    try:
        return salib_analyze(p.design.spec, p.design.problem(), X, Y, p.design.options,
                             p.design.seed), used  # fmt: skip
    except Exception as exc:  # e.g. too few blocks for the method at N/4
        notes.append(f"{label}: SALib could not analyse {used} blocks: {exc}")
        return None, used


def fractions(p: Plan) -> list[int]:
    """Blocks at which convergence is reported: N/4, N/2 and N (N only if not nested)."""
    blocks = p.design.n_blocks()
    if blocks == 1:
        return [1]
    return sorted({max(1, blocks // 4), max(1, blocks // 2), blocks})


def analyze_store(p: Plan, store: Store) -> Analysis:
    """Read the store and compute indices, convergence and the failure table."""
    runs = store.read()
    counts = {
        "runs": p.n_runs,
        "stored": len(runs),
        "missing": p.n_runs - len(runs),
        "failed": int((~runs["ok"].astype(bool)).sum()) if len(runs) else 0,
    }
    complete = counts["missing"] == 0 and counts["failed"] == 0
    Y = point_outputs(p, runs)
    if p.design.spec.exploration:  # no indices: the outcomes themselves, by policy
        empty = pd.DataFrame(columns=INDEX_COLUMNS)
        return Analysis(empty, empty, failures_frame(p, runs), counts,
                        by_policy=by_policy(p, Y), runs=runs)  # fmt: skip
    rows: list[dict[str, Any]] = []
    conv: list[dict[str, Any]] = []
    notes: list[str] = []
    blocks_used: dict[str, int] = {}
    n_total = p.design.n_blocks()
    for name, y in Y.items():
        outcome, year = split_output(name)
        steps = fractions(p) if year is None else [n_total]
        for first in steps:
            Si, used = _one(p, y, first, notes, name)
            if first == n_total:
                blocks_used[name] = used
                if Si is not None:
                    rows += _rows(p, Si, outcome, year, used, complete)
            if year is None and Si is not None:
                n_label = p.design.N if first == n_total else first
                for r in _rows(p, Si, outcome, year, used, complete):
                    if r["index"] != "S2":
                        conv.append(r | {"N": n_label, "blocks_used": used})
    indices = pd.DataFrame(rows, columns=INDEX_COLUMNS)
    indices["year"] = indices["year"].astype("Int64")
    convergence = pd.DataFrame(conv, columns=[*INDEX_COLUMNS, "blocks_used"])
    convergence = convergence.drop(columns=["year", "parameter_2"])
    convergence["width"] = 2 * convergence["conf"]
    convergence["verdict"] = verdicts(
        convergence, p.design.method, p.loaded.spec.convergence_target
    )
    return Analysis(indices, convergence, failures_frame(p, runs), counts, blocks_used, notes)


def verdict(half_width: float, n: int, target: float, method: str = "") -> str:
    """Whether an index with interval half-width ``half_width`` at N = ``n`` is stable, or the
    N that should bring it to ``target`` (half-widths shrink about as 1/sqrt(N))."""
    if not math.isfinite(half_width):
        return "no interval"
    if half_width <= target:
        return f"stable: CI half-width {half_width:.3g} below {target:g} at N={n}"
    more = math.ceil(n * (half_width / target) ** 2)
    if method == "sobol":
        more = 1 << (more - 1).bit_length()
    return f"not converged: raise N to about {more} (CI half-width {half_width:.3g} at N={n})"


def verdicts(conv: pd.DataFrame, method: str, target: float) -> pd.Series:
    """The verdict of each index (on its row at the largest N; other rows are left blank)."""
    if conv.empty:
        return pd.Series("", index=conv.index, dtype=object)
    last = conv.groupby(["outcome", "parameter", "index"], sort=False)["N"].transform("max")
    final = (conv["N"] == last).to_numpy()
    conf, n = conv["conf"].to_numpy(float), conv["N"].to_numpy(int)
    text = [
        verdict(float(c), int(k), target, method) if f else ""
        for c, k, f in zip(conf, n, final, strict=True)
    ]
    return pd.Series(text, index=conv.index, dtype=object)


def failures_frame(p: Plan, runs: pd.DataFrame) -> pd.DataFrame:
    """Failed runs with their parameter values, seed, error and traceback."""
    cols = ["point", "replicate", "seed", "error", "traceback"]
    if not len(runs):
        return pd.DataFrame(columns=cols)
    bad = runs.loc[~runs["ok"].astype(bool), cols].reset_index(drop=True)
    values = pd.DataFrame([p.runtime.values(p.X[i]) for i in bad["point"]], index=bad.index)
    return pd.concat([bad[cols[:3]], values, bad[cols[3:]]], axis=1)


def ranking(indices: pd.DataFrame, index: str, outcome: str) -> pd.DataFrame:
    """Parameters ranked by one index for one outcome (whole period)."""
    sel = indices[
        (indices["outcome"] == outcome) & (indices["index"] == index) & indices["year"].isna()
    ]
    return sel.sort_values("value", ascending=False, key=lambda s: s.abs())


def overall_ranking(indices: pd.DataFrame, index: str) -> pd.Series:
    """Parameters ranked over all outcomes: each outcome's index divided by its largest
    value (so outcomes in different units count alike), averaged over the outcomes."""
    sel = indices[(indices["index"] == index) & indices["year"].isna()]
    if sel.empty:
        return pd.Series(dtype=float)
    table = sel.pivot_table(index="parameter", columns="outcome", values="value")
    top = table.abs().max()
    scaled = table.abs() / top.where(top > 0)
    return scaled.mean(axis=1).sort_values(ascending=False)
