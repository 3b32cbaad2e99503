"""Typed model parameters: one ``float`` field per entry of the parameter registry.

GENERATED from ``configs/parameters.toml`` by ``scripts/update_odd_table.py``: do not edit by
hand; change the registry and re-run the script (``tests/test_params.py`` checks the two
agree). Each field's docstring gives the registry's description, unit and source.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the scenario module reads the registry, not this module
    from cspsim.inputs.scenario import Scenario


@dataclass(frozen=True, slots=True)
class Params:
    """Every registry parameter as a plain Python float (numpy scalars slow the model).

    Read attributes by registry name (``P.cost_per_fte_gbp``, ``getattr(P, name)``); make a
    changed copy with ``dataclasses.replace`` and a dict with ``dataclasses.asdict``.
    """

    council_fte_mean_district_borough: float
    """Mean community safety team size in district/borough councils in 2009. Unit: fte. Source: 2009
    survey T4 (mean FTE in community safety team, district/borough)."""

    council_fte_mean_unitary: float
    """Mean community safety team size in unitary councils in 2009. Unit: fte. Source: 2009 survey
    T4 (unitary)."""

    council_fte_mean_metropolitan: float
    """Mean community safety team size in metropolitan districts in 2009. Unit: fte. Source: 2009
    survey T4 (metropolitan)."""

    council_fte_mean_london_borough: float
    """Mean community safety team size in London boroughs in 2009. Unit: fte. Source: 2009 survey T4
    (London borough)."""

    council_fte_cv: float
    """Coefficient of variation of team size within an authority type (lognormal). Unit: ratio.
    Source: assumption; range 1-185 FTE in 2009 survey T4."""

    council_fte_min: float
    """Smallest community safety team drawn for 2009 (drawn sizes are clipped to it). Unit: fte.
    Source: 2009 survey T4 (range of team sizes, 1-185 FTE); bounds assumption."""

    council_fte_max: float
    """Largest community safety team drawn for 2009 (drawn sizes are clipped to it). Unit: fte.
    Source: 2009 survey T4 (range of team sizes, 1-185 FTE); bounds assumption."""

    p_analyst_district_borough: float
    """Probability that a district team has a dedicated analyst in 2009. Unit: probability. Source:
    2009 survey T5 (35 of 99 district teams)."""

    p_analyst_unitary: float
    """Probability that a unitary team has a dedicated analyst in 2009. Unit: probability. Source:
    2009 survey T5 (21 of 24)."""

    p_analyst_metropolitan: float
    """Probability that a metropolitan team has a dedicated analyst in 2009. Unit: probability.
    Source: 2009 survey T5 (3 of 4)."""

    p_analyst_london_borough: float
    """Probability that a London borough team has a dedicated analyst in 2009. Unit: probability.
    Source: 2009 survey T5 (15 of 15)."""

    p_coordinator_district_borough: float
    """Probability that a district CSP has a dedicated coordinator post in 2009. Unit: probability.
    Source: assumption (U): most 2009 CDRPs had a named manager (survey respondents were CS
    managers)."""

    p_coordinator_other: float
    """Probability that a unitary, metropolitan or London CSP has a dedicated coordinator in 2009.
    Unit: probability. Source: assumption (U)."""

    p_chair_police: float
    """Share of CSPs chaired by a senior police officer. Unit: probability. Source: 2009 survey T12
    (senior police officer 25%)."""

    p_chair_elected_member: float
    """Share of CSPs chaired by an elected member (the rest: a senior council officer). Unit:
    probability. Source: 2009 survey T12 (portfolio holder 22% + other elected member 6%)."""

    cost_per_fte_gbp: float
    """Annual cost of one FTE of community safety capacity (all agencies) in 2009-10. Unit:
    gbp_per_year. Source: assumption: salary plus on-costs of a mid-grade public-sector officer in
    2009-10; later years move with the scenario's funding.cost_per_fte_index (NJC pay awards in the
    history, configs/series/public_sector_pay.csv)."""

    public_health_grant_cs_share: float
    """Share of the public health grant (funding.public_health_grant_gbp) that funds the upper-tier
    councils' community-safety drug and alcohol work: capacity for drugs_alcohol_public_health from
    April 2013, shared by population. Unit: share. Source: assumption: the money that paid for the
    NHS body's part of the partnership drug and alcohol work moves with it in April 2013: its 0.4
    share of drugs_alcohol's 1.8 fte per 100k, for 53.7m residents at GBP 40,400 an FTE, is GBP
    15.6m, 0.59% of the 2013-14 grant (D), rounded; the councils' own former share stays on their
    budgets. Grant: configs/series/public_health_grant.csv."""

    police_fte_per_100k: float
    """Police capacity available for partnership work, per 100,000 residents, 2009. Unit:
    fte_per_100k. Source: assumption: partnership and problem-solving staff, a small share of ~270
    officers per 100k (FACTS §3)."""

    probation_fte_per_100k: float
    """Probation capacity available for partnership work per 100,000 residents, 2009. Unit:
    fte_per_100k. Source: assumption."""

    health_fte_per_100k: float
    """Health-body (PCT/CCG/ICB) capacity for partnership work per 100,000 residents, 2009. Unit:
    fte_per_100k. Source: assumption."""

    fire_rescue_fte_per_100k: float
    """Fire and rescue capacity for partnership work per 100,000 residents, 2009. Unit:
    fte_per_100k. Source: assumption."""

    youth_offending_fte_per_100k: float
    """Youth offending service capacity for partnership work per 100,000 residents, 2009. Unit:
    fte_per_100k. Source: assumption."""

    county_council_fte_per_100k: float
    """County council capacity for district CSPs (two-tier areas), per 100,000 residents, 2009.
    Unit: fte_per_100k. Source: assumption."""

    nps_staff_share: float
    """Share of probation's partnership capacity held by the National Probation Service while it is
    a separate partner (June 2014 to June 2021); the CRC holds the rest. Unit: share. Source:
    assumption: the NPS took the courts, high-risk cases and MAPPA (FACTS §1), so more of the staff
    than of the caseload; no sourced split of partnership staff."""

    nps_share_of_probation_work: float
    """Share of probation's expected contribution to a duty that the National Probation Service
    takes while it is a separate partner (duties not flagged high_risk). Unit: share. Source: FACTS
    §1: the 21 CRCs took ~70% of the caseload (D: the NPS ~30%)."""

    nps_share_of_high_risk_work: float
    """Share of probation's expected contribution to a high-risk duty that the National Probation
    Service takes while it is a separate partner. Unit: share. Source: assumption: the NPS managed
    high-risk offenders and MAPPA (FACTS §1); applies to the duties flagged high_risk in
    configs/duties.toml (domestic homicide reviews, Prevent)."""

    attendance_fte_per_csp: float
    """Fixed capacity a partner spends to stay at one CSP's table, per quarter, at full engagement.
    Unit: fte. Source: assumption: strategy group, sub-groups and preparation for one CSP (seed 003:
    'numerous strategic group meetings')."""

    pressure_sensitivity: float
    """How strongly a partner's budget pressure (share of its 2009 budget lost) cuts the share of
    need it is willing to meet. Unit: ratio. Source: assumption."""

    statutory_floor: float
    """Minimum share of its expected contribution a partner bound by a duty commits, whatever its
    engagement. Unit: share. Source: assumption: responsible authorities must take part (Crime and
    Disorder Act 1998 s5)."""

    engagement_base_police: float
    """Engagement a police force tends to in 2009 conditions (0 = absent, 1 = fully engaged). Unit:
    share. Source: 2009 survey T19 (police 91% very involved); calibrated in issue 5."""

    engagement_base_fire_rescue: float
    """Engagement a fire and rescue authority tends to in 2009 conditions. Unit: share. Source: 2009
    survey T19 (fire 43% very involved)."""

    engagement_base_health: float
    """Engagement a health body tends to in 2009 conditions. Unit: share. Source: 2009 survey T19
    (health 20% very, 11% not at all)."""

    engagement_base_probation: float
    """Engagement a probation area tends to in 2009 conditions. Unit: share. Source: 2009 survey T19
    (probation 18% very, 12% not at all)."""

    engagement_base_youth_offending: float
    """Engagement a youth offending service tends to in 2009 conditions. Unit: share. Source: 2009
    survey T19 (youth offending 26% very involved)."""

    engagement_base_county_council: float
    """Engagement a county council tends to with its district CSPs in 2009 conditions. Unit: share.
    Source: 2009 survey T19 (county council 56% very involved, districts only)."""

    engagement_logit_offset_probation_nps: float
    """Base engagement of the National Probation Service (2014-21) on the logit scale, relative to
    probation's base (engagement_base_probation). Unit: logit. Source: assumption: NPS staff came
    from the same probation trusts as the CRCs' (FACTS §1), so by default the same base engagement
    as probation; the range asks whether a national civil-service body engaged more or less."""

    engagement_initial_sd: float
    """Spread of initial engagement across links at engagement 0.5 (the logit-scale standard
    deviation is 4 times this, for every partner). Unit: share. Source: assumption; spread of 2009
    survey T19 answers."""

    engagement_adjust_rate: float
    """Share of the gap between engagement and its target closed each quarter. Unit: per_quarter.
    Source: assumption (inertia: engagement moves 15% of the way to its target each quarter)."""

    engagement_noise_sd: float
    """Quarterly random shock to engagement (turnover of individuals, local events). Unit: share.
    Source: assumption."""

    w_reciprocity: float
    """Weight of delivered outcomes the partner cares about (share met on its duties) in its
    engagement target. Unit: logit_per_share. Source: assumption; Berry et al. 2011 (shared outcomes
    sustain partnership work)."""

    w_pressure: float
    """Weight of the partner's own budget pressure in its engagement target. Unit: logit_per_share.
    Source: assumption."""

    w_statutory: float
    """Weight of statutory obligation (share of the partner's CSP workload under duties that bind
    it). Unit: logit_per_share. Source: assumption."""

    w_dilution: float
    """Pull-down on engagement per unit of log(number of CSPs the partner's agency serves), relative
    to the national average (the two-tier dilution). Unit: logit_per_log_csps. Source: assumption;
    seed 003 (two-tier areas: 'numerous strategic group meetings'; a coterminous unitary CSP is less
    burdensome)."""

    police_dilution_weight: float
    """Share of the dilution pull (w_dilution) that applies to police: 1 = a force's attention
    spread evenly over all its CSPs, 0 = each CSP served as if by its own force. Unit: ratio.
    Source: assumption; Crime and Disorder Act 1998 s5 (every chief officer of police with any part
    of the area is a responsible authority): each CSP has a local police commander and neighbourhood
    team, so a force's attention is not spread evenly over its CSPs (issue 12)."""

    reorganisation_shock: float
    """Share of engagement lost on a partner's links when its organisation is restructured. Unit:
    share. Source: assumption; seed 001 (reforms 'minimised the ability of these services to be
    flexible')."""

    council_reorganisation_shock: float
    """Share of every partner's engagement lost in the areas whose council is replaced by a new
    unitary in a scenario's future reorganisation (the transition shock). Unit: share. Source:
    assumption: as reorganisation_shock (seed 001); the transition to new unitaries in a scenario's
    [[geography.reorganise]]."""

    section_114_cut_pct: float
    """Cut to a council's budget while a section 114 notice is in force ([[funding.area_cuts]] with
    section_114 = true and no pct). Unit: percent. Source: assumption: a section 114 notice (Local
    Government Finance Act 1988 s114) stops all new spending except on statutory services; the share
    of a council's community safety budget that is not statutory is not published."""

    chair_police_engagement_bonus: float
    """Extra pull on police engagement where a senior police officer chairs the CSP. Unit: logit.
    Source: assumption; 2009 survey T12-T17 (police chairs rated knowledgeable and influential)."""

    demand_scale: float
    """Multiplier on every duty's workload per 100,000 residents. Unit: ratio. Source: assumption;
    calibrated so that 2009 capacity answers match survey T6."""

    efficiency_base: float
    """Share of committed capacity that becomes delivery in a CSP with no coordinator, no analyst
    and an officer chair. Unit: share. Source: assumption."""

    gain_coordinator: float
    """Relative efficiency gain from a dedicated coordinator. Unit: share. Source: assumption; seed
    000 (coordination functions 'tacked onto other roles' lose effect)."""

    gain_analyst: float
    """Relative efficiency gain from a dedicated analyst. Unit: share. Source: assumption; 2009
    survey T18 (analysts support evidence-based decisions)."""

    chair_member_penalty: float
    """Relative efficiency loss where an elected member chairs. Unit: share. Source: assumption;
    2009 survey T13-T17 (elected members rated less knowledgeable than officers)."""

    two_tier_reporting_fte: float
    """District team capacity spent each quarter reporting to the county. Unit: fte. Source:
    assumption; seed 003 ('I spend so much time reporting to County ... I hardly have time to
    deliver')."""

    team_size_elasticity: float
    """Elasticity of a council team's partnership capacity to its size, around the district mean
    team (1 = proportional). Unit: ratio. Source: assumption; 2009 survey T4 with T6/T9 ('staff
    numbers did not correlate with reported capacity'); calibrated."""

    locality_penalty_high_volume: float
    """Efficiency lost on high-volume duties as the delivery footprint grows (at the limit of many
    areas). Unit: share. Source: assumption; seed 004 (high-volume issues 'lend themselves much more
    readily to a Borough based approach')."""

    management_tier_fte_per_area: float
    """Extra management capacity consumed per additional council area in a merged or sub-regional
    delivery unit. Unit: fte. Source: assumption; seed 004 (a larger scheme 'would probably have to
    incorporate an intermediate management tier')."""

    merged_ownership_loss: float
    """Share of a council's commitment lost, at the limit, when its CSP is merged with many others
    (approached gradually). Unit: share. Source: assumption; seed 004 (councils' engagement fading
    'gradually over a period of time')."""

    ownership_adjust_rate: float
    """Share of the gap to its ownership target a council closes each quarter. Unit: per_quarter.
    Source: assumption; seed 004 ('not immediately ... gradually')."""

    reciprocity_ref: float
    """Share met on its own duties at which reciprocity neither raises nor lowers a partner's
    engagement. Unit: share. Source: assumption: about the national share of demand met in 2009 in
    the baseline, so 2009 starts near equilibrium."""

    capacity_limited_threshold: float
    """A CSP is flagged capacity-limited in a quarter when its overall share of demand met falls
    below this. Unit: share. Source: assumption."""

    council_priority_drift_sd: float
    """Each council's priority for community safety drifts each financial year after the first: its
    own funding of the team is multiplied by exp of a random walk with this standard deviation per
    year (mean-preserving). Unit: log_ratio_per_year. Source: assumption (issue 12: councils did not
    all shrink their teams after 2010; no source gives the spread; the LGA 2016 survey is evidence
    to judge it against, not to fit)."""

    staff_adjust_rate: float
    """Share of the gap between team FTE and the FTE its budget pays for closed each quarter. Unit:
    per_quarter. Source: assumption (recruitment and redundancy take about a year)."""

    turnover_annual_allocation: float
    """Share of grant-funded staff who leave at each year end when grants are allocated annually.
    Unit: share_per_year. Source: assumption; seed 003 ('constantly on possible redundancy cycle').
    """

    turnover_multi_year_allocation: float
    """Share of grant-funded staff who leave at each year end under multi-year allocations. Unit:
    share_per_year. Source: assumption."""

    new_staff_productivity_loss: float
    """Share of a replacement's capacity lost in the quarter they are recruited. Unit: share.
    Source: assumption."""

    late_allocation_loss: float
    """Share of an annually allocated grant lost in the first quarter of the year because it arrives
    late. Unit: share. Source: assumption; FACTS §1 (2011-12 CSP cuts announced after councils set
    budgets)."""

    grant_diversion: float
    """Share of council budget pressure passed on to a non-ring-fenced community safety grant. Unit:
    share. Source: assumption (non-ring-fenced grant absorbed by general council pressures)."""

    analyst_min_fte: float
    """Team size below which a dedicated analyst post is at risk. Unit: fte. Source: assumption."""

    coordinator_min_fte: float
    """Team size below which a dedicated coordinator post is at risk. Unit: fte. Source: assumption;
    seed 000 (councils can no longer afford a dedicated post)."""

    p_post_loss_per_quarter: float
    """Quarterly probability that an at-risk coordinator or analyst post is lost. Unit: probability.
    Source: assumption."""

    post_regain_chance_ratio: float
    """Quarterly chance that a team large enough regains a lost coordinator or analyst post, as a
    share of the chance of losing one. Unit: ratio (of p_post_loss_per_quarter). Source: assumption.
    """

    post_regain_team_multiple: float
    """A lost post can be regained once the team is this many times the post's minimum team size.
    Unit: ratio (team fte / post minimum fte). Source: assumption."""

    pcc_retained_share: float
    """Share of the community safety fund a PCC keeps for its own commissioning under the grant
    model. Unit: share. Source: assumption; Thames Valley retained GBP 0.3m of GBP 3.04m (FACTS §3).
    """

    central_commissioning_efficiency: float
    """Efficiency of capacity commissioned centrally by the PCC, relative to a CSP's own. Unit:
    share. Source: assumption (central commissioning loses local fit, saves local overhead)."""

    bid_cost_fte: float
    """Council capacity each CSP spends per quarter preparing bids under the competitive model.
    Unit: fte. Source: assumption; seed 001 (CSPs bid to PCCs)."""

    backbone_efficiency_gain: float
    """Maximum relative efficiency gain on the backbone's duties from voluntary-sector coordination.
    Unit: share. Source: seed 002 (MARAC/IDVA backbone made other resources effective); size is an
    assumption."""

    backbone_half_effect_gbp: float
    """Backbone investment per CSP per year that gives half the maximum gain. Unit:
    gbp_per_csp_per_year. Source: seed 002 (about GBP 6m over six years, i.e. ~GBP 3k per CSP per
    year (D)); half-effect level is an assumption."""

    survey_very_threshold: float
    """Engagement at or above which a partner is read out as 'very involved'. Unit: share. Source:
    assumption; calibrated against 2009 survey T19/T24 in issue 5."""

    survey_fairly_threshold: float
    """Engagement at or above which a partner is read out as 'fairly involved'. Unit: share. Source:
    assumption."""

    survey_not_very_threshold: float
    """Engagement at or above which a partner is 'not very involved' (below: 'not at all'). Unit:
    share. Source: assumption."""

    survey_always_unmet: float
    """Unmet share of demand at or above which lack of capacity hurts delivery 'always'. Unit:
    share. Source: assumption; calibrated against 2009 survey T6."""

    survey_often_unmet: float
    """Unmet share at or above which capacity hurts delivery 'often'. Unit: share. Source:
    assumption."""

    survey_sometimes_unmet: float
    """Unmet share at or above which capacity hurts delivery 'sometimes'. Unit: share. Source:
    assumption."""

    survey_seldom_unmet: float
    """Unmet share at or above which capacity hurts delivery 'seldom' (below: 'never'). Unit: share.
    Source: assumption."""

    survey_response_sd: float
    """Spread of a respondent's reading of the state before it is cut into answer categories (0 =
    every respondent reads it exactly). Unit: share. Source: assumption (ordered-probit answer
    model: respondents read the same state differently); calibrated against the 2009 survey."""

    survey_team_smaller_margin: float
    """Share of its FTE a team must have lost since an earlier year before the synthetic survey
    answers that it is smaller. Unit: share. Source: assumption: a manager calls the team smaller
    once it has lost more than this share of its FTE since the earlier year (issue 12; e.g. the LGA
    2016 survey)."""

    survey_confidence_not_very: float
    """Share of demand met at or above which a manager is 'not very' rather than 'not at all'
    confident in capacity for the next 12 months. Unit: share. Source: assumption; calibrated
    against 2009 survey T9."""

    survey_confidence_fairly: float
    """Share of demand met at or above which a manager is 'fairly confident' in capacity. Unit:
    share. Source: assumption; calibrated against 2009 survey T9."""

    survey_confidence_very: float
    """Share of demand met at or above which a manager is 'very confident' in capacity. Unit: share.
    Source: assumption; calibrated against 2009 survey T9."""

    survey_evidence_analyst_weight: float
    """Weight of a dedicated analyst (vs partners' mean strategic engagement) in how far decisions
    are based on evidence. Unit: share. Source: assumption; 2009 survey T18 with T5 (analysts
    support evidence-based decisions)."""

    survey_evidence_small: float
    """Evidence score at or above which decisions are evidence-based to a 'small extent' (below:
    'not at all'). Unit: share. Source: assumption; calibrated against 2009 survey T18."""

    survey_evidence_some: float
    """Evidence score at or above which decisions are evidence-based to 'some extent'. Unit: share.
    Source: assumption; calibrated against 2009 survey T18."""

    survey_evidence_large: float
    """Evidence score at or above which decisions are evidence-based to a 'large extent'. Unit:
    share. Source: assumption; calibrated against 2009 survey T18."""

    survey_challenge_fairly_unmet: float
    """Unmet share of a duty's demand at or above which delivering it is 'fairly challenging'
    (below: 'not at all'). Unit: share. Source: assumption; calibrated against 2009 survey T10."""

    survey_challenge_very_unmet: float
    """Unmet share of a duty's demand at or above which delivering it is 'very challenging'. Unit:
    share. Source: assumption; calibrated against 2009 survey T10."""

    @classmethod
    def from_scenario(cls, scenario: Scenario) -> Params:
        """The scenario's value of every parameter (its override, else the default)."""
        return cls(**{f.name: float(scenario.param(f.name)) for f in fields(cls)})

    @classmethod
    def from_values(cls, values: Mapping[str, float]) -> Params:
        """Parameters from a mapping that names every field (extra names are an error)."""
        return cls(**{name: float(value) for name, value in values.items()})
