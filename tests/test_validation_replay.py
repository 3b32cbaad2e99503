"""scripts/validation_replay.py: the historical replay by authority type, on a small scenario."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pandas as pd

from cspsim.paths import CONFIGS_DIR, REPO_DIR


def _script():
    """Import the script as a module (scripts/ is not a package)."""
    path = REPO_DIR / "scripts" / "validation_replay.py"
    spec = importlib.util.spec_from_file_location("validation_replay", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_replay_writes_tidy_table_markdown_and_figure(tmp_path: Path, capsys) -> None:
    image = tmp_path / "img" / "replay.png"
    argv = ["--scenario", str(CONFIGS_DIR / "cleveland.toml"), "--replicates", "1"]
    argv += ["--years", "2009", "2016", "--out", str(tmp_path / "out"), "--image", str(image)]
    assert _script().main(argv) == 0

    tidy = pd.read_csv(tmp_path / "out" / "replay.csv")
    assert list(tidy.columns) == ["year", "authority_type", "measure", "value", "lo", "hi"]
    assert set(tidy["year"]) == {2009, 2016}
    assert set(tidy["authority_type"]) == {"unitary", "all"}  # Cleveland: four unitaries
    for year in (2009, 2016):
        measures = set(tidy.loc[tidy["year"] == year, "measure"])
        assert {
            "share_met",
            "capacity_limited_pct",
            "eng_strategic__police",
            "team_fte",
        } <= measures
        assert "very_involved_pct__health" in measures
    smaller = tidy[tidy["measure"] == "team_smaller_pct__2009"]
    assert set(smaller["year"]) == {2016} and smaller["value"].between(0, 100).all()
    shares = tidy[tidy["measure"].isin(["share_met", "analyst_share"])
                  | tidy["measure"].str.startswith("eng_strategic__")]  # fmt: skip
    assert shares[["value", "lo", "hi"]].stack().between(0, 1).all()
    pct = tidy[tidy["measure"].str.endswith("_pct") | tidy["measure"].str.contains("_pct__")]
    assert not pct.empty and pct["value"].between(0, 100).all()
    assert (tidy["lo"] <= tidy["value"] + 1e-12).all() and (
        tidy["value"] <= tidy["hi"] + 1e-12
    ).all()
    assert (tidy.loc[tidy["measure"] == "csps_per_police", "value"] == 4).all()  # one force

    md = (tmp_path / "out" / "replay.md").read_text()
    assert md.startswith("| Authority type | Year |")
    assert "| unitary | 2009 |" in md and "| unitary | 2016 |" in md
    assert "| unitary | 2009 |" in capsys.readouterr().out
    assert image.stat().st_size > 10_000 and image.read_bytes()[:4] == b"\x89PNG"
