"""``cspsim check | scenarios | registry``: look at scenarios and parameters without running."""

from __future__ import annotations

import argparse
import sys
import tomllib
from typing import TYPE_CHECKING

from cspsim.cli.common import UserError, build, load
from cspsim.inputs.levers import markdown_table
from cspsim.inputs.registry import registry
from cspsim.paths import CONFIGS_DIR, REPO_DIR

if TYPE_CHECKING:
    from cspsim.cli.common import Subparsers

NOT_SCENARIOS = {"parameters.toml", "duties.toml", "england_2009.toml"}


def add_parser(sub: Subparsers) -> None:
    """Register ``check``, ``scenarios`` and ``registry``."""
    c = sub.add_parser("check", help="validate scenario files")
    c.add_argument("files", nargs="+")
    c.set_defaults(func=cmd_check)
    s = sub.add_parser("scenarios", help="list the shipped scenarios")
    s.set_defaults(func=cmd_scenarios)
    g = sub.add_parser("registry", help="print the parameter registry")
    g.add_argument("--markdown", action="store_true", help="as a Markdown table (for docs/ODD.md)")
    g.set_defaults(func=cmd_registry)


def cmd_check(args: argparse.Namespace) -> int:
    """Validate scenario files and build each model once."""
    failed = False
    for path in args.files:
        try:
            scenario = load(path)
            m = build(scenario, path)
        except UserError as exc:
            print(exc, file=sys.stderr)
            failed = True
            continue
        n_csp = len(m.epochs[-1].csp_names)
        print(
            f"OK {path}: '{scenario.name}', {m.geo.n} council areas, {n_csp} CSPs at the end, "
            f"{m.sched.n_steps} quarters {m.sched.quarters[0]} to {m.sched.quarters[-1]}, "
            f"{m.duties.n} duties"
        )
    return 2 if failed else 0


def cmd_scenarios(args: argparse.Namespace) -> int:
    """List the scenario files shipped in configs/."""
    for path in sorted(CONFIGS_DIR.glob("*.toml")):
        if path.name in NOT_SCENARIOS:
            continue
        with path.open("rb") as fh:
            raw = tomllib.load(fh)
        desc = raw.get("description", "")
        print(f"{path.relative_to(REPO_DIR)}\n    {raw.get('name', path.stem)}: {desc}")
    return 0


def cmd_registry(args: argparse.Namespace) -> int:
    """Print the parameter registry."""
    if args.markdown:
        print(markdown_table())
        return 0
    for s in registry().values():
        print(f"{s.name:36s} {s.default:>12g}  [{s.lower:g}, {s.upper:g}] {s.unit}  ({s.agency})")
    return 0
