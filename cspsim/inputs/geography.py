"""Council areas and the footprints of the agencies that serve them.

Three sources: a seeded generator of a synthetic England matching the 2009 frame
(``configs/england_2009.toml``), a list of areas described in the scenario file, or real
places named in it (``areas = ["Kent"]``, via :mod:`cspsim.inputs.real_areas`). Either way the
result is a :class:`Geography` of arrays indexed by council area. Pure numpy, no Mesa.
"""

from __future__ import annotations

import datetime as dt
import tomllib
from dataclasses import dataclass, field
from functools import cache

import numpy as np

from cspsim.inputs.england import load_england
from cspsim.inputs.errors import ScenarioError
from cspsim.inputs.icb_mergers import IcbMergerError, add_merged_levels
from cspsim.inputs.real_areas import LEVELS, police_bodies, real_periods, real_rows
from cspsim.inputs.registry import file_levers
from cspsim.inputs.reorganise import ReorganiseError, reorganised
from cspsim.inputs.scenario import GeographyConfig
from cspsim.paths import CONFIGS_DIR
from cspsim.vocab import AUTHORITY_TYPES, CHAIRS

# Footprint levels: which areas one agency serves. Health and probation change level over time.
FOOTPRINTS = (
    "police",
    "county_council",
    "fire_rescue",
    "youth_offending",
    "health_pct",
    "health_ccg",
    "health_icb",
    "health_icb_2026",
    "probation_trust",
    "probation_crc",
    "probation_nps",
    "probation_region",
    "probation_pdu",
)


@dataclass(frozen=True)
class Period:
    """The councils and CSPs of the areas from ``start`` until the next period.

    Real England changes them over time (:func:`cspsim.inputs.real_areas.real_periods`): a
    reorganisation makes several areas one council (they keep their own teams and budgets,
    pooled in one CSP, and lose the county council partner), and a CSP may cover several
    councils. Other geographies have one period: each area its own council and CSP.

    Attributes:
        start: First day (the first period covers the run's start whatever its date).
        council: Council index of each area, (n_areas,).
        council_codes, council_names: Code and name of each council.
        council_type: Authority type code (index into ``AUTHORITY_TYPES``) of each council.
        csp: CSP index of each area, (n_areas,).
        csp_codes, csp_names: Code and name of each CSP.
        transition: Whether each area's council is replaced by a new unitary of a scenario's
            future reorganisation on ``start`` (its partners take the transition shock),
            (n_areas,) bool; None when none is.
    """

    start: dt.date
    council: np.ndarray
    council_codes: list[str]
    council_names: list[str]
    council_type: np.ndarray
    csp: np.ndarray
    csp_codes: list[str]
    csp_names: list[str]
    transition: np.ndarray | None = None

    @property
    def two_tier(self) -> np.ndarray:
        """Whether each area's council is a district of a two-tier county, (n_areas,)."""
        two_tier: np.ndarray = self.council_type[self.council] == AUTHORITY_TYPES.index(
            "district_borough"
        )
        return two_tier

    @property
    def area_type(self) -> np.ndarray:
        """Authority type code of each area's council, (n_areas,)."""
        area_type: np.ndarray = self.council_type[self.council]
        return area_type


@dataclass
class Geography:
    """Council areas and agency footprints.

    Attributes:
        names: Area names.
        type_code: Index into ``AUTHORITY_TYPES`` per area.
        population: Residents per area.
        region: Region name per area.
        footprint: For each level in ``FOOTPRINTS``, the agency index serving each area
            (-1 where none, e.g. the county council of a unitary area).
        footprint_names: Agency names per level.
        team_fte: User-given team FTE per area (NaN = draw from the registry).
        has_analyst: User-given analyst flag (-1 = draw, 0/1 = given).
        has_coordinator: User-given coordinator flag (-1 = draw).
        chair: User-given chair index into ``CHAIRS`` (-1 = draw).
        codes: ONS code of each area ("" where it has none).
        periods: Councils and CSPs over time, first period first (see :class:`Period`);
            empty means one period in which every area is its own council and CSP.
        police_bodies: Real England: who held police and crime functions in each police
            force area over time (police force name -> ``{"from", "to", "name"}`` dicts;
            :func:`cspsim.inputs.real_areas.police_bodies`); empty elsewhere.
    """

    names: list[str]
    type_code: np.ndarray
    population: np.ndarray
    region: list[str]
    footprint: dict[str, np.ndarray]
    footprint_names: dict[str, list[str]]
    team_fte: np.ndarray = field(default_factory=lambda: np.empty(0))
    has_analyst: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=int))
    has_coordinator: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=int))
    chair: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=int))
    codes: list[str] = field(default_factory=list)
    periods: list[Period] = field(default_factory=list)
    police_bodies: dict[str, list[dict]] = field(default_factory=dict)

    @property
    def n(self) -> int:
        """Number of council areas."""
        return len(self.names)

    def timeline(self) -> list[Period]:
        """The periods of the run (one, each area its own council and CSP, when none given)."""
        if self.periods:
            return self.periods
        codes = self.codes or self.names
        own = np.arange(self.n)
        return [
            Period(
                dt.date.min,
                own,
                list(codes),
                list(self.names),
                self.type_code,
                own,
                list(codes),
                list(self.names),
            )
        ]


