"""Small index helpers for the step's link and group sums (numpy only, no Mesa).

Links, CSPs and delivery units are numbered per epoch; a (partner type, area) cell without
a link has index -1. These helpers give such cells a *sink* index one past the last group,
so sums and gathers need no boolean masks: the sink collects the cells without a group and
is dropped (sums) or reads as 0 (gathers: a work array one longer than the groups, its last
entry 0). :class:`PartnerWeights` turns the step's contractions over (area, partner type,
duty) weights into small matrix products.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


def pad_index(index: np.ndarray, n_groups: int) -> np.ndarray:
    """``index`` with every negative entry replaced by the sink index ``n_groups``."""
    return np.where(index >= 0, index, n_groups)


def sum_by(keys: np.ndarray, values: np.ndarray, n_groups: int) -> np.ndarray:
    """Sum of ``values`` by group, where ``keys`` may hold the sink index ``n_groups``.

    Equals ``np.bincount(keys[keys < n_groups], values[keys < n_groups], n_groups)``.
    """
    return np.bincount(keys, weights=values, minlength=n_groups + 1)[:n_groups]


def safe_denominator(x: np.ndarray) -> np.ndarray:
    """``x`` with non-positive entries replaced by 1, for ratios that are 0 where ``x`` is 0.

    ``a / safe_denominator(x)`` equals ``np.where(x > 0, a / x, 0)`` whenever ``a`` is 0
    wherever ``x`` is 0 (e.g. delivery, commitment or allocation of a zero demand).
    """
    return np.where(x > 0, x, 1.0)


def is_identity(index: np.ndarray) -> bool:
    """True when ``index.ravel()`` is 0, 1, 2, ... (every cell is its own group)."""
    flat = index.ravel()
    return bool(np.array_equal(flat, np.arange(flat.size)))


@dataclass(frozen=True)
class PartnerWeights:
    """Partners' contribution weights ``W[:, 1:, :]`` factorised over the few distinct kinds of
    area (two-tier districts, where the county council contributes, and the rest).

    ``W[a, 1 + p, d] == by_kind[kind[a], p, d]``, so the step's two contractions of an
    (area, partner type, duty) array become one small matrix product each.

    Attributes:
        stack: ``by_kind`` stacked as rows ``kind * 7 + partner type``, (n_kinds * 7, n_duties).
        stack_t: ``stack.T``, contiguous.
        pick: Row ``area * n_kinds + kind[area]`` of each area in an (n_areas * n_kinds, 7)
            array.
        buffer: (n_areas * n_kinds, 7) work array, zero outside the ``pick`` rows.
        cell: Flat index of each (partner type, area), (7, n_areas): ``pick[area] * 7 +
            partner type``, its place in ``buffer`` and in an (n_areas, n_kinds * 7) array
            (row ``area``, column ``kind[area] * 7 + partner type``) alike.
    """

    stack: np.ndarray
    stack_t: np.ndarray
    pick: np.ndarray
    buffer: np.ndarray
    cell: np.ndarray

    @classmethod
    def of(cls, W: np.ndarray) -> PartnerWeights:
        """Factorise contribution weights of shape (n_areas, 7, n_duties)."""
        n, n_x, n_d = W.shape
        flat = np.ascontiguousarray(W[:, 1:, :].reshape(n, -1))
        kinds: dict[bytes, int] = {}  # kind of each distinct row, numbered by first area
        kind = np.array([kinds.setdefault(row.tobytes(), len(kinds)) for row in flat], dtype=int)
        n_k = len(kinds)
        _, first_area = np.unique(kind, return_index=True)
        stack = np.ascontiguousarray(flat[first_area].reshape(-1, n_d))
        pick = np.arange(n) * n_k + kind
        return cls(
            stack=stack,
            stack_t=np.ascontiguousarray(stack.T),
            pick=pick,
            buffer=np.zeros((n * n_k, n_x - 1)),
            cell=pick[None, :] * (n_x - 1) + np.arange(n_x - 1)[:, None],
        )

    def by_duty(self, share: np.ndarray) -> np.ndarray:
        """``sum_p share[p, a] * W[a, 1 + p, d]`` for ``share`` of shape (7, n_areas)."""
        by_duty: np.ndarray  # (n_areas, n_duties)
        if len(self.pick) == len(self.buffer):  # one kind of area
            by_duty = share.T @ self.stack
            return by_duty
        self.buffer.ravel()[self.cell] = share  # = buffer[pick] = share.T, without a transpose
        by_duty = self.buffer.reshape(len(self.pick), -1) @ self.stack
        return by_duty

    def by_partner(self, x: np.ndarray) -> np.ndarray:
        """``sum_d x[a, d] * W[a, 1 + p, d]``, shape (7, n_areas), for ``x`` (n_areas, n_duties)."""
        out: np.ndarray = x @ self.stack_t
        if len(self.pick) == len(self.buffer):
            return out.T
        return out.take(self.cell)  # = out.reshape(n * n_kinds, 6)[pick].T, contiguous
