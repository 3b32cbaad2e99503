"""Agencies that merge during a run (ICB mergers): which levels merge, and where.

Switching a partner type to a merger level (the data's ICBs after April 2026, or a
scenario's ``[[geography.merge_icbs]]``) shakes engagement only in the areas whose agency
merged or moved (:func:`regrouped`), not in every area of the partner type as a national
reorganisation does (:func:`cspsim.model.epochs.build_epochs`). Pure numpy.
"""

from __future__ import annotations

import numpy as np

from cspsim.inputs.icb_mergers import MERGED_PREFIX

# The data's dated level reached by merging some ICBs of the level before it.
MERGER_LEVELS = ("health_icb_2026",)


def is_merger_level(level: str) -> bool:
    """Whether switching to ``level`` merges agencies (a local shock, see the module)."""
    return level in MERGER_LEVELS or level.startswith(MERGED_PREFIX)


def regrouped(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Areas whose group of areas differs between agency assignments ``a`` and ``b``
    (their agency merged with another, or the area moved), (n_areas,) bool.

    An area without an agency (-1) in either counts as alone there.
    """
    own = np.arange(len(a)) + max(int(a.max(initial=0)), int(b.max(initial=0))) + 1
    _, ia = np.unique(np.where(a >= 0, a, own), return_inverse=True)
    _, ib = np.unique(np.where(b >= 0, b, own), return_inverse=True)
    # An area keeps its group iff its old group maps onto one new group and back.
    new_per_old = np.bincount(np.unique(np.stack([ia, ib]), axis=1)[0])
    old_per_new = np.bincount(np.unique(np.stack([ib, ia]), axis=1)[0])
    out: np.ndarray = (new_per_old[ia] > 1) | (old_per_new[ib] > 1)
    return out
