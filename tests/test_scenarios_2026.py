"""The 2026-2030 scenarios and the levers that change during a run (issue 13, items 1-2).

Direction tests over paired seeds (common random numbers in both arms): Kent for the
reorganisation and the section 114 notice (real places, two-tier), Cleveland's four areas for
the national money scenarios (quick). Every shipped scenario is also run by both engines in
tests/test_engines.py.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from cspsim.cli.main import main
from cspsim.inputs.geography import build_geography
from cspsim.inputs.scenario import ScenarioError, load_scenario, scenario_from_dict, with_values
from cspsim.model.model import CSPModel
from cspsim.model.submodels import delivery
from cspsim.vocab import PARTNER_TYPES, QUARTERS_PER_YEAR

SEEDS = (1, 2, 3)


def _runs(scenario, seeds=SEEDS):
    geo = build_geography(scenario.geography)
    return [CSPModel(scenario, seed=s, geography=geo, with_agents=False).run() for s in seeds]


def _share(m, steps, areas=slice(None)) -> float:
    return float(m.rec.delivered[steps][:, areas].sum() / m.rec.demand[steps][:, areas].sum())


def _from(m, day: dt.date) -> np.ndarray:
    return np.array([q >= day for q in m.sched.quarters])


@pytest.fixture(scope="module")
def kent_runs():
    """Kent to 2030: the reference, the 2028 reorganisation and Medway's section 114 notice."""
    names = ("kent_2030", "kent_reorganisation_2028", "kent_section_114_2026")
    return {n: _runs(load_scenario(n)) for n in names}


def test_reorganisation_removes_two_tier_overhead_and_county_partner(kent_runs):
    """From April 2028 Kent's districts are unitaries: no county council partner, no
    management tier of a multi-council CSP, no two-tier reporting cost; nothing changes
    before. Share met moves little either way (the county's share of county-led duties,
    drugs and alcohol among them since 2013, passes to councils that lose the county's
    capacity): within 5 points, paired."""
    ref, reo = kent_runs["kent_2030"], kent_runs["kent_reorganisation_2028"]
    county = PARTNER_TYPES.index("county_council")
    before, after = ref[0].epochs[-1], reo[0].epochs[-1]
    assert (before.link_of[county] >= 0).sum() == 12 and (after.link_of[county] >= 0).sum() == 0
    assert before.mgmt_share.max() > 0 and after.mgmt_share.max() == 0
    assert not after.two_tier.any()
    assert len(set(after.csp_names)) < len(set(before.csp_names))
    window = _from(ref[0], dt.date(2028, 4, 1))
    early = ~_from(ref[0], dt.date(2028, 1, 1))
    for a, b in zip(ref, reo, strict=True):
        assert abs(_share(b, window) - _share(a, window)) < 0.05
        assert _share(b, window) != _share(a, window)
        np.testing.assert_allclose(b.rec.delivered[early], a.rec.delivered[early])
    tab_before = delivery.build_epoch_tables(ref[0], before)
    tab_after = delivery.build_epoch_tables(reo[0], after)
    assert tab_before.reporting_fte.sum() > 0 and tab_after.reporting_fte.sum() == 0


def test_national_reorganisation_ends_two_tier_and_keeps_the_others():
    """England, April 2028: no area is two-tier and no county council is a partner; every
    unitary, metropolitan and London council is as in the projection."""
    ref = CSPModel(load_scenario("projection_2030"), seed=1, with_agents=False)
    lgr = CSPModel(load_scenario("local_government_reorganisation_2028"), seed=1, with_agents=False)
    county = PARTNER_TYPES.index("county_council")
    before, after = ref.epochs[-1], lgr.epochs[-1]
    assert before.two_tier.sum() > 100 and not after.two_tier.any()
    assert (after.link_of[county] >= 0).sum() == 0
    assert lgr.epochs[-1].transition is not None
    moved = lgr.epochs[-1].transition
    assert np.array_equal(moved, before.two_tier)
    p_ref, p_lgr = ref.geo.timeline()[-1], lgr.geo.timeline()[-1]
    kept = ~moved
    codes = np.array(p_ref.council_codes)[p_ref.council][kept]
    assert list(codes) == list(np.array(p_lgr.council_codes)[p_lgr.council][kept])


