"""A self-contained HTML report of a scenario comparison (plots embedded, no external URLs),
written for a decision-maker: the headline over the policy window first, every partner
ranked, per-CSP results, the assumptions in words, a glossary; the sentences and tables are
:mod:`cspsim.analysis.narrative`'s, shared with ``brief.md``."""

from __future__ import annotations

import base64
import html
import re
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from cspsim.analysis.comparison import HEADLINE_PERIODS, Comparison, label
from cspsim.analysis.narrative import (
    GLOSSARY,
    UNIT_WORDS,
    Periods,
    fmt,
    headline,
    interval,
    money_note,
    partner_ranking,
)
from cspsim.inputs.catalogue import shipped_parent
from cspsim.inputs.levers import lever_specs
from cspsim.inputs.registry import registry
from cspsim.inputs.scenario import Scenario
from cspsim.io import atomic_write
from cspsim.vocab import AUTHORITY_TYPES

_IGNORED = {"name", "description", "source_file", "run", "lever_values"}
_HEADLINE = ["share_met", "unmet_fte", "spend_gbp", "capacity_limited", "team_fte"]
_NOT_SET = "(not set; by year: the year before holds)"
_CSP_ROWS = 10  # CSPs shown at each end of the per-CSP table (all are in csp_comparison.csv)
_CSS = """
body{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222}
h1{font-size:1.6em}h2{border-bottom:1px solid #ccc;padding-bottom:.2em;margin-top:2em}
table{border-collapse:collapse;font-size:.85em;margin:.5em 0}
td,th{border:1px solid #ddd;padding:.25em .5em;text-align:right}
th{background:#f3f3f3}td:first-child,th:first-child{text-align:left}
.warn{background:#fff3cd;border:1px solid #e0c36c;padding:.6em}
pre{background:#f7f7f7;padding:.6em;white-space:pre-wrap;font-size:.85em}
img{max-width:100%}
"""


def _flatten(obj: Any, prefix: str = "") -> dict[str, Any]:
    """Nested tables and lists as dotted paths (``funding.cuts.1.pct``) to plain values."""
    if isinstance(obj, dict | list):
        # A list item is named by its "name" (a grant) where it has one, else numbered.
        items = (
            obj.items()
            if isinstance(obj, dict)
            else ((x.get("name", k) if isinstance(x, dict) else k, x) for k, x in enumerate(obj, 1))
        )
        out: dict[str, Any] = {}
        for k, v in items:
            out |= _flatten(v, f"{prefix}.{k}" if prefix else str(k))
        return out
    return {prefix: obj}


def changed_assumptions(reference: Scenario, other: Scenario) -> list[tuple[str, Any, Any]]:
    """Inputs (dotted paths; list items numbered from 1) whose resolved values differ."""
    a = _flatten({k: v for k, v in reference.model_dump(mode="json").items() if k not in _IGNORED})
    b = _flatten({k: v for k, v in other.model_dump(mode="json").items() if k not in _IGNORED})
    return [
        (k, a.get(k, _NOT_SET), b.get(k, _NOT_SET))
        for k in sorted(a.keys() | b.keys())
        if a.get(k) != b.get(k)
    ]


def _readable(key: str, value: Any) -> str:
    """An input's value as people read it: £ with thousands, percentages, yes/no, dates."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | float):
        if "gbp" in key:
            return f"£{value:,.0f} a year" if "per_year" in key else f"£{value:,.0f}"
        if key.endswith(".pct"):
            return f"{value:g}%"
        return f"{value:,g}"
    return str(value)


def header_comments(path: Path) -> list[tuple[str, str]]:
    """The comment block at the top of a scenario file and of each file it extends, as
    (scenario name, text) pairs, the file's own first."""
    out, seen = [], set()
    while path.is_file() and path.resolve() not in seen:
        seen.add(path.resolve())
        block = []
        for line in path.read_text().splitlines():
            if line.startswith("#"):
                block.append(line.lstrip("# ").rstrip())
            elif line.strip():
                break
        with path.open("rb") as fh:
            data = tomllib.load(fh)
        out.append((str(data.get("name", path.stem)), " ".join(block) or "(no header comment)"))
        parent = data.get("extends")
        if not isinstance(parent, str):
            break
        local = path.parent / parent
        path = local if local.is_file() else (shipped_parent(parent) or local)
    return out


