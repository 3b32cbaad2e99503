"""Static structure of a run: who serves whom, in which epoch. Pure numpy, no Mesa.

An *epoch* is a stretch of quarters with one partnership structure and one set of partner
footprints. Epochs change at a reorganisation (e.g. PCTs to CCGs) or when the scenario's
structure (merged, "1+4") takes effect. State lives on (partner type, council area) and
council areas, so it carries over epochs unchanged; links and delivery units are views.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import numpy.typing as npt

from cspsim.inputs.duties import DutyTable
from cspsim.inputs.geography import Geography, Period
from cspsim.inputs.scenario import Scenario, ScenarioError
from cspsim.model.splits import Split, split_weights, staff_shares
from cspsim.vocab import CONTRIBUTORS, PARTNER_TYPES

# Footprint level of each reorganised partner type at the start; ``none``: no agency (the
# National Probation Service exists only between its two reorganisations, 2014-21).
NO_FOOTPRINT = "none"
INITIAL_LEVEL = {
    "health": "health_pct",
    "probation": "probation_trust",
    "probation_nps": NO_FOOTPRINT,
}
LEVEL_NAME = {
    "pct": "health_pct",
    "ccg": "health_ccg",
    "icb": "health_icb",
    "icb_2026": "health_icb_2026",
    "trust": "probation_trust",
    "crc": "probation_crc",
    "region": "probation_region",
    "pdu": "probation_pdu",
    "nps_division": "probation_nps",
    "none": NO_FOOTPRINT,
}


@dataclass
class Epoch:
    """Structure in force from ``start_step``.

    Attributes:
        start_step: First step of the epoch.
        structured: True once the scenario's merged / 1+4 structure is in force.
        csp_of_area: CSP index of each council area (CSPs are numbered per epoch).
        csp_names: Name of each CSP.
        csp_codes: Code of each CSP (ONS E22 code for real England; see docs/GEOGRAPHY.md).
        csp_type: Authority type code of each CSP (largest member area's type).
        n_areas_of_area: Number of areas in each area's CSP.
        n_councils_of_area: Number of councils in each area's CSP (areas of one council,
            created by a reorganisation, count once).
        two_tier: Whether each area's council is a two-tier district (the county council is
            a partner and takes the council's share of county-led duties), (n_areas,).
        W: Expected contribution shares per area, (n_areas, 8 contributors, n_duties)
            (:func:`contribution_weights` of ``two_tier``, split where a split-off partner
            type has links: :func:`cspsim.model.splits.split_weights`).
        area_type: Authority type code of each area's council in the epoch, (n_areas,).
        unit_of: Delivery unit of each (area, duty), shape (n_areas, n_duties).
        unit_n_areas: Number of areas in each delivery unit.
        unit_duty: Duty index of each delivery unit.
        mgmt_share: Extra management tiers borne per area (sum of (n-1)/n over its units).
        link_of: Link index of each (partner type, area), -1 where none; shape (7, n_areas).
        link_agency: Global agency index of each link.
        link_ptype: Partner type index of each link.
        agency_ptype: Partner type index of each agency.
        agency_name: Name of each agency.
        agency_pop: Residents served by each agency.
        n_served: CSPs served by each agency.
        hubs_served: Sub-regional hubs (1+4) served by each agency.
        levels: Footprint level of each reorganised partner type (e.g. health: health_ccg).
        period: Index of the councils and CSPs in force (``Geography.timeline()``).
        transition: Areas whose council a scenario's future reorganisation replaces at this
            epoch's start (every partner's engagement there takes the transition shock,
            ``council_reorganisation_shock``), (n_areas,) bool; None when none.
        staff_share: Share of its partner type's partnership staff (``<type>_fte_per_100k``)
            each type holds, (7,): 1, but split between probation and the National Probation
            Service while the NPS has links.
        merged: Areas whose agency of a partner type a merger changes at this epoch's start
            (an ICB merger: that partner's engagement there takes the reorganisation shock,
            ``reorganisation_shock``), (n partner types, n_areas) bool; None when none.
    """

    start_step: int
    structured: bool
    csp_of_area: np.ndarray
    csp_names: list[str]
    csp_codes: list[str]
    csp_type: np.ndarray
    n_areas_of_area: np.ndarray
    n_councils_of_area: np.ndarray
    two_tier: np.ndarray
    area_type: np.ndarray
    W: np.ndarray
    unit_of: np.ndarray
    unit_n_areas: np.ndarray
    unit_duty: np.ndarray
    mgmt_share: np.ndarray
    link_of: np.ndarray
    link_agency: np.ndarray
    link_ptype: np.ndarray
    agency_ptype: np.ndarray
    agency_name: list[str]
    agency_pop: np.ndarray
    n_served: np.ndarray
    hubs_served: np.ndarray
    levels: dict[str, str] = field(default_factory=dict)
    period: int = 0
    transition: np.ndarray | None = None
    staff_share: np.ndarray = field(default_factory=lambda: np.ones(len(PARTNER_TYPES)))
    merged: np.ndarray | None = None

    @property
    def n_links(self) -> int:
        """Number of (agency, CSP) links."""
        return len(self.link_agency)

    @cached_property
    def agency_of(self) -> dict[tuple[int, str], int]:
        """Global agency index by (partner type index, agency name); worked out once."""
        return {(self.agency_ptype[g], n): g for g, n in enumerate(self.agency_name)}


def _groups(scenario: Scenario, geo: Geography) -> np.ndarray:
    """Group index of each area for merged / 1+4 structures (-1 = not grouped)."""
    spec = scenario.structure.groups
    if spec == "by_force":
        return geo.footprint["police"].copy()
    if spec == "all":
        return np.zeros(geo.n, dtype=np.int64)
    out = np.full(geo.n, -1, dtype=np.int64)
    index = {name: i for i, name in enumerate(geo.names)}
    problems = []
    for g, members in enumerate(spec):
        for name in members:
            if name not in index:
                problems.append(f"structure.groups: unknown area '{name}'")
            elif out[index[name]] >= 0:
                problems.append(f"structure.groups: area '{name}' is in two groups")
            else:
                out[index[name]] = g
    if problems:
        raise ScenarioError(problems)
    return out


def _factorize(keys: np.ndarray) -> tuple[np.ndarray, int]:
    _, inv = np.unique(keys, return_inverse=True)
    return inv.reshape(keys.shape), int(inv.max()) + 1 if inv.size else 0


def _distinct_per(group: np.ndarray, values: np.ndarray, n_groups: int) -> np.ndarray:
    """Number of distinct ``values`` in each group (``group`` indexes 0..n_groups-1)."""
    pairs = np.unique(np.stack([group, values]), axis=1)
    return np.bincount(pairs[0], minlength=n_groups)


@dataclass(frozen=True)
class _CspStructure:
    """The parts of an epoch without partners (see :class:`Epoch` for the arrays).

    Attributes:
        mode: ``separate``, ``merged`` or ``one_plus_four`` (``separate`` until structured).
        group: Group index of each area (-1 = not grouped).
        n_csp: Number of CSPs.
        period: The councils and CSPs the structure is built on.
    """

    mode: str
    group: np.ndarray
    csp_of_area: np.ndarray
    n_csp: int
    csp_names: list[str]
    csp_codes: list[str]
    csp_type: np.ndarray
    n_areas_of_area: np.ndarray
    n_councils_of_area: np.ndarray
    period: Period
    unit_of: np.ndarray
    unit_n_areas: np.ndarray
    unit_duty: np.ndarray
    mgmt_share: np.ndarray


@dataclass(frozen=True)
class _PartnerLinks:
    """The links of one partner type at one footprint level.

    Attributes:
        has: Whether each area has an agency of the type.
        lid: Link index of each area among this type's links, -1 where none.
        pair_agency: Agency index (within the type) of each link.
        names: Name of each agency.
        agency_pop: Residents served by each agency.
        n_served: CSPs served by each agency.
        hubs_served: Sub-regional hubs (1+4) served by each agency.
    """

    has: np.ndarray
    lid: np.ndarray
    pair_agency: np.ndarray
    names: list[str]
    agency_pop: np.ndarray
    n_served: np.ndarray
    hubs_served: np.ndarray


@dataclass
class EpochCache:
    """The parts of an epoch that do not change between the epochs of a run.

    Attributes:
        csp: CSP structure, by ``(structured, period index)``.
        links: Links of a partner type, by ``(structured, period index, footprint level)``.
    """

    csp: dict[tuple[bool, int], _CspStructure] = field(default_factory=dict)
    links: dict[tuple[bool, int, str], _PartnerLinks] = field(default_factory=dict)
    weights: dict[bytes, np.ndarray] = field(default_factory=dict)


def contribution_weights(two_tier: np.ndarray, duties: DutyTable) -> np.ndarray:
    """Expected contribution shares per area, shape (n_areas, 8 contributors, n_duties).

    In two-tier (district) areas the county council takes the council's share of county-led
    duties; elsewhere any county share falls to the unitary council.
    """
    n = len(two_tier)
    w = np.broadcast_to(duties.weight, (n, *duties.weight.shape)).copy()
    district = np.asarray(two_tier, dtype=bool)
    c, k = CONTRIBUTORS.index("council"), CONTRIBUTORS.index("county_council")
    led = duties.county_led
    w[np.ix_(district, [k], led)] += w[np.ix_(district, [c], led)]
    w[np.ix_(district, [c], led)] = 0.0
    w[np.ix_(~district, [c])] += w[np.ix_(~district, [k])]
    w[np.ix_(~district, [k])] = 0.0
    return w


def _csp_structure(
    scenario: Scenario, geo: Geography, duties: DutyTable, structured: bool, period: Period
) -> _CspStructure:
    """CSPs, delivery units and management tiers (the parts of an epoch without partners).

    The period's CSPs are the starting point; a merged structure joins the CSPs of each
    group. A CSP covering several councils (merged, or a real CSP over several districts)
    bears a management tier: ``(councils - 1) / councils`` per area.
    """
    n = geo.n
    mode = scenario.structure.mode if structured else "separate"
    group = _groups(scenario, geo) if mode != "separate" else np.full(n, -1)
    base = period.csp
    csp_key = np.where(group >= 0, n + group, base) if mode == "merged" else base
    csp_of_area, n_csp = _factorize(csp_key)
    n_areas_csp = np.bincount(csp_of_area, minlength=n_csp)
    n_councils_csp = _distinct_per(csp_of_area, period.council, n_csp)
    # Name and type of each CSP: its most populous member area's (its period CSP's name when
    # the CSP is one of the period's; "merged:" that name + the number of others when not).
    order = np.argsort(-geo.population, kind="stable")
    _, first = np.unique(csp_of_area[order], return_index=True)  # stable: first = largest
    lead = order[first]
    n_base_csp = _distinct_per(csp_of_area, base, n_csp)
    csp_names, csp_codes = [], []
    for a, k in zip(lead.tolist(), n_base_csp.tolist(), strict=True):
        name, code = period.csp_names[base[a]], period.csp_codes[base[a]]
        csp_names.append(name if k == 1 else f"merged:{name}+{k - 1}")
        csp_codes.append(code if k == 1 else f"merged:{code}+{k - 1}")
    # Delivery units: per duty, the CSP, or the hub for hub duties under 1+4.
    hub_duty = np.array([d in scenario.structure.hub_duties for d in duties.ids], dtype=bool)
    if mode == "one_plus_four":
        per_duty_key = np.where(
            hub_duty[None, :] & (group[:, None] >= 0), n + group[:, None], csp_of_area[:, None]
        )
    else:
        per_duty_key = np.repeat(csp_of_area[:, None], duties.n, axis=1)
    unit_key = per_duty_key * duties.n + np.arange(duties.n)[None, :]
    unit_of, n_units = _factorize(unit_key)
    unit_n_areas = np.bincount(unit_of.ravel(), minlength=n_units)
    unit_duty = np.zeros(n_units, dtype=np.int64)
    unit_duty[unit_of.ravel()] = np.tile(np.arange(duties.n), n)
    # Management tiers: one per distinct multi-council unit an area belongs to (a CSP over
    # several councils, or a hub).
    n_councils = n_councils_csp[csp_of_area]
    mgmt_share = (n_councils - 1) / n_councils
    if mode == "one_plus_four":
        hub_size = np.bincount(np.where(group >= 0, group, 0), minlength=max(group.max() + 1, 1))
        hs = np.where(group >= 0, hub_size[np.maximum(group, 0)], 1)
        mgmt_share = mgmt_share + np.where(hub_duty.any(), (hs - 1) / hs, 0.0)
    return _CspStructure(
        mode=mode,
        group=group,
        csp_of_area=csp_of_area,
        n_csp=n_csp,
        csp_names=csp_names,
        csp_codes=csp_codes,
        csp_type=period.area_type[lead],
        n_areas_of_area=n_areas_csp[csp_of_area],
        n_councils_of_area=n_councils,
        period=period,
        unit_of=unit_of,
        unit_n_areas=unit_n_areas,
        unit_duty=unit_duty,
        mgmt_share=np.asarray(mgmt_share, dtype=float),
    )


def _partner_links(geo: Geography, level: str, cs: _CspStructure) -> _PartnerLinks:
    """Links of one partner type at footprint ``level``: distinct (agency, CSP) pairs.

    In real England a county council is a partner of its districts only while they are
    two-tier districts (a reorganisation into unitaries ends it).
    """
    n, n_csp, group = geo.n, cs.n_csp, cs.group
    if level == NO_FOOTPRINT:  # the partner type has no agency in this epoch
        ag, names = np.full(n, -1, dtype=np.int64), []
    else:
        ag, names = geo.footprint[level], geo.footprint_names[level]
    if level == "county_council" and geo.periods:
        ag = np.where(cs.period.two_tier, ag, -1)
    has = ag >= 0
    pair = np.where(has, ag * (n_csp + 1) + cs.csp_of_area, -1)
    valid_pairs = np.unique(pair[has])
    lid = np.where(has, np.searchsorted(valid_pairs, pair), -1)
    pair_agency = valid_pairs // (n_csp + 1)
    hubs_served: np.ndarray
    if cs.mode == "one_plus_four":
        hubs = np.unique(ag[has & (group >= 0)] * (n + 1) + group[has & (group >= 0)])
        hubs_served = np.bincount(hubs // (n + 1), minlength=len(names))
    else:
        hubs_served = np.zeros(len(names))
    return _PartnerLinks(
        has=has,
        lid=lid,
        pair_agency=pair_agency,
        names=names,
        agency_pop=np.bincount(ag[has], weights=geo.population[has], minlength=len(names)),
        n_served=np.bincount(pair_agency, minlength=len(names)),
        hubs_served=hubs_served,
    )


def build_epoch(
    scenario: Scenario,
    geo: Geography,
    duties: DutyTable,
    start_step: int,
    structured: bool,
    levels: dict[str, str],
    cache: EpochCache | None = None,
    period: int = 0,
    splits: Mapping[str, Split] | None = None,
) -> Epoch:
    """Build the links and delivery units of one epoch.

    ``cache`` (initially empty) lets the epochs of one run share the parts that do not
    change between them (the CSP structure, and the links of unchanged partner types);
    ``period`` is the index of the councils and CSPs in force (``geo.timeline()``);
    ``splits`` how split-off partner types share their parents' work and staff where they
    have links (none: they take no work).
    """
    cache = EpochCache() if cache is None else cache
    if (structured, period) not in cache.csp:
        cache.csp[structured, period] = _csp_structure(
            scenario, geo, duties, structured, geo.timeline()[period]
        )
    cs = cache.csp[structured, period]
    two_tier = cs.period.two_tier
    link_of = np.full((len(PARTNER_TYPES), geo.n), -1, dtype=np.int64)
    parts: list[tuple[int, _PartnerLinks, int]] = []
    n_links = n_agencies = 0
    for p, ptype in enumerate(PARTNER_TYPES):
        level = levels.get(ptype, ptype)
        if (structured, period, level) not in cache.links:
            cache.links[structured, period, level] = _partner_links(geo, level, cs)
        lk = cache.links[structured, period, level]
        link_of[p, lk.has] = n_links + lk.lid[lk.has]
        parts.append((p, lk, n_agencies))
        n_links += len(lk.pair_agency)
        n_agencies += len(lk.names)
    splits = {} if splits is None else splits
    has = link_of >= 0
    split_has = np.stack([has[PARTNER_TYPES.index(c)] for c in splits]) if splits else has[:0]
    w_key = two_tier.tobytes() + split_has.tobytes()
    if w_key not in cache.weights:  # epochs with the same councils and splits share them
        cache.weights[w_key] = split_weights(contribution_weights(two_tier, duties), splits, has)

    def cat(
        values: Callable[[int, _PartnerLinks, int], npt.ArrayLike], dtype: npt.DTypeLike
    ) -> np.ndarray:
        return np.concatenate([np.asarray(values(p, lk, off), dtype=dtype) for p, lk, off in parts])

    return Epoch(
        start_step=start_step,
        structured=structured,
        csp_of_area=cs.csp_of_area,
        csp_names=cs.csp_names,
        csp_codes=cs.csp_codes,
        csp_type=cs.csp_type,
        n_areas_of_area=cs.n_areas_of_area,
        n_councils_of_area=cs.n_councils_of_area,
        two_tier=two_tier,
        area_type=cs.period.area_type,
        W=cache.weights[w_key],
        unit_of=cs.unit_of,
        unit_n_areas=cs.unit_n_areas,
        unit_duty=cs.unit_duty,
        mgmt_share=cs.mgmt_share,
        link_of=link_of,
        link_agency=cat(lambda p, lk, off: off + lk.pair_agency, np.int64),
        link_ptype=cat(lambda p, lk, off: np.full(len(lk.pair_agency), p), np.int64),
        agency_ptype=cat(lambda p, lk, off: np.full(len(lk.names), p), np.int64),
        agency_name=[name for _, lk, _ in parts for name in lk.names],
        agency_pop=cat(lambda p, lk, off: lk.agency_pop, float),
        n_served=cat(lambda p, lk, off: lk.n_served, float),
        hubs_served=cat(lambda p, lk, off: lk.hubs_served, float),
        levels=dict(levels),
        period=period,
        staff_share=staff_shares(splits, has),
    )


def dilution(ep: Epoch) -> np.ndarray:
    """log(number of CSPs + hubs served by the agency) for each (partner type, area).

    0 where the area has no partner of that type.
    """
    served = ep.n_served + ep.hubs_served
    out = np.zeros(ep.link_of.shape)
    valid = ep.link_of >= 0
    out[valid] = np.log(np.maximum(served[ep.link_agency[ep.link_of[valid]]], 1.0))
    return out
