"""Sensitivity analysis of cspsim (and of any model function) with SALib.

One module per concern:

* :mod:`~cspsim.studies.sensitivity.schema`, :mod:`~cspsim.studies.sensitivity.checks` and
  :mod:`~cspsim.studies.sensitivity.experiment`: experiment files, validated before any run;
* :mod:`~cspsim.studies.sensitivity.outcomes`: scalar outcomes of a run
  (``experiments/outcomes.toml``);
* :mod:`~cspsim.studies.sensitivity.methods`: the SALib methods behind one plug-in shape;
* :mod:`~cspsim.studies.sensitivity.design`: problem, sample, seeds and tasks;
* :mod:`~cspsim.studies.sensitivity.worker`: what a worker runs (the model function);
* :mod:`~cspsim.studies.sensitivity.store`: Parquet chunks plus a manifest, safe to kill;
* :mod:`~cspsim.studies.executor` (shared with the other studies): this process, a local
  pool, or Dask;
* :mod:`~cspsim.studies.sensitivity.sweep`: plan, output folder, resumable runs;
* :mod:`~cspsim.studies.sensitivity.analysis`, :mod:`~cspsim.studies.sensitivity.plots`,
  :mod:`~cspsim.studies.sensitivity.report`: indices, convergence, failures, files;
* :mod:`~cspsim.studies.sensitivity.api`: all of it as Python functions;
* :mod:`~cspsim.studies.sensitivity.testfns`: analytic model functions (Ishigami ...).

The command is ``cspsim sensitivity`` (``cspsim/cli/sensitivity.py``); the guide is
``docs/SENSITIVITY.md``.
"""

from cspsim.studies.sensitivity.api import analyze, make_executor, run_experiment, sweep
from cspsim.studies.sensitivity.experiment import ExperimentError, load_experiment
from cspsim.studies.sensitivity.sweep import SweepError, plan

__all__ = [
    "ExperimentError",
    "SweepError",
    "analyze",
    "load_experiment",
    "make_executor",
    "plan",
    "run_experiment",
    "sweep",
]
