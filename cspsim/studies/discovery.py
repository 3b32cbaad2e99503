"""Scenario discovery on a sweep: under which assumptions does an outcome cross a threshold?

PRIM (Friedman & Fisher 1999, doi:10.1023/A:1008894516817; as used for scenario discovery by
Bryant & Lempert 2010, doi:10.1016/j.techfore.2009.08.002) from EMA Workbench, not a
re-implementation. The cases of interest are the design points whose replicate-mean outcome
is below (or above) the threshold. PRIM peels the factor space into a box; each step of its
peeling trajectory trades coverage (the share of all cases of interest inside the box) against
density (the share of the box's points that are cases of interest). The chosen step is the one
with the highest coverage among those with density at least ``density`` (0.8 by default, EMA's
former default threshold); if none reaches it, the densest step is taken and a note says so.
Further boxes are sought among the points outside the chosen ones, up to ``max_boxes``; one
that does not reach the density target is not reported, and the search stops. With
``cart=True``, EMA's CART gives a second opinion.
"""

from __future__ import annotations

import difflib
import math
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from cspsim.studies.results import SweepResults, import_ema, load_sweep

LIMIT_COLUMNS = [
    "box", "factor", "unit", "lower", "upper", "categories", "full_lower", "full_upper",
    "qp_lower", "qp_upper",
]  # fmt: skip


class DiscoveryError(ValueError):
    """The question cannot be asked of this sweep (unknown outcome, a threshold that selects
    no run or every run, no usable design point)."""


@dataclass
class Discovery:
    """What PRIM found (and what ``cspsim discover`` writes).

    Attributes:
        outcome, condition: The question, e.g. ``district_share_met_2024`` and ``< 0.5``.
        points: Design points analysed (replicate means; points with a failed run dropped).
        cases: Points where the condition holds.
        trajectory: Every step of each box's peeling trajectory (``box``, ``step``,
            ``coverage``, ``density``, ``mass``, ``res_dim``, ``n``, ``k``, ``chosen``).
        boxes: One row per chosen box: its step, coverage, density, mass, restricted factors.
        limits: Each chosen box's restricted ranges, in the factors' registry units.
        cart: CART's boxes (``cart=True``), else None.
        settings: PRIM's settings (density target, boxes, peel_alpha, mass_min, CART).
        notes: What to be careful about.
        files: Files written (with ``out``).
    """

    outcome: str
    condition: str
    points: int
    cases: int
    trajectory: pd.DataFrame
    boxes: pd.DataFrame
    limits: pd.DataFrame
    cart: pd.DataFrame | None = None
    settings: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    files: list[str] = field(default_factory=list)


def cases_of_interest(
    results: SweepResults, outcome: str, below: float | None, above: float | None
) -> tuple[pd.DataFrame, np.ndarray, str]:
    """(experiments, boolean cases of interest, condition text), checked.

    Raises:
        DiscoveryError: unknown outcome, not exactly one of ``below``/``above``, or a threshold
            that selects no point or every point.
    """
    if (below is None) == (above is None):
        raise DiscoveryError("give exactly one of --below X or --above X")
    names = results.outcome_names
    if outcome not in names:
        near = difflib.get_close_matches(outcome, names, n=3, cutoff=0.5)
        hint = f"did you mean {' or '.join(near)}? " if near else ""
        raise DiscoveryError(f"unknown outcome '{outcome}': {hint}the sweep has {', '.join(names)}")
    x, ys = results.to_ema([outcome])
    y = ys[outcome]
    if not len(y):
        raise DiscoveryError(
            f"{results.folder}: no design point has {outcome} from every replicate (runs "
            "missing or failed: see the sweep's summary.md, or finish it with --resume)"
        )
    threshold = below if below is not None else above
    assert threshold is not None  # exactly one was given, checked above
    cases = y < threshold if below is not None else y > threshold
    condition = f"{'<' if below is not None else '>'} {threshold:g}"
    lo, hi = float(np.min(y)), float(np.max(y))
    if not cases.any() or cases.all():
        which = "no" if not cases.any() else "every"
        raise DiscoveryError(
            f"{outcome} {condition} selects {which} design point ({outcome} ranges from "
            f"{lo:.4g} to {hi:.4g}): choose a threshold inside that range"
        )
    return x, cases, condition


def _choose(traj: pd.DataFrame, density: float) -> int:
    """The step with the highest coverage among those reaching ``density`` (else the densest)."""
    ok = traj[traj["density"] >= density]
    if len(ok):
        return int(ok.sort_values(["coverage", "density"], kind="stable").index[-1])
    return int(traj.sort_values(["density", "coverage"], kind="stable").index[-1])


