"""The compiled knapsack kernel's set-up (its results: tests/assignment/test_properties.py)."""

from __future__ import annotations

import importlib
from typing import Any

import numba
import numpy as np
import pytest

import visitering.assignment.knapsacks as knapsacks_module


def _one_family(kernel: Any) -> tuple[float, np.ndarray]:
    """One municipality, one single person worth 5 points, no pace cost: take them."""
    count = np.zeros(1, dtype=np.int64)
    value = kernel(
        np.array([-5.0]),
        np.array([0, 1]),
        np.array([0]),
        np.array([1]),
        np.array([True]),
        np.array([0]),
        np.array([3]),
        np.array([False]),
        np.zeros((1, 4)),
        1,
        count,
        np.empty(1),
        True,
    )
    return value, count


def test_the_kernel_is_compiled_when_imported() -> None:
    assert isinstance(knapsacks_module.knapsacks, numba.core.registry.CPUDispatcher)
    assert knapsacks_module.knapsacks.signatures  # compiled for its signature already
    assert _one_family(knapsacks_module.knapsacks) == (-5.0, pytest.approx([1]))


def test_without_a_writable_cache_it_compiles_in_memory(monkeypatch: pytest.MonkeyPatch) -> None:
    """Numba raises when no cache directory is writable (a read-only installation); the
    solver must still work, compiling on every import."""
    real = numba.njit

    def njit_without_cache(*args: Any, **kwargs: Any) -> Any:
        if kwargs.get("cache"):
            raise RuntimeError("cannot cache function '_knapsacks': no locator available")
        return real(*args, **kwargs)

    monkeypatch.setattr(numba, "njit", njit_without_cache)
    try:
        reloaded = importlib.reload(knapsacks_module)
        assert _one_family(reloaded.knapsacks) == (-5.0, pytest.approx([1]))
    finally:
        monkeypatch.undo()
        importlib.reload(knapsacks_module)
