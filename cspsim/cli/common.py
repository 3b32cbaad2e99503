"""What every ``cspsim`` command shares: the user-error type and scenario loading.

A scenario argument is a file or the name of a shipped scenario (``cspsim run baseline``);
:func:`scenario_path` turns it into a file, :func:`load` loads it.

User errors (a bad scenario, a missing file, a bad flag) exit with status 2 and one line per
problem; nothing is written and no traceback is shown.
"""

from __future__ import annotations

import os
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cspsim.inputs.catalogue import resolve_scenario
from cspsim.inputs.scenario import MAX_REPLICATES, Scenario, ScenarioError, load_scenario
from cspsim.paths import display_path

if TYPE_CHECKING:
    import argparse
    from collections.abc import Iterator

    from tqdm import tqdm

    from cspsim.model.model import CSPModel

    # What ``ArgumentParser.add_subparsers()`` returns: each command module's add_parser
    # registers its commands on it.
    Subparsers = argparse._SubParsersAction[argparse.ArgumentParser]


class UserError(Exception):
    """A problem the user can fix; reported without a traceback."""


#: Help of every command's ``--force``. 65,536 is ``cspsim.studies.sensitivity.schema.MAX_N``,
#: written out because importing the sweep package here would slow every command's start.
FORCE_HELP = (
    f"allow more than {MAX_REPLICATES:,} replicates (and, for sensitivity, an experiment's N "
    "above 65,536)"
)

#: Help of every command's ``--workers``.
WORKERS_HELP = (
    "local processes (default: one per core; more than the cores are lowered to the number "
    "of cores, with a note)"
)


def check_limits(args: argparse.Namespace) -> None:
    """Limits every command shares, checked before it runs.

    ``--replicates`` (and ``--max-replicates``) may be at most :data:`MAX_REPLICATES`, the
    cap of a scenario's ``run.replicates``: beyond, a :class:`UserError` unless ``--force``
    is given. ``--workers`` above
    the number of cores (``os.cpu_count()``) is lowered to it, with a note on stderr, unless
    ``--scheduler`` is given (then the cluster decides).
    """
    for name in ("replicates", "max_replicates"):
        n = getattr(args, name, None)
        if isinstance(n, int) and n > MAX_REPLICATES and not getattr(args, "force", False):
            raise UserError(
                f"--{name.replace('_', '-')} {n}: at most {MAX_REPLICATES:,} (the cap of a "
                "scenario's run.replicates; add --force to go beyond)"
            )
    workers = getattr(args, "workers", None)
    cores = os.cpu_count() or 1
    if isinstance(workers, int) and workers > cores and not getattr(args, "scheduler", None):
        print(
            f"note: --workers {workers} is more than the {cores} cores here; using {cores}",
            file=sys.stderr,
        )
        args.workers = cores


def scenario_path(arg: str) -> str:
    """The file a scenario argument names: a path, or a shipped scenario's name.

    Raises:
        UserError: a bare name that is neither a file nor a shipped scenario (one line,
            with close matches).
    """
    try:
        return str(resolve_scenario(arg))
    except ScenarioError as exc:
        raise UserError("\n".join(exc.problems)) from None


def load(path: str) -> Scenario:
    """Load a scenario file (or shipped scenario by name); problems become a :class:`UserError`."""
    try:
        return load_scenario(path)
    except ScenarioError as exc:
        raise UserError("\n".join(exc.problems)) from None


def build(scenario: Scenario, path: str) -> CSPModel:
    """Build (not run) the scenario's model to surface structural errors before any run.

    The run machinery (Mesa, pandas) is imported here, not at the top, so that ``cspsim
    --help`` and the commands that do not build a model stay quick.
    """
    from cspsim.studies.runner import check_buildable

    try:
        return check_buildable(scenario, Path(path).parent)
    except ScenarioError as exc:
        raise UserError("\n".join(f"{path}: {p}" for p in exc.problems)) from None


def rel(path: str | Path) -> str:
    """``path`` relative to the repository (or as ``configs/...`` for a file shipped in an
    installed cspsim), else absolute."""
    return display_path(path)


class ProgressBar:
    """A tqdm progress bar fed as ``bar(done, total)`` (the library's progress callbacks);
    opened at the first report, closed on leaving the ``with`` block."""

    def __init__(self, desc: str, unit: str = "run", quiet: bool = False):
        self.desc, self.unit, self.quiet = desc, unit, quiet
        self.bar: tqdm[Any] | None = None

    def __call__(self, done: int, total: int) -> None:
        if self.quiet:
            return
        if self.bar is None:
            from tqdm import tqdm

            tqdm.monitor_interval = 0  # no monitor thread: pools may fork
            self.bar = tqdm(total=total, desc=self.desc, unit=self.unit)
        self.bar.total = total
        self.bar.n = done
        self.bar.refresh()

    def __enter__(self) -> ProgressBar:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.close()


@contextmanager
def library_errors(out: Path) -> Iterator[None]:
    """Turn the library's user errors (:mod:`cspsim.studies.api`) into :class:`UserError`:
    scenario problems as they are, arguments as their flags, ``out`` as ``--out``."""
    from cspsim.studies.api import ArgumentError, OutputError
    from cspsim.studies.executor import SchedulerError

    try:
        yield
    except ScenarioError as exc:
        raise UserError("\n".join(exc.problems)) from None
    except ArgumentError as exc:
        raise UserError(f"--{exc.name.replace('_', '-')} {exc.reason}") from None
    except OutputError as exc:
        raise UserError(f"--out {out}: {exc}") from None
    except SchedulerError as exc:
        raise UserError(f"--scheduler: {exc}") from None
