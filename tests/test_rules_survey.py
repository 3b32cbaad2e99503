"""Survey readout (``cspsim.rules.survey``): category boundaries and monotonicity."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from cspsim.registry import registry
from cspsim.rules import survey

INVOLVEMENT_T = (0.25, 0.5, 0.75)
IMPACT_T = (0.01, 0.05, 0.2, 0.35)


def test_involvement_boundaries():
    """Each threshold is the lowest value of its category ('at or above')."""
    e = np.array([0.0, 0.2499, 0.25, 0.5, 0.74, 0.75, 1.0])
    out = survey.involvement(e, INVOLVEMENT_T)
    np.testing.assert_array_equal(out, [0, 0, 1, 2, 2, 3, 3])
    assert survey.INVOLVEMENT[out[-1]] == "very_involved"
    assert survey.INVOLVEMENT[out[0]] == "not_at_all_involved"


def test_capacity_impact_boundaries():
    """Unmet 0 -> never; 0.01 -> seldom; 0.05 -> sometimes; 0.2 -> often; 0.35+ -> always."""
    u = np.array([0.0, 0.01, 0.049, 0.05, 0.2, 0.35, 1.0])
    out = survey.capacity_impact(u, IMPACT_T)
    np.testing.assert_array_equal(out, [0, 1, 1, 2, 3, 4, 4])
    assert [survey.CAPACITY_IMPACT[i] for i in out[[0, 1, 3, 4, 5]]] == [
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
    out = survey.involvement(e[order], thresholds)
    assert np.all(np.diff(out) >= 0)
    assert np.all((out >= 0) & (out < len(survey.INVOLVEMENT)))


@given(hnp.arrays(float, 20, elements=st.floats(0.0, 1.0)), increasing(4))
def test_capacity_impact_monotone(u, thresholds):
    """More unmet demand never reads out as capacity hurting delivery less often."""
    order = np.argsort(u)
    out = survey.capacity_impact(u[order], thresholds)
    assert np.all(np.diff(out) >= 0)
    assert np.all((out >= 0) & (out < len(survey.CAPACITY_IMPACT)))
