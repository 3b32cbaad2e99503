"""The synthetic survey: simulated CSPs answer the 2009 survey of community safety managers.

Each question is answered from the state of a CSP averaged over a calendar year (the survey
asked about "the last year"). :data:`QUESTIONS` lists what the model can answer, with the
latent value each answer is read from and the registry thresholds that cut it into the
published categories (:mod:`cspsim.rules.survey`, documented in docs/ODD.md 7.6).

Respondents are weighted, or sampled, by the survey's authority-type mix (T1), so an
``all`` figure is comparable with the published one: of 142 respondents 99 were districts,
24 unitaries, 15 London boroughs and 4 metropolitan boroughs (2009 survey T1).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from cspsim.config import AUTHORITY_TYPES, PARTNER_TYPES
from cspsim.rules import survey as rules

# 2009 survey T1: respondents by authority type (142 of 345 CDRPs).
T1_RESPONDENTS = {"district_borough": 99, "unitary": 24, "london_borough": 15, "metropolitan": 4}
NON_SUBSTANTIVE = ("dont_know", "not_applicable")
DISTRICTS = ("district_borough",)

Latent = Callable[[pd.DataFrame, Any], np.ndarray]


@dataclass(frozen=True)
class Question:
    """One survey item the model answers.

    Attributes:
        table: Survey table (``T19``).
        question: Question name as in the targets file.
        item: Item (a partner, ``capacity``, a crime type ...).
        kind: ``categories`` (ordered answers), ``share`` (yes share, response ``count``) or
            ``mean`` (a mean value, response ``value``).
        latent: Function of the CSP-year state and the parameters giving each CSP's value.
        responses: Answer categories, in ascending order of the latent (``categories`` only).
        thresholds: Registry names of the K-1 thresholds, ascending (``categories`` only).
        asked: Authority types the question was asked of.
        role: ``model`` for an answer the model produces, ``input`` for a figure the model
            takes as an input (a check of the set-up, not a test of the model).
    """

    table: str
    question: str
    item: str
    kind: str
    latent: Latent
    responses: tuple[str, ...] = ()
    thresholds: tuple[str, ...] = ()
    asked: tuple[str, ...] = AUTHORITY_TYPES
    role: str = "model"

    @property
    def key(self) -> tuple[str, str]:
        """(table, item): how a target row finds its question."""
        return self.table, self.item


def _col(name: str) -> Latent:
    return lambda s, P: s[name].to_numpy(dtype=float)


def _unmet(name: str) -> Latent:
    return lambda s, P: 1.0 - s[name].to_numpy(dtype=float)


def _evidence(s: pd.DataFrame, P: Any) -> np.ndarray:
    eng = s[[f"eng_strategic__{p}" for p in PARTNER_TYPES]].to_numpy(dtype=float)
    present = ~np.isnan(eng)
    mean_eng = np.where(present, eng, 0.0).sum(1) / np.maximum(present.sum(1), 1)
    return rules.evidence_score(
        s["analyst_share"].to_numpy(), mean_eng, P.survey_evidence_analyst_weight
    )


_INVOLVEMENT_T = ("survey_not_very_threshold", "survey_fairly_threshold", "survey_very_threshold")


def _questions() -> list[Question]:
    out = []
    for table, question, kind in (
        ("T19", "partner_involvement_strategic", "strategic"),
        ("T24", "partner_involvement_operational", "operational"),
    ):
        for p in PARTNER_TYPES:
            out.append(
                Question(
                    table, question, p, "categories", _col(f"eng_{kind}__{p}"),
                    rules.INVOLVEMENT, _INVOLVEMENT_T,
                    # T19/T24 note: county council asked of district/borough CDRPs only.
                    asked=DISTRICTS if p == "county_council" else AUTHORITY_TYPES,
                )
            )  # fmt: skip
    out.append(
        Question(
            "T6", "lack_of_capacity_negative_impact", "capacity", "categories",
            _unmet("share_met"), rules.CAPACITY_IMPACT,
            ("survey_seldom_unmet", "survey_sometimes_unmet", "survey_often_unmet",
             "survey_always_unmet"),
        )
    )  # fmt: skip
    out.append(
        Question(
            "T9", "confidence_capacity_next_12_months", "capacity", "categories",
            _col("share_met"), rules.CONFIDENCE,
            ("survey_confidence_not_very", "survey_confidence_fairly", "survey_confidence_very"),
        )
    )  # fmt: skip
    out.append(
        Question(
            "T18", "strategic_decisions_based_on_evidence", "evidence", "categories",
            _evidence, rules.EVIDENCE,
            ("survey_evidence_small", "survey_evidence_some", "survey_evidence_large"),
        )
    )  # fmt: skip
    for item, duty, asked in (
        ("anti_social_behaviour", "crime_disorder_asb", AUTHORITY_TYPES),
        ("domestic_violence", "domestic_abuse", AUTHORITY_TYPES),
        ("prolific_priority_offenders", "reducing_reoffending", AUTHORITY_TYPES),
        # T10: drug and alcohol asked of CDRPs other than districts.
        ("drug_and_alcohol_not_districts", "drugs_alcohol", AUTHORITY_TYPES[1:]),
    ):
        out.append(
            Question(
                "T10", "how_challenging_to_deliver", item, "categories",
                _unmet(f"share_met__{duty}"), rules.CHALLENGE,
                ("survey_challenge_fairly_unmet", "survey_challenge_very_unmet"), asked=asked,
            )
        )  # fmt: skip
    out.append(
        Question(
            "T5", "dedicated_analyst_in_team", "teams_with_analyst", "share",
            _col("analyst_share"), role="input",
        )
    )  # fmt: skip
    out.append(
        Question(
            "T4", "community_safety_team_size", "mean_staff", "mean", _col("team_fte"),
            role="input",
        )
    )  # fmt: skip
    return out


QUESTIONS: dict[tuple[str, str], Question] = {q.key: q for q in _questions()}

# Why the model cannot answer some items of the 2009 tables (anything else unknown is
# reported as "not a question the model answers").
NOT_MODELLED = {
    ("T1", None): "the respondent mix is how the synthetic survey samples, not an answer",
    ("T2", None): "the regional mix is an input of the synthetic geography (tests check it)",
    ("T4", "mean_staff_excluding_wardens"): "wardens are not modelled",
    ("T4", "teams_hosting_wardens"): "wardens are not modelled",
    ("T10", "enviro_crime"): "environmental crime is not a modelled duty",
    ("T10", "cctv"): "CCTV is not a modelled duty",
    ("T12", None): "the chair is an input (p_chair_* from T12), not read back",
    ("T13", None): "chairs' ratings are not modelled",
    ("T14", None): "chairs' ratings are not modelled",
    ("T15", None): "chairs' ratings are not modelled",
    ("T16", None): "chairs' ratings are not modelled",
    ("T17", None): "chairs' ratings are not modelled",
    (None, "drug_alcohol_action_team"): "drug and alcohol action teams are not a modelled partner",
}


def why_unsupported(table: str, item: str) -> str:
    """The reason the model gives no answer to ``(table, item)``."""
    for key in ((table, item), (table, None), (None, item)):
        if key in NOT_MODELLED:
            return NOT_MODELLED[key]
    return "not a question the model answers"


def csp_year_state(frame: pd.DataFrame, year: int) -> pd.DataFrame:
    """Each simulated CSP's state averaged over the quarters of calendar ``year``.

    Args:
        frame: Output of :func:`cspsim.outputs.run_frame` (one or more replicates).

    Returns:
        One row per (replicate, unit): ``authority_type`` and the mean of every outcome.

    Raises:
        ValueError: if no simulated quarter falls in ``year``.
    """
    dates = pd.to_datetime(frame["date"])
    csp = frame[(frame["level"] == "csp") & (dates.dt.year == year)]
    if csp.empty:
        raise ValueError(f"no simulated quarter falls in {year}")
    from cspsim.outputs import ID_COLUMNS  # outputs imports this module lazily

    cols = [c for c in csp.columns if c not in ID_COLUMNS]
    return csp.groupby(["replicate", "unit", "authority_type"], as_index=False, sort=True)[
        cols
    ].mean()


def _params(P: Any, q: Question) -> tuple[list[float], float]:
    return [float(getattr(P, t)) for t in q.thresholds], float(P.survey_response_sd)


def answers(state: pd.DataFrame, P: Any, q: Question) -> np.ndarray:
    """Each CSP's answer to ``q``: probabilities (n, K) for categories, else values (n, 1).

    Rows are NaN where the question does not apply (a type it was not asked of, a partner
    or duty absent from the CSP).
    """
    x = q.latent(state, P)
    x = np.where(state["authority_type"].isin(q.asked).to_numpy(), x, np.nan)
    if q.kind == "categories":
        t, sd = _params(P, q)
        return rules.answer_probabilities(x, t, sd)
    return x[:, None]


def respondent_weights(types: np.ndarray, valid: np.ndarray, mix: dict[str, float]) -> np.ndarray:
    """Weight of each CSP in an ``all`` figure: its type's share of respondents (``mix``),
    spread evenly over the CSPs of that type that answer; the weights sum to 1."""
    w = np.zeros(len(types))
    present = {t: (types == t) & valid for t in mix}
    total = sum(mix[t] for t, m in present.items() if m.any())
    for t, m in present.items():
        if m.any():
            w[m] = mix[t] / total / m.sum()
    return w


def _replicates(state: pd.DataFrame):
    """(replicate, its rows, their authority types) for each replicate of a state."""
    types = state["authority_type"].to_numpy()
    for rep, idx in state.groupby("replicate", sort=True).indices.items():
        yield rep, state.iloc[idx], types[idx]


def expected_answers(
    state: pd.DataFrame, P: Any, mix: dict[str, float] | None = None, keys=None
) -> pd.DataFrame:
    """What the survey would report on average, per replicate.

    Args:
        state: Output of :func:`csp_year_state`.
        P: Parameters (attributes named as in the registry).
        mix: Respondents by authority type (default T1) for the ``all`` group.
        keys: (table, item) pairs to answer (default all of :data:`QUESTIONS`).

    Returns:
        Long frame: replicate, table, question, group, item, response, value. ``value`` is a
        percentage of respondents (``categories``: per response; ``share``: the yes share)
        or a mean (``mean``).
    """
    mix = mix or T1_RESPONDENTS
    rows: list[tuple] = []
    for rep, sub, st in _replicates(state):
        for key in keys or QUESTIONS:
            q = QUESTIONS[key]
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
                vals = np.where(valid[:, None], a, 0.0).T @ w
                rows += _answer_rows(rep, q, group, vals)
    return pd.DataFrame(
        rows, columns=["replicate", "table", "question", "group", "item", "response", "value"]
    )


def _answer_rows(rep: int, q: Question, group: str, vals: np.ndarray) -> list[tuple]:
    head = (rep, q.table, q.question, group, q.item)
    if q.kind == "categories":
        return [(*head, r, 100.0 * v) for r, v in zip(q.responses, vals, strict=True)]
    if q.kind == "share":
        return [(*head, "count", 100.0 * float(vals[0]))]
    return [(*head, "value", float(vals[0]))]


def sample_surveys(
    state: pd.DataFrame,
    P: Any,
    rng: np.random.Generator,
    draws: int,
    mix: dict[str, int] | None = None,
    keys=None,
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
        answered = {key: answers(sub, P, QUESTIONS[key]) for key in keys or QUESTIONS}
        for key, a in answered.items():
            q = QUESTIONS[key]
            a = a[picks]  # (draws, n_resp, K)
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
                share = (np.where(m[..., None], vals, 0.0).sum(axis=1)) / np.maximum(n, 1)[:, None]
                for d in np.flatnonzero(n):
                    rows += [(rep, d, *r[1:]) for r in _answer_rows(rep, q, group, share[d])]
    return pd.DataFrame(
        rows,
        columns=["replicate", "draw", "table", "question", "group", "item", "response", "value"],
    )


def _pick_respondents(
    types: np.ndarray, mix: dict[str, int], rng: np.random.Generator, draws: int
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
