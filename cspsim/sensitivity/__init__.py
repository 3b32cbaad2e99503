"""Sensitivity analysis of cspsim (and of any model function) with SALib.

One module per concern:

* :mod:`~cspsim.sensitivity.experiment` and :mod:`~cspsim.sensitivity.checks`: experiment
  files, validated before any run;
* :mod:`~cspsim.sensitivity.outcomes`: scalar outcomes of a run (``experiments/outcomes.toml``);
* :mod:`~cspsim.sensitivity.methods`: the SALib methods behind one plug-in shape;
* :mod:`~cspsim.sensitivity.design`: problem, sample, seeds and tasks;
* :mod:`~cspsim.sensitivity.worker`: what a worker runs (the model function);
* :mod:`~cspsim.sensitivity.store`: Parquet chunks plus a manifest, safe to kill;
* :mod:`~cspsim.sensitivity.executor`: this process, a local pool, or Dask;
* :mod:`~cspsim.sensitivity.sweep`: plan, output folder, resumable runs;
* :mod:`~cspsim.sensitivity.analysis`, :mod:`~cspsim.sensitivity.plots`,
  :mod:`~cspsim.sensitivity.report`: indices, convergence, failures, files;
* :mod:`~cspsim.sensitivity.api`: all of it as Python functions;
* :mod:`~cspsim.sensitivity.testfns`: analytic model functions (Ishigami ...).

The command is ``cspsim sensitivity`` (``cspsim/sensitivity_cli.py``); the guide is
``docs/SENSITIVITY.md``.
"""

from cspsim.sensitivity.api import analyze, make_executor, run_experiment, sweep
from cspsim.sensitivity.experiment import ExperimentError, load_experiment
from cspsim.sensitivity.sweep import SweepError, plan

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
