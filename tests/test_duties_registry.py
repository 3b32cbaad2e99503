"""Duty catalogue (``cspsim.inputs.duties``) and parameter registry (``cspsim.inputs.registry``)."""

from __future__ import annotations

import datetime as dt
import textwrap

import numpy as np
import pytest

from cspsim.inputs.duties import load_duties, read_catalogue
from cspsim.inputs.levers import markdown_table
from cspsim.inputs.registry import defaults, load_registry, registry
from cspsim.inputs.scenario import ScenarioError, scenario_from_dict
from cspsim.paths import DUTIES_FILE
from cspsim.vocab import CONTRIBUTORS


# ---------------------------------------------------------------- duties
def test_catalogue_table_shapes(cleveland):
    """The duty table has one column per duty and one row per contributor, weights sum to 1."""
    table = load_duties(cleveland)
    catalogue = read_catalogue(DUTIES_FILE)
    assert table.ids == tuple(catalogue)
    assert table.weight.shape == (len(CONTRIBUTORS), table.n)
    np.testing.assert_allclose(table.weight.sum(axis=0), 1.0)
    assert np.all(table.weight >= 0)
    assert len(table.bound_since) == table.n
    assert all(len(b) == len(CONTRIBUTORS) for b in table.bound_since)


def test_catalogue_weights_are_normalised_contributions(cleveland):
    """Weights are the catalogue's contribution shares divided by their sum.

    Modern slavery: council 0.5, police 0.5 -> 0.5 each, nothing from others.
    """
    table = load_duties(cleveland)
    d = table.ids.index("modern_slavery")
    w = dict(zip(CONTRIBUTORS, table.weight[:, d], strict=True))
    assert w["council"] == pytest.approx(0.5)
    assert w["police"] == pytest.approx(0.5)
    assert sum(v for k, v in w.items() if k not in ("council", "police")) == 0


def test_bound_dates(cleveland):
    """Partners are bound from their own date where given, else from the duty's start;
    unbound partners have no date."""
    table = load_duties(cleveland)
    d = table.ids.index("crime_disorder_asb")
    bound = dict(zip(CONTRIBUTORS, table.bound_since[d], strict=True))
    assert bound["probation"] == dt.date(2010, 4, 1)
    assert bound["police"] == table.start[d]
    assert bound["youth_offending"] is None
    assert bound["county_council"] == table.start[d]  # CDA 1998 s5(1): county of a district


def test_county_led_duties(cleveland):
    """Only duties marked lead_in_two_tier = county_council are county-led."""
    table = load_duties(cleveland)
    catalogue = read_catalogue(DUTIES_FILE)
    expected = [catalogue[i].lead_in_two_tier == "county_council" for i in table.ids]
    np.testing.assert_array_equal(table.county_led, expected)
    assert table.county_led[table.ids.index("da_safe_accommodation")]


def test_overrides(cleveland):
    """Overrides disable duties, move starts, scale workloads and set new-burdens money."""
    raw = cleveland.model_dump()
    raw["duties"]["overrides"] = {
        "prevent": {"enabled": False},
        "hate_crime": {"start": dt.date(2012, 1, 1), "workload_scale": 3.0},
        "da_safe_accommodation": {"new_burdens_gbp_per_year": 0.0},
    }
    table = load_duties(scenario_from_dict(raw))
    ref = load_duties(cleveland)
    assert "prevent" not in table.ids and table.n == ref.n - 1
    h, hr = table.ids.index("hate_crime"), ref.ids.index("hate_crime")
    assert table.start[h] == dt.date(2012, 1, 1)
    assert table.workload_fte_per_100k[h] == pytest.approx(3 * ref.workload_fte_per_100k[hr])
    assert table.new_burdens_gbp[table.ids.index("da_safe_accommodation")] == 0.0
    assert ref.new_burdens_gbp[ref.ids.index("da_safe_accommodation")] > 0


@pytest.mark.parametrize(
    ("entry", "field"),
    [
        ("workload_fte_per_100k = -1.0\ncontribution = { council = 1.0 }", "workload_fte_per_100k"),
        ("workload_fte_per_100k = 1.0\ncontribution = { council = 0.0 }", "not all zero"),
        (
            'workload_fte_per_100k = 1.0\ncontribution = { council = 1.0 }\nbound = ["mayor"]',
            "mayor",
        ),
    ],
)
def test_bad_catalogue_entries(tmp_path, entry, field):
    """Invalid catalogue entries are reported with the duty id and the problem."""
    path = tmp_path / "cat.toml"
    path.write_text(
        textwrap.dedent(
            """
            [x_duty]
            name = "X"
            start = 2010-01-01
            volume = "high"
            source = "test"
            """
        )
        + entry
        + "\n"
    )
    with pytest.raises(ScenarioError) as info:
        read_catalogue(path)
    assert len(info.value.problems) == 1
    assert "x_duty" in info.value.problems[0]
    assert field in info.value.problems[0]


# ---------------------------------------------------------------- registry
def test_registry_defaults_within_bounds():
    """Every shipped parameter has lower <= default <= upper and passes its own check."""
    reg = registry()
    assert len(reg) > 40
    for name, spec in reg.items():
        assert spec.name == name
        assert spec.lower <= spec.default <= spec.upper, name
        assert spec.check(spec.default) is None, name
        assert spec.description and spec.source and spec.unit, name


def test_registry_check_messages():
    """check() rejects values outside the bounds with the bounds and unit in the message."""
    spec = registry()["efficiency_base"]
    msg = spec.check(spec.upper + 0.5)
    assert msg is not None and f"{spec.lower:g}" in msg and spec.unit in msg
    assert spec.check(spec.lower - 0.01) is not None
    assert spec.check(spec.lower) is None and spec.check(spec.upper) is None


def test_defaults_and_markdown():
    """defaults() lists every parameter as a float; the Markdown table names each one."""
    d = defaults()
    assert set(d) == set(registry())
    assert all(isinstance(v, float) for v in d.values())
    table = markdown_table()
    assert all(f"`{name}`" in table for name in d)


def _entry(**over):
    base = {
        "default": 1.0,
        "lower": 0.0,
        "upper": 2.0,
        "unit": '"ratio"',
        "agency": '"all"',
        "source": '"test"',
        "group": '"test"',
        "description": '"test"',
    }
    base.update(over)
    return "\n".join(f"{k} = {v}" for k, v in base.items() if v is not None)


@pytest.mark.parametrize(
    ("body", "needle"),
    [
        (_entry(default=3.0), "outside bounds"),
        (_entry(unit=None), "missing ['unit']"),
        (_entry() + "\ncolour = 1", "unknown ['colour']"),
    ],
)
def test_load_registry_rejects_bad_entries(tmp_path, body, needle):
    """A registry entry with a default out of bounds, a missing or an unknown field fails."""
    path = tmp_path / "params.toml"
    path.write_text(f"[good]\n{_entry()}\n\n[bad]\n{body}\n")
    with pytest.raises(ValueError, match=r"\[bad\]") as info:
        load_registry(path)
    assert needle in str(info.value)
    assert "[good]" not in str(info.value)
