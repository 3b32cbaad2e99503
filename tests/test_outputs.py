"""Result folders are written whole, and ``--out`` is checked before the first run.

A run writes into a staging folder beside ``--out`` and swaps it into place once complete
(``cspsim.io.prepare_output``): an old folder's files never mix with new ones, a failed or
killed run leaves the old folder as it was, and a killed run's staging folder is removed by
the next run into the same folder. See docs/RELIABILITY.md.
"""

from __future__ import annotations

import errno
import json
import os
import shutil
import signal
import subprocess
import sys
import textwrap
from collections import namedtuple
from pathlib import Path

import pytest

import cspsim
from cspsim import io
from cspsim.cli.main import main
from cspsim.paths import CONFIGS_DIR, REPO_DIR
from cspsim.studies import api

CLEVELAND = str(CONFIGS_DIR / "cleveland.toml")
RUN = ["run", CLEVELAND, "--replicates", "2", "--workers", "1", "--quiet"]
TIMEOUT = 120  # seconds: bound on every subprocess wait


def _files(folder: Path) -> set[str]:
    return {p.name for p in folder.iterdir()}


def _no_staging(parent: Path) -> None:
    left = [p.name for p in parent.iterdir() if ".partial-" in p.name or ".old-" in p.name]
    assert not left, left


def _one_line_error(capsys: pytest.CaptureFixture[str]) -> str:
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert len(err.strip().splitlines()) == 1, err
    return err.strip()


def test_rerun_with_no_plots_leaves_no_old_plots(tmp_path):
    out = tmp_path / "o"
    assert main([*RUN, "--out", str(out)]) == 0
    assert "share_met.png" in _files(out)
    (out / ".duties.png.abc.tmp").write_text("a temporary file of a killed earlier version")
    assert main([*RUN, "--out", str(out), "--no-plots"]) == 0
    manifest = json.loads((out / "manifest.json").read_text())
    assert _files(out) == set(manifest["files"]) | {"manifest.json"}
    assert not [n for n in _files(out) if n.endswith((".png", ".tmp"))]
    _no_staging(tmp_path)


def test_failed_run_leaves_the_old_folder_as_it_was(tmp_path, monkeypatch):
    out = tmp_path / "o"
    assert main([*RUN, "--out", str(out), "--no-plots"]) == 0
    before = {p.name: p.read_bytes() for p in out.iterdir()}

    def boom(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(api, "run_jobs", boom)
    assert main([*RUN, "--out", str(out), "--seed", "99"]) == 130
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    _no_staging(tmp_path)


def test_kill_during_plotting_keeps_the_old_folder_and_the_next_run_cleans_up(tmp_path):
    """kill -9 while the plots are written: the old folder is untouched; the killed run's
    staging folder (with a half-written PNG) is removed by the next run into the folder."""
    out = tmp_path / "o"
    assert main([*RUN, "--out", str(out), "--no-plots"]) == 0
    before = (out / "manifest.json").read_bytes()
    script = tmp_path / "killed.py"
    script.write_text(
        textwrap.dedent(f"""
        import os, signal, sys
        from pathlib import Path
        import cspsim.analysis.plots as plots
        from cspsim.cli.main import main

        def plot_run(frame, out, name):
            Path(out, ".duties.png.x1.tmp").write_bytes(b"half a png")
            os.kill(os.getpid(), signal.SIGKILL)

        plots.plot_run = plot_run
        sys.exit(main({[*RUN, "--out", str(out)]!r}))
    """)
    )
    env = os.environ | {"PYTHONPATH": str(REPO_DIR)}
    proc = subprocess.run(
        [sys.executable, str(script)], env=env, capture_output=True, timeout=TIMEOUT, check=False
    )
    assert proc.returncode == -signal.SIGKILL, proc.stderr
    assert (out / "manifest.json").read_bytes() == before
    assert "share_met.png" not in _files(out)
    (staging,) = [p for p in tmp_path.iterdir() if p.name.startswith(".o.partial-")]
    assert (staging / ".duties.png.x1.tmp").is_file()
    assert main([*RUN, "--out", str(out)]) == 0
    assert "share_met.png" in _files(out)
    assert not [n for n in _files(out) if n.endswith(".tmp")]
    _no_staging(tmp_path)


@pytest.mark.parametrize("command", ["run", "compare", "validate"])
def test_full_disk_while_writing_is_one_line_and_no_half_folder(
    tmp_path, capsys, monkeypatch, command
):
    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(io, "write_csv", full)  # every command writes a CSV table
    out = tmp_path / "o"
    argv = {
        "run": [*RUN, "--no-plots"],
        "compare": ["compare", CLEVELAND, CLEVELAND, "--replicates", "2", "--workers", "1"],
        "validate": ["validate", "--scenario", CLEVELAND, "--replicates", "1", "--draws", "5",
                     "--workers", "1", "--no-plots"],
    }[command]  # fmt: skip
    assert main([*argv, "--quiet", "--out", str(out)]) == 2
    err = _one_line_error(capsys)
    assert err.startswith(f"--out {out}: writing failed (No space left on device)"), err
    assert not out.exists()
    _no_staging(tmp_path)


def test_full_disk_while_calibrating_keeps_the_old_overlay(tmp_path, capsys, monkeypatch):
    out = tmp_path / "cal.toml"
    out.write_text("# the old overlay\n")
    real = Path.write_text

    def full(self, *args, **kwargs):
        if self.name.startswith(".cal.toml."):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real(self, *args, **kwargs)

    monkeypatch.setattr(Path, "write_text", full)
    argv = ["calibrate", "--scenario", CLEVELAND, "--points", "2", "--replicates", "1",
            "--max-iterations", "1", "--powell-evals", "0", "--workers", "1",
            "--quiet"]  # fmt: skip
    assert main([*argv, "--out", str(out)]) == 2
    assert "No space left on device" in _one_line_error(capsys)
    assert out.read_text() == "# the old overlay\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cal.toml"]


