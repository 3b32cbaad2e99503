"""Analytic model functions for testing and measuring the sensitivity plumbing.

Like SALib's ``test_functions``: name one in an experiment file with
``model = "cspsim.studies.sensitivity.testfns:ishigami"`` and the sweep runs it instead of the
cspsim model, through the same sampling, store, executors and analysis. A model function
takes ``(values, seed)`` and returns a dict of named outputs.
"""

from __future__ import annotations

import math
import time
from typing import Any

import numpy as np

# Ishigami & Homma (1990) with a = 7, b = 0.1 on [-pi, pi]^3: exact first-order and total
# indices (Saltelli et al. 2008, Global Sensitivity Analysis: The Primer, p. 179).
ISHIGAMI_S1 = (0.3139, 0.4424, 0.0)
ISHIGAMI_ST = (0.5576, 0.4424, 0.2437)


def ishigami(values: dict[str, Any], seed: int) -> dict[str, float]:
    """The Ishigami function of ``x1``, ``x2``, ``x3`` (deterministic: the seed is unused).

    References:
        Ishigami, T., Homma, T. (1990). An importance quantification technique in
        uncertainty analysis for computer models. doi:10.1109/ISUMA.1990.151285
    """
    x1, x2, x3 = values["x1"], values["x2"], values["x3"]
    return {"y": math.sin(x1) + 7.0 * math.sin(x2) ** 2 + 0.1 * x3**4 * math.sin(x1)}


def ishigami_failing(values: dict[str, Any], seed: int) -> dict[str, float]:
    """Ishigami, but raises where ``x1 > 2`` (a deliberately failing parameter region)."""
    if values["x1"] > 2.0:
        raise ValueError(f"deliberate failure: x1 = {values['x1']:.3f} > 2")
    return ishigami(values, seed)


def noisy_linear(values: dict[str, Any], seed: int) -> dict[str, float]:
    """``sum(i * x_i) + noise`` with the noise drawn from the run's seed (replicates differ)."""
    noise = np.random.default_rng(seed).normal(0.0, 0.1)
    total = sum(i * float(values[k]) for i, k in enumerate(sorted(values), start=1))
    return {"y": total + float(noise)}


def trivial(values: dict[str, Any], seed: int) -> dict[str, float]:
    """A near-zero-cost model (for measuring the runner's own overhead and memory)."""
    return {"y": float(sum(values.values())) + (seed % 7) * 1e-3}


def ishigami_slow(values: dict[str, Any], seed: int) -> dict[str, float]:
    """Ishigami taking 20 ms a run (for tests that stop a cluster part-way through a sweep)."""
    time.sleep(0.02)
    return ishigami(values, seed)
