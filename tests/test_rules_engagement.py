"""Commitment and engagement maths (``submodels.commitments``, ``submodels.adaptation``).

Hand cases and invariants.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from cspsim.model.submodels import adaptation as eng
from cspsim.model.submodels import commitments

SHARE = st.floats(0.0, 1.0)


def test_logit_sigmoid_hand_values():
    """logit(0.5) = 0, logit(0.75) = ln 3, sigmoid(0) = 0.5 and sigmoid(ln 3) = 0.75."""
    assert eng.logit(0.5) == pytest.approx(0.0)
    assert eng.logit(0.75) == pytest.approx(math.log(3))
    assert eng.sigmoid(np.array(0.0)) == pytest.approx(0.5)
    assert eng.sigmoid(np.array(math.log(3))) == pytest.approx(0.75)


def test_logit_is_finite_at_the_ends():
    """0 and 1 are clipped, so logit stays finite."""
    assert np.all(np.isfinite(eng.logit(np.array([0.0, 1.0]))))


@given(st.floats(1e-4, 1 - 1e-4))
def test_sigmoid_inverts_logit(p):
    """sigmoid(logit(p)) == p inside (0, 1)."""
    assert eng.sigmoid(eng.logit(p)) == pytest.approx(p, rel=1e-9, abs=1e-12)


def test_willingness_hand_case():
    """willingness = clip(1 - sensitivity * pressure): 1.5 * (0, 0.2, 0.8) -> 1, 0.7, 0."""
    out = commitments.willingness(np.array([0.0, 0.2, 0.8]), 1.5)
    np.testing.assert_allclose(out, [1.0, 0.7, 0.0])


def test_desired_commitment_hand_case():
    """need * max(engagement, floor * bound_share) * will.

    10 * max(0.2, 0.3 * 1) * 1 = 3 (the statutory floor binds); 10 * max(0.6, 0.15) * 0.5 = 3.
    """
    out = commitments.desired_commitment(
        np.array([10.0, 10.0]),
        np.array([0.2, 0.6]),
        np.array([1.0, 0.5]),
        0.3,
        np.array([1.0, 0.5]),
    )
    np.testing.assert_allclose(out, [3.0, 3.0])


def test_ration_hand_case():
    """Agency 0 wants 2 + 3 = 5 of 10 (unchanged); agency 1 wants 5 + 1 = 6 of 3 (halved)."""
    out = commitments.ration(
        np.array([2.0, 3.0, 5.0, 1.0]), np.array([0, 0, 1, 1]), np.array([10.0, 3.0])
    )
    np.testing.assert_allclose(out, [2.0, 3.0, 2.5, 0.5])


@given(st.integers(1, 5), st.data())
def test_ration_invariants(n_agencies, data):
    """Per agency the total is min(wanted, available); no link gets more than it wanted."""
    agency = np.array(
        list(range(n_agencies)) + data.draw(st.lists(st.integers(0, n_agencies - 1), max_size=12))
    )
    desired = data.draw(
        hnp.arrays(float, len(agency), elements=st.one_of(st.just(0.0), st.floats(1e-6, 50.0)))
    )
    available = data.draw(
        hnp.arrays(float, n_agencies, elements=st.one_of(st.just(0.0), st.floats(1e-6, 100.0)))
    )
    out = commitments.ration(desired, agency, available)
    assert np.all(out >= 0)
    assert np.all(out <= desired + 1e-12)
    total = np.bincount(agency, weights=out, minlength=n_agencies)
    wanted = np.bincount(agency, weights=desired, minlength=n_agencies)
    assert np.all(total <= available + 1e-9)
    np.testing.assert_allclose(total, np.minimum(wanted, available), rtol=1e-9, atol=1e-9)


def test_engagement_target_at_reference_is_base():
    """With every deviation at 0 the target equals the base engagement (logit 0.85 -> 0.85)."""
    z = np.zeros(3)
    out = eng.engagement_target(eng.logit(np.full(3, 0.85)), z, z, z, z, (2.0, 2.0, 1.0, 0.6))
    np.testing.assert_allclose(out, 0.85)


def test_engagement_target_hand_case():
    """sigmoid(0 + 2 * 0.1 - 2 * 0.2 + 1 * 0.5 - 0.6 * 1) = sigmoid(-0.3) = 1 / (1 + e^0.3)."""
    one = np.ones(1)
    out = eng.engagement_target(
        np.zeros(1), 0.1 * one, 0.2 * one, 0.5 * one, one, (2.0, 2.0, 1.0, 0.6)
    )
    assert out[0] == pytest.approx(1 / (1 + math.exp(0.3)))


@given(st.floats(-2, 2), st.floats(0.0, 1.0), st.floats(0.0, 1.0), st.floats(0.01, 3.0))
def test_engagement_target_directions(base, pressure, bound, delta):
    """More reciprocity or statutory binding raises the target; pressure or dilution lowers it."""
    w = (2.0, 2.0, 1.0, 0.6)
    b, p, s = np.array([base]), np.array([pressure]), np.array([bound])
    z = np.zeros(1)
    ref = eng.engagement_target(b, z, p, s, z, w)[0]
    assert eng.engagement_target(b, z + delta, p, s, z, w)[0] > ref
    assert eng.engagement_target(b, z, p + delta, s, z, w)[0] < ref
    assert eng.engagement_target(b, z, p, s + delta, z, w)[0] > ref
    assert eng.engagement_target(b, z, p, s, z + delta, w)[0] < ref


def test_adapt_hand_case():
    """0.5 + 0.25 * (0.9 - 0.5) = 0.6; 0.95 + 0.25 * 0.05 + 0.2 noise = 1.1625 -> clipped to 1."""
    out = eng.adapt(np.array([0.5, 0.95]), np.array([0.9, 1.0]), 0.25, np.array([0.0, 0.2]))
    np.testing.assert_allclose(out, [0.6, 1.0])


@given(
    hnp.arrays(float, 10, elements=SHARE),
    hnp.arrays(float, 10, elements=SHARE),
    st.floats(0.0, 1.0),
    hnp.arrays(float, 10, elements=st.floats(-1.0, 1.0)),
)
def test_adapt_stays_in_unit_interval(e, target, rate, noise):
    """Engagement stays in [0, 1] whatever the target, rate and noise."""
    out = eng.adapt(e, target, rate, noise)
    assert np.all((out >= 0) & (out <= 1))


@given(hnp.arrays(float, 10, elements=SHARE), hnp.arrays(float, 10, elements=SHARE), SHARE)
def test_adapt_without_noise_moves_towards_target(e, target, rate):
    """Without noise engagement ends between where it was and its target."""
    out = eng.adapt(e, target, rate, np.zeros(10))
    lo, hi = np.minimum(e, target), np.maximum(e, target)
    assert np.all((out >= lo - 1e-12) & (out <= hi + 1e-12))
