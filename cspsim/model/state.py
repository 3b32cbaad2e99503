"""Initial state of a run and the per-step record buffers (numpy only, no Mesa)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from cspsim.inputs.geography import Geography
from cspsim.inputs.params import Params
from cspsim.inputs.scenario import Scenario
from cspsim.model.submodels.adaptation import logit, sigmoid
from cspsim.vocab import AUTHORITY_TYPES, CHAIRS, PARTNER_TYPES, SPLIT_FROM


def params_of(scenario: Scenario) -> Params:
    """Every registry parameter as a plain Python float (numpy scalars slow the model)."""
    return Params.from_scenario(scenario)


def engagement_base_logit(P: Params) -> np.ndarray:
    """Base engagement of each partner type on the logit scale, (7,): the registry's
    ``engagement_base_<type>``; a split-off type's is its parent's plus its offset
    (``engagement_logit_offset_<type>``)."""
    own = [p for p in PARTNER_TYPES if p not in SPLIT_FROM]
    base = dict(
        zip(own, logit(np.array([getattr(P, f"engagement_base_{p}") for p in own])), strict=True)
    )
    for child, parent in SPLIT_FROM.items():
        base[child] = base[parent] + getattr(P, f"engagement_logit_offset_{child}")
    return np.array([base[p] for p in PARTNER_TYPES])


@dataclass
class AreaState:
    """Mutable state of councils and of partner engagement, by council area.

    Attributes:
        team_fte: Community safety team size (fte).
        base_gbp: The council's own annual funding of the team at the start (GBP per year).
        analyst: Team has a dedicated analyst.
        coordinator: Team has a dedicated coordinator.
        chair: Chair type index into ``CHAIRS``; fixed for the run (the model reads it once,
            when it is built).
        ownership: Council's commitment to its CSP (1 = full; falls after a merger).
        engagement: Strategic engagement of each partner type with each area's CSP,
            shape (7, n_areas), in [0, 1]; 0 where the area has no such partner.
    """

    team_fte: np.ndarray
    base_gbp: np.ndarray
    analyst: np.ndarray
    coordinator: np.ndarray
    chair: np.ndarray
    ownership: np.ndarray
    engagement: np.ndarray


def initial_state(
    P: Params,
    geo: Geography,
    rng: np.random.Generator,
    initial_grant_gbp: np.ndarray,
    dilution: np.ndarray,
    cost_per_fte_gbp: float | None = None,
) -> AreaState:
    """Draw the 2009 state of every council area.

    Team size is lognormal around the survey T4 mean of its type (or as given), analyst and
    coordinator posts are Bernoulli with the survey T5 shares, the chair follows T12.
    Engagement starts at each partner type's base, pulled down where its agency serves many
    CSPs (``dilution``, already centred) and up for police where police chair, plus noise.
    The council's own funding is what the drawn team costs at ``cost_per_fte_gbp`` (the
    first step's cost; the registry's by default) less the grants it receives.
    Draws always have the same shapes, so paired scenarios share them.
    """
    n = geo.n
    types = [AUTHORITY_TYPES[t] for t in geo.type_code]
    mean = np.array([getattr(P, f"council_fte_mean_{t}") for t in types])
    sigma2 = np.log1p(P.council_fte_cv**2)
    z = rng.standard_normal(n)
    fte = np.exp(np.log(mean) - sigma2 / 2 + np.sqrt(sigma2) * z)
    fte = np.clip(fte, P.council_fte_min, P.council_fte_max)  # survey T4 range of team sizes
    fte = np.where(np.isnan(geo.team_fte), fte, geo.team_fte)

    u = rng.random((3, n))
    p_analyst = np.array([getattr(P, f"p_analyst_{t}") for t in types])
    p_coord = np.array(
        [
            P.p_coordinator_district_borough if t == "district_borough" else P.p_coordinator_other
            for t in types
        ]
    )
    analyst = np.where(geo.has_analyst >= 0, geo.has_analyst == 1, u[0] < p_analyst)
    coordinator = np.where(geo.has_coordinator >= 0, geo.has_coordinator == 1, u[1] < p_coord)
    drawn_chair = np.where(
        u[2] < P.p_chair_police,
        CHAIRS.index("police"),
        np.where(
            u[2] < P.p_chair_police + P.p_chair_elected_member, CHAIRS.index("elected_member"), 0
        ),
    )
    chair = np.where(geo.chair >= 0, geo.chair, drawn_chair)

    cost = P.cost_per_fte_gbp if cost_per_fte_gbp is None else cost_per_fte_gbp
    base_gbp = np.maximum(fte * cost - initial_grant_gbp, 0.0)

    base_logit = engagement_base_logit(P)
    # One spread on the logit scale for every partner type: the share-scale spread at
    # engagement 0.5 (slope 1/4). Carrying it to the logit scale at each base instead
    # (sd / (base (1 - base))) exploded near 0 or 1 and split a 0.95 base into two modes.
    sd_logit = np.full(len(PARTNER_TYPES), P.engagement_initial_sd / 0.25)
    bonus = np.zeros((len(PARTNER_TYPES), n))
    bonus[PARTNER_TYPES.index("police")] = P.chair_police_engagement_bonus * (
        chair == CHAIRS.index("police")
    )
    noise = rng.standard_normal((len(PARTNER_TYPES), n)) * sd_logit[:, None]
    engagement = sigmoid(base_logit[:, None] + bonus - P.w_dilution * dilution + noise)
    return AreaState(
        team_fte=fte,
        base_gbp=base_gbp,
        analyst=analyst.astype(bool),
        coordinator=coordinator.astype(bool),
        chair=chair.astype(np.int64),
        ownership=np.ones(n),
        engagement=engagement,
    )


@dataclass
class Record:
    """Per-step outputs, by council area (CSP views are aggregated from these).

    Money is in GBP per quarter; capacity in FTE.
    """

    n_steps: int
    n_areas: int
    n_duties: int
    demand: np.ndarray = field(init=False)
    delivered: np.ndarray = field(init=False)
    team_fte: np.ndarray = field(init=False)
    spend_gbp: np.ndarray = field(init=False)
    eng_strategic: np.ndarray = field(init=False)
    eng_operational: np.ndarray = field(init=False)
    analyst: np.ndarray = field(init=False)
    coordinator: np.ndarray = field(init=False)
    ledger: dict[str, np.ndarray] = field(init=False)

    def __post_init__(self) -> None:
        s, a, d, p = self.n_steps, self.n_areas, self.n_duties, len(PARTNER_TYPES)
        # np.full, not np.zeros: large zeros come from the OS as untouched pages, which would
        # then be faulted in one by one by the steps' writes.
        self.demand = np.full((s, a, d), 0.0)
        self.delivered = np.full((s, a, d), 0.0)
        self.team_fte = np.full((s, a), 0.0)
        self.spend_gbp = np.full((s, a), 0.0)
        self.eng_strategic = np.full((s, p, a), np.nan)
        self.eng_operational = np.full((s, p, a), np.nan)
        self.analyst = np.zeros((s, a), dtype=bool)
        self.coordinator = np.zeros((s, a), dtype=bool)
        names = (
            "grants_in_gbp",
            "grants_to_teams_gbp",
            "grants_diverted_gbp",
            "grants_late_lost_gbp",
            "pcc_central_gbp",
            "council_funded_gbp",
            "council_spend_gbp",
            "partner_budget_gbp",
            "partner_committed_gbp",
        )
        self.ledger = {k: np.zeros(s) for k in names}
