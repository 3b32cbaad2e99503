"""The package type-checks: ``mypy`` passes with the configuration in pyproject.toml.

Every module is checked (annotations required); the whole model layer (``cspsim.model.*``)
under the strict flags, less ``disallow_subclassing_any`` (Mesa has no types). The cache
(``.mypy_cache``, git-ignored) makes a re-run take seconds; a fresh clone takes about 25 s.
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_mypy_is_clean():
    assert importlib.util.find_spec("mypy"), "mypy missing: pip install -e '.[dev]'"
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--config-file", "pyproject.toml"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Success: no issues found" in result.stdout
