"""Integrated care board (ICB) mergers: the dated list and a scenario's own.

The mergers enacted on 1 April 2026 are part of the real geography:
``scripts/build_geography.py`` writes them from ``configs/geography/icb_mergers.csv`` into
``footprints.csv``, the model reads the ICBs after them as the footprint level
``health_icb_2026``, and ``history_2009_2024.toml`` switches health to it on that date.

A scenario adds mergers of its own with ``[[geography.merge_icbs]]``
(:class:`cspsim.inputs.dated.IcbMerger`), e.g. the clusters planned for 1 April 2027 (the
``planned`` rows of the file; scenario ``icb_mergers_2027``). For each date the geography gets
one more level, ``health_icb@YYYY-MM-DD``: the ICBs in force on that date in the data, with
the scenario's mergers up to that date applied in date order; the model switches health to
it on the date (:func:`cspsim.model.epochs.build_epochs`). ICB names are checked when the
scenario is loaded (real places) or when its geography is built (synthetic or described
areas), with the nearest names suggested.
"""

from __future__ import annotations

import csv
import datetime as dt
import difflib
import io
from collections.abc import Sequence
from functools import cache

import numpy as np

from cspsim.inputs.dated import IcbMerger, icb_key
from cspsim.inputs.england import GEOGRAPHY_DIR, load_england
from cspsim.inputs.real_areas import LEVELS, agency_name

MERGERS_FILE = GEOGRAPHY_DIR / "icb_mergers.csv"
MERGED_PREFIX = "health_icb@"
# The model's dated ICB levels (configs/geography footprints), latest last.
ICB_LEVELS = ("health_icb", "health_icb_2026")


class IcbMergerError(LookupError):
    """A scenario's ICB merger names an ICB that is not there on its date."""


def merged_level(day: dt.date) -> str:
    """Name of the footprint level of the ICBs after a scenario's mergers on ``day``."""
    return f"{MERGED_PREFIX}{day.isoformat()}"


def data_level(day: dt.date) -> str:
    """The dated ICB level of the data in force on ``day`` (before a scenario's mergers)."""
    in_force = [lv for lv in ICB_LEVELS if LEVELS[lv][1][0] <= day]
    return in_force[-1] if in_force else ICB_LEVELS[0]


def icb_name(name: str) -> str:
    """A merged ICB's name as the model shows it ("... ICB")."""
    name = name.strip()
    return name if name.endswith(" ICB") else f"{name} ICB"


@cache
def read_icb_mergers() -> tuple[dict[str, str], ...]:
    """Rows of ``configs/geography/icb_mergers.csv`` (comment lines skipped)."""
    text = MERGERS_FILE.read_text(encoding="utf-8-sig")
    body = "\n".join(line for line in text.splitlines() if not line.startswith("#"))
    return tuple(csv.DictReader(io.StringIO(body)))


def planned_mergers() -> list[tuple[dt.date, str, list[str]]]:
    """The planned mergers of the file: (date, new ICB, old ICBs as the model names them)."""
    out: dict[tuple[str, str], list[str]] = {}
    for r in read_icb_mergers():
        if r["status"] == "planned":
            out.setdefault((r["date"], r["new_icb"]), []).append(icb_name(r["old_icb"]))
    return [(dt.date.fromisoformat(d), new, old) for (d, new), old in out.items()]


def real_icb_names(day: dt.date) -> list[str]:
    """The ICBs of real England on ``day``, as the model names them."""
    return sorted({agency_name(s) for s in load_england().footprint("icb", day)})


def _apply(labels: list[str | None], merger: IcbMerger, strict: bool) -> list[str | None]:
    """``labels`` (ICB name per area) with the ICBs of ``merger`` joined.

    Raises:
        IcbMergerError: ``strict`` and a name is not among ``labels``.
    """
    present = {icb_key(x): x for x in labels if x is not None}
    for name in merger.icbs:
        if strict and icb_key(name) not in present:
            raise IcbMergerError(unknown_icb(name, merger.date, sorted(present.values())))
    wanted = {icb_key(n) for n in merger.icbs}
    new = icb_name(merger.name)
    return [new if x is not None and icb_key(x) in wanted else x for x in labels]


