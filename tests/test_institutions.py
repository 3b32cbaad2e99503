"""Issue 12: the institutions as they were. One direction test per change, and a check that
2009 results move only where a change applies in 2009."""

from __future__ import annotations

import datetime as dt
import tomllib

import numpy as np
import pytest

from cspsim.inputs import series
from cspsim.inputs.duties import load_duties
from cspsim.inputs.errors import ScenarioError
from cspsim.inputs.funds import scenario_grants
from cspsim.inputs.levers import apply_levers
from cspsim.inputs.scenario import load_scenario, scenario_from_dict
from cspsim.model.model import CSPModel
from cspsim.model.schedule import build_schedule
from cspsim.model.submodels.demand import workload
from cspsim.paths import CONFIGS_DIR
from cspsim.vocab import AUTHORITY_TYPES, CONTRIBUTORS, PARTNER_TYPES

HEALTH = PARTNER_TYPES.index("health")
COUNTY = PARTNER_TYPES.index("county_council")
POLICE = PARTNER_TYPES.index("police")


@pytest.fixture(scope="module")
def kent():
    """Kent's real councils (districts in a two-tier county) to the end of 2014."""
    sc = load_scenario(CONFIGS_DIR / "kent.toml")
    raw = sc.model_dump()
    raw["time"]["end"] = dt.date(2014, 3, 31)
    raw["run"]["replicates"] = 1
    return scenario_from_dict(raw)


def _step(m: CSPModel, day: dt.date) -> int:
    return m.sched.quarters.index(day)


def test_public_health_moves_drugs_and_alcohol_work_to_councils_in_2013_q2(kent):
    """From April 2013 the NHS body carries none of the drugs and alcohol work; the county
    council (two-tier) takes the share the health body had."""
    m = CSPModel(kent, seed=1, with_agents=False)
    before, after = _step(m, dt.date(2013, 1, 1)), _step(m, dt.date(2013, 4, 1))
    ids = m.duties.ids
    old, new = ids.index("drugs_alcohol"), ids.index("drugs_alcohol_public_health")
    assert m.sched.duty_active[before, old] and not m.sched.duty_active[before, new]
    assert m.sched.duty_active[after, new] and not m.sched.duty_active[after, old]

    def need(t: int, duty: int) -> np.ndarray:
        level = np.zeros(m.duties.n)
        level[duty] = m.sched.duty_level[t, duty]
        return workload(m.demand_full, m.W, level, m.sched.bound[t]).need

    pre, post = need(before, old), need(after, new)
    district = m.geo.type_code == AUTHORITY_TYPES.index("district_borough")
    assert district.any() and not district.all()  # 12 districts and Medway (unitary)
    assert (pre[HEALTH] > 0).all() and np.allclose(post[HEALTH], 0.0)
    # Two-tier: the county council takes health's share (and the district's own).
    assert (post[COUNTY, district] > pre[COUNTY, district] + 0.99 * pre[HEALTH, district]).all()
    # Unitary: the council itself takes it.
    council = CONTRIBUTORS.index("council")
    assert (m.W[~district, council, new] > m.W[~district, council, old] + 0.39).all()
    # The same work as before the transfer: only who carries it changed.
    np.testing.assert_allclose(m.demand_full[:, new], m.demand_full[:, old])


def _catalogue_without_issue_12(tmp_path):
    """The shipped duty catalogue with this issue's post-2009 changes undone: no public
    health transfer and no workload growth."""
    with (CONFIGS_DIR / "duties.toml").open("rb") as fh:
        raw = tomllib.load(fh)
    raw.pop("drugs_alcohol_public_health")
    raw["drugs_alcohol"].pop("end")
    for duty in raw.values():
        duty.pop("workload_index", None)
    lines = []
    for duty_id, d in raw.items():
        lines.append(f"[{duty_id}]")
        for k, v in d.items():
            if isinstance(v, dict):
                inner = ", ".join(f"{kk} = {_toml(vv)}" for kk, vv in v.items())
                lines.append(f"{k} = {{ {inner} }}")
            else:
                lines.append(f"{k} = {_toml(v)}")
    path = tmp_path / "duties_2009.toml"
    path.write_text("\n".join(lines) + "\n")
    return path


