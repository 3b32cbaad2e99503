"""ODD 7.1 Budgets: agency budgets follow the funding index, grants reach council teams
(directly, or through the PCC by its funding model) minus diversion and late allocation,
teams grow towards what their budget pays for, posts at risk may be lost.

* The rules (pure functions). Money is conserved: every function returns what it passes on
  and what it keeps, so tests can check that nothing is created or lost.
* :class:`StepInputs` and :func:`build_step_inputs`: every money quantity that does not depend
  on the state, by step, worked out before the run.
* :func:`step_arrays`: the phase on arrays (the fast engine).
* The agent engine's matching decisions: :meth:`cspsim.model.agents.Council.set_budget` and
  :meth:`cspsim.model.agents.PoliceAndCrimeCommissioner.pass_on_fund`, which call these rules.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, overload

import numpy as np

from cspsim.inputs.geography import Geography
from cspsim.inputs.params import Params
from cspsim.inputs.scenario import Scenario
from cspsim.model.schedule import PARTNER_COLUMNS, Schedule
from cspsim.model.types import FloatArray
from cspsim.vocab import QUARTERS_PER_YEAR

if TYPE_CHECKING:
    from cspsim.model.model import CSPModel


def share_by_weight(amount: np.ndarray, weight: np.ndarray, group: np.ndarray) -> np.ndarray:
    """Split each group's ``amount`` among its members in proportion to ``weight``.

    Args:
        amount: Money per group (GBP), shape (n_groups,).
        weight: Non-negative weight per member, shape (n_members,).
        group: Group index of each member, shape (n_members,).

    Returns:
        Money per member; sums to ``amount`` for every group with positive total weight.
    """
    total = np.bincount(group, weights=weight, minlength=len(amount))
    safe = np.where(total > 0, total, 1.0)
    share: np.ndarray = amount[group] * weight / safe[group]
    return share


@overload
def divert(
    amount: float, pressure: float, diversion: float, ring_fenced: bool
) -> tuple[float, float]: ...
@overload
def divert(
    amount: np.ndarray, pressure: FloatArray, diversion: float, ring_fenced: bool
) -> tuple[np.ndarray, np.ndarray]: ...
def divert(
    amount: FloatArray, pressure: FloatArray, diversion: float, ring_fenced: bool
) -> tuple[FloatArray, FloatArray]:
    """Part of a non-ring-fenced grant absorbed by the council's general budget pressure.

    Returns:
        (kept for community safety, diverted elsewhere); they sum to ``amount``.
    """
    if ring_fenced:
        return amount, np.zeros_like(amount)
    lost = amount * np.clip(diversion * pressure, 0.0, 1.0)
    return amount - lost, lost


def pcc_pass_on(
    fund_by_force: np.ndarray,
    force_of_area: np.ndarray,
    population: np.ndarray,
    model: str,
    retained_share: float,
    bid_strength: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """How a PCC passes its community safety fund on.

    Args:
        fund_by_force: Fund per force area (GBP per quarter).
        force_of_area: Force index of each council area.
        population: Residents per area.
        model: ``grant`` (to CSPs by population, PCC keeps ``retained_share``), ``central``
            (PCC commissions everything itself), ``bids`` (CSPs bid; money follows
            population times bid strength, PCC keeps ``retained_share``) or ``board`` (a
            board of council leaders passes it all to CSPs by population).
        retained_share: Share kept by the PCC under ``grant`` and ``bids``.
        bid_strength: Relative strength of each area's bid (analyst, coordinator).

    Returns:
        (money to each area's CSP, money the PCC commissions centrally per force).
    """
    if model == "central":
        return np.zeros_like(population), fund_by_force.copy()
    kept = fund_by_force * (0.0 if model == "board" else retained_share)
    passed = fund_by_force - kept
    weight = population * bid_strength if model == "bids" else population
    return share_by_weight(passed, weight, force_of_area), kept


@overload
def staff_update(fte: float, funded_fte: float, rate: float) -> float: ...
@overload
def staff_update(fte: np.ndarray, funded_fte: np.ndarray, rate: float) -> np.ndarray: ...
def staff_update(fte: FloatArray, funded_fte: FloatArray, rate: float) -> FloatArray:
    """Team FTE after one quarter: hiring closes ``rate`` of a gap, cuts bite at once.

    Staff never exceed what the budget pays for, so money committed never exceeds money held.
    """
    grown = fte + rate * (funded_fte - fte)
    team: FloatArray = np.minimum(funded_fte, np.maximum(grown, 0.0))
    return team


@overload
def turnover_loss(year_start: bool, grant_share: float, turnover: float, loss: float) -> float: ...
@overload
def turnover_loss(
    year_start: bool, grant_share: np.ndarray, turnover: float, loss: float
) -> np.ndarray: ...
def turnover_loss(
    year_start: bool, grant_share: FloatArray, turnover: float, loss: float
) -> FloatArray:
    """Share of a team's capacity lost this quarter to replacing grant-funded leavers.

    At the start of each financial year a share ``turnover`` of grant-funded staff leave and
    are replaced; a replacement loses ``loss`` of a quarter's capacity.
    """
    if not year_start:
        return np.zeros_like(grant_share)
    lost: FloatArray = np.clip(grant_share * turnover * loss, 0.0, 1.0)
    return lost


@dataclass(frozen=True)
class StepInputs:
    """Money and budget pressure by step (first axis = step, T steps).

    Attributes:
        pressure: Budget pressure of each partner type, shape (T, 6).
        council_pressure: Each council's budget pressure, shape (T, n_areas).
        kept_direct: Direct grant kept for community safety after diversion, (T, n_areas).
        diverted_direct: Direct grant diverted (GBP per year), (T, n_areas).
        diverted: All grant diverted (GBP per year), (T, n_areas); replaced in bidding areas.
        fund_force: PCC fund per force area, (T, n_forces).
        central_fte: Capacity the PCC commissions centrally per force area, (T, n_forces).
        has_central: Some PCC commissions centrally, (T,).
        central_spend_gbp: Centrally commissioned money by area (population share), (T, n).
        lever_gbp: Money per area from the coordinator / analyst levers, (T,).
        bids: Each area's team spends time bidding to its PCC (the ``bids`` model in force in
            its force area), (T, n_areas).
        bidding: Some area bids, by step (``bids.any(axis=1)`` as Python bools).
        grant: Grant reaching teams after diversion and late allocation, (T, n_areas);
            replaced in the areas and steps where ``bids`` holds (it depends on the posts).
        late: Grant lost to late allocation, (T, n_areas); likewise.
        ledger: Ledger entries known in advance (GBP per quarter), by name, each (T,).
    """

    pressure: np.ndarray
    council_pressure: np.ndarray
    kept_direct: np.ndarray
    diverted_direct: np.ndarray
    diverted: np.ndarray
    fund_force: np.ndarray
    central_fte: np.ndarray
    has_central: np.ndarray
    central_spend_gbp: np.ndarray
    lever_gbp: np.ndarray
    bids: np.ndarray
    bidding: tuple[bool, ...]
    grant: np.ndarray
    late: np.ndarray
    ledger: dict[str, np.ndarray]


def build_step_inputs(
    scenario: Scenario,
    P: Params,
    sched: Schedule,
    geo: Geography,
    pop_share: np.ndarray,
    council_index: np.ndarray,
    pcc_model: np.ndarray,
) -> StepInputs:
    """Money by step: every budget-phase quantity that does not depend on the state.

    ``council_index`` is each council's budget multiplier by step, (T, n_areas): the funding
    path times any change to one council's budget (:func:`cspsim.model.overrides.council_index`);
    ``pcc_model`` the PCC funding model of each force area by step, (T, n_forces)
    (:func:`cspsim.model.overrides.pcc_models`). The allocation method may change during the
    run too (``Schedule.annual``). Staff cost follows pay by year (``Schedule.cost_per_fte_gbp``),
    and a council's budget pressure is the share of its 2009 staff its budget no longer pays
    for (its budget multiplier over the cost index).
    """
    cost = sched.cost_per_fte_gbp[:, None]
    idx = sched.budget_index
    cost_index = sched.cost_per_fte_gbp / P.cost_per_fte_gbp
    cp = np.clip(1.0 - council_index / cost_index[:, None], 0.0, 1.0)
    g = sched.grant_direct_gbp
    direct = g[:, None] * pop_share
    rf = np.where(g != 0, sched.grant_direct_ring_fenced / np.where(g != 0, g, 1.0), 0.0)
    kept, diverted = divert(direct * (1 - rf[:, None]), cp, P.grant_diversion, False)
    kept = kept + direct * rf[:, None]
    force = geo.footprint["police"]
    fund_force = sched.grant_pcc_gbp[:, None] * np.bincount(force, weights=pop_share)
    to_area, central = _pass_on_by_step(sched.grant_pcc_gbp, fund_force, pcc_model, geo, P)
    # Money for the PCC's own commissioning (VRUs, Safer Streets) whatever its model.
    fund_central = sched.grant_pcc_central_gbp[:, None] * np.bincount(force, weights=pop_share)
    central = central + fund_central
    gp = sched.grant_pcc_gbp
    rf_pcc = np.where(gp != 0, sched.grant_pcc_ring_fenced / np.where(gp != 0, gp, 1.0), 0.0)
    to_area_kept, to_area_div = divert(
        to_area * (1 - rf_pcc[:, None]), cp, P.grant_diversion, False
    )
    to_area_kept = to_area_kept + to_area * rf_pcc[:, None]
    grant = kept + to_area_kept
    late = np.zeros_like(grant)
    late_rows = sched.year_start & sched.annual
    late[late_rows] = grant[late_rows] * P.late_allocation_loss
    grant = grant - late
    # Under "bids" the budget phase works these three out each step (they depend on posts).
    ledger = {
        "grants_in_gbp": (direct.sum(axis=1) + fund_force.sum(axis=1) + fund_central.sum(axis=1))
        / QUARTERS_PER_YEAR,
        "pcc_central_gbp": central.sum(axis=1) / QUARTERS_PER_YEAR,
        "grants_to_teams_gbp": grant.sum(axis=1) / QUARTERS_PER_YEAR,
        "grants_diverted_gbp": (diverted.sum(axis=1) + to_area_div.sum(axis=1)) / QUARTERS_PER_YEAR,
        "grants_late_lost_gbp": late.sum(axis=1) / QUARTERS_PER_YEAR,
    }
    levers = scenario.levers
    pop_force = np.bincount(force, weights=geo.population)[force]
    central_fte = central / cost * P.central_commissioning_efficiency
    bids = (pcc_model[:, force] == "bids") & sched.pcc_active[:, None]
    return StepInputs(
        pressure=np.clip(1.0 - idx[:, PARTNER_COLUMNS], 0.0, 1.0),
        council_pressure=cp,
        kept_direct=kept,
        diverted_direct=diverted,
        diverted=diverted + to_area_div,
        fund_force=fund_force,
        central_fte=central_fte,
        has_central=(central_fte != 0).any(axis=1),
        central_spend_gbp=central[:, force] * geo.population / pop_force,
        lever_gbp=sched.cost_per_fte_gbp
        * (levers.fund_coordinator + levers.fund_analyst)
        * sched.levers_active,
        bids=bids,
        bidding=tuple(bids.any(axis=1).tolist()),
        grant=grant,
        late=late,
        ledger=ledger,
    )


def _pass_on_by_step(
    gbp: np.ndarray, fund_force: np.ndarray, pcc_model: np.ndarray, geo: Geography, P: Params
) -> tuple[np.ndarray, np.ndarray]:
    """Each step's PCC pass-on (to areas, (T, n_areas); commissioned centrally, (T, n_forces)).

    It depends on the step only through the national fund (which changes yearly) and the
    funding model of each force area, so it is worked out once per distinct pair. Under
    ``bids`` the areas' shares are the budget phase's (bid strength depends on posts).
    """
    force = geo.footprint["police"]
    to_area = np.zeros((len(gbp), geo.n))
    central = np.zeros_like(fund_force)
    groups: dict[tuple[float, tuple[str, ...]], list[int]] = {}
    for t, row in enumerate(pcc_model):
        groups.setdefault((float(gbp[t]), tuple(row)), []).append(t)
    for (_, models), steps in groups.items():
        row = np.array(models, dtype=object)
        for model in sorted(set(models)):
            a, c = pcc_pass_on(
                fund_force[steps[0]], force, geo.population, model, P.pcc_retained_share,
                np.ones(geo.n),
            )  # fmt: skip
            areas, forces = row[force] == model, row == model
            to_area[np.ix_(steps, areas)] = a[areas]
            central[np.ix_(steps, forces)] = c[forces]
    return to_area, central


@dataclass(frozen=True)
class BudgetTables:
    """What the budget phase on arrays reads, worked out before the run.

    Attributes:
        inputs: Money by step.
        force: Force area of each council area.
        post_min_fte: Minimum team for a coordinator and an analyst post, shape (2, 1).
        post_regain_fte: Team large enough to regain each post, shape (2, 1).
        post_funded: Whether the scenario's levers fund each post, shape (2, 1).
    """

    inputs: StepInputs
    force: np.ndarray
    post_min_fte: np.ndarray
    post_regain_fte: np.ndarray
    post_funded: np.ndarray


def build_tables(m: CSPModel) -> BudgetTables:
    """The budget phase's tables for model ``m``."""
    P, levers = m.P, m.config.levers
    post_min_fte = np.array([[P.coordinator_min_fte], [P.analyst_min_fte]])
    return BudgetTables(
        inputs=build_step_inputs(
            m.config, P, m.sched, m.geo, m.pop_share, m.council_index, m.pcc_model
        ),
        force=m.geo.footprint["police"],
        post_min_fte=post_min_fte,
        post_regain_fte=P.post_regain_team_multiple * post_min_fte,
        post_funded=np.array([[levers.fund_coordinator], [levers.fund_analyst]]),
    )


