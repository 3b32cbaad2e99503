"""cspsim from Python: what ``cspsim run`` and ``cspsim compare`` do, as functions.

Example (a plain script needs no ``if __name__ == "__main__"`` guard)::

    import cspsim

    result = cspsim.run("configs/baseline.toml", replicates=4, workers=2)
    result.frame    # every quarter, area and replicate (timeseries.parquet)
    result.summary  # headline outcomes with 95% intervals (summary.csv)

    comp = cspsim.compare(["configs/projection_2030.toml", "configs/pcc_grant_cut_2026.toml"])
    comp.table      # paired differences from the first scenario (comparison.csv)

    sw = cspsim.sweep("experiments/cleveland_tiny.toml", "results/sa/tiny")
    sw.experiments, sw.means  # design points x factors; replicate-mean outcomes
    cspsim.load("results/sa/tiny").to_ema()  # (experiments, outcomes) for EMA Workbench

``sweep``, ``load`` and ``export_ema`` live in :mod:`cspsim.studies.results`; ``discover`` (PRIM)
in :mod:`cspsim.studies.discovery`. The guide is ``docs/API.md``.

Runs go to local processes (``workers``, default one per core; 1 runs in this process) or
to a Dask cluster (``scheduler="tcp://HOST:PORT"``); the results are the same either way
(:mod:`cspsim.studies.executor`). With ``out``, the files the commands write are written
there too. Scenarios are files (relative paths in them are read from the file's folder) or
:class:`~cspsim.inputs.scenario.Scenario` objects (read from ``base_dir``, or from the
folder of ``source``, the file they came from).

Errors, all raised before any run: :class:`~cspsim.inputs.scenario.ScenarioError` (one
line per problem, naming the file), :class:`ArgumentError` (a ``ValueError``: an argument
out of range) and :class:`OutputError` (``out`` cannot be prepared: raised before any run;
or written: a full disk, say). ``out`` is written whole (:func:`cspsim.io.prepare_output`):
into a staging folder beside it, which replaces it only once every file is written.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from cspsim import io
from cspsim.analysis.comparison import Comparison
from cspsim.analysis.outputs import HEADLINE, area_table
from cspsim.analysis.stats import summarise
from cspsim.analysis.survey import survey_readout
from cspsim.inputs.england import ATTRIBUTION
from cspsim.inputs.scenario import MAX_REPLICATES, Scenario, ScenarioError, load_scenario
from cspsim.io import OutputError as OutputError  # raised here, documented above
from cspsim.io import StagedOutput
from cspsim.studies.compare import csp_codes, run_comparison
from cspsim.studies.executor import default_workers
from cspsim.studies.results import SweepResults, export_ema, load, sweep
from cspsim.studies.run_result import RunResult
from cspsim.studies.runner import Job, ProgressCounter, check_buildable, replicate_seeds, run_jobs
from cspsim.studies.uncertainty import (
    UncertaintyError,
    calibration_sets,
    check_arms,
    run_uncertain_comparison,
    uncertainty_meta,
)

if TYPE_CHECKING:
    from cspsim.model.model import CSPModel

__all__ = [
    "ArgumentError", "OutputError", "RunResult", "SweepResults", "compare", "export_ema",
    "load", "run", "sweep",
]  # fmt: skip
ENGINES = ("arrays", "agents")
Progress = Callable[[int, int], None]  # progress(done, total)


#: Bytes of ``timeseries.parquet`` per area, quarter and replicate (measured: about 230,
#: with the CSP, authority-type and national rows).
SERIES_BYTES_PER_AREA = 384


class ArgumentError(ValueError):
    """An argument out of range: ``name`` (the parameter) and ``reason``."""

    def __init__(self, name: str, reason: str):
        super().__init__(f"{name} {reason}")
        self.name, self.reason = name, reason


def _resolve(
    scenario: str | Path | Scenario, source: str | Path | None, base_dir: Path | None
) -> tuple[Scenario, str | Path | None, Path | None]:
    """(scenario, the file it came from, folder of its relative paths)."""
    if not isinstance(scenario, Scenario):
        source = str(scenario)
        scenario = load_scenario(scenario)
    if base_dir is None and source is not None:
        base_dir = Path(source).parent
    return scenario, source, base_dir


def _build(scenario: Scenario, source: str | Path | None, base_dir: Path | None) -> CSPModel:
    """Build (not run) the model; structural problems name the scenario file."""
    try:
        return check_buildable(scenario, base_dir)
    except ScenarioError as exc:
        if source is None:
            raise
        raise ScenarioError([f"{source}: {p}" for p in exc.problems]) from None


def _begin(out: str | Path | None, model: CSPModel, runs: int) -> StagedOutput | None:
    """Check ``out`` and start writing it, before any run (None: nothing to write)."""
    if out is None:
        return None
    per_run = len(model.sched.quarters) * len(model.geo.names) * SERIES_BYTES_PER_AREA
    return io.prepare_output(out, per_run * runs + io.FIXED_OUTPUT_BYTES)


def _replicates(name: str, n: int, force: bool) -> None:
    """A replicate count beyond :data:`MAX_REPLICATES` needs ``force``."""
    if n > MAX_REPLICATES and not force:
        raise ArgumentError(
            name, f"{n}: at most {MAX_REPLICATES:,} (the cap of run.replicates; force to exceed)"
        )


def _check(engine: str, workers: int | None) -> None:
    if engine not in ENGINES:
        raise ArgumentError("engine", f"must be one of {', '.join(ENGINES)}, not {engine!r}")
    if workers is not None and workers < 1:
        raise ArgumentError("workers", "must be at least 1")


def run(
    scenario: str | Path | Scenario,
    replicates: int | None = None,
    seed: int | None = None,
    workers: int | None = None,
    scheduler: str | None = None,
    engine: str = "arrays",
    *,
    source: str | Path | None = None,
    base_dir: Path | None = None,
    out: str | Path | None = None,
    plots: bool = True,
    progress: Progress | None = None,
    force: bool = False,
) -> RunResult:
    """Run replicates of a scenario (``cspsim run``).

    Args:
        scenario: Scenario file or object.
        replicates: Default: the scenario's ``run.replicates``.
        seed: Root seed (default: the scenario's ``run.seed``).
        workers: Local processes (default: one per core, no more than replicates).
        scheduler: Dask scheduler address, instead of local processes.
        engine: ``"arrays"`` or ``"agents"`` (the per-agent Mesa engine: slower, same results).
        source, base_dir: Where a scenario object came from (see the module doc).
        out: Also write the result files and manifest here.
        plots: With ``out``, write the PNG plots too.
        progress: Called as ``progress(done, total)`` when a replicate finishes.
        force: Allow more than :data:`~cspsim.inputs.scenario.MAX_REPLICATES` replicates.
    """
    scenario, source, base_dir = _resolve(scenario, source, base_dir)
    n = scenario.run.replicates if replicates is None else replicates
    if n < 1:
        raise ArgumentError("replicates", "must be at least 1")
    _replicates("replicates", n, force)
    if seed is not None and seed < 0:
        raise ArgumentError("seed", "must be a non-negative integer")
    _check(engine, workers)
    model0 = _build(scenario, source, base_dir)
    staged = _begin(out, model0, n)
    root = scenario.run.seed if seed is None else seed
    seeds = replicate_seeds(root, n)
    workers = workers or default_workers(n)
    jobs = [Job(scenario, i, s, base_dir, engine=engine) for i, s in enumerate(seeds)]
    t0 = time.perf_counter()
    counter = ProgressCounter(progress, 0, n)
    counter(0)
    with io.discard_on_error(staged):
        frame = pd.concat(run_jobs(jobs, workers, counter, scheduler), ignore_index=True)
    year = model0.sched.quarters[0].year
    result = RunResult(
        scenario=scenario,
        frame=frame,
        summary=summarise(frame, HEADLINE),
        survey=survey_readout(frame, year, model0.P),
        survey_year=year,
        root_seed=root,
        seeds=seeds,
        workers=workers,
        wall_time_s=time.perf_counter() - t0,
        csp_of_area=_csp_of_area(model0),
        areas=area_table(model0),
    )
    if staged is not None:
        staged.write(lambda folder: _write_run(result, folder, plots, source, engine, scheduler))
    return result


def _csp_of_area(model: CSPModel) -> dict[str, tuple[str, str]]:
    """Each area's CSP name in the first epoch and in the last."""
    first, last = model.epochs[0], model.epochs[-1]
    return {
        name: (first.csp_names[first.csp_of_area[a]], last.csp_names[last.csp_of_area[a]])
        for a, name in enumerate(model.geo.names)
    }


def _write_run(
    r: RunResult,
    out: Path,
    plots: bool,
    source: str | Path | None,
    engine: str,
    scheduler: str | None,
) -> None:
    io.write_parquet(r.frame, out / "timeseries.parquet")
    io.write_csv(r.summary, out / "summary.csv")
    io.write_csv(r.survey, out / f"survey_{r.survey_year}.csv")
    io.write_csv(r.areas, out / "areas.csv")
    r.files = ["timeseries.parquet", "summary.csv", f"survey_{r.survey_year}.csv", "areas.csv"]
    if plots:
        from cspsim.analysis.maps import plot_map
        from cspsim.analysis.plots import plot_run  # matplotlib is slow to import

        r.files += [p.name for p in plot_run(r.frame, out, r.scenario.name)]
        map_png = plot_map(r.frame, out, r.scenario.name, r.csp_of_area)
        r.files += [map_png.name] if map_png is not None else []
    manifest = {
        "scenario": r.scenario.name,
        "scenario_file": str(Path(source).resolve()) if source is not None else None,
        "resolved_config": r.scenario.model_dump(mode="json"),
        "root_seed": r.root_seed,
        "seeds": r.seeds,
        "replicates": r.replicates,
        "workers": r.workers,
        "engine": engine,
        **({"scheduler": scheduler} if scheduler else {}),
        **({"attribution": ATTRIBUTION} if r.scenario.geography.real else {}),
        "wall_time_s": round(r.wall_time_s, 3),
        "files": r.files,
        "versions": io.versions(),
        "git": io.git_commit(),
        "command": sys.argv,
        "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }
    io.write_json(manifest, out / "manifest.json")


def distinct_names(scenarios: Sequence[Scenario]) -> list[Scenario]:
    """The scenarios, a later one named like an earlier one renamed ``"name (k)"``."""
    out = list(scenarios)
    for k, sc in enumerate(out):  # a scenario compared with itself needs a second name
        if any(o.name == sc.name for o in out[:k]):
            out[k] = sc.model_copy(update={"name": f"{sc.name} ({k + 1})"})
    return out


def compare(
    scenarios: Sequence[str | Path | Scenario],
    replicates: int | None = None,
    seed: int | None = None,
    precision: float | None = None,
    max_replicates: int = 200,
    workers: int | None = None,
    scheduler: str | None = None,
    engine: str = "arrays",
    *,
    sources: Sequence[str | Path | None] | None = None,
    base_dirs: Sequence[Path | None] | None = None,
    out: str | Path | None = None,
    progress: Progress | None = None,
    force: bool = False,
    uncertainty: str = "replicates",
    parameter_sets: int | None = None,
    near_optimal: str | Path | None = None,
) -> Comparison:
    """Run scenarios on common random numbers and compare each with the first
    (``cspsim compare``); ``warnings`` on the result say what to be careful about.

    With ``uncertainty="calibration"`` every scenario runs under ``parameter_sets`` sets
    drawn from the calibration's near-optimal set (default: each of its points once; file
    ``near_optimal``, default ``configs/calibrated_2009_near_optimal.csv``), ``replicates``
    each, and intervals span parameter sets and replicates together
    (:mod:`cspsim.studies.uncertainty`).

    Args:
        scenarios: Scenario files or objects; the first is the reference.
        replicates: Default: the first scenario's ``run.replicates`` (at least 2).
        seed: Root seed (default: the first scenario's ``run.seed``).
        precision: Add replicates until the 95% half-width of the share-met differences is
            below this (a share), up to ``max_replicates``.
        workers, scheduler, engine, progress: As for :func:`run`.
        sources, base_dirs: Where scenario objects came from, one per scenario.
        out: Also write the files of ``cspsim compare`` here (report, tables, plots).
        force: As for :func:`run` (``replicates`` and ``max_replicates``).
    """
    sources = list(sources) if sources is not None else [None] * len(scenarios)
    base_dirs = list(base_dirs) if base_dirs is not None else [None] * len(scenarios)
    loaded, problems = [], []
    for sc, src, base in zip(scenarios, sources, base_dirs, strict=True):
        try:
            sc, src, base = _resolve(sc, src, base)
            _build(sc, src, base)
            loaded.append((sc, src, base))
        except ScenarioError as exc:
            problems += exc.problems
    if problems:
        raise ScenarioError(problems)
    scs = distinct_names([sc for sc, _, _ in loaded])
    n = replicates or scs[0].run.replicates
    if n < 2:
        raise ArgumentError("replicates", "must be at least 2 to give intervals")
    if precision is not None and precision <= 0:
        raise ArgumentError("precision", "must be positive (e.g. 0.005 = half a percentage point)")
    if max_replicates < n:
        raise ArgumentError("max_replicates", "must be at least replicates")
    _replicates("replicates", n, force)
    _replicates("max_replicates", max_replicates if precision is not None else n, force)
    _check(engine, workers)
    try:
        sets = calibration_sets(uncertainty, precision, parameter_sets, near_optimal)
        if sets is not None:
            check_arms(scs, list(sets[0]))
    except UncertaintyError as exc:
        raise ArgumentError("uncertainty", str(exc)) from None
    most = max_replicates if precision is not None else n
    staged = _begin(out, _build(*loaded[0]), most * len(scs))
    root = scs[0].run.seed if seed is None else seed
    runs = n * len(scs) * (len(sets) if sets else 1)
    workers = workers or default_workers(runs)
    t0 = time.perf_counter()
    if progress:
        progress(0, runs)
    bases = [b for _, _, b in loaded]
    with io.discard_on_error(staged):
        if sets is None:
            comp = run_comparison(
                scs, bases, root, n, precision=precision, max_replicates=max_replicates,
                workers=workers, scheduler=scheduler, engine=engine, progress=progress,
            )  # fmt: skip
        else:
            comp = run_uncertain_comparison(
                scs, bases, root, n, sets, workers=workers, scheduler=scheduler,
                engine=engine, progress=progress,
            )  # fmt: skip
    comp.wall_time_s = time.perf_counter() - t0
    comp.warnings = _warnings(comp, scs, precision)
    if staged is not None:
        meta: dict[str, Any] = {
            "workers": workers,
            "engine": engine,
            **({"scheduler": scheduler} if scheduler else {}),
        }
        if sets is not None:
            meta |= uncertainty_meta(comp, scs[0].name, workers, near_optimal, runs)
        srcs = [s for _, s, _ in loaded]
        staged.write(lambda folder: _write_comparison(comp, scs, srcs, folder, root, meta))
    return comp


def _warnings(comp: Comparison, scenarios: list[Scenario], precision: float | None) -> list[str]:
    from cspsim.analysis.comparison import indistinct

    warnings = []
    if len({(s.time.start, s.time.end) for s in scenarios}) > 1:
        start = max(s.time.start for s in scenarios)
        end = min(s.time.end for s in scenarios)
        warnings.append(
            f"The scenarios simulate different periods: they are compared over the quarters "
            f"they share, {start} to {end}, so a lever that starts after {end} is not seen "
            "(to compare policies after 2024, use a reference that runs as long: "
            "projection_2030 is the baseline to March 2030)."
        )
    ref = scenarios[0].name
    if precision is not None and not comp.reached:
        warnings.append(
            f"Precision ±{precision:g} not reached with the cap of {comp.replicates} "
            f"replicates (half-width {comp.half_width:.4f}); raise --max-replicates."
        )
    if precision is None and comp.parameter_sets == 1:  # calibration: the verdicts say it
        for name in indistinct(comp.table, ref):
            warnings.append(
                f"{name} vs {ref}: the 95% interval of the difference in share of demand met "
                f"includes zero with {comp.replicates} replicates, so these scenarios cannot be "
                "told apart yet; rerun with more --replicates or with --precision."
            )
    return warnings


def _difference_maps(comp: Comparison, scenarios: list[Scenario], out: Path) -> list[Path]:
    """A map per compared scenario of real places: its CSPs' share of demand met over the
    window and the paired difference from the reference (``map_<scenario>.png``)."""
    if comp.csp is None or not any(s.geography.real for s in scenarios):
        return []
    from cspsim.analysis.maps import plot_difference_map

    first = comp.window_fy if comp.window_fy is not None else int(comp.frame["fy"].min())
    last = int(comp.frame["fy"].max())
    period = f"FY {first}/{(first + 1) % 100:02d} to {last}/{(last + 1) % 100:02d}"
    maps = []
    for sc in scenarios[1:]:
        model = check_buildable(sc)
        ep = model.epochs[-1]
        areas = {n: ep.csp_names[ep.csp_of_area[a]] for a, n in enumerate(model.geo.names)}
        png = plot_difference_map(comp.csp, sc.name, scenarios[0].name, areas, out, period)
        maps += [png] if png is not None else []
    return maps


def _write_comparison(
    comp: Comparison,
    scenarios: list[Scenario],
    sources: list[str | Path | None],
    out: Path,
    root: int,
    extra: dict[str, Any],
) -> None:
    from cspsim.analysis.compare_plots import plot_comparison
    from cspsim.analysis.narrative import Periods, write_brief
    from cspsim.analysis.report import write_report

    io.write_parquet(comp.frame, out / "timeseries.parquet")
    io.write_csv(comp.table, out / "comparison.csv")
    comp.files = ["timeseries.parquet", "comparison.csv"]
    if comp.csp is not None:
        io.write_csv(comp.csp, out / "csp_comparison.csv")
        comp.files.append("csp_comparison.csv")
    plots = plot_comparison(comp.frame, comp.table, out, comp.window_fy)
    plots += _difference_maps(comp, scenarios, out)
    meta = {
        "root_seed": root,
        "first_quarter": str(comp.frame["date"].min().date()),
        "last_quarter": str(comp.frame["date"].max().date()),
        "first_fy": int(comp.frame["fy"].min()),
        "last_fy": int(comp.frame["fy"].max()),
        "window_first_fy": comp.window_fy,
        "versions": io.versions(),
        "git": io.git_commit(),
    }
    paths = [Path(s) if s is not None else None for s in sources]
    sections = extra.pop("sections", [])
    brief_lines = extra.pop("brief_lines", [])
    page = meta | {"csp_codes": csp_codes(scenarios[0]), "sections": sections}
    write_report(out / "report.html", comp, scenarios, paths, plots, comp.warnings, page)
    periods = Periods(comp.window_fy, int(comp.frame["fy"].min()), int(comp.frame["fy"].max()))
    write_brief(out / "brief.md", comp.table, scenarios, periods, brief_lines, comp.warnings)
    comp.files += ["report.html", "brief.md"] + [p.name for p in plots]
    manifest = meta | {
        "scenarios": [s.name for s in scenarios],
        "scenario_files": [str(p.resolve()) if p is not None else None for p in paths],
        "resolved_configs": [s.model_dump(mode="json") for s in scenarios],
        **({"attribution": ATTRIBUTION} if any(s.geography.real for s in scenarios) else {}),
        "seeds": comp.seeds,
        "replicates": comp.replicates,
        "precision": comp.precision,
        "precision_reached": comp.reached,
        "headline_half_width": comp.half_width,
        **extra,
        "wall_time_s": round(comp.wall_time_s, 3),
        "files": comp.files,
        "warnings": comp.warnings,
        "command": sys.argv,
        "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }
    io.write_json(manifest, out / "manifest.json")
