"""The files of ``cspsim discover``: trajectory, boxes and ranges as CSV, a summary, plots.

::

    prim_trajectory.csv   every peeling step of each box: coverage, density, mass, res_dim, chosen
    prim_boxes.csv        the chosen boxes: step, coverage, density, mass, restricted factors
    prim_limits.csv       each box's restricted ranges in the registry's units, with quasi-p values
    cart_boxes.csv        with --cart: CART's leaves, densest first
    summary.md            the question, the boxes as readable tables, notes
    prim_trajectory.png   coverage against density along each box's trajectory
    prim_box_<k>.png      box k's ranges within each restricted factor's full range
    manifest.json         written last: the question, PRIM's settings, versions, files
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from cspsim import io

if TYPE_CHECKING:
    from cspsim.studies.discovery import Discovery
    from cspsim.studies.results import SweepResults


def _range_text(row: pd.Series) -> tuple[str, str]:
    """(box range, full range) of one restricted factor, as text."""
    if isinstance(row.get("categories"), str):
        return f"{{{row['categories']}}}", ""
    return (
        f"{row['lower']:.4g} to {row['upper']:.4g}",
        f"{row['full_lower']:.4g} to {row['full_upper']:.4g}",
    )


def summary_lines(found: Discovery, results: SweepResults) -> list[str]:
    """``summary.md``: the question, each box and its ranges, notes."""
    unit = results.units.get(found.outcome, "")
    lines = [
        f"# Scenario discovery: {found.outcome} {found.condition}",
        "",
        f"Sweep `{results.name}` ({results.folder}): {found.cases} of {found.points} design "
        f"points ({found.cases / found.points:.1%}) have {found.outcome} {found.condition}"
        f"{f' ({unit})' if unit else ''}, as the mean of their replicates. PRIM (EMA Workbench) "
        "found the boxes below: **coverage** is the share of those points inside the box, "
        "**density** the share of the box's points that are such points.",
        "",
    ]
    for _, box in found.boxes.iterrows():
        k = int(box["box"])
        lines += [
            f"## Box {k}: coverage {box['coverage']:.2f}, density {box['density']:.2f}, "
            f"mass {box['mass']:.2f} ({int(box['n'])} points)",
            "",
            "| factor | unit | box | full range | quasi-p (lower, upper) |",
            "|---|---|---|---|---|",
        ]
        for _, row in found.limits[found.limits["box"] == k].iterrows():
            inside, full = _range_text(row)
            qp = ", ".join(
                f"{row[c]:.2g}" if pd.notna(row[c]) else "-" for c in ("qp_lower", "qp_upper")
            )
            lines.append(f"| {row['factor']} | {row['unit']} | {inside} | {full} | {qp} |")
        lines.append("")
    lines += [
        "A quasi-p value tests whether restricting that side of that factor raises the density "
        "beyond chance (Bryant & Lempert 2010); above 0.05, the restriction is doubtful. "
        "`-`: that side is not restricted.",
        "",
    ]
    if found.cart is not None:
        lines += ["## CART", "", "| coverage | density | mass | ranges |", "|---|---|---|---|"]
        for _, r in found.cart.head(5).iterrows():
            lines.append(
                f"| {r['coverage']:.2f} | {r['density']:.2f} | {r['mass']:.2f} | {r['ranges']} |"
            )
        lines.append("")
    if found.notes:
        lines += ["## Notes", ""] + [f"- {n}" for n in found.notes] + [""]
    return lines


def _plot_trajectory(found: Discovery, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6.5, 4.5))
    t = found.trajectory
    points = ax.scatter(t["coverage"], t["density"], c=t["res_dim"], cmap="viridis", s=18)
    for k, steps in t.groupby("box"):
        ax.plot(steps["coverage"], steps["density"], lw=0.6, color="grey")
        chosen = steps[steps["chosen"]].iloc[0]
        ax.scatter([chosen["coverage"]], [chosen["density"]], s=120, facecolors="none",
                   edgecolors="red")  # fmt: skip
        ax.annotate(f"box {k}", (chosen["coverage"], chosen["density"]), color="red",
                    xytext=(8, -14), textcoords="offset points")  # fmt: skip
    fig.colorbar(points, ax=ax, label="restricted factors")
    ax.set(xlabel="coverage", ylabel="density", xlim=(0, 1.02), ylim=(0, 1.02),
           title=f"PRIM peeling trajectory: {found.outcome} {found.condition}")  # fmt: skip
    ax.text(0.01, 0.01, "red circles: the chosen step of each box", transform=ax.transAxes,
            fontsize=8, color="red")  # fmt: skip
    fig.tight_layout()
    io.atomic_write(path, lambda p: fig.savefig(p, dpi=110, format="png"))
    plt.close(fig)


def _plot_box(found: Discovery, k: int, path: Path) -> None:
    import matplotlib.pyplot as plt

    rows = found.limits[(found.limits["box"] == k) & found.limits["lower"].notna()]
    fig, ax = plt.subplots(figsize=(9, 0.45 * max(len(rows), 1) + 1.4))
    for i, (_, r) in enumerate(rows.iterrows()):
        span = (r["full_upper"] - r["full_lower"]) or 1.0
        lo, hi = (r["lower"] - r["full_lower"]) / span, (r["upper"] - r["full_lower"]) / span
        ax.barh(i, 1.0, color="#eeeeee")
        ax.barh(i, hi - lo, left=lo, color="#3b75af")
        ax.text(1.02, i, f"{r['lower']:.3g} to {r['upper']:.3g} {r['unit']}", va="center")
    ax.set_yticks(range(len(rows)), list(rows["factor"]))
    ax.invert_yaxis()  # in the order of prim_limits.csv, top down
    ax.set(xlim=(0, 1), xlabel="position in the factor's sampled range")
    box = found.boxes[found.boxes["box"] == k].iloc[0]
    ax.set_title(f"Box {k}: coverage {box['coverage']:.2f}, density {box['density']:.2f}")
    fig.tight_layout()
    io.atomic_write(path, lambda p: fig.savefig(p, dpi=110, format="png", bbox_inches="tight"))
    plt.close(fig)


def write_discovery(found: Discovery, results: SweepResults, out: Path, plots: bool) -> None:
    """Write the files listed in the module doc into ``out`` (replacing an earlier run's)."""
    out.mkdir(parents=True, exist_ok=True)
    (out / "manifest.json").unlink(missing_ok=True)  # written last: its presence means done
    io.write_csv(found.trajectory, out / "prim_trajectory.csv")
    io.write_csv(found.boxes, out / "prim_boxes.csv")
    io.write_csv(found.limits, out / "prim_limits.csv")
    files = ["prim_trajectory.csv", "prim_boxes.csv", "prim_limits.csv"]
    if found.cart is not None:
        io.write_csv(found.cart, out / "cart_boxes.csv")
        files.append("cart_boxes.csv")
    text = "\n".join(summary_lines(found, results))
    io.atomic_write(out / "summary.md", lambda p: p.write_text(text, encoding="utf-8"))
    files.append("summary.md")
    if plots and len(found.trajectory):
        _plot_trajectory(found, out / "prim_trajectory.png")
        files.append("prim_trajectory.png")
        for k in found.boxes["box"]:
            _plot_box(found, int(k), out / f"prim_box_{int(k)}.png")
            files.append(f"prim_box_{int(k)}.png")
    found.files = files
    from importlib.metadata import version

    manifest = {
        "sweep": str(results.folder.resolve()),
        "experiment": results.name,
        "question": {"outcome": found.outcome, "condition": found.condition},
        "counts": {"points": found.points, "cases": found.cases, "boxes": len(found.boxes)},
        "prim": found.settings,
        "notes": found.notes,
        "files": files,
        "versions": io.versions() | {"ema_workbench": version("ema_workbench")},
        "git": io.git_commit(),
        "command": sys.argv,
        "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }
    io.write_json(manifest, out / "manifest.json")
