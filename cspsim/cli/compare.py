"""``cspsim compare``: scenarios on common random numbers, with paired differences and a report.

A thin shell over :func:`cspsim.studies.api.compare`, imported inside the command so that
``cspsim --help`` stays quick.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from cspsim.cli.common import (
    FORCE_HELP,
    WORKERS_HELP,
    ProgressBar,
    UserError,
    library_errors,
    load,
    scenario_path,
)
from cspsim.paths import results_dir

if TYPE_CHECKING:
    from cspsim.cli.common import Subparsers


def add_parser(sub: Subparsers) -> None:
    """Register ``compare``."""
    k = sub.add_parser("compare", help="compare scenarios on paired seeds")
    k.add_argument(
        "scenarios",
        nargs="+",
        help="scenario files or shipped scenario names; the first is the reference",
    )
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
    k.add_argument("--out", help="output folder (default: results/compare_<names>, see run)")
    k.add_argument("--workers", type=int, help=WORKERS_HELP)
    k.add_argument(
        "--scheduler", help="run on a Dask cluster: its scheduler's address (tcp://HOST:PORT)"
    )
    k.add_argument("--force", action="store_true", help=FORCE_HELP)
    k.add_argument("--quiet", action="store_true", help="no progress bar or readout")
    k.set_defaults(func=cmd_compare)


def cmd_compare(args: argparse.Namespace) -> int:
    """Run scenarios on common random numbers and report paired differences."""
    from cspsim.studies.api import compare, distinct_names

    scenarios, problems = [], []
    for k, arg in enumerate(args.scenarios):
        try:
            path = args.scenarios[k] = scenario_path(arg)
            scenarios.append(load(path))
        except UserError as exc:
            problems.append(str(exc))
    if problems:
        raise UserError("\n".join(problems))
    names = [s.name.replace(" ", "") for s in distinct_names(scenarios)]
    out = Path(args.out) if args.out else results_dir() / ("compare_" + "_vs_".join(names))
    bar = ProgressBar("runs", quiet=args.quiet)
    with library_errors(out), bar:
        comp = compare(
            scenarios,
            args.replicates,
            args.seed,
            args.precision,
            args.max_replicates,
            args.workers,
            args.scheduler,
            sources=args.scenarios,
            out=out,
            progress=bar,
            force=args.force,
        )
    for w in comp.warnings:
        print(f"warning: {w}", file=sys.stderr)
    if not args.quiet:
        ref = scenarios[0].name
        t = comp.table
        sel = t[(t["level"] == "national") & (t["outcome"] == "share_met") & (t["period"] == "all")]
        print(
            f"\n{comp.replicates} paired replicates per scenario in {comp.wall_time_s:.1f} s. "
            f"Share of demand met, whole run, difference from {ref}:"
        )
        for r in sel.to_dict("records"):
            print(
                f"  {r['scenario']:28s} {100 * r['mean']:5.1f}%   {100 * r['diff']:+5.2f} pp "
                f"[{100 * r['diff_lo']:+.2f}, {100 * r['diff_hi']:+.2f}]"
            )
        print(f"Report: {out / 'report.html'}")
    return 0
