"""Where cspsim finds its shipped data files (the repository's ``configs/`` folder)."""

from __future__ import annotations

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
REPO_DIR = PACKAGE_DIR.parent
CONFIGS_DIR = REPO_DIR / "configs"
REGISTRY_FILE = CONFIGS_DIR / "parameters.toml"
DUTIES_FILE = CONFIGS_DIR / "duties.toml"
