"""The survey questions the model answers: the 2009 survey of community safety managers,
and the items a later survey asks (team size, a smaller team than in an earlier year,
confidence in delivering the plan).

A target row finds its question by its ``question`` and ``item`` columns
(:func:`find_question`), not by its table number, so a later survey with its own table
numbers, or a table broken down by authority type, validates as it is.

Each :class:`Question` says what was asked, of which authority types, the published answer
categories, the registry thresholds that cut a CSP's latent value into them, and which column
of a CSP's yearly state the latent value is read from. :mod:`cspsim.analysis.survey` answers
them from simulated CSPs (documented in docs/ODD.md 7.6); :mod:`cspsim.inputs.targets` uses
them to know which tables of a targets file the model answers.
"""

from __future__ import annotations

from dataclasses import dataclass

from cspsim.vocab import AUTHORITY_TYPES, PARTNER_TYPES, SPLIT_FROM

# Answer categories of the survey's ordered questions, in ascending order of the latent.
INVOLVEMENT = ("not_at_all_involved", "not_very_involved", "fairly_involved", "very_involved")
CAPACITY_IMPACT = ("never", "seldom", "sometimes", "often", "always")
CONFIDENCE = ("not_at_all_confident", "not_very_confident", "fairly_confident", "very_confident")
EVIDENCE = ("not_at_all", "small_extent", "some_extent", "large_extent")
CHALLENGE = ("not_at_all_challenging", "fairly_challenging", "very_challenging")
# ``Question.reads`` of the evidence question: a score of the analyst and partners'
# engagement (``cspsim.model.submodels.survey.evidence_score``), not a single column.
EVIDENCE_SCORE = "evidence_score"

# 2009 survey T1: respondents by authority type (142 of 345 CDRPs).
T1_RESPONDENTS: dict[str, float] = {
    "district_borough": 99,
    "unitary": 24,
    "london_borough": 15,
    "metropolitan": 4,
}
NON_SUBSTANTIVE = ("dont_know", "not_applicable")
DISTRICTS = ("district_borough",)


@dataclass(frozen=True)
class Question:
    """One survey item the model answers.

    Attributes:
        table: Survey table (``T19``).
        question: Question name as in the targets file.
        item: Item (a partner, ``capacity``, a crime type ...).
        kind: ``categories`` (ordered answers), ``share`` (yes share, response ``count``),
            ``mean`` or ``median`` (a mean or median value over CSPs, response ``value``).
        reads: Column of the CSP-year state (see :func:`cspsim.analysis.survey.csp_year_state`)
            each CSP's latent value is read from, or :data:`EVIDENCE_SCORE`; several columns
            joined by ``|`` read the first that is not missing (a duty and its successor).
        responses: Answer categories, in ascending order of the latent (``categories`` only).
        thresholds: Registry names of the K-1 thresholds, ascending (``categories`` only).
        asked: Authority types the question was asked of.
        role: ``model`` for an answer the model produces, ``input`` for a figure the model
            takes as an input (a check of the set-up, not a test of the model).
        unmet: The latent value is one minus the column (the unmet share of a share met).
        yes_below: For a ``share``: registry name of the threshold ``x``; a CSP answers yes
            when its latent value is below ``1 - x`` (empty: the latent is the yes share).
    """

    table: str
    question: str
    item: str
    kind: str
    reads: str
    responses: tuple[str, ...] = ()
    thresholds: tuple[str, ...] = ()
    asked: tuple[str, ...] = AUTHORITY_TYPES
    role: str = "model"
    unmet: bool = False
    yes_below: str = ""

    @property
    def key(self) -> tuple[str, str]:
        """(table, item): how a target row finds its question."""
        return self.table, self.item


_INVOLVEMENT_T = ("survey_not_very_threshold", "survey_fairly_threshold", "survey_very_threshold")


