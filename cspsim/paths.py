"""Where cspsim finds its shipped data files, and where its outputs go by default.

The data files (scenarios, the parameter registry ``parameters.toml``, the duty catalogue
``duties.toml``, lessons, ``england_2009.toml``, the survey targets, the calibration overlay
and ``experiments/outcomes.toml``) live once in git, at the repository root, in ``configs/``
and ``experiments/`` where the README and users expect them. Building a wheel copies them
into the package as ``cspsim/_data/configs/...`` and ``cspsim/_data/experiments/outcomes.toml``
(the ``build_py`` hook in ``setup.py``; ``MANIFEST.in`` puts them in the sdist too), so an
installed cspsim carries its own copy and needs no checkout.

Which copy is read:

* From a source checkout (a plain or editable install, or ``PYTHONPATH``): the repository's
  own ``configs/`` and ``experiments/``, so edits take effect at once. A checkout is
  recognised by ``pyproject.toml`` and ``configs/`` next to the package folder.
* From an installed wheel: the copy under ``cspsim/_data``. It is never looked for next to
  the package (``site-packages/configs`` could belong to anything else).

Why copies made at build time rather than moving the files into the package and leaving a
``configs`` symlink at the root: symlinks break on Windows checkouts (``core.symlinks =
false``) and in some archive tools, ``Path.resolve`` would show every shipped path as
``cspsim/...``, and moving the folder under everyone's open branches invites merge
conflicts. One real copy in git, one generated copy in the wheel, and a test
(``tests/test_install.py``) that builds and installs the wheel keep this honest.
"""

from __future__ import annotations

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
REPO_DIR = PACKAGE_DIR.parent
SOURCE_CHECKOUT = (REPO_DIR / "pyproject.toml").is_file() and (REPO_DIR / "configs").is_dir()
SHIPPED_DATA_DIR = PACKAGE_DIR / "_data"
DATA_DIR = REPO_DIR if SOURCE_CHECKOUT else SHIPPED_DATA_DIR
CONFIGS_DIR = DATA_DIR / "configs"
REGISTRY_FILE = CONFIGS_DIR / "parameters.toml"
DUTIES_FILE = CONFIGS_DIR / "duties.toml"
OUTCOMES_FILE = DATA_DIR / "experiments" / "outcomes.toml"


def results_dir() -> Path:
    """Default parent of output folders: ``results/`` at the repository root in a checkout,
    else ``results/`` in the current folder (never inside site-packages)."""
    return REPO_DIR / "results" if SOURCE_CHECKOUT else Path.cwd() / "results"


def default_calibration_file() -> Path:
    """Where ``cspsim calibrate`` writes by default: the overlay the baseline extends in a
    checkout, else ``calibrated_2009.toml`` in the current folder."""
    folder = CONFIGS_DIR if SOURCE_CHECKOUT else Path.cwd()
    return folder / "calibrated_2009.toml"


def display_path(path: str | Path) -> str:
    """``path`` for messages and manifests: relative to the repository in a checkout, as
    ``configs/...`` for a file shipped in an installed wheel, else absolute."""
    p = Path(path).resolve()
    root = REPO_DIR if SOURCE_CHECKOUT else SHIPPED_DATA_DIR
    return p.relative_to(root).as_posix() if p.is_relative_to(root) else str(p)
