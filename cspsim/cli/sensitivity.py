"""``cspsim sensitivity``: sample, run, analyse and plot an experiment in one command.

Registered by :mod:`cspsim.cli.main`. Heavy imports (SALib, Dask,
matplotlib) happen inside the command, so ``cspsim --help`` stays fast.

Exit status: 0 complete; 2 a problem with the experiment file or the flags (one line per
problem, nothing run); 3 the sweep finished but some runs failed or are missing, so the
indices are marked incomplete, or the Dask cluster was lost mid-sweep (finished chunks kept;
rerun with ``--resume``); 130 interrupted (rerun with ``--resume``).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from cspsim.cli.common import FORCE_HELP, WORKERS_HELP, UserError

if TYPE_CHECKING:
    from cspsim.cli.common import Subparsers
    from cspsim.studies.executor import Executor
    from cspsim.studies.sensitivity.schema import Loaded
    from cspsim.studies.sensitivity.sweep import Plan

EPILOG = """\
exit status: 0 complete; 2 bad experiment file or flags, or an unusable --scheduler (nothing
is run); 3 finished, but some runs failed or are missing: indices are marked complete=False,
or the Dask cluster was lost mid-sweep (rerun with --resume); 130 interrupted (rerun the
same command with --resume).
See docs/SENSITIVITY.md for the experiment file format."""


def add_parser(subparsers: Subparsers) -> None:
    """Add the ``sensitivity`` subcommand to the ``cspsim`` parser."""
    s = subparsers.add_parser(
        "sensitivity",
        aliases=["sweep"],
        help="run a sweep of an experiment file and its sensitivity analysis (SALib; local "
        "pool or Dask)",
        description="Sample, run, analyse and plot a sensitivity experiment "
        "(experiments/*.toml). Results go to disk as they complete; --resume continues "
        "a sweep that was interrupted or killed; --export ema writes the design points and "
        "outcomes for EMA Workbench, and `cspsim discover` finds the parameter ranges where "
        "an outcome crosses a threshold. `cspsim sweep` is another name for this command.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    s.add_argument("experiment", nargs="?", help="experiment file, e.g. experiments/x.toml")
    where = s.add_mutually_exclusive_group()
    where.add_argument("--workers", type=int, help=WORKERS_HELP)
    where.add_argument("--scheduler", help="Dask scheduler address, e.g. tcp://HOST:8786")
    s.add_argument("--resume", action="store_true", help="run only what --out is missing")
    s.add_argument("--out", help="output folder (default: results/sensitivity/<name>)")
    s.add_argument(
        "--analyze-only",
        metavar="DIR",
        help="re-analyse the sweep in DIR (with EXPERIMENT: its analysis options such as "
        "resamples and conf_level; the runs must match)",
    )
    s.add_argument("--no-plots", action="store_true", help="skip the PNG plots")
    s.add_argument("--force", action="store_true", help=FORCE_HELP)
    s.add_argument(
        "--export",
        choices=["ema"],
        help="also write the results for another tool: ema = OUT/ema_results.tar.gz, "
        "(experiments, outcomes) for EMA Workbench's load_results, PRIM and CART",
    )
    s.add_argument("--quiet", action="store_true", help="no progress bar or summary")
    s.set_defaults(func=cmd_sensitivity)


def _load(path: str, force: bool = False) -> Loaded:
    from cspsim.studies.sensitivity.experiment import ExperimentError, load_experiment

    try:
        return load_experiment(path, force)
    except ExperimentError as exc:
        raise UserError("\n".join(exc.problems)) from None


def _executor(p: Plan, args: argparse.Namespace) -> Executor:
    from cspsim.studies.executor import SchedulerError
    from cspsim.studies.sensitivity.api import make_executor

    try:
        return make_executor(p, args.workers, args.scheduler)
    except SchedulerError as exc:
        raise UserError(f"--scheduler {args.scheduler}: {exc}") from None


def _finish(p: Plan, out: Path, args: argparse.Namespace) -> int:
    """Analyse the store, write every file, print the summary; return the exit status."""
    from cspsim.studies.sensitivity.api import analyze
    from cspsim.studies.sensitivity.report import EXIT_INCOMPLETE, summary_lines

    analysis = analyze(p, out, plots=not args.no_plots)
    if not args.quiet:
        print("\n".join(summary_lines(p, analysis, top=5)))
    if args.export == "ema":
        from cspsim.studies.results import load_sweep

        try:
            path = load_sweep(out).export_ema()
        except OSError as exc:
            raise UserError(f"--export ema: cannot write the archive: {exc}") from None
        if not args.quiet:
            print(f"EMA Workbench archive: {path} (ema_workbench.load_results)")
    if not args.quiet:
        print(f"\nResults: {out}")
    if not analysis.complete:
        c = analysis.counts
        marked = "indices are marked complete=False (see summary.md)"
        if p.design.spec.exploration:
            marked = "see failures.csv and summary.md"
        print(
            f"warning: incomplete design ({c['failed']} failed, {c['missing']} missing of "
            f"{c['runs']} runs); {marked}",
            file=sys.stderr,
        )
        return EXIT_INCOMPLETE
    return 0


def _analyze_only(args: argparse.Namespace) -> int:
    from cspsim.studies.sensitivity.store import Store
    from cspsim.studies.sensitivity.sweep import holds, load_saved, plan

    out = Path(args.analyze_only)
    store = Store(out / "store")
    if not store.exists() or not (out / "experiment.json").is_file():
        raise UserError(f"--analyze-only {out}: no sweep there (store/manifest.json missing)")
    saved = plan(load_saved(out))
    p = plan(_load(args.experiment, args.force)) if args.experiment else saved
    stored = store.read_manifest()["design_key"]
    # A store from before analysis options left the key matches only its own options, so
    # the saved experiment vouches for it and the new one need only have the same runs.
    if not holds(p, stored) and not (p.key == saved.key and holds(saved, stored)):
        raise UserError(
            f"--analyze-only {out}: {args.experiment} describes a different design than the "
            "stored sweep (only analysis options such as resamples may change)"
        )
    return _finish(p, out, args)


def cmd_sensitivity(args: argparse.Namespace) -> int:
    """Run (or resume, or re-analyse) a sensitivity experiment."""
    from cspsim.io import OutputError, check_folder
    from cspsim.paths import results_dir
    from cspsim.studies.executor import ClusterLost
    from cspsim.studies.sensitivity.api import sweep
    from cspsim.studies.sensitivity.report import EXIT_INCOMPLETE
    from cspsim.studies.sensitivity.sweep import SweepError, plan

    if args.workers is not None and args.workers < 1:
        raise UserError("--workers must be at least 1")
    if args.analyze_only:
        if args.resume or args.workers or args.scheduler or args.out:
            raise UserError("--analyze-only takes no --resume, --workers, --scheduler or --out")
        return _analyze_only(args)
    if not args.experiment:
        raise UserError("give an experiment file (or --analyze-only DIR)")
    loaded = _load(args.experiment, args.force)
    out = Path(args.out) if args.out else results_dir() / "sensitivity" / loaded.spec.name
    has_sweep = (out / "store" / "manifest.json").is_file()
    if not args.resume and (has_sweep or (out / "manifest.json").is_file()):
        raise UserError(f"{out} already holds a sweep: add --resume, or choose another --out")
    if args.resume and not has_sweep:
        raise UserError(f"--resume: {out} holds no sweep to resume")
    p = plan(loaded)
    try:
        check_folder(out)
    except OutputError as exc:
        raise UserError(f"--out {out}: {exc}") from None
    try:
        prog = sweep(p, out, _executor(p, args), resume=args.resume, quiet=args.quiet)
    except SweepError as exc:
        raise UserError(str(exc)) from None
    except ClusterLost as exc:
        print(
            f"error: the Dask cluster lost the sweep: {exc}; every finished chunk is kept in "
            f"{out / 'store'}: rerun the same command with --resume when the cluster is back",
            file=sys.stderr,
        )
        return EXIT_INCOMPLETE
    except KeyboardInterrupt:
        print(
            f"\ninterrupted; every finished chunk is kept in {out / 'store'}: rerun the same "
            "command with --resume to run only what is missing",
            file=sys.stderr,
        )
        return 130
    if not args.quiet:
        print(
            f"{prog.done} of {prog.total} runs stored ({prog.failed} failed); "
            f"{prog.ran} run now in {prog.seconds:.1f} s",
            file=sys.stderr,
        )
    return _finish(p, out, args)
