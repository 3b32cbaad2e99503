"""The National Probation Service as a second probation partner, June 2014 - June 2021
(issue 12, item 2): direction tests over paired seeds, and no change outside the window."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from cspsim.analysis.narrative import partner_ranking
from cspsim.analysis.outputs import run_frame
from cspsim.analysis.survey import survey_readout
from cspsim.inputs.duties import load_duties
from cspsim.inputs.levers import CUT_AGENCIES
from cspsim.inputs.questions import QUESTIONS
from cspsim.inputs.scenario import ScenarioError, with_values
from cspsim.model.epochs import build_epochs
from cspsim.model.model import CSPModel
from cspsim.model.schedule import build_schedule
from cspsim.model.splits import splits_of
from cspsim.model.state import params_of
from cspsim.vocab import CONTRIBUTORS, PARTNER_TYPES

NPS, CRC = PARTNER_TYPES.index("probation_nps"), PARTNER_TYPES.index("probation")
SEEDS = (3, 11, 29)


def _without_nps(raw):
    raw["reorganisations"] = [r for r in raw["reorganisations"] if r["agency"] != "probation_nps"]


def _step(m: CSPModel, year: int, month: int) -> int:
    return m.sched.quarters.index(dt.date(year, month, 1))


@pytest.fixture(scope="module")
def national_epochs(baseline, national_geo):
    """The national baseline's epochs, schedule and duty table (no run)."""
    duties = load_duties(baseline)
    P = params_of(baseline)
    sched = build_schedule(baseline, duties, P.cost_per_fte_gbp)
    epochs, of_step, shocked = build_epochs(
        baseline, national_geo, duties, sched.quarters, splits_of(P, duties.high_risk)
    )
    return epochs, of_step, shocked, sched, duties, P


def test_2014_every_csp_gains_the_nps_and_the_crc_share_falls_by_its_share(national_epochs):
    """2014 Q1 -> Q2: each area gains a second probation partner (an NPS division), and
    the CRC's contribution weight to each duty falls by exactly what the NPS takes."""
    epochs, of_step, shocked, sched, duties, P = national_epochs
    before = epochs[of_step[sched.quarters.index(dt.date(2014, 1, 1))]]
    after = epochs[of_step[sched.quarters.index(dt.date(2014, 4, 1))]]
    assert (before.link_of[NPS] < 0).all() and (after.link_of[NPS] >= 0).all()
    assert {"probation", "probation_nps"} <= shocked[
        of_step[sched.quarters.index(dt.date(2014, 4, 1))]
    ]
    share = np.where(duties.high_risk, P.nps_share_of_high_risk_work, P.nps_share_of_probation_work)
    prob, nps = CONTRIBUTORS.index("probation"), CONTRIBUTORS.index("probation_nps")
    # Same councils in both epochs (no reorganisation in 2014): only probation's split moves.
    np.testing.assert_allclose(after.W[:, nps], before.W[:, prob] * share, rtol=1e-12)
    np.testing.assert_allclose(after.W[:, prob], before.W[:, prob] * (1 - share), rtol=1e-12)
    assert (before.W[:, nps] == 0).all()
    np.testing.assert_allclose(after.W.sum(axis=1), 1.0, rtol=1e-12)
    # Staff: the NPS holds its share of probation's, the CRC the rest; 1 outside the window.
    assert after.staff_share[NPS] == P.nps_staff_share
    assert after.staff_share[CRC] == pytest.approx(1 - P.nps_staff_share)
    assert (before.staff_share == 1).all()


def test_2021_reunification_ends_the_nps_and_the_pdu_serves_fewer_csps(national_epochs):
    """2021 Q1 -> Q2: the NPS links end, and each area's probation partner (a PDU) serves
    fewer CSPs than its NPS division did."""
    epochs, of_step, _, sched, _, _ = national_epochs
    before = epochs[of_step[sched.quarters.index(dt.date(2021, 1, 1))]]
    after = epochs[of_step[sched.quarters.index(dt.date(2021, 4, 1))]]
    assert (before.link_of[NPS] >= 0).all() and (after.link_of[NPS] < 0).all()
    assert after.levels["probation"] == "probation_pdu"
    division_csps = before.n_served[before.link_agency[before.link_of[NPS]]]
    pdu_csps = after.n_served[after.link_agency[after.link_of[CRC]]]
    assert (pdu_csps < division_csps).all()
    assert (after.W[:, CONTRIBUTORS.index("probation_nps")] == 0).all()
    assert (after.staff_share == 1).all()


@pytest.fixture(scope="module")
def paired(cleveland, variant):
    """Cleveland with and without the NPS, one run per seed each (common random numbers)."""
    without = variant(cleveland, _without_nps)
    runs = [
        (CSPModel(cleveland, seed=s, with_agents=False).run(),
         CSPModel(without, seed=s, with_agents=False).run())
        for s in SEEDS
    ]  # fmt: skip
    return runs


def test_outside_the_window_nothing_changes(paired):
    """Before June 2014 every output equals the run without the NPS, bit for bit."""
    for with_nps, without in paired:
        k = _step(with_nps, 2014, 4)
        for name in ("demand", "delivered", "team_fte", "spend_gbp"):
            np.testing.assert_array_equal(
                getattr(with_nps.rec, name)[:k], getattr(without.rec, name)[:k]
            )
        for name in ("eng_strategic", "eng_operational"):
            np.testing.assert_array_equal(
                getattr(with_nps.rec, name)[:k], getattr(without.rec, name)[:k]
            )
        assert np.isnan(with_nps.rec.eng_strategic[:k, NPS]).all()
        # ... and differ once the NPS is there.
        assert not np.array_equal(with_nps.rec.delivered[k + 1], without.rec.delivered[k + 1])


