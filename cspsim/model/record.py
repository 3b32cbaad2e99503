"""What a run records each quarter (into :class:`cspsim.model.state.Record`), from either
engine: the outputs read these arrays whichever engine ran."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from cspsim.vocab import QUARTERS_PER_YEAR

if TYPE_CHECKING:
    from cspsim.model.agents.structure import AgentStructure
    from cspsim.model.model import CSPModel
    from cspsim.model.segments import Segment
    from cspsim.model.submodels.budgets import StepInputs


def record_arrays(
    m: CSPModel,
    money: StepInputs,
    t: int,
    seg: Segment,
    funded_gbp: np.ndarray,
    R: np.ndarray,
    committed_fte: float,
) -> None:
    """Record quarter ``t`` of the array engine (money per quarter; ``delivered`` was
    written by the delivery phase)."""
    s, tab, rec = m.state, seg.tables, m.rec
    cost = m.sched.cost_per_fte_gbp[t]
    rec.demand[t], rec.team_fte[t] = seg.work.demand, s.team_fte
    # Spend: (team + partners' fte) * cost + new burdens + central commissioning, in place.
    spend = np.multiply(R, seg.work.need).sum(axis=0)  # partners' fte per area
    np.add(s.team_fte, spend, out=spend)
    spend *= cost
    spend += seg.delivery.nb_spend_gbp
    spend += money.central_spend_gbp[t]
    np.divide(spend, QUARTERS_PER_YEAR, out=rec.spend_gbp[t])
    np.add(s.engagement, tab.nan_where_none, out=rec.eng_strategic[t])
    np.add(np.minimum(R, 1.0), tab.nan_where_none, out=rec.eng_operational[t])
    rec.analyst[t], rec.coordinator[t] = s.analyst, s.coordinator
    led = rec.ledger
    for name, values in money.ledger.items():
        led[name][t] = values[t]
    led["council_funded_gbp"][t] = funded_gbp.sum() / QUARTERS_PER_YEAR
    led["council_spend_gbp"][t] = s.team_fte.sum() * cost / QUARTERS_PER_YEAR
    led["partner_budget_gbp"][t] = tab.commitments.cap_gbp[t - tab.start]
    led["partner_committed_gbp"][t] = committed_fte * cost / QUARTERS_PER_YEAR


def record_agents(model: CSPModel, agents: AgentStructure, t: int) -> None:
    """Write quarter ``t`` into ``model.rec`` (money per quarter) and mirror the agents'
    state into ``model.state``, so outputs read the same arrays whichever engine ran."""
    rec, s = model.rec, model.state
    cost = model.sched.cost_per_fte_gbp[t]
    councils = agents.council_list
    rec.demand[t] = [c.demand_fte for c in councils]
    rec.delivered[t] = [c.delivered_fte for c in councils]
    s.team_fte = np.array([c.team_fte for c in councils])
    s.analyst = np.array([c.has_analyst for c in councils])
    s.coordinator = np.array([c.has_coordinator for c in councils])
    s.ownership = np.array([c.ownership for c in councils])
    rec.team_fte[t], rec.analyst[t], rec.coordinator[t] = s.team_fte, s.analyst, s.coordinator
    rec.spend_gbp[t] = [
        (
            (c.team_fte + c.partner_fte()) * cost
            + c.new_burdens_fte(t).sum() * cost
            + (c.pcc.central_spend_gbp(c) if c.pcc is not None else 0.0)  # no PCC: none
        )
        / QUARTERS_PER_YEAR
        for c in councils
    ]
    engagement = np.zeros(s.engagement.shape)
    strategic = np.full(s.engagement.shape, np.nan)
    operational = np.full(s.engagement.shape, np.nan)
    for ag in agents.partners:
        for a, e in ag.engagement.items():
            engagement[ag.p, a] = strategic[ag.p, a] = e
            operational[ag.p, a] = min(councils[a].offers[ag.p], 1.0)
    s.engagement = engagement
    rec.eng_strategic[t], rec.eng_operational[t] = strategic, operational
    led = rec.ledger
    led["grants_in_gbp"][t] = (
        sum(c.ledger["direct_gbp"] for c in councils)
        + sum(p.fund_gbp + p.central_fund_gbp for p in agents.pcc_list)
    ) / QUARTERS_PER_YEAR
    led["pcc_central_gbp"][t] = sum(p.central_gbp for p in agents.pcc_list) / QUARTERS_PER_YEAR
    led["grants_to_teams_gbp"][t] = sum(c.grant_gbp for c in councils) / QUARTERS_PER_YEAR
    led["grants_diverted_gbp"][t] = (
        sum(c.ledger["diverted_gbp"] for c in councils) / QUARTERS_PER_YEAR
    )
    led["grants_late_lost_gbp"][t] = sum(c.ledger["late_gbp"] for c in councils) / QUARTERS_PER_YEAR
    led["council_funded_gbp"][t] = sum(c.funded_gbp for c in councils) / QUARTERS_PER_YEAR
    led["council_spend_gbp"][t] = sum(c.team_fte for c in councils) * cost / QUARTERS_PER_YEAR
    led["partner_budget_gbp"][t] = (
        sum(ag.capacity_fte for ag in agents.partners) * cost / QUARTERS_PER_YEAR
    )
    led["partner_committed_gbp"][t] = (
        sum(ag.committed_fte for ag in agents.partners) * cost / QUARTERS_PER_YEAR
    )
