"""The real geography of England: build script output and the counts we know."""

from __future__ import annotations

import importlib.util
import math
import sys
from collections import Counter, defaultdict
from datetime import date
from pathlib import Path

import pytest

from cspsim.inputs.england import GEOGRAPHY_DIR, LEVELS, England, load_england

REPO = Path(__file__).resolve().parents[1]
SOURCE = REPO.parent / "shared" / "data" / "geography"
GENERATED = ("areas.csv", "population.csv", "footprints.csv")
COPIED = ("ons_lad21_boundaries_ew.topojson",)  # ONS file shipped unchanged (for maps)
APRIL_2009, JAN_2017 = date(2009, 4, 1), date(2017, 1, 1)
DATES = [
    date(y, m, 1) for y in range(2009, 2026) for m in (1, 4, 7, 10) if date(y, m, 1) >= APRIL_2009
]


@pytest.fixture(scope="module")
def eng() -> England:
    return load_england()


def _types(eng: England, on: date) -> Counter:
    return Counter(a.area.type for a in eng.areas(on))


def test_build_matches_committed_files(tmp_path):
    """Running the build on the shared ONS files reproduces configs/geography exactly."""
    if not SOURCE.is_dir():
        pytest.skip(f"shared ONS files not found at {SOURCE} (no ../shared on this machine)")
    spec = importlib.util.spec_from_file_location(
        "build_geography", REPO / "scripts" / "build_geography.py"
    )
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    module.build(SOURCE, tmp_path)
    for name in GENERATED:
        assert (tmp_path / name).read_text(encoding="utf-8") == (GEOGRAPHY_DIR / name).read_text(
            encoding="utf-8"
        ), f"configs/geography/{name} is stale: run python scripts/build_geography.py"
    for name in COPIED:
        assert (tmp_path / name).read_bytes() == (SOURCE / name).read_bytes()
        assert (GEOGRAPHY_DIR / name).read_bytes() == (SOURCE / name).read_bytes(), (
            f"configs/geography/{name} differs from the shared ONS file: run the build"
        )


def test_april_2009_structure(eng):
    assert len(eng.areas(APRIL_2009)) == 326
    assert _types(eng, APRIL_2009) == {
        "district_borough": 201,
        "unitary": 56,  # 55 unitaries and the Isles of Scilly
        "metropolitan": 36,
        "london_borough": 33,  # 32 boroughs and the City
    }
    assert len(eng.csps(APRIL_2009)) == 326


def test_csps_2017(eng):
    csps = eng.csps(JAN_2017)
    assert len(csps) == 293
    assert sum(1 for _, codes in csps.values() if len(codes) > 1) == 14


@pytest.mark.parametrize(
    ("on", "total", "districts", "unitaries"),
    [
        (date(2019, 4, 1), 317, 192, 56),
        (date(2021, 4, 1), 309, 181, 59),
        (date(2023, 4, 1), 296, 164, 63),
    ],
)
def test_council_counts_after_reorganisations(eng, on, total, districts, unitaries):
    """gov.uk tables (FACTS.md): 2021 181 districts, 58 unitaries; 2023 164 and 62 (+ Scilly)."""
    types = _types(eng, on)
    assert len(eng.areas(on)) == total
    assert (types["district_borough"], types["unitary"]) == (districts, unitaries)


@pytest.mark.parametrize(
    "level", ["police_force_area", "fire_rescue_authority", "police_and_crime_body", "csp"]
)
def test_one_agency_per_area_on_every_date(eng, level):
    for on in DATES:
        live = {a.code for a in eng.areas(on)}
        count = Counter(s.area_code for s in eng.footprint(level, on))
        assert set(count) == live and set(count.values()) == {1}, (level, on)


def test_every_area_has_a_region(eng):
    for on in DATES:
        assert all(a.area.region for a in eng.areas(on))


@pytest.mark.parametrize("level", [lv for lv in LEVELS if lv != "county_council"])
def test_shares_sum_to_one(eng, level):
    for on in DATES:
        total: dict[str, float] = defaultdict(float)
        for s in eng.footprint(level, on):
            total[s.area_code] += s.share
        live = {a.code for a in eng.areas(on)}
        assert not total or set(total) == live, (level, on)
        assert all(math.isclose(v, 1, abs_tol=1e-5) for v in total.values()), (level, on)


def test_footprint_eras(eng):
    assert eng.footprint("pct", date(2013, 3, 31)) and not eng.footprint("pct", date(2013, 4, 1))
    assert not eng.footprint("ccg", date(2022, 7, 1)) and eng.footprint("icb", date(2022, 7, 1))
    assert len({s.agency_code for s in eng.footprint("pct", APRIL_2009)}) == 152


def test_populations_add_up_to_census(eng):
    # England, summed from the shared census file (its 2021 figures are rounded to the nearest
    # 100, so the 2021 sum is below the published 56,490,048).
    census = {2011: 53_012_456, 2021: 56_428_400}
    shared = SOURCE / "ons_census_population_lad21.csv"
    if shared.is_file():
        import csv

        rows = [
            r for r in csv.DictReader(shared.open(encoding="utf-8-sig")) if r["LAD21CD"][0] == "E"
        ]
        census = {y: sum(int(r[f"census_{y}"]) for r in rows) for y in census}
    for year, total in census.items():
        for on in (date(year, 6, 30), date(2023, 6, 30)):
            got = sum(eng.population(a.code, year) for a in eng.areas(on))
            assert got == total, (year, on)


def test_kent_2017(eng):
    councils = eng.councils_in("kent", JAN_2017)
    assert len(councils) == 13  # 12 districts and Medway
    csps = {s.agency_name for s in eng.footprint("csp", JAN_2017) if s.area_code in councils}
    assert len(csps) == 12 and "Dartford and Gravesham" in csps


def test_greater_manchester_mayor(eng):
    councils = eng.councils_in("Greater Manchester", JAN_2017)
    assert len(councils) == 10
    for on, body in ((date(2017, 5, 7), "PCC"), (date(2017, 5, 8), "Mayor of Greater Manchester")):
        names = {
            s.agency_name
            for s in eng.footprint("police_and_crime_body", on)
            if s.area_code in councils
        }
        assert len(names) == 1 and body in names.pop()


def test_name_lookup(eng):
    assert eng.find("KENT")[0].kind == "police_force_area"
    assert eng.find("E10000016")[0].name == "Kent"
    with pytest.raises(LookupError, match="did you mean 'Kent'"):
        eng.find("Kentt")
    assert eng.councils_in("Wycombe", date(2021, 1, 1)) == ("E06000060",)  # its successor
    assert eng.councils_in("Dartford and Gravesham", JAN_2017) == ("E07000107", "E07000109")
