"""Issue 12 validation tooling: targets matched by question (not table number), and the
synthetic survey's later items (team size, a smaller team, confidence in the plan)."""

from __future__ import annotations

import textwrap

import numpy as np
import pandas as pd
import pytest

from cspsim.analysis.survey import csp_year_state, expected_answers, weighted_median
from cspsim.inputs.questions import find_question, smaller_than
from cspsim.inputs.targets import load_targets
from cspsim.studies.validate import validate_state

HEADER = "table,question,group,item,response,n,pct,note\n"


def _targets(tmp_path, body: str, name: str = "t.csv"):
    path = tmp_path / name
    path.write_text(HEADER + textwrap.dedent(body).strip() + "\n")
    return load_targets(path)


def test_rows_find_their_question_by_name_not_table_number(tmp_path, params, hand_state):
    """The same answers under another survey's table numbers validate identically; a row
    whose question name the model does not know is unsupported even under a known table."""
    rows = """
        {t},partner_involvement_strategic,all,police,very_involved,60,60,
        {t},partner_involvement_strategic,all,police,fairly_involved,40,40,
        {t},partner_involvement_strategic,unitary,police,very_involved,60,60,
        {t},partner_involvement_strategic,unitary,police,fairly_involved,40,40,
    """
    state = hand_state(
        [{"unit": f"u{i}", "authority_type": "unitary", "eng_strategic__police": 0.9}
         for i in range(5)]
    )  # fmt: skip
    fits = []
    for label in ("T19", "Q7"):
        targets = _targets(tmp_path, rows.format(t=label), f"{label}.csv")
        table, fit = validate_state(state, params(), targets, seed=1, draws=10)
        assert (table["status"] == "compared").all()
        assert {e["table"] for e in fit["items"]} == {label}
        fits.append([(e["group"], e["item"], e["tvd"]) for e in fit["items"]])
    assert fits[0] == fits[1] == [("all", "police", 0.4), ("unitary", "police", 0.4)]
    other = _targets(tmp_path, "T19,something_else,all,police,very_involved,60,60,\n", "x.csv")
    table, _ = validate_state(state, params(), other, seed=1, draws=10)
    assert table["status"].tolist() == ["unsupported"]


def test_team_size_mean_and_median(params, hand_state):
    """Team size: the mean and the median FTE over the surveyed CSPs of a type."""
    state = hand_state(
        [{"unit": f"u{i}", "authority_type": "unitary", "team_fte": v}
         for i, v in enumerate((2.0, 4.0, 30.0))]
    )  # fmt: skip
    q_mean, q_median = (
        find_question("team_size_fte", "mean_fte"),
        find_question("team_size_fte", "median_fte"),
    )
    out = expected_answers(state, params(), keys=[q_mean, q_median])
    uni = out[out["group"] == "unitary"].set_index("item")["value"]
    assert uni["mean_fte"] == pytest.approx(12.0) and uni["median_fte"] == pytest.approx(4.0)
    assert weighted_median(np.array([1.0, 2.0, 3.0, 4.0]), np.ones(4)) == 2.0
    assert weighted_median(np.array([1.0, 9.0]), np.array([0.2, 0.8])) == 9.0


def _frame(teams_by_year: dict[int, list[float]]) -> pd.DataFrame:
    """A run frame of CSPs u0.. with the given team FTE in each year's four quarters."""
    rows = []
    for year, teams in teams_by_year.items():
        for month in (1, 4, 7, 10):
            for i, fte in enumerate(teams):
                rows.append(
                    {"replicate": 0, "level": "csp", "unit": f"u{i}", "authority_type": "unitary",
                     "date": f"{year}-{month:02d}-01", "team_fte": fte, "share_met": 0.5}
                )  # fmt: skip
    return pd.DataFrame(rows)


def test_team_smaller_than_an_earlier_year(params):
    """'Is the team smaller than in 2010?': yes where it lost more than the margin."""
    frame = _frame({2010: [10.0, 10.0, 10.0, 10.0], 2016: [5.0, 9.0, 9.8, 12.0]})
    state = csp_year_state(frame, 2016)
    assert state["team_ratio__2010"].tolist() == pytest.approx([0.5, 0.9, 0.98, 1.2])
    q = find_question("team_smaller_than_year", "2010")
    assert q == smaller_than(2010)
    out = expected_answers(state, params(survey_team_smaller_margin=0.05), keys=[q])
    share = out[(out["group"] == "unitary")]["value"].item()
    assert share == pytest.approx(50.0)  # 5 and 9 FTE teams; 9.8 is within the margin
    assert find_question("team_smaller_than_year", "last_year") is None


def test_confidence_in_delivering_the_plan_follows_share_met(params, hand_state):
    """Confidence in delivering the plan: higher where more of the demand is met."""
    q = find_question("confidence_delivering_plan", "plan")

    def very(share: float) -> float:
        state = hand_state(
            [{"unit": f"u{i}", "authority_type": "unitary", "share_met": share} for i in range(3)]
        )
        out = expected_answers(state, params(survey_response_sd=0.1), keys=[q])
        rows = out[(out["group"] == "unitary") & (out["response"] == "very_confident")]
        return float(rows["value"].item())

    assert very(0.95) > very(0.5)


def test_a_later_survey_validates_team_size_as_a_model_answer(tmp_path, params, hand_state):
    """Team size in a later survey is compared as the model's answer (its relative error
    listed with the values), not as a 2009 input check."""
    targets = _targets(
        tmp_path,
        """
        Q3,team_size_fte,unitary,median_fte,value,8,,
        Q3,team_size_fte,unitary,mean_fte,value,10,,
        """,
    )
    state = hand_state(
        [{"unit": f"u{i}", "authority_type": "unitary", "team_fte": v}
         for i, v in enumerate((8.0, 10.0, 12.0))]
    )  # fmt: skip
    table, fit = validate_state(state, params(), targets, seed=1, draws=10)
    assert (table["status"] == "compared").all()
    assert fit["input_checks"] == []
    assert fit["value_errors"] == [
        {"table": "Q3", "group": "unitary", "item": "median_fte", "relative_error": 0.25},
        {"table": "Q3", "group": "unitary", "item": "mean_fte", "relative_error": 0.0},
    ]
