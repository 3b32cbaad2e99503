"""The store and sweep bookkeeping: chunks are whole or absent, runs are keyed by (point,
replicate), seeds are shared by every point, failures are recorded and not fatal, and
``--analyze-only`` gives the same indices again."""

from __future__ import annotations

import json
import textwrap

import numpy as np
import pandas as pd
import pytest

from cspsim.cli.main import main
from cspsim.studies.sensitivity import load_experiment, plan
from cspsim.studies.sensitivity.design import make_task, n_tasks
from cspsim.studies.sensitivity.store import Store
from cspsim.studies.sensitivity.sweep import task_rows


def experiment(tmp_path, model="ishigami", method="sobol", N=16, replicates=2, name="e"):
    """An experiment on an analytic test function."""
    path = tmp_path / f"{name}.toml"
    path.write_text(
        textwrap.dedent(f"""
        model = "cspsim.studies.sensitivity.testfns:{model}"
        method = "{method}"
        N = {N}
        replicates = {replicates}
        seed = 5
        outcomes = ["y"]
        runs_per_task = 7
        [parameters]
        x1 = {{ bounds = [-3.14159, 3.14159] }}
        x2 = {{ bounds = [-3.14159, 3.14159] }}
        x3 = {{ bounds = [-3.14159, 3.14159] }}
        [options]
        resamples = 20
        """)
    )
    return path


def test_tasks_cover_every_run_once(tmp_path):
    """Tasks partition the runs; every point gets the same replicate seeds."""
    p = plan(load_experiment(experiment(tmp_path, replicates=3)))
    rpt = 7
    tasks = [make_task(i, rpt, p.X, p.seeds) for i in range(n_tasks(p.n_runs, rpt))]
    keys = [(int(a), int(b)) for t in tasks for a, b in zip(t.points, t.replicates, strict=True)]
    assert keys == [(i, r) for i in range(len(p.X)) for r in range(3)]
    seeds = np.concatenate([t.seeds for t in tasks]).reshape(len(p.X), 3)
    assert (seeds == seeds[0]).all() and len(set(seeds[0])) == 3
    assert sum(task_rows(p, rpt).values()) == p.n_runs


