"""Build the model's real geography of England from the shared ONS lookups.

Reads the ONS files in ``../shared/data/geography`` (or ``--source DIR``) and the hand-written
files in ``configs/geography/`` (reorganisations, probation, police governance, CSP mergers) and
writes three generated files to ``configs/geography/`` (or ``--out DIR``):

* ``areas.csv``: every English council area in force at some date from 1 April 2009;
* ``population.csv``: usual resident population of each area by year, 2009-2030;
* ``footprints.csv``: for each area and footprint level, the agency serving it, with a share
  and a validity interval.

It also copies the ONS 2021 district boundaries (``BOUNDARIES``, TopoJSON) unchanged, for the
run's map (``cspsim/analysis/maps.py``).

Every rule and assumption is listed in ``docs/GEOGRAPHY.md``. Usage::

    python scripts/build_geography.py [--source DIR] [--out DIR]
"""

from __future__ import annotations

import argparse
import csv
import io
import shutil
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from cspsim.inputs.england import ATTRIBUTION  # one wording for files, docs and UI

REPO = Path(__file__).resolve().parents[1]
DEFAULT_SOURCE = REPO.parent / "shared" / "data" / "geography"
GEO_DIR = REPO / "configs" / "geography"
START = date(2009, 4, 1)
FIRST_YEAR, LAST_YEAR = 2009, 2030
TYPES = {
    "E06": "unitary",
    "E07": "district_borough",
    "E08": "metropolitan",
    "E09": "london_borough",
}
# Eras of the footprint levels that change over time (first day, last day; None = open).
PCT_ERA = (START, date(2013, 3, 31))
CCG_ERA = (date(2013, 4, 1), date(2022, 6, 30))
ICB_ERA = (date(2022, 7, 1), None)
ICB_MERGERS = "icb_mergers.csv"  # hand-written: the enacted rows are written into footprints
TRUST_ERA = (START, date(2014, 5, 31))
TR_ERA = (date(2014, 6, 1), date(2021, 6, 25))
REGION_ERA = (date(2021, 6, 26), None)
PCC_START = date(2012, 11, 22)
FRA19_START = date(2019, 4, 1)
# ONS local authority district boundaries (2021), England and Wales, copied unchanged.
BOUNDARIES = "ons_lad21_boundaries_ew.topojson"


def read_csv(path: Path) -> list[dict[str, str]]:
    """Rows of a CSV file, skipping ``#`` comment lines and a byte-order mark."""
    text = path.read_text(encoding="utf-8-sig")
    body = "\n".join(line for line in text.splitlines() if not line.startswith("#"))
    return list(csv.DictReader(io.StringIO(body)))


def day(text: str) -> date | None:
    """An ISO date, or None for a blank."""
    return date.fromisoformat(text) if text else None


@dataclass
class Area:
    """A council area version: its 2017 districts ("atoms") and validity interval."""

    code: str
    name: str
    type: str
    atoms: tuple[str, ...]
    start: date
    end: date | None = None
    successor: str = ""
    county_code: str = ""
    county: str = ""
    parts: tuple[str, ...] = field(default=())


def overlap(a: tuple[date, date | None], b: tuple[date, date | None]):
    """Intersection of two (first, last) intervals with None as open end, or None if empty."""
    lo = max(a[0], b[0])
    ends = [e for e in (a[1], b[1]) if e is not None]
    hi = min(ends) if ends else None
    return None if hi is not None and hi < lo else (lo, hi)