def test_reorganisation_shakes_partners_in_the_new_unitaries(kent_runs):
    """The transition shock: in the quarter the unitaries start, police engagement in the
    districts is lower with the shock than without it (council_reorganisation_shock = 0),
    paired; Medway (already unitary) is not shaken (it moves only through the partner it
    shares), and as Kent Police now serves fewer CSPs its engagement there does not fall
    against the reference."""
    ref, reo = kent_runs["kent_2030"], kent_runs["kent_reorganisation_2028"]
    calm = _runs(
        with_values(
            load_scenario("kent_reorganisation_2028"), {"council_reorganisation_shock": 0.0}
        )
    )
    police = PARTNER_TYPES.index("police")
    t = int(np.argmax(_from(ref[0], dt.date(2028, 4, 1))))
    medway = ref[0].geo.names.index("Medway")
    districts = [i for i in range(ref[0].geo.n) if i != medway]
    for a, b, c in zip(ref, reo, calm, strict=True):
        shaken, unshaken = b.rec.eng_strategic[t, police], c.rec.eng_strategic[t, police]
        drop = unshaken[districts] - shaken[districts]
        assert np.all(drop > 0)
        assert abs(shaken[medway] - unshaken[medway]) < drop.min() / 10  # shared Kent Police
        assert shaken[medway] >= a.rec.eng_strategic[t, police, medway]


@pytest.mark.parametrize(("target", "unitaries"), [(300_000, 5), (500_000, 3), (800_000, 2)])
def test_unitary_size_lever_sets_the_number_of_unitaries(target, unitaries):
    """Kent (about 1.4 million people in its districts) becomes round(P / target) unitaries,
    each a consecutive run of districts in ONS code order."""
    scenario = with_values(
        load_scenario("kent_reorganisation_2028"), {"unitary_target_population": target}
    )
    last = build_geography(scenario.geography).timeline()[-1]
    new = [n for n in last.council_names if n.startswith("Kent")]
    assert len(new) == unitaries
    assert last.start == dt.date(2028, 4, 1)
    assert last.transition is not None and last.transition.sum() == 12


WEST_KENT = ["Dartford", "Gravesham", "Sevenoaks", "Tonbridge and Malling", "Tunbridge Wells"]
EAST_KENT = ["Ashford", "Canterbury", "Dover", "Shepway", "Swale", "E07000114", "Maidstone"]


def test_published_groupings_replace_the_size_rule(variant):
    """Given groups (names or ONS codes), Kent becomes exactly those unitaries; a district
    left out is an error naming it."""
    base = load_scenario("kent_reorganisation_2028")

    def groups(given):
        def change(raw):
            raw["geography"]["reorganise"][0]["groups"] = given

        return variant(base, change)

    last = build_geography(groups([WEST_KENT, EAST_KENT]).geography).timeline()[-1]
    codes = dict(zip(build_geography(base.geography).names, last.council, strict=True))
    assert len({codes[n] for n in WEST_KENT}) == 1
    assert codes["Thanet"] == codes["Ashford"] != codes["Dartford"]
    assert sum(n.startswith("Kent") for n in last.council_names) == 2
    with pytest.raises(ScenarioError, match="districts in no group: \\['Maidstone'\\]"):
        build_geography(groups([WEST_KENT, EAST_KENT[:-1]]).geography)


