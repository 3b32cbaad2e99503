"""Levers a strategist can find: suggestions for misspelt names, a pointer from the PCC to
its fund's lever, shipped scenarios extended by name, and ``cspsim registry``'s listing."""

from __future__ import annotations

import pytest

from cspsim.cli.main import main
from cspsim.inputs.levers import lever_specs
from cspsim.inputs.scenario import ScenarioError, load_scenario


def _problems(tmp_path, body: str) -> list[str]:
    path = tmp_path / "s.toml"
    path.write_text(body)
    with pytest.raises(ScenarioError) as exc:
        load_scenario(path)
    return exc.value.problems


def test_misspelt_lever_suggests_the_nearest(tmp_path):
    """A lever one letter off is named in a "did you mean" of its one error line."""
    body = 'name = "x"\nextends = "baseline"\n[parameters]\ncut_pct__pcc_funds = 20\n'
    (line,) = _problems(tmp_path, body)
    assert "parameters.cut_pct__pcc_funds" in line
    assert "did you mean cut_pct__pcc_fund?" in line


def test_misspelt_parameter_suggests_the_nearest(tmp_path):
    """A model parameter (not a lever) misspelt gets its suggestion too."""
    (line,) = _problems(tmp_path, 'name = "x"\n[parameters]\ndemand_scail = 1.2\n')
    assert "did you mean demand_scale?" in line


def test_far_off_name_gets_no_suggestion(tmp_path):
    """A name like no other gets no guess, only where to look."""
    (line,) = _problems(tmp_path, 'name = "x"\n[parameters]\nzzzz = 1\n')
    assert "did you mean" not in line and "cspsim registry" in line


@pytest.mark.parametrize(
    "body",
    [
        '[[funding.cuts]]\nagency = "pcc"\nstart = 2026-04-01\npct = 20\n',
        "[funding.index.pcc]\n2026 = 80\n",
    ],
)
def test_pcc_as_an_agency_points_to_the_fund_lever(tmp_path, body):
    """``agency = "pcc"`` (not an agency with a budget) names the PCC fund's lever."""
    (line,) = _problems(tmp_path, 'name = "x"\n' + body)
    assert "cut_pct__pcc_fund" in line


def test_misspelt_key_suggests_the_field(tmp_path):
    """An unknown key close to a valid one at the same place is suggested."""
    problems = _problems(tmp_path, 'name = "x"\n[fundng]\nallocation = "annual"\n')
    assert problems == [f"{tmp_path / 's.toml'}: fundng: unknown key; did you mean funding?"]
    (line,) = _problems(tmp_path, 'name = "x"\n[[funding.cutz]]\nagency = "police"\n')
    assert line.endswith("funding.cutz: unknown key; did you mean cuts?")


def test_extends_a_shipped_scenario_by_name(tmp_path, monkeypatch):
    """A file outside the repository extends a shipped scenario by its name."""
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "mine.toml"
    path.write_text('name = "mine"\nextends = "pcc_grant_cut_2026"\n')
    s = load_scenario(path)
    assert s.lever_values["cut_pct__pcc_fund"] == 20
    assert s.time.end.year == 2030  # from projection_2030, the shipped parent's parent


def test_registry_lists_every_lever_with_its_meaning(capsys):
    """``cspsim registry`` prints each lever's name and its description."""
    assert main(["registry"]) == 0
    out = capsys.readouterr().out
    levers = out.split("# levers")[1]
    names = {line.split()[0] for line in levers.splitlines()[1:] if line and line[0] != " "}
    assert names == set(lever_specs())
    flat = " ".join(levers.split())
    spec = lever_specs()["cut_pct__pcc_fund"]
    assert " ".join(spec.description.split()) in flat
