"""Time a national run: model construction and the 63-step run, separately.

Usage: ``.venv/bin/python benchmarks/bench_national.py [--repeats 7] [--scenario PATH]``

Reports medians over ``--repeats`` timed models (seeds 1, 2, ...) after one warm-up, with and
without the Mesa agent views, and the run time per agent-step: run time / (agents x steps),
where "agents" is ``len(m.agents)`` of the model with agent views (the views cost nothing per
step, so the runs without them are put on the same basis).
"""

from __future__ import annotations

import argparse
import platform
import statistics
import sys
import time
from pathlib import Path

import mesa
import numpy as np

ROOT = Path(__file__).absolute().parents[1]
sys.path.insert(0, str(ROOT))

from cspsim.inputs.geography import build_geography  # noqa: E402
from cspsim.inputs.scenario import load_scenario  # noqa: E402
from cspsim.model.model import CSPModel  # noqa: E402

CASES = (
    ("with_agents=True", True, False),
    ("with_agents=False", False, False),
    ("with_agents=False, geography reused", False, True),
)


def _time_once(scenario, seed: int, with_agents: bool, geography):
    t0 = time.perf_counter()
    m = CSPModel(scenario, seed=seed, with_agents=with_agents, geography=geography)
    t1 = time.perf_counter()
    m.run()
    t2 = time.perf_counter()
    return t1 - t0, t2 - t1, m


def bench(scenario, repeats: int, with_agents: bool, reuse_geography: bool) -> dict:
    """Median construction and run times (seconds) over ``repeats`` after a warm-up."""
    geo = build_geography(scenario.geography) if reuse_geography else None
    _time_once(scenario, 0, with_agents, geo)  # warm-up: imports, caches, allocator
    build, run = [], []
    for r in range(repeats):
        b, t, m = _time_once(scenario, r + 1, with_agents, geo)
        build.append(b)
        run.append(t)
    return {
        "agents": len(m.agents),
        "steps": m.t + 1,
        "areas": m.geo.n,
        "build": statistics.median(build),
        "run": statistics.median(run),
        "run_min": min(run),
    }


def main(argv: list[str] | None = None) -> None:
    """Run the benchmark and print the figures."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=7, help="timed runs per case (default 7)")
    ap.add_argument("--scenario", default=str(ROOT / "configs" / "baseline.toml"))
    args = ap.parse_args(argv)
    scenario = load_scenario(args.scenario)
    print(
        f"python {platform.python_version()}, numpy {np.__version__}, mesa {mesa.__version__}; "
        f"scenario {Path(args.scenario).name}; median of {args.repeats} after 1 warm-up"
    )
    n_agents = None
    for label, with_agents, reuse in CASES:
        r = bench(scenario, args.repeats, with_agents, reuse)
        n_agents = r["agents"] or n_agents
        print(f"\n{label}")
        print(f"  areas {r['areas']}, Mesa agents {r['agents']}, steps {r['steps']}")
        print(f"  construction      {r['build'] * 1e3:8.2f} ms")
        print(f"  run               {r['run'] * 1e3:8.2f} ms   (min {r['run_min'] * 1e3:.2f} ms)")
        print(f"  per step          {r['run'] / r['steps'] * 1e6:8.1f} µs")
        us = r["run"] / (n_agents * r["steps"]) * 1e6
        basis = "" if r["agents"] else f"  (per the {n_agents} agents of the full model)"
        print(f"  per agent-step    {us:8.3f} µs{basis}")


if __name__ == "__main__":
    main()
