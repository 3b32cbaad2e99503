"""Turn a finished run's area-level records into tidy outcome tables.

Every outcome name is defined once in :data:`OUTCOMES` and used unchanged as the column of
``timeseries.parquet``, the ``outcome`` of ``summary.csv``, plot labels and (later) the
sensitivity-analysis outputs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from cspsim.vocab import AUTHORITY_TYPES, PARTNER_NAMES, PARTNER_TYPES

if TYPE_CHECKING:
    from cspsim.model.model import CSPModel

OUTCOMES: dict[str, str] = {
    "share_met": "Share of demand met, all duties",
    "demand_fte": "Demand (FTE of work needed)",
    "delivered_fte": "Delivery (FTE of work done)",
    "unmet_fte": "Unmet demand (FTE)",
    "spend_gbp": "Spend on partnership work (GBP per quarter)",
    "team_fte": "Council community safety team size (FTE)",
    "capacity_limited": "Share of CSPs whose delivery is capacity-limited",
    "analyst_share": "Share of CSPs with a dedicated analyst",
    "coordinator_share": "Share of CSPs with a dedicated coordinator",
}
for _p in PARTNER_TYPES:
    OUTCOMES[f"eng_strategic__{_p}"] = f"Strategic engagement of {PARTNER_NAMES[_p]} (0-1)"
    OUTCOMES[f"eng_operational__{_p}"] = f"Operational engagement of {PARTNER_NAMES[_p]} (0-1)"
#: Unit of each per-quarter measure of :data:`OUTCOMES` (``share_met__<duty>``: share).
UNITS: dict[str, str] = {
    "share_met": "share",
    "demand_fte": "fte",
    "delivered_fte": "fte",
    "unmet_fte": "fte",
    "spend_gbp": "gbp_per_quarter",
    "team_fte": "fte",
    "capacity_limited": "share",
    "analyst_share": "share",
    "coordinator_share": "share",
}
for _p in PARTNER_TYPES:
    UNITS[f"eng_strategic__{_p}"] = UNITS[f"eng_operational__{_p}"] = "engagement_0_1"


def outcome_unit(measure: str) -> str:
    """Unit of a per-quarter measure (a name of :data:`OUTCOMES` or ``share_met__<duty>``)."""
    return UNITS.get(measure, "share" if measure.startswith("share_met__") else "")


HEADLINE = ["share_met", "unmet_fte", "spend_gbp", "capacity_limited", "team_fte"] + [
    f"eng_strategic__{p}" for p in PARTNER_TYPES
]
ID_COLUMNS = [
    "scenario",
    "replicate",
    "seed",
    "level",
    "unit",
    "csp_code",
    "authority_type",
    "step",
    "date",
    "fy",
]


def duty_outcome(duty_id: str) -> str:
    """Column name of the share of demand met for one duty."""
    return f"share_met__{duty_id}"


def _by_csp(values: np.ndarray, order: np.ndarray, starts: np.ndarray, axis: int) -> np.ndarray:
    """Sum ``values`` over the areas of each CSP along ``axis`` (areas sorted by CSP)."""
    return np.add.reduceat(np.take(values, order, axis=axis), starts, axis=axis)


def _csp_block(m: CSPModel, epoch_index: int) -> dict[str, np.ndarray]:
    """CSP-level outcome arrays, shape (steps in the epoch, CSPs), for one epoch.

    Also returns ``_dem`` and ``_dlv``, demand and delivery per CSP and duty.
    """
    rec, ep = m.rec, m.epochs[epoch_index]
    steps = np.flatnonzero(m.epoch_of_step == epoch_index)
    steps = steps[steps <= m.t]
    order = np.argsort(ep.csp_of_area, kind="stable")
    starts = np.flatnonzero(np.r_[True, np.diff(ep.csp_of_area[order]) != 0])
    dem = _by_csp(rec.demand[steps], order, starts, 1)
    dlv = _by_csp(rec.delivered[steps], order, starts, 1)
    tot_dem, tot_dlv = dem.sum(axis=2), dlv.sum(axis=2)
    with np.errstate(invalid="ignore", divide="ignore"):
        out = {
            "steps": steps,
            "_dem": dem,
            "_dlv": dlv,
            "share_met": np.where(tot_dem > 0, tot_dlv / tot_dem, np.nan),
            "demand_fte": tot_dem,
            "delivered_fte": tot_dlv,
            "unmet_fte": tot_dem - tot_dlv,
            "spend_gbp": _by_csp(rec.spend_gbp[steps], order, starts, 1),
            "team_fte": _by_csp(rec.team_fte[steps], order, starts, 1),
            "analyst_share": (_by_csp(rec.analyst[steps], order, starts, 1) > 0).astype(float),
            "coordinator_share": (_by_csp(rec.coordinator[steps], order, starts, 1) > 0).astype(
                float
            ),
        }
        out["capacity_limited"] = (out["share_met"] < m.P.capacity_limited_threshold).astype(float)
        for d, duty in enumerate(m.duties.ids):
            out[duty_outcome(duty)] = np.where(
                dem[:, :, d] > 0, dlv[:, :, d] / dem[:, :, d], np.nan
            )
        pop = m.geo.population
        for kind in ("strategic", "operational"):
            arr = getattr(rec, f"eng_{kind}")[steps]  # (s, p, a)
            has = ~np.isnan(arr)
            num = _by_csp(np.where(has, arr, 0.0) * pop, order, starts, 2)
            den = _by_csp(has * pop, order, starts, 2)
            val = np.where(den > 0, num / np.where(den > 0, den, 1.0), np.nan)
            for k, p in enumerate(PARTNER_TYPES):
                out[f"eng_{kind}__{p}"] = val[:, k, :]
    return out


_SUMMED = {"demand_fte", "delivered_fte", "unmet_fte", "spend_gbp", "team_fte"}


def area_table(m: CSPModel) -> pd.DataFrame:
    """Each council area's council and CSP in every period of the run (``areas.csv``).

    One row per area and period in which its council or CSP is in force: the area
    (``lad_code``, ``lad_name``: ONS code and name of the council in force at the start,
    blank where it has no code), its council then (``council_code``, ``council_name``,
    ``authority_type``: the council that replaced it after a reorganisation), its CSP
    (``csp_code``, ``csp_name``: as in the ``csp`` rows of ``timeseries.parquet``, before any
    structure the scenario imposes), its population, and the first and last quarter
    (``from``, ``to``). Lets a user join the outputs to their own data by ONS code.
    """
    quarters = m.sched.quarters
    rows = []
    geo = m.geo
    codes = geo.codes or [""] * geo.n
    for k, ep in enumerate(m.epochs):
        stop = m.epochs[k + 1].start_step if k + 1 < len(m.epochs) else len(quarters)
        period = geo.timeline()[ep.period]
        for a in range(geo.n):
            c, p = int(period.council[a]), int(period.csp[a])
            rows.append(
                {
                    "lad_code": codes[a],
                    "lad_name": geo.names[a],
                    "council_code": period.council_codes[c],
                    "council_name": period.council_names[c],
                    "authority_type": AUTHORITY_TYPES[int(period.council_type[c])],
                    "csp_code": period.csp_codes[p],
                    "csp_name": period.csp_names[p],
                    "population": float(geo.population[a]),
                    "from": quarters[ep.start_step],
                    "to": quarters[stop - 1],
                }
            )
    frame = pd.DataFrame(rows)
    keys = [c for c in frame.columns if c not in ("from", "to")]
    # Epochs also change for reasons that leave councils and CSPs alone: join those rows.
    out = frame.groupby(keys, sort=False, dropna=False).agg({"from": "min", "to": "max"})
    return out.reset_index().sort_values(["lad_name", "from"], kind="stable", ignore_index=True)


def run_frame(m: CSPModel, scenario: str, replicate: int, csp_rows: bool = True) -> pd.DataFrame:
    """All outcomes of one run: a row per (step, CSP), then per (step, authority type), then
    per step for all areas, distinguished by the ``level`` column (csp, authority_type,
    national). CSP rows carry the CSP's name (``unit``) and code (``csp_code``: ONS E22 code
    in real England, see docs/GEOGRAPHY.md; the area's name elsewhere). Shares and
    engagements of groups are means over their CSPs (as a survey would report); FTE and money
    are totals; ``share_met`` of a group is its total delivery over its
    total demand, and likewise per duty. ``csp_rows=False`` leaves out the CSP rows (the
    groups' rows are the same; building the CSP rows is most of the cost).
    """
    duty_cols = {duty_outcome(d): k for k, d in enumerate(m.duties.ids)}
    cols: dict[str, list[np.ndarray]] = {}

    def add(part: dict[str, np.ndarray]) -> None:
        for name, arr in part.items():
            cols.setdefault(name, []).append(np.asarray(arr))

    for k, ep in enumerate(m.epochs):
        block = _csp_block(m, k)
        steps, dem_d, dlv_d = block.pop("steps"), block.pop("_dem"), block.pop("_dlv")
        if steps.size == 0:
            continue
        s, c = block["share_met"].shape
        ctype = np.array(AUTHORITY_TYPES, dtype=object)[ep.csp_type]
        if csp_rows:
            add(
                {
                    "level": np.full(s * c, "csp", dtype=object),
                    "unit": np.tile(np.array(ep.csp_names, dtype=object), s),
                    "csp_code": np.tile(np.array(ep.csp_codes, dtype=object), s),
                    "authority_type": np.tile(ctype, s),
                    "step": np.repeat(steps, c),
                }
                | {name: v.ravel() for name, v in block.items()}
            )
        groups = [("national", "all", np.ones(c, dtype=bool))] + [
            ("authority_type", t, ctype == t) for t in AUTHORITY_TYPES if (ctype == t).any()
        ]
        for level, unit, mask in groups:
            agg = {
                "level": np.full(s, level, dtype=object),
                "unit": np.full(s, unit, dtype=object),
                "csp_code": np.full(s, None, dtype=object),
                "authority_type": np.full(s, unit if level != "national" else "all", dtype=object),
                "step": steps,
            }
            dem, dlv = block["demand_fte"][:, mask].sum(1), block["delivered_fte"][:, mask].sum(1)
            for name, v in block.items():
                sub = v[:, mask]
                if name in _SUMMED:
                    agg[name] = sub.sum(axis=1)
                elif name == "share_met":
                    agg[name] = np.where(dem > 0, dlv / np.where(dem > 0, dem, 1.0), np.nan)
                elif name in duty_cols:
                    gd = dem_d[:, mask, duty_cols[name]].sum(axis=1)
                    gl = dlv_d[:, mask, duty_cols[name]].sum(axis=1)
                    agg[name] = np.where(gd > 0, gl / np.where(gd > 0, gd, 1.0), np.nan)
                else:
                    cnt = (~np.isnan(sub)).sum(axis=1)
                    tot = np.where(np.isnan(sub), 0.0, sub).sum(axis=1)
                    agg[name] = np.where(cnt > 0, tot / np.maximum(cnt, 1), np.nan)
            add(agg)
    data = {name: np.concatenate(parts) for name, parts in cols.items()}
    step = data["step"]
    n = len(step)
    head = {
        "scenario": np.full(n, scenario, dtype=object),
        "replicate": np.full(n, replicate),
        "seed": np.full(n, m.seed),
        "level": data.pop("level"),
        "unit": data.pop("unit"),
        "csp_code": data.pop("csp_code"),
        "authority_type": data.pop("authority_type"),
        "step": data.pop("step"),
        "date": np.array(m.sched.quarters, dtype="datetime64[D]")[step].astype("datetime64[s]"),
        "fy": m.sched.fy[step],
    }
    return pd.DataFrame(head | data)
