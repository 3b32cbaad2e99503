"""Direction-of-effect tests: levers move outcomes the way the domain says they should.

Each test runs two (or more) arms over the same seeds (paired: common random numbers) and
compares per-seed values and their means. Margins are small and stated in share points;
they guard against an effect vanishing, not against recalibration of its size.
"""

from __future__ import annotations

import datetime as dt
import itertools

import numpy as np
import pytest

from cspsim.model.model import CSPModel
from cspsim.vocab import AUTHORITY_TYPES, PARTNER_TYPES

HEALTH = PARTNER_TYPES.index("health")
PROBATION = PARTNER_TYPES.index("probation")


def _council_cut(pct: float, start=dt.date(2012, 4, 1)):
    def change(d):
        d["funding"]["cuts"] = [
            *d["funding"]["cuts"],
            {"agency": "council", "start": start, "pct": pct, "years": 1.0},
        ]

    return change


def _after(m: CSPModel, d: dt.date) -> slice:
    return slice(m.sched.quarters.index(d), None)


# ---------------------------------------------------------------- funding cuts
def test_council_cut_lowers_delivery(cleveland, variant, paired_means, share_met):
    """A 30% council cut from April 2012 lowers Cleveland's share of demand met.

    Before the cut the two arms are identical (paired seeds); after it no seed delivers more,
    and the mean falls by at least half a share point.
    """
    cut = variant(cleveland, _council_cut(30))
    start = dt.date(2012, 4, 1)
    before_base, before_cut = paired_means(
        cleveland, cut, lambda m: share_met(m, steps=slice(0, m.sched.quarters.index(start)))
    )
    np.testing.assert_allclose(before_cut, before_base)
    base, cut_ = paired_means(cleveland, cut, lambda m: share_met(m, steps=_after(m, start)))
    assert np.all(cut_ <= base + 1e-12)
    assert base.mean() - cut_.mean() > 0.005


def test_deeper_cuts_never_raise_delivery(cleveland, variant, run_many, share_met):
    """Mean share met is non-increasing over council cuts of 0, 20, 40 and 60 percent."""
    means = []
    for pct in (0, 20, 40, 60):
        runs = run_many(variant(cleveland, _council_cut(pct)))
        means.append(np.mean([share_met(m) for m in runs]))
    assert all(b <= a + 1e-12 for a, b in itertools.pairwise(means)), means
    assert means[0] - means[-1] > 0.02, means


@pytest.mark.parametrize("agency", ["police", "health", "probation"])
def test_partner_cut_lowers_delivery(cleveland, variant, paired_means, share_met, agency):
    """A 60% cut to a partner's budget lowers mean delivery (partners commit less)."""

    def change(d):
        d["funding"]["cuts"] = [{"agency": agency, "start": dt.date(2012, 4, 1), "pct": 60}]

    base, cut = paired_means(cleveland, variant(cleveland, change), share_met)
    assert cut.mean() < base.mean()


# ---------------------------------------------------------------- dilution (two-tier)
def _mean_engagement(m: CSPModel, k: int, areas: np.ndarray, steps=slice(0, 4)) -> float:
    return float(np.nanmean(m.rec.eng_strategic[steps, k][:, areas]))


def test_district_csps_get_less_health_and_probation_engagement(baseline, national_geo, run_many):
    """In 2009-10, health and probation bodies, which serve many district CSPs each, engage
    less with a district CSP than with a unitary one (survey summary: districts report lower
    engagement from every partner)."""
    geo = national_geo
    district = geo.type_code == AUTHORITY_TYPES.index("district_borough")
    unitary = geo.type_code == AUTHORITY_TYPES.index("unitary")
    # The premise: their agencies serve more CSPs in districts than in unitary areas.
    for level in ("health_pct", "probation_trust"):
        fp = geo.footprint[level]
        n_served = np.bincount(fp)[fp]
        assert n_served[district].mean() > n_served[unitary].mean()
    runs = run_many(baseline, seeds=(1, 2, 3), geography=geo)
    # Probation's gap is small under the 2009 calibration (one seed in three is a near tie
    # since SARCs stopped being a fixed cost in every CSP, issue 12), so it is judged on the
    # mean over seeds; health's on every seed.
    for k, margin, every_seed in ((HEALTH, 0.05, True), (PROBATION, 0.0, False)):
        d = np.array([_mean_engagement(m, k, district) for m in runs])
        u = np.array([_mean_engagement(m, k, unitary) for m in runs])
        assert np.all(d < u) or not every_seed, (PARTNER_TYPES[k], d, u)
        assert u.mean() - d.mean() > margin, (PARTNER_TYPES[k], d, u)


