"""Scenario levers: named changes to a scenario (cuts, duty dates, structure, investments).

Levers share the registry's shape (default, bounds, unit, agency, source) so the dashboard
and sensitivity analysis treat them like parameters, but instead of setting a model
parameter each rewrites the scenario. A lever that is not set changes nothing.
"""

from __future__ import annotations

import datetime as dt
import difflib
from copy import deepcopy
from functools import cache
from typing import Any

from cspsim.inputs.duties import read_catalogue
from cspsim.inputs.registry import (
    ParamSpec,
    duty_lever_templates,
    file_levers,
    new_duty_template,
    registry,
)
from cspsim.paths import DUTIES_FILE

CUT_AGENCIES = (
    "council", "county_council", "police", "probation", "probation_nps", "health",
    "fire_rescue", "youth_offending", "pcc_fund", "csp_grant", "public_health_grant",
)  # fmt: skip
NEW_DUTY_ID = "what_if_duty"


@cache
def lever_specs() -> dict[str, ParamSpec]:
    """Every lever: those in the registry file, then one per ``[duty_levers.*]`` template
    (``configs/parameters.toml``) for each catalogue duty."""
    specs = dict(file_levers())
    templates = duty_lever_templates()
    for duty_id, d in read_catalogue(DUTIES_FILE).items():
        words = {"name": d.name, "source": d.source}
        for prefix, t in templates.items():
            name = f"{prefix}__{duty_id}"
            specs[name] = ParamSpec(
                name=name,
                default=float(t["default"]) if "default" in t else float(d.start.year),
                lower=float(t["lower"]),
                upper=float(t["upper"]),
                unit=t["unit"],
                agency=t["agency"],
                source=t["source"].format(**words),
                group=t["group"],
                description=t["description"].format(**words),
                kind=t.get("kind", "real"),
                label=t.get("label", "").format(**words),
                section=t.get("section", ""),
                step=float(t.get("step", 0.0)),
            )
    return specs


def _value(values: dict[str, Any], name: str) -> Any:
    """A lever's value as set, or its registry default."""
    return values.get(name, lever_specs()[name].default)


def is_lever(name: str) -> bool:
    """Whether ``name`` is a lever (not a model parameter)."""
    return name in lever_specs()


def unknown_name_message(name: str) -> str:
    """Why ``name`` is not a parameter or lever, with the nearest valid names if any
    ("did you mean cut_pct__pcc_fund?") and where to list them all."""
    names = [*lever_specs(), *registry()]
    close = difflib.get_close_matches(name, names, n=3, cutoff=0.75)
    msg = f"unknown parameter or lever '{name}'"
    if close:
        msg += f"; did you mean {' or '.join(close)}?"
    return msg + " (`cspsim registry` lists them with their meaning)"


def check_value(name: str, value: Any) -> str | None:
    """Problem with a value for a parameter or lever, or None if it is acceptable."""
    spec = lever_specs().get(name) or registry().get(name)
    if spec is None:
        return unknown_name_message(name)
    if spec.kind == "choice" and isinstance(value, str):
        return None if value in spec.choices else f"'{name}' must be one of {list(spec.choices)}"
    if isinstance(value, bool):
        value = int(value)
    if not isinstance(value, int | float):
        return f"'{name}' must be a number"
    problem = spec.check(float(value))
    return problem.replace("must", f"'{name}' must") if problem else None


def _choice(name: str, value: Any) -> str:
    spec = lever_specs()[name]
    return value if isinstance(value, str) else spec.choices[round(float(value))]


def _april(year: Any) -> dt.date:
    return dt.date(round(float(year)), 4, 1)


def _scale_stream(gbp: dict, year: int, factor: float) -> dict[int, float]:
    """A by-year amount series multiplied by ``factor`` from ``year`` on."""
    series = {int(k): float(v) for k, v in gbp.items()}
    past = [k for k in series if k <= year]
    if past:
        series[year] = series[max(past)]
    return {k: (v * factor if k >= year else v) for k, v in sorted(series.items())}


