"""Scenario files: TOML, validated by pydantic, with ``extends`` and clear errors.

A scenario may name a parent with ``extends = "baseline.toml"`` (relative to its own folder;
if that folder has no such file, a shipped file of that name, see
:mod:`cspsim.inputs.catalogue`), or several, ``extends = ["history.toml",
"calibrated_2009.toml"]``, later ones winning; tables are merged key by key, lists and values
are replaced. :func:`load_scenario` takes a path or the name of a shipped scenario
(``"baseline"``). Every problem is reported as one line ``FILE: field.path: message``
through :class:`ScenarioError`.
"""

from __future__ import annotations

import datetime as dt
import difflib
import math
from collections.abc import Mapping
from copy import deepcopy
from pathlib import Path
from types import UnionType
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    PrivateAttr,
    Tag,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_core import ErrorDetails, InitErrorDetails, PydanticCustomError

from cspsim.inputs.catalogue import resolve_scenario, shipped_parent
from cspsim.inputs.dated import (
    AllocationChange,
    AreaCut,
    CouncilReorganisation,
    FundingModel,
    IcbMerger,
    PccChange,
    ordered,
)
from cspsim.inputs.duties import load_duties
from cspsim.inputs.errors import ScenarioError
from cspsim.inputs.files import FileProblem, read_toml
from cspsim.inputs.icb_mergers import merger_problems
from cspsim.inputs.levers import apply_levers, is_lever, split_values, unknown_name_message
from cspsim.inputs.real_areas import councils, unknown_name
from cspsim.inputs.registry import registry

AuthorityType = Literal["district_borough", "unitary", "metropolitan", "london_borough"]
# The funded agencies of cspsim.vocab.FUNDED_AGENCIES (a Literal spells them out for pydantic).
Agency = Literal[
    "council", "police", "probation", "health", "fire_rescue", "youth_offending",
    "county_council", "probation_nps",
]  # fmt: skip
NonNeg = Annotated[float, Field(ge=0)]

# Sanity bounds: far beyond any real value, they catch typos and infinities before a run.
FIRST_START = dt.date(2009, 4, 1)  # the model's calibrated start (the 2009 survey)
LAST_END = dt.date(2050, 12, 31)
FIRST_YEAR, LAST_YEAR = 1998, 2050  # funding years (the 1998 Act to the last end)
MAX_POPULATION = 20_000_000  # one council area (the largest, Birmingham, has about 1.2 million)
MAX_GBP_PER_YEAR = 1e11  # a grant or new-burdens payment, GBP a year
MAX_INDEX = 10_000  # a funding index (2009 = 100)
MAX_TEAM_FTE = 10_000  # one area's community safety team, fte (real teams: tens at most)
MAX_WORKLOAD_SCALE = 1_000  # a duty's workload multiplier (1 = the catalogue's)
MAX_REPLICATES = 10_000  # run.replicates, and the --replicates of every command


def _num(x: float) -> str:
    """A bound as people read it: 20,000,000 rather than 2e+07."""
    return f"{x:,.0f}" if x == int(x) else f"{x:g}"


def _finite(low: float, high: float, what: str, low_open: bool = False) -> BeforeValidator:
    """A check, before pydantic's own, that a number is finite and at most ``high``, with a
    message giving the allowed range (``what`` says what the bound is); a number below ``low``
    is left to the field's own ``ge``/``gt`` constraint."""
    low_text = f"more than {_num(low)}" if low_open else _num(low)

    def check(value: Any) -> Any:
        number = isinstance(value, int | float) and not isinstance(value, bool)
        if number and not (math.isfinite(value) and value <= high):
            raise ValueError(
                f"{value:g} is out of range: must be {low_text} to {_num(high)} ({what})"
            )
        return value

    return BeforeValidator(check)


Population = Annotated[
    float,
    _finite(0, MAX_POPULATION, "people; a sanity bound for one council area", True),
    Field(gt=0),
]
Money = Annotated[float, _finite(0, MAX_GBP_PER_YEAR, "GBP a year; a sanity bound"), Field(ge=0)]
Index = Annotated[float, _finite(0, MAX_INDEX, "2009 = 100; a sanity bound"), Field(ge=0)]
Year = Annotated[int, Field(ge=FIRST_YEAR, le=LAST_YEAR)]