def test_half_written_and_broken_chunks_are_not_taken(tmp_path):
    """A temporary file from a kill is removed; a truncated chunk is deleted and rerun."""
    store = Store(tmp_path / "store")
    store.folder.mkdir()
    cols = {"point": np.arange(3), "replicate": np.zeros(3, np.int32), "seed": np.ones(3),
            "ok": np.ones(3, bool), "y": np.arange(3.0), "error": [None] * 3,
            "traceback": [None] * 3}  # fmt: skip
    store.write_chunk(0, cols)
    store.write_chunk(1, cols)
    (store.folder / ".chunk-000002.parquet.abc.tmp").write_bytes(b"PAR1 half")
    data = store.chunk_path(1).read_bytes()
    store.chunk_path(1).write_bytes(data[: len(data) // 2])  # as if not written atomically
    store.write_chunk(3, {k: v[:2] for k, v in cols.items()})  # wrong row count
    assert store.done({0: 3, 1: 3, 2: 3, 3: 3}) == {0}
    assert sorted(p.name for p in store.folder.iterdir()) == ["chunk-000000.parquet"]


def test_failing_region_is_recorded_not_fatal(tmp_path, capsys):
    """Runs that raise are stored with seed, error and traceback; failures.csv adds their
    parameters; the analysis says the design is incomplete and exits 3."""
    path = experiment(tmp_path, model="ishigami_failing", N=32)
    out = tmp_path / "out"
    assert main(["sensitivity", str(path), "--out", str(out), "--workers", "1"]) == 3
    captured = capsys.readouterr()
    assert "incomplete design" in captured.err
    assert "design INCOMPLETE" in captured.out
    failures = pd.read_csv(out / "failures.csv")
    assert len(failures) > 0
    assert (failures["x1"] > 2).all()
    assert failures["error"].str.contains("deliberate failure").all()
    assert failures["traceback"].str.contains("ishigami_failing").all()
    assert {"point", "replicate", "seed"} <= set(failures.columns)
    runs = Store(out / "store").read()
    assert len(runs) == 32 * 8 * 2  # every run stored, failed or not
    samples = pd.read_parquet(out / "samples.parquet")
    assert ((samples["x1"] > 2) == ~runs.groupby("point")["ok"].all()).all()
    indices = pd.read_csv(out / "indices.csv")
    assert len(indices) and not indices["complete"].any()
    assert (indices["N"] < 32).all()  # blocks with a failed run were dropped
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["complete"] is False and manifest["counts"]["failed"] == len(failures)


def test_efast_with_failures_gives_no_indices(tmp_path, capsys):
    """eFAST cannot drop points, so an eFAST design with failures gets a note, not indices."""
    path = experiment(tmp_path, model="ishigami_failing", method="efast", N=70, replicates=1)
    out = tmp_path / "out"
    assert main(["sensitivity", str(path), "--out", str(out), "--workers", "1", "--quiet"]) == 3
    assert pd.read_csv(out / "indices.csv").empty
    assert "no usable design" in (out / "summary.md").read_text()


def test_analyze_only_reproduces_and_refuses_other_designs(tmp_path, capsys):
    """--analyze-only gives identical files; a different design is refused; an existing
    folder is not overwritten without --resume."""
    path = experiment(tmp_path)
    out = tmp_path / "out"
    assert main(["sensitivity", str(path), "--out", str(out), "--quiet", "--workers", "1"]) == 0
    first = (out / "indices.csv").read_bytes()
    assert main(["sensitivity", "--analyze-only", str(out), "--quiet"]) == 0
    assert (out / "indices.csv").read_bytes() == first
    assert main(["sensitivity", str(path), "--analyze-only", str(out), "--quiet"]) == 0
    assert (out / "indices.csv").read_bytes() == first
    other = experiment(tmp_path, N=32, name="other")
    assert main(["sensitivity", str(other), "--analyze-only", str(out), "--quiet"]) == 2
    assert main(["sensitivity", str(path), "--out", str(out), "--quiet"]) == 2
    assert main(["sensitivity", str(other), "--out", str(out), "--resume", "--quiet"]) == 2
    err = capsys.readouterr().err
    assert "already holds a sweep" in err and "different design" in err


@pytest.mark.parametrize("flag", ["--resume", "--workers"])
def test_analyze_only_takes_no_run_flags(tmp_path, capsys, flag):
    """--analyze-only with a run flag is a user error."""
    args = [flag] + (["2"] if flag == "--workers" else [])
    assert main(["sensitivity", "--analyze-only", str(tmp_path), *args]) == 2


def test_analyze_only_may_change_resamples_and_conf_level(tmp_path):
    """Analysis options are not part of the design: a finished sweep is re-analysed with
    other ``resamples``/``conf_level`` from its store (no run again); the intervals change."""
    path = experiment(tmp_path)
    out = tmp_path / "out"
    assert main(["sensitivity", str(path), "--out", str(out), "--quiet", "--workers", "1",
                 "--no-plots"]) == 0  # fmt: skip
    first = pd.read_csv(out / "indices.csv")
    chunks = {c.name: c.stat().st_mtime_ns for c in (out / "store").glob("chunk-*.parquet")}
    other = tmp_path / "other.toml"
    other.write_text(path.read_text().replace("resamples = 20", "resamples = 60\nconf_level = 0.9"))
    assert plan(load_experiment(other)).key == plan(load_experiment(path)).key
    assert main(["sensitivity", str(other), "--analyze-only", str(out), "--quiet",
                 "--no-plots"]) == 0  # fmt: skip
    again = pd.read_csv(out / "indices.csv")
    assert {c.name: c.stat().st_mtime_ns for c in (out / "store").glob("chunk-*.parquet")} == chunks
    pd.testing.assert_series_equal(first["value"], again["value"])
    assert not np.allclose(first["conf"], again["conf"], equal_nan=True)
    assert json.loads((out / "manifest.json").read_text())["options"]["resamples"] == 60


def test_store_with_a_legacy_design_key_resumes(tmp_path):
    """Stores written when the key hashed every option still resume and re-analyse."""
    from cspsim.studies.sensitivity.design import design_key

    path = experiment(tmp_path)
    out = tmp_path / "out"
    assert main(["sensitivity", str(path), "--out", str(out), "--quiet", "--workers", "1",
                 "--no-plots"]) == 0  # fmt: skip
    p = plan(load_experiment(path))
    store = Store(out / "store")
    manifest = store.read_manifest()
    manifest["design_key"] = design_key(p.loaded, p.design, p.X, legacy=True)
    assert manifest["design_key"] != p.key
    store.write_manifest(manifest)
    store.chunk_path(0).unlink()
    assert main(["sensitivity", str(path), "--out", str(out), "--resume", "--quiet",
                 "--no-plots"]) == 0  # fmt: skip
    other = tmp_path / "other.toml"
    other.write_text(path.read_text().replace("resamples = 20", "resamples = 30"))
    assert main(["sensitivity", str(other), "--analyze-only", str(out), "--quiet",
                 "--no-plots"]) == 0  # fmt: skip
