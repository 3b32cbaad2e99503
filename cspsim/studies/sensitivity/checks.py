"""Cross-field checks of an experiment: registry names and bounds, groups, the method's N and
options, outcome names, and what can only be checked on a built (not run) model.

Every check returns finished lines ``FILE: field.path: message`` so that problems in other
files (the scenario, the outcomes file) keep their own file name.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cspsim.inputs.levers import CUT_AGENCIES, check_value, is_lever, lever_specs
from cspsim.inputs.registry import registry
from cspsim.inputs.scenario import ScenarioError, load_scenario, with_values
from cspsim.model.model import CSPModel
from cspsim.studies.sensitivity.exploration import level_checks, policy_checks, timeseries_checks
from cspsim.studies.sensitivity.methods import METHODS
from cspsim.studies.sensitivity.outcomes import OutcomeSpec, model_problems
from cspsim.studies.sensitivity.schema import (
    ParameterSpec,
    import_model,
    method_problems,
    outcomes_path,
    read_outcomes,
)

if TYPE_CHECKING:
    from cspsim.inputs.registry import ParamSpec
    from cspsim.inputs.scenario import Scenario

DISCRETE = ("integer", "boolean", "choice")
Bad = Callable[[str, str], None]  # reports a problem: bad(field path, message)


def cross_checks(
    path: Path, raw: dict[str, Any], values: dict[str, Any]
) -> tuple[dict[str, OutcomeSpec], Scenario | None, list[str]]:
    """Check what refers to other things; ``values`` holds the fields that parsed.

    Returns:
        (outcome specs of the experiment by name, base scenario or None, problem lines).
    """
    lines: list[str] = []

    def bad(where: str, msg: str) -> None:
        lines.append(f"{path}: {where}: {msg}")

    for where, msg in method_problems(values):
        bad(where, msg)
    level_checks(values, spec_of, bad)
    timeseries_checks(values, bad)
    model = values.get("model", "cspsim")
    if "model" in values and model != "cspsim":
        try:
            import_model(model)
        except ValueError as exc:
            bad("model", str(exc))
        _function_model_checks(values, bad)
        policy_checks(values, varied_names(values), None, bad)
        return {}, None, lines
    scenario = _scenario(path, values, bad, lines)
    _parameter_checks(values, bad)
    policy_checks(values, varied_names(values), spec_of, bad)
    if scenario is not None:
        _lever_checks(scenario, values, raw, bad)
    _group_checks(values, bad)
    params_ok = not any(": parameters" in line or ": fixed" in line for line in lines)
    outcomes = _outcome_checks(path, values, bad, lines)
    if scenario is not None:
        _model_checks(path, scenario, values, outcomes, bad, corners=params_ok)
    return outcomes, scenario, lines


def _scenario(path: Path, values: dict[str, Any], bad: Bad, lines: list[str]) -> Scenario | None:
    if values.get("scenario") is None:
        if "scenario" in values:
            bad("scenario", 'required with model = "cspsim" (e.g. "../configs/baseline.toml")')
        return None
    try:
        return load_scenario(path.parent / values["scenario"])
    except ScenarioError as exc:
        lines += [f"{path}: scenario: {p}" for p in exc.problems]
        return None


def _function_model_checks(values: dict[str, Any], bad: Bad) -> None:
    if values.get("scenario") is not None:
        bad("scenario", 'only used with model = "cspsim"')
    params = values.get("parameters")
    if params == "registry":
        bad("parameters", '"registry" needs model = "cspsim"; list the function\'s inputs')
    elif isinstance(params, dict):
        for name, spec in params.items():
            if spec.bounds is None and spec.levels is None:
                bad(f"parameters.{name}.bounds", "required for a function model")
    for key in ("groups", "outcomes_file"):
        if values.get(key) is not None:
            bad(key, 'only used with model = "cspsim"')
    if values.get("years"):
        bad("years", 'per-year indices need model = "cspsim"')
    if values.get("exclude"):
        bad("exclude", 'only used with parameters = "registry"')
    _group_checks(values, bad)


def spec_of(name: str) -> ParamSpec | None:
    """The lever or registry parameter called ``name`` (None if neither)."""
    return lever_specs().get(name) or registry().get(name)


def known_spec(name: str) -> ParamSpec:
    """:func:`spec_of` a name the checks have already found (KeyError if unknown)."""
    spec = spec_of(name)
    if spec is None:
        raise KeyError(f"unknown parameter '{name}'")
    return spec


def varied_names(values: dict[str, Any]) -> list[str]:
    """Names of the parameters an experiment varies (registry order for "registry")."""
    params = values.get("parameters")
    if params == "registry":
        # The survey-readout parameters only map the state onto answers: no outcome moves.
        skip = set(values.get("exclude", []))
        return [n for n, s in registry().items() if s.group != "survey" and n not in skip]
    return list(params) if isinstance(params, dict) else []


def _parameter_checks(values: dict[str, Any], bad: Bad) -> None:
    params = values.get("parameters")
    if params == "registry":
        for name in values.get("exclude", []):
            if name not in registry():
                bad("exclude", f"'{name}' is not a registry parameter")
    elif values.get("exclude"):
        bad("exclude", 'only used with parameters = "registry"')
    if isinstance(params, dict):
        if not params:
            bad("parameters", "name at least one parameter to vary")
        for name, spec in params.items():
            reg = spec_of(name)
            if reg is None:
                bad(f"parameters.{name}", f"unknown parameter '{name}' (see {_REGISTRY_HINT})")
                continue
            for msg in _bounds_problems(spec, reg):
                bad(f"parameters.{name}", msg)
    varied = set(varied_names(values))
    for name, value in values.get("fixed", {}).items():
        if name in varied:
            bad(f"fixed.{name}", "is also varied under [parameters]")
        elif (problem := check_value(name, value)) is not None:
            bad(f"fixed.{name}", problem)


_REGISTRY_HINT = "configs/parameters.toml or `cspsim registry`"


def _companions(lever: str) -> list[str]:
    """Levers that only act together with another (a cut's start year needs its size...)."""
    if lever.startswith("cut_start_year__"):
        return [f"cut_pct__{lever.removeprefix('cut_start_year__')}"]
    fixed = {
        "cut_phase_years": [f"cut_pct__{a}" for a in CUT_AGENCIES],
        "new_duty_start_year": ["new_duty_workload_fte_per_100k"],
        "new_duty_new_burdens_gbp_per_year": ["new_duty_workload_fte_per_100k"],
        "structure_start_year": ["structure_mode"],
        "levers_start_year": ["fund_coordinator", "fund_analyst"],
        "ring_fence_start_year": ["ring_fenced_grant_gbp_per_year"],
    }
    return fixed.get(lever, [])


def _lever_checks(
    scenario: Scenario, values: dict[str, Any], raw: dict[str, Any], bad: Bad
) -> None:
    """Refuse a lever that cannot act: one that only acts with another (a cut's start year
    with its size...) when neither the experiment nor the base scenario sets that other.

    Levers on a base scenario that already applies levers are fine: ``config.with_values``
    applies the base's levers again with the experiment's replacing them, so a
    ``cut_pct__police`` replaces the base's police cut and a lone ``cut_start_year__police``
    moves it.
    """
    touched = [n for n in [*varied_names(values), *values.get("fixed", {})] if is_lever(n)]
    named = set(touched)  # entries with other problems still count as set
    for key in ("parameters", "fixed"):
        named |= set(raw[key]) if isinstance(raw.get(key), dict) else set()
    in_base = {n for n, v in scenario.lever_values.items() if v}  # a cut of 0 is no cut
    wheres = {n: f"parameters.{n}" if n in varied_names(values) else f"fixed.{n}" for n in touched}
    policies = values.get("policies") or {}
    setters = [(wheres, named.union(*policies.values()))]  # a policy may set the companion
    for pname, settings in policies.items():
        levers = {n: f"policies.{pname}.{n}" for n in settings if is_lever(n)}
        setters.append((levers, named | set(settings)))  # a policy's levers act with it
    for where_of, set_here in setters:
        for name, where in where_of.items():
            needs = _companions(name)
            if needs and not any(n in set_here or n in in_base for n in needs):
                bad(where, f"has no effect unless {' or '.join(needs)} is also set (vary it "
                    "or fix it, or start from a scenario that sets it)")  # fmt: skip


def _bounds_problems(spec: ParameterSpec, reg: ParamSpec) -> list[str]:
    lo, hi = spec.bounds if spec.bounds is not None else (reg.lower, reg.upper)
    out: list[str] = []
    if lo < reg.lower or hi > reg.upper:
        out.append(
            f"bounds: [{lo:g}, {hi:g}] go beyond the registry bounds "
            f"[{reg.lower:g}, {reg.upper:g}] {reg.unit}"
        )
    if reg.kind in DISCRETE:
        if spec.dist != "unif":
            out.append(f"dist: must be 'unif' ({reg.kind} parameter)")
        if lo != math.floor(lo) or hi != math.floor(hi):
            out.append(f"bounds: must be whole numbers ({reg.kind} parameter)")
    # ParameterSpec requires a peak for triang, and a mean and sd for truncnorm.
    if spec.dist == "triang" and spec.peak is not None and not lo <= spec.peak <= hi:
        out.append(f"peak: {spec.peak:g} lies outside the bounds [{lo:g}, {hi:g}]")
    if spec.dist == "truncnorm" and spec.mean is not None and not lo <= spec.mean <= hi:
        out.append(f"mean: {spec.mean:g} lies outside the bounds [{lo:g}, {hi:g}]")
    if spec.dist == "logunif" and lo <= 0:
        out.append("bounds: logunif needs a positive lower bound")
    return out


def _group_checks(values: dict[str, Any], bad: Bad) -> None:
    params = values.get("parameters")
    explicit = isinstance(params, dict) and any(s.group for s in params.values())
    if not (values.get("groups") or explicit) or "method" not in values:
        return
    method = METHODS[values["method"]]
    if not method.groups:
        able = ", ".join(m.name for m in METHODS.values() if m.groups)
        bad("groups", f"{method.name} does not support groups (these do: {able})")
        return
    # Without ``groups`` we only get here with explicit groups, so ``params`` is a table.
    if (
        values.get("groups") is None
        and isinstance(params, dict)
        and not all(s.group for s in params.values())
    ):
        bad("parameters", "give every parameter a group, or none (or set groups = ...)")
        return
    names = group_names(values)
    if len(set(names)) < 2:
        bad("groups", f"need at least two groups, got {sorted(set(names))}")


def group_names(values: dict[str, Any]) -> list[str]:
    """Group of each varied parameter (explicit ``group``, else the registry field)."""
    params = values.get("parameters")
    field = values.get("groups")
    out: list[str] = []
    for name in varied_names(values):
        spec = params.get(name) if isinstance(params, dict) else None
        if spec is not None and spec.group:
            out.append(spec.group)
        else:
            reg = spec_of(name)
            out.append(getattr(reg, field) if reg is not None and field else name)
    return out


def _outcome_checks(
    path: Path, values: dict[str, Any], bad: Bad, lines: list[str]
) -> dict[str, OutcomeSpec]:
    if "outcomes" not in values:
        return {}
    file = outcomes_path(path, values.get("outcomes_file"))
    specs, problems = read_outcomes(file)
    if problems:
        lines += problems
        return {}
    out: dict[str, OutcomeSpec] = {}
    for i, name in enumerate(values["outcomes"]):
        if name in out:
            bad(f"outcomes[{i}]", f"'{name}' is listed twice")
        elif name not in specs:
            bad(f"outcomes[{i}]", f"unknown outcome '{name}' (defined in {file}: "
                f"{', '.join(specs)})")  # fmt: skip
        else:
            out[name] = specs[name]
    return out


def _model_checks(
    path: Path,
    scenario: Scenario,
    values: dict[str, Any],
    outcomes: dict[str, OutcomeSpec],
    bad: Bad,
    corners: bool = True,
) -> None:
    """Checks that need a built model (built, not run) and, if ``corners``, the scenario with
    every parameter at its lower and then its upper bound."""
    try:
        m = CSPModel(scenario, seed=1, base_dir=path.parent, with_agents=False)
    except ScenarioError as exc:
        for p in exc.problems:
            bad("scenario", p)
        return
    for name, spec in outcomes.items():
        for msg in model_problems(spec, m):
            bad(f"outcomes[{values['outcomes'].index(name)}]", f"'{name}': {msg}")
    years = sorted({q.year for q in m.sched.quarters})
    for y in values.get("years", []):
        if not years[0] <= y <= years[-1]:
            bad("years", f"{y} is outside the simulated years {years[0]}-{years[-1]}")
    params = values.get("parameters")
    fixed = values.get("fixed", {})
    policies = values.get("policies") or {"": {}}
    for end in (0, 1) if corners else ():
        corner: dict[str, float | str] = {}
        for name in varied_names(values):
            pspec = params.get(name) if isinstance(params, dict) else None
            reg = known_spec(name)
            bounds = pspec.bounds if pspec is not None and pspec.bounds else (reg.lower, reg.upper)
            ends = pspec.levels if pspec is not None and pspec.levels else bounds
            corner[name] = ends[-end]  # the first level or bound, then the last
        for pname, settings in policies.items():
            try:
                with_values(scenario, {**corner, **fixed, **settings})
            except ScenarioError as exc:
                with_policy = f" with policy '{pname}'" if pname else ""
                for p in exc.problems:
                    bad("parameters", f"at the {('lower', 'upper')[end]} bounds{with_policy}: {p}")
