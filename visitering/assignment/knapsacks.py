"""The Lagrangian's municipality knapsacks, compiled (see :mod:`.lagrangian` for the model).

One call evaluates every municipality's knapsack for given priced pair costs ``adj``: choose
whole families with ``adj < 0``, the ones on quota pairs within the remaining quota (§ 11 stk. 1)
and the ones on exception pairs (§ 11 stk. 3-4) beyond it if need be, to minimise their priced
cost plus the municipality's convex pace cost of the persons placed.  An exact 0/1 knapsack by
dynamic programming over persons, in a table narrowed to the loads that can pay.

The subgradient ascent evaluates it a few hundred times per batch.  Written with numpy, it
spent its time in about 800 small array operations per evaluation (3.6-4.2 ms on weekly batches
of ``bench/bench_batch.py``); written as plain loops and compiled with Numba it takes 0.43-0.54
ms, with the same values (to 2e-11).  The plain Python function stays the reference:
:data:`knapsacks_python` runs the same code uncompiled.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar, cast

import numpy as np
from numba import njit
from numba.extending import register_jitable

from visitering.assignment.instance import FloatArray, IntArray

_F = TypeVar("_F", bound=Callable[..., Any])


def _jitable(fn: _F) -> _F:
    """``fn`` as it is for the interpreter, and compiled inline where a compiled kernel calls
    it."""
    jitable: _F = register_jitable(fn)
    return jitable


def _knapsacks(
    adj: FloatArray,
    starts: IntArray,
    order: IntArray,
    size: IntArray,
    quota: np.ndarray,
    rows: IntArray,
    cap: IntArray,
    has_exceptions: np.ndarray,
    pace: FloatArray,
    max_size: int,
    count: IntArray,
    rc: FloatArray,
    want_rc: bool,
) -> float:
    """Sum of the municipalities' knapsack optima; adds each chosen family to ``count`` (per
    case) and, with ``want_rc``, sets ``rc`` of every pair: what taking that family there costs
    at least beyond the knapsack's optimum (see :meth:`.lagrangian._Dual.__call__`).

    ``order[starts[k]:starts[k + 1]]`` are municipality ``k``'s pairs, quota pairs first.
    """
    k_count, width = pace.shape
    total = 0.0
    for k in range(k_count):
        mine = order[starts[k] : starts[k + 1]]
        # The items: the families whose priced cost is negative (the others never pay).
        n_items = 0
        for j in mine:
            if adj[j] < 0:
                n_items += 1
        items = np.empty(n_items, dtype=np.int64)
        at = 0
        for j in mine:
            if adj[j] < 0:
                items[at] = j
                at += 1
        w = _table_width(adj, size, items, pace[k], max_size, width)
        # best[l]: least priced cost of a choice with l persons; take[i, l]: item i taken there.
        best = np.full(w, np.inf)
        best[0] = 0.0
        take = np.zeros((n_items, w), dtype=np.bool_)
        masked = False
        for i in range(n_items):
            j = items[i]
            if not quota[j] and not masked:
                _mask_beyond(best, cap[k])
                masked = True
            s = size[j]
            for load in range(w - 1, s - 1, -1):
                cand = best[load - s] + adj[j]
                if cand < best[load]:
                    best[load] = cand
                    take[i, load] = True
        if not masked:
            _mask_beyond(best, cap[k])
        at_best = 0
        opt = np.inf
        for load in range(w):
            value = best[load] + pace[k, load]
            if value < opt:
                opt, at_best = value, load
        total += opt
        load = at_best
        for i in range(n_items - 1, -1, -1):
            if take[i, load]:
                j = items[i]
                count[rows[j]] += 1
                load -= size[j]
        if want_rc:
            _pair_floors(adj, mine, size, quota, best, pace[k], cap[k], has_exceptions[k], opt, rc)
    return total


@_jitable
def _table_width(
    adj: FloatArray, size: IntArray, items: IntArray, pace: FloatArray, max_size: int, width: int
) -> int:
    """A table width that holds every load that can pay, and one family more.

    ``G(l)``, the gain of the ``l`` persons with the best gain per person (families split as if
    liquid), bounds what any ``l`` persons can gain; ``pace(l) - G(l)`` is convex and 0 at
    ``l = 0``, so beyond its last negative value every load costs more than the empty one —
    and, since ``pace(l + s) - pace(s) ≥ pace(l)``, more than taking the ``s`` persons of one
    family alone, which keeps the pair floors exact too.
    """
    per_person = np.empty(len(items))
    for i in range(len(items)):
        per_person[i] = -adj[items[i]] / size[items[i]]
    by_gain = np.argsort(-per_person)
    useful = 0
    load = 0
    gain = 0.0
    for i in by_gain:
        for _ in range(size[items[i]]):
            load += 1
            gain += per_person[i]
            if pace[min(load, width - 1)] - gain < 0:
                useful = load
    return min(useful + 1 + max_size, width)


@_jitable
def _mask_beyond(best: FloatArray, cap: int) -> None:
    """No quota load beyond the remaining quota."""
    for load in range(max(cap + 1, 0), len(best)):
        best[load] = np.inf


@_jitable
def _pair_floors(
    adj: FloatArray,
    mine: IntArray,
    size: IntArray,
    quota: np.ndarray,
    best: FloatArray,
    pace: FloatArray,
    cap: int,
    has_exceptions: bool,
    opt: float,
    rc: FloatArray,
) -> None:
    """``rc`` of one municipality's pairs: the family's priced cost plus the cheapest load of
    the others with its persons on top, beyond the optimum.  A quota family must fit in the
    quota; where exception families may also come, the others' load beyond the quota is
    allowed (a weaker but valid floor).  The others' table may hold the family itself; the exact
    floor, without it, removed no pair more from the proof rounds of weekly seeds 20, 32 and 44
    (3,767-3,817 pairs each; it differs by at most 5.3 points)."""
    w = len(best)
    for j in mine:
        s = size[j]
        least = np.inf
        for load in range(w - s):
            top = load + s
            if quota[j] and top > cap and not has_exceptions:
                continue
            value = best[load] + pace[top]
            if value < least:
                least = value
        rc[j] = max(adj[j] + least - opt, 0.0)


KnapsackKernel = Callable[
    [
        FloatArray,
        IntArray,
        IntArray,
        IntArray,
        np.ndarray,
        IntArray,
        IntArray,
        np.ndarray,
        FloatArray,
        int,
        IntArray,
        FloatArray,
        bool,
    ],
    float,
]

#: The reference: the same code, run by the interpreter (slow; for tests on small batches).
knapsacks_python: KnapsackKernel = _knapsacks


#: The kernel's types: it is compiled when this module is imported, before any solve's clock
#: starts.
_SIGNATURE = (
    "float64(float64[:], int64[:], int64[:], int64[:], boolean[:], int64[:], int64[:],"
    " boolean[:], float64[:, :], int64, int64[:], float64[:], boolean)"
)


def _compile(kernel: KnapsackKernel) -> KnapsackKernel:
    """``kernel`` compiled, and cached on disk next to this module (or in the user's cache
    directory), so that only the first run on a machine pays the compilation: 2.4 s measured,
    where loading it from the cache takes 0.09 s.  Where no cache directory is writable (an
    installation read-only to its user), Numba cannot cache and says so with a RuntimeError:
    then every import compiles."""
    jit = cast(Any, njit)
    try:
        compiled = jit(_SIGNATURE, cache=True)(kernel)
    except RuntimeError:
        compiled = jit(_SIGNATURE)(kernel)
    return cast(KnapsackKernel, compiled)


knapsacks: KnapsackKernel = _compile(_knapsacks)
