"""SALib methods behind one plug-in shape: options, N rules, sampler, analyzer, index names.

Each method is a :class:`Method` in :data:`METHODS` (SALib's own layout: one sampler and one
analyzer per method). The glue adds what an experiment needs around SALib:

* which options a method takes and their defaults (unknown options are an error);
* which N a method accepts, checked before any run (Sobol' needs a power of 2, eFAST needs
  N > 4M², ...);
* how the design nests: for Sobol', Morris and DGSM the design is N *blocks* (a base sample
  and its radial steps; a trajectory) and the first k blocks are the design for k; for the
  given-data methods (RBD-FAST, PAWN, delta, on a Latin hypercube) a block is one row. eFAST
  designs do not nest, so they have no convergence table below N;
* seeds: always passed, and non-zero (SALib's ``analyze/sobol.py`` treats 0 as no seed).
  Several SALib analyzers reseed numpy's *global* generator, so :func:`analyze` restores its
  state afterwards and nothing else in the process is affected.
"""

from __future__ import annotations

import contextlib
import io
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

Problem = dict[str, Any]


@dataclass(frozen=True)
class Index:
    """One index a method reports: the SALib result key and its interval key (or None)."""

    name: str
    conf: str | None = None


@dataclass(frozen=True)
class Method:
    """A SALib method as the experiment glue sees it.

    Attributes:
        name: Name in experiment files.
        title: Name for people (plots, summaries).
        options: Option names and defaults (``resamples``/``conf_level`` are SALib's
            ``num_resamples``/``conf_level``).
        indices: Indices reported, in order; the first is the ranking index.
        nested: Whether the first k of N blocks form the design for k (convergence).
        groups: Whether SALib supports parameter groups for this method.
        min_N: Smallest N, as a function of the options.
        sample: ``(problem, N, options, seed) -> X``.
        analyze: ``(problem, X, Y, options, seed) -> SALib result dict``.
        exploration: An exploration design (Latin hypercube, factorial): it has no indices;
            the report summarises the outcomes (by policy) instead.
    """

    name: str
    title: str
    options: dict[str, Any]
    indices: tuple[Index, ...]
    nested: bool
    groups: bool
    min_N: Callable[[dict[str, Any]], int]
    sample: Callable[..., np.ndarray]
    analyze: Callable[..., dict]
    exploration: bool = False

    def n_problem(self, N: int, opts: dict[str, Any]) -> str | None:
        """Why N is not allowed for this method with these options, or None."""
        if self.name == "sobol" and (N < 4 or N & (N - 1)):
            lo = 1 << max(2, N.bit_length() - 1)
            return f"Sobol' needs N a power of 2 and at least 4 (got {N}); try {lo} or {2 * lo}"
        least = self.min_N(opts)
        if N < least:  # noqa: SIM300 - reads as the rule "N >= least"
            return f"{self.title} needs N >= {least} with these options (got {N})"
        return None


def _boot(opts: dict[str, Any]) -> dict[str, Any]:
    return {"num_resamples": opts["resamples"], "conf_level": opts["conf_level"]}


def _sobol_sample(problem: Problem, N: int, opts: dict, seed: int) -> np.ndarray:
    from SALib.sample import sobol

    return sobol.sample(problem, N, calc_second_order=opts["second_order"], seed=seed)


def _sobol_analyze(problem: Problem, X: np.ndarray, Y: np.ndarray, opts: dict, seed: int) -> dict:
    from SALib.analyze import sobol

    return sobol.analyze(
        problem, Y, calc_second_order=opts["second_order"], seed=seed, **_boot(opts)
    )


def _morris_sample(problem: Problem, N: int, opts: dict, seed: int) -> np.ndarray:
    from SALib.sample import morris

    return morris.sample(problem, N, num_levels=opts["num_levels"], seed=seed)


def _morris_analyze(problem: Problem, X: np.ndarray, Y: np.ndarray, opts: dict, seed: int) -> dict:
    from SALib.analyze import morris

    return morris.analyze(problem, X, Y, num_levels=opts["num_levels"], seed=seed, **_boot(opts))


def _efast_sample(problem: Problem, N: int, opts: dict, seed: int) -> np.ndarray:
    from SALib.sample import fast_sampler

    return fast_sampler.sample(problem, N, M=opts["M"], seed=seed)


