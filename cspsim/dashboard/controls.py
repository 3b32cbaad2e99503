"""The dashboard's controls, generated from the scenario levers of the registry.

Every lever in :func:`cspsim.inputs.levers.lever_specs` (``configs/parameters.toml`` ``[levers.*]``
plus three per catalogue duty) becomes one control with the registry's bounds, unit and
description, and the registry's wording: its ``label``, ``section``, ``choice_labels`` and
slider ``step``. Only the on-screen unit (e.g. GBP shown in millions) is added here. A lever
added to the registry appears without code changes (without a ``label``, in the "Other"
section, labelled from its name).

Controls start at the value the base scenario already has (its structure, PCC model, duty
dates, and the cuts and grants it sets as levers); a cut the scenario does not set starts at
0. Only levers moved away from that start are passed to :func:`cspsim.inputs.scenario.with_values`,
together with the levers they need (a cut's start year, a structure's start year...), which
applies them in place of the scenario's own: moving a cut sets that cut, it does not add
another.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import Any

from cspsim.inputs.duties import read_catalogue
from cspsim.inputs.levers import CUT_AGENCIES, NEW_DUTY_ID, lever_specs
from cspsim.inputs.registry import ParamSpec
from cspsim.inputs.scenario import Scenario
from cspsim.paths import DUTIES_FILE

OTHER = "Other"  # section of levers the registry gives none
GBP_MILLIONS = 1e6  # GBP amounts are shown in £m
UNIT_LABELS = {
    "percent": "%",
    "year": "year",
    "years": "years",
    "gbp_per_year": "£m a year",
    "fte_per_100k": "FTE per 100k residents",
    "ratio": "× catalogue",
}


@dataclass(frozen=True)
class Control:
    """One on-screen control for one lever.

    Attributes:
        name: Lever name (as in the registry and ``with_values``).
        label: On-screen label, with its unit.
        kind: ``real``, ``integer``, ``boolean`` or ``choice``.
        lower: Lowest value (in lever units).
        upper: Highest value (in lever units).
        step: Slider step (in display units).
        scale: Display value = lever value / scale (1e6 shows GBP as £m).
        choices: Options of a choice.
        section: Sidebar section.
        description: The registry's description (tooltip).
        unit: The registry's unit.
    """

    name: str
    label: str
    kind: str
    lower: float
    upper: float
    step: float
    scale: float
    choices: tuple[str, ...]
    section: str
    description: str
    unit: str

    def to_display(self, value: Any) -> Any:
        """Lever value as the widget shows it."""
        if self.kind == "choice":
            return value if isinstance(value, str) else self.choices[round(float(value))]
        if self.kind == "boolean":
            return bool(round(float(value)))
        if self.kind == "integer":
            return round(float(value))
        return round(float(value) / self.scale, 6)

    def from_display(self, shown: Any) -> Any:
        """Widget value as the lever value."""
        if self.kind in ("choice", "boolean"):
            return shown
        if self.kind == "integer":
            return round(float(shown))
        return float(shown) * self.scale


@cache
def catalogue() -> dict[str, Any]:
    """The shipped duty catalogue (``configs/duties.toml``), by duty id."""
    return read_catalogue(DUTIES_FILE)


def sections() -> tuple[str, ...]:
    """Sidebar sections, in the order the registry's levers first name them, then "Other"."""
    named = dict.fromkeys(s.section for s in lever_specs().values() if s.section)
    return (*named, *(() if OTHER in named else (OTHER,)))


def choice_label(value: Any) -> str:
    """On-screen wording of a choice (the registry's ``choice_labels``), else the value."""
    return _choice_labels().get(value, str(value))


@cache
def _choice_labels() -> dict[str, str]:
    out: dict[str, str] = {}
    for spec in lever_specs().values():
        out |= dict(zip(spec.choices, spec.choice_labels, strict=False))
    return out


def _section_and_label(spec: ParamSpec) -> tuple[str, str]:
    if spec.label:
        return spec.section or OTHER, spec.label
    words = spec.name.replace("__", ": ").replace("_", " ")
    unit = UNIT_LABELS.get(spec.unit, spec.unit)
    return spec.section or OTHER, f"{words[:1].upper()}{words[1:]} ({unit})"


def build_controls(scenario: Scenario) -> list[Control]:
    """Controls for every lever, with year bounds limited to the scenario's period."""
    last = scenario.time.end.year
    out = []
    for spec in lever_specs().values():
        section, label = _section_and_label(spec)
        lower, upper = spec.lower, spec.upper
        scale, step = 1.0, 1.0
        if spec.unit == "year":
            upper = max(min(upper, last), lower)
        elif spec.unit == "gbp_per_year":
            scale = GBP_MILLIONS
            step = 0.05 if upper <= 10e6 else 1.0
        elif spec.kind == "real" and upper - lower <= 5:
            step = 0.05 if upper - lower <= 3 else 0.5
        if spec.step > 0:
            step = spec.step / scale
        out.append(
            Control(
                name=spec.name,
                label=label,
                kind=spec.kind,
                lower=lower,
                upper=upper,
                step=step,
                scale=scale,
                choices=spec.choices,
                section=section,
                description=spec.description,
                unit=spec.unit,
            )
        )
    return out


def _year(date: Any, fallback: int) -> int:
    return date.year if date is not None else fallback


