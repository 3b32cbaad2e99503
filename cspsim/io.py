"""Result files: atomic writes, whole result folders and the run manifest.

Every file is written to a temporary name in the same folder and moved into place with
``os.replace``, so a killed run never leaves a half-written file under a final name. The
manifest is written last: a folder without ``manifest.json`` is not a finished run.

A command's result folder is written whole (:func:`prepare_output`): before the first run the
folder's parent is checked (a folder, writable, enough free space for the expected output)
by creating a fresh staging folder beside the target, ``.NAME.partial-PID-XXXX``; the
results are written there and, once complete, the staging folder replaces the target in
one step (the old folder is removed only then). So an old folder's files (plots of an
earlier run, say) never mix with new ones, and a run killed at any point (even while
plotting) leaves the old folder as it was, plus its staging folder, which the next run
into the same target removes (its process is gone).
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import json
import os
import platform
import re
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
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


def write_together(writes: dict[Path, Callable[[Path], object]]) -> None:
    """Write several files that belong together: each to a temporary name first, then all
    moved into place, so a failed write (a full disk) leaves the old files as they were."""
    done: list[tuple[str, Path]] = []
    try:
        for path, write in writes.items():
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
            os.close(fd)
            done.append((tmp, path))
            write(Path(tmp))
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(tmp, 0o666 & ~umask)
        for tmp, path in done:
            os.replace(tmp, path)
    except BaseException:
        for tmp, _ in done:
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


class OutputError(OSError):
    """The output folder cannot be prepared or written; the message is one line."""


#: Bytes a run's plots, tables and manifest take beyond the time series (a generous bound;
#: the eight PNG plots and the map of a run are about 1 MB).
FIXED_OUTPUT_BYTES = 8 * 2**20


def begin_output(folder: Path) -> None:
    """Prepare a folder written in place: remove an old manifest so a partial rewrite is not
    taken whole (the sensitivity store, which is resumed in place)."""
    if folder.exists() and not folder.is_dir():
        raise NotADirectoryError(f"{folder} exists and is not a folder")
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "manifest.json").unlink(missing_ok=True)


def _size(n: float) -> str:
    for unit in ("bytes", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "bytes" else f"{n:.1f} {unit}"
        n /= 1024
    raise AssertionError  # unreachable: the loop returns at "GB"


def _is_result_folder(folder: Path) -> bool:
    """Whether ``folder`` may be replaced: empty, or a cspsim result (its manifest names
    cspsim's version, or it holds a run's time series or a validation table)."""
    names = {p.name for p in folder.iterdir()}
    if not names or names & {"timeseries.parquet", "validation.csv"}:
        return True
    try:
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        return "cspsim" in manifest.get("versions", {})
    except (OSError, ValueError, AttributeError):
        return False


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    return True


def _remove_stale(target: Path) -> None:
    """Remove staging folders beside ``target`` left by killed runs (their process is gone).

    A pid reused since by another process keeps its folder until a later run (harmless: the
    name is hidden and never read).
    """
    pattern = re.compile(rf"\.{re.escape(target.name)}\.(?:partial|old)-(\d+)-")
    with contextlib.suppress(OSError):  # an unreadable parent: the mkdtemp below reports it
        for p in target.parent.iterdir():
            m = pattern.match(p.name)
            if m and p.is_dir() and not _alive(int(m.group(1))):
                shutil.rmtree(p, ignore_errors=True)


def _exchange(a: Path, b: Path) -> bool:
    """Swap two folders in one step (Linux ``renameat2(RENAME_EXCHANGE)``); False if the
    system or file system cannot."""
    try:
        fn = ctypes.CDLL(None, use_errno=True).renameat2
    except (AttributeError, OSError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    fn.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    if fn(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP):
        return False
    raise OSError(err, os.strerror(err), str(a))


class StagedOutput:
    """A result folder being written (made by :func:`prepare_output`).

    Attributes:
        target: Where the results go once complete.
        path: The staging folder the results are written to.
    """

    def __init__(self, target: Path, path: Path):
        self.target, self.path = target, path

    def commit(self) -> None:
        """Put the staging folder in the target's place (replacing an old folder).

        Raises:
            OutputError: the move failed (the staging folder is removed).
        """
        umask = os.umask(0)
        os.umask(umask)
        try:
            self.path.chmod(0o777 & ~umask)  # mkdtemp makes 0700; results are meant to be shared
            if self.target.is_dir() and not self.target.is_symlink():
                if _exchange(self.path, self.target):
                    shutil.rmtree(self.path, ignore_errors=True)  # now the old folder
                    return
                old = Path(tempfile.mkdtemp(prefix=self._prefix("old"), dir=self.target.parent))
                os.replace(self.target, old)  # a folder onto an empty folder
                os.replace(self.path, self.target)
                shutil.rmtree(old, ignore_errors=True)
            else:
                os.replace(self.path, self.target)
        except OSError as exc:
            self.discard()
            raise OutputError(f"cannot put the results in place: {exc.strerror or exc}") from None

    def discard(self) -> None:
        """Remove the staging folder (the target is left as it was)."""
        shutil.rmtree(self.path, ignore_errors=True)

    def _prefix(self, kind: str) -> str:
        return f".{self.target.name}.{kind}-{os.getpid()}-"

    def write(self, write: Callable[[Path], object]) -> None:
        """Call ``write(staging folder)``, then :meth:`commit`; on any error discard the
        staging folder. A failed write (a full disk, say) raises :class:`OutputError`."""
        try:
            write(self.path)
        except OSError as exc:
            self.discard()
            if isinstance(exc, OutputError):
                raise
            why = exc.strerror or str(exc)
            raise OutputError(f"writing failed ({why}); nothing was kept") from None
        except BaseException:
            self.discard()
            raise
        self.commit()


def check_folder(folder: Path) -> None:
    """Check that a folder written in place (the resumable sensitivity store) can be
    written: made if missing (with its parents) and a file created and removed in it.

    Raises:
        OutputError: it is a file, or cannot be made or written (nothing is left behind).
    """
    if folder.exists() and not folder.is_dir():
        raise OutputError("exists and is not a folder")
    made = [f for f in (folder, *folder.parents) if not f.exists()]
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as exc:
        for f in made:
            with contextlib.suppress(OSError):
                f.rmdir()
        raise OutputError(f"cannot write there: {exc.strerror or exc}") from None


@contextmanager
def discard_on_error(staged: StagedOutput | None) -> Iterator[None]:
    """Discard ``staged`` (if any) when the block raises: a failed or interrupted run."""
    try:
        yield
    except BaseException:
        if staged is not None:
            staged.discard()
        raise


def prepare_output(target: str | Path, expected_bytes: int = 0) -> StagedOutput:
    """Check where a result folder goes and start writing it (see the module doc).

    Called before the first run, so that a bad ``--out`` is found in a second, not after the
    whole simulation. The staging folder is made now; call :meth:`StagedOutput.write` (or
    :meth:`~StagedOutput.discard` if the run fails).

    Args:
        target: The result folder (made with its parents if missing).
        expected_bytes: About how much will be written (checked against the free space).

    Raises:
        OutputError: the target is a file, or a folder that is not a cspsim result, or its
            parent cannot be written or lacks the space (nothing is created).
    """
    target = Path(os.path.abspath(target))
    if target.is_symlink():  # replace the folder it points to, not the link
        target = Path(os.path.realpath(target))
    if target.exists() and not target.is_dir():
        raise OutputError("exists and is not a folder")
    try:
        replaceable = not target.is_dir() or _is_result_folder(target)
    except OSError as exc:
        raise OutputError(f"cannot read the folder: {exc.strerror or exc}") from None
    if not replaceable:
        raise OutputError(
            "is a folder that holds other files (no cspsim manifest.json); results replace "
            "the whole folder, so choose a new or empty folder"
        )
    parent = target.parent
    existing = parent
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir():
        raise OutputError(f"{existing} is not a folder")
    try:
        usage = shutil.disk_usage(existing)
    except OSError as exc:
        raise OutputError(f"cannot read the free space of {existing}: {exc.strerror}") from None
    if usage.total and expected_bytes > usage.free:  # total 0: /proc and the like
        raise OutputError(
            f"needs about {_size(expected_bytes)} but {existing} has {_size(usage.free)} free"
        )
    _remove_stale(target)
    made: list[Path] = []
    try:
        for folder in reversed([parent, *parent.parents]):
            if not folder.exists():
                folder.mkdir()
                made.append(folder)
        prefix = f".{target.name}.partial-{os.getpid()}-"
        return StagedOutput(target, Path(tempfile.mkdtemp(prefix=prefix, dir=parent)))
    except OSError as exc:
        for folder in reversed(made):
            folder.rmdir()
        why = exc.strerror or str(exc)
        raise OutputError(f"cannot write in {existing if not made else parent}: {why}") from None
