"""The CSP model (``cspsim.model.model.CSPModel``): smoke, views, invariants, duties, seeds."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import Counter

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from cspsim.inputs.duties import load_duties
from cspsim.inputs.geography import england_population
from cspsim.inputs.registry import registry
from cspsim.inputs.scenario import load_scenario
from cspsim.model.model import CSPModel
from cspsim.model.timeline import active_from, financial_year, index_series, quarter_starts
from cspsim.model.views import Council, Partnership, PoliceAndCrimeCommissioner
from cspsim.paths import CONFIGS_DIR
from cspsim.vocab import PARTNER_TYPES

LEDGER = (
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


def record_arrays(m: CSPModel) -> dict[str, np.ndarray]:
    """Every per-step array of a run's record, ledger included, by name."""
    out = {
        f.name: getattr(m.rec, f.name)
        for f in dataclasses.fields(m.rec)
        if isinstance(getattr(m.rec, f.name), np.ndarray)
    }
    out.update({f"ledger.{k}": v for k, v in m.rec.ledger.items()})
    return out


def check_invariants(m: CSPModel) -> None:
    """Assert the accounting and range invariants of a finished run."""
    r, led = m.rec, m.rec.ledger
    assert set(led) == set(LEDGER)
    assert np.all(r.team_fte >= 0)
    assert np.all(r.spend_gbp >= 0)
    for k, v in led.items():
        assert np.all(v >= -1e-9), k
        assert np.all(np.isfinite(v)), k
    assert np.all(r.demand >= 0)
    assert np.all(r.delivered >= 0)
    assert np.all(r.delivered <= r.demand * (1 + 1e-12) + 1e-12)
    dem = r.demand.sum(axis=(1, 2))
    share = r.delivered.sum(axis=(1, 2)) / dem
    assert np.all((share >= 0) & (share <= 1 + 1e-12))
    for eng in (r.eng_strategic, r.eng_operational):
        e = eng[np.isfinite(eng)]
        assert e.size > 0
        assert np.all((e >= 0) & (e <= 1))
    # Money: teams never spend more than they are funded, partners never commit more than
    # they hold, and grants are neither created nor lost.
    assert np.all(led["council_spend_gbp"] <= led["council_funded_gbp"] + 1e-6)
    assert np.all(led["partner_committed_gbp"] <= led["partner_budget_gbp"] + 1e-6)
    out = (
        led["grants_to_teams_gbp"]
        + led["grants_diverted_gbp"]
        + led["grants_late_lost_gbp"]
        + led["pcc_central_gbp"]
    )
    np.testing.assert_allclose(out, led["grants_in_gbp"], rtol=1e-9, atol=1e-6)


# ---------------------------------------------------------------- smoke
def test_run_completes(small_run, cleveland):
    """A run advances through every quarter of the scenario and then stops."""
    n = len(quarter_starts(cleveland.time.start, cleveland.time.end))
    assert small_run.sched.n_steps == n
    assert small_run.t == n - 1
    assert small_run.running is False
    assert small_run.rec.demand.shape == (n, 4, small_run.duties.n)
    assert np.all(small_run.rec.demand.sum(axis=(1, 2)) > 0)  # every step was recorded


def test_step_after_the_end_changes_nothing(cleveland):
    """Stepping a finished model leaves its state and records untouched."""
    m = CSPModel(cleveland, seed=3, with_agents=False).run()
    before = {k: v.copy() for k, v in record_arrays(m).items()}
    fte = m.state.team_fte.copy()
    m.step()
    assert m.running is False
    assert m.t == m.sched.n_steps - 1
    np.testing.assert_array_equal(m.state.team_fte, fte)
    for k, v in record_arrays(m).items():
        np.testing.assert_array_equal(v, before[k], err_msg=k)


def test_short_scenario_runs(cleveland, variant):
    """A two-year window from 2015 runs its eight quarters and keeps the invariants."""
    sc = variant(
        cleveland, lambda d: d["time"].update(start=dt.date(2015, 4, 1), end=dt.date(2017, 3, 31))
    )
    m = CSPModel(sc, seed=2, with_agents=False).run()
    assert m.sched.n_steps == 8
    check_invariants(m)


