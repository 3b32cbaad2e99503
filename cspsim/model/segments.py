"""The run cut into stretches whose tables the array engine works out before the first step.

An *epoch* (:mod:`cspsim.model.world`) is a stretch of quarters with one structure; a
*segment* is a stretch within one epoch with one set of duties in force and of statutory
bindings. Nothing here depends on the evolving state, so :class:`cspsim.model.model.CSPModel`
builds it once and each step only reads it. Each submodel builds its own tables
(``build_epoch_tables`` and ``build_segment_tables`` in :mod:`cspsim.model.submodels`); this
module only cuts the run into segments and bundles the tables.

Arrays are computed with the same floating-point operations as the step would use, so
precomputing changes results by rounding at most (sums may add in a different order).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from cspsim.model.linkops import PartnerWeights
from cspsim.model.schedule import Schedule
from cspsim.model.submodels import adaptation, commitments, delivery
from cspsim.model.submodels.demand import Workload, workload
from cspsim.model.world import Epoch

if TYPE_CHECKING:
    from cspsim.model.model import CSPModel


@dataclass(frozen=True)
class EpochTables:
    """An epoch's tables, by submodel.

    Attributes:
        epoch: The epoch.
        start, stop: Its steps, ``range(start, stop)``.
        nan_where_none: 0 where the area has a partner of that type, NaN elsewhere (for the
            record), (7, n_areas).
        W_partners: The epoch's partner contribution weights, factorised (``ep.W``).
        commitments, delivery, adaptation: Each submodel's tables for the epoch.
    """

    epoch: Epoch
    start: int
    stop: int
    nan_where_none: np.ndarray
    W_partners: PartnerWeights
    commitments: commitments.EpochTables
    delivery: delivery.EpochTables
    adaptation: adaptation.EpochTables


def build_epoch_tables(
    m: CSPModel,
    ep: Epoch,
    stop: int,
    dilution: np.ndarray,
    weights: dict[int, PartnerWeights] | None = None,
) -> EpochTables:
    """Tables of epoch ``ep``, in force for steps ``ep.start_step`` to ``stop - 1``;
    ``dilution`` is already centred on the 2009 reference. ``weights`` (by ``id(ep.W)``) lets
    epochs with the same contribution weights share their factorisation."""
    weights = {} if weights is None else weights
    if id(ep.W) not in weights:
        weights[id(ep.W)] = PartnerWeights.of(ep.W)
    return EpochTables(
        epoch=ep,
        start=ep.start_step,
        stop=stop,
        nan_where_none=np.where(ep.link_of >= 0, 0.0, np.nan),
        W_partners=weights[id(ep.W)],
        commitments=commitments.build_epoch_tables(m, ep, stop),
        delivery=delivery.build_epoch_tables(m, ep),
        adaptation=adaptation.build_epoch_tables(m, ep, dilution),
    )


@dataclass(frozen=True)
class Segment:
    """Steps ``start`` to ``stop - 1``: one epoch, one set of duties in force and bindings.

    Attributes:
        tables: The epoch's tables.
        work: Demand and the partners' expected shares of it.
        commitments, delivery, adaptation: Each submodel's tables for the segment.
    """

    start: int
    stop: int
    tables: EpochTables
    work: Workload
    commitments: commitments.SegmentTables
    delivery: delivery.SegmentTables
    adaptation: adaptation.SegmentTables

    @property
    def start_of_epoch(self) -> int:
        """First step of the segment's epoch (its tables by step are indexed from there)."""
        return self.tables.start


def segment_starts(sched: Schedule, epoch_of_step: np.ndarray) -> list[int]:
    """First step of each segment: where the epoch, duties in force (or their workload),
    bindings, the cost of an FTE or the money dedicated to duties change."""
    d, b, nb = sched.duty_level, sched.bound, sched.new_burdens_gbp
    change = (
        (np.diff(epoch_of_step) != 0)
        | (d[1:] != d[:-1]).any(axis=1)
        | (b[1:] != b[:-1]).any(axis=(1, 2))
        | (sched.cost_per_fte_gbp[1:] != sched.cost_per_fte_gbp[:-1])
        | (nb[1:] != nb[:-1]).any(axis=1)
    )
    return [0, *(np.flatnonzero(change) + 1).tolist()]


def build_segments(
    m: CSPModel, tables: list[EpochTables], adaptation_run: adaptation.RunTables
) -> tuple[list[Segment], np.ndarray]:
    """All segments of a run, and the segment of each step."""
    sched = m.sched
    starts = segment_starts(sched, m.epoch_of_step)
    stops = [*starts[1:], sched.n_steps]
    # Workloads by duties in force, bindings and contribution weights (epochs share them).
    workloads: dict[tuple[bytes, int], Workload] = {}
    bound_w = np.empty_like(m.W)  # reused work array
    segments = []
    bound_share0 = None  # bound shares at the first step: statutory pressure is the change
    for start, stop in zip(starts, stops, strict=True):
        tab = tables[m.epoch_of_step[start]]
        ep = tab.epoch
        key = (sched.duty_level[start].tobytes() + sched.bound[start].tobytes(), id(ep.W))
        if key not in workloads:
            workloads[key] = workload(
                m.demand_full, ep.W, sched.duty_level[start], sched.bound[start], bound_w
            )
        work = workloads[key]
        if bound_share0 is None:
            bound_share0 = work.bound_share
        segments.append(
            Segment(
                start=start,
                stop=stop,
                tables=tab,
                work=work,
                commitments=commitments.build_segment_tables(
                    ep, tab.commitments, work, m.P.statutory_floor
                ),
                delivery=delivery.build_segment_tables(m, ep, tab.delivery, work, start, stop),
                adaptation=adaptation.build_segment_tables(
                    m, adaptation_run, tab.adaptation, work, bound_share0
                ),
            )
        )
    segment_of_step = np.repeat(np.arange(len(starts)), np.subtract(stops, starts))
    return segments, segment_of_step
