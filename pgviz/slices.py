"""What the score is the gradient of, drawn: log p(x_t; theta) along one parameter (notebook 01).

For a sampled action x_t held fixed, theta -> log p(x_t; theta) is an ordinary function of the
parameters; the score d/dtheta_j log p(x_t; theta) is its slope, and a step along it raises
p(x_t). These functions give the curve, its tangent at the current parameters, and the slope by
central finite differences (an independent check of the SymPy score).
"""

from __future__ import annotations

import numpy as np

from pgviz.distributions import Distribution
from pgviz.validation import check_index, check_positive, check_real, check_real_array

__all__ = ["log_prob_slice", "tangent_slice", "finite_difference_score"]


def _check(dist, x_value, param):
    if not isinstance(dist, Distribution):
        raise TypeError(f"dist must be a pgviz Distribution, got {type(dist).__name__}")
    x_value = check_real(x_value, "x_value")
    dist.log_prob([x_value])  # ValueError naming x when x_value is outside the support
    if isinstance(param, str):
        if param not in dist.param_names:
            raise ValueError(f"param must be one of {dist.param_names} or an index, got {param!r}")
        param = dist.param_names.index(param)
    return x_value, check_index(param, "param", dist.num_params)


def log_prob_slice(dist: Distribution, x_value: float, param, values) -> np.ndarray:
    """log p(x_value; theta) with parameter ``param`` set to each of ``values`` [G], the others as
    in ``dist``: [G]. ``param``: a name of ``dist.param_names`` or an index. Notebook 01."""
    x_value, j = _check(dist, x_value, param)
    values = check_real_array(values, "values", ndim=1)
    theta = dist.param_vector
    out = np.empty(values.size)
    for i, value in enumerate(values):
        theta[j] = value
        out[i] = dist.with_params(theta).log_prob([x_value])[0]
    return out


def tangent_slice(dist: Distribution, x_value: float, param, values) -> np.ndarray:
    """The tangent of :func:`log_prob_slice` at the current parameters:
    log p(x; theta) + s_j(x) (v - theta_j) for each v in ``values`` [G]: [G]."""
    x_value, j = _check(dist, x_value, param)
    values = check_real_array(values, "values", ndim=1)
    level = dist.log_prob([x_value])[0]
    slope = dist.score([x_value])[0, j]
    return level + slope * (values - dist.param_vector[j])


def finite_difference_score(dist: Distribution, x_value: float, step: float = 1e-5) -> np.ndarray:
    """(log p(x; theta + h e_j) - log p(x; theta - h e_j)) / (2h) for each parameter j: [P].

    Computed from ``log_prob`` alone, so it checks the score SymPy derived (error O(h^2)).
    """
    x_value, _ = _check(dist, x_value, 0)
    step = check_positive(step, "step")
    theta = dist.param_vector
    out = np.empty(dist.num_params)
    for j in range(dist.num_params):
        up, down = theta.copy(), theta.copy()
        up[j] += step
        down[j] -= step
        difference = dist.with_params(up).log_prob([x_value])[0] - dist.with_params(down).log_prob([x_value])[0]
        out[j] = difference / (2 * step)
    return out