def _no_run(monkeypatch: pytest.MonkeyPatch) -> None:
    def ran(*args, **kwargs):
        raise AssertionError("a run started before --out was checked")

    monkeypatch.setattr(api, "run_jobs", ran)
    monkeypatch.setattr(api, "run_comparison", ran)


def _bad_outs(tmp_path: Path) -> dict[str, tuple[Path, str]]:
    """--out values that must be refused: (the path, the start of its error)."""
    (tmp_path / "a_file").write_text("x")
    foreign = tmp_path / "notes"
    foreign.mkdir()
    (foreign / "mine.txt").write_text("not a cspsim result")
    return {
        "file": (tmp_path / "a_file", "exists and is not a folder"),
        "under a file": (tmp_path / "a_file" / "o", f"{tmp_path / 'a_file'} is not a folder"),
        "foreign folder": (foreign, "is a folder that holds other files"),
        "proc": (Path("/proc/cspsim_out"), "cannot write in /proc"),
    }


@pytest.mark.parametrize(
    ("command", "case"),
    [
        (command, case)
        for command in ("run", "compare", "validate", "sensitivity")
        for case in ("file", "under a file", "foreign folder", "proc")
        # sensitivity writes into the folder it is given (its store is resumed there)
        if (command, case) != ("sensitivity", "foreign folder")
    ],
)
def test_bad_out_is_refused_before_any_run(tmp_path, capsys, monkeypatch, case, command):
    if case == "proc" and not Path("/proc/self").is_dir():
        pytest.skip("no /proc here")
    _no_run(monkeypatch)
    out, why = _bad_outs(tmp_path)[case]
    before = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*"))
    argv = {
        "run": RUN,
        "compare": ["compare", CLEVELAND, CLEVELAND, "--replicates", "2", "--quiet"],
        "validate": ["validate", "--scenario", CLEVELAND, "--quiet"],
        "sensitivity": ["sensitivity", str(REPO_DIR / "experiments" / "cleveland_tiny.toml")],
    }[command]
    assert main([*argv, "--out", str(out)]) == 2
    err = _one_line_error(capsys)
    if command == "sensitivity":  # written in place: checked by creating a file in it
        why = "cannot write there" if case == "proc" else why
        why = "cannot write there: Not a directory" if case == "under a file" else why
    assert err.startswith(f"--out {out}: {why}"), err
    assert sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*")) == before


