"""The national model on real England: councils and CSPs changing on their dates.

Checks the model's structure by epoch against the geography data (``cspsim.inputs.england``),
and the consequences a reorganisation or a CSP merger has in the model.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter

import numpy as np
import pandas as pd
import pytest

from cspsim import CSPModel
from cspsim.analysis.outputs import area_table, run_frame
from cspsim.inputs.england import load_england
from cspsim.inputs.scenario import load_scenario
from cspsim.model.submodels import delivery
from cspsim.paths import CONFIGS_DIR
from cspsim.vocab import AUTHORITY_TYPES, PARTNER_TYPES

COUNTY = PARTNER_TYPES.index("county_council")


@pytest.fixture(scope="module")
def model():
    """The baseline (real England), built, not run."""
    return CSPModel(load_scenario(CONFIGS_DIR / "baseline.toml"), seed=3, with_agents=False)


@pytest.fixture(scope="module")
def kent():
    return CSPModel(load_scenario(CONFIGS_DIR / "kent.toml"), seed=3, with_agents=False)


def epoch_on(m: CSPModel, on: dt.date):
    """The epoch in force in the quarter containing ``on``."""
    step = max(k for k, q in enumerate(m.sched.quarters) if q <= on)
    return m.epochs[m.epoch_of_step[step]]


def area(m: CSPModel, name: str) -> int:
    return m.geo.names.index(name)


def test_april_2009_councils_by_type(model):
    """326 councils in April 2009: 201 districts, 56 unitaries (the Isles of Scilly among
    them), 36 metropolitan districts and 33 London boroughs (ONS; docs/GEOGRAPHY.md)."""
    counts = Counter(AUTHORITY_TYPES[t] for t in model.geo.type_code)
    assert model.geo.n == 326
    assert counts == {
        "district_borough": 201,
        "unitary": 56,
        "metropolitan": 36,
        "london_borough": 33,
    }
    assert len(model.epochs[0].csp_names) == 326  # one CSP per council in April 2009


@pytest.mark.parametrize(
    "on",
    [
        dt.date(2013, 4, 1),
        dt.date(2017, 4, 1),
        dt.date(2019, 4, 1),
        dt.date(2021, 4, 1),
        dt.date(2023, 4, 1),
        dt.date(2024, 10, 1),
    ],
)
def test_csps_and_councils_by_year_equal_the_data(model, on):
    """The model's CSPs and councils in each year are the geography's (293 CSPs in 2017)."""
    eng = load_england()
    ep = epoch_on(model, on)
    assert sorted(ep.csp_codes) == sorted(eng.csps(on))
    period = model.geo.timeline()[ep.period]
    assert sorted(period.council_codes) == sorted(a.code for a in eng.areas(on))
    if on == dt.date(2017, 4, 1):
        assert len(ep.csp_names) == 293


def test_every_area_has_one_police_force_fire_authority_and_region(model):
    for level in ("police", "fire_rescue"):
        assert (model.geo.footprint[level] >= 0).all()
    assert all(model.geo.region)


def test_buckinghamshire_2020(model):
    """April 2020: four districts become one unitary council (SI 2019/957): one CSP, no
    county council partner, no two-tier reporting, no management tier (one council)."""
    bucks = [area(model, n) for n in ("Aylesbury Vale", "Chiltern", "South Bucks", "Wycombe")]
    before, after = epoch_on(model, dt.date(2020, 1, 1)), epoch_on(model, dt.date(2020, 4, 1))
    assert before.two_tier[bucks].all() and not after.two_tier[bucks].any()
    assert len(set(before.csp_of_area[bucks])) == 4
    assert len(set(after.csp_of_area[bucks])) == 1
    assert after.csp_names[after.csp_of_area[bucks[0]]] == "Buckinghamshire"
    assert (before.link_of[COUNTY, bucks] >= 0).all()
    assert (after.link_of[COUNTY, bucks] < 0).all()
    bcc = after.agency_name.index("Buckinghamshire County Council")
    assert after.n_served[bcc] == 0 and after.agency_pop[bcc] == 0  # it serves no CSP now
    assert (after.mgmt_share[bucks] == 0).all() and (after.n_councils_of_area[bucks] == 1).all()
    tab_before = delivery.build_epoch_tables(model, before)
    tab_after = delivery.build_epoch_tables(model, after)
    assert (tab_before.reporting_fte[bucks] > 0).all()
    assert (tab_after.reporting_fte[bucks] == 0).all()
    # The county's share of county-led duties falls to the new council.
    c = 0  # contributor 0 is the council
    led = model.duties.county_led
    assert (after.W[bucks][:, c, led] > before.W[bucks][:, c, led]).all()


def test_csp_merger_keeps_two_councils(kent):
    """Dartford and Gravesham: one CSP of two councils (ONS 2017 lookup), which bears a
    management tier and some loss of ownership, as a merged CSP does."""
    d, g = area(kent, "Dartford"), area(kent, "Gravesham")
    ep0, ep = kent.epochs[0], epoch_on(kent, dt.date(2017, 4, 1))
    assert ep0.csp_of_area[d] != ep0.csp_of_area[g]
    assert ep.csp_of_area[d] == ep.csp_of_area[g]
    assert ep.csp_names[ep.csp_of_area[d]] == "Dartford and Gravesham"
    assert ep.csp_codes[ep.csp_of_area[d]] == "E22000352"
    assert ep.n_councils_of_area[d] == 2 and ep.mgmt_share[d] == pytest.approx(0.5)
    assert kent.geo.n == 13 and len(ep.csp_names) == 12


def test_greater_manchester_mayor_from_2017():
    gm = CSPModel(load_scenario(CONFIGS_DIR / "greater_manchester.toml"), seed=1, engine="agents")
    pcc = gm.agents_engine.pcc_list[0]
    q = gm.sched.quarters
    holder = {q[t].year: pcc.holder(t) for t in range(len(q)) if q[t].month == 7}
    assert holder[2010] == "Greater Manchester Police Authority"
    assert holder[2014] == "Greater Manchester PCC"
    assert holder[2018] == "Mayor of Greater Manchester"
    assert gm.geo.n == 10


def test_reorganisation_changes_delivery_only_after_it(model):
    """The 2019-23 reorganisations change nothing before April 2019, and something after:
    the same run with the pre-2019 councils frozen (the first periods only) is equal up to
    March 2019 and differs later."""
    sc = load_scenario(CONFIGS_DIR / "baseline.toml")
    geo = model.geo
    cut = next(k for k, p in enumerate(geo.timeline()) if p.start >= dt.date(2019, 4, 1))
    frozen = type(geo)(**{**geo.__dict__, "periods": geo.timeline()[:cut]})
    a = CSPModel(sc, seed=5, geography=geo, with_agents=False).run()
    b = CSPModel(sc, seed=5, geography=frozen, with_agents=False).run()
    step = next(k for k, q in enumerate(a.sched.quarters) if q >= dt.date(2019, 4, 1))
    np.testing.assert_array_equal(a.rec.delivered[:step], b.rec.delivered[:step])
    reorganised = [area(model, n) for n in ("Aylesbury Vale", "Chiltern", "Purbeck")]
    assert not np.allclose(
        a.rec.delivered[step + 4 :, reorganised], b.rec.delivered[step + 4 :, reorganised]
    )


def test_outputs_carry_codes(kent):
    m = CSPModel(load_scenario(CONFIGS_DIR / "kent.toml"), seed=2, with_agents=False).run()
    frame = run_frame(m, "kent", 0)
    csp = frame[frame["level"] == "csp"]
    late = csp[pd.to_datetime(csp["date"]) >= "2017-04-01"]
    codes = set(late["csp_code"])
    assert "E22000352" in codes and all(c.startswith("E22") for c in codes)
    assert frame.loc[frame["level"] != "csp", "csp_code"].isna().all()
    table = area_table(m)
    assert set(table["lad_code"]) == set(m.geo.codes) and len(m.geo.codes) == 13
    dartford = table[table["lad_name"] == "Dartford"]
    assert list(dartford["csp_name"]) == ["Dartford", "Dartford and Gravesham"]
    assert (table["from"] <= table["to"]).all()


def test_probation_delivery_units_bring_probation_back_to_local_level(model):
    """June 2021: the reunified Probation Service works with CSPs through probation delivery
    units aligned to council boundaries (issue 12), so a probation unit serves far fewer CSPs
    than a CRC did, and probation is less diluted than under the CRCs."""
    k = PARTNER_TYPES.index("probation")

    def csps_per_unit(ep) -> float:
        links = ep.link_of[k][ep.link_of[k] >= 0]
        return float(ep.n_served[ep.link_agency[links]].mean())

    crc, pdu = epoch_on(model, dt.date(2021, 1, 1)), epoch_on(model, dt.date(2021, 7, 1))
    assert crc.levels["probation"] == "probation_crc"
    assert pdu.levels["probation"] == "probation_pdu"
    assert csps_per_unit(pdu) < csps_per_unit(crc) / 3
    dilution_k = model.centred_dilution(pdu)[k], model.centred_dilution(crc)[k]
    assert dilution_k[0].mean() < dilution_k[1].mean()
