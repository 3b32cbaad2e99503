"""Our SALib glue recovers the known indices of the Ishigami function.

Each case goes through the whole plumbing (experiment file -> sample -> store -> evaluate
with a pluggable model function -> analyse), not through SALib alone.
"""

from __future__ import annotations

import textwrap

import numpy as np
import pandas as pd
import pytest

from cspsim.studies.sensitivity import analyze, load_experiment, make_executor, plan, sweep
from cspsim.studies.sensitivity.methods import METHODS
from cspsim.studies.sensitivity.methods import analyze as salib_analyze
from cspsim.studies.sensitivity.testfns import ISHIGAMI_S1, ISHIGAMI_ST


def ishigami_experiment(tmp_path, method: str, N: int, options: str = "", model="ishigami"):
    """Write an experiment on the Ishigami function and return its path."""
    path = tmp_path / f"{method}.toml"
    path.write_text(
        textwrap.dedent(f"""
        model = "cspsim.studies.sensitivity.testfns:{model}"
        method = "{method}"
        N = {N}
        seed = 11
        outcomes = ["y"]
        [parameters]
        x1 = {{ bounds = [-3.141592653589793, 3.141592653589793] }}
        x2 = {{ bounds = [-3.141592653589793, 3.141592653589793] }}
        x3 = {{ bounds = [-3.141592653589793, 3.141592653589793] }}
        [options]
        {options}
        """)
    )
    return path


def run_ishigami(tmp_path, method, N, options=""):
    """Run an Ishigami experiment in this process; return the analysis."""
    p = plan(load_experiment(ishigami_experiment(tmp_path, method, N, options)))
    out = tmp_path / method
    sweep(p, out, make_executor(p, workers=1))
    return analyze(p, out, plots=False)


def values(a, index: str) -> np.ndarray:
    """One index for x1, x2, x3 over the whole design."""
    sel = a.indices[(a.indices["index"] == index) & (a.indices["parameter_2"] == "")]
    return sel.set_index("parameter").loc[["x1", "x2", "x3"], "value"].to_numpy(float)


def test_sobol_recovers_ishigami(tmp_path):
    """Sobol' S1 and ST within 0.05 of the exact values; S2(x1, x3) is the only interaction."""
    a = run_ishigami(tmp_path, "sobol", 1024, "resamples = 100")
    assert a.complete
    np.testing.assert_allclose(values(a, "S1"), ISHIGAMI_S1, atol=0.05)
    np.testing.assert_allclose(values(a, "ST"), ISHIGAMI_ST, atol=0.05)
    s2 = a.indices[a.indices["index"] == "S2"].set_index(["parameter", "parameter_2"])["value"]
    assert s2[("x1", "x3")] == pytest.approx(0.2437, abs=0.07)
    assert abs(s2[("x1", "x2")]) < 0.05
    conf = a.indices[a.indices["index"] == "ST"]["conf"]
    assert (conf > 0).all() and (conf < 0.1).all()
    # Convergence table at N/4, N/2, N with interval widths that shrink.
    conv = a.convergence[(a.convergence["index"] == "ST") & (a.convergence["parameter"] == "x1")]
    assert list(conv["N"]) == [256, 512, 1024]
    assert conv["width"].iloc[-1] < conv["width"].iloc[0]


@pytest.mark.parametrize(
    ("method", "N", "index", "expected", "atol"),
    [
        ("efast", 1000, "S1", ISHIGAMI_S1, 0.05),
        ("efast", 1000, "ST", ISHIGAMI_ST, 0.06),
        ("rbd_fast", 1000, "S1", ISHIGAMI_S1, 0.06),
        ("delta", 600, "S1", ISHIGAMI_S1, 0.12),
    ],
)
def test_first_order_methods_recover_ishigami(tmp_path, method, N, index, expected, atol):
    """eFAST, RBD-FAST and delta's S1 agree with the exact values."""
    a = run_ishigami(tmp_path, method, N, "resamples = 30")
    np.testing.assert_allclose(values(a, index), expected, atol=atol)


@pytest.mark.parametrize(
    ("method", "N", "index"),
    [("morris", 100, "mu_star"), ("pawn", 1000, "median"), ("delta", 600, "delta_raw")],
)
def test_screening_methods_rank_ishigami(tmp_path, method, N, index):
    """Morris, PAWN and delta rank x3 (no first-order effect) below x1 and x2."""
    opts = "" if method == "pawn" else "resamples = 30"
    v = values(run_ishigami(tmp_path, method, N, opts), index)
    assert v[2] < min(v[0], v[1])


def test_dgsm_matches_analytic_derivatives(tmp_path):
    """DGSM's vi = E[(df/dxi)^2]: for Ishigami, E[(7 sin 2x2)^2] = 24.5 for x2."""
    a = run_ishigami(tmp_path, "dgsm", 2000, "resamples = 30")
    assert values(a, "vi")[1] == pytest.approx(24.5, rel=0.1)