def unknown_icb(name: str, day: dt.date, known: Sequence[str]) -> str:
    """Why ``name`` is not an ICB on ``day``, with the nearest of ``known``."""
    close = difflib.get_close_matches(name, list(known), n=3, cutoff=0.5)
    hint = f"; did you mean {' or '.join(repr(c) for c in close)}?" if close else ""
    return f"{name!r} is not an ICB on {day}{hint}"


def check_real_names(mergers: Sequence[IcbMerger]) -> list[tuple[int, int, str]]:
    """Problems with the ICB names of ``mergers`` in real England: (merger, name, message).

    Each merger's names are checked against the ICBs of the data on its date after the
    scenario's earlier mergers (so a later merger may name an earlier one's result).
    """
    problems: list[tuple[int, int, str]] = []
    for i, m in enumerate(mergers):
        names: list[str | None] = list(real_icb_names(m.date))
        for earlier in sorted(mergers[:i], key=lambda e: e.date):
            if earlier.date <= m.date:
                names = _apply(names, earlier, strict=False)
        known = sorted({n for n in names if n is not None})
        keys = {icb_key(n) for n in known}
        problems += [
            (i, j, unknown_icb(n, m.date, known))
            for j, n in enumerate(m.icbs)
            if icb_key(n) not in keys
        ]
    return problems


def merger_problems(
    mergers: Sequence[IcbMerger], real: bool
) -> list[tuple[tuple[int | str, ...], str, str]]:
    """Problems with a scenario's mergers: (location under ``merge_icbs``, message, value).

    An ICB merges at most once on a date; in real places (``real``) every name is an ICB of
    England on its date (:func:`check_real_names`).
    """
    out: list[tuple[tuple[int | str, ...], str, str]] = []
    if real:
        named = check_real_names(mergers)
        out += [((i, "icbs", j), msg, mergers[i].icbs[j]) for i, j, msg in named]
    seen: dict[tuple[dt.date, str], int] = {}
    for i, m in enumerate(mergers):
        for name in m.icbs:
            key = (m.date, icb_key(name))
            if key in seen:
                msg = f"{name!r} already merges on {m.date} (merge_icbs[{seen[key]}])"
                out.append(((i, "icbs"), msg, name))
            seen.setdefault(key, i)
    return out


def add_merged_levels(
    footprint: dict[str, np.ndarray],
    names: dict[str, list[str]],
    mergers: Sequence[IcbMerger],
    strict: bool,
) -> None:
    """Add the level of each date of ``mergers`` to a geography's footprints (in place).

    Args:
        footprint: Agency index per area by level (``Geography.footprint``).
        names: Agency names by level (``Geography.footprint_names``).
        mergers: The scenario's mergers.
        strict: Every name must be an ICB of the areas (synthetic or described areas); else
            names of ICBs that serve none of the areas are skipped (real places: the names
            were checked against England when the scenario was loaded).

    Raises:
        IcbMergerError: ``strict`` and a name is not an ICB of the areas on its date.
    """
    ordered = sorted(mergers, key=lambda m: m.date)
    for day in sorted({m.date for m in ordered}):
        base = data_level(day)
        labels: list[str | None] = [
            names[base][k] if k >= 0 else None for k in footprint[base].tolist()
        ]
        for m in ordered:
            if m.date <= day:
                labels = _apply(labels, m, strict and m.date == day)
        agencies = list(dict.fromkeys(x for x in labels if x is not None))
        index = {a: k for k, a in enumerate(agencies)}
        level = merged_level(day)
        footprint[level] = np.array(
            [index[x] if x is not None else -1 for x in labels], dtype=np.int64
        )
        names[level] = agencies
