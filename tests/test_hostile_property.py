"""Property test: scenario files with hostile values never give a traceback or NaN results.

Hypothesis writes scenario files: a small valid scenario (two council areas, one year),
then one to three of its fields (every field of the scenario schema, found by walking the
pydantic models, plus entries of its tables and lists) set to hostile values: infinities,
NaN, huge and negative numbers, wrong types, empty strings, odd dates, unknown keys. Each
file goes through ``cspsim check`` and a one-replicate ``cspsim run``. Each must either exit
0 with a manifest and finite outcomes, or exit 2 with one line per problem naming the file
and no output folder; never a traceback. NaN in a finished run marks only what does not
apply (a county council's engagement in a unitary area, a duty not yet in force), so the
core outcomes are checked for NaN and every column for infinities.
"""

from __future__ import annotations

import copy
import datetime as dt
import itertools
import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel

from cspsim.cli.main import main
from cspsim.inputs.registry import registry
from cspsim.inputs.scenario import Scenario
from cspsim.paths import CONFIGS_DIR

CORE_OUTCOMES = ["share_met", "unmet_fte", "spend_gbp", "capacity_limited", "team_fte"]

BASE: dict[str, Any] = {
    "name": "hostile",
    "extends": str(CONFIGS_DIR / "baseline.toml"),
    "time": {"start": dt.date(2009, 4, 1), "end": dt.date(2010, 3, 31)},
    "run": {"replicates": 1, "seed": 1},
    "geography": {
        "kind": "areas",
        "areas": [
            {"name": "A", "type": "unitary", "population": 100000, "force": "F"},
            {"name": "B", "type": "unitary", "population": 90000, "force": "F"},
        ],
    },
    "funding": {
        "index": {"police": {"2010": 95.0}},
        "grants": [{"name": "g", "gbp_per_year": {"2009": 50000.0}}],
        "cuts": [{"agency": "police", "start": dt.date(2009, 7, 1), "pct": 5.0}],
    },
    "duties": {
        "overrides": {"prevent": {"workload_scale": 1.0}},
        "new": {
            "extra": {
                "name": "An extra duty", "start": dt.date(2009, 7, 1),
                "workload_fte_per_100k": 1.0, "volume": "high", "contribution": {"council": 1.0},
                "source": "a test",
            },
        },
    },
}  # fmt: skip


def _schema_paths(model: type[BaseModel], prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    """Every field of the scenario schema, nested models walked into."""
    paths = []
    for name, info in model.model_fields.items():
        kind = info.annotation
        if isinstance(kind, type) and issubclass(kind, BaseModel):
            paths += _schema_paths(kind, (*prefix, name))
        else:
            paths.append((*prefix, name))
    return paths


#: Where a hostile value may go: the schema's fields, and entries of its tables and lists
#: (an area's fields, a funding index year, a grant, a cut, a parameter, a duty override).
PATHS: list[tuple[str | int, ...]] = [
    *_schema_paths(Scenario),
    *[("geography", "areas", 0, f) for f in ("name", "type", "population", "force", "team_fte",
                                             "county", "chair")],
    ("funding", "index", "police", "2010"),
    ("funding", "index", "police", "-5"),
    ("funding", "index", "police", "99999"),
    ("funding", "index", "councils"),
    ("funding", "grants", 0, "gbp_per_year", "2009"),
    ("funding", "grants", 0, "name"),
    ("funding", "cuts", 0, "pct"),
    ("funding", "cuts", 0, "start"),
    ("funding", "cuts", 0, "years"),
    ("duties", "overrides", "prevent", "workload_scale"),
    ("duties", "overrides", "prevent", "new_burdens_gbp_per_year"),
    ("duties", "overrides", "prevent", "start"),
    *[("duties", "new", "extra", f) for f in ("start", "workload_fte_per_100k", "volume",
                                               "fixed_cost_fte", "new_burdens_gbp_per_year")],
    ("duties", "new", "extra", "contribution", "council"),
    ("duties", "new", "extra", "contribution", "police"),
    *[("parameters", name) for name in sorted(registry())[:40:4]],
    ("an_unknown_key",),
    ("time", "an_unknown_key"),
]  # fmt: skip

HUGE = 10**30  # beyond a 64-bit integer: TOML refuses it, which must be a clear error too

#: Plausible values too (half the draws), so that many files pass and their runs are checked.
plausible = st.one_of(
    st.floats(0, 1),
    st.floats(0, 2e5),
    st.integers(0, 2 * 10**5),
    st.dates(dt.date(2009, 4, 1), dt.date(2030, 12, 31)),
)

wild = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([math.inf, -math.inf, math.nan, 1e300, -1e300, -1.0, 0.0, 1e-300]),
    st.integers(-HUGE, HUGE),
    st.integers(-5, 3000),
    st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=6),
    st.sampled_from(["", " ", "inf", "nan", "2009-02-30", "unitary", "..", "/"]),
    st.booleans(),
    st.dates(dt.date(1, 1, 1), dt.date(9999, 12, 31)),
    st.sampled_from([dt.date(1990, 1, 1), dt.date(2009, 3, 31), dt.date(2051, 1, 1)]),
    st.lists(st.integers(-3, 3), max_size=2),
    st.dictionaries(st.sampled_from(["x", "2010", ""]), st.integers(-3, 3), max_size=2),
)

