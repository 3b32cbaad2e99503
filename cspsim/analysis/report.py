"""A self-contained HTML report of a scenario comparison (plots embedded, no external URLs)."""

from __future__ import annotations

import base64
import html
import tomllib
from pathlib import Path
from typing import Any

import pandas as pd

from cspsim.analysis.comparison import Comparison, label
from cspsim.inputs.registry import registry
from cspsim.inputs.scenario import Scenario
from cspsim.io import atomic_write
from cspsim.vocab import AUTHORITY_TYPES

_IGNORED = {"name", "description", "source_file", "run"}
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
    if isinstance(obj, dict):
        out: dict[str, Any] = {}
        for k, v in obj.items():
            out |= _flatten(v, f"{prefix}.{k}" if prefix else str(k))
        return out
    return {prefix: obj}


def changed_assumptions(reference: Scenario, other: Scenario) -> list[tuple[str, Any, Any]]:
    """Fields (dotted paths) whose resolved values differ between two scenarios."""
    a = _flatten({k: v for k, v in reference.model_dump(mode="json").items() if k not in _IGNORED})
    b = _flatten({k: v for k, v in other.model_dump(mode="json").items() if k not in _IGNORED})
    return [
        (k, a.get(k, "(not set)"), b.get(k, "(not set)"))
        for k in sorted(a.keys() | b.keys())
        if a.get(k) != b.get(k)
    ]


def header_comments(path: Path) -> list[str]:
    """The comment lines at the top of a scenario file and of the files it extends."""
    lines, seen = [], set()
    while path.is_file() and path.resolve() not in seen:
        seen.add(path.resolve())
        text = path.read_text().splitlines()
        block = []
        for line in text:
            if line.startswith("#"):
                block.append(line.lstrip("# ").rstrip())
            elif line.strip():
                break
        lines.append(
            f"[{path.name}] " + " ".join(block) if block else f"[{path.name}] (no header comment)"
        )
        with path.open("rb") as fh:
            parent = tomllib.load(fh).get("extends")
        if not isinstance(parent, str):
            break
        path = path.parent / parent
    return lines


_SHARES = ("share_met", "eng_", "capacity_limited", "analyst", "coordinator")


def _fmt(outcome: str, v: float, diff: bool = False) -> str:
    """A value (or, with ``diff``, a signed difference) in the outcome's unit."""
    if pd.isna(v):
        return "–"
    sign = "+" if diff else ""
    if outcome.startswith(_SHARES):
        return f"{100 * v:{sign}.1f}" + (" pp" if diff else "%")
    if outcome == "spend_gbp":
        return f"{v / 1e6:{sign},.2f} £m" if diff else f"£{v / 1e6:,.2f}m"
    return f"{v:{sign},.1f}"


def _fmt_diff(outcome: str, v: float) -> str:
    return _fmt(outcome, v, diff=True)


def _sentence(table: pd.DataFrame, name: str, ref: str, years: str) -> str:
    def row(outcome: str, period: str, group: str = "all") -> pd.Series:
        sel = table[
            (table["scenario"] == name)
            & (table["outcome"] == outcome)
            & (table["period"] == period)
            & (table["group"] == group)
        ]
        return sel.iloc[0]

    sm, end = row("share_met", "all"), row("share_met", "end")
    sure = (
        "clearly"
        if (sm["diff_lo"] > 0 or sm["diff_hi"] < 0)
        else "not clearly (the interval includes no change)"
    )
    direction = "raises" if sm["diff"] > 0 else "lowers" if sm["diff"] < 0 else "does not change"
    text = (
        f"<b>{html.escape(name)}</b> {direction} the share of demand met over {years} by "
        f"{100 * abs(sm['diff']):.1f} percentage points (95% interval "
        f"{100 * sm['diff_lo']:+.1f} to {100 * sm['diff_hi']:+.1f}), {sure}; in the last year "
        f"the difference is {100 * end['diff']:+.1f} pp ({100 * end['diff_lo']:+.1f} to "
        f"{100 * end['diff_hi']:+.1f}). "
    )
    um, cl = row("unmet_fte", "end"), row("capacity_limited", "end")
    text += (
        f"Unmet demand in the last year changes by {um['diff']:+,.0f} FTE, and the share of CSPs "
        f"limited by capacity by {100 * cl['diff']:+.0f} pp. "
    )
    engs = table[
        (table["scenario"] == name)
        & table["outcome"].str.startswith("eng_strategic__")
        & (table["period"] == "end")
        & (table["group"] == "all")
    ].dropna(subset=["diff"])
    if not engs.empty:
        big = engs.iloc[int(engs["diff"].abs().to_numpy().argmax())]
        partner = big["outcome"].removeprefix("eng_strategic__").replace("_", " ")
        text += (
            f"The largest change in partner engagement is {partner}: {100 * big['diff']:+.1f} pp "
            f"({100 * big['diff_lo']:+.1f} to {100 * big['diff_hi']:+.1f})."
        )
    return text


def _table_html(df: pd.DataFrame) -> str:
    return df.to_html(index=False, escape=True, border=0)


