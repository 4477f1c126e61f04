"""A bound stronger than the flow relaxation: Lagrangian relaxation with whole families.

The flow relaxation lets a family split at a municipality's pace-tier boundary, which is where
most of its gap to the best placement comes from.  Here the rule "each case placed once" is
priced instead (multipliers ``v``), and so is the concentration limit (``μ`` per municipality
and group, 0 ≤ μ ≤ its cost); what is left falls apart into one problem per municipality:
choose *whole* families, each at its priced cost, to minimise their cost plus the convex pace
cost of their persons, with the families on quota pairs within the remaining quota (§ 11 stk.
1; those on exception pairs may go beyond it, at the top tier's price).  That is a small
knapsack, solved exactly by dynamic programming over persons — for all municipalities at once.

Any multipliers give a valid lower bound; a subgradient ascent from the relaxation's prices
improves it.  It also gives every pair a lower bound on the cost of any placement that uses it
(bound + ``rc``), which :mod:`.solver` uses to leave pairs out of the MIP without losing
optimality.

What this bound can and cannot do, measured on the four hardest weekly batches of
``bench/bench_batch.py`` (seeds 5, 8, 16, 17, while persons placed under an exception did not
yet count in the pace tiers): the best multipliers, found by column generation
run to convergence, leave it 5.4, 15.5, 13.9 and 8.3 points below the optimum (the ascent's
200 steps: 13, 16, 22 and 19).  So no better ascent can prove these batches without branching,
and with those best multipliers' floors the proof round still took 1.7-8.0 s.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from visitering.assignment.costs import Coupling, tier_costs
from visitering.assignment.instance import NONE, FloatArray, Instance, IntArray
from visitering.assignment.relaxation import Pairs, Relaxation

#: Share of the last direction kept in the next (measured on 10 weekly batches after 200
#: steps: 0 leaves the bound 5-18 points below the optimum, 0.7 leaves 5-16, and the proof
#: round needs 13 % fewer pairs).
DEFLECTION = 0.7


@dataclass(frozen=True, eq=False)
class LagrangianBound:
    """The best bound found and, per pair of ``pairs``, the extra cost of using that pair."""

    value: float
    rc: FloatArray
    iterations: int


class _Dual:
    """Evaluates the Lagrangian function for given case multipliers ``v``."""

    def __init__(self, inst: Instance, cp: Coupling, pairs: Pairs, mu: FloatArray) -> None:
        self.inst, self.cp, self.pairs = inst, cp, pairs
        persons = inst.persons
        self.size = persons[pairs.rows]
        g = inst.group[pairs.rows]
        has = pairs.quota & (g != NONE)
        # The priced concentration limit: μ per person of the group, -Σ μ · limit overall.
        self.base = pairs.cost.astype(np.float64)
        self.base[has] += mu[pairs.cols[has], g[has]] * self.size[has]
        self.constant = -float((mu * cp.group_cap).sum()) if cp.group_cap is not None else 0.0
        self.cap = cap = np.maximum(inst.capacity, 0)
        quota_persons = np.bincount(
            pairs.cols[pairs.quota], weights=self.size[pairs.quota], minlength=inst.k
        ).astype(np.int64)
        ex = ~pairs.quota
        exception_persons = np.bincount(
            pairs.cols[ex], weights=self.size[ex], minlength=inst.k
        ).astype(np.int64)
        self.has_exceptions = exception_persons > 0
        most = np.minimum(cap, quota_persons) + exception_persons
        self.width = int(most.max(initial=0)) + 1
        # Pace cost of every load (persons placed, every basis) of every municipality.
        ks = np.repeat(np.arange(inst.k), self.width)
        loads = np.tile(np.arange(self.width), inst.k)
        pace = tier_costs(loads, cp, inst.capacity, ks)
        self.pace = pace.reshape(inst.k, self.width).astype(np.float64)
        self.max_size = int(persons.max(initial=1))

    def __call__(
        self, v: FloatArray, want_rc: bool = False
    ) -> tuple[float, IntArray, FloatArray | None]:
        """Lagrangian value, times each case is chosen, and each pair's rc (if asked)."""
        pairs, inst = self.pairs, self.inst
        adj = self.base - v[pairs.rows]
        total = float(v.sum()) + self.constant
        count = np.zeros(inst.n, dtype=np.int64)
        items = np.flatnonzero(adj < 0)
        rc = np.maximum(adj, 0.0) if want_rc else None  # filled per municipality below
        for ks, local, w in self._blocks(items, adj):
            sub = items[local[pairs.cols[items]] >= 0]
            value, chosen = self._knapsacks(ks, local, w, sub, adj, rc)
            total += value
            np.add.at(count, pairs.rows[chosen], 1)
        return total, count, rc

    def _blocks(self, items: IntArray, adj: FloatArray) -> list[tuple[IntArray, IntArray, int]]:
        """Municipalities grouped by the width their knapsack needs (a power of two).

        Per block: the municipalities, their local index (-1 outside) and the table width.
        :meth:`_useful_loads` bounds the loads that can pay, so most municipalities need a
        narrow table; one wide table for all would cost its width in every row.
        """
        k = self.inst.k
        need = np.minimum(self._useful_loads(items, adj) + 1 + self.max_size, self.width)
        width = np.minimum(2 ** np.ceil(np.log2(np.maximum(need, 1))).astype(np.int64), self.width)
        blocks = []
        for w in np.unique(width):
            ks = np.flatnonzero(width == w)
            local = np.full(k, -1, dtype=np.int64)
            local[ks] = np.arange(len(ks))
            blocks.append((ks, local, int(w)))
        return blocks

    def _useful_loads(self, items: IntArray, adj: FloatArray) -> IntArray:
        """Per municipality, a load beyond which no choice of families can pay.

        ``G(l)``, the gain of the ``l`` persons with the best gain per person (families split
        as if liquid), bounds what any ``l`` persons can gain; ``pace(l) - G(l)`` is convex and
        0 at ``l = 0``, so beyond its last negative value every load costs more than the empty
        one — and, since ``pace(l + s) - pace(s) ≥ pace(l)``, more than taking the ``s``
        persons of one family alone, which keeps the pair bounds (``rc``) exact too.
        """
        pairs, k = self.pairs, self.inst.k
        size = self.size[items]
        per_person = np.repeat(-adj[items] / size, size)
        col = np.repeat(pairs.cols[items], size)
        order = np.lexsort((-per_person, col))
        col = col[order]
        gain = np.cumsum(per_person[order])
        start = np.searchsorted(col, np.arange(k))
        before = np.concatenate([[0.0], gain])[start]
        load = np.arange(len(col)) - start[col] + 1
        cost = self.pace[col, np.minimum(load, self.pace.shape[1] - 1)] - (gain - before[col])
        useful = np.zeros(k, dtype=np.int64)
        neg = cost < 0
        np.maximum.at(useful, col[neg], load[neg])
        return useful

    def _knapsacks(
        self,
        ks: IntArray,
        local: IntArray,
        w: int,
        items: IntArray,
        adj: FloatArray,
        rc: FloatArray | None,
    ) -> tuple[float, IntArray]:
        """The municipalities ``ks``' knapsacks over ``items`` in a table of width ``w``: the
        sum of their optima and the chosen pairs; fills ``rc`` of their pairs."""
        pairs = self.pairs
        k = len(ks)
        pace = self.pace[ks, :w]
        best = np.full((k, w), np.inf)
        best[:, 0] = 0.0
        # Knapsack by family size: of the families of one size, the cheapest go first, so a
        # municipality only chooses how many of each size (shifts by m × size, no gathers).
        # Where the table reaches beyond a quota: quota families first, then no load beyond
        # the quota, then exception families.  Elsewhere (a weekly batch against whole-year
        # quotas) the quota cannot bind within the table, and one class per size serves both.
        classes: list[tuple[int, IntArray, IntArray, IntArray, IntArray]] = []
        quota = pairs.quota[items]
        beyond = np.arange(w)[None, :] > self.cap[ks, None]
        kinds: list[tuple[bool | None, int]]
        if beyond.any():
            kinds = [(True, s) for s in np.unique(self.size[items[quota]])]
            kinds += [(False, s) for s in np.unique(self.size[items[~quota]])]
        else:
            kinds = [(None, s) for s in np.unique(self.size[items])]
        masked = False
        for on_quota, size in kinds:
            if on_quota is False and not masked:
                best[beyond] = np.inf
                masked = True
            kind = self.size[items] == size
            if on_quota is not None:
                kind &= quota == on_quota
            sel = items[kind]
            order = np.lexsort((adj[sel], pairs.cols[sel]))
            sel = sel[order]
            col = local[pairs.cols[sel]]
            rank = np.arange(len(sel)) - np.searchsorted(col, col)
            depth = min(int(rank.max()) + 1, (w - 1) // int(size))
            prefix = np.full((k, depth + 1), np.inf)
            prefix[:, 0] = 0.0
            inside = rank < depth
            cum = np.zeros((k, depth))
            cum[col[inside], rank[inside]] = adj[sel[inside]]
            present = np.zeros((k, depth), dtype=bool)
            present[col[inside], rank[inside]] = True
            prefix[:, 1:] = np.where(present, np.cumsum(cum, axis=1), np.inf)
            arg = np.zeros((k, w), dtype=np.int64)
            new = best.copy()
            for m in range(1, depth + 1):
                shift = m * int(size)
                cand = best[:, : w - shift] + prefix[:, m : m + 1]
                better = cand < new[:, shift:]
                np.copyto(new[:, shift:], cand, where=better)
                np.copyto(arg[:, shift:], m, where=better)
            best = new
            classes.append((int(size), sel, col, rank, arg))
        if not masked:
            best[beyond] = np.inf
        total_k = best + pace
        at = np.argmin(total_k, axis=1)
        opt = total_k[np.arange(k), at]
        load = at.copy()
        picked_parts: list[IntArray] = [np.zeros(0, dtype=np.int64)]
        for size, sel, col, rank, arg in reversed(classes):
            m = arg[np.arange(k), load]
            load = load - m * size
            picked_parts.append(sel[rank < m[col]])
        if rc is not None:
            self._pair_floors(ks, local, w, best, pace, opt, adj, rc)
        return float(opt.sum()), np.concatenate(picked_parts)

    def _pair_floors(
        self,
        ks: IntArray,
        local: IntArray,
        w: int,
        best: FloatArray,
        pace: FloatArray,
        opt: FloatArray,
        adj: FloatArray,
        rc: FloatArray,
    ) -> None:
        """``rc`` of the pairs of municipalities ``ks``: what taking the family there costs at
        least beyond the knapsack's optimum — its priced cost plus the cheapest load of the
        others with its persons on top.  A quota family must fit in the quota; where exception
        families may also come, the others' load beyond the quota is allowed (a weaker but
        valid floor)."""
        pairs = self.pairs
        k = len(ks)
        within = np.where(
            (np.arange(w)[None, :] > self.cap[ks, None]) & ~self.has_exceptions[ks, None],
            np.inf,
            pace,
        )
        h = np.full((2, k, self.max_size + 1), np.inf)
        for s in range(1, min(self.max_size, w - 1) + 1):
            h[0, :, s] = np.min(best[:, : w - s] + within[:, s:], axis=1)
            h[1, :, s] = np.min(best[:, : w - s] + pace[:, s:], axis=1)
        at = np.flatnonzero(local[pairs.cols] >= 0)
        col = local[pairs.cols[at]]
        kind = (~pairs.quota[at]).astype(np.int64)
        rc[at] = np.maximum(adj[at] + h[kind, col, self.size[at]] - opt[col], 0.0)


class SubgradientAscent:
    """Subgradient ascent on the case multipliers, from the flow relaxation's prices.

    Polyak steps towards an upper bound (an incumbent's cost), halved after 8 iterations
    without progress, along a *deflected* subgradient: the new subgradient plus
    :data:`DEFLECTION` times the last direction (Camerini, Fratta & Maffioli 1975), which damps
    the zig-zag of plain subgradient steps.  :meth:`run` can be called again to go on from
    where it stopped, e.g. while a MIP runs beside it.  Deterministic for a given number of
    iterations.
    """

    def __init__(self, inst: Instance, cp: Coupling, pairs: Pairs, relax: Relaxation) -> None:
        assert relax.potential is not None
        net = relax.network
        scale = net.scale
        pi = relax.potential
        heads = net.entry(pairs.rows, pairs.cols, pairs.quota) - net.n_cases
        per_person = (net.unit_cost(pairs.rows, pairs.cost) - pi[heads]).astype(np.float64)
        v = np.full(inst.n, np.inf)
        np.minimum.at(v, pairs.rows, per_person)
        self.v: FloatArray = v * inst.persons / scale
        mu = np.zeros((inst.k, max(len(inst.groups), 1)))
        if cp.group_cap is not None:
            q_node = net.q0 - net.n_cases + np.arange(inst.k)
            for group in range(cp.group_cap.shape[1]):
                g_node = group * inst.k + np.arange(inst.k)
                mu[:, group] = np.clip((pi[q_node] - pi[g_node]) / scale, 0.0, cp.group_cost)
            mu = mu[:, : cp.group_cap.shape[1]]
        self.dual = _Dual(inst, cp, pairs, mu)
        self.best_value, self.best_v = -np.inf, self.v
        self.step, self.stall, self.iterations = 1.0, 0, 0
        self.direction: FloatArray = np.zeros(inst.n)

    def run(self, upper: float, deadline: float, iterations: int) -> LagrangianBound:
        """Up to ``iterations`` more steps; stops early at ``deadline``
        (``time.perf_counter()``) or when the bound proves ``upper`` optimal."""
        v = self.v
        for _ in range(iterations):
            self.iterations += 1
            value, count, _ = self.dual(v)
            if value > self.best_value + 1e-9:
                self.best_value, self.best_v, self.stall = value, v.copy(), 0
            else:
                self.stall += 1
                if self.stall >= 8:
                    self.step, self.stall = self.step / 2, 0
            g: FloatArray = 1.0 - count.astype(np.float64)
            self.direction = g + DEFLECTION * self.direction
            norm = float(self.direction @ self.direction)
            proven = self.best_value >= upper - 1 + 1e-6
            if not g.any() or norm == 0 or proven or time.perf_counter() > deadline:
                break
            v = v + self.step * max(upper - value, 1.0) / norm * self.direction
        self.v = v
        value, _, rc = self.dual(self.best_v, want_rc=True)
        assert rc is not None
        return LagrangianBound(value, rc, self.iterations)