hostile = st.one_of(plausible, wild)


def _toml(value: Any) -> str:
    """A TOML literal for ``value`` (tables inline)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        return ("inf" if value > 0 else "-inf") if math.isinf(value) else repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, list):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{json.dumps(str(k))} = {_toml(v)}" for k, v in value.items()) + "}"
    raise TypeError(type(value))


def _set(raw: dict[str, Any], path: tuple[str | int, ...], value: Any) -> None:
    """Set ``raw[path] = value``, making the tables and list entries on the way."""
    node: Any = raw
    for key, nxt in itertools.pairwise(path):
        fresh: Any = [{}] if isinstance(nxt, int) else {}
        if isinstance(node, list):  # an entry of a list (only the first is used)
            if not node:
                node.append(fresh)
            if not isinstance(node[0], dict | list):
                node[0] = fresh
            node = node[0]
            continue
        if not isinstance(node.get(key), dict | list):
            node[key] = fresh
        node = node[key]
    if isinstance(node, list):
        node[:1] = [value]
    else:
        node[path[-1]] = value


def scenario_text(changes: list[tuple[tuple[str | int, ...], Any]]) -> str:
    """The base scenario with ``changes`` applied, as a TOML file."""
    raw = copy.deepcopy(BASE)
    for path, value in changes:
        _set(raw, path, value)
    return "".join(f"{json.dumps(k)} = {_toml(v)}\n" for k, v in raw.items())


def _refusal(err: str, path: Path) -> None:
    """Exit 2: one line per problem, the first naming the file; no traceback."""
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    assert lines, "exit 2 without a message"
    assert str(path) in lines[0] or path.name in lines[0], lines[0]


def _finished(out: Path) -> None:
    """A finished run: a manifest, and finite outcomes (NaN only where nothing applies)."""
    manifest = json.loads((out / "manifest.json").read_text())
    frame = pd.read_parquet(out / "timeseries.parquet")
    assert len(frame) and set(manifest["files"]) <= {p.name for p in out.iterdir()}
    numbers = frame.select_dtypes("number").to_numpy(dtype=float)
    assert not np.isinf(numbers).any()
    assert np.isfinite(frame[CORE_OUTCOMES].to_numpy(dtype=float)).all()
    summary = pd.read_csv(out / "summary.csv")
    core = summary[summary["outcome"].isin(CORE_OUTCOMES)]
    assert np.isfinite(core["mean"].to_numpy(dtype=float)).all()


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(changes=st.lists(st.tuples(st.sampled_from(PATHS), hostile), min_size=1, max_size=3))
# What the property found (each ran and wrote inf or NaN results before it was refused), and
# the issue's own examples.
@example(changes=[(("geography", "areas", 0, "team_fte"), 1e305)])
@example(changes=[(("duties", "overrides", "prevent", "workload_scale"), 1.7e308)])
@example(changes=[(("duties", "new", "extra", "workload_fte_per_100k"), math.inf)])
@example(changes=[(("duties", "new", "extra", "contribution", "council"), math.nan)])
@example(changes=[(("duties", "new", "extra", "new_burdens_gbp_per_year"), math.inf)])
@example(changes=[(("geography", "areas", 0, "population"), math.inf)])
@example(changes=[(("time", "start"), dt.date(1990, 1, 1))])
@example(changes=[(("funding", "index", "police", "99999"), 100.0)])
def test_hostile_scenarios_exit_0_with_finite_results_or_2_with_one_line(
    tmp_path_factory: pytest.TempPathFactory, capsys: pytest.CaptureFixture[str], changes
):
    folder = tmp_path_factory.mktemp("hostile")
    path = folder / "scenario.toml"
    path.write_text(scenario_text(changes), encoding="utf-8")
    out = folder / "out"
    capsys.readouterr()
    status = main(["check", str(path)])
    err = capsys.readouterr().err
    assert status in (0, 2)
    if status == 2:
        _refusal(err, path)
    status_run = main(["run", str(path), "--replicates", "1", "--workers", "1", "--no-plots",
                       "--quiet", "--out", str(out)])  # fmt: skip
    err = capsys.readouterr().err
    assert status_run in (0, 2)
    if status_run == 2:
        _refusal(err, path)
        assert not out.exists()
        assert not [p for p in folder.iterdir() if p.name.startswith(".out.")]
    else:
        assert status == 0, "run accepted a scenario that check refused"
        _finished(out)


def test_the_base_scenario_runs(tmp_path, capsys):
    """The unchanged base passes both commands (so the property test's refusals are the
    hostile values' doing)."""
    path = tmp_path / "scenario.toml"
    path.write_text(scenario_text([]), encoding="utf-8")
    assert main(["check", str(path)]) == 0
    out = tmp_path / "out"
    assert main(["run", str(path), "--replicates", "1", "--workers", "1", "--no-plots",
                 "--quiet", "--out", str(out)]) == 0  # fmt: skip
    _finished(out)
