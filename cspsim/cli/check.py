"""``cspsim check | scenarios | registry``: look at scenarios and parameters without running."""

from __future__ import annotations

import argparse
import sys
import textwrap
from typing import TYPE_CHECKING

from cspsim.cli.common import FORCE_HELP, UserError, build, load, rel, scenario_path
from cspsim.inputs.catalogue import describe_shipped
from cspsim.inputs.levers import lever_specs, markdown_table
from cspsim.inputs.registry import registry
from cspsim.paths import CONFIGS_DIR, SOURCE_CHECKOUT

if TYPE_CHECKING:
    from cspsim.cli.common import Subparsers


def add_parser(sub: Subparsers) -> None:
    """Register ``check``, ``scenarios`` and ``registry``."""
    c = sub.add_parser("check", help="validate scenario or experiment files")
    c.add_argument(
        "files",
        nargs="+",
        help="scenario files, shipped scenario names, or experiment files (experiments/*.toml)",
    )
    c.add_argument("--force", action="store_true", help=FORCE_HELP)
    c.set_defaults(func=cmd_check)
    s = sub.add_parser("scenarios", help="list the shipped scenarios")
    s.set_defaults(func=cmd_scenarios)
    g = sub.add_parser("registry", help="print the parameter registry and the levers")
    g.add_argument("--markdown", action="store_true", help="as a Markdown table (for docs/ODD.md)")
    g.set_defaults(func=cmd_registry)


def check_experiment(path: str, force: bool = False) -> bool:
    """Run a sweep's own checks on an experiment file (nothing runs); print the verdict."""
    from cspsim.studies.sensitivity.experiment import ExperimentError, load_experiment
    from cspsim.studies.sensitivity.sweep import plan

    try:
        p = plan(load_experiment(path, force))
    except ExperimentError as exc:
        print("\n".join(exc.problems), file=sys.stderr)
        return False
    print(f"OK experiment {p.loaded.spec.name}: {p.n_runs} runs, method {p.design.method}")
    return True


def cmd_check(args: argparse.Namespace) -> int:
    """Validate scenario files and build each model once; check experiment files as
    ``cspsim sensitivity`` would before a sweep."""
    from cspsim.studies.sensitivity.experiment import is_experiment_file

    failed = False
    for arg in args.files:
        if is_experiment_file(arg):
            failed |= not check_experiment(arg, args.force)
            continue
        try:
            path = scenario_path(arg)
            scenario = load(path)
            m = build(scenario, path)
        except UserError as exc:
            print(exc, file=sys.stderr)
            failed = True
            continue
        n_csp = len(m.epochs[-1].csp_names)
        print(
            f"OK {arg}: '{scenario.name}', {m.geo.n} council areas, {n_csp} CSPs at the end, "
            f"{m.sched.n_steps} quarters {m.sched.quarters[0]} to {m.sched.quarters[-1]}, "
            f"{m.duties.n} duties"
        )
    return 2 if failed else 0


def cmd_scenarios(args: argparse.Namespace) -> int:
    """List the shipped scenarios by name, with their descriptions and files."""
    shipped = describe_shipped()
    folder = rel(CONFIGS_DIR) if SOURCE_CHECKOUT else str(CONFIGS_DIR)
    print(
        f"{len(shipped)} shipped scenarios (files NAME.toml in {folder}/).\n"
        "Run one by name: `cspsim run baseline`. A scenario file of your own can start\n"
        'from one with `extends = "baseline.toml"`.\n'
    )
    for s in shipped:
        print(s.name)
        for line in textwrap.wrap(s.description or "(no description)", 88):
            print(f"    {line}")
    return 0


def cmd_registry(args: argparse.Namespace) -> int:
    """Print the parameter registry, then the levers with what each one does."""
    if args.markdown:
        print(markdown_table())
        return 0
    print("# parameters (set in a scenario's [parameters])")
    for s in registry().values():
        label = f"  {s.label}" if s.label else ""
        print(
            f"{s.name:36s} {s.default:>12g}  [{s.lower:g}, {s.upper:g}] {s.unit}  "
            f"({s.agency}){label}"
        )
    print(
        "\n# levers (set in [parameters] like a parameter; each rewrites the scenario, "
        "e.g. cut_pct__pcc_fund = 20)"
    )
    for s in lever_specs().values():
        if s.kind == "choice":
            bounds = "one of " + ", ".join(s.choices)
        else:
            bounds = f"default {s.default:g}, {s.lower:g} to {s.upper:g} {s.unit}"
        print(f"{s.name}  ({s.label or s.agency}; {bounds})")
        for line in textwrap.wrap(s.description, 84):
            print(f"    {line}")
    return 0