def _limits(box: Any, step: int, number: int, x: pd.DataFrame, units: dict) -> list[dict]:
    from ema_workbench.analysis.scenario_discovery_util import _determine_restricted_dims

    lims = box.box_lims[step]
    qp = box.p_values[step]
    rows = []
    for name in _determine_restricted_dims(lims, box.prim.box_init):
        row: dict[str, Any] = {"box": number, "factor": name, "unit": units.get(name, "")}
        low, high = lims.loc[0, name], lims.loc[1, name]
        if isinstance(low, set):
            row["categories"] = "; ".join(sorted(str(c) for c in low))
        else:
            full = x[name]
            row |= {"lower": float(low), "upper": float(high),
                    "full_lower": float(full.min()), "full_upper": float(full.max())}  # fmt: skip
        q = [v if v is not None and v >= 0 else math.nan for v in qp.get(name, [])]
        row |= dict(zip(("qp_lower", "qp_upper"), q, strict=False))
        rows.append(row)
    return rows


def run_prim(
    x: pd.DataFrame,
    cases: np.ndarray,
    units: dict[str, str],
    density: float = 0.8,
    max_boxes: int = 3,
    peel_alpha: float = 0.05,
    mass_min: float = 0.05,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, list[str]]:
    """PRIM on ``(x, cases)``: (trajectory, boxes, limits, notes)."""
    import_ema()
    from ema_workbench.analysis import prim

    with warnings.catch_warnings():  # pandas deprecations inside EMA Workbench, not ours
        warnings.simplefilter("ignore", FutureWarning)
        warnings.simplefilter("ignore", DeprecationWarning)
        return _prim_boxes(
            prim.Prim(x, cases.astype(bool), peel_alpha=peel_alpha, mass_min=mass_min),
            x,
            cases,
            units,
            density,
            max_boxes,
        )


def _prim_boxes(
    p: Any,
    x: pd.DataFrame,
    cases: np.ndarray,
    units: dict[str, str],
    density: float,
    max_boxes: int,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, list[str]]:
    trajs, boxes, limits, notes = [], [], [], []
    covered = 0
    for number in range(1, max_boxes + 1):
        if covered >= int(cases.sum()):
            break  # every case of interest is in a box already
        box = p.find_box()
        if box is None:
            break
        traj = box.peeling_trajectory.reset_index(drop=True)
        step = _choose(traj, density)
        box.select(step)
        res = traj.loc[step]
        if int(res["res_dim"]) == 0:
            notes.append(f"box {number}: PRIM restricts no factor (the whole space); stopped")
            break
        weak = res["density"] < density
        if weak and number > 1:
            notes.append(
                f"a box {number} would reach a density of at most {res['density']:.2f}, below "
                f"the target {density:g}: not reported"
            )
            break
        trajs.append(traj.assign(box=number, step=traj.index, chosen=traj.index == step))
        box_limits = _limits(box, step, number, x, units)
        limits += box_limits
        covered += int(res["k"])
        boxes.append({"box": number, "step": step,
                      **{k: float(res[k]) for k in ("coverage", "density", "mass")},
                      **{k: int(res[k]) for k in ("res_dim", "n", "k")},
                      "factors": ", ".join(r["factor"] for r in box_limits)})  # fmt: skip
        if weak:
            notes.append(
                f"box 1 reaches a density of at most {res['density']:.2f}, below the target "
                f"{density:g}: a weak box, read it as a tendency"
            )
            break
    cols = ["box", "step", "coverage", "density", "mass", "res_dim", "n", "k", "chosen"]
    trajectory = pd.concat(trajs, ignore_index=True)[cols] if trajs else pd.DataFrame(columns=cols)
    return trajectory, pd.DataFrame(boxes), pd.DataFrame(limits, columns=LIMIT_COLUMNS), notes