def test_invariants_small_run(small_run):
    """The Cleveland run (seed 1) keeps every accounting and range invariant."""
    check_invariants(small_run)


def test_invariants_national_run(national_run):
    """The national baseline run (seed 1) keeps every accounting and range invariant."""
    check_invariants(national_run)


# ---------------------------------------------------------------- agent views
def test_views_exist(small_run):
    """Councils, partnerships, partner agencies and PCCs are built and registered with Mesa."""
    v = small_run.views
    assert len(v["councils"]) == 4
    assert all(isinstance(c, Council) for c in v["councils"])
    assert len(v["partnerships"]) == 4
    assert all(isinstance(p, Partnership) for p in v["partnerships"])
    assert len(v["pccs"]) == 1 and isinstance(v["pccs"][0], PoliceAndCrimeCommissioner)
    kinds = {p.partner_type for p in v["partners"]}
    assert kinds == set(PARTNER_TYPES) - {"county_council"}  # Cleveland has no county
    assert len(small_run.agents) == sum(len(x) for x in v.values())


def test_council_views_agree_with_arrays(small_run):
    """Council views read the state arrays and the last record."""
    for c in small_run.views["councils"]:
        a = c.area
        assert c.name == small_run.geo.names[a]
        assert c.authority_type == "unitary"
        assert c.population == small_run.geo.population[a]
        assert c.team_fte == small_run.state.team_fte[a] == small_run.rec.team_fte[-1, a]
        assert c.has_analyst == small_run.rec.analyst[-1, a]
        assert c.has_coordinator == small_run.rec.coordinator[-1, a]
        assert 0 < c.ownership <= 1


def test_partnership_views_agree_with_records(small_run):
    """A borough CSP's share met and engagement are its area's last recorded values."""
    r = small_run.rec
    for p in small_run.views["partnerships"]:
        a = small_run.geo.names.index(p.key)
        assert p.active
        assert p.share_met == pytest.approx(r.delivered[-1, a].sum() / r.demand[-1, a].sum())
        for k, ptype in enumerate(PARTNER_TYPES):
            if ptype in ("county_council", "probation_nps"):  # none in 2024 unitaries
                assert np.isnan(r.eng_strategic[-1, k, a])
            else:
                assert p.engagement[ptype] == pytest.approx(r.eng_strategic[-1, k, a])


def test_police_view_capacity_from_inputs(small_run, cleveland):
    """Cleveland police capacity = fte per 100k x population / 1e5 x police budget index."""
    police = [p for p in small_run.views["partners"] if p.partner_type == "police"]
    assert len(police) == 1 and police[0].active
    fy = financial_year(small_run.sched.quarters[-1])
    index = index_series(cleveland.funding.index["police"], [fy])[0]
    pop = sum(a.population for a in cleveland.geography.areas)
    expected = registry()["police_fte_per_100k"].default * pop / 1e5 * index
    assert police[0].capacity_fte == pytest.approx(expected)
    assert police[0].n_csps_served == 4
    # Money at the step's cost of an FTE (the registry's 2009 cost moved with pay awards).
    cost = (
        registry()["cost_per_fte_gbp"].default
        * index_series(cleveland.funding.cost_per_fte_index, [fy])[0]
    )
    assert small_run.sched.cost_per_fte_gbp[-1] == pytest.approx(cost)
    assert police[0].budget_gbp == pytest.approx(expected * cost)


def test_pcc_view(small_run):
    """By the end of the run the PCC is in office with the scenario's funding model."""
    pcc = small_run.views["pccs"][0]
    assert pcc.force == "Cleveland"
    assert pcc.in_office
    assert pcc.funding_model == "grant"


