"""``cspsim validate`` and ``cspsim calibrate``: the model against the 2009 survey.

Registered by :mod:`cspsim.cli.main`. A bad targets file, scenario or flag exits 2 with one
line per problem and writes nothing.
"""

from __future__ import annotations

import argparse
import shlex
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cspsim.cli.common import FORCE_HELP, WORKERS_HELP, UserError, build, load, rel, scenario_path
from cspsim.paths import CONFIGS_DIR, default_calibration_file, results_dir

if TYPE_CHECKING:
    import pandas as pd

    from cspsim.cli.common import Subparsers
    from cspsim.inputs.scenario import Scenario

DEFAULT_HOLDOUT = ("T24",)


def _targets(path: str | None) -> tuple[pd.DataFrame, str]:
    from cspsim.inputs.targets import DEFAULT_TARGETS, TargetsError, load_targets

    try:
        return load_targets(path or DEFAULT_TARGETS), str(path or DEFAULT_TARGETS)
    except TargetsError as exc:
        raise UserError("\n".join(exc.problems)) from None


def _inputs(args: argparse.Namespace) -> tuple[pd.DataFrame, str, Scenario]:
    """(targets, their path, scenario) of a command, checked before anything runs."""
    from cspsim.studies.validate import survey_year_scenario

    targets, path = _targets(args.targets)
    args.scenario = scenario_path(args.scenario)
    scenario = load(args.scenario)
    try:
        survey_year_scenario(scenario, args.year)
    except ValueError as exc:
        raise UserError(f"--year: {exc}") from None
    build(scenario, args.scenario)
    return targets, path, scenario


def _positive(args: argparse.Namespace, *names: str) -> None:
    for name in names:
        value = getattr(args, name)
        if value is not None and value < 1:
            raise UserError(f"--{name.replace('_', '-')} must be at least 1")


def cmd_validate(args: argparse.Namespace) -> int:
    """Run the scenario to the survey year and compare its synthetic survey with targets."""
    from tqdm import tqdm

    from cspsim import io
    from cspsim.analysis.validate_plots import plot_validation
    from cspsim.model.state import params_of
    from cspsim.studies.runner import default_workers, replicate_seeds
    from cspsim.studies.validate import simulate_state, validate_state

    _positive(args, "replicates", "workers", "draws")
    targets, targets_path, scenario = _inputs(args)
    out = Path(args.out) if args.out else results_dir() / f"validation_{args.year}"
    try:
        staged = io.prepare_output(out, io.FIXED_OUTPUT_BYTES)
    except io.OutputError as exc:
        raise UserError(f"--out {out}: {exc}") from None
    n = args.replicates
    workers = args.workers or default_workers(n)
    t0 = time.perf_counter()
    with (
        io.discard_on_error(staged),
        tqdm(total=n, desc=f"{scenario.name} {args.year}", unit="run", disable=args.quiet) as bar,
    ):
        state = simulate_state(
            scenario, args.year, n, workers, Path(args.scenario).parent, bar.update
        )
    meta = {
        "scenario": scenario.name,
        "scenario_file": rel(args.scenario),
        "targets": rel(targets_path),
        "year": args.year,
        "replicates": n,
        "surveys_drawn": args.draws,
    }
    with io.discard_on_error(staged):
        table, fit = validate_state(
            state, params_of(scenario), targets, scenario.run.seed, args.draws, meta
        )
    plots: list[Path] = []

    def write(folder: Path) -> None:
        io.write_csv(table, folder / "validation.csv")
        io.write_json(fit, folder / "fit.json")
        plots.extend([] if args.no_plots else plot_validation(table, fit, folder))
        io.write_json(
            meta
            | {
                "seeds": replicate_seeds(scenario.run.seed, n),
                "resolved_config": scenario.model_dump(mode="json"),
                "files": ["validation.csv", "fit.json"] + [p.name for p in plots],
                "wall_time_s": round(time.perf_counter() - t0, 3),
                "versions": io.versions(),
                "git": io.git_commit(),
                "command": sys.argv,
            },
            folder / "manifest.json",
        )

    try:
        staged.write(write)
    except io.OutputError as exc:
        raise UserError(f"--out {out}: {exc}") from None
    if not args.quiet:
        print(fit_text(fit, table))
        print(f"wrote {out}/validation.csv, fit.json and {len(plots)} plots")
    return 0


