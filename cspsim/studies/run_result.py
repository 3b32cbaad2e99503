"""What ``cspsim run`` (and ``cspsim.run``) returns, and ``cspsim.load`` reads back from a run's
folder; its own module so that :mod:`cspsim.studies.api` and :mod:`cspsim.studies.results` both
use it without importing each other."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from cspsim.inputs.scenario import Scenario


@dataclass
class RunResult:
    """Replicates of one scenario (what ``cspsim run`` writes).

    Attributes:
        scenario: The resolved scenario.
        frame: Every quarter, area and replicate (``timeseries.parquet``).
        summary: Headline outcomes by group and period with 95% intervals (``summary.csv``).
        survey: The synthetic survey of ``survey_year`` (``survey_<year>.csv``).
        survey_year: First simulated calendar year.
        root_seed: Root seed; ``seeds`` are the replicates' seeds.
        workers: Local processes used (Dask: the cluster's worker threads are not counted).
        wall_time_s: Time taken by the runs.
        files: Files written to ``out`` (none without ``out``).
        csp_of_area: Each council area's CSP (``unit`` of the frame) in the first quarter
            and in the last, for the map.
        areas: Each council area's council and CSP by period, with ONS codes (``areas.csv``;
            see :func:`cspsim.analysis.outputs.area_table`).
    """

    scenario: Scenario
    frame: pd.DataFrame
    summary: pd.DataFrame
    survey: pd.DataFrame
    survey_year: int
    root_seed: int
    seeds: list[int]
    workers: int
    wall_time_s: float
    files: list[str] = field(default_factory=list)
    csp_of_area: dict[str, tuple[str, str]] = field(default_factory=dict)
    areas: pd.DataFrame = field(default_factory=pd.DataFrame)

    @property
    def replicates(self) -> int:
        """Number of replicates."""
        return len(self.seeds)
