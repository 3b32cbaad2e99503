"""``cspsim run``: replicates of a scenario, with results, summary, manifest and plots.

A thin shell over :func:`cspsim.studies.api.run`, imported inside the command so that
``cspsim --help`` stays quick.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from cspsim.cli.common import (
    FORCE_HELP,
    WORKERS_HELP,
    ProgressBar,
    library_errors,
    load,
    scenario_path,
)
from cspsim.paths import results_dir

if TYPE_CHECKING:
    import pandas as pd

    from cspsim.cli.common import Subparsers


def add_parser(sub: Subparsers) -> None:
    """Register ``run``."""
    r = sub.add_parser("run", help="run a scenario")
    r.add_argument(
        "scenario", help="scenario file or shipped scenario name, e.g. baseline or my.toml"
    )
    r.add_argument(
        "--replicates", type=int, help="replicates (default: the scenario's run.replicates)"
    )
    r.add_argument("--seed", type=int, help="root seed (default: the scenario's run.seed)")
    r.add_argument(
        "--out",
        help="output folder (default: results/<scenario name> at the repository root in a "
        "source checkout, else in the current folder)",
    )
    r.add_argument("--workers", type=int, help=WORKERS_HELP)
    r.add_argument(
        "--scheduler", help="run on a Dask cluster: its scheduler's address (tcp://HOST:PORT)"
    )
    r.add_argument(
        "--engine",
        choices=["arrays", "agents"],
        default="arrays",
        help="agents: the readable per-agent Mesa engine, slower, same results",
    )
    r.add_argument("--no-plots", action="store_true", help="skip the PNG plots")
    r.add_argument("--force", action="store_true", help=FORCE_HELP)
    r.add_argument("--quiet", action="store_true", help="no progress bar or readout")
    r.set_defaults(func=cmd_run)


def cmd_run(args: argparse.Namespace) -> int:
    """Run replicates of a scenario and write results, summary, manifest and plots."""
    from cspsim.studies.api import run

    args.scenario = scenario_path(args.scenario)
    scenario = load(args.scenario)
    out = Path(args.out) if args.out else results_dir() / scenario.name
    bar = ProgressBar(f"{scenario.name}: replicates", quiet=args.quiet)
    with library_errors(out), bar:
        result = run(
            scenario,
            args.replicates,
            args.seed,
            args.workers,
            args.scheduler,
            args.engine,
            source=args.scenario,
            out=out,
            plots=not args.no_plots,
            progress=bar,
            force=args.force,
        )
    if not args.quiet:
        print_headline(result.summary, out, result.wall_time_s, result.replicates, result.workers)
        if not args.no_plots and "map.png" not in result.files:
            print("No map.png: the map needs real council areas (ONS names or codes).")
        if scenario.geography.real:  # real areas: the ONS data must be attributed
            from cspsim.inputs.england import ATTRIBUTION

            print(ATTRIBUTION)
    return 0


def print_headline(summary: pd.DataFrame, out: Path, wall: float, n: int, workers: int) -> None:
    """A short plain-text readout of the run."""
    nat = summary[(summary["level"] == "national") | (summary["level"] == "authority_type")]
    sm = nat[nat["outcome"] == "share_met"].pivot_table(
        index="group", columns="period", values="mean"
    )
    print(f"\n{n} replicates in {wall:.1f} s on {workers} process(es). Share of demand met:")
    for group, row in sm.iterrows():
        print(f"  {group:18s} start {row['start']:.3f}   end {row['end']:.3f}")
    print(f"Results: {out}")