def _factorize(labels: list[str | None]) -> tuple[np.ndarray, list[str]]:
    names: list[str] = []
    index: dict[str, int] = {}
    out = np.full(len(labels), -1, dtype=np.int64)
    for i, lab in enumerate(labels):
        if lab is None:
            continue
        if lab not in index:
            index[lab] = len(names)
            names.append(lab)
        out[i] = index[lab]
    return out, names


def _period(row: dict) -> Period:
    """A :class:`Period` from one dict of :func:`cspsim.inputs.real_areas.real_periods`."""
    council, council_codes = _factorize(row["council_code"])
    csp, csp_codes = _factorize(row["csp_code"])
    first_council = [row["council_code"].index(c) for c in council_codes]
    first_csp = [row["csp_code"].index(c) for c in csp_codes]
    return Period(
        start=row["start"],
        council=council,
        council_codes=council_codes,
        council_names=[row["council_name"][i] for i in first_council],
        council_type=np.array(
            [AUTHORITY_TYPES.index(row["council_type"][i]) for i in first_council], dtype=np.int64
        ),
        csp=csp,
        csp_codes=csp_codes,
        csp_names=[row["csp_name"][i] for i in first_csp],
        transition=np.array(row["transition"], dtype=bool) if "transition" in row else None,
    )


def _finish(
    rows: list[dict], periods: list[dict] | None = None, bodies: dict | None = None
) -> Geography:
    fp, fp_names = {}, {}
    for level in FOOTPRINTS:
        fp[level], fp_names[level] = _factorize([r[level] for r in rows])
    n = len(rows)
    return Geography(
        names=[r["name"] for r in rows],
        type_code=np.array([AUTHORITY_TYPES.index(r["type"]) for r in rows], dtype=np.int64),
        population=np.array([r["population"] for r in rows], dtype=float),
        region=[r["region"] for r in rows],
        footprint=fp,
        footprint_names=fp_names,
        team_fte=np.array([r.get("team_fte", np.nan) for r in rows], dtype=float),
        has_analyst=np.array([r.get("has_analyst", -1) for r in rows], dtype=np.int64),
        has_coordinator=np.array([r.get("has_coordinator", -1) for r in rows], dtype=np.int64),
        chair=np.array([r.get("chair", -1) for r in rows], dtype=np.int64).reshape(n),
        codes=[r.get("code", "") for r in rows] if any(r.get("code") for r in rows) else [],
        periods=[_period(p) for p in periods or []],
        police_bodies=dict(bodies or {}),
    )


def _lognormal(rng: np.random.Generator, mean: float, cv: float, size: int) -> np.ndarray:
    sigma2 = np.log1p(cv**2)
    return rng.lognormal(np.log(mean) - sigma2 / 2, np.sqrt(sigma2), size)