@pytest.mark.parametrize(
    ("geography", "expected"),
    [
        ('areas = ["Kent"]\n[[geography.reorganise]]\ndate = 2028-04-01\ncounties = ["Knet"]',
         "did you mean 'Kent'"),
        ('areas = ["Kent"]\n[[geography.reorganise]]\ndate = 2008-04-01',
         "geography.reorganise.0.date: 2008-04-01 must be after"),
        ('kind = "synthetic_england"\nareas = []\n[[geography.reorganise]]\ndate = 2028-04-01',
         "reorganise needs real places"),
        ('areas = ["Kent"]\n[[geography.reorganise]]\ndate = 2028-04-01\ntarget_population = -5',
         "target_population"),
        ('areas = ["Kent"]\n[[funding.area_cuts]]\narea = "Medwy"\nstart = 2026-04-01\npct = 10',
         "did you mean 'Medway'"),
        ('areas = ["Kent"]\n[[funding.area_cuts]]\narea = "Medway"\nstart = 2026-04-01',
         "give pct"),
        ('areas = ["Kent"]\n[[pcc.changes]]\ndate = 2028-05-01\nfunding_model = "central"\n'
         '[[pcc.changes]]\ndate = 2027-05-01\nfunding_model = "grant"',
         "increasing order"),
        ('areas = ["Kent"]\n[[pcc.changes]]\ndate = 2028-05-01\nfunding_model = "board"\n'
         'forces = "mayors"',
         "give one of 'all', 'mayoral', 'other'"),
    ],
)  # fmt: skip
def test_bad_dated_changes_exit_2_with_one_line(tmp_path, capsys, geography, expected):
    """Bad reorganisations, council cuts and dated changes: exit 2, one line, no traceback."""
    head, _, tail = geography.partition("\n[[")
    body = f'name = "x"\nextends = "kent_2030.toml"\n[geography]\n{head}\n'
    if tail:
        body += "[[" + tail + "\n"
    path = tmp_path / "bad.toml"
    path.write_text(body, encoding="utf-8")
    assert main(["check", str(path)]) == 2
    err = capsys.readouterr().err
    assert expected in err, err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_section_114_lowers_that_council_not_its_neighbours(kent_runs):
    """While Medway's notice is in force its team and share of demand met fall; the Kent
    districts, which share only partners with it, change by far less (paired seeds)."""
    ref, s114 = kent_runs["kent_2030"], kent_runs["kent_section_114_2026"]
    m = ref[0]
    steps = _from(m, dt.date(2026, 7, 1)) & ~_from(m, dt.date(2028, 4, 1))
    medway = m.geo.names.index("Medway")
    others = np.arange(m.geo.n) != medway
    for a, b in zip(ref, s114, strict=True):
        own = _share(a, steps, medway) - _share(b, steps, medway)
        spill = abs(_share(a, steps, others) - _share(b, steps, others))
        assert own > 0.005
        assert spill < own / 10
        assert b.rec.team_fte[steps, medway].mean() < 0.8 * a.rec.team_fte[steps, medway].mean()
    # Money: from April 2028 Medway's budget is back on the reference path.
    after = _from(m, dt.date(2028, 4, 1))
    np.testing.assert_allclose(s114[0].council_index[after], ref[0].council_index[after])


@pytest.fixture(scope="module")
def cleveland_geo():
    return build_geography(load_scenario("cleveland").geography)


def _on_cleveland(name, cleveland_geo):
    """A national scenario on Cleveland's four areas (quick), with the same money."""
    raw = load_scenario(name).model_dump()
    raw["geography"] = load_scenario("cleveland").model_dump()["geography"]
    return scenario_from_dict(raw)


def _ledger(runs, name, steps):
    return np.array([m.rec.ledger[name][steps].sum() for m in runs])


