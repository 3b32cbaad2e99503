"""Time each phase of the array engine's step on a national run: where a step's time goes.

Usage: ``.venv/bin/python benchmarks/bench_phases.py [--runs 30] [--scenario baseline]``

Wraps each phase of ``CSPModel._step_arrays`` (budgets, commitments, delivery, adaptation,
record) in a timer and reports the mean time per step of each, and of the rest of the step
(drawing the quarter's random numbers, Mesa's step counters, the reorganisation shocks).
The timers add about 1 µs a phase, so the total is a little above an untimed run's (also
printed). For judging a change, compare two source trees with ``ab_national.py`` instead:
one run of this script on a shared machine moves by ±20 %.
"""

from __future__ import annotations

import argparse
import time
from collections import defaultdict
from collections.abc import Callable
from typing import Any

import cspsim.model.model as model_module
from cspsim.inputs.geography import build_geography
from cspsim.inputs.scenario import load_scenario
from cspsim.model.submodels import adaptation, budgets, commitments, delivery

PHASES = {
    "budgets": (budgets, "step_arrays"),
    "commitments": (commitments, "step_arrays"),
    "delivery": (delivery, "step_arrays"),
    "adaptation": (adaptation, "step_arrays"),
    "record": (model_module, "record_arrays"),
}


def _timed(fn: Callable[..., Any], totals: dict[str, float], name: str) -> Callable[..., Any]:
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        t0 = time.perf_counter()
        out = fn(*args, **kwargs)
        totals[name] += time.perf_counter() - t0
        return out

    return wrapper


def main(argv: list[str] | None = None) -> None:
    """Run the benchmark and print the figures."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=30, help="timed runs (default 30)")
    ap.add_argument("--scenario", default="baseline", help="scenario file or shipped name")
    args = ap.parse_args(argv)
    scenario = load_scenario(args.scenario)
    geo = build_geography(scenario.geography)

    def runs(seed0: int) -> tuple[float, int]:
        total, steps = 0.0, 0
        for seed in range(seed0, seed0 + args.runs):
            m = model_module.CSPModel(scenario, seed=seed, with_agents=False, geography=geo)
            t0 = time.perf_counter()
            m.run()
            total += time.perf_counter() - t0
            steps += m.t + 1
        return total, steps

    runs(0)  # warm-up: imports, caches
    plain, steps = runs(1)
    totals: dict[str, float] = defaultdict(float)
    originals = {name: getattr(mod, attr) for name, (mod, attr) in PHASES.items()}
    for name, (mod, attr) in PHASES.items():
        setattr(mod, attr, _timed(originals[name], totals, name))
    try:
        timed, steps = runs(1)
    finally:
        for name, (mod, attr) in PHASES.items():
            setattr(mod, attr, originals[name])
    print(f"{args.runs} runs of {args.scenario}, {geo.n} council areas, {steps // args.runs} steps")
    print(f"untimed run {plain / args.runs * 1e3:.2f} ms, {plain / steps * 1e6:.1f} µs per step")
    print(f"timed run   {timed / args.runs * 1e3:.2f} ms, {timed / steps * 1e6:.1f} µs per step:")
    for name in PHASES:
        print(f"  {name:<12} {totals[name] / steps * 1e6:7.1f} µs")
    rest = timed - sum(totals.values())
    print(f"  {'rest':<12} {rest / steps * 1e6:7.1f} µs  (random numbers, counters, shocks)")


if __name__ == "__main__":
    main()
