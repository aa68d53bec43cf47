"""How many samples a Monte Carlo estimate needs for a given error (notebook 02).

The N-sample estimate of an unbiased estimator with single-sample variance Var has standard error
sqrt(Var/N) and is close to normal for large N, so |error| <= tolerance holds with probability
``level`` when z sqrt(Var/N) = tolerance, z = Phi^{-1}((1 + level)/2):

    N = z^2 Var / tolerance^2.

"One standard error" is z = 1, a probability of about 68%; 95% needs z = 1.96, about 3.84 times
as many samples.
"""

from __future__ import annotations

import math
import statistics

from pgviz.validation import check_in_range, check_positive

__all__ = ["z_value", "coverage", "samples_needed"]


def z_value(level: float) -> float:
    """z = Phi^{-1}((1 + level)/2): P(|Z| <= z) = level for a standard normal Z (0 < level < 1)."""
    level = check_in_range(level, "level", 0.0, 1.0, low_open=True, high_open=True)
    return statistics.NormalDist().inv_cdf((1 + level) / 2)


def coverage(num_standard_errors: float) -> float:
    """P(|Z| <= z) for z = ``num_standard_errors`` (> 0): 0.6827 for one SE, 0.9545 for two."""
    z = check_positive(num_standard_errors, "num_standard_errors")
    return math.erf(z / math.sqrt(2))


def samples_needed(variance: float, tolerance: float, level: float | None = None) -> float:
    """N = z^2 Var / tolerance^2: the sample count at which z standard errors equal ``tolerance``.

    ``level``: None for one standard error (z = 1, about 68% of estimates within the tolerance),
    else the probability that the error is within the tolerance (z from :func:`z_value`). Returns
    a float; round it up for a count.
    """
    variance = check_positive(variance, "variance")
    tolerance = check_positive(tolerance, "tolerance")
    z = 1.0 if level is None else z_value(level)
    return z**2 * variance / tolerance**2
