"""Real places by name: ``[geography] areas = ["Kent"]`` (``cspsim.inputs.real_areas``)."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys

import numpy as np
import pytest

from cspsim import CSPModel
from cspsim.cli.main import main
from cspsim.inputs.england import ATTRIBUTION
from cspsim.inputs.geography import FOOTPRINTS, build_geography
from cspsim.inputs.real_areas import LEVELS, level_date
from cspsim.inputs.scenario import ScenarioError, load_scenario
from cspsim.paths import CONFIGS_DIR, REPO_DIR
from cspsim.vocab import AUTHORITY_TYPES

KENT = CONFIGS_DIR / "kent.toml"
GM = CONFIGS_DIR / "greater_manchester.toml"


def scenario_file(tmp_path, body: str) -> str:
    """A scenario extending the shipped baseline with ``body``."""
    path = tmp_path / "s.toml"
    path.write_text(f'extends = "{(CONFIGS_DIR / "baseline.toml").as_posix()}"\n{body}')
    return str(path)


@pytest.fixture(scope="module")
def kent():
    return load_scenario(KENT)


@pytest.fixture(scope="module")
def kent_geo(kent):
    return build_geography(kent.geography)


def types(geo) -> list[str]:
    return [AUTHORITY_TYPES[t] for t in geo.type_code]


def agency(geo, level: str, area: str) -> str | None:
    """Name of the agency serving ``area`` at ``level`` (None: none)."""
    k = geo.footprint[level][geo.names.index(area)]
    return None if k < 0 else geo.footprint_names[level][k]


def test_every_model_level_has_a_rule():
    assert set(LEVELS) == set(FOOTPRINTS)
    start = dt.date(2009, 4, 1)
    assert level_date("health_pct", start) == start
    assert level_date("health_ccg", start) == dt.date(2014, 4, 1)
    assert level_date("health_icb", start) == dt.date(2022, 7, 1)


def test_kent_councils_types_and_partners(kent, kent_geo):
    """13 councils: 12 districts with Kent County Council, and unitary Medway without one."""
    geo = kent_geo
    assert kent.geography.named and kent.geography.start == kent.time.start
    assert geo.n == 13 and len(set(geo.names)) == 13
    assert sorted(types(geo)).count("district_borough") == 12
    assert agency(geo, "county_council", "Medway") is None
    assert types(geo)[geo.names.index("Medway")] == "unitary"
    for name, t in zip(geo.names, types(geo), strict=True):
        if t == "district_borough":
            assert agency(geo, "county_council", name) == "Kent County Council"
    assert geo.footprint_names["police"] == ["Kent Police"]
    assert (geo.footprint["police"] == 0).all()
    assert agency(geo, "health_pct", "Ashford") == "Kent PCT"
    assert agency(geo, "health_pct", "Medway") == "Medway PCT"
    assert agency(geo, "health_ccg", "Ashford") == "NHS Ashford CCG"
    assert geo.footprint_names["health_icb"] == ["Kent and Medway ICB"]
    assert geo.footprint_names["probation_trust"] == ["Kent Probation"]
    assert geo.footprint_names["probation_crc"] == ["Kent, Surrey and Sussex CRC"]
    assert set(geo.region) == {"South East"}
    # Every area has an agency at every level but the county council (Medway has none).
    for level in FOOTPRINTS:
        missing = [geo.names[i] for i in np.flatnonzero(geo.footprint[level] < 0)]
        assert missing == (["Medway"] if level == "county_council" else []), level
    assert 1.5e6 < geo.population.sum() < 2.0e6  # Kent and Medway, 2009


def test_split_ccg_goes_to_the_largest_share(kent_geo):
    """Sevenoaks is split between two CCGs in the data; the larger (West Kent) serves it."""
    assert agency(kent_geo, "health_ccg", "Sevenoaks") == "NHS West Kent CCG"


def test_greater_manchester_ten_metropolitan_councils():
    geo = build_geography(load_scenario(GM).geography)
    assert geo.n == 10
    assert set(types(geo)) == {"metropolitan"}
    assert geo.footprint_names["police"] == ["Greater Manchester Police"]
    assert (geo.footprint["county_council"] == -1).all()
    assert len(geo.footprint_names["youth_offending"]) == 10
    assert "Manchester" in geo.names


def test_kent_engines_agree(kent, kent_geo):
    """Two quarters of Kent with each engine give the same record."""
    runs = []
    for engine in ("arrays", "agents"):
        m = CSPModel(kent, seed=7, engine=engine, geography=kent_geo)
        m.step()
        m.step()
        runs.append(m)
    a, b = runs
    assert a.geo.n == 13
    for name in ("delivered", "eng_strategic"):
        np.testing.assert_allclose(
            getattr(b.rec, name)[:2], getattr(a.rec, name)[:2], rtol=1e-9, atol=1e-9, err_msg=name
        )


def test_unknown_name_suggests_the_nearest(tmp_path):
    with pytest.raises(ScenarioError, match=r"geography\.areas\.0: unknown place 'Kentt'.*'Kent'"):
        load_scenario(scenario_file(tmp_path, '[geography]\nareas = ["Kentt"]\n'))


def test_names_and_tables_do_not_mix(tmp_path):
    body = (
        '[geography]\nareas = ["Kent", {name = "X", type = "unitary", population = 1000, '
        'force = "F"}]\n'
    )
    with pytest.raises(ScenarioError, match=r"either names of real places .* not both"):
        load_scenario(scenario_file(tmp_path, body))


def test_a_place_with_no_council_on_the_start_date_is_an_error(tmp_path):
    with pytest.raises(ScenarioError, match=r"'Cumberland'.*no council in force on 2009-04-01"):
        load_scenario(scenario_file(tmp_path, '[geography]\nareas = ["Cumberland"]\n'))


def test_names_resolve_on_the_start_date(tmp_path):
    """From April 2023 Cumbria is two unitaries; levels not in force then use stand-ins."""
    body = '[time]\nstart = 2023-04-01\n[geography]\nareas = ["Cumbria"]\n'
    geo = build_geography(load_scenario(scenario_file(tmp_path, body)).geography)
    assert geo.names == ["Cumberland", "Westmorland and Furness"]
    assert set(types(geo)) == {"unitary"}
    assert (geo.footprint["health_pct"] >= 0).all()  # the PCT of its predecessors
    assert (geo.footprint["probation_trust"] >= 0).all()


def test_cli_check_kent(capsys):
    assert main(["check", str(KENT), str(GM)]) == 0
    out = capsys.readouterr().out
    assert "13 council areas, 12 CSPs" in out and "10 council areas, 10 CSPs" in out


@pytest.mark.parametrize(("name", "code"), [("Kent", 0), ("Kentt", 2)])
def test_cli_areas_subprocess(name, code):
    proc = subprocess.run(
        [sys.executable, "-m", "cspsim", "areas", name],
        capture_output=True,
        text=True,
        cwd=REPO_DIR,
        check=False,
    )
    assert proc.returncode == code, proc.stderr
    if code == 0:
        assert "13 councils" in proc.stdout and "Medway" in proc.stdout
        assert ATTRIBUTION in proc.stdout
    else:
        assert "did you mean 'Kent'" in proc.stderr and "Traceback" not in proc.stderr


def test_cli_areas_lists_names_by_kind(capsys):
    assert main(["areas"]) == 0
    out = capsys.readouterr().out
    for heading in ("Police force areas (39)", "Councils", "Community safety partnerships"):
        assert heading in out
    assert "E23000032      Kent" in out


def test_outputs_carry_real_agency_names(kent, kent_geo):
    """The agent views (network, dashboard) name the real agencies."""
    m = CSPModel(kent, seed=1, geography=kent_geo)
    names = {getattr(a, "name", None) for a in m.agents}
    assert {"Kent Police", "Kent County Council", "Medway", "Ashford"} <= names
