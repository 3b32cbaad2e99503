"""The synthetic survey (``cspsim.analysis.survey``) on hand-built CSP states with known answers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cspsim.analysis.survey import (
    csp_year_state,
    expected_answers,
    respondent_weights,
    sample_surveys,
)
from cspsim.inputs.questions import QUESTIONS, T1_RESPONDENTS, why_unsupported
from cspsim.inputs.registry import defaults


def shares(frame: pd.DataFrame, table: str, group: str, item: str) -> dict[str, float]:
    sub = frame[(frame["table"] == table) & (frame["group"] == group) & (frame["item"] == item)]
    return dict(zip(sub["response"], sub["value"], strict=True))


def test_hand_built_state_gives_the_expected_categories(params, hand_state):
    """Each CSP's state maps to the category its thresholds say (defaults, exact reading)."""
    P = params()
    state = hand_state(
        [
            {"unit": "A", "authority_type": "unitary", "eng_strategic__police": 0.9,
             "share_met": 0.7, "analyst_share": 1.0},
            {"unit": "B", "authority_type": "unitary", "eng_strategic__police": 0.6,
             "share_met": 0.97, "eng_strategic__county_council": np.nan},
            {"unit": "C", "authority_type": "unitary", "eng_strategic__police": 0.3,
             "share_met": 0.5, "eng_strategic__county_council": np.nan},
            {"unit": "D", "authority_type": "unitary", "eng_strategic__police": 0.1,
             "share_met": 0.9, "eng_strategic__county_council": np.nan},
        ]
    )  # fmt: skip
    state.loc[0, "eng_strategic__county_council"] = np.nan
    ans = expected_answers(state, P)
    # Strategic involvement: 0.9 very, 0.6 fairly, 0.3 not very, 0.1 not at all (0.25/0.5/0.75).
    police = shares(ans, "T19", "unitary", "police")
    assert police == {r: 25.0 for r in police}
    # Capacity impact from unmet = 0.3, 0.03, 0.5, 0.1: often, seldom, always, sometimes.
    t6 = shares(ans, "T6", "unitary", "capacity")
    assert t6 == {"never": 0, "seldom": 25, "sometimes": 25, "often": 25, "always": 25}
    # Confidence from share met 0.7, 0.97, 0.5, 0.9 (thresholds 0.6 / 0.8 / 0.97).
    t9 = shares(ans, "T9", "unitary", "capacity")
    assert t9 == {"not_at_all_confident": 25, "not_very_confident": 25,
                  "fairly_confident": 25, "very_confident": 25}  # fmt: skip
    # Evidence: 0.5 * analyst + 0.5 * mean engagement; A = 0.5*1 + 0.5*mean(.9,.6,.6,.6,.6)
    # = 0.82 -> large; B, C, D without analyst: 0.5 * ~0.6 = ~0.3 -> some extent.
    t18 = shares(ans, "T18", "unitary", "evidence")
    assert t18["large_extent"] == 25 and t18["some_extent"] == 75
    # Analyst share and mean team size.
    assert shares(ans, "T5", "unitary", "teams_with_analyst") == {"count": 25.0}
    assert shares(ans, "T4", "unitary", "mean_staff") == {"value": 10.0}
    # The county council is asked of districts only: no unitary answer.
    assert shares(ans, "T19", "unitary", "county_council") == {}


def test_all_group_weights_types_by_the_survey_mix(params, hand_state):
    """'all' = T1 mix of the type figures, however many CSPs of each type were simulated."""
    P = params()
    rows = [{"unit": f"d{i}", "authority_type": "district_borough",
             "eng_strategic__police": 0.9} for i in range(10)]  # fmt: skip
    rows += [{"unit": "u", "authority_type": "unitary", "eng_strategic__police": 0.1}]
    ans = expected_answers(hand_state(rows), P)
    police = shares(ans, "T19", "all", "police")
    d, u = T1_RESPONDENTS["district_borough"], T1_RESPONDENTS["unitary"]
    assert police["very_involved"] == pytest.approx(100 * d / (d + u))
    assert police["not_at_all_involved"] == pytest.approx(100 * u / (d + u))


def test_respondent_weights_sum_to_one_over_answering_csps():
    types = np.array(["district_borough", "district_borough", "unitary", "metropolitan"])
    valid = np.array([True, False, True, True])
    w = respondent_weights(types, valid, T1_RESPONDENTS)
    assert w.sum() == pytest.approx(1.0)
    assert w[1] == 0.0
    assert w[0] / w[2] == pytest.approx(T1_RESPONDENTS["district_borough"] / 24)


