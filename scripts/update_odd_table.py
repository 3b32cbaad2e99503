"""Regenerate the parameter table in docs/ODD.md from the registry.

Replaces everything between the lines ``<!-- registry-table:start -->`` and
``<!-- registry-table:end -->`` with ``cspsim.inputs.levers.markdown_table()`` and writes the file
atomically (temporary file in the same folder, then ``os.replace``).

Usage: python scripts/update_odd_table.py [--check]
  --check  exit with status 1 if the table is out of date, without writing.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

from cspsim.inputs.levers import markdown_table

ODD = Path(__file__).resolve().parents[1] / "docs" / "ODD.md"
START = "<!-- registry-table:start -->"
END = "<!-- registry-table:end -->"


def regenerate(text: str, table: str) -> str:
    """``text`` with the block between the marker lines replaced by ``table``.

    Raises:
        ValueError: if the markers are missing, repeated or out of order.
    """
    lines = text.splitlines(keepends=True)
    starts = [i for i, line in enumerate(lines) if line.strip() == START]
    ends = [i for i, line in enumerate(lines) if line.strip() == END]
    if len(starts) != 1 or len(ends) != 1 or ends[0] < starts[0]:
        raise ValueError(f"expected one '{START}' line followed by one '{END}' line")
    block = table.rstrip("\n") + "\n"
    return "".join(lines[: starts[0] + 1]) + block + "".join(lines[ends[0] :])


def write_atomic(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` via a temporary file and ``os.replace`` (mode kept)."""
    mode = path.stat().st_mode & 0o777 if path.exists() else 0o644
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def main(argv: list[str] | None = None) -> int:
    """Update (or with --check, verify) the table; return the exit status."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only report whether it is stale")
    args = parser.parse_args(argv)
    old = ODD.read_text(encoding="utf-8")
    try:
        new = regenerate(old, markdown_table())
    except ValueError as exc:
        print(f"{ODD}: {exc}", file=sys.stderr)
        return 2
    if new == old:
        print(f"{ODD}: parameter table up to date")
        return 0
    if args.check:
        print(f"{ODD}: parameter table is stale; run python scripts/update_odd_table.py")
        return 1
    write_atomic(ODD, new)
    print(f"{ODD}: parameter table updated")
    return 0


if __name__ == "__main__":
    sys.exit(main())