class Builder:
    """Derives areas, populations and footprints from the source files."""

    def __init__(self, source: Path, geo: Path) -> None:
        ons = [r for r in read_csv(source / "ons_lad17_csp17_pfa17.csv") if r["LAD17CD"][0] == "E"]
        self.lad17 = {r["LAD17CD"]: r for r in ons}
        self.lad19 = {r["LAD19CD"]: r for r in read_csv(source / "ons_lad19_csp19_pfa19.csv")}
        self.fra17 = {r["LAD17CD"]: r for r in read_csv(source / "ons_lad17_fra17.csv")}
        self.fra19 = {r["LAD19CD"]: r for r in read_csv(source / "ons_lad19_fra19.csv")}
        self.cty17 = {r["LAD17CD"]: r for r in read_csv(source / "ons_lad17_cty17.csv")}
        self.cty19 = {r["LAD19CD"]: r for r in read_csv(source / "ons_lad19_cty19.csv")}
        self.rgn = {r["LAD18CD"]: r for r in read_csv(source / "ons_lad18_rgn18.csv")}
        self.census = {
            r["LAD21CD"]: r
            for r in read_csv(source / "ons_census_population_lad21.csv")
            if r["LAD21CD"][0] == "E"
        }
        self.lsoa = read_csv(source / "ons_lsoa11_ccg17_stp17_lad17.csv")
        self.reorg = read_csv(geo / "reorganisations.csv")
        self.probation = {r["pfa_code"]: r for r in read_csv(geo / "probation.csv")}
        self.governance = read_csv(geo / "police_governance.csv")
        self.mergers = {r["csp_code"]: r for r in read_csv(geo / "csp_mergers.csv")}
        self.icb_mergers = [r for r in read_csv(geo / ICB_MERGERS) if r["status"] == "enacted"]
        self.areas = self._areas()

    # --- areas -------------------------------------------------------------------------
    def _areas(self) -> dict[str, Area]:
        areas = {}
        for code, r in sorted(self.lad17.items()):
            cty = self.cty17.get(code, {})
            areas[code] = Area(
                code, r["LAD17NM"], TYPES[code[:3]], (code,), START,
                county_code=cty.get("CTY17CD", ""), county=cty.get("CTY17NM", ""),
            )  # fmt: skip
        groups: dict[str, list[dict[str, str]]] = defaultdict(list)
        for row in self.reorg:
            groups[row["new_code"]].append(row)
        for new, rows in sorted(groups.items(), key=lambda kv: (kv[1][0]["date"], kv[0])):
            when = date.fromisoformat(rows[0]["date"])
            atoms: list[str] = []
            for row in rows:
                old = areas[row["old_code"]]
                assert old.end is None, f"{old.code} abolished twice"
                old.end, old.successor = when - timedelta(days=1), new
                atoms += old.atoms
            cty = self.cty19.get(new, {}) if rows[0]["new_type"] == "district_borough" else {}
            areas[new] = Area(
                new, rows[0]["new_name"], rows[0]["new_type"], tuple(sorted(atoms)), when,
                county_code=cty.get("CTY19CD", ""), county=cty.get("CTY19NM", ""),
                parts=tuple(r["old_code"] for r in rows),
            )  # fmt: skip
            if when < date(2020, 1, 1):
                assert new in self.lad19, f"{new} not in the ONS 2019 lookup"
        return areas

    def one(self, values: set, what: str, code: str):
        """The single value of a set, else a clear error."""
        assert len(values) == 1, f"{code}: {what} not unique: {sorted(values)}"
        return next(iter(values))

    def region(self, a: Area) -> tuple[str, str]:
        """(code, name) of the area's region, from its 2017 districts."""
        got = {(self.rgn[x]["RGN18CD"], self.rgn[x]["RGN18NM"]) for x in a.atoms}
        return self.one(got, "region", a.code)

    def upper_tier(self, a: Area) -> tuple[str, str]:
        """The county council for a two-tier district, else the area itself."""
        return (a.county_code, a.county) if a.type == "district_borough" else (a.code, a.name)

    # --- population --------------------------------------------------------------------
    def atom_census(self) -> dict[str, tuple[int, int]]:
        """Census 2011 and 2021 population of each 2017 district.

        A district merged by 2021 gets its 2021 council's figures split in proportion to the
        districts' 2011 LSOA counts (integers that add up to the council's figure).
        """
        lsoas = Counter(r["LAD17CD"] for r in self.lsoa)
        out: dict[str, tuple[int, int]] = {}
        for code, row in self.census.items():
            atoms = self.areas[code].atoms
            weights = [lsoas[x] for x in atoms]
            p11 = split_integer(int(row["census_2011"]), weights)
            p21 = split_integer(int(row["census_2021"]), weights)
            out.update(zip(atoms, zip(p11, p21, strict=True), strict=True))
        assert set(out) == set(self.lad17), "census does not cover every 2017 district"
        return out

    def population_rows(self) -> list[list[object]]:
        """One row per area: code, name, census 2011, census 2021, then each year."""
        atoms = self.atom_census()
        rows = []
        for a in self.areas.values():
            p11 = sum(atoms[x][0] for x in a.atoms)
            p21 = sum(atoms[x][1] for x in a.atoms)
            years = [
                round(p11 + (p21 - p11) * (y - 2011) / 10) for y in range(FIRST_YEAR, LAST_YEAR + 1)
            ]
            rows.append([a.code, a.name, int(p11), int(p21), *years])
        return rows

    # --- footprints --------------------------------------------------------------------
    def footprint_rows(self) -> list[list[object]]:
        """(area, level, agency code, agency name, share, from, to, basis) rows."""
        rows: list[list[object]] = []
        shares = self.lsoa_shares()
        for a in self.areas.values():
            span = (a.start, a.end)

            def add(level, code, name, share, era, basis, a=a, span=span):
                got = overlap(span, era)
                if got:
                    rows.append(
                        [a.code, level, code, name, f"{share:.6f}", got[0], got[1] or "", basis]
                    )

            pfa = self.one({self.lad17[x]["PFA17CD"] for x in a.atoms}, "PFA", a.code)
            pfa_name = self.lad17[a.atoms[0]]["PFA17NM"]
            add("police_force_area", pfa, pfa_name, 1, span, "ons")
            fra = {(self.fra17[x]["FRA17CD"], self.fra17[x]["FRA17NM"]) for x in a.atoms}
            code, name = self.one(fra, "FRA 2017", a.code)
            add("fire_rescue_authority", code, name, 1, (START, FRA19_START - timedelta(1)), "ons")
            if overlap(span, (FRA19_START, None)):
                keys = [a.code] if a.code in self.fra19 else self.lad19_parts(a)
                fra = {(self.fra19[x]["FRA19CD"], self.fra19[x]["FRA19NM"]) for x in keys}
                code, name = self.one(fra, "FRA 2019", a.code)
                add("fire_rescue_authority", code, name, 1, (FRA19_START, None), "ons")
            if a.type == "district_borough":
                add("county_council", a.county_code, a.county, 1, span, "ons")
            up_code, up_name = self.upper_tier(a)
            add(
                "youth_offending_service",
                f"YOS-{up_code}",
                f"{up_name} youth offending service",
                1,
                span,
                "rule",
            )
            add("pct", f"PCT-{up_code}", f"{up_name} PCT", 1, PCT_ERA, "rule")
            for (code, name), share in sorted(shares["ccg"][a.code].items()):
                add("ccg", code, name, share, CCG_ERA, "ons")
            for code, name, share, era, basis in self.icb_eras(a, shares["icb"][a.code]):
                add("icb", code, name, share, era, basis)
            prob = self.probation[pfa]
            add(
                "probation_trust",
                prob["probation_trust"],
                prob["probation_trust"],
                1,
                TRUST_ERA,
                "source",
            )
            # probation.csv's basis column says which CRC and division rows have a source.
            for level, word in (("crc", "crc"), ("nps_division", "division")):
                basis = "source" if f"{word}: source" in prob["basis"] else "assumption"
                add(level, prob[level], prob[level], 1, TR_ERA, basis)
            add(
                "probation_region",
                prob["probation_region"],
                prob["probation_region"],
                1,
                REGION_ERA,
                "assumption",
            )
            add("pdu", f"PDU-{up_code}", f"{up_name} PDU", 1, REGION_ERA, "assumption")
            for code, name, era, basis in self.governance_eras(pfa, pfa_name):
                add("police_and_crime_body", code, name, 1, era, basis)
            for code, name, era, basis in self.csp_eras(a):
                add("csp", code, name, 1, era, basis)
        return merge_adjacent(rows)

    def lad19_parts(self, a: Area) -> list[str]:
        """The 2019-structure councils an area was made from (itself if it is one)."""
        if a.code in self.lad19:
            return [a.code]
        return [p for part in a.parts for p in self.lad19_parts(self.areas[part])]

    def icb_eras(self, a: Area, shares: dict[tuple[str, str], float]):
        """(code, name, share, era, basis) of the ICBs serving an area, with the enacted
        mergers of ``icb_mergers.csv``: each old ICB until the day before its merger, then
        the new ICB (shares of the old ICBs it absorbs added up).

        A row naming councils moves only those councils' part of a split ICB; a split ICB
        must place every council it serves (else the build stops).
        """
        out, new_share, new_basis = [], defaultdict(float), {}
        for (code, name), share in sorted(shares.items()):
            rows = [r for r in self.icb_mergers if r["old_icb_code"] == code]
            whole = [r for r in rows if not r["councils"]]
            part = [r for r in rows if a.code in r["councils"].split()]
            when = min((date.fromisoformat(r["date"]) for r in rows), default=None)
            unchanged = bool(whole) and whole[0]["new_icb"] == name  # it only gains parts
            if when is None or unchanged or (a.end is not None and a.end < when):
                out.append((code, name, share, ICB_ERA, "ons"))
                continue
            assert len(whole) + len(part) == 1, f"{a.code}: ICB {code} merger not unique"
            r = (whole or part)[0]
            out.append((code, name, share, (ICB_ERA[0], when - timedelta(1)), "ons"))
            key = (when, r["new_icb"])
            new_share[key] += share
            new_basis[key] = r["basis"]
        for (when, new), share in sorted(new_share.items()):
            code = next(
                (r["old_icb_code"] for r in self.icb_mergers if r["old_icb"] == new),
                f"ICB-{new}",
            )  # an ICB that gains a part keeps its code; a new ICB: ICB- + its name
            out.append((code, new, share, (when, None), new_basis[(when, new)]))
        return out

    def lsoa_shares(self) -> dict[str, dict[str, dict[tuple[str, str], float]]]:
        """Share of each area's 2011 LSOAs in each CCG and STP (ICB) of April 2017."""
        counts = {"ccg": defaultdict(Counter), "icb": defaultdict(Counter)}
        for r in self.lsoa:
            counts["ccg"][r["LAD17CD"]][(r["CCG17CD"], r["CCG17NM"])] += 1
            counts["icb"][r["LAD17CD"]][(r["STP17CD"], r["STP17NM"])] += 1
        out: dict[str, dict[str, dict[tuple[str, str], float]]] = {}
        for level, by_atom in counts.items():
            out[level] = {}
            for a in self.areas.values():
                c: Counter = Counter()
                for x in a.atoms:
                    c.update(by_atom[x])
                n = sum(c.values())
                out[level][a.code] = {k: v / n for k, v in c.items()}
        return out

    def governance_eras(self, pfa: str, pfa_name: str):
        """(code, name, era, basis) of the police and crime body of a PFA over time.

        Rule: a police authority, then a PCC from 22 Nov 2012, until the first dated row of
        ``police_governance.csv`` for the PFA; the listed rows apply from their dates.
        """
        listed = [g for g in self.governance if g["pfa_code"] == pfa]
        first = min((date.fromisoformat(g["valid_from"]) for g in listed), default=None)
        eras = []
        if first is None or first > START:
            pa_end, pcc_end = PCC_START - timedelta(1), first - timedelta(1) if first else None
            eras.append((f"PA-{pfa}", f"{pfa_name} Police Authority", (START, pa_end), "rule"))
            eras.append((f"PCC-{pfa}", f"{pfa_name} PCC", (PCC_START, pcc_end), "rule"))
        for g in listed:
            era = (day(g["valid_from"]), day(g["valid_to"]))
            eras.append((f"{g['body'].upper()}-{pfa}", g["name"], era, "source"))
        return eras

    def csp_eras(self, a: Area):
        """(code, name, era, basis) of the CSP(s) serving an area over time."""
        if a.start == START:
            row = self.lad17[a.code]
            merged = self.mergers.get(row["CSP17CD"])
            if merged is None:
                return [(row["CSP17CD"], row["CSP17NM"], (START, None), "ons")]
            on = date.fromisoformat(merged["merged_on"])
            return [
                (f"CSP-{a.code}", a.name, (START, on - timedelta(1)), "rule"),
                (row["CSP17CD"], row["CSP17NM"], (on, None), "ons+assumption"),
            ]
        old = {self.lad17[x]["CSP17CD"]: self.lad17[x]["CSP17NM"] for x in a.atoms}
        if len(old) == 1:  # all its districts were in one CSP: that CSP carries on
            code, name = next(iter(old.items()))
            return [(code, name, (a.start, None), "ons")]
        return [(f"CSP-{a.code}", a.name, (a.start, None), "assumption")]

    # --- output ------------------------------------------------------------------------
    def area_rows(self) -> list[list[object]]:
        """One row per area version."""
        rows = []
        for a in self.areas.values():
            rc, rn = self.region(a)
            rows.append(
                [
                    a.code,
                    a.name,
                    a.type,
                    rc,
                    rn,
                    a.county_code,
                    a.county,
                    a.start,
                    a.end or "",
                    a.successor,
                ]
            )
        return rows