@pytest.mark.parametrize("name", ["pcc_abolition_2028", "pcc_abolition_2028_mayors"])
def test_pcc_abolition_changes_the_funding_path_as_stated(name, cleveland_geo):
    """Until May 2028 the money is the projection's; from then on, under boards of council
    leaders the whole fund reaches CSPs (no PCC share kept; only money paid for the body's own
    commissioning is commissioned centrally),
    under mayors the whole fund is commissioned centrally (nothing reaches CSP teams)."""
    ref = _runs(_on_cleveland("projection_2030", cleveland_geo))
    abo = _runs(_on_cleveland(name, cleveland_geo))
    m = ref[0]
    after = _from(m, dt.date(2028, 4, 1))
    for key in ("grants_in_gbp", "grants_to_teams_gbp", "pcc_central_gbp"):
        np.testing.assert_allclose(_ledger(abo, key, ~after), _ledger(ref, key, ~after))
    np.testing.assert_allclose(
        _ledger(abo, "grants_in_gbp", after), _ledger(ref, "grants_in_gbp", after)
    )
    if name == "pcc_abolition_2028":
        # Only the money paid for the body's own commissioning (violence reduction units)
        # stays central; none of the community safety fund is kept back.
        own = m.sched.grant_pcc_central_gbp[after] * m.pop_share.sum() / QUARTERS_PER_YEAR
        np.testing.assert_allclose(_ledger(abo, "pcc_central_gbp", after), own.sum())
        assert np.all(_ledger(ref, "pcc_central_gbp", after) > own.sum())
        assert np.all(
            _ledger(abo, "grants_to_teams_gbp", after) > _ledger(ref, "grants_to_teams_gbp", after)
        )
    else:
        assert np.all(
            _ledger(abo, "pcc_central_gbp", after) > _ledger(ref, "pcc_central_gbp", after)
        )
        assert np.all(_ledger(abo, "grants_to_teams_gbp", after) == 0)


def test_pcc_abolition_leaves_the_mayoral_areas_alone():
    """In real England the boards replace the PCCs only where no mayor holds police and crime
    functions on the date: the five mayoral force areas keep their model."""
    scenario = load_scenario("pcc_abolition_2028")
    m = CSPModel(scenario, seed=1, with_agents=False)
    forces = m.geo.footprint_names["police"]
    last = dict(zip(forces, m.pcc_model[-1], strict=True))
    assert last["Metropolitan Police"] == last["Greater Manchester Police"] == "grant"
    assert last["Kent Police"] == last["Essex Police"] == "board"
    assert sum(v == "grant" for v in last.values()) == 5
    before = np.array([q < dt.date(2028, 4, 1) for q in m.sched.quarters])
    assert set(m.pcc_model[before].ravel()) == {"grant"}


def test_unknown_force_in_pcc_changes_is_one_line(tmp_path, capsys):
    """A misspelt force in pcc.changes: exit 2, one line, the nearest force suggested."""
    path = tmp_path / "bad.toml"
    path.write_text(
        'name = "x"\nextends = "kent_2030.toml"\n[[pcc.changes]]\ndate = 2028-05-01\n'
        'funding_model = "board"\nforces = ["Kent Polise"]\n',
        encoding="utf-8",
    )
    assert main(["check", str(path)]) == 2
    err = capsys.readouterr().err
    assert "did you mean 'Kent Police'" in err and len(err.strip().splitlines()) == 1


def test_multi_year_settlements_end_late_allocation_from_2026(cleveland_geo):
    """From April 2026 no grant is lost to late annual allocation; before, the same."""
    ref = _runs(_on_cleveland("projection_2030", cleveland_geo))
    multi = _runs(_on_cleveland("multi_year_settlements_2026", cleveland_geo))
    after = _from(ref[0], dt.date(2026, 4, 1))
    assert np.all(_ledger(multi, "grants_late_lost_gbp", after) == 0)
    assert np.all(_ledger(ref, "grants_late_lost_gbp", after) > 0)
    np.testing.assert_allclose(
        _ledger(multi, "grants_late_lost_gbp", ~after), _ledger(ref, "grants_late_lost_gbp", ~after)
    )
    for a, b in zip(ref, multi, strict=True):
        assert _share(b, after) > _share(a, after)


