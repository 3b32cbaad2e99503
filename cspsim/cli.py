"""Command line: ``cspsim run | check | scenarios | registry``.

User errors (a bad scenario, a missing file, a bad flag) exit with status 2 and one line per
problem; nothing is written and no traceback is shown.
"""

from __future__ import annotations

import argparse
import sys
import time
import tomllib
from pathlib import Path

from cspsim.config import Scenario, ScenarioError, load_scenario
from cspsim.paths import CONFIGS_DIR, REPO_DIR

NOT_SCENARIOS = {"parameters.toml", "duties.toml", "england_2009.toml"}


class UserError(Exception):
    """A problem the user can fix; reported without a traceback."""


def _load(path: str) -> Scenario:
    try:
        return load_scenario(path)
    except ScenarioError as exc:
        raise UserError("\n".join(exc.problems)) from None


def _build(scenario: Scenario, path: str):
    from cspsim.runner import check_buildable

    try:
        return check_buildable(scenario, Path(path).parent)
    except ScenarioError as exc:
        raise UserError("\n".join(f"{path}: {p}" for p in exc.problems)) from None


def cmd_check(args: argparse.Namespace) -> int:
    """Validate scenario files and build each model once."""
    failed = False
    for path in args.files:
        try:
            scenario = _load(path)
            m = _build(scenario, path)
        except UserError as exc:
            print(exc, file=sys.stderr)
            failed = True
            continue
        n_csp = len(m.epochs[-1].csp_names)
        print(
            f"OK {path}: '{scenario.name}', {m.geo.n} council areas, {n_csp} CSPs at the end, "
            f"{m.sched.n_steps} quarters {m.sched.quarters[0]} to {m.sched.quarters[-1]}, "
            f"{m.duties.n} duties"
        )
    return 2 if failed else 0


def cmd_scenarios(args: argparse.Namespace) -> int:
    """List the scenario files shipped in configs/."""
    for path in sorted(CONFIGS_DIR.glob("*.toml")):
        if path.name in NOT_SCENARIOS:
            continue
        with path.open("rb") as fh:
            raw = tomllib.load(fh)
        desc = raw.get("description", "")
        print(f"{path.relative_to(REPO_DIR)}\n    {raw.get('name', path.stem)}: {desc}")
    return 0


def cmd_registry(args: argparse.Namespace) -> int:
    """Print the parameter registry."""
    from cspsim.registry import markdown_table, registry

    if args.markdown:
        print(markdown_table())
        return 0
    for s in registry().values():
        print(f"{s.name:36s} {s.default:>12g}  [{s.lower:g}, {s.upper:g}] {s.unit}  ({s.agency})")
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    """Run replicates of a scenario and write results, summary, manifest and plots."""
    from tqdm import tqdm

    from cspsim import io
    from cspsim.outputs import HEADLINE, survey_readout
    from cspsim.runner import Job, default_workers, replicate_seeds, run_jobs
    from cspsim.stats import summarise

    scenario = _load(args.scenario)
    if args.replicates is not None and args.replicates < 1:
        raise UserError("--replicates must be at least 1")
    if args.seed is not None and args.seed < 0:
        raise UserError("--seed must be a non-negative integer")
    if args.workers is not None and args.workers < 1:
        raise UserError("--workers must be at least 1")
    model0 = _build(scenario, args.scenario)
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


def plot_files(frame, out: Path, title: str) -> list[Path]:
    """Write the run's plots (imported late: matplotlib is slow to import)."""
    from cspsim.plots import plot_run

    return plot_run(frame, out, title)


def print_headline(summary, out: Path, wall: float, n: int, workers: int) -> None:
    """A short plain-text readout of the run."""
    nat = summary[(summary["level"] == "national") | (summary["level"] == "authority_type")]
    sm = nat[nat["outcome"] == "share_met"].pivot_table(
        index="group", columns="period", values="mean"
    )
    print(f"\n{n} replicates in {wall:.1f} s on {workers} process(es). Share of demand met:")
    for group, row in sm.iterrows():
        print(f"  {group:18s} start {row['start']:.3f}   end {row['end']:.3f}")
    print(f"Results: {out}")


def parser() -> argparse.ArgumentParser:
    """The argument parser."""
    p = argparse.ArgumentParser(prog="cspsim", description=__doc__.splitlines()[0])
    sub = p.add_subparsers(dest="command", required=True)
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
    c = sub.add_parser("check", help="validate scenario files")
    c.add_argument("files", nargs="+")
    c.set_defaults(func=cmd_check)
    s = sub.add_parser("scenarios", help="list the shipped scenarios")
    s.set_defaults(func=cmd_scenarios)
    g = sub.add_parser("registry", help="print the parameter registry")
    g.add_argument("--markdown", action="store_true", help="as a Markdown table (for docs/ODD.md)")
    g.set_defaults(func=cmd_registry)
    return p


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``cspsim`` command."""
    args = parser().parse_args(argv)
    try:
        return args.func(args)
    except UserError as exc:
        print(exc, file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(
            "interrupted; no manifest was written, so the output folder is incomplete",
            file=sys.stderr,
        )
        return 130


if __name__ == "__main__":
    sys.exit(main())