def run_cart(x: pd.DataFrame, cases: np.ndarray, mass_min: float = 0.05) -> pd.DataFrame:
    """EMA's CART on ``(x, cases)``: one row per leaf box, its statistics and ranges (the same
    on every call: the tree's tie-breaking is seeded)."""
    import_ema()
    from ema_workbench.analysis import cart
    from ema_workbench.analysis.scenario_discovery_util import _determine_restricted_dims

    with warnings.catch_warnings():  # pandas deprecations inside EMA Workbench, not ours
        warnings.simplefilter("ignore", FutureWarning)
        warnings.simplefilter("ignore", DeprecationWarning)
        c = cart.CART(x, cases.astype(bool), mass_min=mass_min)
        # CART.build_tree fits scikit-learn's tree without a random_state, which breaks ties
        # between equally good splits at random: fit the same tree with a fixed one instead.
        from sklearn.tree import DecisionTreeClassifier

        c.clf = DecisionTreeClassifier(min_samples_leaf=int(mass_min * len(x)), random_state=0)
        c.clf.fit(c._x, c.y)
    init = c.boxes[0].copy()
    for col in x.columns:  # the full space, to tell restricted factors from the rest
        init[col] = [set(x[col]), set(x[col])] if isinstance(init[col][0], set) else [
            x[col].min(), x[col].max()]  # fmt: skip
    rows = []
    for i, (lims, stats) in enumerate(zip(c.boxes, c.stats, strict=True), start=1):
        ranges = []
        for name in _determine_restricted_dims(lims, init):
            lo, hi = lims.loc[0, name], lims.loc[1, name]
            ranges.append(
                f"{name} in {{{'; '.join(sorted(map(str, lo)))}}}" if isinstance(lo, set)
                else f"{lo:.4g} <= {name} <= {hi:.4g}"
            )  # fmt: skip
        rows.append({"box": i, "coverage": stats["coverage"], "density": stats["density"],
                     "mass": stats["mass"], "res_dim": stats["res dim"],
                     "ranges": " and ".join(ranges)})  # fmt: skip
    return pd.DataFrame(rows).sort_values("density", ascending=False, ignore_index=True)


def discover(
    source: SweepResults | str | Path,
    outcome: str,
    below: float | None = None,
    above: float | None = None,
    *,
    out: str | Path | None = None,
    density: float = 0.8,
    max_boxes: int = 3,
    peel_alpha: float = 0.05,
    mass_min: float = 0.05,
    cart: bool = False,
    plots: bool = True,
) -> Discovery:
    """Find the factor ranges where ``outcome`` is below (or above) a threshold.

    Args:
        source: A sweep folder or :class:`~cspsim.studies.results.SweepResults`.
        outcome: An output of the sweep (``name`` or ``name in year``).
        below, above: The threshold; give exactly one.
        out: Also write the CSVs, summary and plots here.
        density: Density a chosen box must reach (see the module doc).
        max_boxes: At most this many boxes.
        peel_alpha, mass_min: PRIM's share peeled per step, and smallest box (share of points).
        cart: Also run CART.
        plots: With ``out``, write the PNG plots.

    Raises:
        DiscoveryError: the question does not fit the sweep (one line, naming the problem).
        LoadError: ``source`` is not a sweep folder.
    """
    bad = [text for ok, text in (
        (0 < density <= 1, f"--density must be in (0, 1], not {density:g}"),
        (max_boxes >= 1, f"--max-boxes must be at least 1, not {max_boxes}"),
        (0 < peel_alpha < 1, f"peel_alpha must be in (0, 1), not {peel_alpha:g}"),
        (0 < mass_min < 1, f"--mass-min must be in (0, 1), not {mass_min:g}"),
    ) if not ok]  # fmt: skip
    if bad:
        raise DiscoveryError("; ".join(bad))
    results = source if isinstance(source, SweepResults) else load_sweep(source)
    x, cases, condition = cases_of_interest(results, outcome, below, above)
    traj, boxes, limits, notes = run_prim(
        x, cases, results.units, density, max_boxes, peel_alpha, mass_min
    )
    settings = {"density": density, "max_boxes": max_boxes, "peel_alpha": peel_alpha,
                "mass_min": mass_min, "cart": cart}  # fmt: skip
    found = Discovery(outcome, condition, len(x), int(cases.sum()), traj, boxes, limits,
                      settings=settings, notes=notes)  # fmt: skip
    left_out = len(results.experiments) - len(x)
    if left_out:
        found.notes.append(
            f"{left_out} design points left out: a replicate failed or is missing, so their "
            "mean is unknown; the sampled ranges above are those of the points analysed, and "
            "failures that cluster in one region hide it from PRIM (see failures.csv)"
        )
    if len(x) < 10 * x.shape[1]:
        found.notes.append(
            f"{len(x)} design points for {x.shape[1]} factors: PRIM's boxes are unstable with "
            "fewer than about ten points per factor; run a larger sweep"
        )
    if cart:
        found.cart = run_cart(x, cases, mass_min)
    if out is not None:
        from cspsim.studies.discovery_report import write_discovery

        write_discovery(found, results, Path(out), plots)
    return found


def default_out(sweep_folder: Path, outcome: str, below: float | None, above: float | None) -> Path:
    """Default output folder: ``SWEEP/discover/<outcome>-below-<x>`` (or ``-above-<x>``)."""
    side, x = ("below", below) if below is not None else ("above", above)
    return sweep_folder / "discover" / f"{outcome}-{side}-{x:g}"
