"""Build hook: copy the repository's data files into the package when a wheel is built.

The data files live once in git, at the repository root (``configs/`` and
``experiments/outcomes.toml``); ``build_py`` copies them to ``cspsim/_data/`` in the build
folder, so the wheel carries them as package data. ``MANIFEST.in`` puts them in the sdist,
so a wheel built from the sdist has them too. Editable installs skip the copy: they read the
repository's files directly. See ``cspsim/paths.py``. Everything else is in pyproject.toml.
"""

from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
# Files and folders shipped with the package, relative to the repository root.
SHIPPED = ("configs", "experiments/outcomes.toml")
SUFFIXES = {".toml", ".csv", ".topojson"}


def shipped_files() -> list[Path]:
    """The data files to copy, relative to the repository root."""
    out = []
    for name in SHIPPED:
        path = ROOT / name
        found = [path] if path.is_file() else sorted(p for p in path.rglob("*") if p.is_file())
        out += [p.relative_to(ROOT) for p in found if p.suffix in SUFFIXES]
    if not out:
        raise FileNotFoundError(f"no data files under {ROOT} ({', '.join(SHIPPED)})")
    return out


class BuildPyWithData(build_py):
    """``build_py`` that also copies the shipped data files to ``cspsim/_data/``."""

    def _data_outputs(self) -> list[tuple[Path, Path]]:
        target = Path(self.build_lib) / "cspsim" / "_data"
        return [(ROOT / rel, target / rel) for rel in shipped_files()]

    def run(self) -> None:
        super().run()
        if self.editable_mode:
            return
        for src, dst in self._data_outputs():
            self.mkpath(str(dst.parent))
            self.copy_file(str(src), str(dst))

    def get_outputs(self, include_bytecode: bool = True) -> list[str]:
        outputs = super().get_outputs(include_bytecode)
        if self.editable_mode:
            return outputs
        return outputs + [str(dst) for _, dst in self._data_outputs()]


setup(cmdclass={"build_py": BuildPyWithData})
