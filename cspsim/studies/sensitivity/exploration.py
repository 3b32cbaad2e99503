"""Checks of the exploration designs: factorial levels, policies and stored time series.

An exploration design (``method = "lhs"`` or ``"factorial"``) computes no sensitivity
indices: it maps the outcomes over the inputs. ``[policies.NAME]`` tables (EMA Workbench's
XLRM: levers set in a few named policies, uncertainties sampled) are crossed with the
sampled scenarios. Each check reports ``bad(field path, message)``, like
:mod:`cspsim.studies.sensitivity.checks`, which calls these.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from cspsim.inputs.levers import check_value
from cspsim.studies.sensitivity.schema import EXPLORATION, MAX_FACTORIAL_POINTS, MAX_POLICIES

Bad = Callable[[str, str], None]


def level_checks(values: dict[str, Any], spec_of: Callable[[str], Any], bad: Bad) -> None:
    """``levels`` only with a factorial; a factorial needs levels for every parameter, each
    a value the parameter can take, and a bounded number of combinations."""
    method = values.get("method")
    params = values.get("parameters")
    if method == "factorial" and params == "registry":
        bad("parameters", "a factorial needs levels: list the parameters and their levels")
        return
    if not isinstance(params, dict):
        return
    cspsim = values.get("model", "cspsim") == "cspsim"
    for name, spec in params.items():
        where = f"parameters.{name}.levels"
        if spec.levels is None:
            if method == "factorial":
                bad(f"parameters.{name}", "a factorial needs levels = [...] for every parameter")
            continue
        if method != "factorial":
            bad(where, f"only used with method = 'factorial', not {method}")
            continue
        reg = spec_of(name) if cspsim else None
        for level in spec.levels:
            if isinstance(level, str):
                if reg is None or reg.kind != "choice":
                    bad(where, f"'{level}' is not a number")
                elif level not in reg.choices:
                    bad(where, f"'{level}' is not one of {list(reg.choices)}")
            elif reg is not None and (problem := check_value(name, level)) is not None:
                bad(where, problem)
    if method == "factorial":
        combos = math.prod(len(s.levels or ()) for s in params.values())
        if combos > MAX_FACTORIAL_POINTS:
            bad("parameters", f"{combos:,} level combinations (at most "
                f"{MAX_FACTORIAL_POINTS:,}); use fewer levels or method = 'lhs'")  # fmt: skip


def policy_checks(
    values: dict[str, Any],
    varied: list[str],
    spec_of: Callable[[str], Any] | None,
    bad: Bad,
) -> None:
    """Each policy sets known levers or parameters to valid values, none of them also varied
    or fixed; at most :data:`MAX_POLICIES` policies.

    Args:
        values: The parsed fields.
        varied: Names of the varied parameters.
        spec_of: Registry lookup (None for a function model, whose inputs are free).
        bad: Reports a problem.
    """
    policies = values.get("policies") or {}
    if values.get("method") not in EXPLORATION:
        return  # method_problems says policies need an exploration design
    if len(policies) > MAX_POLICIES:
        bad("policies", f"{len(policies)} policies (at most {MAX_POLICIES})")
    fixed = values.get("fixed", {})
    for pname, settings in policies.items():
        for name, value in settings.items():
            where = f"policies.{pname}.{name}"
            if name in varied:
                bad(where, "is also varied under [parameters]: a policy sets levers, the "
                    "sample varies uncertainties")  # fmt: skip
            elif name in fixed:
                bad(where, "is also set under [fixed]")
            elif spec_of is None:
                if isinstance(value, str):
                    bad(where, "must be a number for a function model")
            elif spec_of(name) is None:
                bad(where, f"unknown parameter '{name}' (see configs/parameters.toml or "
                    "`cspsim registry`)")  # fmt: skip
            elif (problem := check_value(name, value)) is not None:
                bad(where, problem)


def timeseries_checks(values: dict[str, Any], bad: Bad) -> None:
    """Stored time series name outcomes of the experiment (cspsim model only)."""
    names = values.get("timeseries") or []
    if names and values.get("model", "cspsim") != "cspsim":
        bad("timeseries", 'only with model = "cspsim" (quarterly series of its outcomes)')
        return
    outcomes = values.get("outcomes") or []
    for i, name in enumerate(names):
        if name not in outcomes:
            bad(f"timeseries[{i}]", f"'{name}' is not one of the experiment's outcomes")
        elif names.index(name) != i:
            bad(f"timeseries[{i}]", f"'{name}' is listed twice")
