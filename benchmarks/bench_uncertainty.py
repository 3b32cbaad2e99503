"""Time ``cspsim compare --uncertainty calibration`` on two national scenarios.

Usage: ``.venv/bin/python benchmarks/bench_uncertainty.py [--sets 200] [--replicates 4]
[--workers 2] [--out DIR]``

Runs ``projection_2030`` against ``pcc_grant_cut_2026`` (the national model of England, April
2009 to March 2030: 84 quarters) under ``--sets`` parameter sets drawn from the calibration's
near-optimal set, ``--replicates`` each, on ``--workers`` local processes (the arrays
engine), as ``cspsim compare`` does, report included when ``--out`` is given. Prints the
wall time, the runs, the time per run and the machine's load average before and after
(other work on the machine slows every figure). The aim (issue 13): 200 sets x 4 replicates
of two national scenarios in under 2 minutes on 2 cores.

Because a shared machine's wall time says little, it first times ``--sample`` runs in this
process by CPU time (``time.process_time``: model construction, run, outcome frame and
period sums, the work of one run in a worker) and prints what the comparison would take
on ``--workers`` free cores: runs x CPU per run / workers.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time

import cspsim
from cspsim.inputs.scenario import load_scenario
from cspsim.studies.runner import Job
from cspsim.studies.uncertainty import run_one


def cpu_per_run(n: int) -> float:
    """Median CPU seconds of one run of ``pcc_grant_cut_2026`` as a worker does it."""
    scenario = load_scenario("pcc_grant_cut_2026")
    job = Job(scenario, 0, 1, csp_rows=False)
    run_one(None, job)  # warm-up: imports, the geography cache
    times = []
    for k in range(n):
        t0 = time.process_time()
        run_one(None, Job(scenario, k, k + 1, csp_rows=False))
        times.append(time.process_time() - t0)
    return statistics.median(times)


def main(argv: list[str] | None = None) -> None:
    """Run the benchmark and print the figures."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sets", type=int, default=200, help="parameter sets (default 200)")
    ap.add_argument("--replicates", type=int, default=4, help="replicates per set (4)")
    ap.add_argument("--workers", type=int, default=2, help="local processes (2)")
    ap.add_argument("--out", help="also write the report here (as cspsim compare --out)")
    ap.add_argument("--sample", type=int, default=20, help="runs timed by CPU first (20)")
    args = ap.parse_args(argv)
    runs = 2 * args.sets * args.replicates
    cpu = cpu_per_run(args.sample)
    print(
        f"CPU per national run (median of {args.sample}, this process): {1000 * cpu:.0f} ms; "
        f"{runs} runs on {args.workers} free cores: {runs * cpu / args.workers:.0f} s"
    )
    load0 = os.getloadavg()
    t0 = time.perf_counter()
    comp = cspsim.compare(
        ["projection_2030", "pcc_grant_cut_2026"],
        replicates=args.replicates,
        workers=args.workers,
        uncertainty="calibration",
        parameter_sets=args.sets,
        out=args.out,
    )
    wall = time.perf_counter() - t0
    print(
        f"python {platform.python_version()}, {os.cpu_count()} cores, {args.workers} workers; "
        f"load average before {load0[0]:.1f}, after {os.getloadavg()[0]:.1f}"
    )
    print(
        f"{args.sets} parameter sets x {args.replicates} replicates x 2 scenarios = {runs} runs "
        f"in {wall:.1f} s (compare's own timer {comp.wall_time_s:.1f} s): "
        f"{1000 * wall * args.workers / runs:.0f} ms per run per worker"
    )
    t = comp.table
    row = t[
        (t["scenario"] == "pcc_grant_cut_2026")
        & (t["level"] == "national")
        & (t["outcome"] == "share_met")
        & (t["period"] == "window")
    ].iloc[0]
    print(
        f"share of demand met, policy window: {100 * row['diff']:+.2f} pp "
        f"[{100 * row['diff_lo']:+.2f}, {100 * row['diff_hi']:+.2f}], sign held in "
        f"{100 * row['sign_share']:.0f}% of parameter sets"
    )


if __name__ == "__main__":
    main()
