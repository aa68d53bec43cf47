"""Loops compiled with numba, read as plain Python.

The RL wing's inner loops (one step of an MDP, one episode, the book's REINFORCE) are written as
plain Python over NumPy arrays, top to bottom, as their pseudocode reads. :func:`jit` compiles
them with numba (``nopython`` mode, cached on disk, so the compile cost is paid once per
installation, not per kernel). numba runs the same source: with the environment variable
``NUMBA_DISABLE_JIT=1`` every such function runs as the plain Python it is, and the tests check
that the two give the same numbers on the same random stream.
"""

from __future__ import annotations

import inspect

import numba

__all__ = ["jit", "python_source"]


def jit(function):
    """``function`` compiled by numba in nopython mode, with its machine code cached on disk."""
    return numba.njit(cache=True)(function)


def python_source(function) -> str:
    """The Python source of a function, compiled by :func:`jit` or not (what a notebook shows)."""
    return inspect.getsource(getattr(function, "py_func", function))
