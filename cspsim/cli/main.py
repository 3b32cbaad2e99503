"""Command line: ``cspsim run | compare | check | scenarios | registry | areas`` (+ extensions).

The extensions are ``sensitivity``, ``discover``, ``dashboard``, ``validate`` and
``calibrate``. Each command group lives in its own module of :mod:`cspsim.cli` with an
``add_parser``; they share only :mod:`cspsim.cli.common`. User errors (a bad scenario, a
missing file, a bad flag) exit with status 2 and one line per problem; nothing is written and
no traceback is shown.
"""

from __future__ import annotations

import argparse
import sys

from cspsim.cli import areas, check, compare, dashboard, discover, run, sensitivity, validate
from cspsim.cli.common import UserError, check_limits

# Command groups, in the order of ``cspsim --help``.
COMMANDS = (run, compare, check, areas, sensitivity, discover, dashboard, validate)


def parser() -> argparse.ArgumentParser:
    """The argument parser."""
    p = argparse.ArgumentParser(prog="cspsim", description=__doc__.splitlines()[0])
    sub = p.add_subparsers(dest="command", required=True)
    for module in COMMANDS:
        module.add_parser(sub)
    return p


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``cspsim`` command."""
    args = parser().parse_args(argv)
    args.argv = list(sys.argv[1:] if argv is None else argv)  # for commands that record it
    try:
        check_limits(args)
        return args.func(args)
    except UserError as exc:
        print(exc, file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(
            "interrupted; no results were written (an old output folder is left as it was)",
            file=sys.stderr,
        )
        return 130


if __name__ == "__main__":
    sys.exit(main())