def _shared_health_areas(cleveland, variant, w_dilution: float):
    """Twelve identical unitary areas in one force: a health body serving eight of them,
    and four serving one each."""

    def change(d):
        d["geography"]["areas"] = [
            {"name": f"S{i}", "type": "unitary", "population": 150000, "force": "F",
             "health": "shared"}
            for i in range(8)
        ] + [
            {"name": f"O{i}", "type": "unitary", "population": 150000, "force": "F",
             "health": f"own_{i}"}
            for i in range(4)
        ]  # fmt: skip
        d["parameters"]["w_dilution"] = w_dilution

    return variant(cleveland, change)


def test_more_csps_per_agency_lowers_engagement_per_csp(cleveland, variant, run_many):
    """A health body serving eight CSPs engages less with each than one serving a single CSP;
    the gap comes from dilution, so it is larger with w_dilution = 2 than with 0."""
    shared, own = np.arange(8), np.arange(8, 12)
    gaps = {}
    for w in (0.0, 2.0):
        runs = run_many(_shared_health_areas(cleveland, variant, w))
        gaps[w] = np.array(
            [
                _mean_engagement(m, HEALTH, own, slice(0, 8))
                - _mean_engagement(m, HEALTH, shared, slice(0, 8))
                for m in runs
            ]
        )
    assert np.all(gaps[2.0] > 0), gaps[2.0]
    assert gaps[2.0].mean() > 0.1
    assert np.all(gaps[2.0] > gaps[0.0])


# ---------------------------------------------------------------- duties
def test_new_unfunded_duty_lowers_share_met_on_existing_duties(
    baseline, national_geo, variant, paired_means, share_met
):
    """Bringing the serious violence duty in from April 2015 with no new-burdens money lowers
    the share met on every other duty from then on; before it the arms are identical."""
    start = dt.date(2015, 4, 1)

    def duty(enabled: bool):
        def change(d):
            d["duties"]["overrides"] = {
                "serious_violence": {
                    "enabled": enabled,
                    "start": start,
                    "new_burdens_gbp_per_year": 0.0,
                }
            }

        return variant(baseline, change)

    without, with_ = duty(False), duty(True)

    def other_duties(m):
        return [i for i, x in enumerate(m.duties.ids) if x != "serious_violence"]

    def metric(m):
        return share_met(m, steps=_after(m, start), duties=other_duties(m))

    def metric_before(m):
        t = m.sched.quarters.index(start)
        return share_met(m, steps=slice(0, t), duties=other_duties(m))

    b0, b1 = paired_means(without, with_, metric_before, geography=national_geo)
    np.testing.assert_allclose(b1, b0)
    a0, a1 = paired_means(without, with_, metric, geography=national_geo)
    assert np.all(a1 < a0), (a0, a1)
    assert a0.mean() - a1.mean() > 0.005


def test_new_duty_from_custom_catalogue(cleveland, variant, paired_means, share_met, tmp_path):
    """A duty added through a custom catalogue file (duties.file) creates demand from its start
    and, unfunded, lowers the share met on the shipped duties of small-team CSPs."""
    from cspsim.paths import DUTIES_FILE

    catalogue = tmp_path / "duties_plus.toml"
    catalogue.write_text(
        DUTIES_FILE.read_text()
        + """
[new_unfunded_duty]
name = "A new unfunded duty"
start = "2016-04-01"
workload_fte_per_100k = 2.0
volume = "high"
contribution = { council = 0.5, police = 0.5 }
bound = ["council", "police"]
source = "test"
"""
    )

    def small_teams(d):
        for a in d["geography"]["areas"]:
            a["team_fte"] = 6.0

    def plus(d):
        small_teams(d)
        d["duties"]["file"] = str(catalogue)

    base, extra = variant(cleveland, small_teams), variant(cleveland, plus)
    m = CSPModel(extra, seed=1, with_agents=False).run()
    assert m.duties.ids[-1] == "new_unfunded_duty"
    on = np.array([q >= dt.date(2016, 4, 1) for q in m.sched.quarters])
    assert np.all(m.rec.demand[~on, :, -1] == 0)
    assert np.all(m.rec.demand[on, :, -1] > 0)
    start = dt.date(2016, 4, 1)
    a0, a1 = paired_means(
        base,
        extra,
        lambda m: share_met(m, steps=_after(m, start), duties=slice(0, 11)),
    )
    assert np.all(a1 < a0), (a0, a1)