def test_national_views(national_run):
    """National views: one council per area (326 in April 2009), a PCC per police force area
    (39 in England, the City of London's included), unique active partner agencies."""
    v = national_run.views
    assert len(v["councils"]) == 326
    assert len(v["pccs"]) == len(national_run.geo.footprint_names["police"]) == 39
    active = [(p.partner_type, p.name) for p in v["partners"] if p.active]
    assert len(active) == len(set(active))
    county = [p for p in v["partners"] if p.partner_type == "county_council"]
    served = sum(p.n_csps_served for p in county)
    ep = national_run.epoch  # one link per CSP of two-tier districts at the end
    assert served == len(np.unique(ep.csp_of_area[ep.two_tier]))


def test_user_area_partner_views_are_unique(cleveland):
    """During the CCG years (2013-2022) each active partner agency has exactly one view."""
    m = CSPModel(cleveland, seed=1)
    for _ in range(24):  # into 2015, CCG epoch
        m.step()
    active = Counter((p.partner_type, p.name) for p in m.views["partners"] if p.active)
    assert max(active.values()) == 1, active


# ---------------------------------------------------------------- invariants under variation
PARAMS = (
    "demand_scale",
    "staff_adjust_rate",
    "grant_diversion",
    "late_allocation_loss",
    "engagement_noise_sd",
    "engagement_adjust_rate",
    "pressure_sensitivity",
    "statutory_floor",
    "w_dilution",
    "w_reciprocity",
    "attendance_fte_per_csp",
    "p_post_loss_per_quarter",
    "pcc_retained_share",
    "merged_ownership_loss",
)


@st.composite
def scenario_changes(draw):
    """Random registry values within bounds, and random structural choices."""
    reg = registry()
    names = draw(st.lists(st.sampled_from(PARAMS), unique=True, max_size=5))
    params = {n: draw(st.floats(reg[n].lower, reg[n].upper)) for n in names}
    return {
        "parameters": params,
        "pcc": draw(st.sampled_from(["grant", "central", "bids"])),
        "allocation": draw(st.sampled_from(["annual", "multi_year"])),
        "mode": draw(st.sampled_from(["separate", "merged", "one_plus_four"])),
        "cut": draw(st.one_of(st.none(), st.floats(0.0, 100.0))),
        "levers": draw(st.booleans()),
    }


@given(seed=st.integers(0, 2**31 - 1), changes=scenario_changes())
def test_invariants_hold_under_variation(cleveland, variant, seed, changes):
    """Over seeds, parameters within bounds, PCC models, structures and cuts, the invariants
    hold: no negative FTE or money, shares and engagement in [0, 1], spend within budgets,
    grants conserved."""

    def change(d):
        d["parameters"] = changes["parameters"]
        d["pcc"]["funding_model"] = changes["pcc"]
        d["funding"]["allocation"] = changes["allocation"]
        d["structure"].update(mode=changes["mode"], start=dt.date(2014, 4, 1))
        if changes["cut"] is not None:
            d["funding"]["cuts"] = [
                {"agency": "council", "start": dt.date(2012, 4, 1), "pct": changes["cut"]}
            ]
        d["levers"].update(fund_coordinator=changes["levers"], fund_analyst=changes["levers"])

    m = CSPModel(variant(cleveland, change), seed=seed, with_agents=False).run()
    check_invariants(m)


# ---------------------------------------------------------------- money flows from inputs
def _step_of(m: CSPModel, d: dt.date) -> int:
    return m.sched.quarters.index(d)


def test_pcc_fund_reaches_the_force_by_population(small_run, cleveland):
    """From 2013 the grants in are the PCC fund times Cleveland's population share, per quarter."""
    t = _step_of(small_run, dt.date(2015, 4, 1))
    fund = next(g for g in cleveland.funding.grants if g.name == "pcc_community_safety_fund")
    pop = sum(a.population for a in cleveland.geography.areas)
    expected = fund.gbp_per_year[2013] * pop / england_population() / 4
    assert small_run.rec.ledger["grants_in_gbp"][t] == pytest.approx(expected)


