"""Regenerate what is made from the registry: the ODD parameter table and the typed parameters.

Re-run it after changing ``configs/parameters.toml``. It writes, each atomically (temporary
file in the same folder, then ``os.replace``):

- ``docs/ODD.md``: everything between the lines ``<!-- registry-table:start -->`` and
  ``<!-- registry-table:end -->`` becomes ``cspsim.inputs.levers.markdown_table()``
  (``tests/test_docs.py`` checks it);
- ``cspsim/inputs/params.py``: ``Params``, one ``float`` field per registry entry in the file's
  order, each with its description, unit and source as a docstring (``tests/test_params.py``
  checks it).

Usage: python scripts/update_odd_table.py [--check]
  --check  exit with status 1 if either is out of date, without writing.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import textwrap
from pathlib import Path

from cspsim.inputs.levers import markdown_table
from cspsim.inputs.registry import ParamSpec, registry

ROOT = Path(__file__).resolve().parents[1]
ODD = ROOT / "docs" / "ODD.md"
PARAMS = ROOT / "cspsim" / "inputs" / "params.py"
WIDTH = 100
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


HEAD = '''"""Typed model parameters: one ``float`` field per entry of the parameter registry.

GENERATED from ``configs/parameters.toml`` by ``scripts/update_odd_table.py``: do not edit by
hand; change the registry and re-run the script (``tests/test_params.py`` checks the two
agree). Each field's docstring gives the registry's description, unit and source.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the scenario module reads the registry, not this module
    from cspsim.inputs.scenario import Scenario


@dataclass(frozen=True, slots=True)
class Params:
    """Every registry parameter as a plain Python float (numpy scalars slow the model).

    Read attributes by registry name (``P.cost_per_fte_gbp``, ``getattr(P, name)``); make a
    changed copy with ``dataclasses.replace`` and a dict with ``dataclasses.asdict``.
    """

'''

TAIL = '''
    @classmethod
    def from_scenario(cls, scenario: Scenario) -> Params:
        """The scenario's value of every parameter (its override, else the default)."""
        return cls(**{f.name: float(scenario.param(f.name)) for f in fields(cls)})

    @classmethod
    def from_values(cls, values: Mapping[str, float]) -> Params:
        """Parameters from a mapping that names every field (extra names are an error)."""
        return cls(**{name: float(value) for name, value in values.items()})
'''


def _field(spec: ParamSpec) -> str:
    text = f"{spec.description} Unit: {spec.unit}. Source: {spec.source}."
    lines = textwrap.wrap(
        text, width=WIDTH - 4, initial_indent='"""', subsequent_indent="", break_long_words=False
    )
    lines[-1] += '"""'
    if len(lines[-1]) > WIDTH - 4:  # closing quotes on their own line
        lines[-1] = lines[-1][:-3]
        lines.append('"""')
    doc = "\n".join(f"    {line}" if line else "" for line in lines)
    return f"    {spec.name}: float\n{doc}\n"


def params_source() -> str:
    """The text ``cspsim/inputs/params.py`` should have."""
    return HEAD + "\n".join(_field(s) for s in registry().values()) + TAIL


def main(argv: list[str] | None = None) -> int:
    """Update (or with --check, verify) the table and params.py; return the exit status."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only report whether it is stale")
    args = parser.parse_args(argv)
    old = ODD.read_text(encoding="utf-8")
    try:
        new = regenerate(old, markdown_table())
    except ValueError as exc:
        print(f"{ODD}: {exc}", file=sys.stderr)
        return 2
    status = 0
    for path, before, after in (
        (ODD, old, new),
        (PARAMS, PARAMS.read_text(encoding="utf-8") if PARAMS.exists() else "", params_source()),
    ):
        if after == before:
            print(f"{path}: up to date")
        elif args.check:
            print(f"{path}: stale; run python scripts/update_odd_table.py")
            status = 1
        else:
            write_atomic(path, after)
            print(f"{path}: updated")
    return status


if __name__ == "__main__":
    sys.exit(main())