def _table_html(df: pd.DataFrame) -> str:
    return df.to_html(index=False, escape=True, border=0)


def _levers_html(s: Scenario) -> str:
    """The levers a scenario sets, each with its meaning, in a table."""
    specs = lever_specs()
    rows = [
        {
            "lever": name,
            "meaning": specs[name].label or specs[name].description,
            "value": f"{value} {specs[name].unit}",
        }
        for name, value in s.lever_values.items()
        if name in specs
    ]
    return _table_html(pd.DataFrame(rows)) if rows else "<p>No levers set.</p>"


def _assumptions(scenarios: list[Scenario], files: list[Path | None]) -> list[str]:
    ref, reg = scenarios[0], registry()
    parts = ["<h2>What each scenario assumes</h2>"]
    for s, f in zip(scenarios, files, strict=True):
        parts.append(f"<h3>{html.escape(s.name)}</h3><p>{html.escape(s.description)}</p>")
        for k, (name, text) in enumerate(header_comments(f) if f is not None else []):
            whose = "Question and sources" if k == 0 else f"Inherited from {name}"
            parts.append(f"<p><i>{html.escape(whose)}:</i> {html.escape(text)}</p>")
        if s is ref:
            continue
        parts.append(_levers_html(s))
        changes = changed_assumptions(ref, s)
        if not changes:
            parts.append(f"<p>Same inputs as {html.escape(ref.name)}.</p>")
            continue
        rows = []
        for key, old, new in changes:
            src = ""
            if key.startswith("parameters."):
                spec = reg.get(key.removeprefix("parameters."))
                src = spec.source if spec else ""
            rows.append(
                {
                    "input (scenario file field)": key,
                    ref.name: _readable(key, old),
                    s.name: _readable(key, new),
                    "source": src,
                }
            )
        parts.append("<p>The inputs this makes differ from the reference's:</p>")
        parts.append(_table_html(pd.DataFrame(rows)))
    return parts


def _headline_table(t: pd.DataFrame, ref: str, periods: Periods) -> str:
    head = t[
        (t["level"] == "national")
        & t["period"].isin(HEADLINE_PERIODS)
        & t["outcome"].isin(_HEADLINE)
        & (t["scenario"] != ref)
    ]
    rank = {o: k for k, o in enumerate([*_HEADLINE, *HEADLINE_PERIODS])}
    head = head.sort_values(
        ["scenario", "outcome", "period"], key=lambda c: c.map(rank) if c.name != "scenario" else c
    )
    rows = []
    for r in head.to_dict("records"):
        u = r["unit"]
        rows.append(
            {
                "compared": r["scenario"],
                "outcome": label(r["outcome"]),
                "period": periods.words(r["period"]),
                "unit": UNIT_WORDS[u],
                ref: fmt(u, r["mean"] - r["diff"]),
                "scenario": fmt(u, r["mean"]),
                "difference (95% interval)": interval(u, r),
            }
        )
    return _table_html(pd.DataFrame(rows))