def _error(msg: str, loc: tuple[str | int, ...], value: Any) -> InitErrorDetails:
    """One validation error at ``loc`` with the message ``msg``."""
    return InitErrorDetails(
        type=PydanticCustomError("value_error", "{msg}", {"msg": msg}), loc=loc, input=value
    )


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class TimeConfig(_Strict):
    """Simulated period; steps are quarters starting at ``start``."""

    start: dt.date = FIRST_START
    end: dt.date = dt.date(2024, 12, 31)

    @field_validator("start")
    @classmethod
    def _first(cls, v: dt.date) -> dt.date:
        if v < FIRST_START:
            raise ValueError(
                f"{v} is before the model's first supported start, {FIRST_START} (its "
                "calibrated start: the 2009 survey)"
            )
        return v

    @field_validator("end")
    @classmethod
    def _last(cls, v: dt.date) -> dt.date:
        if v > LAST_END:
            raise ValueError(f"{v} is after the model's last supported end, {LAST_END}")
        return v

    @model_validator(mode="after")
    def _order(self) -> TimeConfig:
        if self.end <= self.start:
            raise ValueError(f"end ({self.end}) must be after start ({self.start})")
        return self


class RunConfig(_Strict):
    """Seed and replicate count (command-line flags override them)."""

    seed: int = Field(default=2009, ge=0)
    replicates: int = Field(default=4, ge=1, le=MAX_REPLICATES)


class AreaConfig(_Strict):
    """One council area described by the user (``geography.kind = "areas"``)."""

    name: str
    type: AuthorityType
    population: Population
    force: str
    county: str | None = None
    region: str = "custom"
    probation: str | None = None
    health: str | None = None
    fire_rescue: str | None = None
    youth_offending: str | None = None
    team_fte: Annotated[float, _finite(0, MAX_TEAM_FTE, "fte; a sanity bound")] | None = Field(
        default=None, ge=0
    )
    has_analyst: bool | None = None
    has_coordinator: bool | None = None
    chair: Literal["council_officer", "police", "elected_member"] | None = None

    @model_validator(mode="after")
    def _county(self) -> AreaConfig:
        if self.type == "district_borough" and not self.county:
            raise ValueError("a district_borough area needs a county")
        if self.type != "district_borough" and self.county:
            raise ValueError("only district_borough areas sit in a county")
        return self


def _areas_form(value: Any) -> str:
    """Which form ``geography.areas`` takes: a list of names or of tables (the default)."""
    if isinstance(value, list) and value and all(isinstance(a, str) for a in value):
        return "names"
    return "tables"


# Tags of the two forms of ``geography.areas``: not part of a field's path in messages.
_AREAS_TAGS = ("tables", "names")


