"""Validation: the synthetic survey against published survey tables.

A target block is one (question, group, item) of a targets file, e.g.
partner_involvement_strategic / all / police with its five responses: rows find the model's
question by their ``question`` and ``item`` columns, so the table numbers are the targets
file's own (a later survey's, or a table broken down by authority type). Its ``table`` label
groups the blocks for the per-table fit. Each block the model answers gets a total
variation distance (TVD) between the observed and simulated answer shares; ``dont_know`` and
``not_applicable`` answers, which simulated respondents never give, are listed as
unsupported and the observed shares of the block are rescaled over the substantive answers.
Means and medians (team size) get a relative error instead. Blocks whose figure is a model
input (T4, T5) are reported as ``input`` checks, apart from the model's fit.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import numpy as np
import pandas as pd

from cspsim.analysis.survey import csp_year_state, expected_answers, sample_surveys
from cspsim.inputs.params import Params
from cspsim.inputs.questions import (
    NON_SUBSTANTIVE,
    T1_RESPONDENTS,
    Question,
    find_question,
    why_unsupported,
)
from cspsim.inputs.scenario import Scenario
from cspsim.inputs.targets import respondent_mix
from cspsim.studies.runner import Job, replicate_seeds, run_jobs

COLUMNS = [
    "table", "question", "group", "item", "response", "observed_pct", "simulated_pct",
    "simulated_lo", "simulated_hi", "status", "role", "kind", "note",
]  # fmt: skip
KEY = ["question", "group", "item", "response"]
VALUE_KINDS = ("mean", "median")


@dataclass
class Block:
    """One (question, group, item) of the targets that the model answers.

    Attributes:
        table: The targets file's table label of the block (its first row's).
    """

    question: Question
    group: str
    table: str = ""
    rows: list[int] = field(default_factory=list)  # target row positions
    responses: list[str] = field(default_factory=list)
    observed: list[float] = field(default_factory=list)

    @property
    def key(self) -> tuple[str, str, str]:
        return self.question.question, self.group, self.question.item

    @property
    def complete(self) -> bool:
        """Whether the block lists every answer category of its question."""
        return set(self.question.responses) <= set(self.responses)


def _row_status(row: pd.Series) -> tuple[Question | None, str]:
    """The question a target row belongs to, or None and why it is unsupported."""
    q = find_question(row["question"], row["item"])
    if q is None:
        return None, why_unsupported(row["table"], row["item"])
    resp = row["response"]
    if resp in NON_SUBSTANTIVE:
        return None, "simulated respondents always answer; observed shares rescaled without it"
    expected = {
        "categories": q.responses, "share": ("count",), "mean": ("value",), "median": ("value",)
    }[q.kind]  # fmt: skip
    if resp not in expected:
        return None, (
            f"unknown response for {q.question} {q.item} (expected {', '.join(expected)})"
        )
    if row["group"] != "all" and row["group"] not in q.asked:
        return None, f"the question was not asked of {row['group']} CSPs"
    return q, ""


def target_blocks(targets: pd.DataFrame) -> tuple[list[Block], list[str]]:
    """Group the answerable target rows into blocks.

    Returns:
        (blocks, reason per row): the reason is "" for rows in a block.
    """
    blocks: dict[tuple[str, str, str], Block] = {}
    reasons: list[str] = []
    for pos, (_, row) in enumerate(targets.iterrows()):
        q, why = _row_status(row)
        reasons.append(why)
        if q is None:
            continue
        b = blocks.setdefault(
            (q.question, row["group"], q.item), Block(q, row["group"], str(row["table"]))
        )
        b.rows.append(pos)
        b.responses.append(row["response"])
        b.observed.append(row["n"] if q.kind in VALUE_KINDS else row["pct"])
    return list(blocks.values()), reasons


def block_distance(b: Block, simulated: dict[str, float]) -> float:
    """TVD (categories, shares) or relative error (means) of one block.

    Args:
        b: The block.
        simulated: Simulated value by response (percent; a mean for ``mean`` blocks).
    """
    obs = np.asarray(b.observed, dtype=float)
    sim = np.array([simulated[r] for r in b.responses], dtype=float)
    if b.question.kind in VALUE_KINDS:
        return float(abs(sim[0] - obs[0]) / abs(obs[0])) if obs[0] else float("nan")
    if b.question.kind == "share":
        return float(abs(sim[0] - obs[0]) / 100.0)
    if b.complete and obs.sum() > 0:
        p_obs, p_sim = obs / obs.sum(), sim / 100.0
        return 0.5 * float(np.abs(p_obs - p_sim).sum())
    # Some categories not listed: compare the listed ones plus "the rest" as one category.
    p_obs, p_sim = obs / 100.0, sim / 100.0
    rest = abs((1 - p_obs.sum()) - (1 - p_sim.sum()))
    return 0.5 * float(np.abs(p_obs - p_sim).sum() + rest)


def expected_by_key(expected: pd.DataFrame) -> dict[tuple[str, str, str], dict[str, float]]:
    """Mean over replicates of :func:`cspsim.analysis.survey.expected_answers`, by block key."""
    mean = expected.groupby(KEY, sort=False)["value"].mean()
    out: dict[tuple[str, str, str], dict[str, float]] = {}
    for key, v in mean.items():
        question, group, item, resp = cast(tuple[str, str, str, str], key)
        out.setdefault((question, group, item), {})[resp] = float(v)
    return out


def distances(blocks: list[Block], expected: pd.DataFrame) -> dict[tuple[str, str, str], float]:
    """Distance of every block that has a simulated answer."""
    sim = expected_by_key(expected)
    return {b.key: block_distance(b, sim[b.key]) for b in blocks if b.key in sim}


def objective(
    blocks: list[Block],
    dist: dict[tuple[str, str, str], float],
    tables: Collection[str] | None = None,
) -> float:
    """Mean over tables of the mean TVD of their model blocks (each pattern weighs the same).

    Args:
        tables: Tables to include (default every table with a model block).
    """
    per: dict[str, list[float]] = {}
    for b in blocks:
        if b.question.role != "model" or b.key not in dist:
            continue
        if tables is None or b.table in tables:
            per.setdefault(b.table, []).append(dist[b.key])
    if not per:
        return float("nan")
    return float(np.mean([np.mean(v) for v in per.values()]))


def validation_table(
    targets: pd.DataFrame, expected: pd.DataFrame, sampled: pd.DataFrame
) -> pd.DataFrame:
    """One row per target answer: observed and simulated percentages, status and why.

    ``simulated_pct`` is the expected survey result (mean over replicates);
    ``simulated_lo``/``simulated_hi`` are the 2.5 and 97.5 percentiles of simulated surveys
    of the same size as the real one (replicates and respondent samples pooled). For
    ``kind = mean`` rows the columns hold the mean itself (e.g. FTE), not a percentage.
    """
    reasons = target_blocks(targets)[1]
    sim = expected_by_key(expected)
    q = sampled.groupby(KEY, sort=False)["value"]
    lo, hi = q.quantile(0.025).to_dict(), q.quantile(0.975).to_dict()
    rows = []
    for pos, (_, t) in enumerate(targets.iterrows()):
        qn = find_question(t["question"], t["item"])
        kind = qn.kind if qn else ""
        obs = t["n"] if kind in VALUE_KINDS else t["pct"]
        row = {c: t[c] for c in ("table", "question", "group", "item", "response")}
        row |= {"observed_pct": obs, "kind": kind, "role": qn.role if qn else ""}
        key = (t["question"], t["group"], t["item"])
        note = reasons[pos]
        if not note and key not in sim:
            note = "no simulated CSP answers this (not asked of the simulated areas, or absent)"
        if note:
            row |= {"status": "unsupported", "note": note}
        else:
            k4 = (*key, t["response"])
            row |= {
                "status": "compared",
                "simulated_pct": sim[key].get(t["response"], np.nan),
                "simulated_lo": lo.get(k4, np.nan),
                "simulated_hi": hi.get(k4, np.nan),
                "note": "",
            }
        rows.append(row)
    return pd.DataFrame(rows).reindex(columns=COLUMNS)


def fit_summary(
    targets: pd.DataFrame, expected: pd.DataFrame, meta: dict[str, Any]
) -> dict[str, Any]:
    """Distances per block, mean TVD over model blocks, per table, the input checks, and
    the relative errors of the values the model answers (team size in a later year)."""
    blocks, reasons = target_blocks(targets)
    dist = distances(blocks, expected)
    items: list[dict[str, Any]] = []
    inputs: list[dict[str, Any]] = []
    values: list[dict[str, Any]] = []
    for b in blocks:
        if b.key not in dist:
            continue
        _, group, item = b.key
        entry = {"table": b.table, "group": group, "item": item}
        if b.question.kind in VALUE_KINDS:
            errors = inputs if b.question.role == "input" else values
            errors.append(entry | {"relative_error": round(dist[b.key], 4)})
        elif b.question.role == "input":
            inputs.append(entry | {"tvd": round(dist[b.key], 4)})
        else:
            items.append(entry | {"tvd": round(dist[b.key], 4)})
    by_table: dict[str, list[float]] = {}
    for e in items:
        by_table.setdefault(e["table"], []).append(e["tvd"])
    compared = len(targets) - sum(1 for r in reasons if r)
    return {
        **meta,
        "mean_tvd": round(float(np.mean([e["tvd"] for e in items])), 4) if items else None,
        "mean_tvd_of_table_means": round(objective(blocks, dist), 4) if items else None,
        "tables": {
            t: {"mean_tvd": round(float(np.mean(v)), 4), "blocks": len(v)}
            for t, v in sorted(by_table.items(), key=lambda kv: _table_order(kv[0]))
        },
        "items": items,
        "input_checks": inputs,
        "value_errors": values,
        "rows": {"targets": len(targets), "in_compared_blocks": compared},
    }


def _table_order(table: str) -> tuple[int, str]:
    digits = "".join(ch for ch in table if ch.isdigit())
    return (int(digits) if digits else 10**6, table)


def survey_year_scenario(scenario: Scenario, year: int) -> Scenario:
    """``scenario`` cut to end on 31 December of ``year`` (later quarters cannot change it).

    Raises:
        ValueError: if ``year`` lies outside the scenario's time.
    """
    start, end = scenario.time.start, scenario.time.end
    if not start.year <= year <= end.year:
        raise ValueError(f"year {year} is outside the scenario's time ({start} to {end})")
    new_end = min(end, dt.date(year, 12, 31))
    return scenario.model_copy(update={"time": scenario.time.model_copy(update={"end": new_end})})


def simulate_state(
    scenario: Scenario,
    year: int,
    replicates: int,
    workers: int = 1,
    base_dir: Path | None = None,
    progress: Callable[[int], object] | None = None,
    scheduler: str | None = None,
) -> pd.DataFrame:
    """Run replicates (common seeds from the scenario's root seed) up to the end of ``year``
    and return each simulated CSP's state in that year
    (:func:`cspsim.analysis.survey.csp_year_state`); on a Dask cluster given ``scheduler``."""
    short = survey_year_scenario(scenario, year)
    seeds = replicate_seeds(scenario.run.seed, replicates)
    jobs = [Job(short, i, s, base_dir) for i, s in enumerate(seeds)]
    frames = run_jobs(jobs, workers=workers, progress=progress, scheduler=scheduler)
    return csp_year_state(pd.concat(frames, ignore_index=True), year)


def validate_state(
    state: pd.DataFrame,
    P: Params,
    targets: pd.DataFrame,
    seed: int,
    draws: int = 400,
    meta: dict[str, Any] | None = None,
) -> tuple[pd.DataFrame, dict]:
    """Compare a simulated year with targets.

    Args:
        state: CSP-year state of one or more replicates.
        P: Parameters (registry names as attributes).
        targets: Output of :func:`cspsim.inputs.targets.load_targets`.
        seed: Seed of the respondent samples.
        draws: Simulated surveys in all (spread over the replicates).
        meta: Extra entries for ``fit.json`` (scenario, year ...).

    Returns:
        (validation table, fit summary).
    """
    mix = respondent_mix(targets) or T1_RESPONDENTS
    keys = list({b.question.key: b.question for b in target_blocks(targets)[0]}.values())
    expected = expected_answers(state, P, mix, keys)
    per_rep = max(1, -(-draws // state["replicate"].nunique()))
    rng = np.random.default_rng(np.random.SeedSequence([seed, 5]))
    sampled = sample_surveys(state, P, rng, per_rep, {t: int(n) for t, n in mix.items()}, keys)
    table = validation_table(targets, expected, sampled)
    fit = fit_summary(targets, expected, (meta or {}) | {"respondents": mix})
    return table, fit
