"""The shipped scenarios by name: ``baseline`` is ``configs/baseline.toml`` wherever cspsim runs.

A scenario argument is a path when it names an existing file, contains a folder separator or
ends in ``.toml``; otherwise it is the name of a shipped scenario (the file name without
``.toml``). :func:`resolve_scenario` turns either into a path; an unknown name is a
:class:`~cspsim.inputs.errors.ScenarioError` that suggests close matches.
"""

from __future__ import annotations

import difflib
import tomllib
from dataclasses import dataclass
from pathlib import Path

from cspsim.inputs.errors import ScenarioError
from cspsim.paths import CONFIGS_DIR

# Data files in configs/ that are not scenarios.
NOT_SCENARIOS = frozenset({"parameters.toml", "duties.toml", "england_2009.toml"})


@dataclass(frozen=True)
class ShippedScenario:
    """One scenario file shipped with cspsim.

    Attributes:
        name: What to type (``cspsim run NAME``): the file name without ``.toml``.
        path: The file.
        description: Its ``description`` field ("" if it has none or cannot be read).
    """

    name: str
    path: Path
    description: str


def shipped_scenarios() -> dict[str, Path]:
    """The shipped scenario files by name, sorted by name."""
    return {p.stem: p for p in sorted(CONFIGS_DIR.glob("*.toml")) if p.name not in NOT_SCENARIOS}


def describe_shipped() -> list[ShippedScenario]:
    """Every shipped scenario with its description (for ``cspsim scenarios``)."""
    out = []
    for name, path in shipped_scenarios().items():
        try:
            with path.open("rb") as fh:
                desc = str(tomllib.load(fh).get("description", ""))
        except (OSError, tomllib.TOMLDecodeError):
            desc = ""
        out.append(ShippedScenario(name, path, " ".join(desc.split())))
    return out


def is_bare_name(arg: str | Path) -> bool:
    """True if ``arg`` looks like a scenario name rather than a path (no folder, no .toml)."""
    text = str(arg)
    return bool(text) and "/" not in text and "\\" not in text and not text.endswith(".toml")


def close_matches(name: str) -> list[str]:
    """Shipped scenario names close to ``name`` (best first)."""
    names = list(shipped_scenarios())
    found = difflib.get_close_matches(name, names, n=3, cutoff=0.6)
    found += [n for n in names if name and name.lower() in n.lower() and n not in found]
    return found[:3]


def resolve_scenario(arg: str | Path) -> Path:
    """The file a scenario argument means: an existing file, a path, or a shipped name.

    A path that does not exist, or is a folder, is returned as it is (loading it reports
    "file not found" or "is a directory").

    Raises:
        ScenarioError: ``arg`` is a bare name that is neither a file nor a shipped scenario.
    """
    path = Path(arg)
    if path.exists() or not is_bare_name(arg):
        return path
    shipped = shipped_scenarios()
    if str(arg) in shipped:
        return shipped[str(arg)]
    raise ScenarioError([unknown_name_message(str(arg))])


def unknown_name_message(name: str) -> str:
    """One line: ``name`` is not a file or shipped scenario, with close matches if any."""
    msg = f"{name}: no such file or shipped scenario"
    matches = close_matches(name)
    if matches:
        listed = matches[0] if len(matches) == 1 else ", ".join(matches[:-1]) + " or " + matches[-1]
        msg += f"; did you mean {listed}?"
    return msg + " (`cspsim scenarios` lists the shipped ones)"


def shipped_parent(name: str) -> Path | None:
    """The shipped file an ``extends = NAME`` falls back to when the extending file's own
    folder has no such file: a shipped data file by file name (``baseline.toml``,
    ``calibrated_2009.toml``) or a shipped scenario by name (``baseline``)."""
    if "/" in name or "\\" in name:
        return None
    candidate = CONFIGS_DIR / name
    if candidate.suffix == ".toml" and candidate.is_file() and name not in NOT_SCENARIOS:
        return candidate
    return shipped_scenarios().get(name)