def test_grant_model_pcc_keeps_its_share(small_run):
    """Under the grant model the PCC keeps ``pcc_retained_share`` of the fund (no direct grant)."""
    led = small_run.rec.ledger
    t = _step_of(small_run, dt.date(2015, 4, 1))
    share = registry()["pcc_retained_share"].default
    assert led["pcc_central_gbp"][t] == pytest.approx(share * led["grants_in_gbp"][t])
    t0 = _step_of(small_run, dt.date(2010, 4, 1))
    assert led["pcc_central_gbp"][t0] == 0.0  # before PCCs


def test_central_model_passes_nothing_to_teams(cleveland, variant):
    """Under central commissioning no PCC money reaches council teams after 2013."""
    sc = variant(cleveland, lambda d: d["pcc"].update(funding_model="central"))
    m = CSPModel(sc, seed=1, with_agents=False).run()
    led = m.rec.ledger
    after = np.array([q >= dt.date(2013, 4, 1) for q in m.sched.quarters])
    np.testing.assert_allclose(led["grants_to_teams_gbp"][after], 0.0, atol=1e-9)
    np.testing.assert_allclose(led["pcc_central_gbp"][after], led["grants_in_gbp"][after])
    check_invariants(m)


def test_late_allocation_loss_only_at_year_start(small_run):
    """Annual allocations lose ``late_allocation_loss`` of the grant in each April quarter only."""
    led = small_run.rec.ledger
    april = np.array([q.month == 4 for q in small_run.sched.quarters])
    april[0] = False  # the run starts in April: no allocation arrives late in the first quarter
    np.testing.assert_array_equal(led["grants_late_lost_gbp"][~april], 0.0)
    loss = registry()["late_allocation_loss"].default
    got = led["grants_late_lost_gbp"][april] + led["grants_to_teams_gbp"][april]
    np.testing.assert_allclose(led["grants_late_lost_gbp"][april], loss * got)


def test_multi_year_allocation_loses_nothing_late(cleveland, variant):
    """Multi-year allocations never arrive late."""
    sc = variant(cleveland, lambda d: d["funding"].update(allocation="multi_year"))
    m = CSPModel(sc, seed=1, with_agents=False).run()
    np.testing.assert_array_equal(m.rec.ledger["grants_late_lost_gbp"], 0.0)


def test_no_diversion_before_council_cuts(small_run):
    """Councils' budgets keep up with pay until FY 2010, so nothing is diverted in 2009-10."""
    fy = np.array([financial_year(q) for q in small_run.sched.quarters])
    np.testing.assert_array_equal(small_run.rec.ledger["grants_diverted_gbp"][fy <= 2010], 0.0)
    assert small_run.rec.ledger["grants_diverted_gbp"][fy >= 2012].min() > 0


def test_ring_fenced_pcc_grant_is_not_diverted(cleveland, variant):
    """A ring-fenced grant paid through the PCC is not diverted by council pressure."""

    def change(d):
        for g in d["funding"]["grants"]:
            g["ring_fenced"] = True

    m = CSPModel(variant(cleveland, change), seed=1, with_agents=False).run()
    np.testing.assert_allclose(m.rec.ledger["grants_diverted_gbp"], 0.0, atol=1e-9)


def test_ring_fenced_direct_grant_is_not_diverted(cleveland, variant):
    """A ring-fenced direct grant is never diverted (the PCC fund removed for clarity)."""

    def change(d):
        d["funding"]["grants"] = [
            {"name": "g", "path": "csp", "gbp_per_year": {2009: 50e6}, "ring_fenced": True}
        ]

    m = CSPModel(variant(cleveland, change), seed=1, with_agents=False).run()
    led = m.rec.ledger
    np.testing.assert_array_equal(led["grants_diverted_gbp"], 0.0)
    assert led["grants_to_teams_gbp"].min() > 0
    check_invariants(m)


