"""``cspsim discover``: scenario discovery (PRIM, optionally CART) on a finished sweep.

Registered by :mod:`cspsim.cli.main`; ema_workbench is imported inside the command, so other
commands do not pay for it.

Exit status: 0 boxes written; 2 the folder is not a sweep, the outcome is unknown, or the
threshold selects no design point or every one (one line, nothing written).
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from cspsim.cli.common import UserError

if TYPE_CHECKING:
    from cspsim.cli.common import Subparsers

EPILOG = """\
example:
  cspsim sensitivity experiments/district_half_met_2024.toml
  cspsim discover results/sensitivity/district_half_met_2024 \\
      --outcome district_share_met_2024 --below 0.5
exit status: 0 done; 2 not a sweep folder, unknown outcome, or a threshold that selects no
design point or every one. See docs/SENSITIVITY.md, "Scenario discovery"."""


def add_parser(subparsers: Subparsers) -> None:
    """Add the ``discover`` subcommand to the ``cspsim`` parser."""
    s = subparsers.add_parser(
        "discover",
        help="scenario discovery on a sweep: which factor ranges give an outcome below/above X "
        "(PRIM, EMA Workbench)",
        description="Scenario discovery on a sweep folder of `cspsim sensitivity`: PRIM "
        "(EMA Workbench) finds the ranges of the varied parameters where OUTCOME (the mean of "
        "each design point's replicates) is below or above a threshold. Writes the peeling "
        "trajectory, the chosen boxes with coverage, density and ranges in the registry's "
        "units (CSV and summary.md), and plots.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    s.add_argument("sweep", help="output folder of `cspsim sensitivity`")
    s.add_argument("--outcome", required=True, help='a sweep outcome: NAME or "NAME in YEAR"')
    side = s.add_mutually_exclusive_group(required=True)
    side.add_argument("--below", type=float, metavar="X", help="cases: OUTCOME < X")
    side.add_argument("--above", type=float, metavar="X", help="cases: OUTCOME > X")
    s.add_argument(
        "--density", type=float, default=0.8,
        help="density a chosen box must reach (default 0.8): the chosen step is the one "
        "with the highest coverage at this density",
    )  # fmt: skip
    s.add_argument("--max-boxes", type=int, default=3, help="at most this many boxes (default 3)")
    s.add_argument("--mass-min", type=float, default=0.05, help="smallest box, share of points")
    s.add_argument("--cart", action="store_true", help="also run CART (cart_boxes.csv)")
    s.add_argument("--out", help="output folder (default SWEEP/discover/OUTCOME-below-X)")
    s.add_argument("--no-plots", action="store_true", help="skip the PNG plots")
    s.add_argument("--quiet", action="store_true", help="print nothing but errors")
    s.set_defaults(func=cmd_discover)


def cmd_discover(args: argparse.Namespace) -> int:
    """Run PRIM on a sweep and write its boxes."""
    from cspsim.studies.discovery import DiscoveryError, default_out, discover
    from cspsim.studies.discovery_report import summary_lines
    from cspsim.studies.results import LoadError, load_sweep

    folder = Path(args.sweep)
    try:
        results = load_sweep(folder)
        out = Path(args.out) if args.out else default_out(folder, args.outcome, args.below,
                                                          args.above)  # fmt: skip
        found = discover(
            results, args.outcome, args.below, args.above, out=out, density=args.density,
            max_boxes=args.max_boxes, mass_min=args.mass_min, cart=args.cart,
            plots=not args.no_plots,
        )  # fmt: skip
    except (LoadError, DiscoveryError) as exc:
        raise UserError(str(exc)) from None
    except OSError as exc:
        raise UserError(f"cannot write the results: {exc}") from None
    if not args.quiet:
        print("\n".join(summary_lines(found, results)).rstrip())
        print(f"\nResults: {out}")
    return 0