def _questions() -> list[Question]:
    out = []
    for table, question, kind in (
        ("T19", "partner_involvement_strategic", "strategic"),
        ("T24", "partner_involvement_operational", "operational"),
    ):
        # The survey asked about one probation partner: in 2014-21 its "probation" answer
        # reads the CRC's engagement (the local partner, ~70% of the caseload, FACTS §1);
        # the National Probation Service is not asked (docs/ODD.md 7.6).
        for p in (p for p in PARTNER_TYPES if p not in SPLIT_FROM):
            out.append(
                Question(
                    table, question, p, "categories", f"eng_{kind}__{p}",
                    INVOLVEMENT, _INVOLVEMENT_T,
                    # T19/T24 note: county council asked of district/borough CDRPs only.
                    asked=DISTRICTS if p == "county_council" else AUTHORITY_TYPES,
                )
            )  # fmt: skip
    out.append(
        Question(
            "T6", "lack_of_capacity_negative_impact", "capacity", "categories",
            "share_met", CAPACITY_IMPACT,
            ("survey_seldom_unmet", "survey_sometimes_unmet", "survey_often_unmet",
             "survey_always_unmet"), unmet=True,
        )
    )  # fmt: skip
    out.append(
        Question(
            "T9", "confidence_capacity_next_12_months", "capacity", "categories",
            "share_met", CONFIDENCE,
            ("survey_confidence_not_very", "survey_confidence_fairly", "survey_confidence_very"),
        )
    )  # fmt: skip
    out.append(
        Question(
            "T18", "strategic_decisions_based_on_evidence", "evidence", "categories",
            EVIDENCE_SCORE, EVIDENCE,
            ("survey_evidence_small", "survey_evidence_some", "survey_evidence_large"),
        )
    )  # fmt: skip
    for item, duty, asked in (
        ("anti_social_behaviour", "crime_disorder_asb", AUTHORITY_TYPES),
        ("domestic_violence", "domestic_abuse", AUTHORITY_TYPES),
        ("prolific_priority_offenders", "reducing_reoffending", AUTHORITY_TYPES),
        # T10: drug and alcohol asked of CDRPs other than districts.
        # Drugs and alcohol: the duty before the 2013 public health transfer, then its successor.
        (
            "drug_and_alcohol_not_districts",
            "drugs_alcohol|drugs_alcohol_public_health",
            AUTHORITY_TYPES[1:],
        ),
    ):
        out.append(
            Question(
                "T10", "how_challenging_to_deliver", item, "categories",
                "|".join(f"share_met__{d}" for d in duty.split("|")), CHALLENGE,
                ("survey_challenge_fairly_unmet", "survey_challenge_very_unmet"), asked=asked,
                unmet=True,
            )
        )  # fmt: skip
    out.append(
        Question(
            "T5", "dedicated_analyst_in_team", "teams_with_analyst", "share",
            "analyst_share", role="input",
        )
    )  # fmt: skip
    out.append(
        Question(
            "T4", "community_safety_team_size", "mean_staff", "mean", "team_fte",
            role="input",
        )
    )  # fmt: skip
    # Items of a later survey (any year; the table numbers are the later survey's own):
    # team size as the model has it then (an answer, no longer the 2009 input) ...
    for item, kind in (("mean_fte", "mean"), ("median_fte", "median")):
        out.append(Question("TEAM", "team_size_fte", item, kind, "team_fte"))
    # ... and confidence in delivering the partnership plan, read like T9 (capacity
    # confidence) from the share of demand met, with T9's thresholds.
    out.append(
        Question(
            "PLAN", "confidence_delivering_plan", "plan", "categories", "share_met",
            CONFIDENCE,
            ("survey_confidence_not_very", "survey_confidence_fairly", "survey_confidence_very"),
        )
    )  # fmt: skip
    return out


QUESTIONS: dict[tuple[str, str], Question] = {q.key: q for q in _questions()}
BY_QUESTION: dict[tuple[str, str], Question] = {(q.question, q.item): q for q in QUESTIONS.values()}

# "Is the team smaller than in <year>?": item = the earlier calendar year (e.g. 2010). A CSP
# answers yes when its team is more than survey_team_smaller_margin smaller than its own team
# that year (the CSP-year state's ``team_ratio__<year>``).
SMALLER_THAN = "team_smaller_than_year"


def smaller_than(year: int) -> Question:
    """The question whether the team is smaller than in calendar ``year``."""
    return Question(
        "SMALLER", SMALLER_THAN, str(year), "share", f"team_ratio__{year}",
        yes_below="survey_team_smaller_margin",
    )  # fmt: skip


def find_question(question: str, item: str) -> Question | None:
    """The question a target row asks, by its ``question`` and ``item`` columns."""
    if question == SMALLER_THAN:
        return smaller_than(int(item)) if item.isdigit() and len(item) == 4 else None
    return BY_QUESTION.get((question, item))


def is_answered(question: str) -> bool:
    """Whether the model answers some item of ``question`` (by its name)."""
    return question == SMALLER_THAN or any(q == question for q, _ in BY_QUESTION)


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
