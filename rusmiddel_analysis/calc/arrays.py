"""Input checks shared by the vectorised methods (calc/stats.py, calc/progress.py): each value
becomes a float array, a missing value is refused with its positions, and scalars in give
scalars out. NumPy only, so progress.py stays free of the statistical libraries."""

from __future__ import annotations

import numpy as np


def positions(mask: np.ndarray) -> str:
    """The first five positions where `mask` is true, for a message: '0, 3, 7, ...'."""
    where = np.flatnonzero(np.atleast_1d(mask))
    listed = ", ".join(str(i) for i in where[:5])
    return listed + (", ..." if len(where) > 5 else "")


def checked_array(name: str, values) -> np.ndarray:
    """`values` as a float array; a missing value (NaN) is refused, naming `name` and its positions."""
    arr = np.asarray(values, dtype=float)
    if np.isnan(arr).any():
        raise ValueError(f"{name} must not be missing (NaN) at position(s) {positions(np.isnan(arr))}")
    return arr


def checked_arrays(**values) -> tuple[bool, list[np.ndarray]]:
    """(all scalar, the values checked and broadcast to one shape), in the order given."""
    scalar = all(np.ndim(v) == 0 for v in values.values())
    return scalar, list(np.broadcast_arrays(*(checked_array(name, v) for name, v in values.items())))


def scalar_or_array(arr: np.ndarray, scalar: bool):
    """A float when the inputs were scalars, else the array."""
    return float(arr) if scalar else arr
