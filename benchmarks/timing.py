"""Timing helpers shared by the benchmark modules (``benchmarks/run.py`` puts this folder on sys.path)."""

from __future__ import annotations

import time

import numpy as np


def median_time(function, repeats: int = 7, warmup: bool = True) -> float:
    """Median wall-clock seconds of ``repeats`` calls of ``function()``, after one untimed warm-up
    call (which compiles SymPy expressions once, as a notebook does on first use) unless disabled."""
    if warmup:
        function()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return float(np.median(times))