def _efast_analyze(problem: Problem, X: np.ndarray, Y: np.ndarray, opts: dict, seed: int) -> dict:
    import warnings

    from SALib.analyze import fast

    with warnings.catch_warnings():  # the bootstrap caveat is stated in docs/SENSITIVITY.md
        warnings.simplefilter("ignore", UserWarning)
        return fast.analyze(problem, Y, M=opts["M"], seed=seed, **_boot(opts))


def _latin_sample(problem: Problem, N: int, opts: dict, seed: int) -> np.ndarray:
    from SALib.sample import latin

    return latin.sample(problem, N, seed=seed)


def _rbd_analyze(problem: Problem, X: np.ndarray, Y: np.ndarray, opts: dict, seed: int) -> dict:
    from SALib.analyze import rbd_fast

    return rbd_fast.analyze(problem, X, Y, M=opts["M"], seed=seed, **_boot(opts))


def _pawn_analyze(problem: Problem, X: np.ndarray, Y: np.ndarray, opts: dict, seed: int) -> dict:
    from SALib.analyze import pawn

    return pawn.analyze(problem, X, Y, S=opts["S"], seed=seed)


def _dgsm_sample(problem: Problem, N: int, opts: dict, seed: int) -> np.ndarray:
    from SALib.sample import finite_diff

    return finite_diff.sample(problem, N, delta=opts["delta"], seed=seed)


def _dgsm_analyze(problem: Problem, X: np.ndarray, Y: np.ndarray, opts: dict, seed: int) -> dict:
    from SALib.analyze import dgsm

    return dgsm.analyze(problem, X, Y, seed=seed, **_boot(opts))


def _delta_analyze(problem: Problem, X: np.ndarray, Y: np.ndarray, opts: dict, seed: int) -> dict:
    from SALib.analyze import delta

    # SALib's delta rejects parameter names with some suffixes (e.g. "_raw"): use positions.
    plain = {**problem, "names": [f"x{i}" for i in range(problem["num_vars"])]}
    return delta.analyze(plain, X, Y, seed=seed, **_boot(opts))


def _factorial_sample(problem: Problem, N: int, opts: dict, seed: int) -> np.ndarray:
    """Every combination of the levels (``problem["levels"]``, one list per variable), the
    last variable changing fastest."""
    import itertools

    return np.array(list(itertools.product(*problem["levels"])), dtype=float)


def _no_indices(problem: Problem, X: np.ndarray, Y: np.ndarray, opts: dict, seed: int) -> dict:
    raise ValueError("an exploration design has no sensitivity indices")


BOOT = {"resamples": 500, "conf_level": 0.95}
#: Options only the analyzer reads (the bootstrap): they change no run, so they are left out of
#: the design key and ``--analyze-only`` may change them.
ANALYSIS_OPTIONS = frozenset(BOOT)
METHODS: dict[str, Method] = {
    m.name: m
    for m in (
        Method(
            "sobol", "Sobol'", {**BOOT, "second_order": True},
            (Index("S1", "S1_conf"), Index("ST", "ST_conf"), Index("S2", "S2_conf")),
            nested=True, groups=True, min_N=lambda o: 4,
            sample=_sobol_sample, analyze=_sobol_analyze,
        ),
        Method(
            "morris", "Morris", {**BOOT, "num_levels": 4},
            (Index("mu_star", "mu_star_conf"), Index("mu"), Index("sigma")),
            nested=True, groups=True, min_N=lambda o: 2,
            sample=_morris_sample, analyze=_morris_analyze,
        ),
        Method(
            "efast", "eFAST", {**BOOT, "M": 4},
            (Index("ST", "ST_conf"), Index("S1", "S1_conf")),
            nested=False, groups=False, min_N=lambda o: 4 * o["M"] ** 2 + 1,
            sample=_efast_sample, analyze=_efast_analyze,
        ),
        Method(
            "rbd_fast", "RBD-FAST", {**BOOT, "M": 10},
            (Index("S1", "S1_conf"),),
            nested=True, groups=False, min_N=lambda o: 2 * o["M"] + 1,
            sample=_latin_sample, analyze=_rbd_analyze,
        ),
        Method(
            "pawn", "PAWN", {"S": 10},
            (Index("median"), Index("mean"), Index("minimum"), Index("maximum"), Index("CV")),
            nested=True, groups=False, min_N=lambda o: 2 * o["S"],
            sample=_latin_sample, analyze=_pawn_analyze,
        ),
        Method(
            "dgsm", "DGSM", {**BOOT, "delta": 0.01},
            (Index("dgsm", "dgsm_conf"), Index("vi", "vi_std")),
            nested=True, groups=False, min_N=lambda o: 2,
            sample=_dgsm_sample, analyze=_dgsm_analyze,
        ),
        Method(
            "delta", "Borgonovo delta", BOOT,
            (Index("delta_raw", "delta_raw_conf"), Index("delta_balanced", "delta_balanced_conf"),
             Index("S1", "S1_conf")),
            nested=True, groups=False, min_N=lambda o: 50,
            sample=_latin_sample, analyze=_delta_analyze,
        ),
        Method(
            "lhs", "Latin hypercube", {}, (), nested=False, groups=False, min_N=lambda o: 1,
            sample=_latin_sample, analyze=_no_indices, exploration=True,
        ),
        Method(
            "factorial", "Full factorial", {}, (), nested=False, groups=False,
            min_N=lambda o: 1, sample=_factorial_sample, analyze=_no_indices, exploration=True,
        ),
    )
}  # fmt: skip