def step_arrays(
    m: CSPModel, tab: BudgetTables, t: int, post_draws: np.ndarray
) -> tuple[np.ndarray, np.ndarray | None]:
    """The budget phase of quarter ``t`` for every area at once.

    Args:
        m: The model (its state is updated: team, posts).
        tab: The phase's tables.
        t: Step.
        post_draws: Uniform draws, shape (post, lose / regain, area).

    Returns:
        (council funding per area (GBP per year), share of capacity lost to turnover, or
        None outside the first quarter of a financial year).
    """
    P, s, sc, st = m.P, m.state, m.sched, tab.inputs
    cost = sc.cost_per_fte_gbp[t]
    grant = st.grant[t]
    if st.bidding[t]:  # "bids": the PCC's money follows each team's bid strength
        bids = st.bids[t]
        strength = 1 + P.gain_analyst * s.analyst + P.gain_coordinator * s.coordinator
        to_area, _ = pcc_pass_on(
            st.fund_force[t], tab.force, m.pop, "bids", P.pcc_retained_share, strength
        )
        gp = sc.grant_pcc_gbp[t]
        rf = sc.grant_pcc_ring_fenced[t] / gp if gp else 0.0
        to_area_kept, to_area_div = divert(
            to_area * (1 - rf), st.council_pressure[t], P.grant_diversion, False
        )
        bid_grant = st.kept_direct[t] + to_area_kept + to_area * rf
        late = np.zeros_like(bid_grant)
        if sc.annual[t] and sc.year_start[t]:
            late = bid_grant * P.late_allocation_loss
        grant = np.where(bids, bid_grant - late, grant)
        late = np.where(bids, late, st.late[t])
        diverted = np.where(bids, st.diverted_direct[t] + to_area_div, st.diverted[t])
        led = st.ledger  # this run's tables: the record copies them at the step's end
        led["grants_to_teams_gbp"][t] = grant.sum() / QUARTERS_PER_YEAR
        led["grants_diverted_gbp"][t] = diverted.sum() / QUARTERS_PER_YEAR
        led["grants_late_lost_gbp"][t] = late.sum() / QUARTERS_PER_YEAR
    funded_gbp = s.base_gbp * m.team_index[t] + grant + st.lever_gbp[t]
    s.team_fte = staff_update(s.team_fte, funded_gbp / cost, P.staff_adjust_rate if t else 1.0)
    lost = None
    if sc.year_start[t]:
        turnover_rate = (
            P.turnover_annual_allocation if sc.annual[t] else P.turnover_multi_year_allocation
        )
        grant_share = np.where(funded_gbp > 0, grant / np.where(funded_gbp > 0, funded_gbp, 1), 0)
        lost = turnover_loss(True, grant_share, turnover_rate, P.new_staff_productivity_loss)
    # Posts (rows: coordinator, analyst): a post is lost with some probability while the
    # team is below its minimum size, and regained while it is large enough.
    u = post_draws
    p_loss = P.p_post_loss_per_quarter
    p_regain = p_loss * P.post_regain_chance_ratio
    posts = np.where(
        np.array([s.coordinator, s.analyst]),
        ~((s.team_fte < tab.post_min_fte) & (u[:, 0] < p_loss)),
        (s.team_fte >= tab.post_regain_fte) & (u[:, 1] < p_regain),
    )
    if sc.levers_active[t]:
        posts |= tab.post_funded
    s.coordinator, s.analyst = posts
    return funded_gbp, lost
