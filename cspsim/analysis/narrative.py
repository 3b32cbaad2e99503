"""The words of a comparison report: values with their units, the headline sentences (policy
window, then last year, then whole run), every partner ranked by its change in engagement,
the glossary, how national money reaches the areas run, and the one-page ``brief.md``.

Shared by :mod:`cspsim.analysis.report` (``report.html``) and :func:`write_brief`, so the
page and the brief say the same thing in the same words.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from cspsim.analysis.comparison import HEADLINE_PERIODS, fy_label, label
from cspsim.analysis.uncertainty import SIGN_HOLDS
from cspsim.inputs.geography import build_geography, england_population
from cspsim.inputs.scenario import Scenario
from cspsim.io import atomic_write
from cspsim.vocab import PARTNER_NAMES, PARTNER_TYPES

#: What the report's words mean (shown in report.html and brief.md).
GLOSSARY = {
    "Share of demand met": "the partnership work done (FTE delivered) divided by the work "
    "the duties in force need (FTE of demand), over all CSPs; 100% means every duty is fully "
    "delivered.",
    "FTE of demand": "full-time-equivalent staff a year that the CSP's duties need, from each "
    "duty's workload per 100,000 residents; unmet demand is demand less delivery, in FTE.",
    "Engagement": "how far a partner agency takes part in a CSP, from 0 to 1, shown as a "
    "percentage. Strategic engagement is its involvement in the partnership's decisions "
    "(the 2009 survey's table T19); operational engagement is the share of its expected "
    "contribution of staff time that it commits (table T24). A CSP's value is the mean over "
    "its areas weighted by residents (docs/ODD.md, outputs).",
    "Capacity-limited": "a CSP in a quarter when its share of demand met is below the "
    "registry's capacity_limited_threshold (an assumption, 90% by default).",
    "Percentage points (pp)": "the difference between two percentages: 50% to 48% is -2 pp.",
    "Policy window": "the financial years from the first in which a scenario's results "
    "differ from the reference's (its first lever takes effect) to the end of the run.",
    "95% interval": "the range that holds the paired difference 95 times in 100 given the "
    "replicates run (and, with --uncertainty calibration, the parameter sets); an interval "
    "that includes 0 cannot tell the direction of the change.",
}

#: How each unit of ``comparison.csv`` is shown, and the heading of its column.
UNIT_WORDS = {
    "share": "%",
    "engagement_0_1": "% of full engagement",
    "fte": "FTE",
    "gbp_per_quarter": "£m per quarter",
}


def fmt(unit: str, v: float, diff: bool = False) -> str:
    """A value (or, with ``diff``, a signed difference) in its unit, with the unit."""
    if pd.isna(v):
        return "–"
    sign = "+" if diff else ""
    if unit in ("share", "engagement_0_1"):
        # Differences of policy levers are often a fraction of a point: two decimals.
        return f"{100 * v:+.2f} pp" if diff else f"{100 * v:.1f}%"
    if unit == "gbp_per_quarter":
        return f"{v / 1e6:{sign},.2f} £m" if diff else f"£{v / 1e6:,.2f}m"
    if unit == "fte":
        return f"{v:{sign},.0f} FTE"
    return f"{v:{sign},.2f}"


def interval(unit: str, row: Any) -> str:
    """A difference and its 95% interval: "-0.60 pp (95% interval -0.70 to -0.50 pp)"."""
    lo, hi = fmt(unit, row["diff_lo"], True), fmt(unit, row["diff_hi"], True)
    words = UNIT_WORDS.get(unit, "")
    short = "pp" if unit in ("share", "engagement_0_1") else words.split()[0] if words else ""
    return f"{fmt(unit, row['diff'], True)} (95% interval {lo.removesuffix(' ' + short)} to {hi})"


def partner_words(partner: str) -> str:
    """A partner type as people say it: ``fire_rescue`` -> "fire and rescue",
    ``probation_nps`` -> "National Probation Service"."""
    return PARTNER_NAMES.get(partner, partner.replace("_", " "))


@dataclass(frozen=True)
class Periods:
    """The periods a report names: the policy window's first and last financial years,
    and the run's."""

    window_fy: int | None
    first_fy: int
    last_fy: int

    def words(self, period: str) -> str:
        """How the report names a period of ``comparison.csv``."""
        if period == "window":
            if self.window_fy is None:
                return "the whole run (no scenario differs from the reference in it)"
            return f"the policy window, {fy_label(self.window_fy)} to {fy_label(self.last_fy)}"
        if period == "end":
            return "the last year of the run (its last four quarters)"
        return f"the whole run, {fy_label(self.first_fy)} to {fy_label(self.last_fy)}"


