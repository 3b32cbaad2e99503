"""Type aliases of the model layer (names for annotations only; numpy only, no Mesa)."""

from __future__ import annotations

import numpy as np

type FloatArray = float | np.ndarray
"""A rule's number or numbers: the agent engine calls the rules of :mod:`cspsim.model.submodels`
with one agent's Python floats (bools count as 0 and 1), the array engine with arrays of every
agent's; numpy broadcasts either way and returns the same kind."""
