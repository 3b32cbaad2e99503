"""Side-by-side bars of observed and simulated survey answers, one PNG per table."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from cspsim.analysis.plots import _save

OBSERVED, SIMULATED = "#444444", "#1f77b4"


def plot_validation(table: pd.DataFrame, fit: dict, folder: Path) -> list[Path]:
    """Write ``validation_<table>.png`` for every table with compared rows.

    Each panel is one (group, item): observed bars beside simulated ones, with the 95% range
    of simulated surveys as error bars and the block's distance in the title.
    """
    dist = {(e["table"], e["group"], e["item"]): e.get("tvd") for e in fit["items"]}
    dist |= {
        (e["table"], e["group"], e["item"]): e.get("tvd", e.get("relative_error"))
        for e in [*fit["input_checks"], *fit.get("value_errors", [])]
    }
    done = table[table["status"] == "compared"]
    written = []
    for name, sub in done.groupby("table", sort=False):
        panels = list(sub.groupby(["group", "item"], sort=False))
        cols = min(4, len(panels))
        rows = -(-len(panels) // cols)
        fig, axes = plt.subplots(rows, cols, figsize=(3.6 * cols, 2.9 * rows), squeeze=False)
        for ax, ((group, item), p) in zip(axes.flat, panels, strict=False):
            x = np.arange(len(p))
            sim = p["simulated_pct"].to_numpy(float)
            err = np.vstack(
                [sim - p["simulated_lo"].to_numpy(float), p["simulated_hi"].to_numpy(float) - sim]
            )
            ax.bar(x - 0.2, p["observed_pct"], 0.4, color=OBSERVED, label="observed")
            ax.bar(x + 0.2, sim, 0.4, color=SIMULATED, label="simulated")
            ax.errorbar(
                x + 0.2, sim, yerr=np.clip(err, 0, None), fmt="none", ecolor="black", lw=0.8
            )
            ax.set_xticks(x, [r.replace("_", " ") for r in p["response"]], rotation=35, ha="right")
            ax.tick_params(labelsize=7)
            d = dist.get((name, group, item))
            label = "rel. error" if p["kind"].iloc[0] == "mean" else "TVD"
            extra = f" ({label} {d:.2f})" if d is not None else ""
            ax.set_title(f"{group} / {item}{extra}".replace("_", " "), fontsize=8)
            ax.set_ylabel("FTE" if p["kind"].iloc[0] == "mean" else "% of respondents", fontsize=7)
        for ax in list(axes.flat)[len(panels) :]:
            ax.axis("off")
        axes.flat[0].legend(fontsize=7)
        question = sub["question"].iloc[0].replace("_", " ")
        fig.suptitle(f"{name}: {question} — observed vs simulated", fontsize=10)
        path = folder / f"validation_{name}.png"
        _save(fig, path)
        written.append(path)
    return written