class GeographyConfig(_Strict):
    """Where the areas come from: the synthetic England generator, areas described in
    ``[[geography.areas]]`` tables, or real places named in a list of strings
    (``areas = ["Kent"]``: police force areas, counties, councils or CSPs, names or ONS codes;
    see :mod:`cspsim.inputs.real_areas`). A list of names implies ``kind = "areas"``.

    Names are checked here; they are resolved to councils on the scenario's start date, which
    the scenario records on its geography (:attr:`start`) when it is validated.
    """

    kind: Literal["real_england", "synthetic_england", "areas"] = "synthetic_england"
    seed: int = Field(default=1, ge=0)
    areas: Annotated[
        Annotated[list[AreaConfig], Tag("tables")] | Annotated[list[str], Tag("names")],
        Discriminator(_areas_form),
    ] = []
    reorganise: list[CouncilReorganisation] = Field(
        default=[], description="future reorganisations into unitaries (real places only)"
    )
    merge_icbs: list[IcbMerger] = Field(
        default=[], description="integrated care boards that merge on a date (ICB mergers)"
    )
    _start: dt.date | None = PrivateAttr(default=None)

    @model_validator(mode="before")
    @classmethod
    def _names_form(cls, data: Any) -> Any:
        if not isinstance(data, dict) or not isinstance(data.get("areas"), list):
            return data
        areas = data["areas"]
        is_name = [isinstance(a, str) for a in areas]
        if any(is_name) and not all(is_name):
            raise ValueError(
                'areas: give either names of real places (areas = ["Kent"]) or '
                "[[geography.areas]] tables, not both"
            )
        if areas and all(is_name):
            data = {**data, "kind": "areas"}  # a list of names replaces a synthetic England
        return data

    @model_validator(mode="after")
    def _areas(self) -> GeographyConfig:
        if self.kind == "areas":
            if not self.areas:
                raise ValueError('kind = "areas" needs at least one [[geography.areas]]')
            names = [a if isinstance(a, str) else a.name for a in self.areas]
            dupes = sorted({n for n in names if names.count(n) > 1})
            if dupes:
                raise ValueError(f"area names must be unique; repeated: {dupes}")
        elif self.areas:
            raise ValueError('areas are only read when kind = "areas"')
        if self.reorganise and not (self.kind == "real_england" or self.named):
            raise ValueError(
                'reorganise needs real places: kind = "real_england" or areas = ["Kent"]'
            )
        return self

    @model_validator(mode="after")
    def _icb_names(self) -> GeographyConfig:
        """Every ICB a merger names exists in real England on its date (real places; other
        geographies are checked when built), and no ICB merges twice on one date."""
        problems = [
            _error(msg, ("merge_icbs", *loc), value)
            for loc, msg, value in merger_problems(self.merge_icbs, self.real)
        ]
        if problems:
            raise ValidationError.from_exception_data("GeographyConfig", problems)
        return self

    @field_validator("areas")
    @classmethod
    def _known_names(cls, v: list[AreaConfig] | list[str]) -> list[AreaConfig] | list[str]:
        """Every named place exists (one error per unknown name, with the nearest names)."""
        problems = [
            _error(msg, (i,), name)
            for i, name in enumerate(v)
            if isinstance(name, str) and (msg := unknown_name(name))
        ]
        if problems:
            raise ValidationError.from_exception_data("areas", problems)
        return v

    @property
    def named(self) -> bool:
        """Whether the areas are real places given by name (``areas = ["Kent"]``)."""
        return bool(self.areas) and all(isinstance(a, str) for a in self.areas)

    @property
    def real(self) -> bool:
        """Whether the areas come from the ONS data (real England, or real places by name):
        what is shown from them must carry the ONS attribution."""
        return self.kind == "real_england" or self.named

    @property
    def area_names(self) -> list[str]:
        """The names of real places (empty for the other forms)."""
        return [a for a in self.areas if isinstance(a, str)]

    @property
    def tables(self) -> list[AreaConfig]:
        """The areas described in ``[[geography.areas]]`` tables (empty for the other forms)."""
        return [a for a in self.areas if isinstance(a, AreaConfig)]

    @property
    def start(self) -> dt.date:
        """The date named places resolve on: the scenario's start (2009-04-01 outside one)."""
        return self._start or TimeConfig().start


class Cut(_Strict):
    """A real-terms change to an agency's budget, phased in linearly over ``years``."""

    agency: Agency
    start: dt.date
    pct: float = Field(le=100, ge=-200, description="percent cut; negative = increase")
    years: float = Field(default=1.0, ge=0, le=30)


class Grant(_Strict):
    """A funding stream, by financial year (the last value carries forward).

    ``path``: ``csp`` (paid to CSPs), ``pcc`` (to PCCs, passed on by their funding model) or
    ``pcc_central`` (to PCCs for their own commissioning, whatever their model: violence
    reduction units) or ``capital`` (capital works such as Safer Streets lighting and CCTV:
    listed with their dates, but they buy no staff capacity, so the model leaves them out).
    Before PCCs are in office the ``pcc`` and ``pcc_central`` paths are paid to CSPs.
    """

    name: str
    path: Literal["csp", "pcc", "pcc_central", "capital"] = "csp"
    gbp_per_year: dict[Year, Money]
    ring_fenced: bool = False
    end: dt.date | None = Field(default=None, description="no money from this day on")
    time_limited: bool = Field(
        default=False, description="ended by the time_limited_grants_end_year lever"
    )

    @field_validator("gbp_per_year")
    @classmethod
    def _years(cls, v: dict[int, float]) -> dict[int, float]:
        if not v:
            raise ValueError("needs at least one year")
        return v


