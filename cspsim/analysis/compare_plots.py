"""PNG plots of a scenario comparison: every axis with its unit, financial years written
"2012/13", the policy window marked."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from cspsim.analysis.comparison import fy_label, label
from cspsim.analysis.plots import _band, _save
from cspsim.vocab import AUTHORITY_TYPES, PARTNER_TYPES

_SHARES = ["share_met", "capacity_limited"] + [f"eng_strategic__{p}" for p in PARTNER_TYPES]


def _colours(names: list[str]) -> dict[str, tuple]:
    cmap = plt.get_cmap("tab10")
    return {n: cmap(k % 10) for k, n in enumerate(names)}


_AXIS = {
    "share_met": "share of demand met (0-1)",
    "unmet_fte": "unmet demand (FTE)",
    "capacity_limited": "share of CSPs (0-1)",
    "team_fte": "team size (FTE)",
}


def _window_words(window_fy: int | None) -> str:
    return "whole run" if window_fy is None else f"policy window from {fy_label(window_fy)}"


def plot_comparison(
    frame: pd.DataFrame, table: pd.DataFrame, folder: Path, window_fy: int | None = None
) -> list[Path]:
    """Write the comparison plots; returns the files written (first scenario = reference).

    Args:
        window_fy: First financial year of the policy window (None: the whole run); the
            difference panels show the window.
    """
    # The table keeps the scenarios' order (the reference first); the frame is sorted by name.
    names = list(dict.fromkeys(table["scenario"]))
    period = "window" if "window" in set(table["period"]) else "all"
    ref, others = names[0], names[1:]
    colour = _colours(names)
    nat = frame[frame["level"] == "national"]
    written = []

    fig, axes = plt.subplots(2, 2, figsize=(12, 7), sharex=True)
    for ax, outcome in zip(
        axes.ravel(), ("share_met", "unmet_fte", "capacity_limited", "team_fte"), strict=True
    ):
        for n in names:
            _band(ax, nat[nat["scenario"] == n], outcome, n, colour[n])
        ax.set(title=label(outcome), ylabel=_AXIS[outcome])
        if window_fy is not None:
            ax.axvline(pd.Timestamp(window_fy, 4, 1), color="k", ls=":", lw=1)
        ax.grid(alpha=0.3)
    for ax in axes[1]:
        ax.set(xlabel="quarter (calendar year)")
    axes[0, 0].legend(fontsize=8)
    fig.suptitle(
        "Scenarios over time (all areas): mean and 5-95% band across runs"
        + ("" if window_fy is None else f"; dotted line: policy window from {fy_label(window_fy)}")
    )
    path = folder / "compare_timeseries.png"
    _save(fig, path)
    written.append(path)

    if not others:
        return written
    t = table[(table["level"] == "national") & (table["scenario"] != ref)]

    fig, axes = plt.subplots(
        1,
        3,
        figsize=(14, 0.6 * len(_SHARES) * max(1, len(others) / 2) + 2),
        gridspec_kw={"width_ratios": [3, 1, 1]},
    )
    allp = t[t["period"] == period]
    height = 0.8 / len(others)
    for k, n in enumerate(others):
        sub = allp[allp["scenario"] == n].set_index("outcome")
        y = np.arange(len(_SHARES)) + k * height
        d = sub.reindex(_SHARES)
        axes[0].barh(
            y,
            100 * d["diff"],
            height,
            color=colour[n],
            label=n,
            xerr=[100 * (d["diff"] - d["diff_lo"]), 100 * (d["diff_hi"] - d["diff"])],
            capsize=2,
        )
        for ax, outcome in zip(axes[1:], ("unmet_fte", "spend_gbp"), strict=True):
            scale = 1e6 if outcome == "spend_gbp" else 1.0  # spend in £m
            row = sub.loc[outcome, ["diff", "diff_lo", "diff_hi"]].astype(float) / scale
            ax.barh(
                k,
                row["diff"],
                color=colour[n],
                xerr=[[row["diff"] - row["diff_lo"]], [row["diff_hi"] - row["diff"]]],
                capsize=3,
            )
    axes[0].set_yticks(
        np.arange(len(_SHARES)) + 0.4 - height / 2, [label(o) for o in _SHARES], fontsize=8
    )
    axes[0].axvline(0, color="k", lw=0.8)
    axes[0].set(xlabel="difference (percentage points)")
    axes[0].legend(fontsize=8)
    for ax, outcome in zip(axes[1:], ("unmet_fte", "spend_gbp"), strict=True):
        ax.set_yticks(range(len(others)), others, fontsize=8)
        ax.axvline(0, color="k", lw=0.8)
        short = {"unmet_fte": "Unmet demand", "spend_gbp": "Spend"}
        unit = {"unmet_fte": "FTE", "spend_gbp": "£m per quarter"}[outcome]
        ax.set(title=f"{short[outcome]}\n({unit})", xlabel="difference")
    fig.suptitle(
        f"Paired differences from {ref}, {_window_words(window_fy)}, all areas, with 95% intervals"
    )
    path = folder / "compare_differences.png"
    _save(fig, path)
    written.append(path)

    fig, axes = plt.subplots(1, 2, figsize=(13, 4.5))
    fy = t[(t["outcome"] == "share_met") & t["period"].str.startswith("fy")].copy()
    fy["year"] = fy["period"].str[2:].astype(int)
    for n in others:
        sub = fy[fy["scenario"] == n].sort_values("year")
        axes[0].plot(sub["year"], 100 * sub["diff"], color=colour[n], label=n)
        axes[0].fill_between(
            sub["year"], 100 * sub["diff_lo"], 100 * sub["diff_hi"], color=colour[n], alpha=0.2
        )
    axes[0].axhline(0, color="k", lw=0.8)
    years = sorted(fy["year"].unique())
    every = max(1, len(years) // 8)
    axes[0].set_xticks(years[::every], [fy_label(y) for y in years[::every]], fontsize=8)
    axes[0].set(
        title=f"Share of demand met: difference from {ref} by financial year",
        ylabel="difference (percentage points)",
        xlabel="financial year (April to March)",
    )
    axes[0].legend(fontsize=8)
    axes[0].grid(alpha=0.3)
    bt = table[
        (table["level"] == "authority_type")
        & (table["outcome"] == "share_met")
        & (table["period"] == period)
        & (table["scenario"] != ref)
    ]
    groups = [g for g in AUTHORITY_TYPES if g in set(bt["group"])]
    width = 0.8 / len(others)
    for k, n in enumerate(others):
        sub = bt[bt["scenario"] == n].set_index("group").reindex(groups)
        x = np.arange(len(groups)) + k * width
        axes[1].bar(
            x,
            100 * sub["diff"],
            width,
            color=colour[n],
            label=n,
            yerr=[100 * (sub["diff"] - sub["diff_lo"]), 100 * (sub["diff_hi"] - sub["diff"])],
            capsize=3,
        )
    axes[1].set_xticks(
        np.arange(len(groups)) + 0.4 - width / 2, [g.replace("_", " ") for g in groups]
    )
    axes[1].axhline(0, color="k", lw=0.8)
    axes[1].set(
        title=f"Share of demand met by authority type, {_window_words(window_fy)}",
        ylabel="difference (percentage points)",
    )
    axes[1].legend(fontsize=8, title=f"difference from {ref}")
    path = folder / "compare_by_time_and_type.png"
    _save(fig, path)
    written.append(path)
    return written
