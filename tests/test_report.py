"""The comparison report a decision-maker reads: the policy window first, every partner
ranked, units and words, per-CSP results, and the one-page brief."""

from __future__ import annotations

import re
from html import unescape

import pandas as pd
import pytest

from cspsim.analysis.comparison import fy_label, policy_window
from cspsim.analysis.narrative import partner_words
from cspsim.cli.main import main
from cspsim.vocab import PARTNER_TYPES

WINDOW_FY = 2014


@pytest.fixture(scope="module")
def compared(tmp_path_factory):
    """Cleveland against itself with the police budget cut 30% from April 2014."""
    d = tmp_path_factory.mktemp("report")
    cut = d / "police_cut.toml"
    cut.write_text(
        "# Police cut: a what-if for the report tests. Question: which partners drift?\n"
        'name = "police_cut"\ndescription = "Police budgets cut 30% from April 2014."\n'
        'extends = "cleveland"\n[parameters]\n'
        f"cut_pct__police = 30\ncut_start_year__police = {WINDOW_FY}\n"
    )
    out = d / "out"
    args = ["compare", "cleveland", str(cut), "--replicates", "3", "--workers", "1"]
    assert main([*args, "--out", str(out), "--quiet"]) == 0
    return out


def test_fy_label():
    assert fy_label(2012) == "2012/13" and fy_label(1999) == "1999/00"


def test_window_starts_with_the_first_lever(compared):
    """The window is the first financial year whose results differ: the lever's year."""
    table = pd.read_csv(compared / "comparison.csv")
    assert "window" in set(table["period"])
    frame = pd.read_parquet(compared / "timeseries.parquet")
    assert policy_window(frame, "cleveland") == WINDOW_FY
    # Before the lever the paired runs are identical, so the window differs from the run.
    cut = table[(table["scenario"] == "police_cut") & (table["level"] == "national")]
    share = cut[cut["outcome"] == "share_met"].set_index("period")
    assert share.loc[f"fy{WINDOW_FY - 1}", "diff"] == 0
    assert share.loc["window", "diff"] != share.loc["all", "diff"]
    assert policy_window(frame[frame["scenario"] == "cleveland"], "cleveland") is None


def test_comparison_csv_has_units(compared):
    """Every row of comparison.csv says its unit."""
    table = pd.read_csv(compared / "comparison.csv")
    units = table.groupby("outcome")["unit"].first()
    assert units["share_met"] == "share" and units["unmet_fte"] == "fte"
    assert units["spend_gbp"] == "gbp_per_quarter"
    assert units["eng_operational__police"] == "engagement_0_1"
    assert table["unit"].notna().all()


def test_report_names_every_partner_and_the_window(compared):
    """The summary leads with the window; the ranking lists all partners, both kinds."""
    html = (compared / "report.html").read_text()
    window = f"the policy window, {fy_label(WINDOW_FY)} to"
    assert window in html
    summary = html.split("<h2>Summary</h2>")[1].split("<h2>")[0]
    assert summary.index("policy window") < summary.index("last year") < summary.index("whole")
    ranking = html.split("Partners ranked by their change in engagement")[1].split("<h2>")[0]
    rows = re.findall(r"<tr>\s*<td>([\d–]+)</td>\s*<td>([^<]+)</td>\s*<td>(\w+)</td>", ranking)
    assert {(p, k) for _, p, k in rows} == {
        (partner_words(p), k) for p in PARTNER_TYPES for k in ("strategic", "operational")
    }
    # Cleveland's councils are unitaries: no county council, named last, unranked.
    ranks = [r for r, _, _ in rows]
    assert ranks == [str(k) for k in range(1, 2 * len(PARTNER_TYPES) - 1)] + ["–", "–"]
    assert "not a partner in these areas or years" in ranking


def test_report_reads_plainly(compared):
    """No jargon, no raw dicts, a glossary, the money's route and the scenario's header."""
    html = unescape((compared / "report.html").read_text())
    assert "clearly" not in html
    assert not re.search(r"\{'|': ", html.split("<h2>Plots")[0] + html.split("</p>")[-1])
    for words in ("Share of demand met", "Engagement", "Capacity-limited", "FTE of demand"):
        assert f"<dt><b>{words}</b></dt>" in html, words
    assert "share of England's 2009 population" in html
    assert "Police budgets cut 30% from April 2014." in html
    assert "which partners drift?" in html  # the header's question
    assert "cut_pct__police" in html and "Cut to police (%)" in html


def test_per_csp_results_name_each_csp_with_its_codes(compared):
    """Per-CSP rows carry the CSP's name and its councils' ONS codes (real places)."""
    csp = pd.read_csv(compared / "csp_comparison.csv")
    assert set(csp["csp"]) == {
        "Hartlepool",
        "Middlesbrough",
        "Redcar and Cleveland",
        "Stockton-on-Tees",
    }
    assert set(csp["period"]) == {"window"}
    html = (compared / "report.html").read_text()
    assert "E06000001" in html  # Hartlepool


def test_brief_is_one_page_with_the_window_and_partners(compared):
    """brief.md: the window's headline first and every partner, on about one page."""
    brief = (compared / "brief.md").read_text()
    assert f"{fy_label(WINDOW_FY)} to" in brief
    for p in PARTNER_TYPES:
        assert f"| {partner_words(p)} | strategic |" in brief
        assert f"| {partner_words(p)} | operational |" in brief
    assert len(brief.split()) < 900


def test_different_periods_compare_the_shared_quarters(tmp_path):
    """A lever after the reference's end is not seen, and the brief says why first."""
    late = tmp_path / "late.toml"
    late.write_text(
        'name = "late"\nextends = "cleveland"\n[time]\nend = 2030-03-31\n'
        "[parameters]\ncut_pct__police = 30\ncut_start_year__police = 2026\n"
    )
    out = tmp_path / "out"
    args = ["compare", "cleveland", str(late), "--replicates", "2", "--workers", "1"]
    assert main([*args, "--out", str(out), "--quiet"]) == 0
    table = pd.read_csv(out / "comparison.csv")
    late_rows = table[table["scenario"] == "late"]
    assert (late_rows["diff"].fillna(0) == 0).all()  # over the shared quarters: identical
    assert not late_rows["period"].isin(["fy2026", "fy2029"]).any()
    brief = (out / "brief.md").read_text()
    assert brief.index("> **Warning:** The scenarios simulate different periods") < brief.index(
        "## late"
    )
    assert "nothing it changes takes effect" in brief
