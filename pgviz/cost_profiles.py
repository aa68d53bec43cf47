"""A cost family f(x; k) and its derivative f'(x; k) on a grid, at a few k (notebook 03).

Mohamed et al. (2020) draw, under each variance figure, the cost and its derivative at three
values of k: the score function's variance follows the size of f, the pathwise estimator's the
size of f'. This module computes those curves from the SymPy expression of the family, so the
pictures and the estimators use the same f.
"""

from __future__ import annotations

import numpy as np
import sympy as sp

from pgviz.symbolic import numpy_function, x
from pgviz.validation import check_real_array

__all__ = ["cost_profiles"]


def cost_profiles(f, k_symbol: sp.Symbol, k_values, x_values) -> tuple[np.ndarray, np.ndarray]:
    """f(x; k) and df/dx(x; k) at every k of ``k_values`` [K] and x of ``x_values`` [X]: ([K, X], [K, X]).

    ``f``: a SymPy expression in :data:`pgviz.x` and ``k_symbol``; the derivative is SymPy's.
    """
    if not isinstance(k_symbol, sp.Symbol):
        raise TypeError(f"k_symbol must be a SymPy Symbol, got {type(k_symbol).__name__}")
    if not isinstance(f, sp.Expr) or f.free_symbols - {x, k_symbol}:
        raise ValueError("f must be a SymPy expression in pgviz.x and k_symbol only")
    k_values = check_real_array(k_values, "k_values", ndim=1)
    x_values = check_real_array(x_values, "x_values", ndim=1)
    grid_k, grid_x = k_values[:, None], x_values[None, :]
    values = numpy_function(f, (x, k_symbol))(grid_x, grid_k)
    derivatives = numpy_function(sp.diff(f, x), (x, k_symbol))(grid_x, grid_k)
    return np.array(values), np.array(derivatives)
