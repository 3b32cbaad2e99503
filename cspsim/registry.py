"""The parameter registry: one list of every model parameter with its bounds, unit and source.

The registry lives in ``configs/parameters.toml``. The scenario schema (``[parameters]``
overrides), the sensitivity-analysis problem, the dashboard sliders and the ODD parameter
table all read it through this module.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from cspsim.paths import REGISTRY_FILE

_FIELDS = {"default", "lower", "upper", "unit", "agency", "source", "group", "description"}


@dataclass(frozen=True, slots=True)
class ParamSpec:
    """One registry entry.

    Attributes:
        name: Registry name, used unchanged in scenarios, experiments and the dashboard.
        default: Value used when a scenario does not override it.
        lower: Lowest plausible value (sensitivity-analysis and slider bound).
        upper: Highest plausible value.
        unit: Unit of the value (``fte``, ``share``, ``gbp_per_year`` ...).
        agency: Agency type that owns the parameter (``all`` when shared).
        source: Where the default comes from, or ``assumption``.
        group: Submodel the parameter belongs to.
        description: One sentence for tables and tooltips.
    """

    name: str
    default: float
    lower: float
    upper: float
    unit: str
    agency: str
    source: str
    group: str
    description: str

    def check(self, value: float) -> str | None:
        """Return a problem description if ``value`` lies outside the bounds, else None."""
        if not (self.lower <= value <= self.upper):
            return f"must be between {self.lower:g} and {self.upper:g} {self.unit}, got {value:g}"
        return None


def load_registry(path: Path = REGISTRY_FILE) -> dict[str, ParamSpec]:
    """Read and check a registry file.

    Raises:
        ValueError: if an entry lacks a field, has an unknown one, or a default out of bounds.
    """
    with path.open("rb") as fh:
        raw = tomllib.load(fh)
    specs: dict[str, ParamSpec] = {}
    problems: list[str] = []
    for name, entry in raw.items():
        missing = _FIELDS - entry.keys()
        unknown = entry.keys() - _FIELDS
        if missing or unknown:
            problems.append(f"{path}: [{name}] missing {sorted(missing)} unknown {sorted(unknown)}")
            continue
        spec = ParamSpec(name=name, **{k: entry[k] for k in _FIELDS})
        if not spec.lower <= spec.default <= spec.upper:
            problems.append(f"{path}: [{name}] default {spec.default} outside bounds")
        specs[name] = spec
    if problems:
        raise ValueError("\n".join(problems))
    return specs


@cache
def registry() -> dict[str, ParamSpec]:
    """The shipped registry, read once."""
    return load_registry()


def defaults() -> dict[str, float]:
    """Default value of every registry parameter, by name."""
    return {name: float(spec.default) for name, spec in registry().items()}


def markdown_table() -> str:
    """The registry as a Markdown table (for docs/ODD.md)."""
    rows = [
        "| name | default | bounds | unit | agency | group | source |",
        "|---|---|---|---|---|---|---|",
    ]
    for s in registry().values():
        rows.append(
            f"| `{s.name}` | {s.default:g} | {s.lower:g} – {s.upper:g} | {s.unit} | {s.agency} "
            f"| {s.group} | {s.source} |"
        )
    return "\n".join(rows)
