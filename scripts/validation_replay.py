"""Historical replay of engagement and capacity by authority type (for docs/VALIDATION.md).

Runs the replicates of a scenario once (the full 2009-2024 history), then for each chosen
year reads each CSP's state averaged over the calendar year (``cspsim.analysis.survey``) and
reports, by authority type and for ``all`` (every CSP weighted equally): share of demand met,
% where lack of capacity hurt delivery "always" or "often" (T6), strategic engagement and % "very
involved" and "very or fairly involved" (T19) per partner, team FTE, analyst share, and the
structure behind them (CSP population, team FTE per 100k, CSPs served by each CSP's police,
health and probation body).
Values are means over replicates, ``lo``/``hi`` their min and max.

Usage: python scripts/validation_replay.py [--scenario configs/baseline.toml] [--replicates 4]
  [--years 2009 2016 2024] [--out results/validation_replay] [--workers N] [--image PATH]
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from tqdm import tqdm

from cspsim.analysis.plots import _COLOURS, _save
from cspsim.analysis.survey import csp_year_state, expected_answers
from cspsim.inputs.questions import QUESTIONS
from cspsim.inputs.scenario import load_scenario
from cspsim.io import atomic_write, write_csv
from cspsim.model.model import CSPModel
from cspsim.paths import REPO_DIR
from cspsim.studies.runner import Job, check_buildable, default_workers, replicate_seeds, run_jobs
from cspsim.vocab import AUTHORITY_TYPES, PARTNER_NAMES, PARTNER_TYPES

GROUPS = (*AUTHORITY_TYPES, "all")
SERVED = ("police", "health", "probation")  # partners whose footprint explains dilution
MD_PARTNERS = ("police", "health", "probation", "county_council")
# The survey asks about the partner types of 2009 (not the NPS: docs/ODD.md 7.6).
SURVEY_KEYS = [("T6", "capacity")] + [("T19", p) for p in PARTNER_TYPES if ("T19", p) in QUESTIONS]


def structure(model: CSPModel, year: int) -> pd.DataFrame:
    """Per CSP in force at the start of ``year``: population and CSPs served by its partners.

    Returns:
        One row per CSP: ``unit``, ``population`` and ``csps_per_<partner>`` for
        :data:`SERVED` (mean over the CSP's areas; NaN where it has no such partner).
    """
    step = next(i for i, q in enumerate(model.sched.quarters) if q.year == year)
    ep = model.epochs[model.epoch_of_step[step]]
    cols = {"csp": ep.csp_of_area, "population": model.geo.population}
    for p in SERVED:
        link = ep.link_of[PARTNER_TYPES.index(p)]
        served = ep.n_served[ep.link_agency[np.maximum(link, 0)]]
        cols[f"csps_per_{p}"] = np.where(link >= 0, served, np.nan)
    how = {"population": "sum"} | {f"csps_per_{p}": "mean" for p in SERVED}
    out = pd.DataFrame(cols).groupby("csp").agg(how)
    out.insert(0, "unit", [ep.csp_names[i] for i in out.index])
    return out.reset_index(drop=True)


def year_measures(
    frame: pd.DataFrame, model: CSPModel, year: int, since: tuple[int, ...] = ()
) -> pd.DataFrame:
    """Per-replicate measures of ``year`` by group: replicate, authority_type, measure, value.

    For each earlier year Y in ``since``, ``team_smaller_pct__Y`` is the % of CSPs (of those
    that existed in Y) whose team is smaller than in Y by more than
    ``survey_team_smaller_margin``, as the survey's "team smaller than" question reads it.
    """
    state = csp_year_state(frame, year).merge(structure(model, year), on="unit", how="left")
    smaller = []
    for y in (y for y in since if y < year and f"team_ratio__{y}" in state):
        ratio = state[["replicate", "authority_type", f"team_ratio__{y}"]].dropna()
        ratio = ratio.assign(value=100.0 * (ratio[f"team_ratio__{y}"]
                                            < 1 - model.P.survey_team_smaller_margin))  # fmt: skip
        for keys, tag in ((["replicate", "authority_type"], None), (["replicate"], "all")):
            g = ratio.groupby(keys, as_index=False)["value"].mean()
            g = g.assign(authority_type=tag) if tag else g
            smaller.append(g.assign(measure=f"team_smaller_pct__{y}"))
    state["team_fte_per_100k"] = state["team_fte"] / state["population"] * 1e5
    cols = ["share_met", "team_fte", "team_fte_per_100k", "analyst_share", "population"]
    cols += [f"csps_per_{p}" for p in SERVED] + [f"eng_strategic__{p}" for p in PARTNER_TYPES]
    long = state.melt(["replicate", "authority_type"], cols, var_name="measure")
    by_type = long.groupby(["replicate", "authority_type", "measure"], as_index=False)["value"]
    every = long.groupby(["replicate", "measure"], as_index=False)["value"].mean()
    parts = [by_type.mean(), every.assign(authority_type="all")]
    # Equal weight per CSP in "all": the respondent mix is the simulated count of each type.
    mix = state["authority_type"].value_counts().to_dict()
    ans = expected_answers(state, model.P, mix=mix, keys=SURVEY_KEYS)
    ans = ans.rename(columns={"group": "authority_type"})
    t6 = ans[(ans["table"] == "T6") & ans["response"].isin(["always", "often"])]
    t6 = t6.groupby(["replicate", "authority_type"], as_index=False)["value"].sum()
    t19 = ans[(ans["table"] == "T19") & (ans["response"] == "very_involved")]
    # "Involved" = very or fairly involved (pattern P8: fewer than half of district CSPs said
    # probation and health were involved in 2016).
    inv = ans[(ans["table"] == "T19") & ans["response"].isin(["very_involved", "fairly_involved"])]
    inv = inv.groupby(["replicate", "authority_type", "item"], as_index=False)["value"].sum()
    parts += [
        t6.assign(measure="capacity_limited_pct"),
        t19.assign(measure="very_involved_pct__" + t19["item"])[[*t6.columns, "measure"]],
        inv.assign(measure="involved_pct__" + inv["item"])[[*t6.columns, "measure"]],
    ]
    parts += [g[["replicate", "authority_type", "value", "measure"]] for g in smaller]
    return pd.concat(parts, ignore_index=True).dropna(subset=["value"])


def summarise(per_rep: pd.DataFrame) -> pd.DataFrame:
    """Mean and min-max across replicates: year, authority_type, measure, value, lo, hi."""
    g = per_rep.groupby(["year", "authority_type", "measure"])["value"]
    out = g.agg(value="mean", lo="min", hi="max").reset_index()
    rank = out["authority_type"].map({t: i for i, t in enumerate(GROUPS)})
    out = out.assign(_rank=rank).sort_values(["year", "_rank", "measure"], ignore_index=True)
    return out.drop(columns="_rank")


Lookup = Callable[..., float]


def lookup(tidy: pd.DataFrame) -> Lookup:
    """``get(year, group, measure, col="value")`` over a tidy table (NaN where absent)."""
    table = tidy.set_index(["year", "authority_type", "measure"])[["value", "lo", "hi"]]
    cells = table.to_dict("index")

    def get(year: int, group: str, measure: str, col: str = "value") -> float:
        return float(cells.get((year, group, measure), {}).get(col, np.nan))

    return get


def _md_row(get: Lookup, year: int, group: str, prev: int | None = None) -> str:
    def v(m: str, c: str = "value") -> float:
        return get(year, group, m, c)

    cells = [group.replace("_", " "), str(year)]
    cells.append(f"{v('share_met'):.0%} ({v('share_met', 'lo'):.0%}-{v('share_met', 'hi'):.0%})")
    cells.append(f"{v('capacity_limited_pct'):.0f}%")
    cells += [_fmt(v(f"eng_strategic__{p}"), ".2f") for p in MD_PARTNERS]
    cells.append(_fmt(v("team_fte"), ".1f"))
    smaller = np.nan if prev is None else v(f"team_smaller_pct__{prev}")
    cells.append("–" if np.isnan(smaller) else f"{smaller:.0f}% (vs {prev})")
    return "| " + " | ".join(cells) + " |"


def markdown(tidy: pd.DataFrame) -> str:
    """Compact table: a row per authority type and year."""
    head = ["Authority type", "Year", "Share met (min-max)", "% capacity hurt always/often"]
    head += [f"Strategic eng. {p.replace('_', ' ')}" for p in MD_PARTNERS] + ["Team FTE"]
    head += ["% teams smaller (vs the earlier year)"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    get = lookup(tidy)
    years = sorted(tidy["year"].unique())
    for group in GROUPS:
        for k, year in enumerate(years):
            if not np.isnan(get(year, group, "share_met")):
                lines.append(_md_row(get, year, group, years[k - 1] if k else None))
    return "\n".join(lines) + "\n"


def _fmt(x: float, spec: str) -> str:
    return "–" if np.isnan(x) else format(x, spec)


def _than(a: float, b: float, tol: float) -> str:
    return "about the same as" if abs(a - b) <= tol else ("above" if a > b else "below")


def why(tidy: pd.DataFrame) -> list[str]:
    """Sentences explaining district vs unitary differences, from the numbers."""
    years = sorted(tidy["year"].unique())
    get, y0, dis, uni = lookup(tidy), years[0], "district_borough", "unitary"

    def d(m: str, t: str, y: int = y0) -> float:
        return get(y, t, m)

    if np.isnan(d("share_met", dis)) or np.isnan(d("share_met", uni)):
        return []
    eng = {t: np.nanmean([d(f"eng_strategic__{p}", t) for p in SERVED]) for t in (dis, uni)}
    gap = 100 * (eng[uni] - eng[dis])
    served = ", ".join(
        f"its {p} body {d(f'csps_per_{p}', dis):.1f} vs {d(f'csps_per_{p}', uni):.1f}"
        for p in SERVED
    )
    out = [
        f"In {y0} districts met {d('share_met', dis):.0%} of demand vs "
        f"{d('share_met', uni):.0%} in unitaries; lack of capacity hurt delivery always or often "
        f"in {d('capacity_limited_pct', dis):.0f}% of districts vs "
        f"{d('capacity_limited_pct', uni):.0f}% of unitaries.",
        f"Strategic engagement of police, health and probation (mean) is {eng[dis]:.2f} in "
        f"districts vs {eng[uni]:.2f} in unitaries ({abs(gap):.0f} points "
        f"{'lower' if gap > 0 else 'higher'} on a 0-100 scale). Two-tier dilution: the same "
        f"body serves more district CSPs - per CSP, {served} CSPs served "
        f"(districts vs unitaries).",
        f"District teams are smaller: {d('team_fte', dis):.1f} FTE vs {d('team_fte', uni):.1f} "
        f"({d('team_fte_per_100k', dis):.1f} vs {d('team_fte_per_100k', uni):.1f} per 100k "
        f"residents; CSPs of {d('population', dis) / 1e3:.0f}k vs "
        f"{d('population', uni) / 1e3:.0f}k residents), but the county council (strategic "
        f"engagement {d('eng_strategic__county_council', dis):.2f}) takes the council's share of "
        f"county-led duties; district share met is "
        f"{_than(d('share_met', dis), d('share_met', uni), 0.03)} unitaries'.",
    ]
    for t in (dis, uni):
        path = " -> ".join(f"{d('share_met', t, y):.0%} ({y})" for y in years)
        cap = " -> ".join(f"{d('capacity_limited_pct', t, y):.0f}%" for y in years)
        eng_path = " -> ".join(
            f"{np.nanmean([d(f'eng_strategic__{p}', t, y) for p in SERVED]):.2f}" for y in years
        )
        out.append(
            f"{t.replace('_', ' ').capitalize()} CSPs over time: share met {path}; "
            f"capacity-limited always/often {cap}; police/health/probation engagement {eng_path}."
        )
    return out


def plot(tidy: pd.DataFrame, path: Path, title: str) -> None:
    """2x2 figure: share met and % capacity-limited by type; engagement by partner."""
    fig, axes = plt.subplots(2, 2, figsize=(11, 7.5))
    for ax, measure, scale, label in (
        (axes[0, 0], "share_met", 100, "share of demand met (%)"),
        (axes[0, 1], "capacity_limited_pct", 1, "% lack of capacity hurt delivery always/often"),
    ):
        for group in GROUPS:
            s = tidy[(tidy["authority_type"] == group) & (tidy["measure"] == measure)]
            err = np.vstack([s["value"] - s["lo"], s["hi"] - s["value"]]) * scale
            style = {"color": "black", "ls": "--"} if group == "all" else {"color": _COLOURS[group]}
            if not s.empty:
                ax.errorbar(s["year"], s["value"] * scale, yerr=err, marker="o", capsize=3,
                            label=group.replace("_", " "), **style)  # fmt: skip
        ax.set(title=label, ylim=(0, 100))
    axes[0, 0].legend(fontsize=8)
    cmap = plt.get_cmap("tab10")
    for ax, group in zip(axes[1], ("district_borough", "unitary"), strict=True):
        for k, p in enumerate(PARTNER_TYPES):
            s = tidy[(tidy["authority_type"] == group) & (tidy["measure"] == f"eng_strategic__{p}")]
            if not s.empty:
                ax.plot(s["year"], s["value"], marker="o", color=cmap(k), label=PARTNER_NAMES[p])
        ax.set(title=f"strategic engagement: {group.replace('_', ' ')}", ylabel="0-1", ylim=(0, 1))
    for ax in axes[1]:  # one legend, on the first panel with lines
        if ax.get_legend_handles_labels()[0]:
            ax.legend(fontsize=8)
            break
    for ax in axes.ravel():
        ax.set_xticks(sorted(tidy["year"].unique()))
        ax.grid(alpha=0.3)
    fig.suptitle(f"{title}: historical replay by authority type (mean, min-max of replicates)")
    _save(fig, path)


def main(argv: list[str] | None = None) -> int:
    """Run the replay and write replay.csv, replay.md and the figure; return the exit status."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scenario", default=str(REPO_DIR / "configs" / "baseline.toml"))
    ap.add_argument("--replicates", type=int, default=4)
    ap.add_argument("--years", type=int, nargs="+", default=[2009, 2016, 2024])
    ap.add_argument("--out", default=str(REPO_DIR / "results" / "validation_replay"))
    ap.add_argument("--workers", type=int, help="local processes (default: one per core)")
    ap.add_argument("--image", default=str(REPO_DIR / "docs" / "img" / "validation_replay.png"))
    args = ap.parse_args(argv)
    scenario = load_scenario(args.scenario)
    base = Path(args.scenario).parent
    model = check_buildable(scenario, base)
    seeds = replicate_seeds(scenario.run.seed, args.replicates)
    jobs = [Job(scenario, i, s, base) for i, s in enumerate(seeds)]
    t0 = time.perf_counter()
    tqdm.monitor_interval = 0  # no monitor thread: the pool forks
    with tqdm(total=len(jobs), desc=f"{scenario.name}: replicates", unit="run") as bar:
        frames = run_jobs(jobs, args.workers or default_workers(len(jobs)), bar.update)
    frame = pd.concat(frames, ignore_index=True)
    per_rep = pd.concat(
        [year_measures(frame, model, y, tuple(args.years)).assign(year=y) for y in args.years],
        ignore_index=True,
    )
    tidy = summarise(per_rep)[["year", "authority_type", "measure", "value", "lo", "hi"]]
    out = Path(args.out)
    table = markdown(tidy)
    write_csv(tidy, out / "replay.csv")
    atomic_write(out / "replay.md", lambda p: p.write_text(table, encoding="utf-8"))
    plot(tidy, Path(args.image), scenario.name)
    print(table)
    for sentence in why(tidy):
        print(sentence)
    print(f"\n{len(jobs)} replicates in {time.perf_counter() - t0:.0f} s; wrote {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
