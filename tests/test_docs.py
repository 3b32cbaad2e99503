"""docs/ODD.md stays in step with the parameter registry."""

from __future__ import annotations

from pathlib import Path

from cspsim.inputs.levers import markdown_table

ODD = Path(__file__).resolve().parents[1] / "docs" / "ODD.md"
START = "<!-- registry-table:start -->"
END = "<!-- registry-table:end -->"


def _table_block(text: str) -> str:
    lines = text.splitlines()
    starts = [i for i, line in enumerate(lines) if line.strip() == START]
    ends = [i for i, line in enumerate(lines) if line.strip() == END]
    assert len(starts) == 1 and len(ends) == 1 and starts[0] < ends[0], (
        f"{ODD} needs exactly one '{START}' line followed by one '{END}' line"
    )
    return "\n".join(lines[starts[0] + 1 : ends[0]])


def test_odd_parameter_table_matches_registry():
    """The table between the markers is exactly markdown_table()."""
    block = _table_block(ODD.read_text(encoding="utf-8"))
    assert block == markdown_table(), (
        "docs/ODD.md parameter table differs from configs/parameters.toml; "
        "run `python scripts/update_odd_table.py` and commit the result"
    )
