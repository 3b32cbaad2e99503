"""``cspsim run``: replicates of a scenario, with results, summary, manifest and plots.

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
    import pandas as pd

    from cspsim.cli.common import Subparsers


def add_parser(sub: Subparsers) -> None:
    """Register ``run``."""
    r = sub.add_parser("run", help="run a scenario")
    r.add_argument("scenario", help="scenario TOML file, e.g. configs/baseline.toml")
    r.add_argument(
        "--replicates", type=int, help="replicates (default: the scenario's run.replicates)"
    )
    r.add_argument("--seed", type=int, help="root seed (default: the scenario's run.seed)")
    r.add_argument("--out", help="output folder (default: results/<scenario name>)")
    r.add_argument("--workers", type=int, help="local processes (default: one per core)")
    r.add_argument("--no-plots", action="store_true", help="skip the PNG plots")
    r.add_argument("--quiet", action="store_true", help="no progress bar or readout")
    r.set_defaults(func=cmd_run)


def cmd_run(args: argparse.Namespace) -> int:
    """Run replicates of a scenario and write results, summary, manifest and plots."""
    from tqdm import tqdm

    from cspsim import io
    from cspsim.analysis.outputs import HEADLINE
    from cspsim.analysis.stats import summarise
    from cspsim.analysis.survey import survey_readout
    from cspsim.studies.runner import Job, default_workers, replicate_seeds, run_jobs

    scenario = load(args.scenario)
    if args.replicates is not None and args.replicates < 1:
        raise UserError("--replicates must be at least 1")
    if args.seed is not None and args.seed < 0:
        raise UserError("--seed must be a non-negative integer")
    if args.workers is not None and args.workers < 1:
        raise UserError("--workers must be at least 1")
    model0 = build(scenario, args.scenario)
    n = args.replicates or scenario.run.replicates
    root = scenario.run.seed if args.seed is None else args.seed
    seeds = replicate_seeds(root, n)
    out = Path(args.out) if args.out else REPO_DIR / "results" / scenario.name
    try:
        io.begin_output(out)
    except OSError as exc:
        raise UserError(f"--out {out}: {exc}") from None
    workers = args.workers or default_workers(n)
    jobs = [Job(scenario, i, s, Path(args.scenario).parent) for i, s in enumerate(seeds)]
    t0 = time.perf_counter()
    tqdm.monitor_interval = 0  # no monitor thread: the pool forks
    with tqdm(total=n, desc=f"{scenario.name}: replicates", unit="run", disable=args.quiet) as bar:
        frames = run_jobs(jobs, workers=workers, progress=bar.update)
    import pandas as pd

    frame = pd.concat(frames, ignore_index=True)
    wall = time.perf_counter() - t0
    io.write_parquet(frame, out / "timeseries.parquet")
    summary = summarise(frame, HEADLINE)
    io.write_csv(summary, out / "summary.csv")
    survey_year = model0.sched.quarters[0].year
    io.write_csv(survey_readout(frame, survey_year, model0.P), out / f"survey_{survey_year}.csv")
    plots = [] if args.no_plots else plot_files(frame, out, scenario.name)
    manifest = {
        "scenario": scenario.name,
        "scenario_file": str(Path(args.scenario).resolve()),
        "resolved_config": scenario.model_dump(mode="json"),
        "root_seed": root,
        "seeds": seeds,
        "replicates": n,
        "workers": workers,
        "wall_time_s": round(wall, 3),
        "files": ["timeseries.parquet", "summary.csv", f"survey_{survey_year}.csv"]
        + [p.name for p in plots],
        "versions": io.versions(),
        "git": io.git_commit(),
        "command": sys.argv,
        "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }
    io.write_json(manifest, out / "manifest.json")
    if not args.quiet:
        print_headline(summary, out, wall, n, workers)
    return 0


def plot_files(frame: pd.DataFrame, out: Path, title: str) -> list[Path]:
    """Write the run's plots (imported late: matplotlib is slow to import)."""
    from cspsim.analysis.plots import plot_run

    return plot_run(frame, out, title)


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