def _toml(v) -> str:
    if isinstance(v, str):
        return '"' + v.replace('"', '\\"') + '"'
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, list):
        return "[" + ", ".join(_toml(x) for x in v) + "]"
    if isinstance(v, dt.date):
        return f'"{v.isoformat()}"'
    return repr(v)


def test_post_2009_changes_leave_2009_unchanged(kent, tmp_path):
    """The public health transfer and the workload growth paths apply after 2009: the 2009
    quarters are the same without them, and later ones differ."""
    raw = kent.model_dump()
    raw["duties"]["file"] = str(_catalogue_without_issue_12(tmp_path))
    without = CSPModel(scenario_from_dict(raw), seed=3, with_agents=False).run()
    with_ = CSPModel(kent, seed=3, with_agents=False).run()
    year = 4  # April 2009 to March 2010
    for name in ("team_fte", "eng_strategic", "spend_gbp"):
        a, b = getattr(with_.rec, name)[:year], getattr(without.rec, name)[:year]
        np.testing.assert_allclose(a, b, rtol=1e-12, err_msg=name)
    assert not np.allclose(
        with_.rec.eng_strategic[-1], without.rec.eng_strategic[-1], equal_nan=True
    )


def test_police_dilution_weight_lifts_engagement_where_a_force_serves_many_csps(
    baseline, national_geo, variant
):
    """Local commanders: with less police dilution, police in CSPs of forces that serve many
    CSPs (the Met's London boroughs) start more engaged than under full dilution."""

    def police_2009(weight: float) -> np.ndarray:
        sc = variant(baseline, lambda r: r["parameters"].update(police_dilution_weight=weight))
        return CSPModel(sc, seed=1, geography=national_geo, with_agents=False).state.engagement[
            POLICE
        ]

    london = national_geo.type_code == AUTHORITY_TYPES.index("london_borough")
    full, weak = police_2009(1.0), police_2009(0.0)
    assert weak[london].mean() > full[london].mean() + 0.05
    assert police_2009(0.25)[london].mean() > full[london].mean()


def test_police_capacity_follows_officers_and_pcsos():
    """The history's police index is officers plus PCSOs from the dated file, and the fall in
    PCSOs keeps it below officers alone after the uplift."""
    with (CONFIGS_DIR / "history_2009_2024.toml").open("rb") as fh:
        hist = tomllib.load(fh)
    points = {int(k): v for k, v in hist["funding"]["index"]["police"].items()}
    assert points == series.police_capacity_index()
    officers_only = 147430 / 143734 * 100
    assert points[2022] < officers_only - 3


def test_history_money_indices_come_from_the_series():
    """Council budgets (cash) and the cost of an FTE in the history are the series' values."""
    with (CONFIGS_DIR / "history_2009_2024.toml").open("rb") as fh:
        funding = tomllib.load(fh)["funding"]
    council = {int(k): v for k, v in funding["index"]["council"].items()}
    assert council == series.council_cash_index()
    assert {int(k): v for k, v in funding["index"]["county_council"].items()} == council
    cost = {int(k): v for k, v in funding["cost_per_fte_index"].items()}
    assert cost == series.cost_per_fte_index()
    # Money in cash: pay rose from 2013 on, council budgets fell to 2016-17 then rose.
    assert cost[2024] > cost[2012] == 100.0
    assert council[2016] < council[2010] < council[2024]
    assert "health" not in funding["index"]  # no longer the public health grant


def test_cost_per_fte_follows_pay(kent, variant):
    """A dearer FTE buys a smaller team from the same money."""
    base = CSPModel(kent, seed=2, with_agents=False).run()
    dear = variant(kent, lambda r: r["funding"].update(cost_per_fte_index={2009: 100, 2011: 150}))
    m = CSPModel(dear, seed=2, with_agents=False).run()
    assert m.sched.cost_per_fte_gbp[-1] == pytest.approx(1.5 * m.P.cost_per_fte_gbp)
    assert m.rec.team_fte[-1].sum() < 0.8 * base.rec.team_fte[-1].sum()
    np.testing.assert_allclose(m.rec.team_fte[0], base.rec.team_fte[0])


