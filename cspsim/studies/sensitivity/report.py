"""Write an analysis to disk: tables, plots, a plain summary and the folder's manifest.

Files (in the output folder, each written atomically; ``manifest.json`` last):
``indices.csv``, ``convergence.csv``, ``failures.csv``, ``summary.md``, PNG plots; for an
exploration design, ``experiments.parquet``, ``outcomes.parquet`` and
``outcomes_by_policy.csv`` (:mod:`cspsim.studies.sensitivity.tables`) instead of indices.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from cspsim import io
from cspsim.studies.sensitivity.analysis import Analysis, overall_ranking, ranking
from cspsim.studies.sensitivity.plots import MAIN, plot_all
from cspsim.studies.sensitivity.sweep import Plan
from cspsim.studies.sensitivity.tables import experiments_frame, outcomes_frame, summary_table

EXIT_INCOMPLETE = 3


def summary_lines(p: Plan, a: Analysis, top: int = 10) -> list[str]:
    """A short readable summary (also printed at the end of a sweep)."""
    if p.design.spec.exploration:
        return exploration_lines(p, a)
    spec, c = p.loaded.spec, a.counts
    lines = [
        f"# Sensitivity analysis: {spec.name}",
        "",
        f"{spec.description}".strip(),
        "",
        f"- method {p.design.spec.title}, N = {spec.N}, {len(p.X)} sample points x "
        f"{len(p.seeds)} replicate(s) = {c['runs']} runs; seed {spec.seed}; "
        f"{len(p.design.variables)} parameters"
        + (
            f" in {len(set(v.group for v in p.design.variables))} groups"
            if p.design.grouped
            else ""
        ),
        f"- runs stored {c['stored']}, failed {c['failed']}, missing {c['missing']}",
    ]
    if a.complete:
        lines.append("- design COMPLETE: every run succeeded")
    else:
        used = ", ".join(f"{k} {v}" for k, v in a.blocks_used.items())
        lines += [
            "- design INCOMPLETE: the indices below and in indices.csv (complete = False) use "
            "only the blocks whose runs all succeeded; they are a diagnosis, not a result.",
            f"  Blocks used of {p.design.n_blocks()}: {used}.",
            "  Failed runs (parameters, seed, error, traceback) are in failures.csv; "
            + ("resume the sweep with --resume." if c["missing"] else "fix and rerun."),
        ]
    for note in a.notes:
        lines.append(f"- note: {note}")
    main = MAIN[p.design.method]
    judged = a.convergence.loc[a.convergence["index"] == main, "verdict"]
    judged = judged[judged.str.contains(":")]  # final N, with an interval
    if len(judged):
        n_stable = int(judged.str.startswith("stable").sum())
        lines.append(
            f"- convergence: {n_stable} of {len(judged)} {main} intervals have a half-width "
            f"below {spec.convergence_target:g} (verdicts in convergence.csv)"
        )
    overall = overall_ranking(a.indices, main)
    if len(spec.outcomes) > 1 and not overall.empty:
        lines += ["", f"## Overall: mean over the outcomes of {main} / its largest value", ""]
        lines += [f"    {name:44s} {score:.3f}" for name, score in overall.head(top).items()]
    for outcome in spec.outcomes:
        desc = p.loaded.outcomes[outcome].description if outcome in p.loaded.outcomes else ""
        lines += ["", f"## {outcome}" + (f": {desc}" if desc else ""), ""]
        ranked = ranking(a.indices, main, outcome).head(top)
        if ranked.empty:
            lines.append("(no indices)")
        for r in ranked.to_dict("records"):
            conf = "" if r["conf"] != r["conf"] else f" ± {r['conf']:.3g}"
            lines.append(f"    {r['parameter']:44s} {main} = {r['value']:.3g}{conf}")
    return lines


def exploration_lines(p: Plan, a: Analysis) -> list[str]:
    """The summary of an exploration design: design, counts, outcomes by policy."""
    spec, c = p.loaded.spec, a.counts
    n_pol = len(p.design.policies)
    policies = f"{n_pol} policies x " if n_pol else ""
    lines = [
        f"# Exploration: {spec.name}", "",
        *([spec.description.strip(), ""] if spec.description.strip() else []),
        f"- design {p.design.spec.title}: {policies}{p.design.n_scenarios} sampled scenarios "
        f"= {len(p.X)} points x {len(p.seeds)} replicate(s) = {c['runs']} runs; seed "
        f"{spec.seed}; {len(p.design.variables)} varied inputs"
        + (" (the same scenarios and seeds for every policy)" if n_pol else ""),
        f"- runs stored {c['stored']}, failed {c['failed']}, missing {c['missing']}"
        + ("" if a.complete else " (INCOMPLETE: see failures.csv"
           + ("; resume with --resume)" if c["missing"] else ")")),
        "",
        "## Outcomes by policy: mean over the scenarios (5% to 95%)",
        "",
    ]  # fmt: skip
    assert a.by_policy is not None, "analyze_store fills by_policy for exploration designs"
    return lines + summary_table(a.by_policy)


def _write_exploration(p: Plan, a: Analysis, out: Path) -> list[str]:
    """experiments.parquet, outcomes.parquet, outcomes_by_policy.csv (see :mod:`.tables`)."""
    assert a.by_policy is not None and a.runs is not None, "filled for exploration designs"
    io.write_parquet(experiments_frame(p), out / "experiments.parquet")
    io.write_parquet(outcomes_frame(p, a.runs), out / "outcomes.parquet")
    io.write_csv(a.by_policy, out / "outcomes_by_policy.csv")
    return ["experiments.parquet", "outcomes.parquet", "outcomes_by_policy.csv"]


def write_report(p: Plan, a: Analysis, out: Path, plots: bool = True) -> list[str]:
    """Write every analysis file and the manifest; return the names of the files written."""
    io.write_csv(a.failures, out / "failures.csv")
    files = ["samples.parquet", "store/", "failures.csv", "summary.md"]
    if p.design.spec.exploration:
        files += _write_exploration(p, a, out)
        lines = exploration_lines(p, a)
    else:
        io.write_csv(a.indices, out / "indices.csv")
        io.write_csv(a.convergence, out / "convergence.csv")
        files += ["indices.csv", "convergence.csv"]
        lines = summary_lines(p, a, top=20)
    io.atomic_write(out / "summary.md", lambda t: t.write_text("\n".join(lines) + "\n"))
    if plots and not p.design.spec.exploration:
        files += [path.name for path in plot_all(a.indices, a.convergence, p.design.method, out)]
    # The folder is resumed in place, so plots of an earlier analysis (before --no-plots, or
    # of another method) and temporary files of a killed one are removed here.
    for old in [*out.glob("*.png"), *out.glob(".*.tmp")]:
        if old.name not in files:
            old.unlink(missing_ok=True)
    manifest = {
        "experiment": p.loaded.spec.name,
        "experiment_file": str(p.loaded.path),
        "design_key": p.key,
        "method": p.design.method,
        "N": p.design.N,
        "options": p.design.options,
        "seed": p.design.seed,
        "replicate_seeds": p.seeds,
        "counts": a.counts,
        "complete": a.complete,
        "blocks_used": a.blocks_used,
        "failure_policy": "a point needs all replicates; blocks with an unusable point dropped",
        "notes": a.notes,
        "files": files,
        "versions": io.versions(),
        "git": io.git_commit(),
        "command": sys.argv,
        "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }
    io.write_json(manifest, out / "manifest.json")
    return files