def _split(rng: np.random.Generator, total: int, parts: int, minimum: int) -> list[int]:
    """Split ``total`` items into ``parts`` groups of at least ``minimum`` (seeded)."""
    if parts <= 0:
        return []
    base = min(minimum, total // parts)
    extra = rng.multinomial(total - base * parts, np.full(parts, 1 / parts))
    return [int(base + e) for e in extra]


def synthetic_england(seed: int) -> Geography:
    """Generate a synthetic England with the 2009 counts (345 CSPs, survey T2 regions).

    Structure rules (documented in docs/ODD.md, "Initialisation"): districts are split among
    the region's counties; metropolitan districts form their own force(s) of up to ten;
    counties and unitaries are spread over the remaining forces; health (PCT) and youth
    offending footprints are the upper-tier area; CCGs split counties into groups of two or
    three districts; ICBs follow forces; fire follows the county (unitaries join a county
    of their force, else the force); probation trusts follow forces, with the two smallest
    forces sharing a trust in the three regions with most forces (38 forces, 35 trusts);
    CRCs group trusts (21 nationally); National Probation Service divisions and probation
    regions are the nine regions; probation delivery units follow the upper-tier area.
    """
    with (CONFIGS_DIR / "england_2009.toml").open("rb") as fh:
        frame = tomllib.load(fh)
    rng = np.random.default_rng(np.random.SeedSequence([seed, 2009]))
    rows: list[dict] = []
    regions = frame["regions"]
    merge_regions = set(sorted(regions, key=lambda r: -regions[r]["forces"])[:3])
    total_trusts = sum(r["forces"] for r in regions.values()) - len(merge_regions)
    for rname, reg in regions.items():
        n_met, n_uni = reg.get("metropolitan", 0), reg.get("unitary", 0)
        n_dist, n_lon = reg.get("district_borough", 0), reg.get("london_borough", 0)
        assert n_met + n_uni + n_dist + n_lon == reg["cdrps"], rname  # frame file invariant
        n_met_forces = int(np.ceil(n_met / 10)) if n_met else 0
        if n_lon:
            n_met_forces = 1
        other_forces = [f"{rname}_force_{k + 1}" for k in range(reg["forces"] - n_met_forces)]
        met_forces = [f"{rname}_metforce_{k + 1}" for k in range(n_met_forces)]
        region_rows: list[dict] = []
        # Metropolitan / London areas: their own forces, health, fire by force.
        met_sizes = _split(rng, n_met + n_lon, n_met_forces, 1)
        kind = "london_borough" if n_lon else "metropolitan"
        for f, size in zip(met_forces, met_sizes, strict=True):
            for _ in range(size):
                region_rows.append({"type": kind, "force": f, "county": None, "fire": f})
        # Counties with districts, spread round-robin over the other forces.
        counties = [f"{rname}_county_{k + 1}" for k in range(reg["counties"])]
        order: np.ndarray | list[int] = rng.permutation(len(other_forces)) if other_forces else []
        county_force = {c: other_forces[order[k % len(order)]] for k, c in enumerate(counties)}
        for c, size in zip(counties, _split(rng, n_dist, len(counties), 3), strict=True):
            for _ in range(size):
                region_rows.append(
                    {"type": "district_borough", "force": county_force[c], "county": c, "fire": c}
                )
        # Unitaries: first fill forces that have no area yet (e.g. Cleveland), then at random.
        empty = [f for f in other_forces if f not in county_force.values()]
        pool = other_forces or met_forces
        for k in range(n_uni):
            force = empty[k] if k < len(empty) else pool[int(rng.integers(len(pool)))]
            forces_counties = [c for c, f in county_force.items() if f == force]
            fire = forces_counties[0] if forces_counties else force
            region_rows.append({"type": "unitary", "force": force, "county": None, "fire": fire})
        # Probation trusts: one per force, the two smallest forces share in merge regions.
        forces_here = met_forces + other_forces
        trust = {f: f"{f}_trust" for f in forces_here}
        if rname in merge_regions and len(forces_here) >= 2:
            sizes = {f: sum(r["force"] == f for r in region_rows) for f in forces_here}
            a, b = sorted(forces_here, key=lambda f: sizes[f])[:2]
            trust[b] = trust[a]
        trusts = sorted(set(trust.values()))
        n_crc = max(1, round(21 * len(trusts) / total_trusts))
        crc = {t: f"{rname}_crc_{k % n_crc + 1}" for k, t in enumerate(trusts)}
        ccg_counter = 0
        for k, row in enumerate(region_rows):
            name = f"{rname}_{row['type']}_{k + 1}"
            upper = row["county"] or name
            if row["county"]:
                ccg_counter += 1
                ccg = f"{row['county']}_ccg_{(ccg_counter - 1) // 3 + 1}"
            else:
                ccg = f"{name}_ccg"
            row.update(
                name=name,
                region=rname,
                police=row["force"],
                county_council=row["county"],
                fire_rescue=row.pop("fire"),
                youth_offending=f"{upper}_yos",
                health_pct=f"{upper}_pct",
                health_ccg=ccg,
                health_icb=f"{row['force']}_icb",
                health_icb_2026=f"{row['force']}_icb",  # no mergers in a synthetic England
                probation_trust=trust[row["force"]],
                probation_crc=crc[trust[row["force"]]],
                probation_nps=f"{rname}_nps",
                probation_region=f"{rname}_probation",
                probation_pdu=f"{upper}_pdu",
            )
        rows.extend(region_rows)
    means, cvs = frame["population_mean"], frame["population_cv"]
    for t in AUTHORITY_TYPES:
        idx = [i for i, r in enumerate(rows) if r["type"] == t]
        pops = _lognormal(rng, means[t], cvs[t], len(idx))
        for i, p in zip(idx, pops, strict=True):
            rows[i]["population"] = float(max(p, 2000.0))
    scale = england_population() / sum(r["population"] for r in rows)
    for r in rows:
        r["population"] *= scale
    return _finish(rows)


@cache
def england_population(year: int = 2009) -> float:
    """Residents of England in ``year`` (configs/geography/population.csv, ONS census 2011 and
    2021 with the trend between and beyond): national money is shared by this."""
    eng = load_england()
    return float(sum(a.population_persons for a in eng.areas(dt.date(year, 4, 1))))


def user_areas(cfg: GeographyConfig) -> Geography:
    """Geography from the areas listed in a scenario (missing footprints default sensibly)."""
    rows = []
    for a in cfg.tables:
        upper = a.county or a.name
        rows.append(
            {
                "name": a.name,
                "type": a.type,
                "population": a.population,
                "region": a.region,
                "police": a.force,
                "county_council": a.county,
                "fire_rescue": a.fire_rescue or a.county or a.force,
                "youth_offending": a.youth_offending or upper,
                "health_pct": a.health or upper,
                "health_ccg": a.health or upper,
                "health_icb": a.health or a.force,
                "health_icb_2026": a.health or a.force,
                "probation_trust": a.probation or a.force,
                "probation_crc": a.probation or a.force,
                "probation_nps": a.probation or a.region,
                "probation_region": a.probation or a.region,
                "probation_pdu": a.probation or upper,
                "team_fte": np.nan if a.team_fte is None else a.team_fte,
                "has_analyst": -1 if a.has_analyst is None else int(a.has_analyst),
                "has_coordinator": -1 if a.has_coordinator is None else int(a.has_coordinator),
                "chair": -1 if a.chair is None else CHAIRS.index(a.chair),
            }
        )
    return _finish(rows)


def real_areas(cfg: GeographyConfig) -> Geography:
    """Geography of the real places named in a scenario (``areas = ["Kent"]``).

    The councils in force on the scenario's start date in those places, with their ONS names,
    types, regions and real agencies at every level of :data:`FOOTPRINTS` (see
    :mod:`cspsim.inputs.real_areas` for the rules). Population is the start year's, held fixed
    over the run, as the model holds every area's population fixed. Team size, analyst,
    coordinator and chair are drawn as for the synthetic England.

    Raises:
        ScenarioError: a name matches no place, or no council on the start date.
    """
    try:
        names = None if cfg.kind == "real_england" else cfg.area_names
        rows = real_rows(names, cfg.start)
        codes = [r["code"] for r in rows]
        periods = reorganised(
            rows,
            real_periods(codes, cfg.start),
            cfg.reorganise,
            cfg.start,
            file_levers()["unitary_target_population"].default,
        )
    except LookupError as exc:
        where = "geography.reorganise" if isinstance(exc, ReorganiseError) else "geography.areas"
        raise ScenarioError([f"{where}: {exc.args[0]}"]) from None
    assert set(LEVELS) == set(FOOTPRINTS)  # the real-area rules cover every model level
    return _finish(rows, periods, police_bodies(codes))


def build_geography(cfg: GeographyConfig) -> Geography:
    """The scenario's geography, with the footprint levels of its ICB mergers.

    Raises:
        ScenarioError: a merger names an ICB the areas do not have on its date.
    """
    if cfg.kind == "real_england" or (cfg.kind == "areas" and cfg.named):
        geo = real_areas(cfg)
    elif cfg.kind == "areas":
        geo = user_areas(cfg)
    else:
        geo = synthetic_england(cfg.seed)
    if cfg.merge_icbs:
        try:
            add_merged_levels(geo.footprint, geo.footprint_names, cfg.merge_icbs, not cfg.real)
        except IcbMergerError as exc:
            raise ScenarioError([f"geography.merge_icbs: {exc.args[0]}"]) from None
    return geo
