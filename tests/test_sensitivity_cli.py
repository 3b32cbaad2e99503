"""``cspsim sensitivity`` end to end on the shipped Cleveland experiment: the local pool gives
the same results as one process, and every documented file is written."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from cspsim.cli.main import main
from cspsim.paths import REPO_DIR
from cspsim.studies.sensitivity.store import Store

TINY = REPO_DIR / "experiments" / "cleveland_tiny.toml"


@pytest.mark.slow
def test_tiny_experiment_end_to_end(tmp_path, capsys):
    """Pool and serial sweeps agree; outputs, per-year indices and plots are there."""
    pool, serial = tmp_path / "pool", tmp_path / "serial"
    assert main(["sensitivity", str(TINY), "--out", str(pool), "--workers", "2"]) == 0
    out = capsys.readouterr()
    assert "design COMPLETE" in out.out and "failed=0" in out.err  # summary and progress bar
    assert main(["sensitivity", str(TINY), "--out", str(serial), "--workers", "1",
                 "--no-plots", "--quiet"]) == 0  # fmt: skip
    pd.testing.assert_frame_equal(Store(pool / "store").read(), Store(serial / "store").read())
    assert (pool / "indices.csv").read_bytes() == (serial / "indices.csv").read_bytes()
    for name in ("samples.parquet", "indices.csv", "convergence.csv", "failures.csv",
                 "summary.md", "manifest.json", "experiment.json", "store/manifest.json",
                 "morris_mu_star_sigma.png", "convergence.png", "indices_by_year.png"):  # fmt: skip
        assert (pool / name).is_file(), name
    indices = pd.read_csv(pool / "indices.csv")
    assert set(indices["year"].dropna()) == {2012, 2020}
    assert set(indices["index"]) == {"mu_star", "mu", "sigma"}
    assert indices["complete"].all()
    conv = pd.read_csv(pool / "convergence.csv")
    assert sorted(conv["N"].unique()) == [1, 3, 6]  # N/4, N/2, N trajectories
    manifest = json.loads((pool / "manifest.json").read_text())
    assert manifest["complete"] and manifest["counts"]["runs"] == 60
    samples = pd.read_parquet(pool / "samples.parquet")
    assert len(samples) == 30 and "cut_pct__police" in samples.columns
