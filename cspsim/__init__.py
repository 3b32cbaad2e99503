"""cspsim: an agent-based simulator of community safety partnership capacity.

From Python: ``cspsim.run(scenario, ...)``, ``cspsim.compare(scenarios, ...)`` and
``cspsim.sweep(experiment, ...)`` do what ``cspsim run``, ``compare`` and ``sensitivity`` do,
``cspsim.load(folder)`` reads their output folders back, ``cspsim.export_ema(folder)`` writes a
sweep for EMA Workbench and ``cspsim.discover(folder, outcome, below=X)`` runs PRIM on it
(:mod:`cspsim.studies.api`, ``docs/API.md``); ``CSPModel`` is one run.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from cspsim.inputs.scenario import Scenario, ScenarioError, load_scenario

if TYPE_CHECKING:
    from cspsim.analysis.comparison import Comparison
    from cspsim.model.model import CSPModel
    from cspsim.studies.api import RunResult, compare, run
    from cspsim.studies.discovery import Discovery, discover
    from cspsim.studies.results import SweepResults, export_ema, load, sweep

__version__ = "0.1.0"
__all__ = [
    "CSPModel",
    "Comparison",
    "Discovery",
    "RunResult",
    "Scenario",
    "ScenarioError",
    "SweepResults",
    "__version__",
    "compare",
    "discover",
    "export_ema",
    "load",
    "load_scenario",
    "run",
    "sweep",
]

# Imported lazily so `cspsim check` stays quick and config-only users avoid Mesa and pandas.
_LAZY = {
    "CSPModel": "cspsim.model.model",
    "Comparison": "cspsim.analysis.comparison",
    "RunResult": "cspsim.studies.api",
    "compare": "cspsim.studies.api",
    "run": "cspsim.studies.api",
    "Discovery": "cspsim.studies.discovery",
    "discover": "cspsim.studies.discovery",
    "SweepResults": "cspsim.studies.results",
    "export_ema": "cspsim.studies.results",
    "load": "cspsim.studies.results",
    "sweep": "cspsim.studies.results",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(name)
    import importlib

    return getattr(importlib.import_module(module), name)
