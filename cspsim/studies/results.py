"""Results folders as DataFrames: ``sweep`` runs an experiment, ``load`` reads any output folder.

A sweep folder (``cspsim sensitivity``) becomes a :class:`SweepResults`: ``experiments``, one row
per design point with one column per varied input in the registry's units (floats for real
parameters, integers for integer ones, categories for booleans and choices), and
``outcomes``, one row per run, and ``means``, one row per design point (the replicate mean,
NaN unless every replicate gave a number, as for the indices). :meth:`SweepResults.to_ema`
gives the ``(experiments, {outcome: array})`` pair that EMA Workbench's analysis functions
(``prim.Prim``, ``cart.CART``, feature scoring) take, and :meth:`SweepResults.export_ema`
writes it as an archive that ``ema_workbench.load_results`` reads (per-year outputs
``name in year`` are named ``name_in_year`` there: EMA wants Python identifiers).

A ``cspsim run`` folder loads as a :class:`~cspsim.studies.run_result.RunResult` and a
``cspsim compare`` folder as a :class:`~cspsim.analysis.comparison.Comparison`, as the
functions that wrote them return.
"""

from __future__ import annotations

import json
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from cspsim import io
from cspsim.analysis.comparison import Comparison
from cspsim.inputs.scenario import Scenario
from cspsim.studies.run_result import RunResult

if TYPE_CHECKING:
    from cspsim.studies.sensitivity.analysis import Analysis
    from cspsim.studies.sensitivity.design import Variable

EMA_ARCHIVE = "ema_results.tar.gz"


class LoadError(ValueError):
    """The folder holds no cspsim results (or not the kind asked for)."""


@dataclass
class SweepResults:
    """A sweep's design points and outcomes as DataFrames.

    Attributes:
        folder: The sweep's output folder.
        name: The experiment's name.
        experiments: One row per design point (index ``point``), one column per varied input.
        outcomes: One row per stored run: ``point``, ``replicate``, ``seed``, ``ok``, then
            one column per output (``name`` and ``name in year``), NaN where the run failed.
        means: One row per design point (index ``point``): each output's replicate mean.
        units: Unit of each factor and each output (registry and outcome specs; empty for
            a ``model = "module:function"`` experiment).
        analysis: The indices, when this came from :func:`sweep` with ``analyze=True``.
    """

    folder: Path
    name: str
    experiments: pd.DataFrame
    outcomes: pd.DataFrame
    means: pd.DataFrame
    units: dict[str, str] = field(default_factory=dict)
    analysis: Analysis | None = None

    @property
    def outcome_names(self) -> list[str]:
        """The outputs, in store order."""
        return list(self.means.columns)

    def to_ema(self, outcomes: list[str] | None = None) -> tuple[pd.DataFrame, dict[str, Any]]:
        """The ``(experiments, {outcome: 1-D array})`` pair of EMA Workbench's analysis
        functions: replicate means, design points with a missing or failed run dropped.

        Args:
            outcomes: Outputs to include (default: all).
        """
        names = self.outcome_names if outcomes is None else outcomes
        unknown = [n for n in names if n not in self.means.columns]
        if unknown:
            raise LoadError(f"unknown outcome(s) {unknown}; the sweep has {self.outcome_names}")
        keep = self.means[names].notna().all(axis=1).to_numpy()
        x = self.experiments[keep].reset_index(drop=True)
        return x, {n: self.means[n].to_numpy(float)[keep] for n in names}

    def export_ema(self, path: str | Path | None = None) -> Path:
        """Write :meth:`to_ema` with ``ema_workbench.save_results`` (default
        ``FOLDER/ema_results.tar.gz``); ``ema_workbench.load_results`` reads it back."""
        path = Path(path) if path is not None else self.folder / EMA_ARCHIVE
        x, means = self.to_ema()
        y = {ema_name(k): v for k, v in means.items()}
        ema = import_ema()
        from ema_workbench.em_framework.outcomes import ScalarOutcome

        for name in y:  # save_results looks up each outcome's kind in EMA's register
            ScalarOutcome(name)
        path.parent.mkdir(parents=True, exist_ok=True)
        io.atomic_write(path, lambda tmp: ema.save_results((x, y), str(tmp)))
        return path


def ema_name(output: str) -> str:
    """An output's name in an EMA archive, which wants Python identifiers:
    ``name in 2016`` (or the older ``name@2016``) becomes ``name_in_2016``."""
    from cspsim.studies.sensitivity.outcomes import split_output

    outcome, year = split_output(output)
    return outcome if year is None else f"{outcome}_in_{year}"


