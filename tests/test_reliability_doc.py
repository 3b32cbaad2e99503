"""docs/RELIABILITY.md names, for each guarantee, a test that exists."""

from __future__ import annotations

import ast
import re

from cspsim.paths import REPO_DIR

DOC = REPO_DIR / "docs" / "RELIABILITY.md"


def _tests_in(path: str) -> set[str]:
    tree = ast.parse((REPO_DIR / path).read_text(encoding="utf-8"))
    return {n.name for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)}


def test_every_test_the_reliability_page_names_exists():
    text = DOC.read_text(encoding="utf-8")
    named = re.findall(r"`(tests/[\w/]+\.py)(?:::(\w+))?`", text)
    assert len(named) >= 20
    for path, name in named:
        assert (REPO_DIR / path).is_file(), path
        if name:
            assert name in _tests_in(path), f"{path}::{name}"


def test_readme_links_the_reliability_page():
    assert "(docs/RELIABILITY.md)" in (REPO_DIR / "README.md").read_text(encoding="utf-8")