def base_values(scenario: Scenario, controls: list[Control]) -> dict[str, Any]:
    """The value of every control that reproduces ``scenario`` (lever units).

    Levers that describe the scenario (structure, PCC model, duty dates, investments) read
    it; the levers the scenario was loaded with (``lever_values``: its cuts, ring-fenced
    grant...) take their values there; other cuts and the ring-fenced grant start at 0. A
    start year the scenario does not set defaults to the registry default, or two years
    before the scenario's end if that is earlier, so that moving the matching lever shows
    an effect.
    """
    specs = lever_specs()
    last = scenario.time.end.year
    out: dict[str, Any] = {}
    for c in controls:
        d = specs[c.name].default
        if c.kind == "choice":
            out[c.name] = c.choices[round(d)]
        elif c.kind == "boolean":
            out[c.name] = bool(round(d))
        elif c.unit == "year":
            out[c.name] = int(min(max(round(d), c.lower), max(last - 2, c.lower), c.upper))
        else:
            out[c.name] = float(d)
    st, lv = scenario.structure, scenario.levers
    out["structure_mode"] = st.mode
    out["structure_start_year"] = _year(st.start, out["structure_start_year"])
    out["pcc_funding_model"] = scenario.pcc.funding_model
    out["allocation"] = scenario.funding.allocation
    out["fund_coordinator"], out["fund_analyst"] = lv.fund_coordinator, lv.fund_analyst
    out["levers_start_year"] = _year(lv.from_date, out["levers_start_year"])
    out["backbone_gbp_per_year"] = float(lv.backbone_gbp_per_year)
    for duty_id, spec in catalogue().items():
        ov = scenario.duties.overrides.get(duty_id)
        out[f"duty_on__{duty_id}"] = ov.enabled if ov is not None else True
        out[f"duty_start_year__{duty_id}"] = (ov.start if ov and ov.start else spec.start).year
        scale = 1.0
        if ov is not None and ov.new_burdens_gbp_per_year is not None:
            cat = spec.new_burdens_gbp_per_year
            scale = ov.new_burdens_gbp_per_year / cat if cat > 0 else 1.0
        out[f"duty_new_burdens_scale__{duty_id}"] = scale
    new = scenario.duties.new.get(NEW_DUTY_ID)
    if new is not None:
        out["new_duty_workload_fte_per_100k"] = float(new["workload_fte_per_100k"])
        out["new_duty_start_year"] = _year(new.get("start"), out["new_duty_start_year"])
        out["new_duty_new_burdens_gbp_per_year"] = float(new.get("new_burdens_gbp_per_year", 0))
    by_name = {c.name: c for c in controls}
    for name, value in scenario.lever_values.items():
        if name in by_name:
            out[name] = _in_control_units(by_name[name], value)
    return {k: v for k, v in out.items() if k in by_name}


def _in_control_units(c: Control, value: Any) -> Any:
    """A lever value as :func:`base_values` gives it (choice name, bool, int year, float),
    within the control's bounds (year sliders stop at the scenario's last year)."""
    if c.kind == "choice":
        return value if isinstance(value, str) else c.choices[round(float(value))]
    if c.kind == "boolean":
        return bool(round(float(value)))
    x = min(max(float(value), c.lower), c.upper)
    return round(x) if c.kind == "integer" else x


def readable(description: str) -> str:
    """A registry description with every lever name replaced by its on-screen label
    (tooltips speak the page's words: "Cut to councils (%)", not ``cut_pct__council``)."""
    labels, pattern = _readable_labels()
    return pattern.sub(lambda m: f"“{labels[m.group(0)]}”", description)


@cache
def _readable_labels() -> tuple[dict[str, str], re.Pattern[str]]:
    labels = {name: _section_and_label(spec)[1] for name, spec in lever_specs().items()}
    for group in lever_groups():
        main = labels.get(group[0], group[0]).split(" (")[0]
        for name in group[1:]:
            if labels.get(name, "").startswith("…"):
                labels[name] = f"{main} {labels[name].lstrip('…')}"
    names = "|".join(sorted(map(re.escape, labels), key=len, reverse=True))
    pattern = re.compile(rf"(?<!\w)(?:{names})(?!\w)")  # whole names: "allocation" is a word too
    return labels, pattern


def lever_groups() -> list[tuple[str, ...]]:
    """Levers that only take effect together (a cut and its start year...)."""
    groups: list[tuple[str, ...]] = [
        (f"cut_pct__{a}", f"cut_start_year__{a}", "cut_phase_years") for a in CUT_AGENCIES
    ]
    groups += [
        ("new_duty_workload_fte_per_100k", "new_duty_start_year",
         "new_duty_new_burdens_gbp_per_year"),
        ("structure_mode", "structure_start_year"),
        ("fund_coordinator", "fund_analyst", "levers_start_year"),
        ("ring_fenced_grant_gbp_per_year", "ring_fence_start_year"),
    ]  # fmt: skip
    return groups


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, str) or isinstance(b, str):
        return a == b
    return abs(float(a) - float(b)) < 1e-9


def changed_values(values: dict[str, Any], base: dict[str, Any]) -> dict[str, Any]:
    """The levers to pass to ``with_values``: those moved from ``base``, with their group."""
    moved = {k for k, v in values.items() if k in base and not _same(v, base[k])}
    needed = set(moved)
    for group in lever_groups():
        if moved & set(group):
            needed |= {k for k in group if k in values}
    moved = needed
    return {k: values[k] for k in values if k in moved}
