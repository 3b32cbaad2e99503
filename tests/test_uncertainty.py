"""``compare --uncertainty calibration``: scenarios over the calibration's near-optimal
parameter sets, intervals over parameters and replicates together, and sign verdicts."""

from __future__ import annotations

from html import unescape

import numpy as np
import pandas as pd
import pytest

import cspsim
from cspsim.analysis.comparison import comparison_table, period_values
from cspsim.analysis.uncertainty import period_parts, uncertainty_table, values_from_parts
from cspsim.cli.main import main
from cspsim.inputs.scenario import load_scenario, with_values
from cspsim.studies.compare import run_comparison
from cspsim.studies.runner import Job, run_job
from cspsim.studies.uncertainty import load_near_optimal

KEYS = ["scenario", "outcome", "level", "group", "period"]


@pytest.fixture(scope="module")
def cut(tmp_path_factory):
    """Cleveland with the police budget cut 30% from April 2014."""
    path = tmp_path_factory.mktemp("unc") / "police_cut.toml"
    path.write_text(
        'name = "police_cut"\nextends = "cleveland"\n[parameters]\n'
        "cut_pct__police = 30\ncut_start_year__police = 2014\n"
    )
    return path


def _one_point(tmp_path, row: int = 7):
    path = tmp_path / "one.csv"
    load_near_optimal().iloc[[row]].to_csv(path, index=False)
    return path


def test_one_point_reproduces_the_plain_compare(tmp_path, cut):
    """With a near-optimal set of one point, the mode gives the plain compare's means and
    intervals for the scenarios with that point's parameters (same seeds, same pairing)."""
    point = _one_point(tmp_path)
    unc = cspsim.compare(
        ["cleveland", cut], replicates=3, seed=5, workers=1, uncertainty="calibration",
        near_optimal=point,
    )  # fmt: skip
    values = load_near_optimal(point).iloc[0].to_dict()
    scs = [with_values(load_scenario(s), values) for s in ("cleveland", cut)]
    plain = run_comparison(scs, [None, cut.parent], 5, 3)
    assert unc.parameter_sets == 1 and unc.window_fy == plain.window_fy == 2014
    a = unc.table.set_index(KEYS).sort_index()
    b = plain.table.set_index(KEYS).loc[a.index]
    for col in ("mean", "lo", "hi", "diff", "diff_lo", "diff_hi", "n"):
        np.testing.assert_allclose(a[col], b[col], rtol=1e-9, atol=1e-9, err_msg=col)
    assert {"window", "end", "all", "start", "fy2014"} <= set(a.index.get_level_values("period"))


def test_sums_by_period_give_the_step_means(cut):
    """The per-run sums and counts put together equal period_values' step means."""
    sc = load_scenario(cut)
    frame = pd.concat([run_job(Job(sc, k, k + 3, cut.parent, csp_rows=False)) for k in (0, 1)])
    parts = pd.concat([period_parts(f) for _, f in frame.groupby("replicate")])
    fast = values_from_parts(parts, 2014).set_index(["replicate", *KEYS[1:]])["value"]
    slow = period_values(frame, 2014).set_index(["replicate", *KEYS[1:]])["value"]
    slow = slow[slow.index.isin(fast.index)].dropna()
    np.testing.assert_allclose(fast.loc[slow.index], slow, rtol=1e-12)
    assert len(slow) == len(fast)


def _values(effects: list[float], noise: float, replicates: int = 4) -> pd.DataFrame:
    """Synthetic paired values: scenario B is the reference plus each set's effect plus
    replicate noise (the same noise draw in every set)."""
    rng = np.random.default_rng(0)
    rows = []
    for j, effect in enumerate(effects):
        for k in range(replicates):
            r = j * replicates + k
            base = 0.5 + 0.01 * rng.standard_normal()
            for name, v in (("A", base), ("B", base + effect + noise * rng.standard_normal())):
                rows.append((name, r, "national", "all", "share_met", "window", v))
    cols = ["scenario", "replicate", "level", "group", "outcome", "period", "value"]
    return pd.DataFrame(rows, columns=cols)


def test_interval_spans_the_parameter_sets():
    """Effects that move with the parameters widen the interval beyond replicate noise, and
    the sign verdict counts the sets that agree."""
    effects = [-0.02] * 19 + [0.01]  # 19 of 20 sets lower the share
    row = uncertainty_table(_values(effects, 0.001), "A", 4).set_index("scenario").loc["B"]
    assert row["sets"] == 20 and row["sign_share"] == pytest.approx(0.95)
    assert row["diff_lo"] < -0.02 - 0.005 and row["diff_hi"] > -0.02 + 0.005
    naive = comparison_table(_values(effects, 0.001), "A").set_index("scenario").loc["B"]
    assert row["diff_hi"] - row["diff_lo"] > 3 * (naive["diff_hi"] - naive["diff_lo"])
    split = [-0.02] * 18 + [0.01] * 2
    row = uncertainty_table(_values(split, 0.001), "A", 4).set_index("scenario").loc["B"]
    assert row["sign_share"] == pytest.approx(0.9)


def test_report_gives_sign_verdicts_and_cost(tmp_path, cut, capsys):
    """The CLI writes the verdicts, the window and the cost into report.html and brief.md."""
    out = tmp_path / "out"
    args = ["compare", "cleveland", str(cut), "--replicates", "2", "--workers", "1"]
    args += ["--uncertainty", "calibration", "--parameter-sets", "3", "--out", str(out)]
    assert main([*args, "--quiet"]) == 0
    html = unescape((out / "report.html").read_text())
    assert "Would the answer survive the calibration's uncertainty?" in html
    assert "3 parameter sets × 2 replicates × 2 scenarios = 12 runs in" in html
    assert "of parameter sets agree" in html and "2014/15" in html
    brief = (out / "brief.md").read_text()
    assert "over parameter sets and replicates; the sign" in brief and "Cost: 3" in brief
    table = pd.read_csv(out / "comparison.csv")
    assert {"sets", "sign_share", "unit"} <= set(table.columns)


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--precision", "0.01"], "does not go with --precision"),
        (["--near-optimal", "/nonexistent.csv"], "cannot read the near-optimal set"),
        (["--parameter-sets", "0"], "at least 1"),
    ],
)
def test_bad_uncertainty_arguments_exit_2(tmp_path, capsys, extra, message):
    """A flag that does not fit gets one line and exit status 2, before any run."""
    args = ["compare", "cleveland", "cleveland_merged", "--uncertainty", "calibration"]
    assert main([*args, *extra, "--out", str(tmp_path / "o"), "--quiet"]) == 2
    err = capsys.readouterr().err.strip()
    assert message in err and len(err.splitlines()) == 1
    assert not (tmp_path / "o").exists()


def test_arm_that_moves_a_calibrated_parameter_is_refused(tmp_path):
    """The parameter sets would overwrite a scenario's own calibrated value: refused."""
    path = tmp_path / "mine.toml"
    path.write_text('name = "mine"\nextends = "cleveland"\n[parameters]\ndemand_scale = 2.0\n')
    args = ["compare", "cleveland", str(path), "--uncertainty", "calibration", "--quiet"]
    assert main(args) == 2