class FundingConfig(_Strict):
    """Funding trajectories: indices by agency (2009 = 100), cuts, grants, allocation."""

    allocation: Literal["annual", "multi_year"] = "annual"
    allocation_changes: list[AllocationChange] = []
    index: dict[Agency, dict[Year, Index]] = {}
    cost_per_fte_index: dict[Year, Index] = Field(
        default={},
        description="cost of one FTE by financial year, 2009 = 100 (empty = flat)",
    )
    cuts: list[Cut] = []
    grants: list[Grant] = []
    funds_files: list[str] = Field(
        default=[],
        description="dated funds files (CSV, see cspsim.inputs.series.read_funds), read as "
        "more grants; relative to the scenario's folder, else configs/",
    )
    area_cuts: list[AreaCut] = []
    public_health_grant_gbp: dict[Year, Money] = Field(
        default={},
        description="the public health grant to upper-tier councils by financial year, GBP "
        "cash (England; the last value carries forward): the registry's "
        "public_health_grant_cs_share of it funds drugs_alcohol_public_health",
    )

    @field_validator("allocation_changes")
    @classmethod
    def _in_order(cls, v: list[AllocationChange]) -> list[AllocationChange]:
        return ordered(v, "allocation changes")


class DutyOverride(_Strict):
    """Changes to one catalogue duty for this scenario."""

    enabled: bool = True
    start: dt.date | None = None
    workload_scale: Annotated[float, _finite(0, MAX_WORKLOAD_SCALE, "a sanity bound")] = Field(
        default=1.0, ge=0
    )
    lead_share_scale: float = Field(default=1.0, ge=0, le=10)
    new_burdens_gbp_per_year: Money | None = None


class DutiesConfig(_Strict):
    """Which duty catalogue to use and how this scenario changes it."""

    file: str = "duties.toml"
    overrides: dict[str, DutyOverride] = {}
    new: dict[str, dict[str, Any]] = Field(
        default={}, description="extra duties, same fields as configs/duties.toml entries"
    )


class StructureConfig(_Strict):
    """Partnership structure: separate CSPs, merged, or "1+4" (named duties at hub level)."""

    mode: Literal["separate", "merged", "one_plus_four"] = "separate"
    groups: Literal["by_force", "all"] | list[list[str]] = "by_force"
    hub_duties: list[str] = ["sexual_assault_referral", "hate_crime"]
    start: dt.date | None = None


class PCCConfig(_Strict):
    """Police and Crime Commissioners: when they arrive and how they pass money on.

    ``funding_model`` is every force's model from the start; ``changes`` switch the model of
    some or all forces from a date, in date order.
    """

    elected: dt.date = dt.date(2012, 11, 22)
    funding_model: FundingModel = "grant"
    changes: list[PccChange] = Field(
        default=[], description="the funding model from later dates (e.g. PCCs abolished)"
    )

    @field_validator("changes")
    @classmethod
    def _in_order(cls, v: list[PccChange]) -> list[PccChange]:
        return ordered(v, "PCC changes")


# The footprints each reorganised partner type can move to. ``none``: the partner type has
# no links from that date (the National Probation Service after reunification, June 2021).
REORGANISATION_FOOTPRINTS = {
    "health": ("pct", "ccg", "icb", "icb_2026"),
    "probation": ("trust", "crc", "region", "pdu"),
    "probation_nps": ("nps_division", "none"),
}


class Reorganisation(_Strict):
    """A partner's footprint changes on ``date`` (e.g. PCTs to CCGs; the National Probation
    Service gains its divisions in June 2014 and loses them, ``none``, in June 2021)."""

    agency: Literal["health", "probation", "probation_nps"]
    date: dt.date
    footprint: Literal[
        "pct", "ccg", "icb", "icb_2026", "trust", "crc", "region", "pdu", "nps_division", "none"
    ]

    @model_validator(mode="after")
    def _footprint_of_agency(self) -> Reorganisation:
        allowed = REORGANISATION_FOOTPRINTS[self.agency]
        if self.footprint not in allowed:
            raise ValueError(
                f"footprint {self.footprint!r} is not one of {self.agency}'s: {', '.join(allowed)}"
            )
        return self


class LeversConfig(_Strict):
    """Investments a scenario can switch on."""

    fund_coordinator: bool = False
    fund_analyst: bool = False
    from_date: dt.date | None = None
    backbone_gbp_per_year: Money = 0.0
    backbone_duties: list[str] = ["domestic_abuse", "domestic_homicide_reviews"]