def test_levers_fund_two_posts_per_area(cleveland, variant):
    """Funding a coordinator and an analyst adds 2 x cost per FTE per area per year to budgets."""
    sc = variant(cleveland, lambda d: d["levers"].update(fund_coordinator=True, fund_analyst=True))
    a = CSPModel(cleveland, seed=4, with_agents=False).run()
    b = CSPModel(sc, seed=4, with_agents=False).run()
    extra = 2 * b.sched.cost_per_fte_gbp * 4 / 4  # 4 areas, per quarter, at the year's cost
    assert b.sched.cost_per_fte_gbp[0] == registry()["cost_per_fte_gbp"].default
    diff = b.rec.ledger["council_funded_gbp"] - a.rec.ledger["council_funded_gbp"]
    np.testing.assert_allclose(diff, extra)
    assert b.rec.coordinator.all() and b.rec.analyst.all()


# ---------------------------------------------------------------- demand and duties
def test_demand_proportional_to_population(small_run, cleveland):
    """Demand = population / 100k x workload per 100k x demand_scale once a duty is in force.

    Hartlepool, crime and disorder: 92,000 / 100,000 x 5.0 = 4.6 fte, times the (calibrated)
    demand scale.
    """
    d = small_run.duties.ids.index("crime_disorder_asb")
    scale = small_run.P.demand_scale
    assert small_run.rec.demand[0, 0, d] == pytest.approx(92000 / 1e5 * 5.0 * scale)
    pop = np.array([a.population for a in cleveland.geography.areas])
    per_head = small_run.rec.demand[-1] / pop[:, None]
    np.testing.assert_allclose(per_head, per_head[[0]].repeat(4, axis=0))


@pytest.mark.parametrize(
    ("duty", "start"),
    [
        ("serious_violence", dt.date(2023, 1, 31)),
        ("domestic_homicide_reviews", dt.date(2011, 4, 13)),
        ("prevent", dt.date(2015, 7, 1)),
        ("reducing_reoffending", dt.date(2010, 4, 1)),
    ],
)
def test_duties_switch_on_at_their_start(small_run, duty, start):
    """A duty creates no demand in quarters ending on or before its start, and demand after."""
    d = small_run.duties.ids.index(duty)
    on = active_from(small_run.sched.quarters, start)
    assert on.any() and not on.all()
    dem = small_run.rec.demand[:, :, d]
    np.testing.assert_array_equal(dem[~on], 0.0)
    assert np.all(dem[on] > 0)


def test_serious_violence_from_2023_q1(small_run):
    """Serious violence demand is 0 up to Oct-Dec 2022 and positive from the Jan 2023 quarter."""
    d = small_run.duties.ids.index("serious_violence")
    q = small_run.sched.quarters
    dem = small_run.rec.demand[:, :, d].sum(axis=1)
    assert dem[q.index(dt.date(2022, 10, 1))] == 0
    assert dem[q.index(dt.date(2023, 1, 1))] > 0


def test_dhr_from_april_2011(small_run):
    """Domestic homicide reviews: none in Jan-Mar 2011, demand from the Apr 2011 quarter."""
    d = small_run.duties.ids.index("domestic_homicide_reviews")
    q = small_run.sched.quarters
    dem = small_run.rec.demand[:, :, d].sum(axis=1)
    assert dem[q.index(dt.date(2011, 1, 1))] == 0
    assert dem[q.index(dt.date(2011, 4, 1))] > 0


def test_duty_overrides_apply(cleveland, variant):
    """Overrides disable a duty, move its start and scale its workload."""

    def change(d):
        d["duties"]["overrides"] = {
            "prevent": {"enabled": False},
            "serious_violence": {"start": dt.date(2015, 4, 1)},
            "crime_disorder_asb": {"workload_scale": 2.0},
        }

    m = CSPModel(variant(cleveland, change), seed=1, with_agents=False).run()
    assert "prevent" not in m.duties.ids
    assert m.rec.demand.shape[2] == m.duties.n == len(load_duties(cleveland).ids) - 1
    sv = m.duties.ids.index("serious_violence")
    q = m.sched.quarters
    assert m.rec.demand[q.index(dt.date(2015, 4, 1)), :, sv].min() > 0
    assert m.rec.demand[q.index(dt.date(2015, 1, 1)), :, sv].max() == 0
    asb = m.duties.ids.index("crime_disorder_asb")
    assert m.rec.demand[0, 0, asb] == pytest.approx(2 * 92000 / 1e5 * 5.0 * m.P.demand_scale)


