"""Delivery maths (``cspsim.model.submodels.delivery``): hand cases and invariants."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from cspsim.model.submodels import delivery

FTE = st.floats(0.0, 500.0, allow_subnormal=False)


def test_efficiency_hand_case():
    """efficiency = base (1 + g_c c)(1 + g_a a)(1 - p_m m)(1 - turnover).

    CSP 0 (coordinator, analyst): 0.75 * 1.15 * 1.10 = 0.94875.
    CSP 1 (member chair, 10% turnover): 0.75 * 0.95 * 0.90 = 0.64125.
    """
    out = delivery.efficiency(
        0.75,
        np.array([True, False]),
        np.array([True, False]),
        np.array([False, True]),
        np.array([0.0, 0.1]),
        (0.15, 0.10, 0.05),
    )
    np.testing.assert_allclose(out, [0.94875, 0.64125])


@given(st.floats(0.5, 1.0), st.floats(0.0, 0.4), st.floats(0.0, 0.3), st.floats(0.0, 0.15))
def test_efficiency_posts_help_and_member_chair_hurts(base, g_c, g_a, p_m):
    """A coordinator or analyst never lowers efficiency; an elected-member chair never raises it."""
    f, t = np.array([False]), np.array([True])
    zero = np.zeros(1)
    gains = (g_c, g_a, p_m)
    none = delivery.efficiency(base, f, f, f, zero, gains)[0]
    assert delivery.efficiency(base, t, f, f, zero, gains)[0] >= none
    assert delivery.efficiency(base, f, t, f, zero, gains)[0] >= none
    assert delivery.efficiency(base, f, f, t, zero, gains)[0] <= none
    assert none == base


def test_locality_factor_hand_case():
    """High-volume duties lose penalty * (1 - 1/n); low-volume ones lose nothing.

    n = 1 -> 1; n = 4, penalty 0.2 -> 1 - 0.2 * 0.75 = 0.85; low volume -> 1.
    """
    out = delivery.locality_factor(np.array([1, 4, 4]), np.array([False, False, True]), 0.2)
    np.testing.assert_allclose(out, [1.0, 0.85, 1.0])


@given(st.integers(1, 50), st.floats(0.0, 0.4))
def test_locality_factor_falls_with_footprint(n, penalty):
    """The factor stays in [1 - penalty, 1] and does not rise as the footprint grows."""
    low = np.array([False])
    here = delivery.locality_factor(np.array([n]), low, penalty)[0]
    bigger = delivery.locality_factor(np.array([n + 1]), low, penalty)[0]
    assert 1.0 - penalty - 1e-12 <= bigger <= here <= 1.0


def test_deliver_hand_case():
    """Delivery = min(demand, capacity - fixed cost), fixed cost only where there is demand.

    (10, 12, 1) -> min(10, 11) = 10; (10, 6, 1) -> 5; (0, 3, 1) -> 0; (5, 0.5, 1) -> 0.
    """
    out = delivery.deliver(
        np.array([10.0, 10.0, 0.0, 5.0]), np.array([12.0, 6.0, 3.0, 0.5]), np.ones(4)
    )
    np.testing.assert_allclose(out, [10.0, 5.0, 0.0, 0.0])


@given(
    hnp.arrays(float, 10, elements=FTE),
    hnp.arrays(float, 10, elements=FTE),
    hnp.arrays(float, 10, elements=st.floats(0.0, 5.0)),
)
def test_deliver_between_zero_and_demand(demand, capacity, fixed):
    """0 <= delivered <= demand whatever the capacity and fixed cost."""
    out = delivery.deliver(demand, capacity, fixed)
    assert np.all(out >= 0)
    assert np.all(out <= demand)


@given(hnp.arrays(float, 6, elements=FTE), st.floats(0.0, 100.0), st.floats(0.0, 5.0))
def test_deliver_non_decreasing_in_capacity(demand, extra, fixed):
    """More capacity never delivers less."""
    cap = demand * 0.5
    f = np.full(6, fixed)
    assert np.all(delivery.deliver(demand, cap + extra, f) >= delivery.deliver(demand, cap, f))


def test_allocate_flexible_hand_case():
    """Flexible capacity follows the gaps.

    Row 0: 6 fte over gaps 1:2:3 -> 1, 2, 3. Row 1: no gap -> nothing. Row 2: 3 fte over
    gaps 2:0:2 -> 1.5, 0, 1.5.
    """
    gap = np.array([[1.0, 2.0, 3.0], [0.0, 0.0, 0.0], [2.0, 0.0, 2.0]])
    out = delivery.allocate_flexible(np.array([6.0, 4.0, 3.0]), gap)
    np.testing.assert_allclose(out, [[1.0, 2.0, 3.0], [0.0, 0.0, 0.0], [1.5, 0.0, 1.5]])


@given(st.integers(1, 8), st.integers(1, 12), st.data())
def test_allocate_flexible_rows_sum_to_capacity(n, d, data):
    """Each row with a gap sums to its capacity; allocations are >= 0 and 0 where no gap."""
    capacity = data.draw(hnp.arrays(float, n, elements=FTE))
    gap = data.draw(
        hnp.arrays(float, (n, d), elements=st.one_of(st.just(0.0), st.floats(1e-6, 100.0)))
    )
    out = delivery.allocate_flexible(capacity, gap)
    assert out.shape == (n, d)
    assert np.all(out >= 0)
    has_gap = gap.sum(axis=1) > 0
    np.testing.assert_allclose(out.sum(axis=1)[has_gap], capacity[has_gap], rtol=1e-9, atol=1e-9)
    assert np.all(out[gap == 0] == 0)
