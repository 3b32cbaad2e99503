"""The public health grant as money reaching upper-tier councils (issue 12, item 1).

From April 2013 the registry's ``public_health_grant_cs_share`` of the grant
(``funding.public_health_grant_gbp``, derived from configs/series/public_health_grant.csv) is
capacity for ``drugs_alcohol_public_health``, shared by population. Direction tests over
paired seeds on Kent (twelve districts under the county, and Medway, a unitary).
"""

from __future__ import annotations

import datetime as dt
import tomllib

import numpy as np
import pandas as pd
import pytest

from cspsim.inputs import series
from cspsim.inputs.duties import load_duties
from cspsim.inputs.registry import registry
from cspsim.inputs.scenario import load_scenario, with_values
from cspsim.model.model import CSPModel
from cspsim.model.schedule import PUBLIC_HEALTH_DUTY, build_schedule
from cspsim.paths import CONFIGS_DIR

SEEDS = (1, 2, 3)
APRIL_2013, APRIL_2015 = dt.date(2013, 4, 1), dt.date(2015, 4, 1)


def _from(m, day: dt.date) -> np.ndarray:
    return np.array([q >= day for q in m.sched.quarters])


def _runs(scenario):
    return [CSPModel(scenario, seed=s, with_agents=False).run() for s in SEEDS]


@pytest.fixture(scope="module")
def kent():
    return load_scenario("kent")


def test_history_grant_is_the_series_and_every_row_has_a_source():
    """The history's grant is the one derived from the dated file; the two sourced years are
    the published totals (GBP 2.66bn 2013-14, 2.79bn 2014-15)."""
    with (CONFIGS_DIR / "history_2009_2024.toml").open("rb") as fh:
        funding = tomllib.load(fh)["funding"]
    got = {int(k): v for k, v in funding["public_health_grant_gbp"].items()}
    assert got == series.public_health_grant_gbp()
    assert got[2013] == pytest.approx(2.66e9, rel=1e-3) and got[2014] == 2.79e9
    frame = pd.read_csv(series.SERIES_DIR / "public_health_grant.csv")
    assert frame["source"].str.len().min() > 20
    assert set(frame["basis"]) <= {"source", "source; index derived", "interpolated", "derived"}


def test_grant_real_fall_lowers_capacity_per_head_2015_to_2024():
    """The grant's capacity per resident (GBP over the cost of an FTE) falls 2015-16 to
    2022-23 by the drug and alcohol services' 28% (with the residents' growth), and is still
    lower in 2024-25, after the time-limited drug money (-21% with it, FACTS §3)."""
    scenario = load_scenario("baseline")
    share = registry()["public_health_grant_cs_share"].default
    sched = build_schedule(scenario, load_duties(scenario), 40_000.0, share)
    d = load_duties(scenario).ids.index(PUBLIC_HEALTH_DUTY)

    def per_head(fy: int) -> float:
        t = int(np.argmax(sched.fy == fy))
        return (
            sched.new_burdens_gbp[t, d] / sched.cost_per_fte_gbp[t] / series.england_residents(fy)
        )

    assert per_head(2022) / per_head(2015) == pytest.approx(0.72, abs=0.01)
    assert per_head(2024) < per_head(2015) and per_head(2024) > per_head(2022)
    assert not sched.new_burdens_gbp[sched.fy < 2013, d].any()


def test_2009_unchanged_and_the_grant_adds_drug_and_alcohol_delivery(kent):
    """Before April 2013 the grant changes nothing; after it, drug and alcohol work is
    delivered more with the grant than without it (share 0), every seed."""
    with_grant = _runs(kent)
    without = _runs(with_values(kent, {"public_health_grant_cs_share": 0.0}))
    m = with_grant[0]
    d = m.duties.ids.index(PUBLIC_HEALTH_DUTY)
    before, after = ~_from(m, APRIL_2013), _from(m, APRIL_2013)
    for a, b in zip(with_grant, without, strict=True):
        np.testing.assert_array_equal(a.rec.delivered[before], b.rec.delivered[before])
        np.testing.assert_array_equal(a.rec.eng_strategic[before], b.rec.eng_strategic[before])
        assert a.rec.delivered[after][..., d].sum() > b.rec.delivered[after][..., d].sum()


def test_cut_to_the_grant_lowers_drug_and_alcohol_delivery_in_upper_tier_areas(kent):
    """Half the grant from April 2015: drug and alcohol delivery falls in the districts
    (county-led) and in Medway (unitary), every seed; before 2015 nothing changes."""
    ref = _runs(kent)
    cut = _runs(
        with_values(
            kent, {"cut_pct__public_health_grant": 50, "cut_start_year__public_health_grant": 2015}
        )
    )
    m = ref[0]
    d = m.duties.ids.index(PUBLIC_HEALTH_DUTY)
    medway = m.geo.names.index("Medway")
    districts = [i for i in range(m.geo.n) if i != medway]
    before, after = ~_from(m, APRIL_2015), _from(m, APRIL_2015)
    for a, b in zip(ref, cut, strict=True):
        np.testing.assert_array_equal(a.rec.delivered[before], b.rec.delivered[before])
        lost = (a.rec.delivered[after][..., d] - b.rec.delivered[after][..., d]).sum(axis=0)
        assert lost[medway] > 0 and np.all(lost[districts] > 0)
    assert cut[0].sched.new_burdens_gbp[after, d] == pytest.approx(
        0.5 * ref[0].sched.new_burdens_gbp[after, d]
    )