# ---------------------------------------------------------------- funding levers
def test_restoring_ring_fenced_grant_raises_delivery(
    baseline, national_geo, variant, paired_means, share_met
):
    """Keeping the Home Office CSP grant at its 2010 level, ring-fenced, instead of cutting it
    from 2011, raises the share met from April 2011 on, in every seed."""

    def restore(d):
        for g in d["funding"]["grants"]:
            if g["name"] == "home_office_csp_grant":
                g.update(ring_fenced=True, gbp_per_year={2009: 71.2e6})

    start = dt.date(2011, 4, 1)
    base, restored = paired_means(
        baseline,
        variant(baseline, restore),
        lambda m: share_met(m, steps=_after(m, start)),
        geography=national_geo,
    )
    assert np.all(restored > base), (base, restored)
    assert restored.mean() - base.mean() > 0.01


def test_ring_fencing_alone_never_lowers_delivery(
    baseline, national_geo, variant, paired_means, share_met
):
    """Ring-fencing the same grant (no extra money) stops diversion and never lowers delivery."""

    def ring_fence(d):
        for g in d["funding"]["grants"]:
            if g["name"] == "home_office_csp_grant":
                g["ring_fenced"] = True

    base, fenced = paired_means(
        baseline, variant(baseline, ring_fence), share_met, geography=national_geo
    )
    assert np.all(fenced >= base - 1e-12)
    assert fenced.mean() > base.mean()


def test_funding_coordinator_and_analyst_raises_delivery(
    baseline, national_geo, variant, paired_means, share_met
):
    """Funding a coordinator and an analyst in every CSP raises the share met in every seed."""
    levers = variant(
        baseline, lambda d: d["levers"].update(fund_coordinator=True, fund_analyst=True)
    )
    base, funded = paired_means(baseline, levers, share_met, geography=national_geo)
    assert np.all(funded > base), (base, funded)
    assert funded.mean() - base.mean() > 0.01


@pytest.mark.parametrize("post", ["fund_coordinator", "fund_analyst"])
def test_each_post_alone_helps(cleveland, variant, paired_means, share_met, post):
    """Each funded post on its own never lowers delivery in small-team Cleveland CSPs."""

    def small(d):
        for a in d["geography"]["areas"]:
            a.update(team_fte=4.0, has_analyst=False, has_coordinator=False)

    def with_post(d):
        small(d)
        d["levers"][post] = True

    base, funded = paired_means(variant(cleveland, small), variant(cleveland, with_post), share_met)
    assert np.all(funded >= base - 1e-12)
    assert funded.mean() > base.mean()


def test_backbone_investment_raises_delivery_on_its_duties(
    baseline, national_geo, variant, paired_means, share_met
):
    """Investing in the voluntary-sector backbone raises the share met on domestic abuse."""
    backbone = variant(baseline, lambda d: d["levers"].update(backbone_gbp_per_year=6e6))

    def domestic_abuse(m):
        return share_met(m, duties=[m.duties.ids.index("domestic_abuse")])

    base, invested = paired_means(baseline, backbone, domestic_abuse, geography=national_geo)
    assert np.all(invested > base), (base, invested)


# ---------------------------------------------------------------- reorganisations
def test_reorganisation_shock_lowers_health_engagement(
    baseline, national_geo, variant, paired_means
):
    """At the PCT-to-CCG switch (April 2013) a larger reorganisation shock leaves health
    bodies less engaged; the quarter before, the arms are identical."""
    switch = dt.date(2013, 4, 1)

    def arm(shock):
        return variant(baseline, lambda d: d["parameters"].update(reorganisation_shock=shock))

    def health_at(offset):
        def metric(m):
            t = m.sched.quarters.index(switch) + offset
            return float(np.nanmean(m.rec.eng_strategic[t, HEALTH]))

        return metric

    seeds = (1, 2, 3)
    b0, b1 = paired_means(arm(0.0), arm(0.6), health_at(-1), seeds, national_geo)
    np.testing.assert_allclose(b1, b0)
    a0, a1 = paired_means(arm(0.0), arm(0.6), health_at(0), seeds, national_geo)
    assert np.all(a1 < a0 - 0.1), (a0, a1)