def _row(table: pd.DataFrame, name: str, outcome: str, period: str) -> pd.Series:
    sel = table[
        (table["scenario"] == name)
        & (table["level"] == "national")
        & (table["outcome"] == outcome)
        & (table["period"] == period)
    ]
    return sel.iloc[0]


def _verdict(row: pd.Series) -> str:
    if row["diff_lo"] > 0 or row["diff_hi"] < 0:
        return "the 95% interval does not include zero, so the direction is settled"
    return "the 95% interval includes zero, so the direction is not settled"


def headline(table: pd.DataFrame, name: str, ref: str, periods: Periods) -> list[str]:
    """Plain sentences (no markup) on one scenario against the reference: share of demand
    met over the policy window, then in the last year, then over the whole run; unmet
    demand and capacity in the window; the partner whose engagement changes most."""
    w = _row(table, name, "share_met", "window")
    if w["diff"] == 0 and w["diff_lo"] == 0 and w["diff_hi"] == 0:
        return [
            f"{name} gives the same results as {ref} in every run over the quarters "
            "compared: nothing it changes takes effect in them."
        ]
    change = "raises" if w["diff"] > 0 else "lowers" if w["diff"] < 0 else "does not change"
    out = [
        f"Over {periods.words('window')}, {name} {change} the share of demand met, against "
        f"{ref}: {interval('share', w)}; {_verdict(w)}."
    ]
    end, whole = _row(table, name, "share_met", "end"), _row(table, name, "share_met", "all")
    out.append(
        f"In the last year the difference is {interval('share', end)}; over the whole run "
        f"it is {interval('share', whole)}."
    )
    um, cl = (
        _row(table, name, "unmet_fte", "window"),
        _row(table, name, "capacity_limited", "window"),
    )
    out.append(
        f"In the window, unmet demand changes by {interval('fte', um)} and the share of "
        f"CSPs limited by capacity by {interval('share', cl)}."
    )
    ranked = partner_ranking(table, name)
    if not ranked.empty:
        top = ranked.iloc[0]
        out.append(
            f"The partner that moves most is {top['partner']} ({top['engagement']} "
            f"engagement, {top['change over the window']}); every partner is ranked below."
        )
    return out


def partner_ranking(table: pd.DataFrame, name: str) -> pd.DataFrame:
    """Every partner's strategic and operational engagement (all areas), ranked by the size
    of its change over the policy window; one row per partner and kind of engagement."""
    rows, absent = [], []
    for kind in ("strategic", "operational"):
        for p in PARTNER_TYPES:
            outcome = f"eng_{kind}__{p}"
            sel = table[
                (table["scenario"] == name)
                & (table["level"] == "national")
                & (table["outcome"] == outcome)
            ]
            by = {str(r["period"]): r for r in sel.to_dict("records")}
            w = by.get("window")
            if w is None or pd.isna(w["diff"]):
                absent.append({"rank": "–", "partner": partner_words(p), "engagement": kind})
                continue
            rows.append(
                {
                    "size": abs(w["diff"]),
                    "partner": partner_words(p),
                    "engagement": kind,
                    "in the window (%)": fmt("engagement_0_1", w["mean"]),
                    "change over the window": interval("engagement_0_1", w),
                    # A partner of part of the run only (the NPS, 2014-21) has none.
                    "change in the last year": (
                        interval("engagement_0_1", by["end"]) if "end" in by else "–"
                    ),
                }
            )
    if not rows:
        return pd.DataFrame()
    ranked = pd.DataFrame(rows).sort_values("size", ascending=False, kind="stable")
    ranked.insert(0, "rank", [str(k) for k in range(1, len(ranked) + 1)])
    # A partner type with no agency in these areas (a county council among unitaries) or
    # years (the NPS after June 2021) is named last, so the table still lists every partner.
    none = "not a partner in these areas or years"
    gone = pd.DataFrame(absent).assign(**{"change over the window": none})
    return pd.concat([ranked.drop(columns="size"), gone], ignore_index=True).fillna("–")


def _verdicts(table: pd.DataFrame, ref: str) -> pd.DataFrame:
    """The national headlines and every partner's engagement, in the window, the last year
    and the whole run, of the scenarios other than the reference."""
    keep = ["share_met", "unmet_fte", "capacity_limited", "spend_gbp"]
    sel = table[
        (table["scenario"] != ref)
        & (table["level"] == "national")
        & table["period"].isin(HEADLINE_PERIODS)
        & (table["outcome"].isin(keep) | table["outcome"].str.startswith("eng_"))
    ]
    outcomes = [*keep, *sorted(set(sel["outcome"]) - set(keep))]
    rank = {o: k for k, o in enumerate([*outcomes, *HEADLINE_PERIODS])}
    sel = sel.sort_values(
        ["scenario", "outcome", "period"], key=lambda c: c.map(rank) if c.name != "scenario" else c
    )
    return sel.dropna(subset=["diff"])


