"""pgviz.compiled: a jitted function computes what its Python source computes, and python_source
shows that source (what notebook 06 prints for rl.reinforce)."""

import inspect

import numpy as np

from pgviz import rl
from pgviz.compiled import jit, python_source


def running_total(values):
    total = 0.0
    out = np.empty_like(values)
    for i in range(values.shape[0]):
        total += values[i]
        out[i] = total
    return out


def test_jit_compiles_the_same_loop():
    compiled = jit(running_total)
    values = np.array([0.5, -1.25, 3.0, 2.0**-30])
    np.testing.assert_array_equal(compiled(values), running_total(values))  # sequential sums, same order
    assert compiled.py_func is running_total


def test_python_source_is_the_source_of_the_compiled_function():
    source = python_source(rl.reinforce)
    assert source == inspect.getsource(rl.reinforce.py_func)
    assert source.lstrip().startswith("@jit") and "def reinforce(" in source
    assert "G_t = R_{t+1} + γ G_{t+1}" in source  # the backward recursion, as the notebook shows it
    assert python_source(running_total) == inspect.getsource(running_total)  # plain functions too
