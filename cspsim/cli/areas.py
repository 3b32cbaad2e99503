"""``cspsim areas [NAME]``: the real places a scenario may name in ``[geography] areas``.

Registered by :mod:`cspsim.cli.main`; a thin layer over :mod:`cspsim.inputs.real_areas`.
Without a name it lists every accepted name with its ONS code, grouped by kind; with one it
shows the councils it resolves to, or exits 2 with the nearest names.
"""

from __future__ import annotations

import argparse
import datetime as dt
from typing import TYPE_CHECKING

from cspsim.cli.common import UserError
from cspsim.inputs.england import ATTRIBUTION
from cspsim.inputs.real_areas import FIRST_DAY, describe, places_by_kind

if TYPE_CHECKING:
    from cspsim.cli.common import Subparsers

HEADINGS = {
    "police_force_area": "Police force areas",
    "county": "Counties (two-tier, metropolitan, Inner/Outer London)",
    "council": "Councils",
    "csp": "Community safety partnerships",
}


KIND_NAMES = {
    "police_force_area": "police force area",
    "county": "county",
    "council": "council",
    "csp": "CSP",
}


def add_parser(sub: Subparsers) -> None:
    """Register ``areas``."""
    a = sub.add_parser(
        "areas", help="list the real places a scenario can name, or show what one resolves to"
    )
    a.add_argument("name", nargs="?", help="a police force area, county, council or CSP (or code)")
    a.add_argument(
        "--date",
        type=dt.date.fromisoformat,
        default=FIRST_DAY,
        help=f"resolve on this date, YYYY-MM-DD (default {FIRST_DAY}, the scenarios' start)",
    )
    a.set_defaults(func=cmd_areas)


def cmd_areas(args: argparse.Namespace) -> int:
    """List the accepted names, or resolve one."""
    if args.name is None:
        groups = places_by_kind()
        print(
            "Names accepted by `[geography] areas = [...]` (case-insensitive; a code works too).\n"
            "A name matching several kinds resolves in this order."
        )
        for kind, places in groups.items():
            print(f"\n{HEADINGS[kind]} ({len(places)})")
            for p in places:
                print(f"  {p.code:14s} {p.name}")
    else:
        try:
            resolved, councils = describe(args.name, args.date)
        except LookupError as exc:
            raise UserError(str(exc.args[0])) from None
        kind = KIND_NAMES[resolved.kind]
        plural = "" if len(councils) == 1 else "s"
        print(
            f"{args.name!r} is the {kind} {resolved.place!r}: {len(councils)} council{plural} "
            f"in force on {args.date}"
        )
        for c in councils:
            print(f"  {c.code}  {c.name:32s} {c.type:18s} {c.population:>9,d} people")
        types = sorted({c.type for c in councils})
        counts = ", ".join(f"{sum(c.type == t for c in councils)} {t}" for t in types)
        print(f"({counts}; one CSP per council in the model)")
    print(f"\n{ATTRIBUTION}")
    return 0
