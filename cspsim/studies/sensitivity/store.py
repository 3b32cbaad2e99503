"""The results store: one Parquet chunk per task plus a manifest, safe to kill at any moment.

Layout of ``OUT/store/``::

    manifest.json          design key, runs, runs per task, outputs, seeds, status
    chunk-000000.parquet   runs [0, runs_per_task): point, replicate, seed, ok, outputs...,
    chunk-000001.parquet   error, traceback
    ...
    series-000000.parquet  with ``timeseries``: a row per (point, replicate, outcome), a
    ...                    column per quarter (written before its chunk)

A chunk is written to a temporary name and renamed into place (``cspsim.io.atomic_write``), so
a chunk file that exists is whole; temporary files left by a kill are removed on resume, and
a chunk whose footer cannot be read or whose row count is wrong is deleted and rerun. The
chunk files, not the manifest's running count, say which work is done: the manifest is
rewritten every few seconds for people watching, and at the end with ``status = "complete"``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from cspsim.io import atomic_write, write_json
from cspsim.studies.sensitivity.outcomes import per_year_name, split_output

MANIFEST = "manifest.json"
_TEXT = ("error", "traceback")


class Store:
    """A folder of result chunks keyed by (sample point, replicate).

    Args:
        folder: The store folder (``OUT/store``).
    """

    def __init__(self, folder: Path):
        self.folder = Path(folder)

    @property
    def manifest_path(self) -> Path:
        """Path of the manifest."""
        return self.folder / MANIFEST

    def exists(self) -> bool:
        """Whether a store has been started here."""
        return self.manifest_path.is_file()

    def chunk_path(self, index: int) -> Path:
        """Path of chunk ``index``."""
        return self.folder / f"chunk-{index:06d}.parquet"

    def read_manifest(self) -> dict[str, Any]:
        """The manifest as a dict."""
        return json.loads(self.manifest_path.read_text())

    def write_manifest(self, manifest: dict[str, Any]) -> None:
        """Replace the manifest (atomically)."""
        write_json(manifest, self.manifest_path)

    def series_path(self, index: int) -> Path:
        """Path of task ``index``'s quarterly series (experiments with ``timeseries``)."""
        return self.folder / f"series-{index:06d}.parquet"

    def write_series(self, index: int, columns: dict[str, Any]) -> None:
        """Write one task's quarterly series, atomically (before its chunk: a chunk that
        exists then always has its series)."""
        table = pa.table({**columns, "outcome": pa.array(columns["outcome"], pa.string())})
        atomic_write(self.series_path(index), lambda p: pq.write_table(table, p))

    def read_series(self) -> pd.DataFrame:
        """Every stored series: point, replicate, outcome, then one column per quarter
        (named by its first day), sorted by (point, replicate, outcome)."""
        paths = sorted(self.folder.glob("series-*.parquet"))
        if not paths:
            return pd.DataFrame(columns=["point", "replicate", "outcome"])
        frame = pd.concat([pd.read_parquet(p) for p in paths], ignore_index=True)
        return frame.sort_values(["point", "replicate", "outcome"], ignore_index=True)

    def write_chunk(self, index: int, columns: dict[str, Any]) -> None:
        """Write one task's results as a chunk, atomically."""
        # Text columns typed explicitly: a chunk without failures would otherwise get a
        # null-typed column that does not concatenate with chunks that have some.
        text = {k: pa.array(v, type=pa.string()) for k, v in columns.items() if k in _TEXT}
        table = pa.table({**columns, **text})
        atomic_write(self.chunk_path(index), lambda p: pq.write_table(table, p))

    def done(self, expected_rows: dict[int, int], series: bool = False) -> set[int]:
        """Indices of whole chunks; removes temporary files and broken chunks.

        Args:
            expected_rows: Rows each chunk must have, by task index.
            series: Whether each chunk must also have its series file (a chunk without it
                is deleted, and the task runs again).
        """
        for pattern in (".chunk-*.tmp", ".series-*.tmp"):  # left by a kill during a write
            for tmp in self.folder.glob(pattern):
                tmp.unlink(missing_ok=True)
        done = set()
        for path in self.folder.glob("chunk-*.parquet"):
            try:
                index = int(path.stem.removeprefix("chunk-"))
                rows = pq.read_metadata(path).num_rows
            except (ValueError, OSError, pa.ArrowException):
                rows, index = -1, -1
            whole = rows >= 0 and expected_rows.get(index) == rows
            if whole and (not series or self.series_path(index).is_file()):
                done.add(index)
            else:
                path.unlink(missing_ok=True)
        return done

    def read(self, columns: list[str] | None = None) -> pd.DataFrame:
        """Every run stored so far, sorted by (point, replicate)."""
        paths = sorted(self.folder.glob("chunk-*.parquet"))
        if not paths:
            return pd.DataFrame(columns=["point", "replicate", "seed", "ok"])
        frames = [_renamed(pq.read_table(p, columns=columns).to_pandas()) for p in paths]
        frame = pd.concat(frames, ignore_index=True)
        return frame.sort_values(["point", "replicate"], ignore_index=True)


def _renamed(frame: pd.DataFrame) -> pd.DataFrame:
    """Per-year columns of chunks written before their rename (``NAME@YEAR``) under their
    present name (``NAME in YEAR``), so that old and resumed chunks line up."""
    old = {}
    for column in frame.columns:
        outcome, year = split_output(column)
        if "@" in column and year is not None:
            old[column] = per_year_name(outcome, year)
    return frame.rename(columns=old) if old else frame
