"""Column generation for large batches: the relaxation over the pairs that matter.

With 100,000 cases and 400 districts there are 40 million pairs; the flow network would not fit
the time budget.  Each case starts with its :data:`COLUMNS_PER_CASE` cheapest open pairs (and
all its exception pairs); after each relaxation, every pair outside the network is *priced*
with the relaxation's node potentials, and those with a negative reduced cost (they would
lower the relaxation) join.  When none is left the restricted relaxation is the full one and
its bound is valid; if rounds run out first, the bound is corrected by the most negative
reduced cost of each case (Lagrangian argument), so it stays valid.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from visitering.assignment.costs import PairCosts
from visitering.assignment.eligibility import Basis
from visitering.assignment.instance import FloatArray, Instance
from visitering.assignment.relaxation import Relaxation

#: Above this many open pairs the relaxation starts from a few pairs per case.
COLUMN_PAIRS = 3_000_000
COLUMNS_PER_CASE = 12
#: Pairs a case may gain per pricing round.
ADD_PER_CASE = 4
CHUNK = 4_000

Matrix = np.ndarray[tuple[int, int], np.dtype[np.int32]]


def cost_matrix(inst: Instance, pc: PairCosts) -> Matrix:
    """The ``(n, K)`` weighted pair-cost matrix, built in chunks of cases (int32)."""
    out: Matrix = np.empty((inst.n, inst.k), dtype=np.int32)
    for start in range(0, inst.n, CHUNK):
        rows = np.arange(start, min(start + CHUNK, inst.n))
        out[rows] = pc.matrix(rows)
    return out


def initial_mask(basis: np.ndarray, cost: Matrix, per_case: int = COLUMNS_PER_CASE) -> np.ndarray:
    """Each case's ``per_case`` cheapest open pairs, and all its exception pairs."""
    open_ = basis != Basis.CLOSED
    mask: np.ndarray = open_ & (basis != Basis.QUOTA)
    for start in range(0, len(basis), CHUNK):
        sl = slice(start, min(start + CHUNK, len(basis)))
        masked = np.where(open_[sl], cost[sl].astype(np.int64), np.iinfo(np.int64).max)
        m = min(per_case, masked.shape[1])
        best = np.argpartition(masked, m - 1, axis=1)[:, :m]
        local = np.arange(best.shape[0])[:, None]
        mask[sl][local, best] |= open_[sl][local, best]
    return mask


@dataclass(frozen=True, eq=False)
class Pricing:
    """Pairs to add (a mask) and, per case, the least ``persons × rc`` outside the network
    (objective units; negative where a pair would still improve the relaxation)."""

    add: np.ndarray
    least_outside: FloatArray


def price(
    inst: Instance, basis: np.ndarray, cost: Matrix, in_network: np.ndarray, relax: Relaxation
) -> Pricing:
    """Reduced costs of every open pair outside the network, in chunks of cases."""
    net = relax.network
    duals = relax.case_duals()
    add = np.zeros_like(in_network)
    least = np.full(inst.n, np.inf)
    assert relax.potential is not None
    for start in range(0, inst.n, CHUNK):
        rows = np.arange(start, min(start + CHUNK, inst.n))
        outside = (basis[rows] != Basis.CLOSED) & ~in_network[rows]
        r, c = np.nonzero(outside)
        if r.size == 0:
            continue
        i = rows[r]
        quota = basis[i, c] == Basis.QUOTA
        unit = net.unit_cost(i, cost[i, c].astype(np.int64))
        heads = net.entry(i, c, quota) - net.n_cases
        rc = (unit - relax.potential[heads] - duals[i]) * inst.persons[i] / net.scale
        np.minimum.at(least, i, rc)
        negative = rc < -1e-9
        if negative.any():
            # The most negative few per case.
            order = np.lexsort((rc[negative], i[negative]))
            ii, cc = i[negative][order], c[negative][order]
            rank = np.arange(len(ii)) - np.searchsorted(ii, ii)
            keep = rank < ADD_PER_CASE
            add[ii[keep], cc[keep]] = True
    return Pricing(add, least)


def least_outside_total(least: FloatArray) -> tuple[float, float]:
    """Bound correction (≤ 0: the sum of each case's negative part) and the least reduced cost
    of any pair outside the network (``inf`` if none)."""
    finite = least[np.isfinite(least)]
    # Reduced costs are multiples of 1/scale: anything above -1e-6 is rounding noise.
    correction = float(np.where(finite < -1e-6, finite, 0.0).sum())
    return correction, float(finite.min()) if finite.size else float("inf")
