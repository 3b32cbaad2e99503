"""Result files: atomic writes and the run manifest.

Every file is written to a temporary name in the same folder and moved into place with
``os.replace``, so a killed run never leaves a half-written file under a final name. The
manifest is written last: a folder without ``manifest.json`` is not a finished run.
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import tempfile
from collections.abc import Callable
from importlib import metadata
from pathlib import Path
from typing import Any

import pandas as pd

from cspsim.paths import REPO_DIR, SOURCE_CHECKOUT

_PACKAGES = ("cspsim", "mesa", "numpy", "pandas", "pyarrow", "pydantic", "matplotlib")


def atomic_write(path: Path, write: Callable[[Path], object]) -> None:
    """Call ``write(tmp)`` then move ``tmp`` onto ``path`` in one step (its result is unused)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        write(Path(tmp))
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes 0600; results are meant to be shared
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_parquet(df: pd.DataFrame, path: Path) -> None:
    """Write a DataFrame as Parquet, atomically."""
    atomic_write(path, lambda p: df.to_parquet(p, index=False, engine="pyarrow"))


def write_csv(df: pd.DataFrame, path: Path) -> None:
    """Write a DataFrame as CSV, atomically."""
    atomic_write(path, lambda p: df.to_csv(p, index=False))


def write_json(obj: Any, path: Path) -> None:
    """Write JSON, atomically."""
    atomic_write(path, lambda p: p.write_text(json.dumps(obj, indent=2, default=str) + "\n"))


def git_commit() -> dict[str, Any]:
    """Commit of the cspsim checkout, and whether it has uncommitted changes.

    An installed cspsim (not a source checkout) has no commit of its own: both are None,
    rather than the commit of whatever repository happens to hold the environment.
    """
    if not SOURCE_CHECKOUT:
        return {"commit": None, "dirty": None}
    try:
        sha = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=REPO_DIR, capture_output=True, text=True, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=REPO_DIR,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        return {"commit": sha, "dirty": bool(dirty)}
    except (OSError, subprocess.CalledProcessError):
        return {"commit": None, "dirty": None}


def versions() -> dict[str, str]:
    """Python and package versions."""
    out = {"python": platform.python_version()}
    for pkg in _PACKAGES:
        try:
            out[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            out[pkg] = "not installed"
    return out


def begin_output(folder: Path) -> None:
    """Prepare a result folder: remove an old manifest so a partial rewrite is not taken whole."""
    if folder.exists() and not folder.is_dir():
        raise NotADirectoryError(f"{folder} exists and is not a folder")
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "manifest.json").unlink(missing_ok=True)