def test_read_only_out_is_refused_before_any_run(tmp_path, capsys, monkeypatch):
    """A folder that cannot be written (chattr +i: root ignores permission bits)."""
    locked = tmp_path / "locked"
    locked.mkdir()
    if os.geteuid() == 0:
        if shutil.which("chattr") is None:
            pytest.skip("root, without chattr")
        proc = subprocess.run(["chattr", "+i", str(locked)], capture_output=True, check=False)
        if proc.returncode != 0:
            pytest.skip("chattr +i is not supported here")
    else:
        locked.chmod(0o555)
    try:
        _no_run(monkeypatch)
        assert main([*RUN, "--out", str(locked / "o")]) == 2
        err = _one_line_error(capsys)
        assert err.startswith(f"--out {locked / 'o'}: cannot write in {locked}: "), err
        assert not list(locked.iterdir())
    finally:
        if os.geteuid() == 0:
            subprocess.run(["chattr", "-i", str(locked)], check=False)
        locked.chmod(0o755)


def test_not_enough_free_space_is_refused_before_any_run(tmp_path, capsys, monkeypatch):
    _no_run(monkeypatch)
    usage = namedtuple("usage", "total used free")
    monkeypatch.setattr(shutil, "disk_usage", lambda path: usage(10**9, 10**9 - 1000, 1000))
    out = tmp_path / "deep" / "o"
    assert main([*RUN, "--out", str(out)]) == 2
    err = _one_line_error(capsys)
    assert err.startswith(f"--out {out}: needs about ") and err.endswith("has 1000 bytes free")
    assert not (tmp_path / "deep").exists()


def test_expected_size_grows_with_areas_quarters_and_replicates(tmp_path, monkeypatch):
    asked = []

    def spy(out, expected_bytes=0):
        asked.append(expected_bytes)
        raise io.OutputError("stop here")

    monkeypatch.setattr(io, "prepare_output", spy)
    for n in (1, 4):
        with pytest.raises(io.OutputError):
            cspsim.run(CLEVELAND, replicates=n, out=tmp_path / "o")
    model = api.check_buildable(api.load_scenario(CLEVELAND))
    per_run = len(model.sched.quarters) * len(model.geo.names) * api.SERIES_BYTES_PER_AREA
    assert asked == [per_run + io.FIXED_OUTPUT_BYTES, 4 * per_run + io.FIXED_OUTPUT_BYTES]


def test_api_replicate_cap_needs_force(tmp_path, monkeypatch):
    from cspsim.inputs.scenario import MAX_REPLICATES

    with pytest.raises(api.ArgumentError, match=r"at most 10,000 .*force to exceed"):
        cspsim.run(CLEVELAND, replicates=MAX_REPLICATES + 1)
    with pytest.raises(api.ArgumentError, match="max_replicates"):
        cspsim.compare([CLEVELAND, CLEVELAND], replicates=2, precision=0.01, max_replicates=10**6)

    class Reached(Exception):
        pass

    def reached(*args, **kwargs):
        raise Reached

    monkeypatch.setattr(api, "run_jobs", reached)
    with pytest.raises(Reached):  # past every check: the runs would start
        cspsim.run(CLEVELAND, replicates=MAX_REPLICATES + 1, force=True)


def test_force_lifts_the_replicate_cap_on_the_command_line(tmp_path, capsys, monkeypatch):
    seen = []

    def fake_run(*args, **kwargs):
        seen.append((args[1], kwargs["force"]))
        raise KeyboardInterrupt

    monkeypatch.setattr(api, "run", fake_run)
    assert main([*RUN, "--replicates", "20000", "--force", "--out", str(tmp_path / "o")]) == 130
    assert seen == [(20000, True)]


def test_force_lifts_the_cap_on_n(tmp_path):
    from cspsim.studies.sensitivity.experiment import ExperimentError, load_experiment
    from cspsim.studies.sensitivity.schema import MAX_N

    text = (REPO_DIR / "experiments" / "cleveland_tiny.toml").read_text(encoding="utf-8")
    big = 2 * MAX_N
    text = text.replace("\nN = 6\n", f"\nN = {big}\n").replace(
        'scenario = "../configs/cleveland.toml"', f'scenario = "{CLEVELAND}"'
    )
    path = tmp_path / "big.toml"
    path.write_text(text)
    with pytest.raises(ExperimentError, match="--force to go beyond"):
        load_experiment(path)
    loaded = load_experiment(path, force=True)
    assert big == loaded.spec.N