def test_county_engagement_only_in_districts(national_run):
    """County council engagement is recorded for two-tier districts only (NaN elsewhere, and
    after a reorganisation makes a district part of a unitary)."""
    k = PARTNER_TYPES.index("county_council")
    m = national_run
    district = np.array([m.epochs[m.epoch_of_step[t]].two_tier for t in range(m.sched.n_steps)])
    e = m.rec.eng_strategic[:, k]
    assert np.isfinite(e[district]).all()
    assert np.isnan(e[~district]).all()
    assert district[0].sum() == 201 and district[-1].sum() < 201
    nps = PARTNER_TYPES.index("probation_nps")  # a partner only from June 2014 to June 2021
    other = np.delete(national_run.rec.eng_strategic, [k, nps], axis=1)
    assert np.isfinite(other).all()
    window = np.array([m.epochs[m.epoch_of_step[t]].levels["probation_nps"] != "none"
                       for t in range(m.sched.n_steps)])  # fmt: skip
    assert np.isfinite(m.rec.eng_strategic[window, nps]).all()
    assert np.isnan(m.rec.eng_strategic[~window, nps]).all()


def test_ample_council_capacity_meets_every_duty(cleveland, variant):
    """With teams far larger than total demand, every duty is (nearly) fully met (the whole
    team working on partnership duties, elasticity 1; uncalibrated demand scale 1)."""

    def change(d):
        for a in d["geography"]["areas"]:
            a["team_fte"] = 185.0
        # No drift of councils' priority (ODD 7.1): every team stays ample to the end.
        d["parameters"] |= {
            "team_size_elasticity": 1.0,
            "demand_scale": 1.0,
            "council_priority_drift_sd": 0.0,
        }

    m = CSPModel(variant(cleveland, change), seed=1, with_agents=False).run()
    t = -1
    assert m.rec.team_fte[t].min() > 5 * m.rec.demand[t].sum(axis=1).max()
    in_force = m.sched.duty_active[t]  # drugs_alcohol ended in 2013 (public health)
    share = m.rec.delivered[t].sum(axis=0)[in_force] / m.rec.demand[t].sum(axis=0)[in_force]
    assert share.min() >= 0.9, dict(
        zip(np.array(m.duties.ids)[in_force], share.round(2), strict=True)
    )


# ---------------------------------------------------------------- structures
def test_merged_structure(cleveland, variant):
    """Merged from April 2014: one CSP from then on, council ownership fading, invariants kept."""
    sc = variant(
        cleveland, lambda d: d["structure"].update(mode="merged", start=dt.date(2014, 4, 1))
    )
    m = CSPModel(sc, seed=1).run()
    active = [p for p in m.views["partnerships"] if p.active]
    assert len(active) == 1 and active[0].structured
    assert len(m.views["partnerships"]) == 5  # four borough CSPs (inactive) + the merged one
    assert np.all(m.state.ownership < 1)
    merged_share = active[0].share_met
    r = m.rec
    assert merged_share == pytest.approx(r.delivered[-1].sum() / r.demand[-1].sum())
    check_invariants(m)


def test_separate_structure_keeps_ownership(small_run):
    """Separate CSPs keep full council ownership."""
    np.testing.assert_allclose(small_run.state.ownership, 1.0)


def test_one_plus_four_hub_duties_shared(cleveland, variant):
    """Under 1+4, hub duties have one share met across Cleveland; borough duties do not."""

    def change(d):
        d["structure"].update(
            mode="one_plus_four",
            start=dt.date(2014, 4, 1),
            hub_duties=["sexual_assault_referral", "hate_crime"],
        )
        for a, fte in zip(d["geography"]["areas"], (3.0, 5.0, 7.0, 9.0), strict=True):
            a["team_fte"] = fte  # small teams, so borough delivery differs between areas

    sc = variant(cleveland, change)
    m = CSPModel(sc, seed=1, with_agents=False).run()
    t = m.sched.quarters.index(dt.date(2016, 4, 1))
    for duty in ("sexual_assault_referral", "hate_crime"):
        d = m.duties.ids.index(duty)
        share = m.rec.delivered[t, :, d] / m.rec.demand[t, :, d]
        np.testing.assert_allclose(share, share[0])
    d = m.duties.ids.index("crime_disorder_asb")
    share = m.rec.delivered[t, :, d] / m.rec.demand[t, :, d]
    assert not np.allclose(share, share[0])
    check_invariants(m)