def option_problems(method: Method, given: dict[str, Any]) -> list[tuple[str, str]]:
    """Problems with an experiment's ``[options]`` for a method, as (option, message)."""
    problems = []
    for key, value in given.items():
        if key not in method.options:
            allowed = ", ".join(method.options) or "none"
            problems.append((key, f"not an option of {method.name} (allowed: {allowed})"))
            continue
        kind = type(method.options[key])
        number = isinstance(value, int | float) and not isinstance(value, bool)
        if kind is bool and not isinstance(value, bool):
            problems.append((key, "must be true or false"))
        elif kind is int and (not number or value != int(value)):
            problems.append((key, "must be a whole number"))
        elif kind is float and not number:
            problems.append((key, "must be a number"))
        elif key == "conf_level" and not 0 < value < 1:
            problems.append((key, "must be between 0 and 1"))
        elif key == "num_levels" and (value < 2 or value % 2):
            problems.append((key, "must be an even number >= 2"))
        elif key in ("resamples", "M", "S") and value < 1:
            problems.append((key, "must be at least 1"))
        elif key == "delta" and not 0 < value < 1:
            problems.append((key, "must be between 0 and 1 (a relative step)"))
    return problems


def options_of(method: Method, given: dict[str, Any]) -> dict[str, Any]:
    """The method's options: its defaults, overridden by the experiment's (already checked)."""
    return {k: type(d)(given.get(k, d)) for k, d in method.options.items()}


def run_options(options: dict[str, Any]) -> dict[str, Any]:
    """The options that can change the design or the runs (all but :data:`ANALYSIS_OPTIONS`)."""
    return {k: v for k, v in options.items() if k not in ANALYSIS_OPTIONS}


def n_blocks(method: Method, N: int) -> int:
    """Number of blocks in a design of size N (1 for designs that do not nest)."""
    return N if method.nested else 1


@contextlib.contextmanager
def _quiet_global_rng() -> Iterator[None]:
    """Restore numpy's global generator after SALib analyzers that reseed it; swallow their
    console notices (they are returned in the result's ``notes`` where SALib keeps them)."""
    state = np.random.get_state()  # noqa: NPY002 - saved only to undo SALib's np.random.seed
    try:
        # Small sub-designs (convergence at N/4) make numpy warn about empty variances;
        # the resulting NaN intervals speak for themselves.
        with contextlib.redirect_stdout(io.StringIO()), warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            yield
    finally:
        np.random.set_state(state)  # noqa: NPY002


def analyze(
    method: Method, problem: Problem, X: np.ndarray, Y: np.ndarray, opts: dict, seed: int
) -> dict:
    """Run a method's analyzer with a non-zero seed and without side effects on np.random."""
    if seed == 0:
        raise ValueError("seed must be non-zero: SALib treats 0 as 'no seed'")
    with _quiet_global_rng(), np.errstate(all="ignore"):
        return method.analyze(problem, X, Y, opts, seed)


def sample(method: Method, problem: Problem, N: int, opts: dict, seed: int) -> np.ndarray:
    """Draw a method's design (rows = sample points, columns = SALib problem variables)."""
    if seed == 0:
        raise ValueError("seed must be non-zero")
    return method.sample(problem, N, opts, seed)