def merge_adjacent(rows: list[list[object]]) -> list[list[object]]:
    """Join consecutive rows that differ only by abutting intervals (e.g. FRA 2017 then 2019)."""
    out: list[list[object]] = []
    for row in rows:
        prev = out[-1] if out else None
        if (
            prev is not None
            and prev[:5] == row[:5]
            and prev[7] == row[7]
            and isinstance(prev[6], date)
            and prev[6] + timedelta(1) == row[5]
        ):
            prev[6] = row[6]
        else:
            out.append(row)
    return out


def split_integer(total: int, weights: list[int]) -> list[int]:
    """Split ``total`` in proportion to ``weights`` into integers that add up to it."""
    raw = [total * w / sum(weights) for w in weights]
    out = [int(x) for x in raw]
    order = sorted(range(len(raw)), key=lambda i: raw[i] - out[i], reverse=True)
    for i in order[: total - sum(out)]:
        out[i] += 1
    return out


HEADERS = {
    "areas.csv": (
        "Every English council area in force at some date from 1 April 2009: ONS code, name, type "
        "(E06 unitary incl. the Isles of Scilly, E07 district_borough, E08 metropolitan, E09 "
        "london_borough), region, county (two-tier county, metropolitan county or Inner/Outer "
        "London), first and last day in force (blank = in force), successor code.",
        [
            "code",
            "name",
            "type",
            "region_code",
            "region",
            "county_code",
            "county",
            "valid_from",
            "valid_to",
            "successor",
        ],
    ),
    "population.csv": (
        "Usual resident population (persons) by area: census 2011 and 2021 (ONS, 2021 "
        "boundaries), linear between, and the 2011-21 trend carried back to 2009 and forward "
        "to 2030 (projection, "
        "not ONS estimates). Districts merged after 2017 get the 2021 council's figures split in "
        "proportion to their 2011 LSOA counts; councils created later are the sum of their parts.",
        ["code", "name", "census_2011", "census_2021", *map(str, range(FIRST_YEAR, LAST_YEAR + 1))],
    ),
    "footprints.csv": (
        "For each area and footprint level, the agency serving it from valid_from to valid_to "
        "(inclusive; blank = still in force) and its share of the area (CCG and ICB shares of the "
        "area's 2011 LSOAs; else 1). basis: ons (ONS lookup), source (hand-written file with a "
        "source), rule or assumption (see docs/GEOGRAPHY.md).",
        [
            "area_code",
            "level",
            "agency_code",
            "agency_name",
            "share",
            "valid_from",
            "valid_to",
            "basis",
        ],
    ),
}