def test_every_method_has_a_test_above():
    """The cases above cover every SALib method the experiment schema accepts (the
    exploration designs are tested in test_sensitivity_exploration.py)."""
    salib = {name for name, m in METHODS.items() if not m.exploration}
    assert salib == {"sobol", "morris", "efast", "rbd_fast", "pawn", "dgsm", "delta"}
    assert set(METHODS) - salib == {"lhs", "factorial"}


def test_analyzers_leave_global_rng_alone():
    """SALib analyzers that reseed np.random do not change the process's global state."""
    from SALib.sample import latin

    problem = {"num_vars": 2, "names": ["a", "b"], "bounds": [[0, 1], [0, 1]]}
    X = latin.sample(problem, 200, seed=3)
    Y = X[:, 0] + 0.1 * X[:, 1]
    before = np.random.get_state()[1].copy()  # noqa: NPY002 - the state is what is tested
    salib_analyze(METHODS["pawn"], problem, X, Y, {"S": 10}, seed=5)
    salib_analyze(
        METHODS["dgsm"], problem, X[:198], Y[:198], {"resamples": 10, "conf_level": 0.95}, 5
    )
    np.testing.assert_array_equal(np.random.get_state()[1], before)  # noqa: NPY002
    with pytest.raises(ValueError, match="non-zero"):
        salib_analyze(METHODS["pawn"], problem, X, Y, {"S": 10}, seed=0)


def test_indices_table_columns(tmp_path):
    """indices.csv has the documented columns."""
    a = run_ishigami(tmp_path, "morris", 10, "resamples = 10")
    written = pd.read_csv(tmp_path / "morris" / "indices.csv")
    for col in ("method", "outcome", "parameter", "index", "value", "conf"):
        assert col in written.columns
    assert len(written) == len(a.indices)


def test_sobol_groups_through_the_plumbing(tmp_path):
    """Groups: {x1, x2} against {x3}; ST of {x3} is x3's ST, S1 of {x1, x2} their joint."""
    path = ishigami_experiment(tmp_path, "sobol", 512, "resamples = 50")
    text = path.read_text()
    text = text.replace("3.141592653589793] }\nx3", '3.141592653589793], group = "x12" }\nx3')
    text = text.replace(
        "x1 = { bounds = [-3.141592653589793, 3.141592653589793] }",
        'x1 = { bounds = [-3.141592653589793, 3.141592653589793], group = "x12" }',
    )
    text = text.replace(
        "x3 = { bounds = [-3.141592653589793, 3.141592653589793] }",
        'x3 = { bounds = [-3.141592653589793, 3.141592653589793], group = "x3" }',
    )
    path.write_text(text)
    p = plan(load_experiment(path))
    assert p.design.problem()["groups"] == ["x12", "x12", "x3"]
    assert p.X.shape == (512 * (2 * 2 + 2), 3)  # Saltelli rows count groups, not parameters
    sweep(p, tmp_path / "g", make_executor(p, workers=1))
    a = analyze(p, tmp_path / "g", plots=False)
    st = a.indices[a.indices["index"] == "ST"].set_index("parameter")["value"]
    s1 = a.indices[a.indices["index"] == "S1"].set_index("parameter")["value"]
    assert st["x3"] == pytest.approx(ISHIGAMI_ST[2], abs=0.05)
    assert s1["x12"] == pytest.approx(ISHIGAMI_S1[0] + ISHIGAMI_S1[1], abs=0.05)


def test_verdict_rule():
    """Stable below the target; otherwise N scaled by (half-width / target)^2."""
    from cspsim.studies.sensitivity.analysis import verdict

    assert verdict(0.01, 512, 0.05) == "stable: CI half-width 0.01 below 0.05 at N=512"
    assert verdict(0.1, 100, 0.05).startswith("not converged: raise N to about 400 ")
    assert "about 1024 " in verdict(0.1, 200, 0.05, "sobol")  # 800 -> a power of 2
    assert verdict(float("nan"), 10, 0.05) == "no interval"


@pytest.mark.parametrize(("target", "stable"), [(10.0, True), (0.001, False)])
def test_convergence_verdicts(tmp_path, target, stable):
    """Every index with an interval gets a verdict at the full N: stable with a loose target,
    "not converged: raise N to about M" (M a power of 2 above N for Sobol') with a tight one."""
    path = ishigami_experiment(tmp_path, "sobol", 64, "resamples = 30\nsecond_order = false")
    path.write_text(f"convergence_target = {target}\n" + path.read_text())
    p = plan(load_experiment(path))
    sweep(p, tmp_path / "out", make_executor(p, workers=1))
    conv = analyze(p, tmp_path / "out", plots=False).convergence
    assert list(pd.read_csv(tmp_path / "out" / "convergence.csv").columns)[-1] == "verdict"
    final = conv[conv["N"] == 64]
    assert len(final) == 6 and (conv.loc[conv["N"] < 64, "verdict"] == "").all()
    if stable:
        assert final["verdict"].str.startswith("stable: CI half-width").all()
        assert final["verdict"].str.endswith("below 10 at N=64").all()
    else:
        wanted = final["verdict"].str.extract(r"^not converged: raise N to about (\d+) ")[0]
        assert wanted.notna().all()
        assert all(int(m) > 64 and int(m) & (int(m) - 1) == 0 for m in wanted)
