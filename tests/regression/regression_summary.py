"""The numbers the regression baseline pins: headline outcomes of fixed-seed runs."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np

from cspsim.inputs.scenario import load_scenario
from cspsim.model.model import CSPModel
from cspsim.vocab import PARTNER_TYPES

REPO = Path(__file__).resolve().parents[2]
CASES = {"baseline": "configs/baseline.toml", "cleveland_merged": "configs/cleveland_merged.toml"}
SEED = 20240101


def summary() -> dict[str, dict[str, float]]:
    """Headline outcomes (share met at start/end, team FTE, engagement at end and in April
    2018) per case."""
    out = {}
    for name, path in CASES.items():
        m = CSPModel(load_scenario(REPO / path), seed=SEED, with_agents=False).run()
        r = m.rec
        share = r.delivered.sum(axis=(1, 2)) / r.demand.sum(axis=(1, 2))
        row = {
            "share_met_first": float(share[0]),
            "share_met_last": float(share[-1]),
            "share_met_mean": float(share.mean()),
            "team_fte_last": float(r.team_fte[-1].sum()),
            "spend_gbp_total": float(r.spend_gbp.sum()),
        }
        # Engagement at the end, and in April 2018: mid-way through 2014-21, when probation
        # is two partners (the CRC and the National Probation Service).
        mid = m.sched.quarters.index(dt.date(2018, 4, 1))
        for k, p in enumerate(PARTNER_TYPES):
            for key, step in (("last", -1), ("2018", mid)):
                vals = r.eng_strategic[step, k]
                if np.isfinite(vals).any():
                    row[f"eng_strategic_{key}__{p}"] = float(np.nanmean(vals))
        out[name] = row
    return out
