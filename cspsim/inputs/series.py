"""Dated, sourced series (``configs/series/*.csv``) and the scenario indices derived from them.

Each file has one row per date or financial year and a ``source`` column. The history
scenario (``configs/history_2009_2024.toml``) writes the derived indices out as funding
points, so a reader sees the numbers the model uses; ``tests/test_series.py`` checks that
they are the ones these functions derive from the files.

* ``police_workforce.csv``: police officers and PCSOs (FTE, 43 forces); police partnership
  capacity follows both (issue 12: neighbourhood teams, not officers alone).
* ``public_sector_pay.csv``: local government (NJC) pay awards by financial year; the cost of
  one FTE follows them.
* ``council_funding.csv``: councils' non-social-care spending in real terms to 2016-17 (NAO),
  the GDP deflator that turns it into cash, and core spending power in cash after 2016-17.
* ``pcc_funds.csv``: money that reached CSPs through PCCs or time-limited national funds,
  with start and end years (see :func:`read_funds`).
* ``public_health_grant.csv``: the public health grant to upper-tier councils from 2013-14,
  as a like-for-like real per-head index, and the time-limited drug treatment money
  (:func:`public_health_grant_gbp`).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from cspsim.inputs.england import load_england
from cspsim.paths import CONFIGS_DIR

SERIES_DIR = CONFIGS_DIR / "series"


def _financial_year(d: dt.date) -> int:
    """UK financial year containing ``d`` (FY 2010 = 1 Apr 2010 to 31 Mar 2011)."""
    return d.year if d.month >= 4 else d.year - 1


def _read(path: Path, required: set[str]) -> pd.DataFrame:
    """A series file, checked for its columns and a source on every row.

    Raises:
        ValueError: missing columns or an empty source, in one line.
    """
    frame = pd.read_csv(path)
    missing = required - set(frame.columns)
    if missing:
        raise ValueError(f"{path}: missing column(s) {sorted(missing)}")
    if frame["source"].isna().any() or (frame["source"].astype(str).str.strip() == "").any():
        raise ValueError(f"{path}: every row needs a source")
    return frame


def police_capacity_index(path: Path | None = None) -> dict[int, float]:
    """Police partnership capacity by financial year, % of 31 March 2010: officers plus PCSOs
    (FTE), each interpolated linearly between its dated values (flat outside).

    One point per date with an officer count, at that date's financial year (a later date
    in the same year wins), rounded to 0.1.
    """
    frame = _read(
        path or SERIES_DIR / "police_workforce.csv", {"date", "officers_fte", "pcsos_fte"}
    )
    dates = pd.to_datetime(frame["date"]).dt.date
    day = np.array([d.toordinal() for d in dates], dtype=float)

    def at(column: str, when: np.ndarray) -> np.ndarray:
        have = frame[column].notna().to_numpy()
        return np.interp(when, day[have], frame[column].to_numpy(dtype=float)[have])

    has_officers = frame["officers_fte"].notna().to_numpy()
    when = day[has_officers]
    workforce = at("officers_fte", when) + at("pcsos_fte", when)
    base = workforce[0]
    points: dict[int, float] = {}
    for d, w in zip(np.array(dates)[has_officers], workforce, strict=True):
        points[_financial_year(d)] = round(float(100.0 * w / base), 1)
    return points


def cost_per_fte_index(path: Path | None = None) -> dict[int, float]:
    """Cost of one FTE by financial year, 2009 = 100: the pay awards compounded."""
    frame = _read(path or SERIES_DIR / "public_sector_pay.csv", {"fy", "pay_award_pct"})
    level, points = 100.0, {}
    first = int(frame["fy"].min())
    points[first - 1] = 100.0
    for fy, pct in zip(frame["fy"], frame["pay_award_pct"], strict=True):
        level *= 1 + float(pct) / 100.0
        points[int(fy)] = round(level, 1)
    return points


def council_cash_index(path: Path | None = None) -> dict[int, float]:
    """Councils' community safety budgets in cash by financial year, 2009 = 100.

    To 2016-17: the real-terms index times the GDP deflator (cash). After 2016-17: the
    2016-17 level moved with core spending power (cash), which includes the 2022-24 squeeze
    once pay (:func:`cost_per_fte_index`) outruns it.
    """
    frame = _read(
        path or SERIES_DIR / "council_funding.csv",
        {"fy", "real_index", "gdp_deflator_index", "core_spending_power_gbp_bn"},
    )
    points: dict[int, float] = {}
    pivot_fy, pivot_level, pivot_csp = None, 0.0, 0.0
    rows: list[dict[Any, Any]] = frame.to_dict("records")
    for row in rows:
        fy, real, csp = (
            int(row["fy"]),
            float(row["real_index"]),
            float(row["core_spending_power_gbp_bn"]),
        )
        if not np.isnan(real):
            level = real * float(row["gdp_deflator_index"]) / 100.0
            points[fy] = round(level, 1)
            if not np.isnan(csp):
                pivot_fy, pivot_level, pivot_csp = fy, level, csp
        elif pivot_fy is not None and not np.isnan(csp):
            points[fy] = round(pivot_level * csp / pivot_csp, 1)
    return points


PUBLIC_HEALTH_BASE_FY = 2014  # the index base: 2014-15, the grant's second year


def england_residents(fy: int) -> float:
    """Residents of England in financial year ``fy`` (configs/geography/population.csv)."""
    return float(sum(a.population_persons for a in load_england().areas(dt.date(fy, 4, 1))))


def public_health_grant_gbp(
    path: Path | None = None, pay_path: Path | None = None
) -> dict[int, float]:
    """The public health grant in cash by financial year (GBP, England), like for like.

    Each year: the 2014-15 grant (GBP 2.79bn) times the real per-head index (2014-15 = 100,
    linear between the years the file gives, flat after the last) times England's residents
    relative to 2014-15, in the cash of the year by the cost of an FTE
    (:func:`cost_per_fte_index`: real terms measured against the cost of staff, the price
    that matters for capacity, rather than the GDP deflator, U), plus the year's time-limited
    drug treatment money in cash. From the first year of the file to its last; rounded to
    GBP 0.1m.
    """
    frame = _read(
        path or SERIES_DIR / "public_health_grant.csv",
        {"fy", "grant_gbp_bn", "real_per_head_index", "drug_money_gbp_m"},
    )
    fys = frame["fy"].astype(int).to_numpy()
    base_row = frame[fys == PUBLIC_HEALTH_BASE_FY]
    base_gbp = float(base_row["grant_gbp_bn"].iloc[0]) * 1e9
    has = frame["real_per_head_index"].notna().to_numpy()
    index = frame["real_per_head_index"].to_numpy(dtype=float)
    drug_gbp = frame["drug_money_gbp_m"].fillna(0.0).to_numpy(dtype=float) * 1e6
    drugs = dict(zip(fys.tolist(), drug_gbp.tolist(), strict=True))
    cost = cost_per_fte_index(pay_path)
    residents = england_residents(PUBLIC_HEALTH_BASE_FY)
    out: dict[int, float] = {}
    for fy in range(int(fys.min()), int(fys.max()) + 1):
        real = float(np.interp(fy, fys[has], index[has])) / 100.0
        people = england_residents(fy) / residents
        prices = cost[fy] / cost[PUBLIC_HEALTH_BASE_FY]
        out[fy] = round(base_gbp * real * people * prices + drugs.get(fy, 0.0), -5)
    return out


def read_funds(path: Path) -> list[dict[str, object]]:
    """Funding streams of a funds file, as scenario grants (``[[funding.grants]]`` entries).

    Columns: ``name``, ``path`` (``csp``, ``pcc``, ``pcc_central`` or ``capital``), ``start_fy``,
    ``end_fy`` (last financial year paid; empty = continues), ``gbp_per_year``,
    ``ring_fenced``, ``source``.
    Rows with the same name are one stream (e.g. a fund whose size changed); a stream pays
    nothing after its last ``end_fy``.

    Raises:
        ValueError: a missing file or column, an empty source, or a bad value, in one line.
    """
    if not path.is_file():
        raise ValueError(f"{path}: funds file not found")
    frame = _read(path, {"name", "path", "start_fy", "end_fy", "gbp_per_year", "ring_fenced"})
    streams: dict[str, dict[str, object]] = {}
    amounts: dict[str, dict[int, float]] = {}
    rows: list[dict[Any, Any]] = frame.sort_values("start_fy", kind="stable").to_dict("records")
    for row in rows:
        name = str(row["name"])
        if row["path"] not in ("csp", "pcc", "pcc_central", "capital"):
            raise ValueError(
                f"{path}: {name}: path must be csp, pcc, pcc_central or capital, "
                f"got {row['path']!r}"
            )
        gbp = float(row["gbp_per_year"])
        if not gbp >= 0:
            raise ValueError(f"{path}: {name}: gbp_per_year must be >= 0")
        rf = str(row["ring_fenced"]).strip().lower()
        if rf not in ("true", "false"):
            raise ValueError(f"{path}: {name}: ring_fenced must be true or false")
        streams[name] = {"name": name, "path": row["path"], "ring_fenced": rf == "true"}
        series = amounts.setdefault(name, {})
        start = int(row["start_fy"])
        series[start] = gbp
        if not pd.isna(row["end_fy"]):
            end = int(row["end_fy"])
            if end < start:
                raise ValueError(f"{path}: {name}: end_fy {end} before start_fy {start}")
            series[end + 1] = 0.0
    return [{**streams[name], "gbp_per_year": amounts[name]} for name in streams]
