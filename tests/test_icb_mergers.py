"""ICB mergers (issue 13): the enacted April 2026 mergers in real England's geography, and the
planned April 2027 mergers as a scenario lever (``[[geography.merge_icbs]]``, scenario
icb_mergers_2027).

Direction tests over paired seeds on the West Midlands (Birmingham and Solihull and the Black
Country merge in 2027; Coventry's ICB does not gain a CSP) and Suffolk (its ICBs merge in
2026 in both arms, and it shares no partner with the West Midlands).
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from cspsim.inputs.england import load_england
from cspsim.inputs.geography import build_geography
from cspsim.inputs.icb_mergers import planned_mergers, read_icb_mergers
from cspsim.inputs.scenario import ScenarioError, load_scenario, scenario_from_dict
from cspsim.model.merging import regrouped
from cspsim.model.model import CSPModel
from cspsim.vocab import PARTNER_TYPES

SEEDS = (1, 2, 3)
HEALTH = PARTNER_TYPES.index("health")
APRIL_2026, APRIL_2027 = dt.date(2026, 4, 1), dt.date(2027, 4, 1)
AREAS = ["West Midlands", "Suffolk"]
MERGED_2027 = ("Birmingham", "Solihull", "Dudley", "Sandwell", "Walsall", "Wolverhampton")


def _on(name: str, start: dt.date | None = None):
    """A national scenario on the West Midlands and Suffolk (quick), from ``start``."""
    raw = load_scenario(name).model_dump()
    raw["geography"] = {**raw["geography"], "kind": "areas", "areas": AREAS}
    if start is not None:
        raw["time"]["start"] = start
    return scenario_from_dict(raw)


def _from(m, day: dt.date) -> np.ndarray:
    return np.array([q >= day for q in m.sched.quarters])


@pytest.fixture(scope="module")
def arms():
    """projection_2030 and icb_mergers_2027 on the same areas, paired seeds."""
    out = {}
    for name in ("projection_2030", "icb_mergers_2027"):
        scenario = _on(name)
        geo = build_geography(scenario.geography)
        out[name] = [
            CSPModel(scenario, seed=s, geography=geo, with_agents=False).run() for s in SEEDS
        ]
    return out


def test_data_file_names_the_model_icbs_and_places_every_council():
    """Each old ICB of the file is an ICB of the data (code and name), statuses and dates are
    the stated ones, and on 1 April 2026 no council is served by an ICB merged that day."""
    rows = read_icb_mergers()
    eng = load_england()

    def icbs(day: dt.date) -> set[tuple[str, str]]:
        return {(s.agency_code, s.agency_name) for s in eng.footprint("icb", day)}

    before, after = icbs(dt.date(2026, 3, 31)), {code for code, _ in icbs(APRIL_2026)}
    assert {r["status"] for r in rows} == {"enacted", "planned"}
    for r in rows:
        assert (r["old_icb_code"], r["old_icb"]) in before, r
        assert r["date"] == {"enacted": "2026-04-01", "planned": "2027-04-01"}[r["status"]]
        assert r["basis"].split()[0] in ("source", "assumption")
    gone = {r["old_icb_code"] for r in rows if r["status"] == "enacted"} - after
    # 12 ICBs abolished, 6 new (Hampshire and the Isle of Wight keeps its code and grows)
    assert len(gone) == 12 and len(after) == len(before) - 12 + 6


def test_shipped_scenario_lists_the_planned_mergers():
    """icb_mergers_2027's [[geography.merge_icbs]] are the file's planned rows, no more."""
    scenario = load_scenario("icb_mergers_2027")
    got = sorted((m.date, m.name, sorted(m.icbs)) for m in scenario.geography.merge_icbs)
    want = sorted((d, new, sorted(old)) for d, new, old in planned_mergers())
    assert got == want and len(got) == 9


def test_baseline_history_is_unchanged_and_the_2026_mergers_happen_on_their_date():
    """The replay to 2024 never reaches the 2026 ICBs; a projection switches health to them on
    1 April 2026, when Suffolk's two ICBs become one and its CSPs take the shock."""
    assert all(e.levels["health"] != "health_icb_2026" for e in CSPModel(
        load_scenario("baseline"), seed=1, with_agents=False).epochs)  # fmt: skip
    m = CSPModel(_on("projection_2030"), seed=1, with_agents=False)
    t = int(np.argmax(_from(m, APRIL_2026)))
    before, after = m.epochs[m.epoch_of_step[t - 1]], m.epochs[m.epoch_of_step[t]]
    assert after.start_step == t and m.sched.quarters[t] == APRIL_2026
    assert (before.levels["health"], after.levels["health"]) == ("health_icb", "health_icb_2026")
    suffolk = [i for i, r in enumerate(m.geo.region) if r == "East of England"]
    names = {after.agency_name[after.link_agency[after.link_of[HEALTH, a]]] for a in suffolk}
    old = {before.agency_name[before.link_agency[before.link_of[HEALTH, a]]] for a in suffolk}
    assert names == {"Norfolk and Suffolk ICB"} and len(old) == 2
    assert after.merged is not None and after.merged[HEALTH, suffolk].all()
    assert not after.merged[HEALTH].all()  # the West Midlands' ICBs did not merge in 2026


