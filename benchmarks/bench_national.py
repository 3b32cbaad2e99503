"""Time both engines on a national run, in one process, and print their ratio.

Usage: ``.venv/bin/python benchmarks/bench_national.py [--repeats 7] [--agent-repeats 3]
[--scenario baseline]``

For each engine (``arrays``, the fast default, and ``agents``, the readable per-agent Mesa
engine), reports the median model construction and run times over the repeats (seeds 1, 2,
...) after one warm-up, and the run time per agent-step: run time / (agents x steps). Both
engines are put on the same basis: "agents" is ``len(m.agents)`` of the agent engine's model
after the run (every council, PCC, partner agency, CSP and hub that acted in it). The
geography is built once and reused, as bulk runs do.
"""

from __future__ import annotations

import argparse
import platform
import statistics
import time
from pathlib import Path

import mesa
import numpy as np

from cspsim.inputs.geography import build_geography
from cspsim.inputs.scenario import load_scenario
from cspsim.model.model import CSPModel


def _time_once(scenario, seed: int, engine: str, geography) -> tuple[float, float, CSPModel]:
    t0 = time.perf_counter()
    m = CSPModel(scenario, seed=seed, with_agents=False, geography=geography, engine=engine)
    t1 = time.perf_counter()
    m.run()
    t2 = time.perf_counter()
    return t1 - t0, t2 - t1, m


def bench(scenario, engine: str, repeats: int, geography) -> dict:
    """Median construction and run times (seconds) over ``repeats`` after a warm-up."""
    _time_once(scenario, 0, engine, geography)  # warm-up: imports, caches, allocator
    build, run = [], []
    for r in range(repeats):
        b, t, m = _time_once(scenario, r + 1, engine, geography)
        build.append(b)
        run.append(t)
    return {
        "model": m,
        "steps": m.t + 1,
        "build": statistics.median(build),
        "run": statistics.median(run),
        "run_min": min(run),
    }


def main(argv: list[str] | None = None) -> None:
    """Run the benchmark and print the figures."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=7, help="timed array runs (default 7)")
    ap.add_argument("--agent-repeats", type=int, default=3, help="timed agent runs (default 3)")
    ap.add_argument("--scenario", default="baseline", help="scenario file or shipped name")
    args = ap.parse_args(argv)
    scenario = load_scenario(args.scenario)
    geo = build_geography(scenario.geography)
    print(
        f"python {platform.python_version()}, numpy {np.__version__}, mesa {mesa.__version__}; "
        f"scenario {Path(args.scenario).stem}, {geo.n} council areas; "
        "median after 1 warm-up"
    )
    results = {
        "agents": bench(scenario, "agents", args.agent_repeats, geo),
        "arrays": bench(scenario, "arrays", args.repeats, geo),
    }
    n_agents = len(results["agents"]["model"].agents)
    for engine, r in results.items():
        repeats = args.agent_repeats if engine == "agents" else args.repeats
        us = r["run"] / (n_agents * r["steps"]) * 1e6
        print(f"\nengine={engine!r} ({repeats} runs)")
        print(f"  construction      {r['build'] * 1e3:10.2f} ms")
        print(f"  run               {r['run'] * 1e3:10.2f} ms   (min {r['run_min'] * 1e3:.2f} ms)")
        print(f"  per step          {r['run'] / r['steps'] * 1e6:10.1f} µs   ({r['steps']} steps)")
        print(f"  per agent-step    {us:10.3f} µs   ({n_agents} agents)")
    a, b = results["agents"], results["arrays"]
    print(
        f"\narrays are {a['run'] / b['run']:.0f}x faster per run (run only) and "
        f"{(a['run'] + a['build']) / (b['run'] + b['build']):.0f}x with construction"
    )


if __name__ == "__main__":
    main()