def test_the_2009_survey_is_the_same_and_does_not_ask_about_the_nps(paired, cleveland):
    """The synthetic survey asks about one probation partner (the CRC in 2014-21); its 2009
    tables are those of a run without the NPS."""
    assert not any(item == "probation_nps" for _, item in QUESTIONS)
    with_nps, without = paired[0]
    a = survey_readout(run_frame(with_nps, "a", 0), 2009, with_nps.P)
    b = survey_readout(run_frame(without, "a", 0), 2009, without.P)
    assert len(a) > 0
    np.testing.assert_array_equal(a.to_numpy(), b.to_numpy())


def test_the_crc_expects_less_work_and_the_nps_takes_the_rest(paired):
    """2014 Q3, paired seeds: the CRC's expected work is the no-NPS probation's less the
    NPS's share, and the CRC and NPS together expect what probation alone did."""
    for with_nps, without in paired:
        k = _step(with_nps, 2014, 7)
        seg_w = with_nps._segments[with_nps._segment_of_step[k]]
        seg_o = without._segments[without._segment_of_step[k]]
        need_w, need_o = seg_w.work.need, seg_o.work.need
        assert (need_w[CRC] < need_o[CRC]).all()
        np.testing.assert_allclose(need_w[CRC] + need_w[NPS], need_o[CRC], rtol=1e-12)
        # Engagement starts at probation's (both shaken by the reorganisation).
        e = with_nps.rec.eng_strategic[_step(with_nps, 2014, 4)]
        assert np.isfinite(e[NPS]).all()


def test_cut_to_the_nps_lowers_its_capacity_not_the_crcs(cleveland):
    """A lever cut to the National Probation Service lowers its capacity and leaves the
    CRC's (and probation outside the window) unchanged."""
    assert "probation_nps" in CUT_AGENCIES
    cut = with_values(
        cleveland, {"cut_pct__probation_nps": 30, "cut_start_year__probation_nps": 2015}
    )
    for s in SEEDS[:2]:
        a = CSPModel(cleveland, seed=s, with_agents=False)
        b = CSPModel(cut, seed=s, with_agents=False)
        k = _step(a, 2018, 4)
        tab_a = a._segments[a._segment_of_step[k]].tables.commitments
        tab_b = b._segments[b._segment_of_step[k]].tables.commitments
        ep = a.epochs[a.epoch_of_step[k]]
        row = k - ep.start_step
        nps = ep.agency_ptype == NPS
        crc = ep.agency_ptype == CRC
        assert (tab_b.cap[row, nps] < tab_a.cap[row, nps]).all()
        np.testing.assert_array_equal(tab_b.cap[row, crc], tab_a.cap[row, crc])
        assert b.sched.budget_index[k, 1 + NPS] < a.sched.budget_index[k, 1 + NPS]
        assert b.sched.budget_index[k, 1 + CRC] == a.sched.budget_index[k, 1 + CRC]
        # Operational engagement of the NPS falls with its capacity, over the rest of the window.
        a.run()
        b.run()
        span = slice(k, _step(a, 2021, 1))
        assert np.nanmean(b.rec.eng_operational[span, NPS]) < np.nanmean(
            a.rec.eng_operational[span, NPS]
        )


def test_nps_funding_follows_probation_unless_given(cleveland, variant):
    """Without its own funding index the NPS follows probation's; a scenario may give one."""
    m = CSPModel(cleveland, seed=1, with_agents=False)
    np.testing.assert_array_equal(
        m.sched.budget_index[:, 1 + NPS], m.sched.budget_index[:, 1 + CRC]
    )

    def own(raw):
        raw["funding"]["index"]["probation_nps"] = {2009: 100.0, 2016: 50.0}

    m2 = CSPModel(variant(cleveland, own), seed=1, with_agents=False)
    assert m2.sched.budget_index[-1, 1 + NPS] == pytest.approx(0.5)


def test_a_reorganisation_names_a_footprint_of_its_agency(cleveland, variant):
    """The NPS moves only to its divisions or to none; probation cannot move to them."""

    def bad(raw):
        raw["reorganisations"].append(
            {"agency": "probation", "date": dt.date(2015, 1, 1), "footprint": "nps_division"}
        )

    with pytest.raises((ScenarioError, ValueError), match="not one of probation's"):
        variant(cleveland, bad)


def test_a_duty_cannot_name_the_nps(cleveland, variant):
    """A duty gives probation's contribution; the NPS's share of it is the registry's."""

    def bad(raw):
        raw["duties"]["new"] = {
            "x": {"name": "X", "start": dt.date(2015, 1, 1), "workload_fte_per_100k": 1.0,
                  "volume": "high", "contribution": {"council": 1.0, "probation_nps": 1.0},
                  "source": "test"}
        }  # fmt: skip

    with pytest.raises(ScenarioError, match="probation_nps"):
        load_duties(variant(cleveland, bad))


def test_partner_ranking_names_the_nps_and_needs_no_last_year_for_it():
    """A comparison's partner ranking names the NPS in words; a partner that has gone by the
    last year (the NPS after 2021) is ranked by its window with no last-year change."""

    def row(outcome, period, diff):
        ids = {"scenario": "x", "level": "national", "outcome": outcome, "period": period}
        return ids | {"mean": 0.3, "diff": diff, "diff_lo": diff - 0.01, "diff_hi": diff + 0.01}

    rows = [row("eng_strategic__probation_nps", "window", -0.05)]
    rows += [row("eng_strategic__police", p, -0.01) for p in ("window", "end")]
    ranked = partner_ranking(pd.DataFrame(rows), "x")
    top = ranked.iloc[0]
    assert top["partner"] == "National Probation Service"
    assert top["change in the last year"] == "–"
    assert ranked.iloc[1]["change in the last year"].startswith("-1.00 pp")