def _holds(share: float) -> str:
    if pd.isna(share):
        return "no change in any parameter set"
    verdict = "holds" if share >= SIGN_HOLDS else "does not hold"
    return f"{verdict} ({100 * share:.0f}% of parameter sets agree)"


def calibration_html(table: pd.DataFrame, ref: str, cost: str, periods: Periods) -> list[str]:
    """The report's section on parameter uncertainty: for each headline, its difference with
    the interval over parameter sets and replicates, and whether its sign holds in at least
    95% of the parameter sets."""
    rows = [
        {
            "compared": r["scenario"],
            "outcome": label(r["outcome"]),
            "period": periods.words(r["period"]),
            "difference (95% interval over parameters and replicates)": interval(r["unit"], r),
            "sign of the difference": _holds(r["sign_share"]),
        }
        for r in _verdicts(table, ref).to_dict("records")
    ]
    return [
        "<h2>Would the answer survive the calibration's uncertainty?</h2>",
        "<p>Every scenario ran under parameter sets drawn from the calibration's near-optimal "
        "set (the parameter values the 2009 survey cannot tell apart), each on the same "
        "replicate seeds in every scenario. Intervals here and in every table of this report "
        "span parameter sets and replicates together; a sign <i>holds</i> when at least "
        f"{100 * SIGN_HOLDS:.0f}% of the parameter sets give a mean difference of that sign. "
        f"Cost: {html.escape(cost)}.</p>",
        pd.DataFrame(rows).to_html(index=False, escape=True, border=0),
    ]


def calibration_lines(table: pd.DataFrame, ref: str, cost: str, periods: Periods) -> list[str]:
    """The brief's lines on parameter uncertainty (share of demand met in the window)."""
    sel = _verdicts(table, ref)
    sel = sel[(sel["outcome"] == "share_met") & (sel["period"] == "window")]
    lines = ["**Under the calibration's parameter uncertainty**", ""]
    for r in sel.to_dict("records"):
        lines.append(
            f"- {r['scenario']}: share of demand met over {periods.words('window')}, "
            f"{interval('share', r)} over parameter sets and replicates; the sign "
            f"{_holds(r['sign_share'])}."
        )
    return [*lines, f"- Cost: {cost}."]


def money_note(scenario: Scenario) -> str:
    """How national money (grants, the PCC fund, new-burdens payments) reaches the areas the
    scenario runs: by their share of England's population."""
    geo = build_geography(scenario.geography)
    england = england_population()
    share = float(geo.population.sum()) / england
    return (
        f"National money (grants to CSPs, the PCCs' community safety fund, new-burdens "
        f"payments) reaches each council area in proportion to its residents: its share of "
        f"England's 2009 population ({england:,.0f}, configs/england_2009.toml). The "
        f"{geo.n} council areas of {scenario.name} hold {geo.population.sum():,.0f} "
        f"residents, {100 * share:.1f}% of England, so they receive {100 * share:.1f}% of "
        "every national amount, and a cut to a national fund reaches them in that proportion."
    )


def write_brief(
    path: Path,
    table: pd.DataFrame,
    scenarios: list[Scenario],
    periods: Periods,
    extra: list[str],
    warnings: Sequence[str] = (),
) -> str:
    """Write the one-page ``brief.md`` for a decision-maker and return its text.

    Args:
        extra: Lines added before the glossary (the uncertainty verdicts, the cost).
        warnings: What to be careful about, shown first.
    """
    ref = scenarios[0].name
    lines = [f"# What changes against {ref}", ""]
    lines += [f"> **Warning:** {w}\n" for w in warnings]
    lines.append(f"**{ref}** (reference): {scenarios[0].description}")
    for s in scenarios[1:]:
        lines += ["", f"## {s.name}", "", f"*{s.description}*", ""]
        lines += [f"- {sentence}" for sentence in headline(table, s.name, ref, periods)]
        ranked = partner_ranking(table, s.name)
        if not ranked.empty:
            lines += [
                "",
                f"Partners ranked by change in engagement over {periods.words('window')}:",
                "",
            ]
            cols = ["rank", "partner", "engagement", "change over the window"]
            lines.append("| " + " | ".join(cols) + " |")
            lines.append("|" + "---|" * len(cols))
            for r in ranked[cols].to_dict("records"):
                lines.append("| " + " | ".join(str(r[c]) for c in cols) + " |")
    lines += ["", *extra, "", money_note(scenarios[0]), "", "**Words used**", ""]
    lines += [f"- *{k}*: {v}" for k, v in GLOSSARY.items()]
    lines += ["", "Details, plots, per-CSP results and assumptions: report.html."]
    text = "\n".join(lines) + "\n"
    atomic_write(path, lambda p: p.write_text(text, encoding="utf-8"))
    return text
