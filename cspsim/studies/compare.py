"""Paired comparison of scenarios on common random numbers: run them, then tabulate.

Every scenario runs on the same replicate seeds, so replicate k of scenario B differs from
replicate k of the reference (the first scenario) only by what the scenarios change; the
tables and intervals are :mod:`cspsim.analysis.comparison`'s.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from cspsim.analysis.comparison import (
    Comparison,
    comparison_table,
    headline_half_width,
    period_values,
)
from cspsim.inputs.scenario import Scenario
from cspsim.studies.runner import Job, replicate_seeds, run_jobs


class _Progress:
    """Counts finished runs and reports ``(done, total)``."""

    def __init__(self, report: Callable[[int, int], None] | None, done: int, total: int):
        self.report, self.done, self.total = report, done, total

    def __call__(self, n: int) -> None:
        self.done += n
        if self.report:
            self.report(self.done, self.total)


def run_comparison(
    scenarios: list[Scenario],
    base_dirs: list[Path],
    root_seed: int,
    replicates: int,
    *,
    precision: float | None = None,
    max_replicates: int = 200,
    workers: int = 1,
    progress: Callable[[int, int], None] | None = None,
) -> Comparison:
    """Run every scenario on the same replicate seeds and compare them with the first.

    With ``precision``, replicates are added in batches until the headline half-width is
    below it or ``max_replicates`` is reached (``reached`` says which).

    Args:
        progress: Called as ``progress(done, total)`` when a run finishes.
    """
    reference = scenarios[0].name
    target = replicates
    frames: list[pd.DataFrame] = []
    done, batches = 0, []
    while True:
        seeds = replicate_seeds(root_seed, target)
        jobs = [
            Job(sc, k, seeds[k], base, csp_rows=False)
            for k in range(done, target)
            for sc, base in zip(scenarios, base_dirs, strict=True)
        ]
        counter = _Progress(progress, len(scenarios) * done, len(scenarios) * target)
        frames.extend(run_jobs(jobs, workers=workers, progress=counter))
        batches.append(target - done)
        done = target
        frame = pd.concat(frames, ignore_index=True)
        table = comparison_table(period_values(frame), reference)
        hw = headline_half_width(table, reference)
        if precision is None or done >= max_replicates or (not math.isnan(hw) and hw <= precision):
            break
        # Interval width falls as 1/sqrt(n): aim for the target with 20% to spare, growing by
        # at most four times per batch so an early noisy estimate cannot overshoot far.
        need = done * (hw / precision) ** 2 * 1.2 if hw > 0 and not math.isnan(hw) else 2 * done
        target = int(min(max_replicates, max(done + 2, min(4 * done, math.ceil(need)))))
    reached = precision is None or (not math.isnan(hw) and hw <= precision)
    frame = frame.sort_values(["scenario", "replicate", "level", "unit", "step"], kind="stable")
    return Comparison(
        frame, table, replicate_seeds(root_seed, done), done, precision, hw, reached, batches
    )