def test_time_limited_funds_start_and_stop(baseline, variant):
    """The funds file's streams pay from their start year to their end year only."""
    sc = variant(baseline, lambda r: r["time"].update(end=dt.date(2026, 3, 31)))
    grants = {g.name: g for g in scenario_grants(sc)}
    assert {"violence_reduction_units", "safer_streets", "serious_violence_duty_grant"} <= set(
        grants
    )
    sched = build_schedule(sc, load_duties(sc), 40000.0)
    fy = sched.fy
    pcc = sched.grant_pcc_gbp + sched.grant_pcc_central_gbp
    central = sched.grant_pcc_central_gbp  # VRUs and Safer Streets: the PCC commissions them
    assert central[fy == 2018].max() == 0 < central[fy == 2019].min()  # VRUs from 2019
    assert pcc[fy == 2018].max() < pcc[fy == 2019].min()
    assert pcc[fy == 2025].max() < pcc[fy == 2024].min()  # Safer Streets, SVD grant end
    svd = grants["serious_violence_duty_grant"].gbp_per_year
    assert svd[2022] > 0 and svd[2025] == 0


def test_a_broken_funds_file_is_one_clear_error(baseline, variant, tmp_path):
    """A funds file without sources or with a bad path is reported in one line."""
    bad = tmp_path / "funds.csv"
    bad.write_text(
        "name,path,start_fy,end_fy,gbp_per_year,ring_fenced,source\nx,bank,2019,,1,true,s\n"
    )
    sc = variant(baseline, lambda r: r["funding"].update(funds_files=[str(bad)]))
    with pytest.raises(ScenarioError, match="path must be csp, pcc, pcc_central or capital"):
        scenario_grants(sc)
    bad.write_text(
        "name,path,start_fy,end_fy,gbp_per_year,ring_fenced,source\nx,pcc,2019,,1,true,\n"
    )
    with pytest.raises(ScenarioError, match="every row needs a source"):
        scenario_grants(sc)


def test_sarc_is_not_a_fixed_cost_in_every_csp_and_dhrs_grow(baseline):
    """SARCs are commissioned at force level (no fixed cost per CSP); DHR work is per case
    and grows with the case count (+76% 2018/19-2022/23)."""
    duties = load_duties(baseline)
    sarc = duties.ids.index("sexual_assault_referral")
    dhr = duties.ids.index("domestic_homicide_reviews")
    assert duties.fixed_cost_fte[sarc] == 0 and duties.fixed_cost_fte[dhr] == 0
    sched = build_schedule(baseline, duties, 40000.0)
    lvl = sched.duty_level[:, dhr]
    assert lvl[sched.fy == 2022][0] / lvl[sched.fy == 2018][0] == pytest.approx(165 / 94, rel=0.01)
    slavery = duties.ids.index("modern_slavery")
    assert (
        sched.duty_level[sched.fy == 2023, slavery][0]
        > 4 * sched.duty_level[sched.fy == 2015, slavery][-1]
    )


def test_duty_workload_and_split_are_levers(baseline):
    """Every duty's workload and the councils' share of it can be varied by name."""
    raw = apply_levers(
        baseline.model_dump(),
        {"duty_workload_scale__prevent": 2.0, "duty_lead_share_scale__prevent": 1.5},
    )
    sc = scenario_from_dict(raw)
    base, changed = load_duties(baseline), load_duties(sc)
    d = base.ids.index("prevent")
    assert changed.workload_fte_per_100k[d] == pytest.approx(2 * base.workload_fte_per_100k[d])
    c = CONTRIBUTORS.index("council")
    assert changed.weight[c, d] == pytest.approx(min(1.5 * base.weight[c, d], 1.0))
    assert changed.weight[:, d].sum() == pytest.approx(1.0)
