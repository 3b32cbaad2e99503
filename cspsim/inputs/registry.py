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
_OPTIONAL = {"kind": "real", "choices": (), "calibrate": False}
KINDS = ("real", "integer", "boolean", "choice")


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
        group: Submodel the parameter belongs to (``lever`` for scenario levers).
        description: One sentence for tables and tooltips.
        kind: ``real``, ``integer``, ``boolean`` (0/1) or ``choice`` (index into ``choices``).
        choices: Names of the options of a ``choice``.
        calibrate: Fitted to the 2009 survey by ``cspsim calibrate`` (its free parameters).
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
    kind: str = "real"
    choices: tuple[str, ...] = ()
    calibrate: bool = False

    def check(self, value: float) -> str | None:
        """Return a problem description if ``value`` lies outside the bounds, else None."""
        tol = 1e-9 * max(1.0, abs(self.lower), abs(self.upper))  # samplers' rounding at a bound
        if not (self.lower - tol <= value <= self.upper + tol):
            return f"must be between {self.lower:g} and {self.upper:g} {self.unit}, got {value!r}"
        return None


def _spec(path: Path, name: str, entry: dict, problems: list[str]) -> ParamSpec | None:
    missing = _FIELDS - entry.keys()
    unknown = entry.keys() - _FIELDS - _OPTIONAL.keys()
    if missing or unknown:
        problems.append(f"{path}: [{name}] missing {sorted(missing)} unknown {sorted(unknown)}")
        return None
    spec = ParamSpec(
        name=name,
        **{k: entry[k] for k in _FIELDS},
        kind=entry.get("kind", "real"),
        choices=tuple(entry.get("choices", ())),
        calibrate=bool(entry.get("calibrate", False)),
    )
    if not spec.lower <= spec.default <= spec.upper:
        problems.append(f"{path}: [{name}] default {spec.default} outside bounds")
    if spec.kind not in KINDS:
        problems.append(f"{path}: [{name}] kind must be one of {KINDS}")
    if spec.kind == "choice" and spec.upper != len(spec.choices) - 1:
        problems.append(f"{path}: [{name}] a choice's upper bound is the last choice's index")
    return spec


def load_registry(path: Path = REGISTRY_FILE) -> tuple[dict[str, ParamSpec], dict[str, ParamSpec]]:
    """Read and check a registry file.

    Returns:
        (model parameters, scenario levers), each by name.

    Raises:
        ValueError: if an entry lacks a field, has an unknown one, or a default out of bounds.
    """
    with path.open("rb") as fh:
        raw = tomllib.load(fh)
    problems: list[str] = []
    lever_raw = raw.pop("levers", {})
    params = {n: s for n, e in raw.items() if (s := _spec(path, n, e, problems))}
    levers = {n: s for n, e in lever_raw.items() if (s := _spec(path, n, e, problems))}
    if problems:
        raise ValueError("\n".join(problems))
    return params, levers


@cache
def _loaded() -> tuple[dict[str, ParamSpec], dict[str, ParamSpec]]:
    return load_registry()


def registry() -> dict[str, ParamSpec]:
    """The model parameters of the shipped registry (read once)."""
    return _loaded()[0]


def file_levers() -> dict[str, ParamSpec]:
    """The scenario levers listed in the registry file (see ``cspsim.inputs.levers`` for all)."""
    return _loaded()[1]


def calibrated_names() -> list[str]:
    """Names of the parameters that ``cspsim calibrate`` fits (``calibrate = true``)."""
    return [name for name, spec in registry().items() if spec.calibrate]


def defaults() -> dict[str, float]:
    """Default value of every registry parameter, by name."""
    return {name: float(spec.default) for name, spec in registry().items()}
