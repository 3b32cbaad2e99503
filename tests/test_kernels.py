"""The fused forms the array engine runs equal the reference rules they replace.

The reference rules are what the agent engine calls; tests/test_engines.py proves the two
engines equal on whole runs, and these property tests pin each fused form on its own over
arbitrary inputs (Hypothesis).
"""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from cspsim.model.submodels import adaptation, commitments, delivery

N, D = 5, 4
# Capacities and gaps in fte: 0, or at least 1e-9. council_fill divides a team's capacity by
# its total gap, so a total gap below about 1e-300 fte would overflow to inf (and inf x 0 is
# NaN): a domain the model never reaches (rounding leaves gaps of 1e-17 at the least).
nonneg = st.one_of(st.just(0.0), st.floats(1e-9, 50.0))
unit = st.floats(0.0, 1.0, allow_nan=False)
real = st.floats(-5.0, 5.0, allow_nan=False)


@given(
    arrays(float, N, elements=nonneg),
    arrays(float, (N, D), elements=nonneg),
    arrays(float, N, elements=st.floats(0.0, 2.0)),
    st.booleans(),
)
def test_council_fill_equals_allocate_then_cap(avail, gap, eff, per_duty):
    """council_fill = min(allocate_flexible(avail, gap) * eff, gap), eff by area or by duty."""
    eff_ad = eff[:, None] * np.linspace(0.5, 1.5, D)[None, :] if per_duty else eff
    expected = np.minimum(
        delivery.allocate_flexible(avail, gap) * (eff_ad if per_duty else eff_ad[:, None]), gap
    )
    np.testing.assert_allclose(
        delivery.council_fill(avail, gap, eff_ad), expected, rtol=1e-12, atol=1e-12
    )


@given(
    arrays(float, N, elements=nonneg),
    arrays(float, (N, D), elements=nonneg),
    arrays(float, N, elements=st.floats(0.0, 2.0)),
    arrays(int, N, elements=st.integers(0, 2)),
    st.booleans(),
)
def test_pooled_council_fill_equals_allocating_by_csp(avail, gap, eff, csp, per_duty):
    """Pooled council_fill = allocate each CSP's pooled capacity over its duties' gaps, share
    each duty's allocation over the CSP's areas by their gaps, then cap at the gap (the rule
    the agent engine's Partnership applies)."""
    csp = np.unique(csp, return_inverse=True)[1]
    n_csp = int(csp.max()) + 1
    eff_ad = eff[:, None] * np.linspace(0.5, 1.5, D)[None, :] if per_duty else eff[:, None]
    gap_c = np.zeros((n_csp, D))
    np.add.at(gap_c, csp, gap)
    alloc_c = delivery.allocate_flexible(np.bincount(csp, weights=avail, minlength=n_csp), gap_c)
    share = np.where(gap_c[csp] > 0, gap / np.where(gap_c[csp] > 0, gap_c[csp], 1), 0.0)
    expected = np.minimum(alloc_c[csp] * share * eff_ad, gap)
    got = delivery.council_fill(avail, gap, eff_ad if per_duty else eff, csp, n_csp)
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-12)


@given(
    arrays(float, 8, elements=st.floats(0.0, 20.0)),
    arrays(float, 8, elements=st.floats(0.0, 30.0)),
    arrays(float, 8, elements=st.floats(0.0, 3.0)),
)
def test_delivered_share_equals_deliver_over_demand(dem, cap, fixed):
    """delivered_share = deliver(dem, cap, fixed) / dem (0 where no demand)."""
    safe = np.where(dem > 0, dem, 1.0)
    got = delivery.delivered_share(dem, cap, np.where(dem > 0, fixed, 0.0), safe)
    expected = np.where(dem > 0, delivery.deliver(dem, cap, fixed) / safe, 0.0)
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-12)


@given(
    arrays(float, N, elements=real),
    arrays(float, N, elements=real),
    arrays(float, N, elements=unit),
    arrays(float, N, elements=unit),
    arrays(float, N, elements=st.floats(0.0, 3.0)),
    st.tuples(unit, unit, unit, unit),
)
def test_target_offset_equals_engagement_target(base, recip, pressure, bound, dil, w):
    """sigmoid(offset + w_r r - w_p p) = engagement_target(base, r, p, bound, dil, w)."""
    w_r, w_p, w_s, w_d = w
    offset = adaptation.target_logit_offset(base, bound, dil, w_s, w_d)
    fused = adaptation.sigmoid(offset + w_r * recip - w_p * pressure)
    reference = adaptation.engagement_target(base, recip, pressure, bound, dil, w)
    np.testing.assert_allclose(fused, reference, rtol=1e-12, atol=1e-12)


@given(
    arrays(float, N, elements=unit),
    arrays(float, N, elements=real),
    unit,
    arrays(float, N, elements=st.floats(-0.3, 0.3)),
    arrays(bool, N),
)
def test_adapt_engagement_equals_adapt_where_partner(e, logit_t, rate, noise, has):
    """adapt_engagement = adapt(e, sigmoid(logit), rate, noise) where a partner exists, else 0."""
    got = adaptation.adapt_engagement(e, logit_t, rate, noise, has.astype(float))
    expected = np.where(has, adaptation.adapt(e, adaptation.sigmoid(logit_t), rate, noise), 0.0)
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-12)


@given(st.integers(1, 5), st.data())
def test_ration_equals_scaling_where_short(n_agencies, data):
    """ration's capped quotient gives exactly the reference scaling: each link times
    available / wanted where its agency wants more than it has, else unchanged."""
    agency = np.array(
        list(range(n_agencies)) + data.draw(st.lists(st.integers(0, n_agencies - 1), max_size=12))
    )
    desired = data.draw(arrays(float, len(agency), elements=nonneg))
    available = data.draw(arrays(float, n_agencies, elements=nonneg))
    wanted = np.bincount(agency, weights=desired, minlength=n_agencies)
    scale = np.where(wanted > available, available / np.where(wanted > 0, wanted, 1.0), 1.0)
    np.testing.assert_array_equal(
        commitments.ration(desired, agency, available), desired * scale[agency]
    )
