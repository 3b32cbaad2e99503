"""A sweep from start to (resumable) finish: plan, output folder, runs into the store.

``plan`` turns a checked experiment into its design, sample and worker runtime; ``open_output``
prepares the output folder (or checks that a resumed one belongs to the same design); ``run``
sends the missing tasks to an executor and writes each chunk as it arrives, with a progress
bar of runs done, failed and time left.
"""

from __future__ import annotations

import contextlib
import json
import math
import shutil
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from cspsim import io
from cspsim.inputs.scenario import Scenario
from cspsim.studies.sensitivity.design import (
    LEGACY_KEYS,
    Design,
    build_design,
    design_key,
    make_task,
    n_tasks,
    output_names,
)
from cspsim.studies.sensitivity.outcomes import OutcomeSpec, per_year_name
from cspsim.studies.sensitivity.schema import Experiment, Loaded
from cspsim.studies.sensitivity.store import Store
from cspsim.studies.sensitivity.worker import SERIES_KEY, Runtime, model_function, run_task

if TYPE_CHECKING:
    from cspsim.studies.executor import Executor

TASK_SECONDS = 1.0  # long enough that per-task overhead is small, short enough to lose little


class SweepError(Exception):
    """The output folder does not fit the request (exists, or belongs to another design)."""


@dataclass(frozen=True)
class Plan:
    """A sweep's design, sample and runtime."""

    loaded: Loaded
    design: Design
    X: np.ndarray
    seeds: list[int]
    key: str
    runtime: Runtime

    @property
    def n_runs(self) -> int:
        """Runs in the sweep (sample points x replicates)."""
        return len(self.X) * len(self.seeds)


def plan(loaded: Loaded) -> Plan:
    """Sample the design of a checked experiment and describe its runs."""
    design = build_design(loaded)
    X = design.sample()
    key = design_key(loaded, design, X)
    outcomes: dict[str, OutcomeSpec] = dict(loaded.outcomes)
    for name, spec in loaded.outcomes.items():
        outcomes |= {per_year_name(name, y): spec.for_year(y) for y in loaded.spec.years}
    runtime = Runtime(
        key=key,
        model=loaded.spec.model,
        scenario=loaded.scenario,
        base_dir=str(loaded.path.parent.resolve()) if loaded.scenario is not None else None,
        outcomes=outcomes,
        outputs=tuple(output_names(loaded)),
        variables=design.variables,
        fixed=design.fixed,
        policies=tuple(design.policies.values()),
        series=tuple(loaded.spec.timeseries),
    )
    return Plan(loaded, design, X, design.seeds(), key, runtime)


def holds(p: Plan, stored_key: str) -> bool:
    """Whether a store with design key ``stored_key`` holds this plan's runs (its key, or the
    keys of older stores, see :data:`~cspsim.studies.sensitivity.design.LEGACY_KEYS`)."""
    if stored_key == p.key:
        return True
    return any(
        stored_key == design_key(p.loaded, p.design, p.X, legacy=old_options, old_names=names)
        for old_options, names in LEGACY_KEYS
    )


def saved_experiment(loaded: Loaded) -> dict[str, Any]:
    """What ``--analyze-only`` needs to rebuild the plan without the original files."""
    return {
        "path": str(loaded.path.resolve()),
        "spec": loaded.spec.model_dump(mode="json"),
        "outcomes": {k: v.model_dump(mode="json") for k, v in loaded.outcomes.items()},
        "scenario": None if loaded.scenario is None else loaded.scenario.model_dump(mode="json"),
    }


def load_saved(out: Path) -> Loaded:
    """Rebuild a checked experiment from ``OUT/experiment.json``."""
    raw = json.loads((out / "experiment.json").read_text())
    scenario = Scenario.model_validate(raw["scenario"]) if raw["scenario"] else None
    outcomes = {k: OutcomeSpec.model_validate(v) for k, v in raw["outcomes"].items()}
    return Loaded(Path(raw["path"]), Experiment.model_validate(raw["spec"]), outcomes, scenario)


def samples_frame(p: Plan) -> pd.DataFrame:
    """``samples.parquet``: the SALib design, and the value each discrete parameter gets."""
    cols: dict[str, Any] = {"point": np.arange(len(p.X))}
    X = p.X
    if p.design.policies:
        names = np.array(list(p.design.policies), dtype=object)
        cols["policy"] = pd.Categorical(names[X[:, 0].astype(int)], categories=names)
        X = X[:, 1:]
    for j, v in enumerate(p.design.variables):
        cols[v.name] = X[:, j]
    for j, v in enumerate(p.design.variables):
        if v.discrete:
            cols[f"{v.name} (model value)"] = [v.to_model(x) for x in X[:, j]]
    return pd.DataFrame(cols)


def task_rows(p: Plan, runs_per_task: int) -> dict[int, int]:
    """Rows each chunk must have, by task index."""
    count = n_tasks(p.n_runs, runs_per_task)
    rows = {i: runs_per_task for i in range(count)}
    if count:
        rows[count - 1] = p.n_runs - runs_per_task * (count - 1)
    return rows


