"""Calendar arithmetic: quarters, financial years, funding trajectories and dated events."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping

import numpy as np


def add_months(d: dt.date, months: int) -> dt.date:
    """``d`` moved by whole months (day clipped to 28 so every month has it)."""
    m = d.month - 1 + months
    return dt.date(d.year + m // 12, m % 12 + 1, min(d.day, 28))


def quarter_starts(start: dt.date, end: dt.date) -> list[dt.date]:
    """First day of each simulated quarter: ``start``, +3 months, ... while <= ``end``."""
    out, k = [], 0
    while (d := add_months(start, 3 * k)) <= end:
        out.append(d)
        k += 1
    return out


def financial_year(d: dt.date) -> int:
    """UK financial year containing ``d`` (FY 2010 = 1 Apr 2010 to 31 Mar 2011)."""
    return d.year if d.month >= 4 else d.year - 1


def year_fraction(d: dt.date) -> float:
    """``d`` as a decimal year (for phasing cuts in)."""
    return d.year + (d.timetuple().tm_yday - 1) / 365.25


def active_from(quarters: list[dt.date], start: dt.date) -> np.ndarray:
    """True for quarters that end after ``start`` (an event inside a quarter counts for it)."""
    return np.array([add_months(q, 3) > start for q in quarters], dtype=bool)


def index_series(points: Mapping[int, float], years: Iterable[int]) -> np.ndarray:
    """Piecewise-linear funding index by financial year, flat outside the given points.

    Args:
        points: Index by financial year, with 100 meaning the initial (2009) level.
        years: Financial year of each step.

    Returns:
        Multiplier per step (index / 100); all ones when ``points`` is empty.
    """
    years = np.fromiter(years, dtype=float)
    if not points:
        return np.ones_like(years)
    xs = np.array(sorted(points), dtype=float)
    ys = np.array([points[int(x)] for x in xs], dtype=float) / 100.0
    index: np.ndarray = np.interp(years, xs, ys)
    return index


def cut_multiplier(quarters: list[dt.date], start: dt.date, pct: float, years: float) -> np.ndarray:
    """Budget multiplier of one cut of ``pct`` percent phased in linearly over ``years``.

    A negative ``pct`` is an increase. The cut reaches its full size ``years`` after ``start``.
    """
    t = np.array([year_fraction(q) for q in quarters]) - year_fraction(start)
    ramp = np.clip((t + 0.25) / years, 0.0, 1.0) if years > 0 else np.ones_like(t)
    # A cut counts from the quarter it falls in, as every dated event does (``active_from``);
    # ``t > -0.25`` also caught the quarter before when that quarter is shorter than 0.25 years.
    ramp = np.where(active_from(quarters, start), ramp, 0.0)
    return 1.0 - pct / 100.0 * ramp


def yearly_amounts(gbp_per_year: Mapping[int, float], years: Iterable[int]) -> np.ndarray:
    """Amount per year for each step: the latest given year at or before it, 0 before the first."""
    keys = sorted(gbp_per_year)
    out = []
    for y in years:
        past = [k for k in keys if k <= y]
        out.append(gbp_per_year[past[-1]] if past else 0.0)
    return np.array(out, dtype=float)