def _groups_table(t: pd.DataFrame, scenarios: list[Scenario]) -> str:
    parts = []
    for level, order in (("authority_type", list(AUTHORITY_TYPES)), ("national", None)):
        sub = t[(t["level"] == level) & (t["period"] == "window")]
        sub = (
            sub[sub["outcome"].str.startswith("share_met")]
            if level == "national"
            else sub[sub["outcome"] == "share_met"]
        )
        key = "by authority type" if level == "authority_type" else "by duty"
        piv = sub.assign(
            cell=[
                f"{fmt('share', r['mean'])} ({fmt('share', r['diff'], True)})"
                for r in sub.to_dict("records")
            ]
        ).pivot_table(
            index="outcome" if level == "national" else "group",
            columns="scenario",
            values="cell",
            aggfunc="first",
        )
        piv = piv[[s.name for s in scenarios]]
        if order:
            piv = piv.reindex([o for o in order if o in piv.index])
            piv.index = [o.replace("_", " ") for o in piv.index]
        else:
            piv.index = [label(o) for o in piv.index]
        piv.columns.name = None
        parts.append(piv.reset_index(names=key).to_html(index=False, border=0))
    return "\n".join(parts)


def _design(comp: Comparison, meta: dict[str, Any]) -> str:
    """How the runs were paired and what the intervals span."""
    seeds = f"root seed {meta['root_seed']}"
    if comp.parameter_sets > 1:
        return (
            f"Every scenario ran under the same {comp.parameter_sets} parameter sets from the "
            f"calibration's near-optimal set, {comp.replicates} replicate seeds each ({seeds}), "
            "so differences are paired; intervals are 95% intervals over parameter sets and "
            "replicates together."
        )
    return (
        f"Every scenario ran on the same {comp.replicates} replicate seeds ({seeds}), so "
        "differences are paired; intervals are 95% t-intervals across replicates."
    )


_ONS = re.compile(r"^[EWSN]\d{8}$")


def _code(row: Mapping[Any, Any], codes: dict[str, str]) -> str:
    """A CSP's ONS code (E22 in real England), else its councils' codes, else "–"."""
    code = str(row.get("csp_code", ""))
    return code if _ONS.match(code) else codes.get(row["csp"], "–")


def _csp_html(csp: pd.DataFrame | None, ref: str, codes: dict[str, str]) -> list[str]:
    if csp is None:
        return [
            "<h2>Per-CSP results</h2><p>Not kept with --uncertainty calibration, which runs "
            "each scenario hundreds of times: run the plain compare for them.</p>"
        ]
    if csp.empty:
        return []
    parts = ["<h2>Per-CSP results over the policy window</h2>"]
    sel = csp[(csp["outcome"] == "share_met") & (csp["scenario"] != ref)]
    for name, sub in sel.groupby("scenario", sort=False):
        sub = sub.sort_values("diff", kind="stable")
        shown = (
            sub
            if len(sub) <= 2 * _CSP_ROWS
            else pd.concat([sub.head(_CSP_ROWS), sub.tail(_CSP_ROWS)])
        )
        rows = [
            {
                "CSP": r["csp"],
                "ONS code (of its councils where it has none)": _code(r, codes),
                f"{ref}: share of demand met (%)": fmt("share", r["mean"] - r["diff"]),
                "difference (pp, 95% interval)": interval("share", r),
            }
            for r in shown.to_dict("records")
        ]
        what = (
            "every CSP"
            if len(shown) == len(sub)
            else (
                f"the {_CSP_ROWS} CSPs whose share falls most, then the {_CSP_ROWS} whose share "
                f"rises most (or falls least), of {len(sub)}"
            )
        )
        parts.append(
            f"<h3>{html.escape(str(name))}</h3><p>Share of demand met over the window (FTE "
            f"delivered ÷ FTE needed), {what}; every CSP is in csp_comparison.csv.</p>"
        )
        parts.append(_table_html(pd.DataFrame(rows)))
    return parts


