"""A bound stronger than the flow relaxation: Lagrangian relaxation with whole families.

The flow relaxation lets a family split at a municipality's pace-tier boundary, which is where
most of its gap to the best placement comes from.  Here the rule "each case placed once" is
priced instead (multipliers ``v``), and so is the concentration limit (``μ`` per municipality
and group, 0 ≤ μ ≤ its cost); what is left falls apart into one problem per municipality:
choose *whole* families, each at its priced cost, to minimise their cost plus the convex pace
cost of their persons, with the families on quota pairs within the remaining quota (§ 11 stk.
1; those on exception pairs may go beyond it, at the top tier's price).  That is a small
knapsack, solved exactly by dynamic programming over persons (:mod:`.knapsacks`, compiled).

Any multipliers give a valid lower bound; a subgradient ascent from the relaxation's prices
improves it.  It also gives every pair a lower bound on the cost of any placement that uses it
(bound + ``rc``), which :mod:`.solver` uses to leave pairs out of the MIP without losing
optimality.

What this bound can and cannot do, measured on the four hardest weekly batches of
``bench/bench_batch.py`` (seeds 5, 8, 16, 17, while persons placed under an exception did not
yet count in the pace tiers): the best multipliers, found by column generation
run to convergence, leave it 5.4, 15.5, 13.9 and 8.3 points below the optimum (the ascent's
200 steps: 13, 16, 22 and 19).  So no better ascent can prove these batches without branching,
and with those best multipliers' floors the proof round still took 1.7-8.0 s.  Branching on
this bound alone does not do it either: a depth-first branch and bound that forces a case into
each of its municipalities in turn, with 30 subgradient steps per node from the parent's
multipliers, proved none of seeds 1, 7, 20, 32 and 44 in 20 s (1,468-1,915 nodes each), where
the bound starts 16-18 points below the proof round's cutoff.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from visitering.assignment.costs import Coupling, tier_costs
from visitering.assignment.instance import NONE, FloatArray, Instance, IntArray
from visitering.assignment.knapsacks import knapsacks
from visitering.assignment.relaxation import Pairs, Relaxation

#: Share of the last direction kept in the next (measured on 10 weekly batches after 200
#: steps: 0 leaves the bound 5-18 points below the optimum, 0.7 leaves 5-16, and the proof
#: round needs 13 % fewer pairs).
DEFLECTION = 0.7


@dataclass(frozen=True)
class StepSchedule:
    """Step sizes: the step is multiplied by ``shrink`` after ``patience`` iterations in a row
    that do not raise the bound."""

    patience: int
    shrink: float


#: The first iterations: the bound rises fast, then the step decays fast.
QUICK = StepSchedule(patience=8, shrink=0.5)
#: :meth:`SubgradientAscent.refine`: a full step again, decaying slowly.  Measured on 8 weekly
#: batches (bench_batch.py seeds 1, 3, 7, 12, 20, 32, 44, 47), after the first 100 iterations:
#: 140 more with :data:`QUICK` had stalled (the bound no higher after 3,000), while 500 with
#: this schedule from the best multipliers raise the bound by 1-10 points and leave 5-35 %
#: fewer pairs with a floor within 2 steps of the optimum (seed 20: 3,835 instead of 5,589).
SLOW = StepSchedule(patience=30, shrink=0.7)


@dataclass(frozen=True, eq=False)
class LagrangianBound:
    """The best bound found and, per pair of ``pairs``, the extra cost of using that pair;
    ``cut_short`` if the deadline, not the number of iterations, stopped the ascent (then the
    bound and costs depend on the machine's speed)."""

    value: float
    rc: FloatArray
    iterations: int
    cut_short: bool = False


class _Dual:
    """Evaluates the Lagrangian function for given case multipliers ``v``."""

    def __init__(self, inst: Instance, cp: Coupling, pairs: Pairs, mu: FloatArray) -> None:
        self.inst, self.cp, self.pairs = inst, cp, pairs
        persons = inst.persons
        self.size = persons[pairs.rows].astype(np.int64)
        g = inst.group[pairs.rows]
        has = pairs.quota & (g != NONE)
        # The priced concentration limit: μ per person of the group, -Σ μ · limit overall.
        self.base = pairs.cost.astype(np.float64)
        self.base[has] += mu[pairs.cols[has], g[has]] * self.size[has]
        self.constant = -float((mu * cp.group_cap).sum()) if cp.group_cap is not None else 0.0
        self.cap = cap = np.maximum(inst.capacity, 0).astype(np.int64)
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
        # Each municipality's pairs, quota pairs first (the knapsack fills the quota first).
        self.order = np.lexsort((~pairs.quota, pairs.cols)).astype(np.int64)
        self.starts = np.searchsorted(pairs.cols[self.order], np.arange(inst.k + 1))

    def __call__(
        self, v: FloatArray, want_rc: bool = False
    ) -> tuple[float, IntArray, FloatArray | None]:
        """Lagrangian value, times each case is chosen, and each pair's rc (if asked)."""
        adj = self.base - v[self.pairs.rows]
        count = np.zeros(self.inst.n, dtype=np.int64)
        rc = np.empty(len(adj) if want_rc else 0)
        value = knapsacks(
            adj,
            self.starts,
            self.order,
            self.size,
            self.pairs.quota,
            self.pairs.rows,
            self.cap,
            self.has_exceptions,
            self.pace,
            self.max_size,
            count,
            rc,
            want_rc,
        )
        return float(v.sum()) + self.constant + value, count, rc if want_rc else None


class SubgradientAscent:
    """Subgradient ascent on the case multipliers, from the flow relaxation's prices.

    Polyak steps towards an upper bound (an incumbent's cost), shrunk by a
    :class:`StepSchedule` while the bound does not rise, along a *deflected* subgradient: the
    new subgradient plus :data:`DEFLECTION` times the last direction (Camerini, Fratta &
    Maffioli 1975), which damps the zig-zag of plain subgradient steps.  :meth:`run` can be
    called again to go on from where it stopped, e.g. while a MIP runs beside it, after
    :meth:`refine` if the steps have become too small.  Deterministic for a given number of
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
        self.schedule = QUICK
        self.direction: FloatArray = np.zeros(inst.n)

    def refine(self) -> None:
        """Go on from the best multipliers found, with a full step again and the :data:`SLOW`
        schedule (the quick one has by now made the steps too small to move the bound)."""
        self.v = self.best_v.copy()
        self.step, self.stall, self.schedule = 1.0, 0, SLOW
        self.direction = np.zeros_like(self.direction)

    def run(self, upper: float, deadline: float, iterations: int) -> LagrangianBound:
        """Up to ``iterations`` more steps; stops early at ``deadline``
        (``time.perf_counter()``) or when the bound proves ``upper`` optimal."""
        v = self.v
        cut_short = False
        for _ in range(iterations):
            self.iterations += 1
            value, count, _ = self.dual(v)
            if value > self.best_value + 1e-9:
                self.best_value, self.best_v, self.stall = value, v.copy(), 0
            else:
                self.stall += 1
                if self.stall >= self.schedule.patience:
                    self.step, self.stall = self.step * self.schedule.shrink, 0
            g: FloatArray = 1.0 - count.astype(np.float64)
            self.direction = g + DEFLECTION * self.direction
            norm = float(self.direction @ self.direction)
            proven = self.best_value >= upper - 1 + 1e-6
            if not g.any() or norm == 0 or proven:
                break
            if time.perf_counter() > deadline:
                cut_short = True
                break
            v = v + self.step * max(upper - value, 1.0) / norm * self.direction
        self.v = v
        value, _, rc = self.dual(self.best_v, want_rc=True)
        assert rc is not None
        return LagrangianBound(value, rc, self.iterations, cut_short)
