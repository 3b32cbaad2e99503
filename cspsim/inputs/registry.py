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
_OPTIONAL = {
    "kind": "real",
    "choices": (),
    "calibrate": False,
    "label": "",
    "section": "",
    "choice_labels": (),
    "step": 0.0,
}
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
        label: Short on-screen wording, unit included (dashboard, ``cspsim registry``, ODD
            table); empty when the entry has none.
        section: Dashboard section of a lever (empty: "Other").
        choice_labels: On-screen wording of each of ``choices``, in the same order.
        step: Slider step in the value's own unit (0: the dashboard picks one).
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
    label: str = ""
    section: str = ""
    choice_labels: tuple[str, ...] = ()
    step: float = 0.0

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
        label=entry.get("label", ""),
        section=entry.get("section", ""),
        choice_labels=tuple(entry.get("choice_labels", ())),
        step=float(entry.get("step", 0.0)),
    )
    if not spec.lower <= spec.default <= spec.upper:
        problems.append(f"{path}: [{name}] default {spec.default} outside bounds")
    if spec.kind not in KINDS:
        problems.append(f"{path}: [{name}] kind must be one of {KINDS}")
    if spec.kind == "choice" and spec.upper != len(spec.choices) - 1:
        problems.append(f"{path}: [{name}] a choice's upper bound is the last choice's index")
    if spec.choice_labels and len(spec.choice_labels) != len(spec.choices):
        problems.append(f"{path}: [{name}] choice_labels must name each of the choices")
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
    for table in _TEMPLATE_TABLES:
        raw.pop(table, None)
    params = {n: s for n, e in raw.items() if (s := _spec(path, n, e, problems))}
    levers = {n: s for n, e in lever_raw.items() if (s := _spec(path, n, e, problems))}
    if problems:
        raise ValueError("\n".join(problems))
    return params, levers


# Tables of the registry file that are templates, not entries: the levers generated for each
# catalogue duty, and the shape of the what-if duty a lever adds (see cspsim.inputs.levers).
_TEMPLATE_TABLES = ("duty_levers", "new_duty_lever")
_DUTY_LEVER_FIELDS = (_FIELDS - {"default"}) | {"basis"}
_NEW_DUTY_FIELDS = {"name", "volume", "contribution", "bound", "source", "basis"}


def load_lever_templates(path: Path = REGISTRY_FILE) -> tuple[dict[str, dict], dict]:
    """Read and check the lever templates of a registry file.

    Returns:
        (``[duty_levers.*]`` by lever prefix, in file order; ``[new_duty_lever]``). A duty
        lever template has an entry's fields with ``{name}`` and ``{source}`` standing for
        the duty's, ``basis`` (where its bounds come from) and ``default`` only where the
        default is not the duty's own (the start year takes the catalogue's).

    Raises:
        ValueError: if a template lacks a field or has an unknown one.
    """
    with path.open("rb") as fh:
        raw = tomllib.load(fh)
    problems: list[str] = []
    duty = raw.get("duty_levers", {})
    allowed = _DUTY_LEVER_FIELDS | {"default"} | _OPTIONAL.keys()
    for prefix, entry in duty.items():
        missing, unknown = _DUTY_LEVER_FIELDS - entry.keys(), entry.keys() - allowed
        if missing or unknown:
            where = f"{path}: [duty_levers.{prefix}]"
            problems.append(f"{where} missing {sorted(missing)} unknown {sorted(unknown)}")
    new = raw.get("new_duty_lever", {})
    if new.keys() != _NEW_DUTY_FIELDS:
        problems.append(f"{path}: [new_duty_lever] needs exactly {sorted(_NEW_DUTY_FIELDS)}")
    if problems:
        raise ValueError("\n".join(problems))
    return duty, new


@cache
def _templates() -> tuple[dict[str, dict], dict]:
    return load_lever_templates()


def duty_lever_templates() -> dict[str, dict]:
    """``[duty_levers.*]`` of the shipped registry: the levers made for every catalogue duty."""
    return _templates()[0]


def new_duty_template() -> dict:
    """``[new_duty_lever]`` of the shipped registry: the what-if duty the new_duty_* levers add."""
    return _templates()[1]


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