def write_report(
    path: Path,
    comp: Comparison,
    scenarios: list[Scenario],
    files: list[Path | None],
    plots: list[Path],
    warnings: list[str],
    meta: dict[str, Any],
) -> str:
    """Build the report, write it to ``path`` and return the HTML."""
    ref = scenarios[0].name
    t = comp.table
    years = f"{meta['first_quarter']} to {meta['last_quarter']}"
    parts = [
        f"<!doctype html><html><head><meta charset='utf-8'><title>cspsim comparison</title>"
        f"<style>{_CSS}</style></head><body>"
    ]
    parts.append(
        f"<h1>Scenario comparison: {' vs '.join(html.escape(s.name) for s in scenarios)}</h1>"
    )
    parts.append(
        f"<p>Reference: <b>{html.escape(ref)}</b>. Every scenario ran on the same "
        f"{comp.replicates} replicate seeds (root seed {meta['root_seed']}), so differences are "
        f"paired. Intervals are 95% t-intervals across replicates. Simulated period: {years}.</p>"
    )
    if comp.precision is not None:
        verdict = "reached" if comp.reached else "NOT reached (replicate cap)"
        parts.append(
            f"<p>Precision target ±{comp.precision:g} on the share-met differences: {verdict} "
            f"with {comp.replicates} replicates (half-width {comp.half_width:.4f}).</p>"
        )
    for w in warnings:
        parts.append(f"<p class='warn'>{html.escape(w)}</p>")
    parts.append("<h2>Summary</h2>")
    for s in scenarios[1:]:
        parts.append(f"<p>{_sentence(t, s.name, ref, years)}</p>")
    if len(scenarios) == 1:
        parts.append("<p>Only one scenario: nothing to compare.</p>")

    parts.append("<h2>Headline outcomes (all areas)</h2>")
    head = t[
        (t["level"] == "national")
        & t["period"].isin(["all", "end"])
        & t["outcome"].isin(["share_met", "unmet_fte", "spend_gbp", "capacity_limited", "team_fte"])
    ]
    rows = []
    for r in head.to_dict("records"):
        o = r["outcome"]
        rows.append(
            {
                "scenario": r["scenario"],
                "outcome": label(o),
                "period": r["period"],
                "mean [95% CI]": f"{_fmt(o, r['mean'])} [{_fmt(o, r['lo'])}, {_fmt(o, r['hi'])}]",
                f"difference from {ref} [95% CI]": (
                    f"{_fmt_diff(o, r['diff'])} "
                    f"[{_fmt_diff(o, r['diff_lo'])}, {_fmt_diff(o, r['diff_hi'])}]"
                ),
            }
        )
    parts.append(_table_html(pd.DataFrame(rows)))

    parts.append("<h2>Share of demand met by authority type and by duty (whole run)</h2>")
    for level, order in (("authority_type", list(AUTHORITY_TYPES)), ("national", None)):
        sub = t[(t["level"] == level) & (t["period"] == "all")]
        sub = (
            sub[sub["outcome"].str.startswith("share_met")]
            if level == "national"
            else sub[sub["outcome"] == "share_met"]
        )
        key = "group" if level == "authority_type" else "outcome"
        piv = sub.assign(
            cell=[
                f"{_fmt(r['outcome'], r['mean'])} ({_fmt_diff(r['outcome'], r['diff'])})"
                for r in sub.to_dict("records")
            ]
        )
        piv = piv.pivot_table(index=key, columns="scenario", values="cell", aggfunc="first")
        piv = piv[[s.name for s in scenarios]]
        if order:
            piv = piv.reindex([o for o in order if o in piv.index])
        else:
            piv.index = [label(o) for o in piv.index]
        parts.append(piv.reset_index(names=key).to_html(index=False, border=0))
    parts.append("<p>Cells: mean (paired difference from the reference).</p>")

    parts.append("<h2>Plots</h2>")
    for p in plots:
        data = base64.b64encode(p.read_bytes()).decode()
        parts.append(f"<p><img alt='{html.escape(p.stem)}' src='data:image/png;base64,{data}'></p>")

    parts.append("<h2>What each scenario assumes</h2>")
    reg = registry()
    for s, f in zip(scenarios, files, strict=True):
        parts.append(f"<h3>{html.escape(s.name)}</h3><p>{html.escape(s.description)}</p>")
        parts.append(
            "<p>Question and sources (header comments of the scenario file and its parents):</p>"
        )
        header = header_comments(f) if f is not None else ["(not read from a file)"]
        parts.append("<pre>" + html.escape("\n".join(header)) + "</pre>")
        if s is scenarios[0]:
            continue
        changes = changed_assumptions(scenarios[0], s)
        if not changes:
            parts.append(f"<p>Same assumptions as {html.escape(ref)}.</p>")
            continue
        rows = []
        for key, old, new in changes:
            src = ""
            if key.startswith("parameters."):
                spec = reg.get(key.removeprefix("parameters."))
                src = spec.source if spec else ""
            rows.append({"field": key, ref: str(old), s.name: str(new), "registry source": src})
        parts.append(_table_html(pd.DataFrame(rows)))

    v = meta.get("versions", {})
    parts.append(
        f"<h2>Provenance</h2><p>cspsim {html.escape(str(v.get('cspsim')))}, Mesa "
        f"{html.escape(str(v.get('mesa')))}, Python {html.escape(str(v.get('python')))}; "
        f"git commit {html.escape(str(meta.get('git', {}).get('commit')))}. Files: comparison.csv, "
        f"timeseries.parquet, manifest.json.</p></body></html>"
    )
    text = "\n".join(parts)

    atomic_write(path, lambda p: p.write_text(text, encoding="utf-8"))
    return text
