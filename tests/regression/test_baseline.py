"""Regression baseline (Starsim style): fixed-seed headline outcomes match the reviewed file.

A failure means the model's behaviour changed. If that was intended, run
``.venv/bin/python tests/regression/update_baseline.py`` and review the JSON diff.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from regression_summary import summary  # noqa: E402


def test_outcomes_match_reviewed_baseline():
    """Every pinned outcome equals the baseline to 1e-7 relative (floating-point noise only)."""
    expected = json.loads((HERE / "baseline_summary.json").read_text())
    actual = summary()
    assert actual.keys() == expected.keys()
    for case, values in expected.items():
        assert actual[case].keys() == values.keys(), case
        for key, value in values.items():
            assert actual[case][key] == pytest.approx(value, rel=1e-7), (
                f"{case}.{key} changed: {value} -> {actual[case][key]}; if intended, run "
                "tests/regression/update_baseline.py and review the diff"
            )
