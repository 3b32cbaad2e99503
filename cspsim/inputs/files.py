"""Reading the user's input files: one clear line for a file that is not readable text.

A missing file, a directory, a file that is not UTF-8 text (binary, or another encoding) and
invalid TOML each give one line naming the file; a UTF-8 byte-order mark is accepted (some
Windows editors write one).
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any


class FileProblem(Exception):
    """An input file that cannot be read as text; ``str(exc)`` is one line naming it."""


def read_text(path: Path, missing: str = "file not found") -> str:
    """The text of a UTF-8 file, without a byte-order mark.

    Raises:
        FileProblem: ``FILE: file not found`` (or ``missing``), ``FILE: is a directory``,
            ``FILE: not UTF-8 text`` or ``FILE: cannot read: REASON``.
    """
    if path.is_dir():
        raise FileProblem(f"{path}: is a directory")
    if not path.is_file():
        raise FileProblem(f"{path}: {missing}")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise FileProblem(f"{path}: cannot read: {exc.strerror}") from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise FileProblem(f"{path}: not UTF-8 text") from None
    if "\x00" in text:  # valid UTF-8, but binary
        raise FileProblem(f"{path}: not UTF-8 text")
    return text


def read_toml(path: Path, missing: str = "file not found") -> dict[str, Any]:
    """A TOML file's contents (see :func:`read_text`; invalid TOML is ``FILE: not valid
    TOML: REASON``)."""
    text = read_text(path, missing)
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise FileProblem(f"{path}: not valid TOML: {exc}") from None