def fit_text(fit: dict[str, Any], table: pd.DataFrame) -> str:
    """A short plain-text table of the fit."""
    lines = [f"Fit of '{fit.get('scenario')}' to {fit.get('targets')} ({fit.get('year')}):"]
    lines.append(f"{'table':6s} {'group':17s} {'item':31s} {'TVD':>6s}")
    for e in fit["items"]:
        lines.append(f"{e['table']:6s} {e['group']:17s} {e['item']:31s} {e['tvd']:6.3f}")
    for t, v in fit["tables"].items():
        lines.append(f"  {t}: mean TVD {v['mean_tvd']:.3f} over {v['blocks']} block(s)")
    lines.append(
        f"Mean TVD {fit['mean_tvd']:.3f} over {len(fit['items'])} blocks "
        f"(mean of table means {fit['mean_tvd_of_table_means']:.3f})."
        if fit["items"]
        else "No target block the model answers."
    )
    for e in fit.get("value_errors", []):
        lines.append(
            f"{e['table']:6s} {e['group']:17s} {e['item']:31s} "
            f"relative error {e['relative_error']:.3f}"
        )
    unsupported = int((table["status"] == "unsupported").sum())
    lines.append(f"{unsupported} target rows unsupported (listed in validation.csv with why).")
    return "\n".join(lines)


def cmd_calibrate(args: argparse.Namespace) -> int:
    """Fit the free parameters to the targets and write a scenario overlay."""
    from tqdm import tqdm

    from cspsim import io
    from cspsim.inputs.registry import calibrated_names, registry
    from cspsim.studies.calibrate import Setup, calibrate, header_lines, overlay_text
    from cspsim.studies.executor import SchedulerError
    from cspsim.studies.runner import default_workers, replicate_seeds
    from cspsim.studies.validate import target_blocks

    _positive(args, "replicates", "workers", "points", "max_iterations")
    if args.powell_evals < 0:
        raise UserError("--powell-evals must be 0 or more")
    targets, targets_path, scenario = _inputs(args)
    names = args.params.split(",") if args.params else calibrated_names()
    unknown = [n for n in names if n not in registry()]
    if unknown:
        raise UserError(f"--params: unknown parameter(s) {', '.join(unknown)}")
    blocks = target_blocks(targets)[0]
    tables = sorted(
        {b.question.table for b in blocks if b.question.role == "model"} - set(args.holdout)
    )
    if not tables:
        raise UserError(f"{targets_path}: no target table the model answers is left to fit")
    out = Path(args.out) if args.out else default_calibration_file()
    near_path = out.with_name(out.stem + "_near_optimal.csv")
    _writable(out)
    n_rep = args.replicates
    setup = Setup(
        scenario=scenario,
        names=tuple(names),
        targets=targets,
        year=args.year,
        seeds=tuple(replicate_seeds(scenario.run.seed, n_rep)),
        tables=tuple(tables),
        base_dir=str(Path(args.scenario).parent),
    )
    workers = args.workers or default_workers(args.points)
    t0 = time.perf_counter()
    try:
        with tqdm(desc="calibrating (points scored)", unit="pt", disable=args.quiet) as bar:
            result = calibrate(
                setup,
                points=args.points,
                seed=args.seed,
                workers=workers,
                scheduler=args.scheduler,
                max_iterations=args.max_iterations,
                powell_evals=args.powell_evals,
                progress=bar.update,
            )
    except SchedulerError as exc:
        raise UserError(f"--scheduler {args.scheduler}: {exc}") from None
    workers = result.settings["workers"]
    wall = time.perf_counter() - t0
    command = shlex.join(["cspsim", *getattr(args, "argv", ["calibrate"])])
    header = header_lines(result, command, rel(targets_path), sorted(args.holdout))
    header.insert(2, f"Base scenario: {rel(args.scenario)}; wall time {wall:.0f} s on {workers} "
                     f"worker(s); near-optimal set in {near_path.name}.")  # fmt: skip
    try:
        io.write_together(
            {
                out: lambda p: p.write_text(overlay_text(result, header, out.stem)),
                near_path: lambda p: result.near_optimal.to_csv(p, index=False),
            }
        )
    except OSError as exc:
        raise UserError(
            f"--out {out}: writing failed ({exc.strerror or exc}); nothing was kept"
        ) from None
    if not args.quiet:
        print(
            f"fit (mean over tables of mean TVD): start {result.start_distance:.4f} -> "
            f"calibrated {result.distance:.4f}; wrote {out} and {near_path.name} ({wall:.0f} s)"
        )
    return 0


