"""Which estimator has the lowest variance, value by value of k (notebook 03).

Mohamed et al. (2020) conclude that no estimator wins everywhere; these functions count where each
one does, from curves of single-sample variances such as those of
:func:`pgviz.studies.variance_study` and :func:`pgviz.measure_valued.measure_valued_study`.
"""

from __future__ import annotations

import numpy as np

from pgviz.validation import check_real_array

__all__ = ["lowest_estimator", "lowest_counts"]


def _stack(curves: dict) -> tuple[list, np.ndarray]:
    if not isinstance(curves, dict) or not curves:
        raise TypeError("curves must be a non-empty dict {estimator name: [K, P] variances}")
    names = list(curves)
    arrays = [check_real_array(curves[name], f"curves[{name!r}]", ndim=2) for name in names]
    if len({a.shape for a in arrays}) != 1:
        raise ValueError(f"curves must all have the same shape [K, P], got {[a.shape for a in arrays]}")
    return names, np.stack(arrays)  # [E, K, P]


def lowest_estimator(curves: dict) -> np.ndarray:
    """The name of the estimator with the lowest variance at each k and parameter: [K, P] (ties: the first)."""
    names, stacked = _stack(curves)
    return np.array(names, dtype=object)[stacked.argmin(axis=0)]


def lowest_counts(curves: dict) -> dict[str, list[int]]:
    """For each estimator, at how many of the K values it is the lowest, per parameter: {name: [P] counts}."""
    names, stacked = _stack(curves)
    lowest = stacked.argmin(axis=0)  # [K, P]
    return {name: (lowest == e).sum(axis=0).tolist() for e, name in enumerate(names)}