def test_reorganisation_counts_agencies(national_run):
    """After 2022 health is served by ICBs (the data's STP footprints) and probation by its
    delivery units (one per upper-tier council): as many as the geography has in England."""
    from cspsim.inputs.england import load_england

    ep = national_run.epoch
    eng = load_england()
    on = dt.date(2022, 7, 1)  # the ICBs' first day; PDUs as read by the model (2022)
    health = ep.agency_ptype == PARTNER_TYPES.index("health")
    probation = ep.agency_ptype == PARTNER_TYPES.index("probation")
    assert ep.levels == {
        "health": "health_icb",
        "probation": "probation_pdu",
        "probation_nps": "none",  # reunified in June 2021
    }
    n_icb = len({s.agency_code for s in eng.footprint("icb", on)})
    n_pdu = len({s.agency_code for s in eng.footprint("pdu", dt.date(2022, 4, 1))})
    # One agency per area (the largest share of a split area): at most the data's count.
    assert 40 <= int(np.sum(ep.n_served[health] > 0)) <= n_icb
    assert int(np.sum(ep.n_served[probation] > 0)) == n_pdu


# ---------------------------------------------------------------- determinism
def test_same_seed_same_records(cleveland):
    """Two runs with the same seed give identical records, element for element."""
    a = record_arrays(CSPModel(cleveland, seed=5).run())
    b = record_arrays(CSPModel(cleveland, seed=5, with_agents=False).run())
    assert a.keys() == b.keys()
    for k in a:
        np.testing.assert_array_equal(a[k], b[k], err_msg=k)


def test_prebuilt_geography_same_records(baseline, national_geo, national_run):
    """Passing a pre-built geography gives the same run as building it inside the model."""
    m = CSPModel(baseline, seed=1, with_agents=False).run()
    ref = record_arrays(national_run)
    for k, v in record_arrays(m).items():
        np.testing.assert_array_equal(v, ref[k], err_msg=k)


def test_different_seeds_differ(cleveland, small_run):
    """A different seed draws different teams and engagement."""
    other = CSPModel(cleveland, seed=2, with_agents=False).run()
    assert not np.array_equal(other.rec.team_fte, small_run.rec.team_fte)
    assert not np.array_equal(other.rec.eng_strategic, small_run.rec.eng_strategic)


def test_user_given_team_values_are_kept(cleveland, variant):
    """Team size, posts and chair given in the areas file override the random draws."""

    def change(d):
        d["levers"]["fund_analyst"] = False
        for a in d["geography"]["areas"]:
            a.update(team_fte=9.0, has_analyst=False, has_coordinator=True, chair="police")

    ms = [CSPModel(variant(cleveland, change), seed=s) for s in (1, 2)]
    for m in ms:
        np.testing.assert_array_equal(m.state.team_fte, 9.0)
        assert not m.state.analyst.any()
        assert m.state.coordinator.all()
        assert all(c.chair == "police" for c in m.views["councils"])


@pytest.mark.parametrize(
    "name",
    sorted(
        p.name
        for p in CONFIGS_DIR.glob("*.toml")
        if p.name not in {"parameters.toml", "duties.toml", "england_2009.toml"}
    ),
)
def test_every_shipped_scenario_runs(name):
    """Every shipped scenario runs to its end (seed 1) and keeps the invariants."""
    m = CSPModel(load_scenario(CONFIGS_DIR / name), seed=1, with_agents=False).run()
    assert m.running is False
    assert m.t == m.sched.n_steps - 1
    check_invariants(m)
