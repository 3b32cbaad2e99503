"""The package's layers hold: ``lint-imports`` passes the contracts in pyproject.toml.

Imports go down base (paths, io, vocab) -> inputs -> model -> analysis -> studies ->
dashboard -> cli, never up; the CLI's command modules share only ``cspsim.cli.common``;
no package has an import cycle between its modules.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def test_import_contracts_are_kept():
    lint = Path(sys.executable).with_name("lint-imports")
    assert lint.is_file(), f"{lint} missing: pip install -e '.[dev]' (import-linter)"
    result = subprocess.run(
        [str(lint), "--no-cache"], cwd=REPO, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout
