"""Survey answer model: continuous state mapped onto the 2009 survey's answer categories.

A respondent reads a latent value from its CSP's state (an engagement, the unmet share of
demand, an evidence score ...), adds its own reading error ``N(0, sd)`` and answers the
category whose threshold interval contains the result (an ordered-probit model). The
thresholds and ``sd`` are registry parameters, the same for every authority type. With
``sd = 0`` every respondent reads the state exactly and the answer is a step function. The
categories themselves are named in :mod:`cspsim.inputs.questions`.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from scipy.special import ndtr


def category(latent: np.ndarray, thresholds: npt.ArrayLike) -> np.ndarray:
    """Index of the answer category of each latent value read exactly (``sd = 0``).

    Args:
        latent: Latent values.
        thresholds: Lowest latent value of categories 1..K-1, ascending.
    """
    return np.searchsorted(np.maximum.accumulate(np.asarray(thresholds, float)), latent, "right")


def answer_probabilities(latent: np.ndarray, thresholds: npt.ArrayLike, sd: float) -> np.ndarray:
    """Probability of each answer category for each latent value (ordered probit).

    P(category >= k) = Phi((latent - t_k) / sd). Thresholds out of order are read as their
    running maximum, so a category squeezed to nothing gets probability 0.

    Args:
        latent: Shape (n,); NaN where the question does not apply (row of NaN returned).
        thresholds: K-1 thresholds for K categories, ascending.
        sd: Reading error (>= 0); 0 gives one-hot rows (see :func:`category`).

    Returns:
        Array (n, K), rows summing to 1.
    """
    x = np.asarray(latent, dtype=float)
    t = np.maximum.accumulate(np.asarray(thresholds, dtype=float))
    k = len(t) + 1
    out: np.ndarray
    if sd <= 0:
        out = np.eye(k)[category(np.nan_to_num(x), t)]
    else:
        with np.errstate(over="ignore"):  # a tiny sd gives +-inf: Phi is then 0 or 1
            at_least = ndtr((x[:, None] - t[None, :]) / sd)  # (n, K-1), non-increasing in k
        upper = np.concatenate([np.ones((len(x), 1)), at_least], axis=1)
        lower = np.concatenate([at_least, np.zeros((len(x), 1))], axis=1)
        out = upper - lower
    out[np.isnan(x)] = np.nan
    return out


def evidence_score(
    analyst: np.ndarray, partner_engagement: np.ndarray, weight: float
) -> np.ndarray:
    """How far a CSP can base decisions on evidence, in [0, 1].

    A dedicated analyst (share of the year with one) and partners' mean strategic engagement
    (their data and attention), weighted ``weight`` : ``1 - weight``.
    """
    return weight * np.asarray(analyst, float) + (1.0 - weight) * np.asarray(partner_engagement)


def total_variation(p: np.ndarray, q: np.ndarray) -> float:
    """Total variation distance between two distributions given as shares (summing to 1)."""
    return 0.5 * float(np.abs(np.asarray(p, float) - np.asarray(q, float)).sum())
