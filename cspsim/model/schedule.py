"""Everything a scenario fixes in advance, as arrays by step (no randomness, no Mesa)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import cast

import numpy as np

from cspsim.inputs.duties import DutyTable
from cspsim.inputs.funds import scenario_grants
from cspsim.inputs.scenario import Agency, Scenario
from cspsim.model.timeline import (
    active_from,
    cut_multiplier,
    financial_year,
    index_series,
    quarter_starts,
    yearly_amounts,
)
from cspsim.vocab import CONTRIBUTORS, FUNDED_AGENCIES, PARTNER_TYPES, SPLIT_FROM


@dataclass(frozen=True)
class Schedule:
    """Dated inputs of a run, by step.

    Attributes:
        quarters: First day of each simulated quarter.
        fy: Financial year of each step.
        year_start: True in the first quarter of a financial year (April).
        budget_index: Budget multiplier relative to the start, shape (n_steps, 8), columns in
            ``FUNDED_AGENCIES`` order (council first). The county council's column is its
            money index over the cost index (the staff it pays for); the National Probation
            Service's follows probation's index unless the scenario gives its own.
        grant_direct_gbp: Grants paid straight to CSPs, per year, shape (n_steps,).
        grant_direct_ring_fenced: Ring-fenced part of ``grant_direct_gbp``.
        grant_pcc_gbp: Grants paid to PCCs (or to CSPs before PCCs exist), per year.
        grant_pcc_ring_fenced: Ring-fenced part of ``grant_pcc_gbp`` (never diverted).
        grant_pcc_central_gbp: Grants paid to PCCs for their own commissioning, per year
            (0 before PCCs are in office, when they are paid to CSPs directly).
        pcc_active: True once PCCs are in office.
        duty_active: Shape (n_steps, n_duties): in force (after its start, before its end).
        duty_level: Workload multiplier of each duty, shape (n_steps, n_duties): 0 where
            not in force, else its ``workload_index`` for the step's financial year (1 where
            the catalogue gives none).
        bound: Contributor bound to duty, shape (n_steps, 8, n_duties) (CONTRIBUTORS order).
        new_burdens_gbp: Money dedicated to a duty while it is in force, per year (GBP,
            England), shape (n_steps, n_duties): new-burdens payments, and for
            ``drugs_alcohol_public_health`` the public health grant's community safety share
            (``public_health_grant_cs_share`` of ``funding.public_health_grant_gbp``).
        levers_active: True once the coordinator/analyst levers apply.
        pcc_model: The PCC fund's funding model in force at each step in every force area
            (``pcc.funding_model``, then the ``pcc.changes`` for all forces), shape (n_steps,);
            by force: :func:`cspsim.model.overrides.pcc_models`.
        annual: Grants are allocated annually (late) rather than for several years at each
            step (``funding.allocation``, then ``funding.allocation_changes``), (n_steps,).
        cost_per_fte_gbp: Annual cost of one FTE at each step (GBP): the registry's
            ``cost_per_fte_gbp`` (2009) times the scenario's ``cost_per_fte_index``.
        council_pressure: Councils' budget pressure, shape (n_steps,): the share of its 2009
            staff that the council budget index no longer pays for (budget index over the
            cost index, so a cash budget that keeps up with pay brings no pressure).
    """

    quarters: list[dt.date]
    fy: np.ndarray
    year_start: np.ndarray
    budget_index: np.ndarray
    grant_direct_gbp: np.ndarray
    grant_direct_ring_fenced: np.ndarray
    grant_pcc_gbp: np.ndarray
    grant_pcc_ring_fenced: np.ndarray
    grant_pcc_central_gbp: np.ndarray
    pcc_active: np.ndarray
    duty_active: np.ndarray
    duty_level: np.ndarray
    bound: np.ndarray
    new_burdens_gbp: np.ndarray
    levers_active: np.ndarray
    pcc_model: np.ndarray
    annual: np.ndarray
    cost_per_fte_gbp: np.ndarray
    council_pressure: np.ndarray

    @property
    def n_steps(self) -> int:
        """Number of quarters simulated."""
        return len(self.quarters)


PUBLIC_HEALTH_DUTY = "drugs_alcohol_public_health"  # the duty the public health grant funds


def build_schedule(
    scenario: Scenario,
    duties: DutyTable,
    cost_per_fte_gbp: float,
    public_health_cs_share: float = 0.0,
) -> Schedule:
    """Turn the scenario's dated inputs into arrays by step.

    Args:
        scenario: The scenario.
        duties: Its duty table.
        cost_per_fte_gbp: Annual cost of one FTE in 2009 (the registry's value).
        public_health_cs_share: Share of the public health grant that funds the upper-tier
            councils' community safety drug and alcohol work (the registry's
            ``public_health_grant_cs_share``).
    """
    quarters = quarter_starts(scenario.time.start, scenario.time.end)
    seen: dict[dt.date, np.ndarray] = {}

    def active(start: dt.date) -> np.ndarray:
        """``active_from(quarters, start)``, computed once per date."""
        if start not in seen:
            seen[start] = active_from(quarters, start)
        return seen[start].copy()

    fy = np.array([financial_year(q) for q in quarters])
    # Grants and budgets are set per financial year, which starts in April.
    year_start = np.r_[False, fy[1:] != fy[:-1]]
    index = np.ones((len(quarters), len(FUNDED_AGENCIES)))
    for k, agency in enumerate(FUNDED_AGENCIES):
        # A split-off partner (the NPS) follows the budget of the service it split from
        # unless the scenario gives its own (agency: an Agency name).
        points = scenario.funding.index.get(
            cast(Agency, agency),
            scenario.funding.index.get(cast(Agency, SPLIT_FROM.get(agency, agency)), {}),
        )
        index[:, k] = index_series(points, fy)
    for cut in scenario.funding.cuts:
        k = FUNDED_AGENCIES.index(cut.agency)
        index[:, k] *= cut_multiplier(quarters, cut.start, cut.pct, cut.years)
    index = np.maximum(index, 0.0)
    cost_index = index_series(scenario.funding.cost_per_fte_index, fy)
    # The county council's index is money, like the council's: its partnership capacity is
    # what that money buys at the year's cost of an FTE.
    index[:, FUNDED_AGENCIES.index("county_council")] /= cost_index

    pcc_active = active(scenario.pcc.elected)
    direct = np.zeros(len(quarters))
    direct_rf = np.zeros(len(quarters))
    via_pcc = np.zeros(len(quarters))
    via_pcc_rf = np.zeros(len(quarters))
    pcc_central = np.zeros(len(quarters))
    for g in scenario_grants(scenario):
        if g.path == "capital":  # buys no staff capacity (see Grant)
            continue
        amounts = yearly_amounts(g.gbp_per_year, fy)
        if g.end is not None:  # a time-limited grant: nothing from its end on
            amounts = np.where(active(g.end), 0.0, amounts)
        if g.path == "pcc":
            via_pcc += np.where(pcc_active, amounts, 0.0)
            if g.ring_fenced:
                via_pcc_rf += np.where(pcc_active, amounts, 0.0)
            amounts = np.where(pcc_active, 0.0, amounts)
        elif g.path == "pcc_central":
            pcc_central += np.where(pcc_active, amounts, 0.0)
            amounts = np.where(pcc_active, 0.0, amounts)
        direct += amounts
        if g.ring_fenced:
            direct_rf += amounts

    duty_active = np.stack(
        [
            active(s) & (~active(e) if e is not None else True)
            for s, e in zip(duties.start, duties.end, strict=True)
        ],
        axis=1,
    )
    level = np.stack([index_series(g, fy) for g in duties.workload_index], axis=1)
    duty_level = np.where(duty_active, level, 0.0)
    bound = np.zeros((len(quarters), len(CONTRIBUTORS), duties.n), dtype=bool)
    for d in range(duties.n):
        for x in range(len(CONTRIBUTORS)):
            since = duties.bound_since[d][x]
            if since is not None:
                bound[:, x, d] = active(max(since, duties.start[d]))
    new_burdens = duty_active * duties.new_burdens_gbp[None, :]
    if PUBLIC_HEALTH_DUTY in duties.ids:  # the grant pays for that work while it is in force
        d = duties.ids.index(PUBLIC_HEALTH_DUTY)
        grant = yearly_amounts(scenario.funding.public_health_grant_gbp, fy)
        new_burdens[:, d] += duty_active[:, d] * public_health_cs_share * grant
    lever_from = scenario.levers.from_date or scenario.time.start
    pcc_model = np.full(len(quarters), scenario.pcc.funding_model, dtype=object)
    for change in scenario.pcc.changes:
        if change.forces == "all":  # changes in some forces: ``overrides.pcc_models``
            pcc_model[active(change.date)] = change.funding_model
    annual = np.full(len(quarters), scenario.funding.allocation == "annual")
    for alloc in scenario.funding.allocation_changes:
        annual[active(alloc.date)] = alloc.allocation == "annual"
    return Schedule(
        quarters=quarters,
        fy=fy,
        year_start=year_start,
        budget_index=index,
        grant_direct_gbp=direct,
        grant_direct_ring_fenced=direct_rf,
        grant_pcc_gbp=via_pcc,
        grant_pcc_ring_fenced=via_pcc_rf,
        grant_pcc_central_gbp=pcc_central,
        pcc_active=pcc_active,
        duty_active=duty_active,
        duty_level=duty_level,
        bound=bound,
        new_burdens_gbp=new_burdens,
        levers_active=active(lever_from),
        pcc_model=pcc_model,
        annual=annual,
        cost_per_fte_gbp=cost_per_fte_gbp * cost_index,
        council_pressure=np.clip(1.0 - index[:, 0] / cost_index, 0.0, 1.0),
    )


PARTNER_COLUMNS = [FUNDED_AGENCIES.index(p) for p in PARTNER_TYPES]
