"""docs/API.md's worked example runs as written, as a plain script without a main guard."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
API_MD = REPO / "docs" / "API.md"


def test_worked_example_runs_as_a_script(tmp_path):
    """The python blocks of docs/API.md from the worked example on, saved as one script and
    run from another folder (experiment paths made absolute): the sweep, the EMA archive read
    back by ema_workbench and PRIM, the boxes."""
    text = API_MD.read_text(encoding="utf-8")
    example = text.split("## A worked example", 1)[1]
    code = "\n".join(re.findall(r"```python\n(.*?)```", example, re.S))
    assert "load_results(" in code
    assert "__main__" not in code and "cspsim.sweep(" in code and "cspsim.discover(" in code
    code = code.replace('"experiments/', f'"{(REPO / "experiments").as_posix()}/')
    script = tmp_path / "example.py"
    script.write_text(code)
    done = subprocess.run(
        [sys.executable, str(script)], cwd=tmp_path, capture_output=True, text=True,
        timeout=600, env={**os.environ, "PYTHONPATH": str(REPO)},
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    assert (tmp_path / "results/api/tiny/ema_results.tar.gz").is_file()
    assert (tmp_path / "results/api/tiny-discover/prim_limits.csv").is_file()
    assert "coverage" in done.stdout
