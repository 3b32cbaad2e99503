"""Lesson presets: a base scenario, a set of lever values and a short explanation.

Each lesson is a TOML file in ``configs/lessons/`` (data, not code)::

    title = "The 2010s squeeze"
    order = 1
    scenario = "scenarios/warwickshire_no_squeeze.toml"   # relative to the lesson file
    summary = "Two or three sentences shown above the plots."
    look_for = ["What to watch, one line each."]
    try_next = "A control to move next."
    sources = "Where the numbers come from."

    [values]              # lever values, by registry name (see `cspsim registry`)
    cut_pct__council = 32.6

The base scenario's own run (same seed, no lever values) is the dashboard's baseline, so
each lesson is a comparison: the lesson's levers against the scenario without them.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cspsim.inputs.levers import check_value, is_lever
from cspsim.inputs.scenario import ScenarioError
from cspsim.paths import CONFIGS_DIR

LESSONS_DIR = CONFIGS_DIR / "lessons"
_REQUIRED = {"title", "scenario", "summary", "values"}
_OPTIONAL = {"order", "look_for", "try_next", "sources"}


@dataclass(frozen=True)
class Lesson:
    """One lesson preset.

    Attributes:
        key: File name without ``.toml``.
        title: Name shown in the lesson list.
        order: Position in the list.
        scenario: Base scenario file.
        summary: Short explanation shown on screen.
        look_for: What to watch in the plots.
        try_next: A follow-up for the trainer.
        sources: Where the values come from.
        values: Lever values applied to the base scenario.
    """

    key: str
    title: str
    order: int
    scenario: Path
    summary: str
    look_for: tuple[str, ...] = ()
    try_next: str = ""
    sources: str = ""
    values: dict[str, Any] = field(default_factory=dict)


def load_lesson(path: Path) -> Lesson:
    """Read and check one lesson file.

    Raises:
        ScenarioError: one line per problem, naming the file and field.
    """
    path = Path(path)
    try:
        with path.open("rb") as fh:
            raw = tomllib.load(fh)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ScenarioError([f"{path}: {exc}"]) from None
    problems = [f"{path}: {k}: required field is missing" for k in sorted(_REQUIRED - raw.keys())]
    problems += [f"{path}: {k}: unknown key" for k in sorted(raw.keys() - _REQUIRED - _OPTIONAL)]
    values = raw.get("values", {})
    if not isinstance(values, dict):
        problems.append(f"{path}: values: must be a table of lever values")
        values = {}
    for name, value in values.items():
        if not is_lever(name):
            problems.append(f"{path}: values.{name}: not a scenario lever (see `cspsim registry`)")
        elif (msg := check_value(name, value)) is not None:
            problems.append(f"{path}: values.{name}: {msg}")
    scenario = path.parent / str(raw.get("scenario", ""))
    if "scenario" in raw and not scenario.is_file():
        problems.append(f"{path}: scenario: file not found: {scenario}")
    look_for = raw.get("look_for", [])
    if not isinstance(look_for, list) or not all(isinstance(x, str) for x in look_for):
        problems.append(f"{path}: look_for: must be a list of strings")
        look_for = []
    if problems:
        raise ScenarioError(problems)
    return Lesson(
        key=path.stem,
        title=str(raw["title"]),
        order=int(raw.get("order", 100)),
        scenario=scenario.resolve(),
        summary=" ".join(str(raw["summary"]).split()),
        look_for=tuple(" ".join(x.split()) for x in look_for),
        try_next=" ".join(str(raw.get("try_next", "")).split()),
        sources=" ".join(str(raw.get("sources", "")).split()),
        values=dict(values),
    )


def load_lessons(folder: Path = LESSONS_DIR) -> list[Lesson]:
    """Every lesson in ``folder``, in their ``order``.

    Raises:
        ScenarioError: the problems of every bad lesson file.
    """
    lessons, problems = [], []
    for path in sorted(Path(folder).glob("*.toml")):
        try:
            lessons.append(load_lesson(path))
        except ScenarioError as exc:
            problems += exc.problems
    if problems:
        raise ScenarioError(problems)
    return sorted(lessons, key=lambda lesson: (lesson.order, lesson.title))
