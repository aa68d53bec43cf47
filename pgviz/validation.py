"""Argument checks shared by every module: each raises before any work is done, naming the argument
and what is allowed (TypeError for the wrong kind of value, ValueError for a value out of range).

This is the lowest layer of pgviz: it imports nothing from the package, and every public function
checks its arguments with these helpers rather than by hand.
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence

import numpy as np

__all__ = [
    "check_real",
    "check_positive",
    "check_in_range",
    "check_count",
    "check_index",
    "check_bool",
    "check_choice",
    "check_rng",
    "check_real_array",
    "check_callable",
]


def _is_real(value) -> bool:
    """A real number that is not a bool (numpy scalars count; complex numbers do not)."""
    return not isinstance(value, (bool, np.bool_)) and isinstance(value, numbers.Real)


def check_real(value, name: str) -> float:
    """A finite real number (not a bool) as float."""
    if not _is_real(value):
        raise TypeError(f"{name} must be a real number, got {type(value).__name__} {value!r}")
    try:
        value = float(value)
    except OverflowError:  # a Python int beyond float range
        raise ValueError(f"{name} must be a finite real number, got an integer beyond float range") from None
    if not np.isfinite(value):
        raise ValueError(f"{name} must be finite, got {value}")
    return value


def check_positive(value, name: str) -> float:
    """A finite real number > 0 as float."""
    value = check_real(value, name)
    if value <= 0:
        raise ValueError(f"{name} must be > 0, got {value}")
    return value


def check_in_range(value, name: str, low: float, high: float, low_open: bool = False, high_open: bool = False) -> float:
    """A finite real number in [low, high] (an end excluded when ``low_open``/``high_open``) as float."""
    value = check_real(value, name)
    below = value <= low if low_open else value < low
    above = value >= high if high_open else value > high
    if below or above:
        interval = f"{'(' if low_open else '['}{low:g}, {high:g}{')' if high_open else ']'}"
        raise ValueError(f"{name} must be in {interval}, got {value!r}")
    return value


def check_count(value, name: str, minimum: int = 1, maximum: int | None = None) -> int:
    """A whole number (not a bool) in [minimum, maximum] as int."""
    allowed = f"an integer >= {minimum}" + ("" if maximum is None else f" and <= {maximum:,}")
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be {allowed}, got {type(value).__name__} {value!r}")
    if value < minimum or (maximum is not None and value > maximum):
        raise ValueError(f"{name} must be {allowed}, got {value}")
    return int(value)


def check_index(value, name: str, size: int) -> int:
    """An index in [0, size) as int."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer index in [0, {size}), got {type(value).__name__} {value!r}")
    if not 0 <= value < size:
        raise ValueError(f"{name} must be an integer index in [0, {size}), got {value}")
    return int(value)


def check_bool(value, name: str) -> bool:
    """True or False (not 0/1, not a string)."""
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be True or False, got {type(value).__name__} {value!r}")
    return bool(value)


def check_choice(value, name: str, choices: Sequence):
    """One of ``choices`` (compared by equality; a value that cannot be compared is refused)."""
    if isinstance(value, (list, dict, set, np.ndarray)) or value not in tuple(choices):
        raise ValueError(f"{name} must be one of {tuple(choices)}, got {value!r}")
    return value


def check_rng(rng, name: str = "rng") -> np.random.Generator:
    """A ``numpy.random.Generator``: randomness always comes in explicitly."""
    if not isinstance(rng, np.random.Generator):
        raise TypeError(
            f"{name} must be a numpy.random.Generator (e.g. numpy.random.default_rng(0)), got {type(rng).__name__}"
        )
    return rng


def check_real_array(value, name: str, ndim: int | None = None, finite: bool = True) -> np.ndarray:
    """An array of real numbers as float (a copy only when needed): no strings, complex numbers,
    bools or objects, and (with ``finite``) no NaN or infinity; ``ndim`` fixes the dimension."""
    if isinstance(value, (str, bytes, dict, set)) or value is None:
        raise TypeError(f"{name} must be an array of real numbers, got {type(value).__name__}")
    try:
        raw = np.asarray(value)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be an array of real numbers (equal-length rows)") from None
    if raw.dtype == bool or raw.dtype.kind not in "iuf":
        if raw.dtype.kind != "O":
            raise TypeError(f"{name} must be an array of real numbers, got dtype {raw.dtype}")
        # Python ints beyond int64, or mixed objects: every entry must be a real number itself.
        if not all(_is_real(item) for item in raw.ravel()):
            raise TypeError(f"{name} must be an array of real numbers (no None, bools, text or complex numbers)")
        try:
            raw = np.array(raw.tolist(), dtype=float)
        except OverflowError:
            raise ValueError(f"{name} must hold numbers within float range (about 1.8e308)") from None
    array = raw.astype(float, copy=False)
    if ndim is not None and array.ndim != ndim:
        raise ValueError(f"{name} must be a {ndim}-d array, got shape {array.shape}")
    if finite and not np.all(np.isfinite(array)):
        raise ValueError(f"{name} must contain only finite numbers")
    return array


def check_callable(value, name: str):
    """A function (anything callable that is not a class); text is refused, never executed."""
    if isinstance(value, (str, bytes)) or isinstance(value, type) or not callable(value):
        raise TypeError(f"{name} must be a function you defined (def ...), got {type(value).__name__}")
    return value
