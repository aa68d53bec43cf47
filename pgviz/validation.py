"""Argument checks shared by every module: each raises before any work is done, naming the argument
and what is allowed (TypeError for the wrong kind of value, ValueError for a value out of range)."""

from __future__ import annotations

import numbers

import numpy as np


def check_real(value, name: str) -> float:
    """A finite real number (not a bool) as float."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {type(value).__name__} {value!r}")
    value = float(value)
    if not np.isfinite(value):
        raise ValueError(f"{name} must be finite, got {value}")
    return value


def check_positive(value, name: str) -> float:
    """A finite real number > 0 as float."""
    value = check_real(value, name)
    if value <= 0:
        raise ValueError(f"{name} must be > 0, got {value}")
    return value


def check_count(value, name: str, minimum: int = 1) -> int:
    """A whole number (not a bool) >= ``minimum`` as int."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer >= {minimum}, got {type(value).__name__} {value!r}")
    if value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value}")
    return int(value)


def check_rng(rng) -> np.random.Generator:
    """A ``numpy.random.Generator``: randomness always comes in explicitly."""
    if not isinstance(rng, np.random.Generator):
        raise TypeError(
            f"rng must be a numpy.random.Generator (e.g. numpy.random.default_rng(0)), got {type(rng).__name__}"
        )
    return rng
