"""Council areas and agency footprints (``cspsim.inputs.geography``)."""

from __future__ import annotations

import csv
from collections import Counter

import numpy as np
import pytest

from cspsim.inputs.geography import (
    CHAIRS,
    FOOTPRINTS,
    build_geography,
    england_population,
    synthetic_england,
    user_areas,
)
from cspsim.inputs.scenario import GeographyConfig
from cspsim.paths import REPO_DIR
from cspsim.vocab import AUTHORITY_TYPES

SURVEY_CSV = REPO_DIR.parent / "shared" / "data" / "survey_2009_calibration.csv"


@pytest.fixture(scope="module")
def england():
    """Synthetic England (geography seed 1; the generator is kept for tests)."""
    return synthetic_england(1)


def n_agencies(geo, level: str) -> int:
    """Number of distinct agencies at a footprint level that serve at least one area."""
    return len(np.unique(geo.footprint[level][geo.footprint[level] >= 0]))


def test_england_has_345_areas(england):
    """The 2009 frame: 345 CSPs, one per lower-tier or unitary area, uniquely named."""
    assert england.n == 345
    assert len(set(england.names)) == 345


def test_england_type_counts(england):
    """227 districts, 49 unitaries, 36 metropolitan districts, 33 London CSPs."""
    counts = Counter(AUTHORITY_TYPES[t] for t in england.type_code)
    assert counts == {
        "district_borough": 227,
        "unitary": 49,
        "metropolitan": 36,
        "london_borough": 33,
    }


def test_england_regions_match_survey_t2(england):
    """Areas per region equal the 2009 survey's T2 CDRP counts, read from the survey CSV."""
    if not SURVEY_CSV.is_file():
        pytest.skip(f"{SURVEY_CSV} not available")
    with SURVEY_CSV.open(newline="") as fh:
        t2 = {
            r["group"]: int(r["n"])
            for r in csv.DictReader(fh)
            if r["table"] == "T2" and r["item"] == "cdrps"
        }
    assert len(t2) == 9
    assert sum(t2.values()) == 345
    assert Counter(england.region) == t2


def test_england_population_total(england):
    """Populations sum to England's 2009 population and are all positive."""
    assert england.population.sum() == pytest.approx(england_population(), rel=1e-9)
    assert np.all(england.population > 0)


def test_england_population_by_type_is_plausible(england):
    """Mean area size orders district < unitary < London < metropolitan, as in the frame."""
    mean = {
        t: england.population[england.type_code == k].mean() for k, t in enumerate(AUTHORITY_TYPES)
    }
    assert mean["district_borough"] < mean["unitary"] < mean["london_borough"]
    assert mean["london_borough"] < mean["metropolitan"]


def test_england_agency_counts(england):
    """38 police forces, 35 probation trusts and about 150 PCTs (one per upper-tier area)."""
    assert n_agencies(england, "police") == 38
    assert n_agencies(england, "probation_trust") == 35
    assert 140 <= n_agencies(england, "health_pct") <= 160
    # PCTs = counties + upper-tier areas outside counties.
    upper = n_agencies(england, "county_council") + int(
        np.sum(england.type_code != AUTHORITY_TYPES.index("district_borough"))
    )
    assert n_agencies(england, "health_pct") == upper


def test_england_later_footprints(england):
    """CRCs number about 21 and probation regions 9; ICBs follow forces; CCGs lie between."""
    assert 18 <= n_agencies(england, "probation_crc") <= 24
    assert n_agencies(england, "probation_region") == 9
    assert n_agencies(england, "health_icb") == n_agencies(england, "police")
    assert n_agencies(england, "health_pct") < n_agencies(england, "health_ccg") < england.n


def test_footprints_nest(england):
    """Every area of one probation trust shares a force region; a CRC never splits a trust."""
    trust, crc = england.footprint["probation_trust"], england.footprint["probation_crc"]
    for t in np.unique(trust):
        assert len(np.unique(crc[trust == t])) == 1
        assert len({england.region[i] for i in np.flatnonzero(trust == t)}) == 1


def test_only_districts_have_a_county(england):
    """Every district sits in a county council; no other type does."""
    district = england.type_code == AUTHORITY_TYPES.index("district_borough")
    has_county = england.footprint["county_council"] >= 0
    np.testing.assert_array_equal(district, has_county)