def test_merged_icb_serves_more_csps_and_health_engagement_falls(arms):
    """After April 2027 the merged ICB serves the CSPs of both old ones, and health's
    engagement in their CSPs is lower than without the merger (dilution and the shock),
    every seed; before it the two runs are the same."""
    ref, mer = arms["projection_2030"], arms["icb_mergers_2027"]
    m = ref[0]
    merged = [m.geo.names.index(n) for n in MERGED_2027]
    after, before = _from(m, APRIL_2027), ~_from(m, APRIL_2027)
    ep_ref, ep_mer = ref[0].epochs[-1], mer[0].epochs[-1]
    served_ref = ep_ref.n_served[ep_ref.link_agency[ep_ref.link_of[HEALTH, merged]]]
    served_mer = ep_mer.n_served[ep_mer.link_agency[ep_mer.link_of[HEALTH, merged]]]
    assert np.all(served_mer > served_ref) and set(served_mer) == {6.0}
    for a, b in zip(ref, mer, strict=True):
        np.testing.assert_allclose(b.rec.delivered[before], a.rec.delivered[before])
        assert np.all(
            b.rec.eng_strategic[after, HEALTH][:, merged].mean(axis=0)
            < a.rec.eng_strategic[after, HEALTH][:, merged].mean(axis=0)
        )


def test_unaffected_icbs_change_only_through_shared_partners(arms):
    """Suffolk shares no partner with the West Midlands: its run is the same in both arms.
    Coventry's ICB gains no CSP among these areas: its health engagement moves far less than
    in the merged areas (only through the partners Coventry shares: police, probation)."""
    ref, mer = arms["projection_2030"], arms["icb_mergers_2027"]
    m = ref[0]
    suffolk = [i for i, r in enumerate(m.geo.region) if r == "East of England"]
    merged = [m.geo.names.index(n) for n in MERGED_2027]
    coventry = m.geo.names.index("Coventry")
    after = _from(m, APRIL_2027)
    for a, b in zip(ref, mer, strict=True):
        np.testing.assert_allclose(b.rec.delivered[:, suffolk], a.rec.delivered[:, suffolk])
        drop = (a.rec.eng_strategic[after, HEALTH] - b.rec.eng_strategic[after, HEALTH]).mean(0)
        assert abs(drop[coventry]) < drop[merged].min() / 5


def test_regrouped_marks_only_areas_whose_agency_group_changes():
    """Two agencies merging mark their areas; a renamed but unchanged agency does not."""
    old = np.array([0, 0, 1, 2, 3, -1])
    new = np.array([5, 5, 5, 7, 8, -1])
    assert regrouped(old, new).tolist() == [True, True, True, False, False, False]


def test_unknown_icb_is_reported_with_close_names(tmp_path):
    """A misspelt ICB name fails at load, one line, with the nearest names; an ICB merging
    twice on one date too; a merger must fall inside the run."""
    path = tmp_path / "m.toml"
    path.write_text(
        'name = "m"\nextends = "projection_2030.toml"\n'
        '[[geography.merge_icbs]]\ndate = 2027-04-01\nname = "North"\n'
        'icbs = ["Greater Manchster", "Cheshire and Merseyside ICB"]\n'
        '[[geography.merge_icbs]]\ndate = 2027-04-01\nname = "North 2"\n'
        'icbs = ["Cheshire and Merseyside", "Lancashire and South Cumbria ICB"]\n'
    )
    with pytest.raises(ScenarioError) as err:
        load_scenario(path)
    text = str(err.value)
    assert "merge_icbs.0.icbs.0: 'Greater Manchster' is not an ICB on 2027-04-01" in text
    assert "did you mean 'Greater Manchester ICB'" in text
    assert "already merges on 2027-04-01" in text
    raw = load_scenario("icb_mergers_2027").model_dump()
    raw["time"]["start"] = dt.date(2027, 6, 1)
    with pytest.raises(ScenarioError, match="must be after the scenario's start, 2027-06-01"):
        scenario_from_dict(raw)


def test_synthetic_geography_checks_names_when_built():
    """Outside real places the names are those of the built geography, checked when built."""
    raw = {
        "name": "s",
        "time": {"start": dt.date(2023, 4, 1), "end": dt.date(2024, 12, 31)},
        "reorganisations": [{"agency": "health", "date": dt.date(2023, 4, 1), "footprint": "icb"}],
        "geography": {"merge_icbs": [
            {"date": dt.date(2024, 4, 1), "name": "North", "icbs": ["north_east_force_1_icb",
                                                                    "north_east_forse_2_icb"]}]},
    }  # fmt: skip
    with pytest.raises(ScenarioError, match="did you mean 'north_east_force_2_icb'"):
        build_geography(scenario_from_dict(raw).geography)


def test_projection_of_england_has_fewer_larger_icbs_from_april_2026():
    """Real England, projection_2030: on 1 April 2026 the 44 ICB footprints become 38 (12
    abolished, 6 new), each serving more CSPs on average; only the areas of merged or
    reshaped ICBs take the shock."""
    m = CSPModel(load_scenario("projection_2030"), seed=1, with_agents=False)
    t = int(np.argmax(_from(m, APRIL_2026)))
    before, after = m.epochs[m.epoch_of_step[t - 1]], m.epochs[m.epoch_of_step[t]]

    def icbs(ep):
        return np.flatnonzero(ep.agency_ptype == HEALTH)

    assert (len(icbs(before)), len(icbs(after))) == (44, 38)
    assert after.n_served[icbs(after)].mean() > before.n_served[icbs(before)].mean()
    assert after.merged is not None and 0 < after.merged[HEALTH].sum() < m.geo.n / 2
