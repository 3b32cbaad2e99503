"""Councils' own priority for community safety, drifting year by year (ODD 7.1).

Councils did not all shrink their community safety teams after 2010 (issue 12, item 8): under
the same funding path some protected or grew theirs while others cut deeper. The model gives
each council a priority for community safety, a multiplier on its own funding of the team
(not on its grants, and not on the budget pressure that drives grant diversion, which follow
the council's whole budget). The priority is 1 in the run's first financial year and then
follows a random walk on the log scale, one step at the start of each later financial year:

    log priority(y) = log priority(y - 1) + e(a, y),   e ~ Normal(-sd^2 / 2, sd^2)

The drift of -sd^2 / 2 keeps the mean priority at 1 in every year, so the national funding path
is unchanged on average. ``sd`` is the registry's ``council_priority_drift_sd`` (an
assumption). The draws come from a stream of their own (the run's fourth ``SeedSequence``
child), so the other draws of a run, and every result of its first year, do not depend on it.
"""

from __future__ import annotations

import numpy as np


def team_priority(fy: np.ndarray, n_areas: int, sd: float, rng: np.random.Generator) -> np.ndarray:
    """Each council's priority for community safety by step, (n_steps, n_areas).

    Args:
        fy: Financial year of each step (e.g. 2009 for 2009-10), non-decreasing, (n_steps,).
        n_areas: Number of council areas.
        sd: Standard deviation of the yearly step on the log scale (``council_priority_drift_sd``).
        rng: The run's priority stream.

    Returns:
        1.0 in the first financial year; thereafter exp of the random walk up to that year.
        The draws always have the same shape, (years after the first, n_areas), so paired
        scenarios with the same seed share them.
    """
    years = np.unique(fy)
    z = rng.standard_normal((len(years) - 1, n_areas))
    steps = sd * z - sd * sd / 2
    walk = np.vstack([np.zeros((1, n_areas)), np.cumsum(steps, axis=0)])
    out: np.ndarray = np.exp(walk)[np.searchsorted(years, fy)]
    return out
