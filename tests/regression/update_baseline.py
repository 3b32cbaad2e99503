"""Regenerate tests/regression/baseline_summary.json (the reviewed regression baseline).

Run it only when a change to the model's behaviour is intended, and review the diff of the
JSON file in the commit: ``.venv/bin/python tests/regression/update_baseline.py``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from regression_summary import summary  # noqa: E402

if __name__ == "__main__":
    out = HERE / "baseline_summary.json"
    out.write_text(json.dumps(summary(), indent=1, sort_keys=True) + "\n")
    print(f"wrote {out}")
