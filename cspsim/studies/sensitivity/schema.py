"""The experiment file schema (``experiments/*.toml``) and the checks of single fields.

The schema is a pydantic model with unknown keys rejected. Fields are validated one by one
(:func:`parse_fields`), so that the cross-field checks (:mod:`.checks`) can run on every
field that parsed; :func:`cspsim.studies.sensitivity.experiment.load_experiment` puts the
two together. See ``docs/SENSITIVITY.md`` for the format.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    TypeAdapter,
    ValidationError,
    field_validator,
    model_validator,
)

from cspsim.paths import OUTCOMES_FILE
from cspsim.studies.sensitivity.methods import METHODS, option_problems, options_of
from cspsim.studies.sensitivity.outcomes import (
    OutcomeFileError,
    OutcomeSpec,
    load_outcomes,
    unknown_key,
)

MethodName = Literal[
    "sobol", "morris", "efast", "rbd_fast", "pawn", "dgsm", "delta", "lhs", "factorial"
]
SHIPPED_OUTCOMES = OUTCOMES_FILE


class ExperimentError(Exception):
    """An experiment cannot run; ``problems`` holds one line per problem."""

    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = problems


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ParameterSpec(_Strict):
    """How one parameter varies. Bounds default to the registry's.

    Attributes:
        bounds: ``[lower, upper]``; for ``truncnorm`` the truncation bounds.
        dist: ``unif`` (default), ``triang`` (with ``peak``), ``truncnorm`` (with ``mean``
            and ``sd``) or ``logunif``.
        peak: Mode of a triangular distribution, in the parameter's units.
        mean: Mean of a truncated normal (before truncation).
        sd: Standard deviation of a truncated normal (before truncation).
        group: Group name (overrides ``groups = "agency"``/``"group"`` for this parameter).
        levels: The values a ``factorial`` design crosses (numbers, or choice names); they
            replace ``bounds`` and ``dist``.
    """

    bounds: tuple[float, float] | None = None
    dist: Literal["unif", "triang", "truncnorm", "logunif"] = "unif"
    peak: float | None = None
    mean: float | None = None
    sd: Annotated[float, Field(gt=0)] | None = None
    group: str | None = None
    levels: Annotated[tuple[float | str, ...], Field(min_length=1)] | None = None

    @field_validator("levels")
    @classmethod
    def _distinct(cls, v: tuple[float | str, ...] | None) -> tuple[float | str, ...] | None:
        if v is not None and len(set(v)) != len(v):
            raise ValueError("a level is listed twice")
        return v

    @field_validator("bounds")
    @classmethod
    def _ordered(cls, v: tuple[float, float] | None) -> tuple[float, float] | None:
        if v is not None and not v[0] < v[1]:
            raise ValueError(f"lower ({v[0]:g}) must be below upper ({v[1]:g})")
        return v

    @model_validator(mode="after")
    def _dist_args(self) -> ParameterSpec:
        wants = {"unif": set(), "logunif": set(), "triang": {"peak"}, "truncnorm": {"mean", "sd"}}
        given = {k for k in ("peak", "mean", "sd") if getattr(self, k) is not None}
        if given != wants[self.dist]:
            need = ", ".join(sorted(wants[self.dist])) or "none of peak, mean, sd"
            raise ValueError(f"dist '{self.dist}' takes {need}")
        if self.levels is not None and (self.bounds is not None or self.dist != "unif"):
            raise ValueError("levels replace bounds and dist: give one or the other")
        return self


# The largest N an experiment may give without --force (a power of 2, so Sobol' may use
# it): a sanity bound; Sobol' with second-order indices then samples N(2D + 2) points, over
# 4 million for D = 30. Checked by load_experiment (so --force can lift it).
MAX_N = 65_536
#: Sanity bounds of exploration designs: policies, and level combinations of a factorial.
MAX_POLICIES = 100
MAX_FACTORIAL_POINTS = 16 * MAX_N
#: Designs that explore (no sensitivity indices): Latin hypercube and full factorial.
EXPLORATION = ("lhs", "factorial")


class Experiment(_Strict):
    """The contents of an experiment file (see ``docs/SENSITIVITY.md``)."""

    name: str = ""
    description: str = ""
    model: str = Field(default="cspsim", description='"cspsim" or "module:function"')
    scenario: str | None = Field(default=None, description="base scenario, relative to the file")
    method: MethodName
    N: Annotated[int, Field(ge=1)] | None = Field(
        default=None, description="sample size; required except for factorial"
    )
    replicates: Annotated[int, Field(ge=1, le=10_000)] = 1
    seed: Annotated[int, Field(ge=1, lt=2**32)]
    parameters: Literal["registry"] | dict[str, ParameterSpec]
    exclude: list[str] = []
    fixed: dict[str, float | str] = {}
    groups: Literal["agency", "group"] | None = None
    outcomes: Annotated[list[str], Field(min_length=1)]
    outcomes_file: str | None = None
    policies: dict[str, dict[str, float | str]] = Field(
        default={}, description="named lever settings, each run on every sampled scenario"
    )
    timeseries: list[str] = Field(
        default=[], description="outcomes whose quarterly series each run also stores"
    )
    years: list[int] = []
    options: dict[str, bool | int | float] = {}
    runs_per_task: Annotated[int, Field(ge=1, le=100_000)] | None = None
    convergence_target: Annotated[float, Field(gt=0)] = Field(
        default=0.05, description="CI half-width below which an index counts as stable"
    )


@dataclass(frozen=True)
class Loaded:
    """A checked experiment with everything it refers to resolved.

    Attributes:
        path: The experiment file.
        spec: Its validated contents (``name`` filled in from the file name if empty).
        outcomes: Outcome specs by name (empty for function models, whose outputs are named
            by ``spec.outcomes`` alone).
        scenario: The base scenario (None for function models).
    """

    path: Path
    spec: Experiment
    outcomes: dict[str, OutcomeSpec]
    scenario: Any = None


def _fmt(loc: tuple, msg: str) -> tuple[str, str]:
    where = ".".join(str(p) for p in loc) or "(top level)"
    return where, msg.removeprefix("Value error, ")


def _errors(prefix: tuple, exc: ValidationError) -> list[tuple[str, str]]:
    """Pydantic errors as (field path, message); a value that matches no member of a union
    gives one line, not one per member (pydantic puts the member's name last in ``loc``)."""
    out, seen = [], set()
    for e in exc.errors():
        loc = tuple(e["loc"])
        if e.get("ctx", {}).get("class") is None and len(loc) and _is_type_tag(loc[-1]):
            others = [x for x in exc.errors() if tuple(x["loc"])[:-1] == loc[:-1]]
            if len(others) > 1:
                if loc[:-1] not in seen:
                    seen.add(loc[:-1])
                    kinds = " or ".join(str(tuple(x["loc"])[-1]) for x in others)
                    out.append(_fmt((*prefix, *loc[:-1]), f"has the wrong type (expected {kinds})"))
                continue
        msg = e["msg"]
        if e["type"] == "extra_forbidden":
            msg = unknown_key(str(loc[-1]), list(ParameterSpec.model_fields))
        out.append(_fmt((*prefix, *loc), msg))
    return out


def _is_type_tag(part: object) -> bool:
    return isinstance(part, str) and (
        part in ("bool", "int", "float", "str") or "[" in part or part.startswith("literal")
    )


def parse_fields(raw: dict[str, Any]) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    """Validate each field on its own so that all structural problems are found at once."""
    values, problems = {}, []
    fields = Experiment.model_fields
    problems += [(k, unknown_key(k, list(fields))) for k in raw if k not in fields]
    for name, info in fields.items():
        if name not in raw:
            if info.is_required():
                problems.append((name, "required field is missing"))
            else:
                values[name] = info.get_default(call_default_factory=True)
            continue
        value = raw[name]
        if name == "parameters" and isinstance(value, dict):
            parsed = {}
            for pname, entry in value.items():
                try:
                    parsed[pname] = ParameterSpec.model_validate(entry)
                except ValidationError as exc:
                    problems += _errors((name, pname), exc)
            values[name] = parsed
            continue
        if name == "parameters" and value != "registry":
            problems.append((name, 'must be "registry" or a table [parameters] of name = {...}'))
            continue
        if name == "seed" and value == 0:
            problems.append((name, "must be non-zero (SALib treats seed 0 as 'no seed')"))
            continue
        try:
            kind: Any = (
                Annotated[info.annotation, *info.metadata] if info.metadata else info.annotation
            )
            adapter = TypeAdapter(kind)
            values[name] = adapter.validate_python(value, strict=name in ("N", "replicates"))
        except ValidationError as exc:
            problems += _errors((name,), exc)
    return values, problems


def outcomes_path(path: Path, spec_file: str | None) -> Path:
    """The outcomes file an experiment reads: its ``outcomes_file``, else ``outcomes.toml``
    beside it, else the shipped ``experiments/outcomes.toml``."""
    if spec_file:
        return path.parent / spec_file
    local = path.parent / "outcomes.toml"
    return local if local.is_file() else SHIPPED_OUTCOMES


def read_outcomes(file: Path) -> tuple[dict[str, OutcomeSpec], list[str]]:
    """Outcome specs of a file and its problems (lines that already name the file)."""
    try:
        return load_outcomes(file), []
    except OutcomeFileError as exc:
        return {}, exc.problems


def import_model(ref: str) -> Callable[..., Any]:
    """The model function named ``module:function``.

    Raises:
        ValueError: it cannot be imported or is not callable.
    """
    module, _, attr = ref.partition(":")
    if not module or not attr:
        raise ValueError(f'must be "cspsim" or "module:function", got \'{ref}\'')
    try:
        fn = getattr(importlib.import_module(module), attr)
    except (ImportError, AttributeError) as exc:
        raise ValueError(f"cannot import '{ref}': {exc}") from None
    if not callable(fn):
        raise ValueError(f"'{ref}' is not callable")
    return fn


def method_problems(values: dict[str, Any]) -> list[tuple[str, str]]:
    """N and options against the method (when both parsed)."""
    if "method" not in values:
        return []
    method = METHODS[values["method"]]
    given = values.get("options", {})
    bad = option_problems(method, given)
    problems = [(f"options.{k}", m) for k, m in bad]
    if values.get("policies") and method.name not in EXPLORATION:
        problems.append(
            ("policies", f"only with an exploration design ({', '.join(EXPLORATION)}), "
             f"not {method.name}")
        )  # fmt: skip
    if method.name == "factorial":
        if values.get("N") is not None:
            problems.append(("N", "factorial takes no N: its size is the product of the levels"))
        return problems
    if "N" in values and values["N"] is None:  # absent (a rejected N is not in values)
        problems.append(("N", f"required for method {method.name}"))
    elif "N" in values:
        good = {k: v for k, v in given.items() if k not in {k for k, _ in bad}}
        if msg := method.n_problem(values["N"], options_of(method, good)):
            problems.append(("N", msg))
    return problems