class Scenario(_Strict):
    """A fully resolved scenario.

    A scenario that applied levers also keeps, privately, the scenario as it was before they
    were applied (not in dumps or manifests; kept by pickling), so that :func:`with_values`
    can apply a changed set of levers afresh instead of on top of the old ones.
    """

    name: str
    description: str = ""
    time: TimeConfig = TimeConfig()
    run: RunConfig = RunConfig()
    geography: GeographyConfig = GeographyConfig()
    parameters: dict[str, float] = {}
    funding: FundingConfig = FundingConfig()
    duties: DutiesConfig = DutiesConfig()
    structure: StructureConfig = StructureConfig()
    pcc: PCCConfig = PCCConfig()
    reorganisations: list[Reorganisation] = []
    levers: LeversConfig = LeversConfig()
    lever_values: dict[str, Any] = Field(
        default={}, description="levers applied when the scenario was loaded (provenance)"
    )
    source_file: str | None = None
    _pre_levers: dict[str, Any] | None = PrivateAttr(default=None)

    @field_validator("parameters")
    @classmethod
    def _registry_names(cls, v: dict[str, float]) -> dict[str, float]:
        reg = registry()
        problems = []  # one error per parameter, located at parameters.<name>
        for name, value in v.items():
            msg: str | None
            if name not in reg:
                msg = unknown_name_message(name)
            elif (msg := reg[name].check(value)) is None:
                continue
            problems.append(
                InitErrorDetails(
                    type=PydanticCustomError("registry", "{msg}", {"msg": msg}),
                    loc=(name,),
                    input=value,
                )
            )
        if problems:
            raise ValidationError.from_exception_data("parameters", problems)
        return v

    @model_validator(mode="after")
    def _real_areas(self) -> Scenario:
        """Named real places need councils in force on the start date, where they resolve."""
        geo = self.geography
        if not geo.named:
            return self
        try:
            councils(geo.area_names, self.time.start)
        except LookupError as exc:
            error = _error(str(exc.args[0]), ("geography", "areas"), geo.area_names)
            raise ValidationError.from_exception_data("Scenario", [error]) from None
        _bind_start(self)
        return self

    @model_validator(mode="after")
    def _dated_in_run(self) -> Scenario:
        """A future reorganisation or ICB merger falls inside the run (after its start)."""
        dated = [("reorganise", i, r.date) for i, r in enumerate(self.geography.reorganise)]
        dated += [("merge_icbs", i, m.date) for i, m in enumerate(self.geography.merge_icbs)]
        problems = [
            _error(
                f"{day} must be after the scenario's start, {self.time.start}",
                ("geography", what, i, "date"),
                day,
            )
            for what, i, day in dated
            if day <= self.time.start
        ]
        if problems:
            raise ValidationError.from_exception_data("Scenario", problems)
        return self

    def param(self, name: str) -> float:
        """Value of a registry parameter: the scenario's override or the default."""
        return float(self.parameters.get(name, registry()[name].default))

    def model_copy(
        self, *, update: Mapping[str, Any] | None = None, deep: bool = False
    ) -> Scenario:
        """Pydantic's copy; an update also reaches the pre-lever scenario (see the class).

        An update to a part that levers write (funding, duties...) cannot be carried back to
        before the levers, so the copy then forgets that form, and :func:`with_values`
        refuses to change its levers rather than apply them twice.
        """
        copied = super().model_copy(update=update, deep=deep)
        _bind_start(copied)
        if update and self._pre_levers is not None:
            if _LEVER_WRITTEN & set(update):
                copied._pre_levers = None
            else:
                copied._pre_levers = {**self._pre_levers, **update}
        return copied


def _bind_start(scenario: Scenario) -> None:
    """Record the start date on a geography of named places (they resolve on that date).

    The geography gets its own copy, as another scenario may share the instance; the field is
    set in place because the scenario is frozen (this runs while it is being made).
    """
    geo = scenario.geography
    if (geo.named or geo.kind == "real_england") and geo._start != scenario.time.start:
        geo = geo.model_copy()
        geo._start = scenario.time.start
        scenario.__dict__["geography"] = geo