def test_sampled_surveys_use_the_t1_numbers_and_agree_when_answers_are_certain(params, hand_state):
    """All CSPs of a type give the same answer: every simulated survey reports it exactly."""
    P = params()
    rows = [{"unit": f"d{i}", "authority_type": "district_borough",
             "eng_strategic__police": 0.9} for i in range(120)]  # fmt: skip
    rows += [{"unit": f"u{i}", "authority_type": "unitary",
              "eng_strategic__police": 0.3} for i in range(30)]  # fmt: skip
    rng = np.random.default_rng(3)
    s = sample_surveys(hand_state(rows), P, rng, draws=5, keys=[("T19", "police")])
    allp = s[(s["group"] == "all") & (s["response"] == "very_involved")]["value"]
    assert len(allp) == 5
    assert np.allclose(allp, 100 * 99 / (99 + 24))  # 99 districts and 24 unitaries asked


def test_sampled_surveys_scatter_around_the_expected_answer(params, hand_state):
    """With reading error, the mean of many simulated surveys is the expected answer."""
    P = params(survey_response_sd=0.1)
    rng = np.random.default_rng(7)
    eng = rng.uniform(0.2, 0.9, 200)
    rows = [{"unit": f"d{i}", "authority_type": "district_borough",
             "eng_strategic__police": e} for i, e in enumerate(eng)]  # fmt: skip
    state = hand_state(rows)
    keys = [("T19", "police")]
    exp = shares(expected_answers(state, P, keys=keys), "T19", "district_borough", "police")
    s = sample_surveys(state, P, rng, draws=400, keys=keys)
    s = s[s["group"] == "district_borough"].groupby("response")["value"].mean()
    for r, v in exp.items():
        assert s[r] == pytest.approx(v, abs=1.5)


def test_csp_year_state_averages_the_quarters_of_the_year(small_run):
    """The state of a CSP in 2010 is the mean of its four 2010 quarters."""
    from cspsim.analysis.outputs import run_frame

    frame = run_frame(small_run, "cleveland", 0)
    state = csp_year_state(frame, 2010)
    csp = frame[(frame["level"] == "csp") & (pd.to_datetime(frame["date"]).dt.year == 2010)]
    assert len(state) == csp["unit"].nunique() == 4
    hart = csp[csp["unit"] == "Hartlepool"]
    assert len(hart) == 4
    row = state[state["unit"] == "Hartlepool"].iloc[0]
    assert row["share_met"] == pytest.approx(hart["share_met"].mean())
    with pytest.raises(ValueError, match="1990"):
        csp_year_state(frame, 1990)


def test_every_question_names_registry_thresholds():
    names = set(defaults())
    for q in QUESTIONS.values():
        assert set(q.thresholds) <= names
        if q.kind == "categories":
            assert len(q.thresholds) == len(q.responses) - 1


def test_unsupported_reasons():
    assert "not a modelled partner" in why_unsupported("T19", "drug_alcohol_action_team")
    assert "wardens" in why_unsupported("T4", "teams_hosting_wardens")
    assert why_unsupported("T99", "x") == "not a question the model answers"


@settings(max_examples=25)
@given(
    eng=st.lists(st.floats(0.0, 1.0), min_size=3, max_size=12),
    met=st.floats(0.0, 1.0),
    sd=st.floats(0.0, 0.3),
)
def test_answer_shares_are_distributions(params, hand_state, eng, met, sd):
    """Whatever the state, every group's answers to a question sum to 100% and lie in [0, 100]."""
    types = ["district_borough", "unitary", "metropolitan", "london_borough"]
    rows = [{"unit": f"c{i}", "authority_type": types[i % 4], "eng_strategic__health": e,
             "share_met": met} for i, e in enumerate(eng)]  # fmt: skip
    ans = expected_answers(hand_state(rows), params(survey_response_sd=sd))
    cats = ans[~ans["table"].isin(["T4", "T5", "TEAM"])]  # not shares: team size, analysts
    assert cats["value"].between(-1e-9, 100 + 1e-9).all()
    sums = cats.groupby(["table", "group", "item"])["value"].sum()
    assert np.allclose(sums, 100.0)
