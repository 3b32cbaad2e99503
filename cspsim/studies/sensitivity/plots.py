"""Plots of a sensitivity analysis: indices with intervals, Morris mu*-sigma, convergence.

Every function takes the tidy tables of :mod:`cspsim.studies.sensitivity.analysis` and writes PNG
files; nothing here recomputes an index.
"""

from __future__ import annotations

from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from cspsim.io import atomic_write

if TYPE_CHECKING:
    from matplotlib.figure import Figure

TOP = 20  # parameters shown per panel; the full list is in indices.csv
MAIN = {"sobol": "ST", "morris": "mu_star", "efast": "ST", "rbd_fast": "S1", "pawn": "median",
        "dgsm": "dgsm", "delta": "delta_raw"}  # fmt: skip


def _plt() -> ModuleType:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _save(plt: ModuleType, fig: Figure, path: Path) -> None:
    """Write a figure atomically, so a killed analysis never leaves half a PNG."""
    atomic_write(path, lambda tmp: fig.savefig(tmp, dpi=110, format="png"))
    plt.close(fig)


def _grid(n: int, width: float = 6.0, height: float = 4.5) -> tuple[ModuleType, Figure, Any]:
    plt = _plt()
    cols = min(n, 2)
    rows = -(-n // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(width * cols, height * rows), squeeze=False)
    for ax in axes.flat[n:]:
        ax.set_visible(False)
    return plt, fig, axes.flat


def _whole(indices: pd.DataFrame) -> pd.DataFrame:
    return indices[indices["year"].isna() & (indices["parameter_2"] == "")]


def _title(outcome: str, sub: pd.DataFrame) -> str:
    flag = "" if sub["complete"].all() else "  [INCOMPLETE DESIGN]"
    return f"{outcome}{flag}"


def plot_bars(indices: pd.DataFrame, method: str, out: Path) -> Path:
    """Bars of each outcome's indices with intervals (Sobol': S1 and ST side by side)."""
    whole = _whole(indices)
    outcomes = list(dict.fromkeys(whole["outcome"]))
    shown = ["S1", "ST"] if method in ("sobol", "efast") else [MAIN[method]]
    plt, fig, axes = _grid(max(1, len(outcomes)), height=max(4.0, 0.28 * TOP + 1))
    for ax, outcome in zip(axes, outcomes, strict=False):
        sub = whole[whole["outcome"] == outcome]
        main = sub[sub["index"] == MAIN[method]].sort_values("value").tail(TOP)
        order = list(main["parameter"])
        y = np.arange(len(order))
        height = 0.8 / len(shown)
        for k, name in enumerate(shown):
            part = sub[sub["index"] == name].set_index("parameter").reindex(order)
            err = part["conf"].to_numpy(float)
            ax.barh(y + (k - (len(shown) - 1) / 2) * height, part["value"], height, label=name,
                    xerr=None if np.isnan(err).all() else err, capsize=2)  # fmt: skip
        ax.set_yticks(y, order, fontsize=7)
        ax.axvline(0, color="black", lw=0.5)
        ax.set_title(_title(outcome, sub), fontsize=9)
        ax.legend(fontsize=7)
    fig.suptitle(f"{method}: indices with {'95%' if method != 'pawn' else 'no'} intervals")
    fig.tight_layout()
    path = out / f"{method}_indices.png"
    _save(plt, fig, path)
    return path


def plot_morris(indices: pd.DataFrame, out: Path) -> Path:
    """Morris mu* against sigma per outcome, mu* intervals as error bars; top labels."""
    whole = _whole(indices)
    outcomes = list(dict.fromkeys(whole["outcome"]))
    plt, fig, axes = _grid(max(1, len(outcomes)))
    for ax, outcome in zip(axes, outcomes, strict=False):
        sub = whole[whole["outcome"] == outcome]
        ms = sub[sub["index"] == "mu_star"].set_index("parameter")
        sg = sub[sub["index"] == "sigma"].set_index("parameter").reindex(ms.index)
        ax.errorbar(ms["value"], sg["value"], xerr=ms["conf"], fmt="o", ms=3, lw=0.6, capsize=2)
        lim = max(float(ms["value"].max()), float(sg["value"].max()), 1e-12) * 1.05
        for ratio in (0.1, 0.5, 1.0):  # sigma/mu* guides: < 0.1 near-linear, > 1 interactions
            ax.plot([0, lim], [0, ratio * lim], ls=":", lw=0.6, color="grey")
        for name in ms.sort_values("value").tail(12).index:
            ax.annotate(name, (ms.at[name, "value"], sg.at[name, "value"]), fontsize=6,
                        xytext=(3, 2), textcoords="offset points")  # fmt: skip
        ax.set_xlabel("mu* (mean |elementary effect|)")
        ax.set_ylabel("sigma")
        ax.set_title(_title(outcome, sub), fontsize=9)
    fig.suptitle("Morris screening (dotted: sigma/mu* = 0.1, 0.5, 1)")
    fig.tight_layout()
    path = out / "morris_mu_star_sigma.png"
    _save(plt, fig, path)
    return path


def plot_convergence(conv: pd.DataFrame, method: str, out: Path, top: int = 8) -> Path:
    """Main index and its interval width against N, for each outcome's top parameters."""
    main = conv[conv["index"] == MAIN[method]]
    outcomes = list(dict.fromkeys(main["outcome"]))
    plt, fig, axes = _grid(2 * max(1, len(outcomes)), height=3.6)
    axes = list(axes)
    for k, outcome in enumerate(outcomes):
        sub = main[main["outcome"] == outcome]
        last = sub[sub["N"] == sub["N"].max()].sort_values("value").tail(top)["parameter"]
        ax_v, ax_w = axes[2 * k], axes[2 * k + 1]
        for name in last:
            s = sub[sub["parameter"] == name].sort_values("N")
            ax_v.errorbar(s["N"], s["value"], yerr=s["conf"], marker="o", ms=3, capsize=2,
                          label=name)  # fmt: skip
            ax_w.plot(s["N"], s["width"], marker="o", ms=3, label=name)
        for ax in (ax_v, ax_w):
            ax.set_xscale("log", base=2)
            ax.set_xlabel("N")
        ax_v.set_title(f"{outcome}: {MAIN[method]}", fontsize=9)
        ax_w.set_title(f"{outcome}: width of the 95% interval", fontsize=9)
        ax_v.legend(fontsize=6)
    fig.tight_layout()
    path = out / "convergence.png"
    _save(plt, fig, path)
    return path


def plot_years(indices: pd.DataFrame, method: str, out: Path, top: int = 6) -> Path | None:
    """The main index per simulated year, for each outcome's top parameters."""
    yearly = indices[indices["year"].notna() & (indices["index"] == MAIN[method])]
    if yearly.empty:
        return None
    outcomes = list(dict.fromkeys(yearly["outcome"]))
    plt, fig, axes = _grid(len(outcomes), height=3.6)
    for ax, outcome in zip(axes, outcomes, strict=False):
        sub = yearly[yearly["outcome"] == outcome]
        best = sub.groupby("parameter")["value"].max().sort_values().tail(top).index
        for name in best:
            s = sub[sub["parameter"] == name].sort_values("year")
            ax.errorbar(s["year"], s["value"], yerr=s["conf"], marker="o", ms=3, capsize=2,
                        label=name)  # fmt: skip
        ax.set_title(f"{outcome}: {MAIN[method]} by year", fontsize=9)
        ax.legend(fontsize=6)
    fig.tight_layout()
    path = out / "indices_by_year.png"
    _save(plt, fig, path)
    return path


def plot_all(indices: pd.DataFrame, conv: pd.DataFrame, method: str, out: Path) -> list[Path]:
    """Every plot for a method; returns the files written."""
    if indices.empty:
        return []
    paths = [plot_morris(indices, out) if method == "morris" else plot_bars(indices, method, out)]
    if not conv.empty and conv["N"].nunique() > 1:
        paths.append(plot_convergence(conv, method, out))
    if (p := plot_years(indices, method, out)) is not None:
        paths.append(p)
    return paths
