"""The README stays true: its example scenario validates and the files it names exist."""

from __future__ import annotations

import re
from pathlib import Path

from cspsim.cli.main import parser
from cspsim.inputs.scenario import load_scenario

REPO = Path(__file__).resolve().parents[1]
README = (REPO / "README.md").read_text()


def test_readme_example_scenario_validates(tmp_path):
    """The TOML example under 'Writing a scenario' loads without error."""
    block = re.search(r"```toml\n(.*?)```", README, re.S).group(1)
    baseline = (REPO / "configs" / "baseline.toml").as_posix()
    path = tmp_path / "example.toml"
    path.write_text(block.replace('extends = "baseline.toml"', f'extends = "{baseline}"'))
    scenario = load_scenario(path)
    assert scenario.funding.cuts[0].pct == 20
    assert scenario.duties.overrides["serious_violence"].new_burdens_gbp_per_year == 0


def test_paths_named_in_readme_exist():
    """Every repository path the README names in backticks exists."""
    names = set(
        re.findall(r"`((?:configs|docs|scripts|cspsim|tests|benchmarks)/[\w./-]+)`", README)
    )
    names |= set(re.findall(r"\]\(((?:docs|configs)/[\w./-]+)\)", README))
    assert names, "expected the README to name some files"
    missing = sorted(n for n in names if not (REPO / n).exists())
    assert not missing, f"README names missing files: {missing}"


def test_readme_commands_exist():
    """The subcommands the README documents are the ones the CLI has."""
    usage = re.search(r"## Command line\n\n```text\n(.*?)```", README, re.S).group(1)
    documented = set(re.findall(r"^cspsim (\w+)", usage, re.M))
    actions = parser()._subparsers._group_actions[0].choices  # argparse keeps them here
    assert documented and documented <= set(actions)


def test_readme_setup_commands_match_ci():
    """The README's test command is the one .ci/run runs."""
    ci = (REPO / ".ci" / "run").read_text()
    test_cmd = "./scripts/bootstrap.sh && .venv/bin/python -m pytest"
    assert test_cmd in README and test_cmd in ci
    assert "./scripts/bootstrap.sh && .venv/bin/cspsim run configs/baseline.toml" in README
