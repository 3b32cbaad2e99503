"""Calendar maths (``cspsim.model.timeline``): quarters, financial years, indices and cuts."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from cspsim.model import timeline as tl

DATES = st.dates(dt.date(2000, 1, 1), dt.date(2035, 12, 31))


@pytest.mark.parametrize(
    ("d", "months", "expected"),
    [
        (dt.date(2009, 4, 1), 3, dt.date(2009, 7, 1)),
        (dt.date(2009, 11, 1), 3, dt.date(2010, 2, 1)),
        (dt.date(2009, 11, 30), 3, dt.date(2010, 2, 28)),  # day clipped to 28
        (dt.date(2010, 1, 15), -1, dt.date(2009, 12, 15)),
        (dt.date(2009, 4, 1), 24, dt.date(2011, 4, 1)),
    ],
)
def test_add_months(d, months, expected):
    """Whole months are added with the year rolling over and the day clipped to 28."""
    assert tl.add_months(d, months) == expected


def test_quarter_starts_hand_case():
    """A financial year from 1 April has four quarters: Apr, Jul, Oct, Jan."""
    q = tl.quarter_starts(dt.date(2009, 4, 1), dt.date(2010, 3, 31))
    assert q == [
        dt.date(2009, 4, 1),
        dt.date(2009, 7, 1),
        dt.date(2009, 10, 1),
        dt.date(2010, 1, 1),
    ]


def test_quarter_starts_baseline_period():
    """Apr 2009 to Dec 2024: 15 whole years (60 quarters) plus Apr, Jul, Oct 2024 = 63."""
    q = tl.quarter_starts(dt.date(2009, 4, 1), dt.date(2024, 12, 31))
    assert len(q) == 15 * 4 + 3
    assert q[-1] == dt.date(2024, 10, 1)


@pytest.mark.parametrize(
    ("d", "fy"),
    [
        (dt.date(2010, 3, 31), 2009),
        (dt.date(2010, 4, 1), 2010),
        (dt.date(2010, 12, 31), 2010),
        (dt.date(2011, 1, 1), 2010),
    ],
)
def test_financial_year(d, fy):
    """FY 2010 runs from 1 April 2010 to 31 March 2011."""
    assert tl.financial_year(d) == fy


@given(DATES, DATES)
def test_year_fraction_is_monotone(a, b):
    """Later dates have larger decimal years, and 1 January is a whole year."""
    if a < b:
        assert tl.year_fraction(a) < tl.year_fraction(b)
    assert tl.year_fraction(dt.date(a.year, 1, 1)) == a.year


def test_active_from_counts_the_quarter_an_event_falls_in():
    """An event on 13 Apr 2011 counts from the quarter starting 1 Apr 2011, not before."""
    q = [dt.date(2011, 1, 1), dt.date(2011, 4, 1), dt.date(2011, 7, 1)]
    np.testing.assert_array_equal(tl.active_from(q, dt.date(2011, 4, 13)), [False, True, True])
    # An event on a quarter's first day starts with that quarter.
    np.testing.assert_array_equal(tl.active_from(q, dt.date(2011, 4, 1)), [False, True, True])


def test_index_series_hand_case():
    """Linear between points, flat outside: 100 in 2010 -> 67.4 in 2016.

    2013 is half way: 1 - 0.326 * 3/6 = 0.837.
    """
    out = tl.index_series({2010: 100, 2016: 67.4}, [2009, 2010, 2013, 2016, 2020])
    np.testing.assert_allclose(out, [1.0, 1.0, 0.837, 0.674, 0.674])


def test_index_series_empty_is_ones():
    """No points means the initial level throughout."""
    np.testing.assert_array_equal(tl.index_series({}, [2009, 2010]), [1.0, 1.0])


@given(
    st.dictionaries(st.integers(2000, 2040), st.floats(0.0, 300.0), min_size=1, max_size=6),
    st.lists(st.integers(1995, 2045), min_size=1, max_size=30),
)
def test_index_series_interpolates(points, years):
    """Exact at the given years, between neighbours' values in between, flat outside."""
    out = tl.index_series(points, years)
    keys = sorted(points)
    vals = np.array([points[k] for k in keys]) / 100
    for y, v in zip(years, out, strict=True):
        if y in points:
            assert v == pytest.approx(points[y] / 100)
        elif y < keys[0]:
            assert v == pytest.approx(vals[0])
        elif y > keys[-1]:
            assert v == pytest.approx(vals[-1])
        else:
            i = np.searchsorted(keys, y)
            lo, hi = sorted((vals[i - 1], vals[i]))
            assert lo - 1e-12 <= v <= hi + 1e-12
            x0, x1 = keys[i - 1], keys[i]
            expected = vals[i - 1] + (vals[i] - vals[i - 1]) * (y - x0) / (x1 - x0)
            assert v == pytest.approx(expected)


