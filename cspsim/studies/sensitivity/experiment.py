"""Experiment files (``experiments/*.toml``): loading and every check before a run.

Fields are validated one by one (:mod:`.schema`) and the cross-field checks (registry names
and bounds, the method's N and options, outcome names, groups; :mod:`.checks`) run on every
field that parsed, so a file with several mistakes gets one line per mistake,
``FILE: field.path: message``, in one go, and nothing runs. See ``docs/SENSITIVITY.md`` for
the format.
"""

from __future__ import annotations

from pathlib import Path

from cspsim.inputs.files import FileProblem, read_toml
from cspsim.studies.sensitivity.checks import cross_checks
from cspsim.studies.sensitivity.schema import (
    MAX_N,
    Experiment,
    ExperimentError,
    Loaded,
    parse_fields,
)

__all__ = ["ExperimentError", "Loaded", "is_experiment_file", "load_experiment"]

#: Top-level keys only an experiment file has (a scenario file has none of them).
EXPERIMENT_KEYS = frozenset({"method", "outcomes", "outcomes_file"})


def is_experiment_file(path: str | Path) -> bool:
    """Whether ``path`` is a TOML file that looks like an experiment (has a top-level key of
    the experiment schema that scenarios do not use, e.g. ``method`` or ``outcomes``).
    Unreadable or invalid files are not experiments (the scenario checks report them)."""
    try:
        raw = read_toml(Path(path))
    except FileProblem:
        return False
    return bool(EXPERIMENT_KEYS & raw.keys())


def load_experiment(path: str | Path, force: bool = False) -> Loaded:
    """Read an experiment file and check everything it refers to, before any run.

    Args:
        path: The experiment file.
        force: Allow ``N`` above :data:`~.schema.MAX_N` (``--force``).

    Raises:
        ExperimentError: one line per problem, naming the file and the field.
    """
    path = Path(path)
    try:
        raw = read_toml(path, missing="cannot read: No such file or directory")
    except FileProblem as exc:
        raise ExperimentError([str(exc)]) from None
    fields, problems = parse_fields(raw)
    lines = [f"{path}: {where}: {msg}" for where, msg in problems]
    n = fields.get("N")
    if isinstance(n, int) and n > MAX_N and not force:
        lines.append(f"{path}: N: {n:,} is more than {MAX_N:,} (the cap; --force to go beyond)")
    outcomes, scenario, more = cross_checks(path, raw, fields)
    if lines or more:
        raise ExperimentError(lines + more)
    values = fields
    values["name"] = values["name"] or path.stem
    return Loaded(path, Experiment.model_validate(values), outcomes, scenario)