def test_every_area_has_every_other_partner(england):
    """All footprints except the county council cover every area."""
    for level in FOOTPRINTS:
        if level != "county_council":
            assert np.all(england.footprint[level] >= 0), level


def test_footprint_names_match_indices(england):
    """Agency indices point into their level's name list, with no unused names."""
    for level in FOOTPRINTS:
        idx = england.footprint[level]
        names = england.footprint_names[level]
        assert idx.max() == len(names) - 1
        assert len(set(names)) == len(names)


def test_same_seed_same_england():
    """The generator is deterministic in its seed."""
    a, b = synthetic_england(7), synthetic_england(7)
    assert a.names == b.names
    np.testing.assert_array_equal(a.population, b.population)
    for level in FOOTPRINTS:
        np.testing.assert_array_equal(a.footprint[level], b.footprint[level])


def test_different_seed_different_populations():
    """Different seeds give different populations (but the same counts)."""
    a, b = synthetic_england(1), synthetic_england(2)
    assert a.n == b.n
    assert not np.allclose(a.population, b.population)
    assert Counter(a.region) == Counter(b.region)


def test_synthetic_areas_have_no_user_values(england):
    """Synthetic areas leave team size, posts and chair to be drawn by the model."""
    assert np.all(np.isnan(england.team_fte))
    assert np.all(england.has_analyst == -1)
    assert np.all(england.has_coordinator == -1)
    assert np.all(england.chair == -1)


def test_build_geography_dispatches(cleveland):
    """build_geography uses the generator or the listed areas according to ``kind``."""
    assert build_geography(GeographyConfig(seed=3)).n == 345
    assert build_geography(cleveland.geography).names == [a.name for a in cleveland.geography.areas]


# ---------------------------------------------------------------- user-defined areas
def test_cleveland_footprints(cleveland):
    """Cleveland: one force, fire and ICB for all four boroughs; own YOS, PCT and CCG each."""
    geo = user_areas(cleveland.geography)
    assert geo.names == ["Hartlepool", "Middlesbrough", "Redcar and Cleveland", "Stockton-on-Tees"]
    np.testing.assert_allclose(geo.population, [92000, 139000, 135000, 192000])
    assert np.all(geo.type_code == AUTHORITY_TYPES.index("unitary"))
    for level in ("police", "fire_rescue", "health_icb", "probation_trust", "probation_region"):
        assert n_agencies(geo, level) == 1, level
    assert geo.footprint_names["police"] == ["Cleveland"]
    assert geo.footprint_names["fire_rescue"] == ["Cleveland"]  # no county: fire follows force
    for level in ("youth_offending", "health_pct", "health_ccg"):
        assert n_agencies(geo, level) == 4, level
    assert np.all(geo.footprint["county_council"] == -1)


def test_user_areas_two_tier_and_given_values():
    """Districts share their county's fire, YOS and PCT; given team values are kept."""
    cfg = GeographyConfig.model_validate(
        {
            "kind": "areas",
            "areas": [
                {"name": "D1", "type": "district_borough", "population": 1e5, "force": "F",
                 "county": "C", "team_fte": 4.0, "has_analyst": True, "chair": "police"},
                {"name": "D2", "type": "district_borough", "population": 2e5, "force": "F",
                 "county": "C", "health": "H"},
                {"name": "U", "type": "unitary", "population": 3e5, "force": "F",
                 "has_coordinator": False},
            ],
        }
    )  # fmt: skip
    geo = user_areas(cfg)
    fp = geo.footprint
    assert fp["county_council"][0] == fp["county_council"][1] >= 0
    assert fp["county_council"][2] == -1
    assert fp["fire_rescue"][0] == fp["fire_rescue"][1] != fp["fire_rescue"][2]
    assert fp["youth_offending"][0] == fp["youth_offending"][1] != fp["youth_offending"][2]
    assert fp["health_pct"][0] != fp["health_pct"][1]  # D2 names its own health body
    assert geo.footprint_names["health_pct"][fp["health_pct"][1]] == "H"
    assert geo.team_fte[0] == 4.0 and np.isnan(geo.team_fte[1:]).all()
    np.testing.assert_array_equal(geo.has_analyst, [1, -1, -1])
    np.testing.assert_array_equal(geo.has_coordinator, [-1, -1, 0])
    np.testing.assert_array_equal(geo.chair, [CHAIRS.index("police"), -1, -1])
