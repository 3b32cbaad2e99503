"""Derived outcomes (differences and ratios of periods, exceedance shares, named areas),
each against a hand computation from one model run's full table or records."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cspsim.analysis.outputs import run_frame
from cspsim.inputs.scenario import load_scenario
from cspsim.model.model import CSPModel
from cspsim.paths import CONFIGS_DIR
from cspsim.studies.sensitivity.outcomes import OutcomeSpec, evaluate


@pytest.fixture(scope="module", params=["cleveland.toml", "cleveland_merged.toml"])
def run(request):
    """One finished run and its full table (CSP rows and group rows)."""
    m = CSPModel(load_scenario(CONFIGS_DIR / request.param), seed=7, with_agents=False).run()
    return m, run_frame(m, "x", 0)


def national(frame: pd.DataFrame, measure: str, first: int, last: int) -> float:
    """Mean over the period's quarters of the national row (the slow way)."""
    rows = frame[(frame["level"] == "national") & frame["date"].dt.year.between(first, last)]
    return float(rows[measure].mean())


def csp_rows(frame: pd.DataFrame, first: int, last: int) -> pd.DataFrame:
    """The CSP rows of the period."""
    return frame[(frame["level"] == "csp") & frame["date"].dt.year.between(first, last)]


def test_difference_between_years(run):
    """share met 2024 minus share met 2016 = the two national yearly means subtracted."""
    m, frame = run
    spec = OutcomeSpec(measure="share_met", years=2024, minus=2016)
    want = national(frame, "share_met", 2024, 2024) - national(frame, "share_met", 2016, 2016)
    assert evaluate(m, {"d": spec})["d"] == pytest.approx(want, rel=1e-12)


def test_ratio_between_periods(run):
    """mean spend 2020-24 divided by mean spend 2009-12."""
    m, frame = run
    spec = OutcomeSpec(measure="spend_gbp", years=(2020, 2024), divided_by=(2009, 2012))
    want = national(frame, "spend_gbp", 2020, 2024) / national(frame, "spend_gbp", 2009, 2012)
    got = evaluate(m, {"r": spec})["r"]
    assert got == pytest.approx(want, rel=1e-12)
    assert got != pytest.approx(1.0)  # the two periods differ, so the test can fail


@pytest.mark.parametrize("below", [True, False])
def test_exceedance_share_of_csps(run, below):
    """Per quarter, the share of CSPs whose own share met is past the threshold, averaged
    over the period (CSP rows of run_frame, counted by hand)."""
    m, frame = run
    rows = csp_rows(frame, 2016, 2024)
    threshold = float(rows["share_met"].median())  # so that the share is neither 0 nor 1
    key = "share_below" if below else "share_above"
    spec = OutcomeSpec(measure="share_met", years=(2016, 2024), **{key: threshold})
    past = rows["share_met"] < threshold if below else rows["share_met"] > threshold
    per_quarter = past.groupby(rows["step"]).mean()
    want = float(per_quarter.mean())
    assert 0 < want < 1
    assert evaluate(m, {"e": spec})["e"] == pytest.approx(want, rel=1e-12)


def test_exceedance_share_of_areas(run):
    """Among council areas: each area's own delivery over demand, from the records."""
    m, _ = run
    dem, dlv = m.rec.demand.sum(axis=2), m.rec.delivered.sum(axis=2)
    years = np.array([q.year for q in m.sched.quarters])
    sel = years == 2020
    share = dlv[sel] / dem[sel]  # (quarters, areas); every area has demand
    threshold = float(np.median(share))
    spec = OutcomeSpec(measure="share_met", years=2020, share_below=threshold, among="areas")
    want = float((share < threshold).mean(axis=1).mean())
    assert 0 < want < 1
    assert evaluate(m, {"e": spec})["e"] == pytest.approx(want, rel=1e-12)


def test_exceedance_of_engagement_with_difference(run):
    """An exceedance share can be compared between years like any measure."""
    m, frame = run
    measure = "eng_strategic__police"
    rows = csp_rows(frame, 2010, 2024)
    threshold = float(rows[measure].median())
    spec = OutcomeSpec(measure=measure, years=2024, minus=2010, share_above=threshold)

    def share(year: int) -> float:
        r = csp_rows(frame, year, year)
        return float((r[measure] > threshold).groupby(r["step"]).mean().mean())

    got = evaluate(m, {"e": spec})["e"]
    assert got == pytest.approx(share(2024) - share(2010), rel=1e-12, abs=1e-15)


def test_named_areas_restrict_to_the_csps_that_cover_them(run):
    """areas = ["Hartlepool"]: in each quarter, the CSP covering Hartlepool (alone in 2009,
    merged later in cleveland_merged): its delivery over its demand, from the CSP rows."""
    m, frame = run
    spec = OutcomeSpec(measure="share_met", areas=("Hartlepool",), years=(2012, 2024))
    area = m.geo.names.index("Hartlepool")
    rows = csp_rows(frame, 2012, 2024)
    names = [m.epochs[m.epoch_of_step[s]].csp_names for s in rows["step"]]
    covering = [
        n == names_k[m.epochs[m.epoch_of_step[s]].csp_of_area[area]]
        for n, names_k, s in zip(rows["unit"], names, rows["step"], strict=True)
    ]
    want = float(rows.loc[covering, "share_met"].mean())
    got = evaluate(m, {"a": spec})["a"]
    assert got == pytest.approx(want, rel=1e-12)
    assert got != pytest.approx(national(frame, "share_met", 2012, 2024), rel=1e-6)
