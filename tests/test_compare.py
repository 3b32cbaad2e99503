"""Paired scenario comparison: statistics, direction of effects, report and CLI."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from cspsim.analysis.stats import t975
from cspsim.cli.main import main
from cspsim.inputs.scenario import load_scenario
from cspsim.studies.compare import run_comparison

REPO = Path(__file__).resolve().parents[1]
CLEVELAND = (REPO / "configs" / "cleveland.toml").as_posix()
HEAD = f'extends = "{CLEVELAND}"\n'


def _scenario(tmp_path: Path, name: str, body: str) -> Path:
    path = tmp_path / f"{name}.toml"
    path.write_text(f'name = "{name}"\n{HEAD}{body}')
    return path


@pytest.fixture(scope="module")
def variants(tmp_path_factory) -> dict[str, Path]:
    """Cleveland variants: deeper council cut, ring-fenced grant restored, an unfunded duty."""
    d = tmp_path_factory.mktemp("variants")
    return {
        "cut": _scenario(
            d,
            "cut",
            '[[funding.cuts]]\nagency = "council"\nstart = 2012-04-01\npct = 30\nyears = 2\n',
        ),
        "ringfence": _scenario(
            d,
            "ringfence",
            '[[funding.grants]]\nname = "home_office_csp_grant"\npath = "csp"\n'
            "gbp_per_year = { 2009 = 71.2e6, 2010 = 71.2e6, 2011 = 56.8e6, 2012 = 28.8e6, "
            "2013 = 0.0 }\n"
            '[[funding.grants]]\nname = "pcc_community_safety_fund"\npath = "pcc"\n'
            "gbp_per_year = { 2013 = 23.1e6 }\n"
            '[[funding.grants]]\nname = "restored_ring_fenced"\npath = "csp"\nring_fenced = true\n'
            "gbp_per_year = { 2014 = 71.2e6 }\n",
        ),
        "duty": _scenario(
            d,
            "duty",
            '[duties.new.new_duty]\nname = "New unfunded duty"\nstart = 2016-04-01\n'
            'workload_fte_per_100k = 2.0\nvolume = "high"\n'
            'contribution = { council = 0.6, police = 0.4 }\nbound = ["council", "police"]\n'
            'source = "test"\n',
        ),
    }


def _compare(paths: list[Path], n: int = 8, seed: int = 11):
    scenarios = [load_scenario(p) for p in paths]
    return run_comparison(scenarios, [p.parent for p in paths], seed, n)


def _national(table, scenario, outcome="share_met", period="all"):
    row = table[
        (table["scenario"] == scenario)
        & (table["level"] == "national")
        & (table["outcome"] == outcome)
        & (table["period"] == period)
    ]
    assert len(row) == 1
    return row.iloc[0]


def test_self_comparison_is_exactly_zero():
    """A scenario compared with itself (same seeds) differs by exactly zero everywhere."""
    a = load_scenario(CLEVELAND)
    b = a.model_copy(update={"name": "cleveland again"})
    comp = run_comparison([a, b], [REPO / "configs"] * 2, 3, 3)
    rows = comp.table[comp.table["scenario"] == "cleveland again"].dropna(subset=["diff"])
    assert len(rows) > 100
    assert (
        (rows["diff"] == 0).all() and (rows["diff_lo"] == 0).all() and (rows["diff_hi"] == 0).all()
    )


def test_paired_interval_narrower_than_independent(variants):
    """Common random numbers: the paired interval of a difference is narrower than the
    interval from independently seeded runs of the same size."""
    n = 10
    paired = _compare([Path(CLEVELAND), variants["cut"]], n=n, seed=5)
    p_row = _national(paired.table, "cut")
    paired_half = (p_row["diff_hi"] - p_row["diff_lo"]) / 2
    # Independent: the cut arm on a different root seed; Welch-style interval of the difference.
    ref = _compare([Path(CLEVELAND)], n=n, seed=5).frame
    alt = _compare([variants["cut"]], n=n, seed=99).frame
    vals = []
    for f in (ref, alt):
        nat = f[(f["level"] == "national")]
        vals.append(nat.groupby("replicate")["share_met"].mean().to_numpy())
    se = np.sqrt(vals[0].var(ddof=1) / n + vals[1].var(ddof=1) / n)
    indep_half = t975(2 * n - 2) * se
    assert paired_half < indep_half, (paired_half, indep_half)


def test_deeper_cut_lowers_delivery(variants):
    """A 30% council cut lowers the share of demand met, with an interval below zero."""
    comp = _compare([Path(CLEVELAND), variants["cut"]])
    row = _national(comp.table, "cut", period="end")
    assert row["diff"] < 0 and row["diff_hi"] < 0


def test_restored_ring_fenced_grant_raises_delivery(variants):
    """Restoring a ring-fenced community safety grant raises the share of demand met."""
    comp = _compare([Path(CLEVELAND), variants["ringfence"]])
    row = _national(comp.table, "ringfence", period="end")
    assert row["diff"] > 0 and row["diff_lo"] > 0


def test_unfunded_duty_lowers_share_met_on_existing_duties(variants):
    """A new duty without money lowers the share met on an existing duty after it starts."""
    comp = _compare([Path(CLEVELAND), variants["duty"]])
    row = _national(comp.table, "duty", outcome="share_met__crime_disorder_asb", period="end")
    assert row["diff"] < 0 and row["diff_hi"] < 0
    before = _national(comp.table, "duty", outcome="share_met__crime_disorder_asb", period="fy2012")
    # Nothing changes before the duty starts (but the rounding of sums over one more duty).
    assert before["diff"] == pytest.approx(0, abs=1e-12)


def test_precision_adds_replicates_until_reached(variants):
    """--precision keeps adding replicates until the headline half-width is below it."""
    scen = [load_scenario(CLEVELAND), load_scenario(variants["cut"])]
    comp = run_comparison(
        scen, [REPO / "configs", variants["cut"].parent], 1, 3, precision=0.01, max_replicates=60
    )
    assert comp.reached and comp.half_width <= 0.01
    capped = run_comparison(
        scen, [REPO / "configs", variants["cut"].parent], 1, 3, precision=1e-6, max_replicates=6
    )
    assert not capped.reached and capped.replicates == 6


def test_compare_cli_writes_self_contained_report(tmp_path, variants, capsys):
    """`cspsim compare` writes the tidy CSV, Parquet, plots, manifest and an offline report
    that names every scenario and headline outcome."""
    out = tmp_path / "cmp"
    code = main(
        [
            "compare",
            CLEVELAND,
            str(variants["cut"]),
            str(variants["duty"]),
            "--replicates",
            "4",
            "--out",
            str(out),
            "--quiet",
        ]
    )
    assert code == 0
    for name in (
        "comparison.csv",
        "timeseries.parquet",
        "report.html",
        "manifest.json",
        "compare_timeseries.png",
        "compare_differences.png",
    ):
        assert (out / name).stat().st_size > 0, name
    import pandas as pd

    table = pd.read_csv(out / "comparison.csv")
    assert {
        "scenario",
        "outcome",
        "group",
        "period",
        "mean",
        "lo",
        "hi",
        "diff",
        "diff_lo",
        "diff_hi",
    } <= set(table.columns)
    assert {"cleveland", "cut", "duty"} == set(table["scenario"])
    html = (out / "report.html").read_text()
    assert "http" not in html and "<script" not in html
    assert html.count("data:image/png;base64,") >= 3
    for text in (
        "cleveland",
        "cut",
        "duty",
        "Share of demand met",
        "Unmet demand",
        "Spend on partnership work",
        "funding.cuts",
    ):
        assert text in html, text
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["replicates"] == 4 and len(manifest["seeds"]) == 4


def test_compare_bad_scenario_stops_before_any_run(tmp_path, capsys):
    """One bad scenario among several: exit 2 with the check errors and nothing written."""
    bad = tmp_path / "bad.toml"
    bad.write_text('name = "bad"\n[funding]\nallocation = "weekly"\n')
    out = tmp_path / "cmp"
    assert main(["compare", CLEVELAND, str(bad), "--out", str(out), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert "bad.toml: funding.allocation" in err and "Traceback" not in err
    assert not out.exists()