# Parts of a scenario that levers write or record (see cspsim.inputs.levers.apply_levers).
_LEVER_WRITTEN = {"parameters", "funding", "duties", "structure", "pcc", "levers", "lever_values"}


def _deep_merge(base: dict[str, Any], child: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in child.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _deep_merge(out[key], value)
        else:
            out[key] = value
    return out


def _read_raw(path: Path, chain: tuple[Path, ...] = ()) -> dict[str, Any]:
    if path.is_file() and path.resolve() in chain:
        raise ScenarioError([f"{path}: 'extends' forms a cycle"])
    where = f" (extended by {chain[-1]})" if chain else ""
    try:
        raw = read_toml(path, missing=f"file not found{where}")
    except FileProblem as exc:
        raise ScenarioError([str(exc)]) from None
    if not raw:
        raise ScenarioError([f"{path}: empty scenario: give at least `name` or `extends`"])
    parents = raw.pop("extends", None)
    if parents is None:
        return raw
    if isinstance(parents, str):
        parents = [parents]
    if not (isinstance(parents, list) and parents and all(isinstance(p, str) for p in parents)):
        raise ScenarioError([f"{path}: extends: must be a file name or a list of file names"])
    # Later parents override earlier ones (e.g. a history, then a calibration overlay).
    merged: dict[str, Any] = {}
    for parent in parents:
        parent_path = path.parent / parent
        if not parent_path.is_file() and (shipped := shipped_parent(parent)) is not None:
            parent_path = shipped  # e.g. a user's file extending "baseline.toml"
        parent_raw = _read_raw(parent_path, (*chain, path.resolve()))
        parent_raw.pop("name", None)
        parent_raw.pop("description", None)
        merged = _deep_merge(merged, parent_raw)
    return _deep_merge(merged, raw)


# Where the PCCs' money is: not an agency with a budget of its own in the model but a fund
# (grants with path = "pcc"), which the lever cuts.
PCC_FUND_HINT = (
    "the PCCs' community safety fund is not an agency budget here: cut it with the lever "
    "cut_pct__pcc_fund (and cut_start_year__pcc_fund) in [parameters], or change its grants "
    '(funding.grants with path = "pcc")'
)


def _means_pcc(parts: list[Any], value: Any) -> bool:
    """Whether an agency name that failed validation was meant as the PCC."""
    named = isinstance(value, str) and value.lower().startswith("pcc")
    return named and any(p in ("agency", "index") for p in parts)


def _fields_at(parts: list[Any]) -> list[str]:
    """The keys a scenario accepts at a location (dotted path ``parts``, the last one being
    the unknown key), or [] where the location is not a fixed table."""
    model: Any = Scenario
    for part in parts[:-1]:
        if isinstance(part, int):
            continue
        fields = getattr(model, "model_fields", None)
        if fields is None or part not in fields:
            return []
        model = fields[part].annotation
        while get_origin(model) in (list, Union, UnionType):  # list[X], X | None
            model = next(a for a in get_args(model) if a is not type(None))
    fields = getattr(model, "model_fields", None)
    return sorted(fields) if fields else []


def _key_hint(parts: list[Any]) -> str:
    """ "; did you mean X?" for an unknown key with a close valid one, else ""."""
    if not parts or not isinstance(parts[-1], str):
        return ""
    valid = [f for f in _fields_at(parts) if f not in ("source_file", "lever_values")]
    close = difflib.get_close_matches(parts[-1], valid, n=1, cutoff=0.6)
    hint = f"; did you mean {close[0]}?" if close else ""
    return hint + (f" ({PCC_FUND_HINT})" if "pcc" in parts[-1].lower() else "")


def _format_error(path: Path, err: ErrorDetails) -> str:
    parts = list(err["loc"])
    parts = [
        p for i, p in enumerate(parts) if not (i and parts[i - 1] == "areas" and p in _AREAS_TAGS)
    ]
    loc = ".".join(str(p) for p in parts) or "(top level)"
    msg = err["msg"].removeprefix("Value error, ")
    if parts and parts[-1] == "[key]" and err["type"] in ("greater_than_equal", "less_than_equal"):
        loc = ".".join(str(p) for p in parts[:-1])  # a year out of range (funding by year)
        msg = f"year {err['input']} is out of range: must be {FIRST_YEAR} to {LAST_YEAR}"
    if err["type"] == "extra_forbidden":
        msg = "unknown key" + _key_hint(parts)
    elif err["type"] == "literal_error" and _means_pcc(parts, err["input"]):
        msg += f"; {PCC_FUND_HINT}"
    elif err["type"] == "missing":
        msg = "required field is missing"
    return f"{path}: {loc}: {msg}"


def load_scenario(path: str | Path) -> Scenario:
    """Load, merge and validate a scenario file, or a shipped scenario by name (``"baseline"``).

    Raises:
        ScenarioError: with one line per problem, naming the file and the field path; an
            unknown name gets one line with close matches.
    """
    path = resolve_scenario(path)
    raw = _read_raw(path)
    raw.setdefault("name", path.stem)
    raw["source_file"] = str(path)
    try:
        scenario = _validate(raw, path)
    except ValidationError as exc:
        raise ScenarioError([_format_error(path, e) for e in exc.errors()]) from None
    # Cross-field checks that need the duty catalogue.
    try:
        load_duties(scenario, path.parent)
    except ScenarioError as exc:
        raise ScenarioError([f"{path}: {p}" for p in exc.problems]) from None
    return scenario


def _with_levers(raw: dict[str, Any], path: Path) -> dict[str, Any]:
    """Apply the levers named in ``[parameters]``; keep model parameters there."""
    values = raw.get("parameters", {})
    if not isinstance(values, dict):
        return raw  # pydantic reports the type error
    params, levers, problems = split_values(values)
    if problems:
        raise ScenarioError([f"{path}: parameters.{p}" for p in problems])
    if not levers:
        return raw
    out = apply_levers(raw, levers)
    out["parameters"] = params
    out["lever_values"] = {**raw.get("lever_values", {}), **levers}
    return out


def _validate(raw: dict[str, Any], where: Path) -> Scenario:
    """Apply the levers of a raw scenario and validate it, keeping the raw if it had levers.

    Raises:
        ScenarioError: a lever or parameter name or value is wrong.
        ValidationError: the scenario is invalid.
    """
    levered = _with_levers(raw, where)
    scenario = Scenario.model_validate(levered)
    if levered is not raw:
        scenario._pre_levers = deepcopy(raw)  # the caller's dict may change later
    return scenario


def scenario_from_dict(raw: dict[str, Any], base_dir: Path | None = None) -> Scenario:
    """Validate a scenario given as a dict (tests, dashboard, sensitivity runs)."""
    where = Path("<dict>")
    try:
        return _validate(raw, where)
    except ValidationError as exc:
        raise ScenarioError([_format_error(where, e) for e in exc.errors()]) from None


def with_values(scenario: Scenario, values: dict[str, Any]) -> Scenario:
    """A copy of ``scenario`` with parameters and levers set by name (validated).

    If the scenario applied levers when it was loaded, its levers are applied again, with
    ``values`` replacing theirs, to the scenario as it was before them: setting
    ``cut_pct__council`` replaces the scenario's council cut (it does not add a second one),
    and ``cut_start_year__council`` alone moves it. Model parameters are merged likewise.
    Without levers in the scenario, ``values`` simply go into its ``[parameters]``.

    Raises:
        ScenarioError: an unknown name, a value out of bounds, an invalid result, or levers
            set on a scenario that applied levers but no longer knows its form before them
            (rebuilt from a dump, or copied with changed funding, duties...).
    """
    pre = scenario._pre_levers
    if pre is not None:
        raw = {**pre, "parameters": {**pre.get("parameters", {}), **values}}
        return scenario_from_dict(raw)
    if scenario.lever_values and (touched := [n for n in values if is_lever(n)]):
        raise ScenarioError([
            f"<dict>: parameters: cannot set levers ({', '.join(touched)}) on scenario "
            f"'{scenario.name}': it already applied levers "
            f"({', '.join(sorted(scenario.lever_values))}) and no longer has its form "
            "before them (it was rebuilt from a dump or copied with changes), so they "
            "would be applied twice: load it from its file again"
        ])  # fmt: skip
    raw = scenario.model_dump()
    raw["parameters"] = {**raw["parameters"], **values}
    return scenario_from_dict(raw)
