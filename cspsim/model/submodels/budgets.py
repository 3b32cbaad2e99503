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

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, overload

import numpy as np

from cspsim.inputs.errors import ScenarioError
from cspsim.inputs.geography import Geography
from cspsim.inputs.params import Params
from cspsim.inputs.scenario import Scenario
from cspsim.model.schedule import PARTNER_COLUMNS, Schedule
from cspsim.model.timeline import active_from
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


FUNDING_MODELS = ("grant", "central", "bids")


def pcc_models(scenario: Scenario, geo: Geography, quarters: list[dt.date]) -> np.ndarray:
    """Funding model of each force's PCC at each step, as codes into ``FUNDING_MODELS``,
    shape (n_steps, n_forces): the scenario's ``funding_model``, then its ``changes``.

    Raises:
        ScenarioError: a change naming a force that is not in the geography.
    """
    names = list(geo.footprint_names["police"])
    codes = np.full((len(quarters), len(names)), FUNDING_MODELS.index(scenario.pcc.funding_model))
    problems = []
    for ch in sorted(scenario.pcc.changes, key=lambda c: c.date):
        unknown = sorted(set(ch.forces or []) - set(names))
        if unknown:
            problems.append(f"pcc.changes: unknown force(s) {unknown}; known: {names}")
            continue
        cols = (
            [names.index(f) for f in ch.forces]
            if ch.forces is not None
            else list(range(len(names)))
        )
        rows = active_from(quarters, ch.date)
        codes[np.ix_(rows, cols)] = FUNDING_MODELS.index(ch.model)
    if problems:
        raise ScenarioError(problems)
    return codes


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
            (PCC commissions everything itself) or ``bids`` (CSPs bid; money follows
            population times bid strength, PCC keeps ``retained_share``).
        retained_share: Share kept by the PCC under ``grant`` and ``bids``.
        bid_strength: Relative strength of each area's bid (analyst, coordinator).

    Returns:
        (money to each area's CSP, money the PCC commissions centrally per force).
    """
    if model == "central":
        return np.zeros_like(population), fund_by_force.copy()
    kept = fund_by_force * retained_share
    passed = fund_by_force - kept
    weight = population if model == "grant" else population * bid_strength
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
        council_pressure: Councils' budget pressure, shape (T,).
        kept_direct: Direct grant kept for community safety after diversion, (T, n_areas).
        diverted_direct_gbp: Direct grant diverted, summed over areas (GBP per year), (T,).
        fund_force: PCC fund per force area, (T, n_forces).
        central_fte: Capacity the PCC commissions centrally per force area, (T, n_forces).
        has_central: Some PCC commissions centrally, (T,).
        central_spend_gbp: Centrally commissioned money by area (population share), (T, n).
        lever_gbp: Money per area from the coordinator / analyst levers, (T,).
        bids: Teams spend time bidding to their PCC, (T, n_areas).
        any_bids: Some PCC invites bids at some step of the run.
        to_area: PCC money to each area before diversion, (T, n_areas); for areas whose PCC
            invites bids it is worked out each step (it depends on the teams' posts).
        grant: Grant reaching teams after diversion and late allocation, (T, n_areas); None
            when some PCC invites bids during the run.
        late: Grant lost to late allocation, (T, n_areas); None when ``grant`` is.
        ledger: Ledger entries known in advance (GBP per quarter), by name, each (T,).
    """

    pressure: np.ndarray
    council_pressure: np.ndarray
    kept_direct: np.ndarray
    diverted_direct_gbp: np.ndarray
    fund_force: np.ndarray
    central_fte: np.ndarray
    has_central: np.ndarray
    central_spend_gbp: np.ndarray
    lever_gbp: np.ndarray
    bids: np.ndarray
    any_bids: bool
    to_area: np.ndarray
    grant: np.ndarray | None
    late: np.ndarray | None
    ledger: dict[str, np.ndarray]


def build_step_inputs(
    scenario: Scenario,
    P: Params,
    sched: Schedule,
    geo: Geography,
    pop_share: np.ndarray,
    models: np.ndarray,
) -> StepInputs:
    """Money by step: every budget-phase quantity that does not depend on the state.

    ``models`` is each force's funding model by step (:func:`pcc_models`).
    """
    cost = sched.cost_per_fte_gbp[:, None]
    idx = sched.budget_index
    council_pressure = sched.council_pressure
    cp = council_pressure[:, None]
    g = sched.grant_direct_gbp
    direct = g[:, None] * pop_share
    rf = np.where(g != 0, sched.grant_direct_ring_fenced / np.where(g != 0, g, 1.0), 0.0)
    kept, diverted = divert(direct * (1 - rf[:, None]), cp, P.grant_diversion, False)
    kept = kept + direct * rf[:, None]
    force = geo.footprint["police"]
    fund_force = sched.grant_pcc_gbp[:, None] * np.bincount(force, weights=pop_share)
    # The PCC's split depends on the step only through the fund and the forces' models,
    # which change yearly or at a dated change: worked out once per distinct pair.
    to_area = np.zeros_like(direct)
    central = np.zeros_like(fund_force)
    key = np.column_stack([sched.grant_pcc_gbp, models])
    _, first, which = np.unique(key, axis=0, return_index=True, return_inverse=True)
    for k, t0 in enumerate(first):
        rows = which.ravel() == k
        for code in np.unique(models[t0]):
            by_force = models[t0] == code
            a, c = pcc_pass_on(
                fund_force[t0],
                force,
                geo.population,
                FUNDING_MODELS[code],
                P.pcc_retained_share,
                np.ones(geo.n),  # bid strength: under "bids" the grant is worked out per step
            )
            to_area[np.ix_(rows, by_force[force])] = a[by_force[force]]
            central[np.ix_(rows, by_force)] = c[by_force]
    bids = (models[:, force] == FUNDING_MODELS.index("bids")) & sched.pcc_active[:, None]
    # Money for the PCC's own commissioning (VRUs, Safer Streets) whatever its model.
    fund_central = sched.grant_pcc_central_gbp[:, None] * np.bincount(force, weights=pop_share)
    central = central + fund_central
    ledger = {
        "grants_in_gbp": (direct.sum(axis=1) + fund_force.sum(axis=1) + fund_central.sum(axis=1))
        / QUARTERS_PER_YEAR,
        "pcc_central_gbp": central.sum(axis=1) / QUARTERS_PER_YEAR,
    }
    grant = late = None
    gp = sched.grant_pcc_gbp
    rf_pcc = np.where(gp != 0, sched.grant_pcc_ring_fenced / np.where(gp != 0, gp, 1.0), 0.0)
    if not bids.any():
        to_area_kept, to_area_div = divert(
            to_area * (1 - rf_pcc[:, None]), cp, P.grant_diversion, False
        )
        to_area_kept = to_area_kept + to_area * rf_pcc[:, None]
        grant = kept + to_area_kept
        late = np.zeros_like(grant)
        if scenario.funding.allocation == "annual":
            late[sched.year_start] = grant[sched.year_start] * P.late_allocation_loss
            grant = grant - late
        ledger["grants_to_teams_gbp"] = grant.sum(axis=1) / QUARTERS_PER_YEAR
        ledger["grants_diverted_gbp"] = (
            diverted.sum(axis=1) + to_area_div.sum(axis=1)
        ) / QUARTERS_PER_YEAR
        ledger["grants_late_lost_gbp"] = late.sum(axis=1) / QUARTERS_PER_YEAR
    levers = scenario.levers
    pop_force = np.bincount(force, weights=geo.population)[force]
    central_fte = central / cost * P.central_commissioning_efficiency
    return StepInputs(
        pressure=np.clip(1.0 - idx[:, PARTNER_COLUMNS], 0.0, 1.0),
        council_pressure=council_pressure,
        kept_direct=kept,
        diverted_direct_gbp=diverted.sum(axis=1),
        fund_force=fund_force,
        central_fte=central_fte,
        has_central=(central_fte != 0).any(axis=1),
        central_spend_gbp=central[:, force] * geo.population / pop_force,
        lever_gbp=sched.cost_per_fte_gbp
        * (levers.fund_coordinator + levers.fund_analyst)
        * sched.levers_active,
        bids=bids,
        any_bids=bool(bids.any()),
        to_area=to_area,
        grant=grant,
        late=late,
        ledger=ledger,
    )


@dataclass(frozen=True)
class BudgetTables:
    """What the budget phase on arrays reads, worked out before the run.

    Attributes:
        inputs: Money by step.
        force: Force area of each council area.
        annual: Grants are allocated annually (late, with turnover) rather than multi-year.
        post_min_fte: Minimum team for a coordinator and an analyst post, shape (2, 1).
        post_funded: Whether the scenario's levers fund each post, shape (2, 1).
    """

    inputs: StepInputs
    force: np.ndarray
    annual: bool
    post_min_fte: np.ndarray
    post_funded: np.ndarray


def build_tables(m: CSPModel) -> BudgetTables:
    """The budget phase's tables for model ``m``."""
    P, levers = m.P, m.config.levers
    return BudgetTables(
        inputs=build_step_inputs(m.config, P, m.sched, m.geo, m.pop_share, m.pcc_models),
        force=m.geo.footprint["police"],
        annual=m.config.funding.allocation == "annual",
        post_min_fte=np.array([[P.coordinator_min_fte], [P.analyst_min_fte]]),
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
    if st.grant is None:  # some PCC invites bids: its money follows each team's bid strength
        to_area = st.to_area[t]
        if st.bids[t].any():
            strength = 1 + P.gain_analyst * s.analyst + P.gain_coordinator * s.coordinator
            by_bid, _ = pcc_pass_on(
                st.fund_force[t], tab.force, m.pop, "bids", P.pcc_retained_share, strength
            )
            to_area = np.where(st.bids[t], by_bid, to_area)
        gp = sc.grant_pcc_gbp[t]
        rf = sc.grant_pcc_ring_fenced[t] / gp if gp else 0.0
        to_area_kept, to_area_div = divert(
            to_area * (1 - rf), st.council_pressure[t], P.grant_diversion, False
        )
        to_area_kept = to_area_kept + to_area * rf
        grant = st.kept_direct[t] + to_area_kept
        late = 0.0
        if tab.annual and sc.year_start[t]:
            late = grant * P.late_allocation_loss
            grant = grant - late
        led = m.rec.ledger
        led["grants_to_teams_gbp"][t] = grant.sum() / QUARTERS_PER_YEAR
        led["grants_diverted_gbp"][t] = (
            st.diverted_direct_gbp[t] + to_area_div.sum()
        ) / QUARTERS_PER_YEAR
        led["grants_late_lost_gbp"][t] = np.sum(late) / QUARTERS_PER_YEAR
    else:
        grant = st.grant[t]
    funded_gbp = s.base_gbp * sc.budget_index[t, 0] + grant + st.lever_gbp[t]
    s.team_fte = staff_update(s.team_fte, funded_gbp / cost, P.staff_adjust_rate if t else 1.0)
    lost = None
    if sc.year_start[t]:
        turnover_rate = (
            P.turnover_annual_allocation if tab.annual else P.turnover_multi_year_allocation
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
        (s.team_fte >= P.post_regain_team_multiple * tab.post_min_fte) & (u[:, 1] < p_regain),
    )
    if sc.levers_active[t]:
        posts |= tab.post_funded
    s.coordinator, s.analyst = posts
    return funded_gbp, lost
