"""A/B timing of the array engine: two versions of cspsim interleaved in one process.

Usage: ``.venv/bin/python benchmarks/ab_national.py OLD NEW [--rounds 30] [--scenario baseline]``

OLD and NEW are each a folder holding a ``cspsim`` package (a checkout or worktree) or a git
revision of this repository (exported with ``git archive`` to a temporary folder). Both
versions are imported into this process under the name ``cspsim`` (swapped in and out of
``sys.modules``), and their national runs alternate, seed by seed, ``--rounds`` times (the
order flips every round). Each run's CPU time (``time.process_time``) is taken around
``run()``; the report gives both versions' medians and the median of the per-round ratio
NEW / OLD, which a shared machine's load moves far less than the times themselves. It also
says whether every recorded output of each pair of runs is bit-for-bit equal.
"""

from __future__ import annotations

import argparse
import importlib
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parents[1]
RECORDED = ("demand", "delivered", "team_fte", "spend_gbp", "eng_strategic", "eng_operational")


def _source(spec: str, tmp: Path) -> Path:
    """The folder holding version ``spec``: a folder with ``cspsim/``, or a git revision."""
    if (Path(spec) / "cspsim" / "__init__.py").is_file():
        return Path(spec).resolve()
    out = tmp / f"rev{len(list(tmp.iterdir()))}"
    archive = subprocess.run(
        ["git", "-C", str(REPO), "archive", "--format=tar", spec],
        capture_output=True,
        check=False,
    )
    if archive.returncode != 0:
        message = f"error: {spec!r} is neither a folder with cspsim/ nor a git revision"
        print(message, file=sys.stderr)
        raise SystemExit(2)
    tar_path = tmp / "export.tar"
    tar_path.write_bytes(archive.stdout)
    with tarfile.open(tar_path) as tar:
        tar.extractall(out, filter="data")
    return out


def _own_modules() -> dict[str, ModuleType]:
    return {k: v for k, v in sys.modules.items() if k == "cspsim" or k.startswith("cspsim.")}


def _activate(modules: dict[str, ModuleType]) -> None:
    for name in _own_modules():
        del sys.modules[name]
    sys.modules.update(modules)


def _load(root: Path, scenario: str) -> dict[str, Any]:
    """Import the version in ``root`` and build what its runs need."""
    _activate({})
    sys.path.insert(0, str(root))
    try:
        load_scenario = importlib.import_module("cspsim.inputs.scenario").load_scenario
        build_geography = importlib.import_module("cspsim.inputs.geography").build_geography
        model_class = importlib.import_module("cspsim.model.model").CSPModel
        sc = load_scenario(scenario)
        geo = build_geography(sc.geography)
        model_class(sc, seed=0, with_agents=False, geography=geo).run()  # warm-up, lazy imports
    finally:
        sys.path.remove(str(root))
    return {"modules": _own_modules(), "scenario": sc, "geography": geo, "model": model_class}


def _run(version: dict[str, Any], seed: int) -> tuple[float, Any]:
    _activate(version["modules"])
    m = version["model"](
        version["scenario"], seed=seed, with_agents=False, geography=version["geography"]
    )
    t0 = time.process_time()
    m.run()
    return time.process_time() - t0, m.rec


def _same(a: Any, b: Any) -> bool:
    arrays = all(np.array_equal(getattr(a, k), getattr(b, k), equal_nan=True) for k in RECORDED)
    return arrays and all(np.array_equal(a.ledger[k], b.ledger[k]) for k in a.ledger)


def main(argv: list[str] | None = None) -> None:
    """Run the comparison and print the figures."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("old", help="folder with cspsim/, or a git revision")
    ap.add_argument("new", help="folder with cspsim/, or a git revision")
    ap.add_argument("--rounds", type=int, default=30, help="runs of each version (default 30)")
    ap.add_argument("--scenario", default="baseline", help="scenario file or shipped name")
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:  # exported revisions read their files lazily
        roots = {"old": _source(args.old, Path(tmp)), "new": _source(args.new, Path(tmp))}
        versions = {name: _load(root, args.scenario) for name, root in roots.items()}
        _compare(versions, {"old": args.old, "new": args.new}, args.rounds)


def _compare(versions: dict[str, dict[str, Any]], labels: dict[str, str], rounds: int) -> None:
    cpu: dict[str, list[float]] = {"old": [], "new": []}
    same = True
    for r in range(rounds):
        recs = {}
        for name in ("old", "new") if r % 2 == 0 else ("new", "old"):
            seconds, recs[name] = _run(versions[name], r + 1)
            cpu[name].append(seconds)
        same = same and _same(recs["old"], recs["new"])
    for name in ("old", "new"):
        times = cpu[name]
        print(
            f"{name} ({labels[name]}): CPU per run median {statistics.median(times) * 1e3:.2f} ms"
            f" (min {min(times) * 1e3:.2f})"
        )
    ratio = statistics.median(n / o for n, o in zip(cpu["new"], cpu["old"], strict=True))
    print(f"new / old, median of {rounds} rounds: {ratio:.3f}; outputs bit-for-bit: {same}")


if __name__ == "__main__":
    main()