def _writable(out: Path) -> None:
    """Check, before calibrating, that the overlay ``out`` can be written (a file in a
    writable folder), by creating and removing a file beside it."""
    import tempfile

    if out.is_dir():
        raise UserError(f"--out {out}: is a folder (give the overlay's file name, e.g. x.toml)")
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=out.parent):
            pass
    except OSError as exc:
        raise UserError(
            f"--out {out}: cannot write in {out.parent}: {exc.strerror or exc}"
        ) from None


def add_parser(sub: Subparsers) -> None:
    """Register ``validate`` and ``calibrate``."""
    v = sub.add_parser(
        "validate",
        help="compare the synthetic survey of a simulated year with survey targets",
        description="Run a scenario to the end of --year, answer the survey from each simulated "
        "CSP and compare with the targets. Writes validation.csv, fit.json, bar plots and a "
        "manifest.",
    )
    v.add_argument("--targets", help="targets CSV (default: the 2009 calibration tables)")
    v.add_argument(
        "--scenario",
        default=str(CONFIGS_DIR / "baseline.toml"),
        help="scenario file or shipped scenario name (default: baseline)",
    )
    v.add_argument("--year", type=int, default=2009, help="survey year (default 2009)")
    v.add_argument("--replicates", type=int, default=8, help="replicate runs (default 8)")
    v.add_argument("--draws", type=int, default=400, help="simulated surveys for the ranges")
    v.add_argument("--workers", type=int, help=WORKERS_HELP)
    v.add_argument("--out", help="output folder (default results/validation_<year>, see run)")
    v.add_argument("--no-plots", action="store_true", help="skip the PNG plots")
    v.add_argument("--force", action="store_true", help=FORCE_HELP)
    v.add_argument("--quiet", action="store_true", help="no progress bar or summary")
    v.set_defaults(func=cmd_validate)

    c = sub.add_parser(
        "calibrate",
        help="fit the registry's calibrated parameters to survey targets",
        description="Quasi-random search, compass search and a Powell polish over the "
        "parameters marked calibrate = true in configs/parameters.toml; writes a scenario "
        "overlay.",
    )
    c.add_argument("--targets", help="targets CSV (default: the 2009 calibration tables)")
    c.add_argument(
        "--out",
        help="overlay to write (default: configs/calibrated_2009.toml in a source checkout, "
        "else calibrated_2009.toml in the current folder)",
    )
    c.add_argument(
        "--scenario",
        default=str(CONFIGS_DIR / "history_2009_2024.toml"),
        help="scenario file or shipped name to calibrate (default: history_2009_2024, the history "
        "replay without any overlay)",
    )
    c.add_argument("--year", type=int, default=2009, help="survey year (default 2009)")
    c.add_argument("--points", type=int, default=1024, help="quasi-random points (power of 2)")
    c.add_argument("--replicates", type=int, default=4, help="replicates per point (default 4)")
    c.add_argument("--seed", type=int, default=2009, help="seed of the quasi-random sample")
    c.add_argument("--max-iterations", type=int, default=80, help="most compass iterations")
    c.add_argument(
        "--powell-evals", type=int, default=2000, help="most evaluations of the final Powell search"
    )
    c.add_argument(
        "--holdout",
        nargs="*",
        default=list(DEFAULT_HOLDOUT),
        help="tables kept out of the fit to judge it (default T24)",
    )
    c.add_argument("--params", help="comma-separated parameters (default: calibrate = true)")
    where = c.add_mutually_exclusive_group()
    where.add_argument("--workers", type=int, help=WORKERS_HELP)
    where.add_argument("--scheduler", help="Dask scheduler address, e.g. tcp://HOST:8786")
    c.add_argument("--force", action="store_true", help=FORCE_HELP)
    c.add_argument("--quiet", action="store_true", help="no progress bar or summary")
    c.set_defaults(func=cmd_calibrate)