def apply_levers(raw: dict[str, Any], values: dict[str, Any]) -> dict[str, Any]:
    """Return a copy of a scenario dict with the given levers applied.

    Args:
        raw: Scenario as a dict (TOML as read, with ``extends`` resolved, or ``model_dump()``).
        values: Lever values by name; levers not named are left alone.
    """
    out = deepcopy(raw)
    v = dict(values)
    funding = out.setdefault("funding", {})
    phase = float(_value(v, "cut_phase_years"))
    for agency in CUT_AGENCIES:
        pct = float(_value(v, f"cut_pct__{agency}"))
        if pct <= 0:
            continue
        year = round(float(_value(v, f"cut_start_year__{agency}")))
        if agency == "public_health_grant":
            gbp = funding.get("public_health_grant_gbp", {})
            funding["public_health_grant_gbp"] = _scale_stream(gbp, year, 1 - pct / 100)
        elif agency in ("pcc_fund", "csp_grant"):
            path = "pcc" if agency == "pcc_fund" else "csp"
            grants = [dict(g) for g in funding.get("grants", [])]
            for g in grants:
                if g.get("path", "csp") == path:
                    g["gbp_per_year"] = _scale_stream(g["gbp_per_year"], year, 1 - pct / 100)
            funding["grants"] = grants
        else:
            cuts = list(funding.get("cuts", []))
            cuts.append({"agency": agency, "start": _april(year), "pct": pct, "years": phase})
            funding["cuts"] = cuts
    duties = out.setdefault("duties", {})
    overrides = duties.setdefault("overrides", {})
    for name, value in v.items():
        for prefix, key in (
            ("duty_start_year__", "start"),
            ("duty_on__", "enabled"),
            ("duty_new_burdens_scale__", "new_burdens_gbp_per_year"),
            ("duty_workload_scale__", "workload_scale"),
            ("duty_lead_share_scale__", "lead_share_scale"),
        ):
            if name.startswith(prefix):
                duty_id = name.removeprefix(prefix)
                ov = dict(overrides.get(duty_id, {}))
                if key == "start":
                    ov[key] = _april(value)
                elif key == "enabled":
                    ov[key] = bool(round(float(value)))
                elif key in ("workload_scale", "lead_share_scale"):
                    ov[key] = float(value)
                else:
                    ov[key] = _catalogue_burdens(duty_id) * float(value)
                overrides[duty_id] = ov
    workload = float(_value(v, "new_duty_workload_fte_per_100k"))
    if workload > 0:
        t = new_duty_template()
        duties.setdefault("new", {})[NEW_DUTY_ID] = {
            "name": t["name"],
            "start": _april(_value(v, "new_duty_start_year")),
            "workload_fte_per_100k": workload,
            "volume": t["volume"],
            "contribution": dict(t["contribution"]),
            "bound": list(t["bound"]),
            "new_burdens_gbp_per_year": float(_value(v, "new_duty_new_burdens_gbp_per_year")),
            "source": t["source"],
        }
    if "structure_mode" in v:
        structure = out.setdefault("structure", {})
        structure["mode"] = _choice("structure_mode", v["structure_mode"])
        structure["start"] = _april(_value(v, "structure_start_year"))
    if "pcc_funding_model" in v:
        out.setdefault("pcc", {})["funding_model"] = _choice(
            "pcc_funding_model", v["pcc_funding_model"]
        )
    if "allocation" in v:
        funding["allocation"] = _choice("allocation", v["allocation"])
    if "time_limited_grants_end_year" in v:
        end = _april(v["time_limited_grants_end_year"])
        funding["grants"] = [
            {**g, "end": end} if g.get("time_limited") else dict(g)
            for g in funding.get("grants", [])
        ]
    if "unitary_target_population" in v:
        geography = out.setdefault("geography", {})
        geography["reorganise"] = [
            {**r, "target_population": float(v["unitary_target_population"])}
            for r in geography.get("reorganise", [])
        ]
    lv = out.setdefault("levers", {})
    for name in ("fund_coordinator", "fund_analyst"):
        if name in v:
            lv[name] = bool(round(float(v[name])))
            lv["from_date"] = _april(_value(v, "levers_start_year"))
    if "backbone_gbp_per_year" in v:
        lv["backbone_gbp_per_year"] = float(v["backbone_gbp_per_year"])
    amount = float(_value(v, "ring_fenced_grant_gbp_per_year"))
    if amount > 0:
        year = round(float(_value(v, "ring_fence_start_year")))
        funding["grants"] = [*funding.get("grants", []), {
            "name": "ring_fenced_community_safety_grant", "path": "csp", "ring_fenced": True,
            "gbp_per_year": {year: amount},
        }]  # fmt: skip
    return out


@cache
def _catalogue_burdens(duty_id: str) -> float:
    cat = read_catalogue(DUTIES_FILE)
    return cat[duty_id].new_burdens_gbp_per_year if duty_id in cat else 0.0


def split_values(values: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any], list[str]]:
    """Split named values into (model parameters, levers, problems as "name: message")."""
    params, levers, problems = {}, {}, []
    for name, value in values.items():
        if (msg := check_value(name, value)) is not None:
            problems.append(f"{name}: {msg}")
        elif is_lever(name):
            levers[name] = value
        else:
            params[name] = value
    return params, levers, problems


def markdown_table() -> str:
    """The registry as Markdown tables (for docs/ODD.md): model parameters, then levers."""
    rows = [
        "| name | default | bounds | unit | agency | group | calibrated | source |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for s in registry().values():
        rows.append(
            f"| `{s.name}` | {s.default:g} | {s.lower:g} – {s.upper:g} | {s.unit} | {s.agency} "
            f"| {s.group} | {'yes' if s.calibrate else ''} | {s.source} |"
        )
    rows += [
        "",
        "Scenario levers (set by name like parameters; they rewrite the scenario, "
        "see `cspsim/inputs/levers.py`):",
        "",
        "| name | label | kind | default | bounds or choices | unit | agency | description |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for s in lever_specs().values():
        rng = " / ".join(s.choices) if s.kind == "choice" else f"{s.lower:g} – {s.upper:g}"
        rows.append(
            f"| `{s.name}` | {s.label} | {s.kind} | {s.default:g} | {rng} | {s.unit} | {s.agency} "
            f"| {s.description} |"
        )
    return "\n".join(rows)