def choose_runs_per_task(p: Plan, slots: int) -> int:
    """Runs per task from one timed run: about a second of work, and at least four tasks per
    worker slot so the pool stays balanced near the end."""
    fn = model_function(p.runtime)
    t0 = time.perf_counter()
    with contextlib.suppress(Exception):  # the sweep records failures; here we only time
        fn(p.runtime.values(p.X[0]), p.seeds[0])
    per_run = max(time.perf_counter() - t0, 1e-6)
    by_time = max(1, min(2000, round(TASK_SECONDS / per_run)))
    return max(1, min(by_time, math.ceil(p.n_runs / (4 * max(1, slots)))))


def open_output(p: Plan, out: Path, resume: bool, runs_per_task: int) -> Store:
    """Prepare the output folder, or check that a resumed one holds this design.

    Raises:
        SweepError: the folder holds another sweep, or exists when not resuming.
    """
    store = Store(out / "store")
    if resume:
        if not store.exists():
            raise SweepError(f"--resume: {out} holds no sweep to resume")
        old = store.read_manifest()
        if not holds(p, old["design_key"]):
            raise SweepError(
                f"--resume: {out} holds a different design (key {old['design_key']}, this "
                f"experiment's is {p.key}); use another --out"
            )
        (out / "manifest.json").unlink(missing_ok=True)  # results will be rewritten
        return store
    if store.exists() or (out / "manifest.json").exists():
        raise SweepError(f"{out} already holds a sweep: add --resume, or choose another --out")
    io.begin_output(out)
    src = p.loaded.path
    if src.is_file():
        io.atomic_write(out / "experiment.toml", lambda t: shutil.copyfile(src, t))
    io.write_json(saved_experiment(p.loaded), out / "experiment.json")
    io.write_parquet(samples_frame(p), out / "samples.parquet")
    store.folder.mkdir(parents=True, exist_ok=True)
    store.write_manifest(
        {
            "format": 1,
            "experiment": p.loaded.spec.name,
            "design_key": p.key,
            "method": p.design.method,
            "N": p.design.N,
            "points": len(p.X),
            "replicates": len(p.seeds),
            "seeds": p.seeds,
            "runs": p.n_runs,
            "runs_per_task": runs_per_task,
            "tasks": n_tasks(p.n_runs, runs_per_task),
            "outputs": list(p.runtime.outputs),
            "status": "running",
            "git": io.git_commit(),
            "versions": io.versions(),
            "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        }
    )
    return store


@dataclass
class Progress:
    """Counts of a sweep (runs)."""

    total: int
    done: int = 0
    failed: int = 0
    ran: int = 0
    seconds: float = 0.0

    @property
    def missing(self) -> int:
        """Runs not yet in the store."""
        return self.total - self.done


def run(p: Plan, store: Store, executor: Executor, quiet: bool = False) -> Progress:
    """Run the tasks missing from the store and write each chunk as it finishes.

    Raises:
        KeyboardInterrupt: after stopping the executor and marking the manifest (resumable).
    """
    from tqdm import tqdm

    manifest = store.read_manifest()
    rpt = manifest["runs_per_task"]
    rows = task_rows(p, rpt)
    done = store.done(rows, series=bool(p.runtime.series))
    prog = Progress(p.n_runs, sum(rows[i] for i in done))
    if done:
        prog.failed = int((~store.read(columns=["point", "replicate", "ok"])["ok"]).sum())
    todo = (make_task(i, rpt, p.X, p.seeds) for i in sorted(rows) if i not in done)
    tqdm.monitor_interval = 0  # no monitor thread
    bar = tqdm(total=p.n_runs, initial=prog.done, unit="run", desc=p.loaded.spec.name,
               disable=quiet, file=sys.stderr, smoothing=0.05)  # fmt: skip
    bar.set_postfix(failed=prog.failed)
    t0 = last = time.perf_counter()
    status = "interrupted"
    try:
        for task, columns in executor.run(run_task, todo):
            if SERIES_KEY in columns:  # first, so that a chunk on disk has its series
                store.write_series(task.index, columns.pop(SERIES_KEY))
            store.write_chunk(task.index, columns)
            failed = int((~columns["ok"]).sum())
            prog.done += len(task.points)
            prog.ran += len(task.points)
            prog.failed += failed
            bar.update(len(task.points))
            if failed:
                bar.set_postfix(failed=prog.failed)
            if time.perf_counter() - last > 5:
                last = time.perf_counter()
                _mark(store, manifest, "running", prog)
        status = "complete" if prog.done == prog.total else "incomplete"
    finally:
        bar.close()
        executor.close()
        prog.seconds = time.perf_counter() - t0
        _mark(store, manifest, status, prog)
    return prog


def _mark(store: Store, manifest: dict, status: str, prog: Progress) -> None:
    manifest.update(
        status=status,
        runs_done=prog.done,
        runs_failed=prog.failed,
        updated=time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    )
    store.write_manifest(manifest)
