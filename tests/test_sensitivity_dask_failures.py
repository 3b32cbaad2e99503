"""A Dask sweep whose cluster fails: unusable scheduler addresses fail fast with one line
(exit 2); a lost worker's tasks rerun on the next worker; a lost scheduler stops the sweep
with exit 3, a --resume hint and the finished chunks kept. Everything on 127.0.0.1."""

from __future__ import annotations

import socket
import textwrap
import threading
import time

import pandas as pd
import pytest

from cspsim.cli.main import main
from cspsim.studies.sensitivity.store import Store

# Imported before any dask.config.set: distributed adds its defaults to dask's config on
# import, and a config.set block that saw the import would drop them on exit.
distributed = pytest.importorskip("distributed")

EXPERIMENT = """
model = "cspsim.studies.sensitivity.testfns:ishigami_slow"
method = "sobol"
N = 16
seed = 5
outcomes = ["y"]
runs_per_task = 4
[parameters]
x1 = { bounds = [-3.14159, 3.14159] }
x2 = { bounds = [-3.14159, 3.14159] }
x3 = { bounds = [-3.14159, 3.14159] }
[options]
resamples = 10
"""


@pytest.fixture
def exp(tmp_path):
    path = tmp_path / "exp.toml"
    path.write_text(textwrap.dedent(EXPERIMENT))
    return path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cluster(n_workers: int = 1):
    return distributed.LocalCluster(n_workers=n_workers, threads_per_worker=1, processes=False,
                        host="127.0.0.1", protocol="tcp://", dashboard_address=None)  # fmt: skip


def sweep(exp, out, address) -> int:
    return main(["sensitivity", str(exp), "--scheduler", address, "--out", str(out),
                 "--quiet", "--no-plots"])  # fmt: skip


def chunks(out) -> int:
    return len(list((out / "store").glob("chunk-*.parquet")))


def when_chunks(out, n: int, action) -> threading.Thread:
    """Call ``action`` in a thread once the store holds ``n`` chunks."""

    def watch() -> None:
        deadline = time.monotonic() + 20
        while chunks(out) < n and time.monotonic() < deadline:
            time.sleep(0.01)
        action()

    thread = threading.Thread(target=watch, daemon=True)
    thread.start()
    return thread


@pytest.mark.parametrize("address", ["notaurl", "http://127.0.0.1:1", "tcp://127.0.0.1"])
def test_not_an_address(exp, tmp_path, capsys, address):
    t0 = time.monotonic()
    assert sweep(exp, tmp_path / "o", address) == 2
    err = capsys.readouterr().err.strip()
    assert (
        err == f"--scheduler {address}: not a scheduler address ('{address}'; expected "
        "tcp://HOST:PORT)"
    )
    assert time.monotonic() - t0 < 10


def test_nothing_listening_cannot_connect(exp, tmp_path, capsys):
    address = f"tcp://127.0.0.1:{free_port()}"
    t0 = time.monotonic()
    assert sweep(exp, tmp_path / "o", address) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith(f"--scheduler {address}: cannot connect")
    assert time.monotonic() - t0 < 10


@pytest.mark.parametrize("reply", [b"HTTP/1.1 400 Bad Request\r\n\r\n", b""])
def test_not_a_dask_scheduler(exp, tmp_path, capsys, reply):
    """Something else listens on the port (talking, or silent): not "cannot connect", and
    within 10 s."""
    import dask

    with socket.socket() as srv:
        srv.bind(("127.0.0.1", 0))
        srv.listen()
        conns = []

        def serve() -> None:
            while True:
                try:
                    conn, _ = srv.accept()
                except OSError:
                    return
                conns.append(conn)
                conn.sendall(reply)

        threading.Thread(target=serve, daemon=True).start()
        address = f"tcp://127.0.0.1:{srv.getsockname()[1]}"
        t0 = time.monotonic()
        with dask.config.set({"distributed.comm.timeouts.connect": "2s"}):
            assert sweep(exp, tmp_path / "o", address) == 2
        assert time.monotonic() - t0 < 10
        for conn in conns:
            conn.close()
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "does not answer as a Dask scheduler" in err[0], err
    assert "cannot connect" not in err[0]


def test_scheduler_without_workers(exp, tmp_path, capsys):
    import dask

    with cluster(n_workers=0) as c, dask.config.set({"distributed.comm.timeouts.connect": "2s"}):
        t0 = time.monotonic()
        assert sweep(exp, tmp_path / "o", c.scheduler_address) == 2
        assert time.monotonic() - t0 < 10
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "connected but no workers" in err[0], err
    assert "cannot connect" not in err[0]


def test_lost_scheduler_stops_with_resume_hint(exp, tmp_path, capsys):
    """The cluster closes mid-sweep: exit 3, a --resume hint, finished chunks kept; resuming
    on a new cluster completes a sweep equal to a local one."""
    import dask

    out = tmp_path / "o"
    with dask.config.set({"distributed.comm.timeouts.connect": "2s"}):
        c = cluster()
        try:
            when_chunks(out, 3, c.close)
            assert sweep(exp, out, c.scheduler_address) == 3
        finally:
            c.close()
        err = capsys.readouterr().err
        assert "--resume" in err and "Traceback" not in err and "lost" in err
        kept = chunks(out)
        assert 3 <= kept < 32
        with cluster() as again:
            assert main(["sensitivity", str(exp), "--scheduler", again.scheduler_address,
                         "--out", str(out), "--resume", "--quiet", "--no-plots"]) == 0  # fmt: skip
    local = tmp_path / "local"
    assert main(["sensitivity", str(exp), "--out", str(local), "--workers", "1", "--quiet",
                 "--no-plots"]) == 0  # fmt: skip
    pd.testing.assert_frame_equal(Store(out / "store").read(), Store(local / "store").read())


def test_lost_worker_tasks_rerun_on_a_new_worker(exp, tmp_path):
    """The only worker goes away mid-sweep and another joins: the sweep completes."""
    out = tmp_path / "o"
    with cluster() as c:

        def replace_worker() -> None:
            c.scale(0)
            time.sleep(0.5)
            c.scale(1)

        thread = when_chunks(out, 3, replace_worker)
        assert sweep(exp, out, c.scheduler_address) == 0
        thread.join(5)
    assert chunks(out) == 32
    assert Store(out / "store").read()["ok"].all()
