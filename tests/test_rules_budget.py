"""Budget, grant and staffing (``cspsim.model.submodels.budgets``): hand cases, money invariants."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from cspsim.model.submodels import budgets as budget

MONEY = st.floats(0.0, 1e9, allow_subnormal=False)
WEIGHT = st.one_of(st.just(0.0), st.floats(1e-6, 1e6))  # no subnormal weights
POSITIVE = st.floats(1e-3, 1e6, allow_nan=False, allow_infinity=False)


@st.composite
def groups(draw, weight=WEIGHT, min_groups=1):
    """(amount per group, weight per member, group of member): every group has a member."""
    n_groups = draw(st.integers(min_groups, 6))
    extra = draw(st.lists(st.integers(0, n_groups - 1), max_size=15))
    group = np.array(list(range(n_groups)) + extra, dtype=np.int64)
    group = group[draw(st.permutations(range(len(group))))]
    w = draw(hnp.arrays(float, len(group), elements=weight))
    amount = draw(hnp.arrays(float, n_groups, elements=MONEY))
    return amount, w, group


# ---------------------------------------------------------------- share_by_weight
def test_share_by_weight_hand_case():
    """Each group's money is split in proportion to its members' weights.

    Group 0 (GBP 100): weights 1 and 3 -> 100 * 1/4 = 25 and 100 * 3/4 = 75.
    Group 1 (GBP 60): weights 2 and 0 -> 60 and 0.
    """
    out = budget.share_by_weight(
        np.array([100.0, 60.0]), np.array([1.0, 3.0, 2.0, 0.0]), np.array([0, 0, 1, 1])
    )
    np.testing.assert_allclose(out, [25.0, 75.0, 60.0, 0.0])


def test_share_by_weight_group_without_weight_gets_nothing():
    """A group whose members all weigh 0 passes nothing on (and never divides by zero)."""
    out = budget.share_by_weight(
        np.array([50.0, 10.0]), np.array([0.0, 0.0, 1.0]), np.array([0, 0, 1])
    )
    np.testing.assert_allclose(out, [0.0, 0.0, 10.0])
    assert np.all(np.isfinite(out))


@given(groups())
def test_share_by_weight_conserves_money_per_group(data):
    """Money per group is conserved (where the group has weight) and no member gets < 0."""
    amount, w, group = data
    out = budget.share_by_weight(amount, w, group)
    assert out.shape == w.shape
    assert np.all(out >= 0)
    per_group = np.bincount(group, weights=out, minlength=len(amount))
    has_weight = np.bincount(group, weights=w, minlength=len(amount)) > 0
    np.testing.assert_allclose(per_group[has_weight], amount[has_weight], rtol=1e-9, atol=1e-6)
    np.testing.assert_array_equal(per_group[~has_weight], 0.0)


# ---------------------------------------------------------------- divert
def test_divert_hand_case():
    """Diversion takes ``diversion * pressure`` of a non-ring-fenced grant.

    pressure 0.4, diversion 0.5 -> 20% lost: GBP 100 -> 80 kept + 20 diverted; 200 -> 160 + 40.
    """
    kept, lost = budget.divert(np.array([100.0, 200.0]), 0.4, 0.5, ring_fenced=False)
    np.testing.assert_allclose(kept, [80.0, 160.0])
    np.testing.assert_allclose(lost, [20.0, 40.0])


def test_divert_ring_fenced_keeps_everything():
    """A ring-fenced grant is never diverted, whatever the pressure."""
    kept, lost = budget.divert(np.array([100.0, 200.0]), 0.9, 1.0, ring_fenced=True)
    np.testing.assert_allclose(kept, [100.0, 200.0])
    np.testing.assert_array_equal(lost, [0.0, 0.0])


def test_divert_is_capped_at_the_whole_grant():
    """diversion 1 * pressure 3 would be 300%; at most the whole grant is diverted."""
    kept, lost = budget.divert(np.array([100.0]), 3.0, 1.0, ring_fenced=False)
    np.testing.assert_allclose(kept, [0.0])
    np.testing.assert_allclose(lost, [100.0])


@given(
    hnp.arrays(float, st.integers(1, 20), elements=MONEY),
    st.floats(-1.0, 5.0),
    st.floats(0.0, 1.0),
    st.booleans(),
)
def test_divert_conserves_money(amount, pressure, diversion, ring_fenced):
    """kept + diverted == amount, and both are non-negative."""
    kept, lost = budget.divert(amount, pressure, diversion, ring_fenced)
    np.testing.assert_allclose(kept + lost, amount, rtol=1e-12, atol=1e-6)
    assert np.all(kept >= 0)
    assert np.all(lost >= 0)


# ---------------------------------------------------------------- pcc_pass_on
FUND = np.array([1000.0, 400.0])
FORCE = np.array([0, 0, 1])
POP = np.array([100.0, 300.0, 50.0])


def test_pcc_pass_on_grant_hand_case():
    """Grant model: the PCC keeps 25%, the rest goes to CSPs by population within the force.

    Force 0: keeps 250, passes 750 split 100:300 -> 187.5 and 562.5. Force 1: keeps 100,
    passes 300 to its only area.
    """
    to_area, kept = budget.pcc_pass_on(FUND, FORCE, POP, "grant", 0.25, np.ones(3))
    np.testing.assert_allclose(to_area, [187.5, 562.5, 300.0])
    np.testing.assert_allclose(kept, [250.0, 100.0])


def test_pcc_pass_on_central_keeps_everything():
    """Central model: CSPs receive nothing, the PCC commissions the whole fund."""
    to_area, kept = budget.pcc_pass_on(FUND, FORCE, POP, "central", 0.25, np.ones(3))
    np.testing.assert_array_equal(to_area, [0.0, 0.0, 0.0])
    np.testing.assert_allclose(kept, FUND)


def test_pcc_pass_on_bids_hand_case():
    """Bids model: money follows population x bid strength.

    Force 0 passes 750 with weights 100*2 = 200 and 300*1 = 300 -> 300 and 450.
    """
    to_area, kept = budget.pcc_pass_on(FUND, FORCE, POP, "bids", 0.25, np.array([2.0, 1.0, 1.0]))
    np.testing.assert_allclose(to_area, [300.0, 450.0, 300.0])
    np.testing.assert_allclose(kept, [250.0, 100.0])


@given(
    groups(weight=POSITIVE),
    st.sampled_from(["grant", "central", "bids"]),
    st.floats(0.0, 1.0),
    st.data(),
)
def test_pcc_pass_on_conserves_each_force_fund(data, model, retained, draw):
    """For every funding model, what areas receive plus what the PCC keeps equals the fund."""
    fund, pop, force = data
    strength = draw.draw(hnp.arrays(float, len(pop), elements=st.floats(0.5, 3.0)))
    to_area, kept = budget.pcc_pass_on(fund, force, pop, model, retained, strength)
    assert np.all(to_area >= 0)
    assert np.all(kept >= 0)
    np.testing.assert_allclose(to_area.sum() + kept.sum(), fund.sum(), rtol=1e-9, atol=1e-3)
    per_force = np.bincount(force, weights=to_area, minlength=len(fund)) + kept
    np.testing.assert_allclose(per_force, fund, rtol=1e-9, atol=1e-3)


# ---------------------------------------------------------------- staffing
def test_staff_update_hand_case():
    """Hiring closes a quarter of the gap; cuts bite at once.

    fte 10, funded 20, rate 0.25 -> 10 + 0.25 * 10 = 12.5; funded 5 -> 5 at once;
    funded 10 -> unchanged.
    """
    out = budget.staff_update(np.array([10.0, 10.0, 10.0]), np.array([20.0, 5.0, 10.0]), 0.25)
    np.testing.assert_allclose(out, [12.5, 5.0, 10.0])


@given(
    hnp.arrays(float, 8, elements=st.floats(0.0, 200.0)),
    hnp.arrays(float, 8, elements=st.floats(0.0, 200.0)),
    st.floats(0.0, 1.0),
)
def test_staff_update_bounds(fte, funded, rate):
    """Staff never exceed what the budget pays for, never go negative, and only grow by hiring."""
    out = budget.staff_update(fte, funded, rate)
    assert np.all(out >= 0)
    assert np.all(out <= funded + 1e-12)
    grow = funded >= fte
    assert np.all(out[grow] >= fte[grow] - 1e-9)


def test_staff_update_rate_one_jumps_to_funded():
    """With rate 1 (the first step) the team is exactly what the budget pays for."""
    funded = np.array([3.0, 0.0, 40.0])
    np.testing.assert_allclose(budget.staff_update(np.array([10.0, 5.0, 1.0]), funded, 1.0), funded)


def test_turnover_loss_hand_case():
    """At a year start, loss = grant share x turnover x productivity loss.

    0.5 * 0.15 * 0.5 = 0.0375 and 1.0 * 0.15 * 0.5 = 0.075; no loss in other quarters.
    """
    share = np.array([0.5, 1.0])
    np.testing.assert_allclose(budget.turnover_loss(True, share, 0.15, 0.5), [0.0375, 0.075])
    np.testing.assert_array_equal(budget.turnover_loss(False, share, 0.15, 0.5), [0.0, 0.0])


@pytest.mark.parametrize("share", [0.0, 0.3, 1.0])
def test_turnover_loss_is_a_share(share):
    """The capacity lost to turnover is a share in [0, 1] even with extreme inputs."""
    out = budget.turnover_loss(True, np.array([share]), 1.0, 1.0)
    assert 0.0 <= out[0] <= 1.0
    assert out[0] == pytest.approx(share)