FY2011 = tl.quarter_starts(dt.date(2011, 4, 1), dt.date(2013, 3, 31))


def test_cut_multiplier_immediate():
    """A 50% cut with no phasing from 1 Apr 2012 halves budgets from the Apr 2012 quarter on."""
    out = tl.cut_multiplier(FY2011, dt.date(2012, 4, 1), 50, 0)
    np.testing.assert_allclose(out, [1, 1, 1, 1, 0.5, 0.5, 0.5, 0.5])


def test_cut_multiplier_does_not_start_a_quarter_early():
    """The Jan-Mar 2012 quarter ends on 1 Apr 2012, so a cut from that date must not touch it.

    Regression: ``t > -0.25`` counted it, as Jan-Mar lasts 91 days < 0.25 years.
    """
    jan = [dt.date(2012, 1, 1)]
    assert tl.cut_multiplier(jan, dt.date(2012, 4, 1), 50, 0)[0] == 1.0
    assert tl.cut_multiplier(jan, dt.date(2012, 4, 1), 50, 1)[0] == 1.0


def test_cut_multiplier_phased_over_a_year():
    """Phased over one year: a quarter of the way after the first quarter, full after four.

    Apr 2012 quarter: 1 - 0.5 * 0.25 = 0.875 (t = 0); Jan 2013: 1 - 0.5 * 1 = 0.5.
    """
    out = tl.cut_multiplier(FY2011, dt.date(2012, 4, 1), 50, 1)
    assert out[4] == pytest.approx(0.875)
    assert out[5] == pytest.approx(0.75, abs=0.01)
    assert out[6] == pytest.approx(0.625, abs=0.01)
    assert out[7] == pytest.approx(0.5)


def test_cut_multiplier_negative_is_an_increase():
    """pct = -20 raises budgets by 20% once in force."""
    out = tl.cut_multiplier(FY2011, dt.date(2011, 4, 1), -20, 0)
    np.testing.assert_allclose(out, 1.2)


@given(DATES, st.floats(0.0, 100.0), st.one_of(st.just(0.0), st.floats(0.01, 10.0)))
def test_cut_multiplier_bounds_and_monotone(start, pct, years):
    """A cut of 0-100% keeps the multiplier in [0, 1] and never rises over time."""
    quarters = tl.quarter_starts(dt.date(2005, 4, 1), dt.date(2040, 12, 31))
    out = tl.cut_multiplier(quarters, start, pct, years)
    assert np.all((out >= 0) & (out <= 1))
    assert np.all(np.diff(out) <= 1e-12)
    active = tl.active_from(quarters, start)
    np.testing.assert_array_equal(out[~active], 1.0)
    if start < dt.date(2029, 1, 1):
        assert out[-1] == pytest.approx(1 - pct / 100)  # full size once phased in


def test_yearly_amounts_hand_case():
    """The latest given year at or before each year; 0 before the first."""
    out = tl.yearly_amounts({2009: 5.0, 2012: 1.0}, [2008, 2009, 2011, 2012, 2015])
    np.testing.assert_array_equal(out, [0.0, 5.0, 5.0, 1.0, 1.0])
