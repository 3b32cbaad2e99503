"""The CSP capacity model: one Mesa model, two engines.

* ``engine="agents"``: the readable form. Mesa agents (:mod:`cspsim.model.agents`) hold the
  state and make every decision, scheduled with ``AgentSet`` in the order of ODD section 3.
* ``engine="arrays"`` (the default): the fast form. State lives in numpy arrays (by council
  area, link and agency), everything that does not depend on the state is worked out before
  the first step (each submodel's tables in :mod:`cspsim.model.submodels`, cut into stretches by
  :mod:`cspsim.model.segments`), and a step only does the state-dependent arithmetic; agent
  objects (:mod:`cspsim.model.views`) are views onto the arrays.

Both draw the same random numbers in the same order and record the same outputs;
``tests/test_engines.py`` proves them equal (to 1e-9) on whole runs.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import mesa
import numpy as np

from cspsim.inputs.duties import DutyTable, load_duties
from cspsim.inputs.geography import (
    Geography,
    build_geography,
    england_population,
)
from cspsim.inputs.scenario import GeographyConfig, Scenario
from cspsim.model.agents import AgentStructure
from cspsim.model.epochs import build_epochs
from cspsim.model.linkops import PartnerWeights
from cspsim.model.overrides import council_index, pcc_models
from cspsim.model.record import record_agents, record_arrays
from cspsim.model.schedule import build_schedule
from cspsim.model.segments import build_epoch_tables, build_segments
from cspsim.model.splits import splits_of
from cspsim.model.state import Record, engagement_base_logit, initial_state, params_of
from cspsim.model.submodels import adaptation, budgets, commitments, delivery
from cspsim.model.submodels.demand import demand_per_area
from cspsim.model.submodels.priority import team_priority
from cspsim.model.views import build_agent_views
from cspsim.model.world import INITIAL_LEVEL, Epoch, build_epoch, dilution
from cspsim.vocab import PARTNER_TYPES, SPLIT_FROM

_NP = len(PARTNER_TYPES)
_POLICE = PARTNER_TYPES.index("police")
# Split-off partner types (the NPS) are the last rows and draw their noise from a stream of
# their own, so the other types' draws are those of a model without them.
_N_OWN_STREAM = len(PARTNER_TYPES) - len(SPLIT_FROM)
_SPLIT_ROWS = [(PARTNER_TYPES.index(c), PARTNER_TYPES.index(p)) for c, p in SPLIT_FROM.items()]
ENGINES = ("arrays", "agents")


@cache
def england_dilution_ref() -> np.ndarray:
    """Mean log(CSPs served) per partner type over England's councils in April 2009 (real
    England, one CSP per council, PCTs and probation trusts): the yardstick of dilution.

    A split-off partner type (the NPS, absent in 2009) is judged by its parent's yardstick.
    """
    sc = Scenario(name="england_2009_reference", geography=GeographyConfig(kind="real_england"))
    geo = build_geography(sc.geography)
    ref = build_epoch(sc, geo, load_duties(sc), 0, False, dict(INITIAL_LEVEL))
    has = ref.link_of >= 0
    ref_dil = dilution(ref)
    out: np.ndarray = np.where(
        has.any(axis=1), (ref_dil * has).sum(axis=1) / np.maximum(has.sum(axis=1), 1), 0.0
    )
    for child, parent in _SPLIT_ROWS:
        out[child] = out[parent]
    return out


def gained_links(prev: Epoch, ep: Epoch) -> list[tuple[int, int, np.ndarray]]:
    """Where a split-off partner type gains links at the start of ``ep``: its engagement
    there starts at its parent's (the NPS's staff came from the probation trusts).

    Returns:
        (child row, parent row, areas that gained a link) for each such type.
    """
    out = []
    for child, parent in _SPLIT_ROWS:
        areas = (ep.link_of[child] >= 0) & (prev.link_of[child] < 0)
        if areas.any():
            out.append((child, parent, areas))
    return out


class CSPModel(mesa.Model):
    """Community safety partnerships under changing funding, duties and structures.

    Args:
        scenario: A validated scenario (see :func:`cspsim.inputs.scenario.load_scenario`).
        seed: Seed of this replicate; the only source of randomness.
        base_dir: Folder that relative paths in the scenario are read from.
        geography: Reuse a pre-built geography (it depends only on the scenario).
        with_agents: Build the Mesa agent views of the array engine (off for bulk runs to
            save time); the agent engine always has its agents.
        engine: ``"arrays"`` (fast, the default) or ``"agents"`` (every decision made by a
            Mesa agent; slower, same results).

    Raises:
        ValueError: An unknown ``engine``.
    """

    def __init__(
        self,
        scenario: Scenario,
        seed: int = 0,
        *,
        base_dir: Path | None = None,
        geography: Geography | None = None,
        duties: DutyTable | None = None,
        with_agents: bool = True,
        engine: str = "arrays",
    ):
        if engine not in ENGINES:
            raise ValueError(f"engine must be one of {', '.join(ENGINES)}; got {engine!r}")
        super().__init__(rng=seed)
        self.engine = engine
        self.config = scenario
        self.seed = seed
        self.P = P = params_of(scenario)
        self.duties = duties if duties is not None else load_duties(scenario, base_dir)
        self.geo = geo = geography if geography is not None else build_geography(scenario.geography)
        self.sched = build_schedule(
            scenario, self.duties, P.cost_per_fte_gbp, P.public_health_grant_cs_share
        )
        # Each council's budget multiplier by step (the funding path and single-council cuts).
        self.council_index = council_index(scenario, geo, self.sched, P)
        # The PCC funding model of each force area by step (``pcc.changes`` may name forces).
        self.pcc_model = pcc_models(scenario, geo, self.sched)
        quarters = self.sched.quarters
        self.epochs, self.epoch_of_step, self._shocked = build_epochs(
            scenario, geo, self.duties, quarters, splits_of(P, self.duties.high_risk)
        )
        # Reference dilution: national mean under the 2009 separate structure, so that a
        # scenario that merges CSPs is judged against the same yardstick as its baseline.
        # It is England's (the synthetic 2009 geography), also for a user's own areas, so a
        # small coterminous area is judged against the national norm, not its own average.
        self.dilution_ref = england_dilution_ref()
        self.pop = geo.population
        # National money reaches an area by its share of England's population.
        self.england_pop = england_population()
        self.pop_share = geo.population / self.england_pop
        # Contribution weights at the start (each epoch has its own: ``Epoch.W``).
        self.W = self.epochs[0].W
        self.demand_full = demand_per_area(
            geo.population, self.duties.workload_fte_per_100k, P.demand_scale
        )
        self.base_logit = engagement_base_logit(P)
        # A split-off type's staff are a share of its parent's (``Epoch.staff_share``).
        self.fte_per_100k = np.array(
            [getattr(P, f"{SPLIT_FROM.get(p, p)}_fte_per_100k") for p in PARTNER_TYPES]
        )
        init_rng, self._noise_rng, self._post_rng, priority_rng, self._split_noise_rng = (
            np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(5)
        )
        # Each council's own funding of its team by step: the funding path and its own cuts,
        # times its drifting priority for community safety (ODD 7.1; both engines read it).
        self.team_index = self.council_index * team_priority(
            self.sched.fy, geo.n, P.council_priority_drift_sd, priority_rng
        )
        grant0 = self.sched.grant_direct_gbp[0] * self.pop_share
        self.state = initial_state(
            P,
            geo,
            init_rng,
            grant0,
            self.centred_dilution(self.epochs[0]),
            float(self.sched.cost_per_fte_gbp[0]),
        )
        self.rec = Record(self.sched.n_steps, geo.n, self.duties.n)
        self.t = -1  # index of the last completed step
        self.running = True
        self.agents_engine: AgentStructure | None = None
        if engine == "agents":
            self.agents_engine = a = AgentStructure(self, self.state)
            self.views: dict[str, list[mesa.Agent]] | None = {
                "councils": list(a.councils),
                "partnerships": a.csp_agents,
                "partners": a.agency_agents,
                "pccs": list(a.pccs),
            }
        else:
            self._build_tables()
            self.views = build_agent_views(self) if with_agents else None

    def _build_tables(self) -> None:
        """Work out everything the array engine's steps need that does not depend on the
        evolving state: each submodel's tables for the run, its epochs and its segments."""
        sc = self.sched
        self.budget_tables = budgets.build_tables(self)
        self.delivery_run = delivery.build_run_tables(self)
        self.adaptation_run = adaptation.build_run_tables(self, self.budget_tables.inputs.pressure)
        self._shocked_rows = [[PARTNER_TYPES.index(p) for p in sorted(c)] for c in self._shocked]
        self._inherited = [
            gained_links(prev, ep)
            for prev, ep in zip(self.epochs[:-1], self.epochs[1:], strict=True)
        ]
        stops = [e.start_step for e in self.epochs[1:]] + [sc.n_steps]
        weights: dict[int, PartnerWeights] = {}
        tables = [
            build_epoch_tables(self, ep, stop, self.centred_dilution(ep), weights)
            for ep, stop in zip(self.epochs, stops, strict=True)
        ]
        self._segments, self._segment_of_step = build_segments(self, tables, self.adaptation_run)

    def centred_dilution(self, ep: Epoch) -> np.ndarray:
        """Dilution of each (partner type, area) in epoch ``ep`` relative to England's 2009
        reference: log(CSPs + hubs the agency serves) minus the national mean.

        The police row is weighted by ``police_dilution_weight``: every CSP has its own local
        police commander and neighbourhood team, so a force's attention to one CSP is not
        spread evenly over all the CSPs of the force.
        """
        centred: np.ndarray = dilution(ep) - self.dilution_ref[:, None]
        centred[_POLICE] *= self.P.police_dilution_weight
        return centred

    @property
    def epoch(self) -> Epoch:
        """Structure in force at the current step."""
        epoch: Epoch = self.epochs[self.epoch_of_step[max(self.t, 0)]]
        return epoch

    # ------------------------------------------------------------------ the step
    def step(self) -> None:
        """Advance one quarter: the submodels of ODD section 7, in order, all synchronous.

        1. Budgets (7.1): agency budgets follow the funding index; grants reach council
           teams (direct, or through the PCC by its funding model), minus diversion of
           non-ring-fenced money and late annual allocations; teams grow towards what their
           budget pays for (cuts bite at once); posts at risk may be lost.
        2. Demand (7.2): each duty in force creates workload in proportion to population.
        3. Commitments (7.3): each partner agency offers each CSP it serves its expected
           share of the work, scaled by engagement (floored by statutory obligation) and
           willingness under budget pressure, after paying a fixed attendance cost per CSP;
           offers are rationed to its available capacity.
        4. Delivery (7.4): the council team fills the gaps partners leave; capacity becomes
           delivery with the CSP's coordination efficiency, in delivery units (CSP, merged
           CSP or sub-regional hub) where high-volume duties lose locality and low-volume
           ones share a fixed cost.
        5. Adaptation (7.5): engagement moves towards a target set by reciprocity, budget
           pressure, statutory obligation and dilution, plus noise; council ownership fades
           in merged CSPs.

        The quarter's random numbers are drawn first, as whole arrays, the same for both
        engines: post losses (uniform, (post, lose / regain, area)) and engagement noise
        (normal, (partner type, area); the split-off types' rows from their own stream).
        """
        if self.t + 1 >= self.sched.n_steps:
            self.running = False
            return
        self.t = t = self.t + 1
        n = self.geo.n
        post_draws = self._post_rng.random((4, n)).reshape(2, 2, -1)
        noise = np.empty((_NP, n))
        self._noise_rng.standard_normal(out=noise[:_N_OWN_STREAM])
        self._split_noise_rng.standard_normal(out=noise[_N_OWN_STREAM:])
        noise *= self.P.engagement_noise_sd
        if self.engine == "agents":
            self._step_agents(t, post_draws, noise)
        else:
            self._step_arrays(t, post_draws, noise)
        if self.t + 1 >= self.sched.n_steps:
            self.running = False

    def _step_agents(self, t: int, post_draws: np.ndarray, noise: np.ndarray) -> None:
        """One quarter, every decision made by a Mesa agent (the readable engine).

        The agents of one phase act on what the previous phases left, so the order inside
        a phase does not matter (``AgentSet.do``, no shuffle).
        """
        a = self.agents_engine
        if a is None:
            raise RuntimeError(
                f"this model runs on arrays (engine={self.engine!r}): it has no agent engine"
            )
        if t == 0 or self.epoch_of_step[t] != self.epoch_of_step[t - 1]:
            e = self.epoch_of_step[t]
            a.rewire(self.epochs[e], self._shocked[e], first=t == 0)
        # 7.1 Budgets
        a.pccs.do("pass_on_fund", t)
        a.councils.do("set_budget", t, post_draws)
        # 7.2 Demand
        a.councils.do("assess_demand", t)
        # 7.3 Commitments
        a.partners.do("split_attention", t)
        # 7.4 Delivery
        a.footprints.do("share_fixed_costs")
        a.csps.do("plan_delivery", t)
        a.footprints.do("deliver")
        # 7.5 Adaptation
        a.partners.do("adapt_engagement", t, noise)
        a.councils.do("adapt_ownership")
        record_agents(self, a, t)

    def _step_arrays(self, t: int, post_draws: np.ndarray, noise: np.ndarray) -> None:
        """One quarter on arrays (the fast engine)."""
        seg = self._segments[self._segment_of_step[t]]
        if t > 0 and t == seg.tables.start:  # a reorganisation shakes engagement
            e = self.epoch_of_step[t]
            for child, parent, areas in self._inherited[e - 1]:  # (before the shock)
                self.state.engagement[child, areas] = self.state.engagement[parent, areas]
            for p in self._shocked_rows[e]:
                self.state.engagement[p] *= 1 - self.P.reorganisation_shock
            merged = self.epochs[self.epoch_of_step[t]].merged
            if merged is not None:  # merged agencies (ICBs): only where they merged
                self.state.engagement[merged] *= 1 - self.P.reorganisation_shock
            moved = self.epochs[self.epoch_of_step[t]].transition
            if moved is not None:  # new unitaries: every partner's engagement there
                self.state.engagement[:, moved] *= 1 - self.P.council_reorganisation_shock
        money = self.budget_tables.inputs
        funded_gbp, lost = budgets.step_arrays(self, self.budget_tables, t, post_draws)
        # 7.2 Demand: constant within a segment (``seg.work``).
        R, committed_fte = commitments.step_arrays(self, t, seg)
        delivered = delivery.step_arrays(self, self.delivery_run, money, t, seg, R, lost)
        adaptation.step_arrays(self, self.adaptation_run, t, seg, delivered, noise)
        record_arrays(self, money, t, seg, funded_gbp, R, committed_fte)

    def run(self) -> CSPModel:
        """Run every quarter of the scenario.

        Each quarter is one Mesa step (``steps`` and ``time`` advance by one), called
        directly rather than through Mesa's event list: a bulk run has no other events, and
        the event machinery and its log line cost about a tenth of an array-engine run.
        ``model.step()`` still goes through Mesa's scheduler, for interactive use.
        """
        user_step = getattr(self, "_user_step", None)
        if user_step is None or len(self._event_list) > 1:  # other events: let Mesa run them
            while self.running:
                self.step()
            return self
        while self.running:
            self.steps += 1
            self.time += 1
            user_step()
        return self
