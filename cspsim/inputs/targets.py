"""Survey targets: published answer shares to validate and calibrate against.

A targets file is a CSV in the format of the shared 2009 calibration file: columns
``table, question, group, item, response, n, pct`` (others, such as ``note``, are kept and
ignored). Rows find the model's question by ``question`` and ``item``; ``table`` is only a
label. ``group`` is ``all`` or an authority type on the questions the model answers (other
tables, e.g. T2 by region, may group as they like); ``pct`` is a percentage of respondents, left
empty there only on rows whose response is ``value`` (then ``n`` holds a mean, e.g. T4).
Rows the model cannot answer are not errors: :mod:`cspsim.studies.validate` lists them as
unsupported.
"""

from __future__ import annotations

import csv
import io
import math
from pathlib import Path

import pandas as pd

from cspsim.inputs.files import FileProblem, read_text
from cspsim.inputs.questions import is_answered
from cspsim.paths import CONFIGS_DIR
from cspsim.vocab import AUTHORITY_TYPES

REQUIRED = ("table", "question", "group", "item", "response", "n", "pct")
GROUPS = ("all", *AUTHORITY_TYPES)
# A copy of ../shared/data/survey_2009_calibration.csv kept in the repository so that a clone
# without ../shared validates too (tests/test_targets.py checks the two are identical).
DEFAULT_TARGETS = CONFIGS_DIR / "targets" / "survey_2009_calibration.csv"
# Largest ``n`` (respondents) a row may give: a sanity bound, far above any real survey of CSPs
# (the 2009 survey had 142 responses); T1's ``n`` sizes the synthetic surveys drawn.
MAX_RESPONDENTS = 100_000
# The percentages of one block may add to more than 100 by the survey's rounding: half a
# point per listed response, and at least 1.5 points. (A block may add to less than 100:
# unlisted responses are compared as "the rest", see cspsim.studies.validate.)
ROUNDING_PER_ROW = 0.5
MIN_ROUNDING = 1.5


class TargetsError(Exception):
    """A targets file that cannot be used; one line per problem, naming file and line."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems))


def _number(text: str) -> float | None:
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def load_targets(path: str | Path = DEFAULT_TARGETS) -> pd.DataFrame:
    """Read and check a targets file.

    Returns:
        The rows, with ``n`` and ``pct`` as floats (NaN where empty) and a ``line`` column
        (line number in the file, header = 1).

    Raises:
        TargetsError: missing file or column, a number that is not one, an unknown group.
    """
    path = Path(path)
    try:
        text = read_text(path)
    except FileProblem as exc:
        raise TargetsError([str(exc)]) from None
    try:
        reader = csv.DictReader(io.StringIO(text))
        header = reader.fieldnames or []
        rows = list(reader)
    except csv.Error as exc:
        raise TargetsError([f"{path}: not a readable CSV file: {exc}"]) from None
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        names = ", ".join(f"'{c}'" for c in missing)
        raise TargetsError([f"{path}: missing column(s) {names}; need {', '.join(REQUIRED)}"])
    if not rows:
        raise TargetsError([f"{path}: no target rows"])
    problems: list[str] = []
    out: list[dict[str, object]] = []
    for i, row in enumerate(rows, start=2):
        where = f"{path}: line {i}"
        if any(v is None for v in row.values()) or None in row:
            problems.append(f"{where}: wrong number of fields")
            continue
        for col in ("table", "question", "group", "item", "response"):
            if not row[col].strip():
                problems.append(f"{where}: {col} is empty")
        answered = is_answered(row["question"].strip())
        if answered and row["group"].strip() and row["group"].strip() not in GROUPS:
            problems.append(
                f"{where}: group '{row['group']}' is not one of {', '.join(GROUPS)} "
                f"(question {row['question']} is one the model answers)"
            )
        values: dict[str, float | None] = {}
        for col in ("n", "pct"):
            text = row[col].strip()
            if not text:
                values[col] = math.nan
                continue
            values[col] = _number(text)
            if values[col] is None:
                problems.append(f"{where}: {col} '{row[col]}' is not a number")
        n = values.get("n")
        if n is not None and not math.isnan(n):
            if row["response"].strip() == "value":
                if n < 0:
                    problems.append(f"{where}: n {n:g} (a mean) must be 0 or more")
            elif n < 0 or n != int(n) or n > MAX_RESPONDENTS:
                problems.append(
                    f"{where}: n {row['n'].strip()} must be a whole number of respondents "
                    f"from 0 to {MAX_RESPONDENTS:,}"
                )
        pct = values.get("pct")
        if pct is not None and not math.isnan(pct) and not 0 <= pct <= 100:
            problems.append(f"{where}: pct {pct:g} is not between 0 and 100")
        is_value = row["response"].strip() == "value"
        if answered and not is_value and row["pct"].strip() == "":
            problems.append(f"{where}: pct is empty (only rows with response 'value' may omit it)")
        if answered and is_value and row["n"].strip() == "":
            problems.append(f"{where}: n is empty (a 'value' row gives its value in n)")
        out.append({**{k: (v or "").strip() for k, v in row.items()}, **values, "line": i})
    if not problems:
        problems += _block_sums(path, out) + _respondents(path, out)
    if problems:
        raise TargetsError(problems)
    frame = pd.DataFrame(out)
    return frame.astype({"n": float, "pct": float})


def _block_sums(path: Path, rows: list[dict[str, object]]) -> list[str]:
    """A block (table, question, group, item) of several percentages may not add to more
    than 100 plus the survey's rounding."""
    blocks: dict[tuple[str, ...], list[tuple[object, float]]] = {}
    for row in rows:
        pct = row["pct"]
        if isinstance(pct, float) and not math.isnan(pct):
            key = tuple(str(row[c]) for c in ("table", "question", "group", "item"))
            blocks.setdefault(key, []).append((row["line"], pct))
    problems = []
    for key, block in blocks.items():
        total = sum(pct for _, pct in block)
        limit = 100 + max(MIN_ROUNDING, ROUNDING_PER_ROW * len(block))
        if len(block) > 1 and total > limit + 1e-9:
            lines = ", ".join(str(line) for line, _ in block)
            problems.append(
                f"{path}: lines {lines}: the pct of block {'/'.join(key)} add to "
                f"{total:g}; they may add to at most {limit:g} (100 plus rounding)"
            )
    return problems


def _respondents(path: Path, rows: list[dict[str, object]]) -> list[str]:
    """T1's respondents by authority type weight the ``all`` figures: they may not all be 0."""
    t1 = [r for r in rows if r["table"] == "T1" and r["group"] in AUTHORITY_TYPES]
    ns = [n for r in t1 if isinstance(n := r["n"], float) and not math.isnan(n)]
    if t1 and len(ns) == len(t1) and sum(ns) == 0:
        lines = ", ".join(str(r["line"]) for r in t1)
        return [
            f"{path}: lines {lines}: the T1 respondents (n) add to 0; they weight the "
            "synthetic survey, so at least one must be 1 or more"
        ]
    return []


def respondent_mix(targets: pd.DataFrame) -> dict[str, float] | None:
    """Respondents by authority type from the targets' T1 rows (their ``n``), if present."""
    t1 = targets[(targets["table"] == "T1") & targets["group"].isin(AUTHORITY_TYPES)]
    if t1.empty or t1["n"].isna().any():
        return None
    return dict(zip(t1["group"], t1["n"].astype(float), strict=True))
