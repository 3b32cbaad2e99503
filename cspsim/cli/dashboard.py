"""``cspsim dashboard``: start the trainer dashboard (a Solara server) and print its address.

Registered by :mod:`cspsim.cli.main`. The server runs ``cspsim/dashboard/app.py`` with
``solara run`` in a child process (production mode unless ``--dev``), on 127.0.0.1 by default; the
scenario reaches the page through the ``CSPSIM_DASHBOARD_SCENARIO`` environment variable.
Ctrl+C stops it.
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING

import cspsim.dashboard
from cspsim.cli.common import UserError, scenario_path
from cspsim.dashboard.assets import missing_assets
from cspsim.inputs.scenario import ScenarioError, load_scenario

if TYPE_CHECKING:
    from cspsim.cli.common import Subparsers

APP = Path(cspsim.dashboard.__file__).resolve().parent / "app.py"
DEFAULT_PORT = 8765
READY_TIMEOUT_S = 60.0


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port that is free on ``host`` right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


def server_command(host: str, port: int, dev: bool = False) -> list[str]:
    """The ``solara run`` command line for the dashboard."""
    cmd = [sys.executable, "-m", "solara", "run", str(APP), "--host", host, "--port", str(port)]
    cmd += ["--no-open", "--log-level", "warning"]
    return cmd if dev else [*cmd, "--production"]


def server_env(scenario: Path, base: dict[str, str] | None = None) -> dict[str, str]:
    """Environment for the server: the scenario, and no telemetry or banner."""
    env = dict(os.environ if base is None else base)
    env["CSPSIM_DASHBOARD_SCENARIO"] = str(scenario.resolve())
    env.setdefault("SOLARA_TELEMETRY_MIXPANEL_ENABLE", "False")
    env.setdefault("SOLARA_THEME_SHOW_BANNER", "False")
    env.setdefault("PYTHONWARNINGS", "ignore::UserWarning")
    env.setdefault("REACTON_FAST", "1")  # faster redraws (see cspsim/dashboard/app.py)
    return env


def port_in_use(host: str, port: int) -> bool:
    """True if ``host:port`` cannot be bound now (another server holds it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        # Solara's server (uvicorn) sets SO_REUSEADDR too, so a port left in TIME_WAIT by a
        # stopped server counts as free, as it would for the server itself.
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError:
            return True
    return False


def wait_until_listening(host: str, port: int, proc: subprocess.Popen, timeout: float) -> bool:
    """True once ``host:port`` accepts connections; False if ``proc`` ends or time runs out."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            return False
        try:
            with socket.create_connection((host, port), timeout=0.5):
                return True
        except OSError:
            time.sleep(0.2)
    return False


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def cmd_dashboard(args: argparse.Namespace) -> int:
    """Validate the scenario, start the server, print its address and wait for Ctrl+C."""
    if args.port is not None and not 0 <= args.port <= 65535:
        raise UserError("--port must be between 0 and 65535 (0 = any free port)")
    scenario = Path(scenario_path(args.scenario))
    try:
        load_scenario(scenario)
    except ScenarioError as exc:
        raise UserError("\n".join(exc.problems)) from None
    port = args.port if args.port else free_port(args.host) if args.port == 0 else DEFAULT_PORT
    if port_in_use(args.host, port):  # at once: a late failure would point at the other server
        raise UserError(f"port {port} is in use; try --port 0")
    missing = missing_assets()
    if missing:
        print(
            "warning: the page's browser files are missing ("
            + ", ".join(a.folder for a in missing)
            + "); run ./scripts/bootstrap.sh, or the server must reach cdn.jsdelivr.net",
            file=sys.stderr,
        )
    # SIGTERM (e.g. from a test's teardown) stops the server like Ctrl+C does.
    signal.signal(signal.SIGTERM, _interrupt)
    proc = subprocess.Popen(server_command(args.host, port, args.dev), env=server_env(scenario))
    try:
        if not wait_until_listening(args.host, port, proc, READY_TIMEOUT_S):
            proc.terminate()
            raise UserError(
                f"the dashboard server did not start on {args.host}:{port} "
                "(is the port in use? try --port 0)"
            )
        url = f"http://{args.host}:{port}/"
        print(f"cspsim dashboard: {url}  (scenario {scenario}; Ctrl+C to stop)", flush=True)
        return proc.wait()
    except KeyboardInterrupt:
        return 0
    finally:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()


def add_parser(subparsers: Subparsers) -> None:
    """Register ``cspsim dashboard`` (called by ``cspsim.cli.main``)."""
    d = subparsers.add_parser("dashboard", help="start the trainer dashboard in the browser")
    d.add_argument(
        "--scenario",
        default="cleveland",
        help="scenario file or shipped scenario name to open (default: cleveland)",
    )
    d.add_argument("--host", default="127.0.0.1", help="address to listen on (127.0.0.1)")
    d.add_argument(
        "--port", type=int, default=None, help=f"port ({DEFAULT_PORT}; 0 = any free port)"
    )
    d.add_argument("--dev", action="store_true", help="development mode (reload on edits)")
    d.set_defaults(func=cmd_dashboard)
