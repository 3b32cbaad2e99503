"""Survey readout (``cspsim.model.submodels.survey``): category boundaries and monotonicity."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from cspsim.inputs.questions import CAPACITY_IMPACT, INVOLVEMENT
from cspsim.inputs.registry import registry
from cspsim.model.submodels import survey

INVOLVEMENT_T = (0.25, 0.5, 0.75)
IMPACT_T = (0.01, 0.05, 0.2, 0.35)


def test_involvement_boundaries():
    """Each threshold is the lowest value of its category ('at or above')."""
    e = np.array([0.0, 0.2499, 0.25, 0.5, 0.74, 0.75, 1.0])
    out = survey.category(e, INVOLVEMENT_T)
    np.testing.assert_array_equal(out, [0, 0, 1, 2, 2, 3, 3])
    assert INVOLVEMENT[out[-1]] == "very_involved"
    assert INVOLVEMENT[out[0]] == "not_at_all_involved"


def test_capacity_impact_boundaries():
    """Unmet 0 -> never; 0.01 -> seldom; 0.05 -> sometimes; 0.2 -> often; 0.35+ -> always."""
    u = np.array([0.0, 0.01, 0.049, 0.05, 0.2, 0.35, 1.0])
    out = survey.category(u, IMPACT_T)
    np.testing.assert_array_equal(out, [0, 1, 1, 2, 3, 4, 4])
    assert [CAPACITY_IMPACT[i] for i in out[[0, 1, 3, 4, 5]]] == [
        "never",
        "seldom",
        "sometimes",
        "often",
        "always",
    ]


def test_registry_thresholds_are_ordered():
    """The shipped survey thresholds are increasing, so the categories are well defined."""
    r = registry()
    inv = [r[f"survey_{k}_threshold"].default for k in ("not_very", "fairly", "very")]
    imp = [r[f"survey_{k}_unmet"].default for k in ("seldom", "sometimes", "often", "always")]
    assert inv == sorted(inv) and len(set(inv)) == 3
    assert imp == sorted(imp) and len(set(imp)) == 4


@st.composite
def increasing(draw, k):
    """k strictly increasing thresholds in (0, 1)."""
    vals = draw(st.lists(st.floats(0.001, 0.999), min_size=k, max_size=k, unique=True))
    return tuple(sorted(vals))


@given(hnp.arrays(float, 20, elements=st.floats(0.0, 1.0)), increasing(3))
def test_involvement_monotone(e, thresholds):
    """Higher engagement never reads out as a lower involvement category."""
    order = np.argsort(e)
    out = survey.category(e[order], thresholds)
    assert np.all(np.diff(out) >= 0)
    assert np.all((out >= 0) & (out < len(INVOLVEMENT)))


@given(hnp.arrays(float, 20, elements=st.floats(0.0, 1.0)), increasing(4))
def test_capacity_impact_monotone(u, thresholds):
    """More unmet demand never reads out as capacity hurting delivery less often."""
    order = np.argsort(u)
    out = survey.category(u[order], thresholds)
    assert np.all(np.diff(out) >= 0)
    assert np.all((out >= 0) & (out < len(CAPACITY_IMPACT)))


@given(
    hnp.arrays(float, 30, elements=st.floats(-0.5, 1.5)),
    increasing(3),
    st.floats(0.0, 0.3),
)
def test_answer_probabilities_are_distributions(x, thresholds, sd):
    """Every row is a distribution over the categories, whatever the reading error."""
    p = survey.answer_probabilities(x, thresholds, sd)
    assert p.shape == (30, 4)
    assert (p >= -1e-12).all()
    np.testing.assert_allclose(p.sum(axis=1), 1.0, atol=1e-9)


@given(increasing(3), st.floats(0.01, 0.3))
def test_answer_probabilities_shift_up_with_the_latent(thresholds, sd):
    """A higher latent value makes every 'at least category k' answer more likely."""
    x = np.linspace(0.0, 1.0, 21)
    at_least = np.cumsum(survey.answer_probabilities(x, thresholds, sd)[:, ::-1], axis=1)
    assert (np.diff(at_least, axis=0) >= -1e-12).all()


def test_answer_probabilities_without_error_are_the_step_function():
    """sd = 0 gives one-hot rows at the categories of :func:`survey.category`; NaN stays NaN."""
    x = np.array([0.1, 0.3, 0.6, 0.9, np.nan])
    p = survey.answer_probabilities(x, INVOLVEMENT_T, 0.0)
    np.testing.assert_array_equal(p[:4].argmax(axis=1), [0, 1, 2, 3])
    np.testing.assert_array_equal(p[:4].sum(axis=1), 1.0)
    assert np.isnan(p[4]).all()


def test_answer_probabilities_hand_computed():
    """Latent at a threshold with sd > 0: half above, half below that threshold."""
    p = survey.answer_probabilities(np.array([0.5]), INVOLVEMENT_T, 0.05)[0]
    assert abs(p[2] + p[3] - 0.5) < 1e-9  # P(>= fairly) = Phi(0) = 0.5
    assert p[0] < 1e-6 and p[3] < 1e-6  # 5 sd from the outer thresholds


def test_thresholds_out_of_order_squeeze_a_category():
    """Thresholds out of order act as their running maximum: the middle category vanishes."""
    p = survey.answer_probabilities(np.array([0.2, 0.45, 0.7]), (0.3, 0.6, 0.5), 0.0)
    assert (p[:, 2] == 0).all()


def test_total_variation():
    """TVD of (0.5, 0.5, 0) and (1, 0, 0) is 0.5; of a distribution with itself 0."""
    assert survey.total_variation([0.5, 0.5, 0.0], [1.0, 0.0, 0.0]) == 0.5
    assert survey.total_variation([0.2, 0.8], [0.2, 0.8]) == 0.0
