"""`cspsim.sweep` / `cspsim.load` / EMA export (:mod:`cspsim.studies.results`)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import cspsim
from cspsim.cli.main import main
from cspsim.paths import CONFIGS_DIR
from cspsim.studies.results import LoadError, import_ema, load

REPO = Path(__file__).resolve().parents[1]

# Cleveland (four CSPs, ~0.02 s a run) with a real parameter, an integer lever (a year) and a
# choice lever: 4 Morris trajectories x 4 points x 2 replicates = 32 runs.
CLEVELAND = f"""
name = "cleveland_years"
scenario = "{(CONFIGS_DIR / "cleveland.toml").as_posix()}"
method = "morris"
N = 4
replicates = 2
seed = 3
outcomes = ["share_met_2020_2024"]
years = [2016]
[parameters]
demand_scale = {{}}
cut_start_year__police = {{ bounds = [2011, 2019] }}
allocation = {{}}
[fixed]
cut_pct__police = 30
[options]
resamples = 10
"""


@pytest.fixture(scope="module")
def years_sweep(tmp_path_factory):
    folder = tmp_path_factory.mktemp("years")
    path = folder / "exp.toml"
    path.write_text(textwrap.dedent(CLEVELAND))
    return cspsim.sweep(path, folder / "out", workers=1, plots=False, export="ema")


def test_sweep_tables(years_sweep):
    """One experiments row per design point in the model's values, outcomes per run and as
    replicate means, units from the registry and the outcome specs."""
    r = years_sweep
    assert r.analysis is not None and r.analysis.complete
    x = r.experiments
    assert list(x.columns) == ["demand_scale", "cut_start_year__police", "allocation"]
    assert len(x) == 16 and x.index.name == "point"
    assert x["demand_scale"].dtype == x["cut_start_year__police"].dtype == np.float64
    years = x["cut_start_year__police"]  # whole years, as floats: PRIM pastes fractions
    assert (years == years.round()).all() and years.between(2011, 2019).all()
    assert list(x["allocation"].cat.categories) == ["annual", "multi_year"]
    assert set(x["allocation"]) == {"annual", "multi_year"}
    assert len(r.outcomes) == 32 and r.outcomes["ok"].all()
    by_point = r.outcomes.groupby("point")["share_met_2020_2024"].mean()
    np.testing.assert_allclose(r.means["share_met_2020_2024"], by_point.to_numpy())
    assert r.outcome_names == ["share_met_2020_2024", "share_met_2020_2024 in 2016"]
    assert r.units["cut_start_year__police"] == "year" and r.units["share_met_2020_2024"] == "share"
    assert isinstance(cspsim.load(r.folder), cspsim.SweepResults)


@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # pandas deprecations in EMA
def test_ema_archive_loads_and_prim_accepts_it(years_sweep):
    """`--export ema` / export="ema": ema_workbench.load_results reads the archive back, and
    PRIM finds a box on it (an integer year column used to crash PRIM's pasting)."""
    ema = import_ema()
    from ema_workbench.analysis import prim

    path = years_sweep.folder / "ema_results.tar.gz"
    x, y = ema.load_results(str(path))
    x0, y0 = years_sweep.to_ema()
    pd.testing.assert_frame_equal(x, x0, check_exact=False, check_categorical=False)
    assert isinstance(x["allocation"].dtype, pd.CategoricalDtype)
    assert set(y) == {"share_met_2020_2024", "share_met_2020_2024_in_2016"}
    np.testing.assert_allclose(y["share_met_2020_2024"], y0["share_met_2020_2024"])
    out = y["share_met_2020_2024"]
    box = prim.Prim(x, out < np.median(out), mass_min=0.1).find_box()
    assert box is not None and len(box.peeling_trajectory) >= 1


def test_sweep_refuses_a_folder_that_holds_one(years_sweep):
    """The error names the Python argument, not the command's flag."""
    from cspsim.studies.sensitivity import SweepError

    exp = years_sweep.folder.parent / "exp.toml"
    with pytest.raises(SweepError, match=r"already holds a sweep: pass resume=True, or choose "
                       r"another out$"):  # fmt: skip
        cspsim.sweep(exp, years_sweep.folder, workers=1)


def test_cli_export_ema(years_sweep, capsys):
    """`cspsim sensitivity --analyze-only DIR --export ema` rewrites the archive."""
    path = years_sweep.folder / "ema_results.tar.gz"
    path.unlink()
    code = main(["sensitivity", "--analyze-only", str(years_sweep.folder), "--export", "ema",
                 "--no-plots", "--quiet"])  # fmt: skip
    assert code == 0 and path.is_file()


def test_load_run_and_compare_folders(tmp_path):
    """A run folder loads as the RunResult that run() returned; a compare folder likewise."""
    run = cspsim.run("cleveland", replicates=2, workers=1, out=tmp_path / "run", plots=False)
    back = cspsim.load(tmp_path / "run")
    assert isinstance(back, cspsim.RunResult) and back.seeds == run.seeds
    pd.testing.assert_frame_equal(back.frame, run.frame, check_dtype=False)  # parquet: date in ms
    assert back.scenario.name == run.scenario.name and back.survey_year == run.survey_year
    pd.testing.assert_frame_equal(back.areas, run.areas, check_dtype=False)
    cleveland = CONFIGS_DIR / "cleveland.toml"
    comp = cspsim.compare([cleveland, cleveland], replicates=2, workers=1, out=tmp_path / "c")
    again = cspsim.load(tmp_path / "c")
    assert isinstance(again, cspsim.Comparison) and again.replicates == 2
    pd.testing.assert_frame_equal(again.table, comp.table, check_dtype=False)


def test_load_errors(tmp_path):
    with pytest.raises(LoadError, match="no such folder"):
        load(tmp_path / "missing")
    with pytest.raises(LoadError, match=r"no readable manifest\.json"):
        load(tmp_path)
    (tmp_path / "manifest.json").write_text('{"something": 1}')
    with pytest.raises(LoadError, match="not from cspsim run, compare or sensitivity"):
        load(tmp_path)


def test_plain_script_without_main_guard(tmp_path):
    """A script with no `if __name__ == "__main__"` guard sweeps on two worker processes."""
    exp = tmp_path / "exp.toml"
    exp.write_text(textwrap.dedent(CLEVELAND))
    script = tmp_path / "script.py"
    script.write_text(
        "import cspsim\n"
        f"r = cspsim.sweep({str(exp)!r}, {str(tmp_path / 'out')!r}, workers=2, analyze=False)\n"
        "print('points', len(r.experiments), 'runs', int(r.outcomes['ok'].sum()))\n"
    )
    done = subprocess.run(
        [sys.executable, str(script)], cwd=tmp_path, capture_output=True, text=True,
        timeout=300, env={**os.environ, "PYTHONPATH": str(REPO)},
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    assert "points 16 runs 32" in done.stdout


def test_ema_workbench_is_imported_lazily():
    """The CLI and the Python API import ema_workbench only when discover or an export needs
    it (it takes seconds to import)."""
    code = (
        "import sys, cspsim, cspsim.cli.main, cspsim.studies.api, cspsim.studies.discovery; "
        "cspsim.cli.main.parser(); assert 'ema_workbench' not in sys.modules, 'imported'"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]


def test_sweep_in_a_jupyter_kernel(tmp_path):
    """A notebook cell (a Jupyter kernel on 127.0.0.1) sweeps on two worker processes."""
    manager = pytest.importorskip("jupyter_client.manager")
    pytest.importorskip("ipykernel")
    exp = tmp_path / "exp.toml"
    exp.write_text(textwrap.dedent(CLEVELAND))
    cell = (
        "import cspsim\n"
        f"r = cspsim.sweep({str(exp)!r}, {str(tmp_path / 'out')!r}, workers=2, analyze=False)\n"
        "print('points', len(r.experiments), 'runs', int(r.outcomes['ok'].sum()))\n"
        "import pandas as pd\n"
        "print(pd.read_parquet(r.folder / 'store' / 'chunk-000000.parquet')['error'].iloc[0])\n"
    )
    # This checkout on the path of the kernel and of its worker processes (an absolute path:
    # the kernel runs in tmp_path), not another cspsim installed in the environment.
    km, kc = manager.start_new_kernel(
        kernel_name="python3", cwd=str(tmp_path), env={**os.environ, "PYTHONPATH": str(REPO)}
    )
    out: list[str] = []

    def hook(msg: dict) -> None:
        content = msg["content"]
        out.append(content.get("text") or "\n".join(content.get("traceback", [])))

    try:
        reply = kc.execute_interactive(cell, timeout=240, output_hook=hook)
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)
    assert reply["content"]["status"] == "ok", "".join(out)[-2000:]
    assert "points 16 runs 32" in "".join(out), "".join(out)[-2000:]


def test_load_reads_a_store_with_the_old_per_year_names(years_sweep, tmp_path):
    """A store written before per-year columns were renamed (NAME@YEAR) loads under the
    present names (NAME in YEAR) with the same values."""
    import json
    import shutil

    import pyarrow.parquet as pq

    old = tmp_path / "old"
    shutil.copytree(years_sweep.folder, old)
    for chunk in (old / "store").glob("chunk-*.parquet"):
        table = pq.read_table(chunk)
        pq.write_table(
            table.rename_columns([c.replace(" in ", "@") for c in table.column_names]), chunk
        )
    manifest = json.loads((old / "store" / "manifest.json").read_text())
    manifest["outputs"] = [c.replace(" in ", "@") for c in manifest["outputs"]]
    (old / "store" / "manifest.json").write_text(json.dumps(manifest))
    back = load(old)
    pd.testing.assert_frame_equal(back.means, years_sweep.means)