def write_report(
    path: Path,
    comp: Comparison,
    scenarios: list[Scenario],
    files: list[Path | None],
    plots: list[Path],
    warnings: list[str],
    meta: dict[str, Any],
) -> str:
    """Build the report, write it to ``path`` and return the HTML.

    ``meta`` holds root_seed, first_quarter, last_quarter, first_fy, last_fy, versions and
    git; optionally csp_codes (CSP name -> ONS codes) and sections (HTML placed after the
    summary, such as the calibration-uncertainty verdicts).
    """
    ref = scenarios[0].name
    t = comp.table
    periods = Periods(comp.window_fy, meta["first_fy"], meta["last_fy"])
    e = html.escape
    parts = [
        "<!doctype html><html><head><meta charset='utf-8'><title>cspsim comparison</title>"
        f"<style>{_CSS}</style></head><body>",
        f"<h1>What changes against {e(ref)}: {', '.join(e(s.name) for s in scenarios[1:])}</h1>",
        "<ul>"
        + "".join(
            f"<li><b>{e(s.name)}</b>{' (reference)' if k == 0 else ''}: {e(s.description)}</li>"
            for k, s in enumerate(scenarios)
        )
        + "</ul>",
        f"<p>The headline period is {e(periods.words('window'))}. {_design(comp, meta)} "
        f"Simulated quarters: {meta['first_quarter']} to {meta['last_quarter']}.</p>",
    ]
    if comp.precision is not None:
        verdict = "reached" if comp.reached else "NOT reached (replicate cap)"
        parts.append(
            f"<p>Precision target ±{comp.precision:g} on the share-met differences: {verdict} "
            f"with {comp.replicates} replicates (half-width {comp.half_width:.4f}).</p>"
        )
    parts += [f"<p class='warn'>{e(w)}</p>" for w in warnings]
    parts.append("<h2>Summary</h2>")
    for s in scenarios[1:]:
        parts.append(f"<h3>{e(s.name)}</h3><ul>")
        parts += [f"<li>{e(x)}</li>" for x in headline(t, s.name, ref, periods)]
        parts.append("</ul>")
    if len(scenarios) == 1:
        parts.append("<p>Only one scenario: nothing to compare.</p>")
    parts += meta.get("sections", [])
    if len(scenarios) > 1:
        parts.append("<h2>Headline outcomes (all areas)</h2>")
        parts.append(_headline_table(t, ref, periods))
        window = e(periods.words("window"))
        parts.append(f"<h2>Partners ranked by their change in engagement over {window}</h2>")
        for s in scenarios[1:]:
            parts.append(f"<h3>{e(s.name)}</h3>")
            parts.append(_table_html(partner_ranking(t, s.name)))
    parts.append(
        f"<h2>Share of demand met by authority type and by duty, {e(periods.words('window'))}</h2>"
    )
    parts.append(_groups_table(t, scenarios))
    parts.append("<p>Cells: share of demand met, % (paired difference from the reference, pp).</p>")
    parts += _csp_html(comp.csp, ref, meta.get("csp_codes", {}))
    parts.append("<h2>Plots</h2>")
    for p in plots:
        data = base64.b64encode(p.read_bytes()).decode()
        parts.append(f"<p><img alt='{e(p.stem)}' src='data:image/png;base64,{data}'></p>")
    parts += _assumptions(scenarios, files)
    parts.append(
        f"<h2>How national money reaches these areas</h2><p>{e(money_note(scenarios[0]))}</p>"
    )
    parts.append("<h2>Words used</h2><dl>")
    parts += [f"<dt><b>{e(k)}</b></dt><dd>{e(v)}</dd>" for k, v in GLOSSARY.items()]
    parts.append("</dl>")
    v = meta.get("versions", {})
    parts.append(
        f"<h2>Provenance</h2><p>cspsim {e(str(v.get('cspsim')))}, Mesa "
        f"{e(str(v.get('mesa')))}, Python {e(str(v.get('python')))}; "
        f"git commit {e(str(meta.get('git', {}).get('commit')))}. Files: comparison.csv, "
        "csp_comparison.csv, brief.md, timeseries.parquet, manifest.json.</p></body></html>"
    )
    text = "\n".join(parts)
    atomic_write(path, lambda p: p.write_text(text, encoding="utf-8"))
    return text
