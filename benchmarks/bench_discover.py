"""Benchmark of ``cspsim discover`` (not a timed test; figures go in docs/PERFORMANCE.md).

Usage::

    .venv/bin/python benchmarks/bench_discover.py [--points 20000] [--factors 20]

Builds a real sweep folder of ``--points`` Latin-hypercube points over ``--factors`` inputs
on [0, 1], one replicate each, with the near-zero-cost model function
``cspsim.studies.sensitivity.testfns:trivial`` (y = sum of the inputs, plus a seed-dependent
term below 0.01), then times ``cspsim discover`` on it as a user runs it (a new process:
loading the sweep, importing ema_workbench, PRIM for up to three boxes, CART, every file and
plot), and PRIM alone in this process. The threshold ``--above`` is the 80th percentile of y,
so the cases are a band that PRIM must peel along every factor (the slow case).
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).absolute().parents[1]
sys.path.insert(0, str(ROOT))


def experiment(points: int, factors: int) -> str:
    """A Latin-hypercube experiment of the trivial model function (RBD-FAST's sampler)."""
    params = "\n".join(f"x{i:02d} = {{ bounds = [0, 1] }}" for i in range(factors))
    return (
        'name = "bench_discover"\nmodel = "cspsim.studies.sensitivity.testfns:trivial"\n'
        f'method = "rbd_fast"\nN = {points}\nseed = 7\noutcomes = ["y"]\n'
        f"[parameters]\n{params}\n"
    )


def main() -> None:
    """Build the sweep, time discover, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=20_000)
    parser.add_argument("--factors", type=int, default=20)
    args = parser.parse_args()

    import numpy as np

    import cspsim
    from cspsim.studies.discovery import run_prim
    from cspsim.studies.results import import_ema

    with tempfile.TemporaryDirectory() as tmp:
        exp = Path(tmp) / "exp.toml"
        exp.write_text(experiment(args.points, args.factors))
        t0 = time.perf_counter()
        sw = cspsim.sweep(exp, Path(tmp) / "sweep", workers=1, analyze=False)
        build_s = time.perf_counter() - t0
        y = sw.means["y"].to_numpy()
        threshold = float(np.quantile(y, 0.8))
        cmd = [sys.executable, "-m", "cspsim.cli.main", "discover", str(sw.folder),
               "--outcome", "y", "--above", f"{threshold:.6f}", "--cart", "--quiet"]  # fmt: skip
        t0 = time.perf_counter()
        subprocess.run(cmd, check=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
        command_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        import_ema()
        import_s = time.perf_counter() - t0
        x, ys = sw.to_ema(["y"])
        t0 = time.perf_counter()
        _, boxes, _, _ = run_prim(x, ys["y"] > threshold, {})
        prim_s = time.perf_counter() - t0
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"python {platform.python_version()}, {os.cpu_count()} cores, load {load:.1f}")
    print(f"{args.points} points x {args.factors} factors; sweep built in {build_s:.1f} s")
    print(f"cspsim discover (new process, --cart, files and plots): {command_s:.1f} s")
    print(f"  of which ema_workbench import (measured here): {import_s:.1f} s")
    print(f"PRIM alone ({len(boxes)} boxes): {prim_s:.1f} s")


if __name__ == "__main__":
    main()
