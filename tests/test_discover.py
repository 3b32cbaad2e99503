"""Scenario discovery (`cspsim discover`, :mod:`cspsim.studies.discovery`) on small sweeps."""

from __future__ import annotations

import textwrap

import numpy as np
import pandas as pd
import pytest

from cspsim.cli.main import main
from cspsim.studies.discovery import DiscoveryError, discover
from cspsim.studies.results import LoadError, load_sweep, sweep

# y = x1 + 2 x2 + 3 x3 + noise(0.1) on the unit cube: y > 4.2 happens only for large x3 and x2.
LINEAR = """
model = "cspsim.studies.sensitivity.testfns:noisy_linear"
method = "rbd_fast"
N = 400
seed = 11
outcomes = ["y"]
[parameters]
x1 = { bounds = [0, 1] }
x2 = { bounds = [0, 1] }
x3 = { bounds = [0, 1] }
"""


@pytest.fixture(scope="module")
def linear_sweep(tmp_path_factory):
    folder = tmp_path_factory.mktemp("linear")
    path = folder / "exp.toml"
    path.write_text(textwrap.dedent(LINEAR))
    return sweep(path, folder / "out", workers=1, analyze=False).folder


def _inside(x: pd.DataFrame, limits: pd.DataFrame) -> np.ndarray:
    keep = np.ones(len(x), bool)
    for _, r in limits.iterrows():
        keep &= (x[r["factor"]] >= r["lower"]).to_numpy() & (
            x[r["factor"]] <= r["upper"]
        ).to_numpy()
    return keep


def test_prim_box_matches_its_own_limits(linear_sweep, tmp_path):
    """The first box's coverage and density are those of the points inside its stated ranges,
    and it restricts x3 from below (the factor with the largest effect)."""
    found = discover(linear_sweep, "y", above=4.2, out=tmp_path / "d")
    x, ys = load_sweep(linear_sweep).to_ema(["y"])
    cases = ys["y"] > 4.2
    assert found.points == len(x) == 400 and found.cases == int(cases.sum())
    box = found.boxes.iloc[0]
    inside = _inside(x, found.limits[found.limits["box"] == 1])
    assert box["n"] == inside.sum()
    assert box["coverage"] == pytest.approx(cases[inside].sum() / cases.sum())
    assert box["density"] == pytest.approx(cases[inside].mean())
    assert box["density"] >= 0.8
    x3 = found.limits[(found.limits["box"] == 1) & (found.limits["factor"] == "x3")].iloc[0]
    assert x3["lower"] > 0.4 and x3["upper"] == pytest.approx(x3["full_upper"])
    chosen = found.trajectory[found.trajectory["chosen"]]
    assert list(chosen["box"]) == list(found.boxes["box"])
    for name in ["prim_trajectory.csv", "prim_boxes.csv", "prim_limits.csv", "summary.md",
                 "prim_trajectory.png", "prim_box_1.png", "manifest.json"]:  # fmt: skip
        assert (tmp_path / "d" / name).is_file(), name
    assert "| x3 |" in (tmp_path / "d" / "summary.md").read_text()


def test_below_selects_the_other_side(linear_sweep):
    """--below finds small x3 (and CART agrees on the densest leaf restricting x3)."""
    found = discover(linear_sweep, "y", below=1.5, cart=True)
    x3 = found.limits[(found.limits["box"] == 1) & (found.limits["factor"] == "x3")].iloc[0]
    assert x3["lower"] == pytest.approx(x3["full_lower"]) and x3["upper"] < 0.6
    assert found.cart is not None and "x3" in found.cart.iloc[0]["ranges"]
    again = discover(linear_sweep, "y", below=1.5, cart=True)  # CART's ties are seeded
    pd.testing.assert_frame_equal(again.cart, found.cart)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"outcome": "yy", "below": 1.0}, "unknown outcome 'yy': did you mean y?"),
        ({"outcome": "y", "below": -5.0}, "selects no design point"),
        ({"outcome": "y", "above": -5.0}, "selects every design point"),
        ({"outcome": "y"}, "exactly one of --below X or --above X"),
    ],
)
def test_questions_that_do_not_fit(linear_sweep, kwargs, message):
    with pytest.raises(DiscoveryError, match=message.replace("?", r"\?")):
        discover(linear_sweep, **kwargs)


def test_cli_discover(linear_sweep, tmp_path, capsys):
    """Writes the default folder and prints the summary; errors are one line and exit 2."""
    assert main(["discover", str(linear_sweep), "--outcome", "y", "--above", "4.2",
                 "--no-plots"]) == 0  # fmt: skip
    out = capsys.readouterr().out
    assert "## Box 1: coverage" in out
    assert (linear_sweep / "discover" / "y-above-4.2" / "prim_limits.csv").is_file()
    assert main(["discover", str(linear_sweep), "--outcome", "why", "--below", "1"]) == 2
    assert "unknown outcome 'why'" in capsys.readouterr().err
    assert main(["discover", str(tmp_path), "--outcome", "y", "--below", "1"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.endswith("not a sweep folder (no store/manifest.json and experiment.json)")
    assert "\n" not in err


def test_not_a_sweep(tmp_path):
    with pytest.raises(LoadError, match="not a sweep folder"):
        discover(tmp_path, "y", below=1)


def test_failed_points_are_left_out_with_a_note(tmp_path):
    """Design points with a failed run have no mean: PRIM sees the others, and a note says so."""
    path = tmp_path / "exp.toml"
    path.write_text(
        textwrap.dedent(LINEAR)
        .replace("noisy_linear", "ishigami_failing")
        .replace("x1 = { bounds = [0, 1] }", "x1 = { bounds = [0, 3] }")
    )
    folder = sweep(path, tmp_path / "out", workers=1, analyze=False).folder
    found = discover(folder, "y", above=5.0)
    failed = int((~load_sweep(folder).outcomes["ok"]).sum())
    assert failed > 0 and found.points == 400 - failed
    assert any(n.startswith(f"{failed} design points left out") for n in found.notes)