def test_sensitivity_reanalysis_without_plots_removes_the_old_plots(tmp_path):
    """The sensitivity folder is resumed in place (its store), so its report files are
    rewritten there: plots of an earlier analysis and a killed one's temporary files go."""
    out = tmp_path / "s"
    experiment = str(REPO_DIR / "experiments" / "cleveland_tiny.toml")
    assert main(["sensitivity", experiment, "--workers", "1", "--quiet", "--out", str(out)]) == 0
    assert [n for n in _files(out) if n.endswith(".png")]
    (out / ".indices.png.x1.tmp").write_bytes(b"half a png")
    assert main(["sensitivity", "--analyze-only", str(out), "--no-plots", "--quiet"]) == 0
    assert not [n for n in _files(out) if n.endswith((".png", ".tmp"))]
    manifest = json.loads((out / "manifest.json").read_text())
    assert {n.rstrip("/") for n in manifest["files"]} == _files(out) - {
        "manifest.json",
        "experiment.toml",
        "experiment.json",
    }


def test_a_real_full_disk_while_writing(tmp_path):
    """A real full disk: a 40 MB tmpfs (in a private mount namespace, so root only), filled
    once the run has passed its checks and started. Exit 2, one line, no half folder."""
    if os.geteuid() != 0 or shutil.which("unshare") is None:
        pytest.skip("needs root and unshare to mount a small tmpfs")
    probe = subprocess.run(["unshare", "-m", "true"], capture_output=True, timeout=30)
    if probe.returncode != 0:  # e.g. a container without the right to make namespaces
        pytest.skip("cannot make a private mount namespace here")
    disk = tmp_path / "disk"
    disk.mkdir()
    script = textwrap.dedent(f"""
        mount -t tmpfs -o size=40m tmpfs {disk} || exit 99
        {sys.executable} -m cspsim run {CONFIGS_DIR / "baseline.toml"} --replicates 2 \\
            --workers 1 --no-plots --quiet --out {disk}/o 2> {tmp_path}/err &
        pid=$!
        until ls -d {disk}/.o.partial-* > /dev/null 2>&1 || ! kill -0 $pid 2> /dev/null; do
            sleep 0.02
        done
        dd if=/dev/zero of={disk}/filler bs=64k 2> /dev/null
        wait $pid
        status=$?
        ls -A {disk} > {tmp_path}/left
        umount {disk}
        exit $status
    """)
    env = os.environ | {"PYTHONPATH": str(REPO_DIR)}
    proc = subprocess.run(
        ["unshare", "-m", "sh", "-c", script], env=env, capture_output=True, timeout=TIMEOUT,
        check=False,
    )  # fmt: skip
    if proc.returncode == 99:
        pytest.skip("cannot mount a tmpfs here")
    err = (tmp_path / "err").read_text()
    assert proc.returncode == 2, err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1, err
    assert "No space left on device" in err and "nothing was kept" in err
    assert (tmp_path / "left").read_text().split() == ["filler"]


def test_a_running_runs_staging_folder_is_left_alone(tmp_path):
    """Only staging folders whose process is gone are removed (two runs into one folder)."""
    out = tmp_path / "o"
    live = tmp_path / f".o.partial-{os.getpid()}-abc"  # this process: alive
    live.mkdir()
    assert main([*RUN, "--out", str(out), "--no-plots"]) == 0
    assert live.is_dir() and (out / "manifest.json").is_file()


def test_out_through_a_symlink_replaces_the_folder_it_points_to(tmp_path):
    real = tmp_path / "real"
    real.mkdir()
    link = tmp_path / "link"
    link.symlink_to(real)
    for _ in range(2):
        assert main([*RUN, "--out", str(link), "--no-plots"]) == 0
    assert link.is_symlink() and (real / "manifest.json").is_file()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["link", "real"]
