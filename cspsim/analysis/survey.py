"""The synthetic survey: simulated CSPs answer the 2009 survey of community safety managers.

Each question is answered from the state of a CSP averaged over a calendar year (the survey
asked about "the last year"). :data:`cspsim.inputs.questions.QUESTIONS` lists what the model
can answer, with the latent value each answer is read from and the registry thresholds that
cut it into the published categories (:mod:`cspsim.model.submodels.survey`, documented in
docs/ODD.md 7.6).

Respondents are weighted, or sampled, by the survey's authority-type mix (T1), so an
``all`` figure is comparable with the published one: of 142 respondents 99 were districts,
24 unitaries, 15 London boroughs and 4 metropolitan boroughs (2009 survey T1).
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Iterator, Mapping
from typing import Any

import numpy as np
import pandas as pd

from cspsim.analysis.outputs import ID_COLUMNS
from cspsim.inputs.params import Params
from cspsim.inputs.questions import EVIDENCE_SCORE, QUESTIONS, T1_RESPONDENTS, Question
from cspsim.model.submodels import survey as rules
from cspsim.vocab import AUTHORITY_TYPES, PARTNER_TYPES

# A question to answer: a Question, or its key in QUESTIONS ((table, item)).
QuestionKey = Question | tuple[str, str]


def _question(key: QuestionKey) -> Question:
    return key if isinstance(key, Question) else QUESTIONS[key]


def weighted_median(values: np.ndarray, weights: np.ndarray) -> float:
    """The median of ``values`` under non-negative ``weights`` (the lower middle value)."""
    keep = weights > 0
    v, w = values[keep], weights[keep]
    if v.size == 0:
        return float("nan")
    order = np.argsort(v, kind="stable")
    cum = np.cumsum(w[order])
    return float(v[order][np.searchsorted(cum, 0.5 * cum[-1])])


def _evidence(s: pd.DataFrame, P: Params) -> np.ndarray:
    eng = s[[f"eng_strategic__{p}" for p in PARTNER_TYPES]].to_numpy(dtype=float)
    present = ~np.isnan(eng)
    mean_eng = np.where(present, eng, 0.0).sum(1) / np.maximum(present.sum(1), 1)
    return rules.evidence_score(
        s["analyst_share"].to_numpy(), mean_eng, P.survey_evidence_analyst_weight
    )


def latent(state: pd.DataFrame, P: Params, q: Question) -> np.ndarray:
    """Each CSP's latent value for ``q``: the column it reads (one minus it for an unmet
    share; the first present of ``a|b`` columns), or the evidence score; for a yes/no share
    with a threshold, 1 where the CSP answers yes and 0 where no."""
    if q.reads == EVIDENCE_SCORE:
        return _evidence(state, P)
    x = np.full(len(state), np.nan)
    for column in q.reads.split("|"):
        if column in state:
            x = np.where(np.isnan(x), state[column].to_numpy(dtype=float), x)
    if q.yes_below:
        x = np.where(np.isnan(x), np.nan, (x < 1.0 - float(getattr(P, q.yes_below))) * 1.0)
    return 1.0 - x if q.unmet else x


def csp_year_state(frame: pd.DataFrame, year: int) -> pd.DataFrame:
    """Each simulated CSP's state averaged over the quarters of calendar ``year``.

    Args:
        frame: Output of :func:`cspsim.analysis.outputs.run_frame` (one or more replicates).

    Returns:
        One row per (replicate, unit): ``authority_type`` and the mean of every outcome, and
        for every earlier calendar year Y in ``frame`` ``team_ratio__Y``: the team (FTE) in
        ``year`` over the same CSP's team in Y (NaN where the CSP did not exist then).

    Raises:
        ValueError: if no simulated quarter falls in ``year``.
    """
    dates = pd.to_datetime(frame["date"])
    csp_rows = frame["level"] == "csp"
    csp = frame[csp_rows & (dates.dt.year == year)]
    if csp.empty:
        raise ValueError(f"no simulated quarter falls in {year}")
    cols = [c for c in csp.columns if c not in ID_COLUMNS]
    keys = ["replicate", "unit", "authority_type"]
    state = csp.groupby(keys, as_index=False, sort=True)[cols].mean()
    earlier = frame[csp_rows & (dates.dt.year < year)]
    if not earlier.empty and "team_fte" in frame:
        by_year = (
            earlier.assign(_year=dates[earlier.index].dt.year)
            .groupby(["replicate", "unit", "_year"])["team_fte"]
            .mean()
            .unstack("_year")
        )
        then = by_year.reindex(pd.MultiIndex.from_frame(state[["replicate", "unit"]]))
        now = state["team_fte"].to_numpy(dtype=float)
        for y in by_year.columns:
            past = then[y].to_numpy(dtype=float)
            ok = past > 0
            state[f"team_ratio__{y}"] = np.where(ok, now / np.where(ok, past, 1.0), np.nan)
    return state


def _params(P: Params, q: Question) -> tuple[list[float], float]:
    return [float(getattr(P, t)) for t in q.thresholds], float(P.survey_response_sd)


def answers(state: pd.DataFrame, P: Params, q: Question) -> np.ndarray:
    """Each CSP's answer to ``q``: probabilities (n, K) for categories, else values (n, 1).

    Rows are NaN where the question does not apply (a type it was not asked of, a partner
    or duty absent from the CSP).
    """
    x = latent(state, P, q)
    x = np.where(state["authority_type"].isin(q.asked).to_numpy(), x, np.nan)
    if q.kind == "categories":
        t, sd = _params(P, q)
        return rules.answer_probabilities(x, t, sd)
    return x[:, None]


def respondent_weights(
    types: np.ndarray, valid: np.ndarray, mix: Mapping[str, float]
) -> np.ndarray:
    """Weight of each CSP in an ``all`` figure: its type's share of respondents (``mix``),
    spread evenly over the CSPs of that type that answer; the weights sum to 1."""
    w = np.zeros(len(types))
    present = {t: (types == t) & valid for t in mix}
    total = sum(mix[t] for t, m in present.items() if m.any())
    for t, m in present.items():
        if m.any():
            w[m] = mix[t] / total / m.sum()
    return w


def _replicates(state: pd.DataFrame) -> Iterator[tuple[Hashable, pd.DataFrame, np.ndarray]]:
    """(replicate, its rows, their authority types) for each replicate of a state."""
    types = state["authority_type"].to_numpy()
    for rep, idx in state.groupby("replicate", sort=True).indices.items():
        yield rep, state.iloc[idx], types[idx]


def expected_answers(
    state: pd.DataFrame,
    P: Params,
    mix: Mapping[str, float] | None = None,
    keys: Iterable[QuestionKey] | None = None,
) -> pd.DataFrame:
    """What the survey would report on average, per replicate.

    Args:
        state: Output of :func:`csp_year_state`.
        P: Parameters (attributes named as in the registry).
        mix: Respondents by authority type (default T1) for the ``all`` group.
        keys: Questions, or their (table, item) keys, to answer (default all of
            :data:`~cspsim.inputs.questions.QUESTIONS`).

    Returns:
        Long frame: replicate, table, question, group, item, response, value. ``value`` is a
        percentage of respondents (``categories``: per response; ``share``: the yes share)
        or a mean or median (``mean``, ``median``).
    """
    mix = mix or T1_RESPONDENTS
    rows: list[tuple] = []
    for rep, sub, st in _replicates(state):
        for key in keys or QUESTIONS:
            q = _question(key)
            a = answers(sub, P, q)
            valid = ~np.isnan(a[:, 0])
            groups = [("all", respondent_weights(st, valid, mix))]
            for t in AUTHORITY_TYPES:
                m = (st == t) & valid
                if m.any():
                    groups.append((t, np.where(m, 1.0 / m.sum(), 0.0)))
            for group, w in groups:
                if w.sum() <= 0:
                    continue
                if q.kind == "median":
                    vals = np.array([weighted_median(a[valid, 0], w[valid])])
                else:
                    vals = np.where(valid[:, None], a, 0.0).T @ w
                rows += _answer_rows(rep, q, group, vals)
    return pd.DataFrame(
        rows, columns=["replicate", "table", "question", "group", "item", "response", "value"]
    )


def _answer_rows(rep: Hashable, q: Question, group: str, vals: np.ndarray) -> list[tuple]:
    head = (rep, q.table, q.question, group, q.item)
    if q.kind == "categories":
        return [(*head, r, 100.0 * v) for r, v in zip(q.responses, vals, strict=True)]
    if q.kind == "share":
        return [(*head, "count", 100.0 * float(vals[0]))]
    return [(*head, "value", float(vals[0]))]


def sample_surveys(
    state: pd.DataFrame,
    P: Params,
    rng: np.random.Generator,
    draws: int,
    mix: Mapping[str, float] | None = None,
    keys: Iterable[QuestionKey] | None = None,
) -> pd.DataFrame:
    """Simulated surveys: ``draws`` per replicate, each asking a sample of respondents.

    Respondents are drawn per authority type in the numbers of ``mix`` (default T1), without
    replacement where the type has enough CSPs; each answers from its own probabilities, so
    the spread of the results is what a survey of that size would show.

    Returns:
        Long frame: replicate, draw, table, question, group, item, response, value.
    """
    mix = mix or T1_RESPONDENTS
    rows: list[tuple] = []
    for rep, sub, st in _replicates(state):
        picks = _pick_respondents(st, mix, rng, draws)  # (draws, n_resp)
        resp_type = st[picks]
        questions = [_question(key) for key in keys or QUESTIONS]
        for q in questions:
            a = answers(sub, P, q)[picks]  # (draws, n_resp, K)
            valid = ~np.isnan(a[..., 0])
            if q.kind == "categories":
                u = rng.random(valid.shape)
                cat = (np.nan_to_num(a).cumsum(axis=2) < u[..., None]).sum(axis=2)
                cat = np.minimum(cat, a.shape[2] - 1)
                vals = (cat[..., None] == np.arange(a.shape[2])).astype(float)
            else:
                vals = a
            for group in ("all", *AUTHORITY_TYPES):
                m = valid if group == "all" else valid & (resp_type == group)
                n = m.sum(axis=1)
                if not n.any():
                    continue
                if q.kind == "median":  # rows without a respondent are skipped below
                    picked = np.where(m, vals[..., 0], np.inf)
                    share = np.sort(picked, axis=1)[np.arange(len(n)), np.maximum((n - 1) // 2, 0)][
                        :, None
                    ]
                else:
                    share = (np.where(m[..., None], vals, 0.0).sum(axis=1)) / np.maximum(n, 1)[
                        :, None
                    ]
                for d in np.flatnonzero(n):
                    rows += [(rep, d, *r[1:]) for r in _answer_rows(rep, q, group, share[d])]
    return pd.DataFrame(
        rows,
        columns=["replicate", "draw", "table", "question", "group", "item", "response", "value"],
    )


def _pick_respondents(
    types: np.ndarray, mix: Mapping[str, float], rng: np.random.Generator, draws: int
) -> np.ndarray:
    """Indices of sampled respondents, shape (draws, respondents)."""
    cols = []
    for t, n in mix.items():
        pool = np.flatnonzero(types == t)
        n = int(n)
        if pool.size == 0 or n <= 0:
            continue
        if pool.size >= n:
            keys = rng.random((draws, pool.size))
            cols.append(pool[np.argsort(keys, axis=1)[:, :n]])
        else:
            cols.append(pool[rng.integers(0, pool.size, (draws, n))])
    if not cols:
        raise ValueError("no simulated CSP of any surveyed authority type")
    return np.concatenate(cols, axis=1)


def survey_readout(frame: pd.DataFrame, year: int, params: Any) -> pd.DataFrame:
    """The synthetic survey's expected answers for calendar ``year``.

    Every question the model answers (T19, T24, T6, T9, T18, T10, and the T4/T5 inputs), by
    group (``all`` weighted by the 2009 respondent mix, T1, and each authority type); the
    percentages are means over the replicates in ``frame``.

    Args:
        frame: Output of :func:`cspsim.analysis.outputs.run_frame` (one or more replicates).
        year: Calendar year to read.
        params: Object with the registry's survey parameters as attributes.
    """
    expected = expected_answers(csp_year_state(frame, year), params)
    keys = ["table", "question", "group", "item", "response"]
    return expected.groupby(keys, sort=False, as_index=False).agg(pct=("value", "mean"))
