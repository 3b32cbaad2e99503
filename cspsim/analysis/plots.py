"""PNG plots of a run's main outcomes, with bands across replicates."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import pandas as pd

from cspsim.analysis.outputs import OUTCOMES
from cspsim.io import atomic_write
from cspsim.vocab import AUTHORITY_TYPES, PARTNER_NAMES, PARTNER_TYPES

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure
    from matplotlib.typing import ColorType

_COLOURS = dict(zip(("all", *AUTHORITY_TYPES), matplotlib.color_sequences["tab10"], strict=False))


def _band(ax: Axes, df: pd.DataFrame, outcome: str, label: str, colour: ColorType) -> None:
    """Mean line and 5-95% band across replicates of one outcome over time."""
    g = df.groupby("date")[outcome]
    mean, lo, hi = g.mean(), g.quantile(0.05), g.quantile(0.95)
    x = pd.to_datetime(mean.index)
    ax.plot(x, mean.to_numpy(), color=colour, label=label, lw=1.6)
    if df["replicate"].nunique() > 1:
        ax.fill_between(x, lo.to_numpy(), hi.to_numpy(), color=colour, alpha=0.2, lw=0)


def _save(fig: Figure, path: Path) -> None:
    fig.tight_layout()
    atomic_write(path, lambda p: fig.savefig(p, dpi=110, format="png"))
    plt.close(fig)


def plot_run(frame: pd.DataFrame, folder: Path, title: str) -> list[Path]:
    """Write the standard plots of a run to ``folder``; returns the files written."""
    agg = frame[frame["level"] != "csp"]
    groups = [("national", "all", "all")] + [("authority_type", t, t) for t in AUTHORITY_TYPES]
    written = []

    fig, ax = plt.subplots(figsize=(8, 4.5))
    for level, unit, key in groups:
        sub = agg[(agg["level"] == level) & (agg["unit"] == unit)]
        if not sub.empty:
            _band(
                ax,
                sub,
                "share_met",
                "England" if key == "all" else key.replace("_", " "),
                _COLOURS[key],
            )
    ax.set(title=f"{title}: share of demand met", ylabel="share of demand met", ylim=(0, 1.02))
    ax.legend(fontsize=8, loc="lower left")
    ax.grid(alpha=0.3)
    _save(fig, folder / "share_met.png")
    written.append(folder / "share_met.png")

    rows = -(-len(PARTNER_TYPES) // 3)  # three panels a row
    fig, axes = plt.subplots(rows, 3, figsize=(12, 3.25 * rows), sharex=True, sharey=True)
    for k in range(len(PARTNER_TYPES), axes.size):  # empty panels: dates on the one above
        axes.ravel()[k].set_visible(False)
        axes.ravel()[k - 3].xaxis.set_tick_params(labelbottom=True)
    for ax, p in zip(axes.ravel(), PARTNER_TYPES, strict=False):
        for level, unit, key in groups:
            sub = agg[(agg["level"] == level) & (agg["unit"] == unit)]
            if not sub.empty and sub[f"eng_strategic__{p}"].notna().any():
                _band(ax, sub, f"eng_strategic__{p}", key.replace("_", " "), _COLOURS[key])
        ax.set(title=PARTNER_NAMES[p], ylim=(0, 1))
        ax.grid(alpha=0.3)
    axes[0, 0].legend(fontsize=7, loc="lower left")
    fig.suptitle(f"{title}: partner strategic engagement (0-1), mean and 5-95% band")
    _save(fig, folder / "engagement.png")
    written.append(folder / "engagement.png")

    nat = agg[agg["level"] == "national"]
    duty_cols = [c for c in nat.columns if c.startswith("share_met__")]
    fig, ax = plt.subplots(figsize=(9, 5))
    cmap = plt.get_cmap("tab20")
    for k, col in enumerate(duty_cols):
        if nat[col].notna().any():
            _band(ax, nat, col, col.removeprefix("share_met__").replace("_", " "), cmap(k % 20))
    ax.set(title=f"{title}: share of demand met by duty (England)", ylim=(0, 1.02))
    ax.legend(fontsize=7, ncol=2, loc="lower left")
    ax.grid(alpha=0.3)
    _save(fig, folder / "duties.png")
    written.append(folder / "duties.png")

    fig, axes = plt.subplots(1, 3, figsize=(13, 4))
    for ax, outcome in zip(axes, ("team_fte", "spend_gbp", "capacity_limited"), strict=True):
        for level, unit, key in groups:
            sub = agg[(agg["level"] == level) & (agg["unit"] == unit)]
            if not sub.empty and (key != "all" or outcome == "capacity_limited"):
                _band(ax, sub, outcome, key.replace("_", " "), _COLOURS[key])
        ax.set(title=OUTCOMES[outcome])
        ax.grid(alpha=0.3)
    axes[0].legend(fontsize=7)
    fig.suptitle(f"{title}: capacity")
    _save(fig, folder / "capacity.png")
    written.append(folder / "capacity.png")
    return written