def import_ema() -> Any:
    """``ema_workbench``, imported on first use (it takes seconds, and it warns about optional
    parallel back-ends that cspsim does not use)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import ema_workbench
    return ema_workbench


def is_sweep(folder: Path) -> bool:
    """Whether ``folder`` holds a sweep (``store/manifest.json`` and ``experiment.json``)."""
    return (folder / "store" / "manifest.json").is_file() and (folder / "experiment.json").is_file()


def _column(v: Variable, values: np.ndarray, choices: tuple[str, ...]) -> pd.Series:
    """A factor's column as the model saw it, with a dtype that PRIM and CART handle: integer
    parameters (years, counts) as whole-valued floats, since PRIM's pasting writes a
    fractional limit into the column and fails on an integer dtype."""
    model = np.array([v.to_model(float(x)) for x in values])
    if v.kind == "boolean":
        return pd.Series(pd.Categorical(model.astype(bool), categories=[False, True]))
    if v.kind == "choice":
        codes = [int(c) for c in model]
        return pd.Series(pd.Categorical.from_codes(codes, categories=pd.Index(list(choices))))
    return pd.Series(model.astype(np.float64))


def load_sweep(folder: str | Path) -> SweepResults:
    """Read a sweep folder (finished or not) as DataFrames.

    Raises:
        LoadError: the folder is not a sweep.
    """
    from cspsim.studies.sensitivity.analysis import replicate_means
    from cspsim.studies.sensitivity.checks import known_spec
    from cspsim.studies.sensitivity.design import build_design
    from cspsim.studies.sensitivity.outcomes import per_year_name, split_output
    from cspsim.studies.sensitivity.store import Store
    from cspsim.studies.sensitivity.sweep import load_saved

    folder = Path(folder)
    if not is_sweep(folder):
        raise LoadError(
            f"{folder}: not a sweep folder (no store/manifest.json and experiment.json)"
        )
    loaded = load_saved(folder)
    design = build_design(loaded)
    samples = pd.read_parquet(folder / "samples.parquet")
    cols = {}
    for v in design.variables:
        spec = known_spec(v.name) if loaded.spec.model == "cspsim" else None
        cols[v.name] = _column(v, samples[v.name].to_numpy(), spec.choices if spec else ())
    experiments = pd.DataFrame(cols)
    experiments.index = pd.Index(samples["point"].to_numpy(), name="point")
    store = Store(folder / "store")
    manifest = store.read_manifest()
    stored = list(manifest["outputs"])  # per-year names as written (older stores: NAME@YEAR)
    keys = ["point", "replicate", "seed", "ok"]
    outputs = [o if y is None else per_year_name(o, y) for o, y in map(split_output, stored)]
    runs = store.read(columns=keys + stored)  # renamed to the present NAME in YEAR
    runs = runs.reindex(columns=keys + outputs)  # every column, even with no chunk yet
    runs = runs.astype({"point": np.int64, "replicate": np.int64, "seed": np.int64, "ok": bool})
    grid = replicate_means(runs, outputs, len(experiments), int(manifest["replicates"]))
    means = pd.DataFrame(grid, index=experiments.index)
    units: dict[str, str] = {}
    if loaded.spec.model == "cspsim":
        units |= {v.name: known_spec(v.name).unit for v in design.variables}
        base = {name: spec.unit for name, spec in loaded.outcomes.items()}
        units |= {n: base.get(split_output(n)[0], "") for n in outputs}
    return SweepResults(folder, loaded.spec.name, experiments, runs, means, units)


def _read_areas(path: Path) -> pd.DataFrame:
    """``areas.csv`` as written: blank codes (synthetic areas have none) stay empty strings,
    and the ``from``/``to`` quarters are dates again."""
    if not path.is_file():
        return pd.DataFrame()
    areas = pd.read_csv(path, keep_default_na=False)
    for col in ("from", "to"):
        if col in areas:
            areas[col] = pd.to_datetime(areas[col]).dt.date
    return areas


def _load_run(folder: Path, manifest: dict[str, Any]) -> RunResult:
    year = manifest["resolved_config"]["time"]["start"]
    surveys = sorted(folder.glob("survey_*.csv"))
    if surveys:
        year = int(surveys[0].stem.removeprefix("survey_"))
    return RunResult(
        scenario=Scenario.model_validate(manifest["resolved_config"]),
        frame=pd.read_parquet(folder / "timeseries.parquet"),
        summary=pd.read_csv(folder / "summary.csv"),
        survey=pd.read_csv(surveys[0]) if surveys else pd.DataFrame(),
        survey_year=int(str(year)[:4]),
        root_seed=int(manifest["root_seed"]),
        seeds=list(manifest["seeds"]),
        workers=int(manifest.get("workers", 1)),
        wall_time_s=float(manifest.get("wall_time_s", 0.0)),
        files=list(manifest.get("files", [])),
        areas=_read_areas(folder / "areas.csv"),
    )


def _load_comparison(folder: Path, manifest: dict[str, Any]) -> Comparison:
    return Comparison(
        frame=pd.read_parquet(folder / "timeseries.parquet"),
        table=pd.read_csv(folder / "comparison.csv"),
        seeds=list(manifest["seeds"]),
        replicates=int(manifest["replicates"]),
        precision=manifest.get("precision"),
        half_width=float(manifest.get("headline_half_width") or float("nan")),
        reached=bool(manifest.get("precision_reached", True)),
        warnings=list(manifest.get("warnings", [])),
        wall_time_s=float(manifest.get("wall_time_s", 0.0)),
        files=list(manifest.get("files", [])),
    )


def sweep(
    experiment: str | Path,
    out: str | Path | None = None,
    workers: int | None = None,
    scheduler: str | None = None,
    *,
    resume: bool = False,
    analyze: bool = True,
    plots: bool = True,
    export: str | None = None,
) -> SweepResults:
    """Run an experiment file (``cspsim sensitivity``) and return its results as DataFrames.

    Args:
        experiment: Experiment file (``experiments/*.toml``).
        out: Output folder (default ``results/sensitivity/<name>``).
        workers, scheduler: Local processes (default one per core), or a Dask scheduler.
        resume: Run only what ``out`` is missing (``out`` must hold this experiment's sweep).
        analyze: Also compute the indices, convergence and reports (``.analysis``).
        plots: With ``analyze``, write the PNG plots.
        export: ``"ema"``: also write ``OUT/ema_results.tar.gz`` (:meth:`SweepResults.export_ema`).

    Raises:
        ExperimentError: the experiment file has problems (nothing runs).
        SweepError: ``out`` already holds a sweep (pass ``resume=True``) or another design.
    """
    from cspsim.paths import results_dir
    from cspsim.studies.sensitivity.api import analyze as analyze_sweep
    from cspsim.studies.sensitivity.api import make_executor
    from cspsim.studies.sensitivity.api import sweep as run_sweep
    from cspsim.studies.sensitivity.experiment import load_experiment
    from cspsim.studies.sensitivity.sweep import SweepError, plan

    if export not in (None, "ema"):
        raise ValueError(f"export must be None or 'ema', not {export!r}")
    p = plan(load_experiment(experiment))
    folder = Path(out) if out is not None else results_dir() / "sensitivity" / p.loaded.spec.name
    has_sweep = (folder / "store" / "manifest.json").is_file()
    if not resume and (has_sweep or (folder / "manifest.json").is_file()):
        raise SweepError(f"{folder} already holds a sweep: pass resume=True, or choose another out")
    if resume and not has_sweep:
        raise SweepError(f"resume: {folder} holds no sweep to resume")
    try:  # checked before the pool starts; the design key is checked by run_sweep
        run_sweep(p, folder, make_executor(p, workers, scheduler), resume=resume)
    except SweepError as exc:  # its message names the command's flags; say it in Python
        text = str(exc).replace("add --resume", "pass resume=True").replace("--resume", "resume")
        raise SweepError(text.replace("another --out", "another out")) from None
    analysis = analyze_sweep(p, folder, plots=plots) if analyze else None
    results = load_sweep(folder)
    results.analysis = analysis
    if export == "ema":
        results.export_ema()
    return results


def export_ema(folder: str | Path, path: str | Path | None = None) -> Path:
    """Write a sweep folder's ``(experiments, outcomes)`` as an EMA Workbench archive
    (default ``FOLDER/ema_results.tar.gz``); see :meth:`SweepResults.export_ema`."""
    return load_sweep(folder).export_ema(path)


def load(folder: str | Path) -> SweepResults | RunResult | Comparison:
    """Read an output folder of ``cspsim sensitivity`` (a :class:`SweepResults`), ``cspsim
    run`` (a ``RunResult``) or ``cspsim compare`` (a ``Comparison``).

    Raises:
        LoadError: the folder holds none of these (or is missing files).
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise LoadError(f"{folder}: no such folder")
    if is_sweep(folder):
        return load_sweep(folder)
    path = folder / "manifest.json"
    try:
        manifest = json.loads(path.read_text())
    except (OSError, ValueError):
        raise LoadError(
            f"{folder}: not a cspsim output folder (no readable manifest.json; a run that was "
            "interrupted writes none)"
        ) from None
    try:
        if "scenarios" in manifest and (folder / "comparison.csv").is_file():
            return _load_comparison(folder, manifest)
        if "resolved_config" in manifest:
            return _load_run(folder, manifest)
    except (OSError, KeyError) as exc:
        raise LoadError(f"{folder}: incomplete output folder ({exc})") from None
    raise LoadError(f"{folder}: manifest.json is not from cspsim run, compare or sensitivity")
