"""``cspsim compare``: scenarios on common random numbers, with paired differences and a report.

The run machinery is imported inside the command so that ``cspsim --help`` stays quick.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

from cspsim.cli.common import UserError, build, load
from cspsim.paths import REPO_DIR

if TYPE_CHECKING:
    from cspsim.cli.common import Subparsers


def add_parser(sub: Subparsers) -> None:
    """Register ``compare``."""
    k = sub.add_parser("compare", help="compare scenarios on paired seeds")
    k.add_argument("scenarios", nargs="+", help="scenario files; the first is the reference")
    k.add_argument(
        "--replicates", type=int, help="replicates (default: the first's run.replicates)"
    )
    k.add_argument(
        "--precision",
        type=float,
        help="add replicates until the 95%% half-width of the share-met differences "
        "is below this (a share: 0.005 = half a percentage point)",
    )
    k.add_argument("--max-replicates", type=int, default=200, help="cap for --precision (200)")
    k.add_argument("--seed", type=int, help="root seed (default: the first's run.seed)")
    k.add_argument("--out", help="output folder (default: results/compare_<names>)")
    k.add_argument("--workers", type=int, help="local processes (default: one per core)")
    k.add_argument("--quiet", action="store_true", help="no progress bar or readout")
    k.set_defaults(func=cmd_compare)


def cmd_compare(args: argparse.Namespace) -> int:
    """Run scenarios on common random numbers and report paired differences."""
    from tqdm import tqdm

    from cspsim import io
    from cspsim.analysis.compare_plots import plot_comparison
    from cspsim.analysis.comparison import indistinct
    from cspsim.analysis.report import write_report
    from cspsim.studies.compare import run_comparison
    from cspsim.studies.runner import default_workers

    scenarios, problems = [], []
    for path in args.scenarios:
        try:
            sc = load(path)
            build(sc, path)
            scenarios.append(sc)
        except UserError as exc:
            problems.append(str(exc))
    if problems:
        raise UserError("\n".join(problems))
    for k, sc in enumerate(scenarios):  # a scenario compared with itself needs a second name
        if any(o.name == sc.name for o in scenarios[:k]):
            scenarios[k] = sc.model_copy(update={"name": f"{sc.name} ({k + 1})"})
    n = args.replicates or scenarios[0].run.replicates
    if n < 2:
        raise UserError("--replicates must be at least 2 to give intervals")
    if args.precision is not None and args.precision <= 0:
        raise UserError("--precision must be positive (e.g. 0.005 = half a percentage point)")
    if args.max_replicates < n:
        raise UserError("--max-replicates must be at least --replicates")
    root = scenarios[0].run.seed if args.seed is None else args.seed
    out = (
        Path(args.out)
        if args.out
        else REPO_DIR
        / "results"
        / ("compare_" + "_vs_".join(s.name.replace(" ", "") for s in scenarios))
    )
    try:
        io.begin_output(out)
    except OSError as exc:
        raise UserError(f"--out {out}: {exc}") from None
    workers = args.workers or default_workers(n * len(scenarios))
    warnings = []
    spans = {(s.time.start, s.time.end) for s in scenarios}
    if len(spans) > 1:
        warnings.append(
            "The scenarios simulate different periods: compare the financial-year rows, not "
            "'all' or 'end'."
        )
    t0 = time.perf_counter()
    tqdm.monitor_interval = 0
    with tqdm(total=n * len(scenarios), desc="runs", unit="run", disable=args.quiet) as bar:

        def progress(done: int, total: int) -> None:
            bar.total = total
            bar.n = done
            bar.refresh()

        comp = run_comparison(
            scenarios,
            [Path(p).parent for p in args.scenarios],
            root,
            n,
            precision=args.precision,
            max_replicates=args.max_replicates,
            workers=workers,
            progress=progress,
        )
    wall = time.perf_counter() - t0
    ref = scenarios[0].name
    if args.precision is not None and not comp.reached:
        warnings.append(
            f"Precision ±{args.precision:g} not reached with the cap of {comp.replicates} "
            f"replicates (half-width {comp.half_width:.4f}); raise --max-replicates."
        )
    if args.precision is None:
        for name in indistinct(comp.table, ref):
            warnings.append(
                f"{name} vs {ref}: the 95% interval of the difference in share of demand met "
                f"includes zero with {comp.replicates} replicates, so these scenarios cannot be "
                "told apart yet; rerun with more --replicates or with --precision."
            )
    io.write_parquet(comp.frame, out / "timeseries.parquet")
    io.write_csv(comp.table, out / "comparison.csv")
    plots = plot_comparison(comp.frame, comp.table, out)
    meta = {
        "root_seed": root,
        "first_quarter": str(comp.frame["date"].min().date()),
        "last_quarter": str(comp.frame["date"].max().date()),
        "versions": io.versions(),
        "git": io.git_commit(),
    }
    write_report(
        out / "report.html",
        comp,
        scenarios,
        [Path(p) for p in args.scenarios],
        plots,
        warnings,
        meta,
    )
    manifest = meta | {
        "scenarios": [s.name for s in scenarios],
        "scenario_files": [str(Path(p).resolve()) for p in args.scenarios],
        "resolved_configs": [s.model_dump(mode="json") for s in scenarios],
        "seeds": comp.seeds,
        "replicates": comp.replicates,
        "precision": args.precision,
        "precision_reached": comp.reached,
        "headline_half_width": comp.half_width,
        "workers": workers,
        "wall_time_s": round(wall, 3),
        "files": ["timeseries.parquet", "comparison.csv", "report.html"] + [p.name for p in plots],
        "warnings": warnings,
        "command": sys.argv,
        "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }
    io.write_json(manifest, out / "manifest.json")
    for w in warnings:
        print(f"warning: {w}", file=sys.stderr)
    if not args.quiet:
        t = comp.table
        sel = t[(t["level"] == "national") & (t["outcome"] == "share_met") & (t["period"] == "all")]
        print(
            f"\n{comp.replicates} paired replicates per scenario in {wall:.1f} s. "
            f"Share of demand met, whole run, difference from {ref}:"
        )
        for r in sel.to_dict("records"):
            print(
                f"  {r['scenario']:28s} {100 * r['mean']:5.1f}%   {100 * r['diff']:+5.2f} pp "
                f"[{100 * r['diff_lo']:+.2f}, {100 * r['diff_hi']:+.2f}]"
            )
        print(f"Report: {out / 'report.html'}")
    return 0