def test_time_limited_money_ends_on_the_lever_year(cleveland_geo):
    """The VRU and SVD grants stop from April 2026 (and, with the lever at 2028, from 2028):
    less money in and less delivery after, the same before."""
    ref = _runs(_on_cleveland("violence_funding_2030", cleveland_geo))
    ends = _runs(_on_cleveland("violence_funding_ends_2026", cleveland_geo))
    after = _from(ref[0], dt.date(2026, 4, 1))
    assert np.all(_ledger(ends, "grants_in_gbp", after) < _ledger(ref, "grants_in_gbp", after))
    np.testing.assert_allclose(
        _ledger(ends, "grants_in_gbp", ~after), _ledger(ref, "grants_in_gbp", ~after)
    )
    for a, b in zip(ref, ends, strict=True):
        assert _share(b, after) < _share(a, after)
    later = with_values(
        load_scenario("violence_funding_ends_2026"), {"time_limited_grants_end_year": 2028}
    )
    grants = {g.name: g.end for g in later.funding.grants}
    assert grants["serious_violence_duty_grant"] == dt.date(2028, 4, 1)
    assert grants["pcc_community_safety_fund"] is None


def test_icb_running_costs_lower_health_engagement(cleveland_geo):
    """Health's budget is cut from April 2026: its operational engagement falls (paired)."""
    ref = _runs(_on_cleveland("projection_2030", cleveland_geo))
    icb = _runs(_on_cleveland("icb_running_costs_2026", cleveland_geo))
    health = PARTNER_TYPES.index("health")
    after = _from(ref[0], dt.date(2027, 4, 1))
    for a, b in zip(ref, icb, strict=True):
        assert np.nanmean(b.rec.eng_operational[after, health]) < np.nanmean(
            a.rec.eng_operational[after, health]
        )


def test_dated_pcc_model_and_allocation_change_mid_run(cleveland_geo):
    """A PCC that invites bids from 2020 and annual allocations again from 2022: the schedule
    holds each in force on its dates."""
    raw = load_scenario("cleveland").model_dump()
    raw["pcc"]["changes"] = [{"date": dt.date(2020, 4, 1), "funding_model": "bids"}]
    raw["funding"]["allocation"] = "multi_year"
    raw["funding"]["allocation_changes"] = [{"date": dt.date(2022, 4, 1), "allocation": "annual"}]
    m = CSPModel(scenario_from_dict(raw), seed=1, geography=cleveland_geo, with_agents=False)
    bids = _from(m, dt.date(2020, 4, 1))
    assert set(m.sched.pcc_model[bids]) == {"bids"} and set(m.sched.pcc_model[~bids]) == {"grant"}
    annual = _from(m, dt.date(2022, 4, 1))
    assert m.sched.annual[annual].all() and not m.sched.annual[~annual].any()


def test_area_cut_by_ons_code_equals_by_name(cleveland_geo):
    """A council can be named by its ONS code or its name (any case): the same budget path."""
    kent = load_scenario("kent_2030")
    paths = []
    for area in ("Medway", "E06000035", "medway"):
        raw = kent.model_dump()
        raw["funding"]["area_cuts"] = [{"area": area, "start": dt.date(2026, 4, 1), "pct": 10}]
        m = CSPModel(scenario_from_dict(raw), seed=1, with_agents=False)
        paths.append(m.council_index)
    np.testing.assert_array_equal(paths[0], paths[1])
    np.testing.assert_array_equal(paths[0], paths[2])
    with pytest.raises(ScenarioError, match="not a council of this scenario"):
        raw["funding"]["area_cuts"] = [
            {"area": "Atlantis", "start": dt.date(2026, 4, 1), "pct": 10}
        ]
        CSPModel(scenario_from_dict(raw), seed=1, with_agents=False)