def write(out: Path, name: str, rows: list[list[object]]) -> None:
    """Write one generated CSV with its comment header."""
    text, columns = HEADERS[name]
    buf = io.StringIO()
    buf.write("# GENERATED by scripts/build_geography.py: do not edit. See docs/GEOGRAPHY.md.\n")
    buf.write(f"# {text}\n")
    buf.write(f"# {ATTRIBUTION}\n")
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(columns)
    w.writerows(rows)
    (out / name).write_text(buf.getvalue(), encoding="utf-8")


def build(source: Path = DEFAULT_SOURCE, out: Path = GEO_DIR, geo: Path = GEO_DIR) -> None:
    """Build the generated files from ``source`` (ONS) and ``geo`` (hand-written) into ``out``."""
    b = Builder(source, geo)
    out.mkdir(parents=True, exist_ok=True)
    write(out, "areas.csv", b.area_rows())
    write(out, "population.csv", b.population_rows())
    write(out, "footprints.csv", b.footprint_rows())
    shutil.copyfile(source / BOUNDARIES, out / BOUNDARIES)


def main(argv: list[str] | None = None) -> None:
    """Command line: ``--source DIR`` (ONS files), ``--out DIR`` (generated files)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--source", type=Path, default=DEFAULT_SOURCE, help="folder of the ONS files"
    )
    parser.add_argument("--out", type=Path, default=GEO_DIR, help="folder for the generated files")
    args = parser.parse_args(argv)
    if not args.source.is_dir():
        parser.error(f"no ONS source folder at {args.source}; pass --source DIR")
    build(args.source, args.out)
    print(f"wrote areas.csv, population.csv, footprints.csv, {BOUNDARIES} to {args.out}")


if __name__ == "__main__":
    main()
