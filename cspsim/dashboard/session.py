"""One browser session's model state: base scenario, control values, baseline run, model.

The session is plain Python (no Solara), so it can be tested and timed without a browser.
:class:`DashboardModel` is the Mesa model the page steps: a :class:`~cspsim.model.model.CSPModel`
built from the session's base scenario with its current lever values
(:func:`cspsim.inputs.scenario.with_values`, same seed as the baseline), optionally replayed to a
given quarter so that moving a control mid-run redraws the whole trajectory at once.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import numpy as np

from cspsim.dashboard.controls import Control, base_values, build_controls, changed_values
from cspsim.dashboard.lessons import Lesson
from cspsim.dashboard.network import areas_in_view, default_force, force_options
from cspsim.dashboard.series import Series, series_of
from cspsim.inputs.scenario import Scenario, load_scenario, with_values
from cspsim.model.model import CSPModel


class Session:
    """Base scenario, current lever values and the precomputed baseline of one page.

    Args:
        scenario_path: Base scenario file.
        seed: Seed of the run and its baseline (default: the scenario's ``run.seed``).

    Attributes:
        path: Base scenario file.
        base: The base scenario as loaded.
        seed: Seed used for the baseline and every rebuilt run.
        controls: One control per lever.
        base_values: Control values that reproduce the base scenario.
        values: Current control values (lever units).
        lesson: The lesson whose values were applied last, if any.
        baseline: The base scenario's finished run (same seed).
        force: Police force area shown in the network and plots (national scenarios).
    """

    def __init__(self, scenario_path: str | Path, seed: int | None = None):
        self.lesson: Lesson | None = None
        self._series: dict[tuple, Series] = {}
        self.load(scenario_path, seed)

    def load(self, scenario_path: str | Path, seed: int | None = None) -> None:
        """Switch to another base scenario (levers back to its values, baseline rerun).

        Raises:
            ScenarioError: the scenario file is invalid.
        """
        path = Path(scenario_path).resolve()
        base = load_scenario(path)
        self.path, self.base = path, base
        self.seed = base.run.seed if seed is None else int(seed)
        self.controls: list[Control] = build_controls(base)
        self.base_values = base_values(base, self.controls)
        self.values: dict[str, Any] = dict(self.base_values)
        self.lesson = None
        self._run_baseline()
        self.force = default_force(self.baseline.geo)

    def _run_baseline(self) -> None:
        t0 = time.perf_counter()
        self.baseline = CSPModel(self.base, seed=self.seed, base_dir=self.path.parent).run()
        self.baseline_ms = 1000 * (time.perf_counter() - t0)
        self._series.clear()

    def set_seed(self, seed: int) -> None:
        """Use another seed for the run and its baseline."""
        if int(seed) != self.seed:
            self.seed = int(seed)
            self._run_baseline()

    def apply_lesson(self, lesson: Lesson) -> None:
        """Load the lesson's base scenario (if needed) and set its lever values."""
        if lesson.scenario.resolve() != self.path:
            self.load(lesson.scenario, None)
        values = self._lesson_values(lesson)
        self.scenario_for(values)  # validate before committing
        self.values, self.lesson = values, lesson

    def start_values(self) -> dict[str, Any]:
        """Where "Undo lever changes" goes back to: the lesson's levers, else the scenario's."""
        return self._lesson_values(self.lesson)

    def _lesson_values(self, lesson: Lesson | None) -> dict[str, Any]:
        values = dict(self.base_values)
        for name, value in (lesson.values if lesson else {}).items():
            control = self.control(name)
            values[name] = (
                control.to_display(value) if control.kind in ("choice", "boolean") else value
            )
        return values

    def moved(self, name: str, value: Any, t: int) -> dict[str, Any]:
        """The lever values after moving ``name`` to ``value`` at quarter index ``t``.

        A cut switched on whose start year is still the scenario's placeholder (the
        scenario sets no such cut and the year was not moved) starts in the financial year
        of the current quarter, so that it bites at once instead of in a year nobody chose.
        """
        new = {**self.values, name: value}
        if name.startswith("cut_pct__"):
            year = "cut_start_year__" + name.removeprefix("cut_pct__")
            switched_on = float(self.values.get(name, 0)) <= 0 < float(value)
            unset = float(self.base_values.get(name, 0)) <= 0 and (
                self.values.get(year) == self.base_values.get(year)
            )
            if year in new and switched_on and unset:
                c = self.control(year)
                q = self.baseline.sched.quarters[max(t, 0)]
                financial_year = q.year if q.month >= 4 else q.year - 1  # cuts start 1 April
                new[year] = int(min(max(financial_year, c.lower), c.upper))
        return new

    def control(self, name: str) -> Control:
        """The control of a lever."""
        for c in self.controls:
            if c.name == name:
                return c
        raise KeyError(name)

    def changed(self, values: dict[str, Any] | None = None) -> dict[str, Any]:
        """Levers that differ from the base scenario (with the levers they need)."""
        return changed_values(self.values if values is None else values, self.base_values)

    def scenario_for(self, values: dict[str, Any] | None = None) -> Scenario:
        """The base scenario with ``values`` (default: the current ones) applied.

        Raises:
            ScenarioError: a value is out of bounds or the result is invalid.
        """
        changed = self.changed(values)
        return with_values(self.base, changed) if changed else self.base

    @property
    def labels(self) -> dict[str, str]:
        """On-screen label of every lever, by name."""
        return {c.name: c.label for c in self.controls}

    @property
    def areas(self) -> np.ndarray:
        """Council areas shown (all, or the selected force area's)."""
        return areas_in_view(self.baseline.geo, self.force)

    @property
    def forces(self) -> list[str]:
        """Police force areas to choose from (empty for a small scenario)."""
        return force_options(self.baseline.geo)

    def baseline_series(self) -> Series:
        """The baseline's outcomes over the areas shown (cached)."""
        key = (self.seed, self.force)
        if key not in self._series:
            self._series[key] = series_of(self.baseline, self.areas)
        return self._series[key]

    @property
    def span(self) -> tuple[str, str]:
        """First and last quarter of the run (ISO dates, for the time axes)."""
        q = self.baseline.sched.quarters
        return q[0].isoformat(), q[-1].isoformat()


class DashboardModel(CSPModel):
    """The model the dashboard steps: the session's scenario with its current levers.

    Mesa's model controller builds it again on Reset, with ``session`` and ``seed`` from its model
    parameters.

    Args:
        session: The page's session (base scenario, lever values, seed).
        seed: Seed; a new one also reruns the baseline (default: the session's).
        replay_to: Run this many quarters at once (index of the last one; -1 = none).
    """

    def __init__(self, session: Session, seed: int | None = None, replay_to: int = -1):
        if seed is not None:
            session.set_seed(seed)
        t0 = time.perf_counter()
        super().__init__(session.scenario_for(), seed=session.seed, base_dir=session.path.parent)
        self.session = session
        self.values = dict(session.values)
        self.step_ms = 0.0
        while self.running and self.t < replay_to:
            self.step()  # Mesa's wrapped step: advances ``time`` as stepping would
        self.build_ms = 1000 * (time.perf_counter() - t0)

    def step(self) -> None:
        """Advance one quarter, timing it (``step_ms``)."""
        t0 = time.perf_counter()
        super().step()
        self.step_ms = 1000 * (time.perf_counter() - t0)
