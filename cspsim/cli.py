"""Command line: ``cspsim run | compare | check | scenarios | registry`` (+ extensions).

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


def cmd_compare(args: argparse.Namespace) -> int:
    """Run scenarios on common random numbers and report paired differences."""
    from tqdm import tqdm

    from cspsim import io
    from cspsim.compare import indistinct, run_comparison
    from cspsim.compare_plots import plot_comparison
    from cspsim.report import write_report
    from cspsim.runner import default_workers

    scenarios, problems = [], []
    for path in args.scenarios:
        try:
            sc = _load(path)
            _build(sc, path)
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
        for r in sel.itertuples():
            print(
                f"  {r.scenario:28s} {100 * r.mean:5.1f}%   {100 * r.diff:+5.2f} pp "
                f"[{100 * r.diff_lo:+.2f}, {100 * r.diff_hi:+.2f}]"
            )
        print(f"Report: {out / 'report.html'}")
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
    c = sub.add_parser("check", help="validate scenario files")
    c.add_argument("files", nargs="+")
    c.set_defaults(func=cmd_check)
    s = sub.add_parser("scenarios", help="list the shipped scenarios")
    s.set_defaults(func=cmd_scenarios)
    g = sub.add_parser("registry", help="print the parameter registry")
    g.add_argument("--markdown", action="store_true", help="as a Markdown table (for docs/ODD.md)")
    g.set_defaults(func=cmd_registry)
    _extension_commands(sub)
    return p


# Subcommands that live in their own modules; each module defines add_parser(subparsers).
EXTENSIONS = ("cspsim.sensitivity_cli", "cspsim.dashboard_cli", "cspsim.validate_cli")


def _extension_commands(sub) -> None:
    import importlib

    for name in EXTENSIONS:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:  # a missing dependency inside the module is a real error
                raise
            continue
        module.add_parser(sub)


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``cspsim`` command."""
    args = parser().parse_args(argv)
    args.argv = list(sys.argv[1:] if argv is None else argv)  # for commands that record it
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
