"""The outcomes the dashboard plots, as arrays by quarter, from a model's records.

Everything is summed over the areas shown (all of them, or one police force area of the
national model), so a run and its baseline are read the same way. Shares are total delivery
over total demand; engagement is the population-weighted mean over the areas that have such
a partner. Money is GBP per quarter.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from cspsim.vocab import PARTNER_TYPES

if TYPE_CHECKING:
    from cspsim.model.model import CSPModel

PARTNER_LABELS = {
    "police": "Police",
    "probation": "Probation",
    "health": "Health",
    "fire_rescue": "Fire and rescue",
    "youth_offending": "Youth offending",
    "county_council": "County council",
    "probation_nps": "National Probation Service",
}


@dataclass(frozen=True)
class Series:
    """Outcomes of one run for quarters ``0 .. n-1`` (``n`` = completed quarters).

    Attributes:
        dates: First day of each completed quarter (ISO strings, for the charts).
        duty_ids: Duties of the run, in the model's order.
        duty_names: Their names.
        demand: Demand (FTE) by quarter and duty, shape (n, duties).
        delivered: Delivery (FTE) by quarter and duty, shape (n, duties).
        eng_strategic: Strategic engagement by quarter and partner type, shape (n, 6), NaN
            where no area has such a partner.
        eng_operational: Operational engagement (share of expected work committed), same shape.
        team_fte: Council community safety teams (FTE) by quarter.
        spend_gbp: Spend on partnership work (GBP per quarter) by quarter.
        coordinator: CSPs' council areas with a dedicated coordinator, by quarter.
        analyst: Council areas with a dedicated analyst, by quarter.
        n_areas: Council areas summed over.
    """

    dates: list[str]
    duty_ids: tuple[str, ...]
    duty_names: tuple[str, ...]
    demand: np.ndarray
    delivered: np.ndarray
    eng_strategic: np.ndarray
    eng_operational: np.ndarray
    team_fte: np.ndarray
    spend_gbp: np.ndarray
    coordinator: np.ndarray
    analyst: np.ndarray
    n_areas: int

    @property
    def n(self) -> int:
        """Completed quarters."""
        return len(self.dates)

    @property
    def share_met(self) -> np.ndarray:
        """Share of demand met, all duties, by quarter (NaN without demand)."""
        dem = self.demand.sum(axis=1)
        dlv = self.delivered.sum(axis=1)
        return np.divide(dlv, dem, out=np.full(len(dem), np.nan), where=dem > 0)

    def share_met_by_duty(self, k: int) -> dict[str, float]:
        """Share of demand met in quarter ``k`` by duty id (duties with demand only)."""
        if not 0 <= k < self.n:
            return {}
        dem, dlv = self.demand[k], self.delivered[k]
        return {d: float(dlv[i] / dem[i]) for i, d in enumerate(self.duty_ids) if dem[i] > 0}

    @property
    def delivered_fte(self) -> np.ndarray:
        """Delivery (FTE), all duties, by quarter."""
        return self.delivered.sum(axis=1)

    @property
    def demand_fte(self) -> np.ndarray:
        """Demand (FTE), all duties, by quarter."""
        return self.demand.sum(axis=1)


def quarter_label(date: dt.date) -> str:
    """``2016 Q3`` for a quarter starting in July 2016 (calendar quarters)."""
    return f"{date.year} Q{(date.month - 1) // 3 + 1}"


def series_of(m: CSPModel, areas: np.ndarray | None = None, upto: int | None = None) -> Series:
    """Outcomes of ``m`` for its completed quarters (or those up to ``upto``).

    Args:
        m: A model (finished or not).
        areas: Council areas to sum over (default: all).
        upto: Last quarter to include (default: the model's last completed quarter).
    """
    t = m.t if upto is None else min(upto, m.t)
    k = slice(0, t + 1)
    rec = m.rec
    sel = np.arange(m.geo.n) if areas is None else np.asarray(areas)
    pop = m.geo.population[sel]
    demand = rec.demand[k][:, sel].sum(axis=1)
    delivered = rec.delivered[k][:, sel].sum(axis=1)
    engagement = []
    for arr in (rec.eng_strategic[k][:, :, sel], rec.eng_operational[k][:, :, sel]):
        has = ~np.isnan(arr)
        num = (np.where(has, arr, 0.0) * pop).sum(axis=2)
        den = (has * pop).sum(axis=2)
        engagement.append(np.divide(num, den, out=np.full(num.shape, np.nan), where=den > 0))
    return Series(
        dates=[q.isoformat() for q in m.sched.quarters[: t + 1]],
        duty_ids=tuple(m.duties.ids),
        duty_names=tuple(m.duties.names),
        demand=demand,
        delivered=delivered,
        eng_strategic=engagement[0],
        eng_operational=engagement[1],
        team_fte=rec.team_fte[k][:, sel].sum(axis=1),
        spend_gbp=rec.spend_gbp[k][:, sel].sum(axis=1),
        coordinator=rec.coordinator[k][:, sel].sum(axis=1),
        analyst=rec.analyst[k][:, sel].sum(axis=1),
        n_areas=len(sel),
    )


def short_duty_name(name: str) -> str:
    """A duty's name without its bracketed or comma-separated detail."""
    return name.split("(")[0].split(",")[0].strip()


__all__ = ["PARTNER_LABELS", "PARTNER_TYPES", "Series", "quarter_label", "series_of"]
