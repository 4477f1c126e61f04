"""The relaxation in which families may split: a min-cost flow, its bound and its prices.

Dividing the assignment variables of the exact model by family size (``f_ik = persons_i ×
x_ik``) turns its LP relaxation into a transportation problem in *persons*: case i supplies
``persons_i`` units, a unit sent to municipality k costs ``cost_ik / persons_i``, and the
quota of k is an arc capacity.  The coupling terms are convex piecewise-linear in persons, so
they become parallel arcs of rising unit cost.  The network (one unit = one person):

.. code-block:: text

    case i ──cost/persons──▶ G(k, group) ──cap: group limit, 0───▶ Q(k) ──pace tiers──▶ T
      │    (quota pairs)                 ╰─cap ∞, concentration─╯ ▲  ╰─overshoot tiers─▶ H ──▶ T
      │                                                           0
      ╰──cost/persons (exception pairs, § 11 stk. 3-4)──▶ E(k) ───┴──top tier price──────▶ T

The total capacity of the pace tiers of k is its remaining quota + tolerance: the hard rule of
§ 11 stk. 1.  Persons placed under an exception use the quota's room like any other (and its
pace tiers); only they may go beyond it, at the top tier's price (see :mod:`.costs`).  Under
``allow_overshoot`` quota persons may too, through the hub H whose capacity is the overshoot
budget, at the top tier's price plus the overshoot spread's rising tiers.  Costs
are scaled by ``scale`` (the lcm of the family sizes, capped) and rounded *down*, so the
optimal flow cost / ``scale`` is a valid lower bound of every placement, exact when the scale
is the lcm.  A vertex solution splits at most (municipalities - 1) families.

The optimal node potentials (shortest-path distances in the residual network, found by
Bellman-Ford on a compact graph without the case nodes) give every pair a reduced cost
``rc ≥ 0``; a placement that uses pair (i, k) costs at least ``bound + persons_i × rc_ik``
(LP duality), which is how :mod:`.solver` restricts the MIP without losing optimality.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from visitering.assignment.costs import Coupling
from visitering.assignment.eligibility import Basis
from visitering.assignment.instance import NONE, BoolArray, Instance, IntArray

MAX_SCALE = 720_720  # lcm(1..16)


def cost_scale(persons: IntArray) -> int:
    """The lcm of the family sizes, or :data:`MAX_SCALE` if that is larger."""
    scale = 1
    for p in np.unique(persons):
        scale = math.lcm(scale, int(p))
        if scale > MAX_SCALE:
            return MAX_SCALE
    return scale


@dataclass(frozen=True, eq=False)
class Pairs:
    """The (case, municipality) arcs of a network, grouped by case (rows ascending).

    ``cost`` is the weighted pair cost per case (integer), ``quota`` whether the pair must fit
    in the quota (else it is an exception pair, which may go beyond it).
    """

    rows: IntArray
    cols: IntArray
    cost: IntArray
    quota: BoolArray

    @staticmethod
    def select(basis: np.ndarray, cost: np.ndarray, mask: BoolArray) -> Pairs:
        """The pairs where ``mask`` holds, from the basis and cost matrices."""
        rows, cols = np.nonzero(mask)
        return Pairs(
            rows.astype(np.int64),
            cols.astype(np.int64),
            cost[rows, cols].astype(np.int64),
            basis[rows, cols] == Basis.QUOTA,
        )


@dataclass(frozen=True, eq=False)
class Relaxation:
    """Solution of the flow relaxation.

    Attributes
    ----------
    feasible:
        False when the quotas cannot hold the persons even with families split.
    bound:
        Optimal relaxed cost (in objective units), a lower bound of every placement.
    flow:
        Persons sent along each pair of ``pairs``.
    potential:
        Node potential of every non-case node (None if not computed), in scaled units.
    """

    pairs: Pairs
    feasible: bool
    bound: float
    flow: IntArray
    potential: IntArray | None
    network: Network
    _duals: IntArray | None = None

    def reduced_costs(
        self, rows: IntArray, cols: IntArray, cost: IntArray, quota: BoolArray
    ) -> IntArray:
        """Reduced cost ``persons × rc`` (objective units × scale) of arbitrary pairs.

        Uses the best included pair of each case as its dual value, so it prices pairs outside
        the network as well (negative: the pair would improve the relaxation).
        """
        persons = self.network.inst.persons
        own = self._per_person(rows, cols, cost, quota)
        rc: IntArray = (own - self.case_duals()[rows]) * persons[rows]
        return rc

    def case_duals(self) -> IntArray:
        """Per case, the least scaled cost per person less the price of the node entered, over
        the pairs of the network (the dual value of "placed once", per person)."""
        if self._duals is None:
            p = self.pairs
            inc = self._per_person(p.rows, p.cols, p.cost, p.quota)
            dual = np.full(self.network.inst.n, np.iinfo(np.int64).max)
            np.minimum.at(dual, p.rows, inc)
            object.__setattr__(self, "_duals", dual)
        assert self._duals is not None
        return self._duals

    def _per_person(
        self, rows: IntArray, cols: IntArray, cost: IntArray, quota: BoolArray
    ) -> IntArray:
        net = self.network
        assert self.potential is not None
        d = net.unit_cost(rows, cost)
        heads = net.entry(rows, cols, quota) - net.n_cases
        result: IntArray = d - self.potential[heads]
        return result

    def split_cases(self) -> IntArray:
        """Cases the relaxation sends to more than one municipality."""
        used = self.flow > 0
        counts = np.bincount(self.pairs.rows[used], minlength=self.network.inst.n)
        return np.flatnonzero(counts > 1)


class Network:
    """The min-cost-flow network of one instance (see the module docstring)."""

    def __init__(self, inst: Instance, cp: Coupling, overshoot_budget: int | None = None) -> None:
        self.inst = inst
        self.cp = cp
        self.scale = cost_scale(inst.persons)
        self.overshoot_budget = overshoot_budget
        n, k = inst.n, inst.k
        self.n_cases = n
        self.groups = 0 if cp.group_cap is None else cp.group_cap.shape[1]
        self.q0 = n + self.groups * k
        self.hub = self.q0 + k
        self.sink = self.hub + 1
        self.e0 = self.sink + 1
        self.n_nodes = self.e0 + k
        self.big = int(inst.persons.sum())

    def entry(self, rows: IntArray, cols: IntArray, quota: BoolArray) -> IntArray:
        """The node a pair's arc enters: G(k, group) or Q(k), or E(k) for exception pairs."""
        k = self.inst.k
        node = self.q0 + cols
        if self.groups:
            g = self.inst.group[rows]
            node = np.where(g != NONE, self.n_cases + g * k + cols, node)
        result: IntArray = np.where(quota, node, self.e0 + cols)
        return result

    def unit_cost(self, rows: IntArray, cost: IntArray) -> IntArray:
        """Scaled cost per person of a pair, rounded down (keeps the bound valid)."""
        result: IntArray = (cost * self.scale) // self.inst.persons[rows]
        return result

    def _fixed_arcs(self) -> tuple[IntArray, IntArray, IntArray, IntArray]:
        """Group, exception, pace-tier and overshoot arcs: (tails, heads, capacities, unit
        costs)."""
        inst, cp, s = self.inst, self.cp, self.scale
        k = inst.k
        tails: list[IntArray] = []
        heads: list[IntArray] = []
        caps: list[IntArray] = []
        costs: list[IntArray] = []

        def add(t: IntArray, h: IntArray, c: IntArray, u: IntArray) -> None:
            keep = c > 0
            tails.append(t[keep])
            heads.append(h[keep])
            caps.append(c[keep])
            costs.append(u[keep])

        ks = np.arange(k)
        if cp.group_cap is not None:
            for g in range(self.groups):
                node = self.n_cases + g * k + ks
                add(node, self.q0 + ks, cp.group_cap[:, g], np.zeros(k, dtype=np.int64))
                add(node, self.q0 + ks, np.full(k, self.big), np.full(k, cp.group_cost * s))
        exception = self.e0 + ks
        add(exception, self.q0 + ks, np.full(k, self.big), np.zeros(k, dtype=np.int64))
        add(
            exception, np.full(k, self.sink), np.full(k, self.big), np.full(k, cp.tier_cost[-1] * s)
        )
        for t in range(cp.tier_cap.shape[1]):
            add(
                self.q0 + ks,
                np.full(k, self.sink),
                cp.tier_cap[:, t],
                np.full(k, cp.tier_cost[t] * s),
            )
        if self.overshoot_budget:
            # Overshoot persons cost the top pace tier, and the spread's tiers on top of it.
            for t, extra in enumerate(cp.over_cost):
                cap = np.minimum(cp.over_cap[:, t], self.big)
                add(
                    self.q0 + ks,
                    np.full(k, self.hub),
                    cap,
                    np.full(k, (cp.tier_cost[-1] + extra) * s),
                )
            one = np.ones(1, dtype=np.int64)
            add(self.hub * one, self.sink * one, self.overshoot_budget * one, 0 * one)
        return (
            np.concatenate(tails).astype(np.int64),
            np.concatenate(heads).astype(np.int64),
            np.concatenate(caps).astype(np.int64),
            np.concatenate(costs).astype(np.int64),
        )

    def max_flow(self, pairs: Pairs) -> int:
        """Most persons the quotas can take with families split (no overshoot arcs)."""
        from ortools.graph.python import min_cost_flow

        inst = self.inst
        mcf = min_cost_flow.SimpleMinCostFlow()
        heads = self.entry(pairs.rows, pairs.cols, pairs.quota)
        zero = np.zeros(len(pairs.rows), dtype=np.int64)
        mcf.add_arcs_with_capacity_and_unit_cost(pairs.rows, heads, inst.persons[pairs.rows], zero)
        ft, fh, fc, _ = self._fixed_arcs()
        keep = (ft != self.hub) & (fh != self.hub)
        mcf.add_arcs_with_capacity_and_unit_cost(
            ft[keep], fh[keep], fc[keep], np.zeros(int(keep.sum()), dtype=np.int64)
        )
        supply = np.zeros(self.n_nodes, dtype=np.int64)
        supply[: inst.n] = inst.persons
        supply[self.sink] = -int(inst.persons.sum())
        mcf.set_nodes_supplies(np.arange(self.n_nodes), supply)
        mcf.solve_max_flow_with_min_cost()
        return int(mcf.maximum_flow())

    def solve(self, pairs: Pairs, potentials: bool = True) -> Relaxation:
        """Min-cost flow over ``pairs``; potentials by Bellman-Ford if asked."""
        from ortools.graph.python import min_cost_flow

        inst = self.inst
        mcf = min_cost_flow.SimpleMinCostFlow()
        heads = self.entry(pairs.rows, pairs.cols, pairs.quota)
        unit = self.unit_cost(pairs.rows, pairs.cost)
        mcf.add_arcs_with_capacity_and_unit_cost(pairs.rows, heads, inst.persons[pairs.rows], unit)
        ft, fh, fc, fu = self._fixed_arcs()
        mcf.add_arcs_with_capacity_and_unit_cost(ft, fh, fc, fu)
        supply = np.zeros(self.n_nodes, dtype=np.int64)
        supply[: inst.n] = inst.persons
        supply[self.sink] = -int(inst.persons.sum())
        mcf.set_nodes_supplies(np.arange(self.n_nodes), supply)
        status = mcf.solve()
        m = len(pairs.rows)
        if status != mcf.OPTIMAL:
            return Relaxation(pairs, False, math.nan, np.zeros(m, dtype=np.int64), None, self)
        flows = np.asarray(mcf.flows(np.arange(mcf.num_arcs())), dtype=np.int64)
        bound = mcf.optimal_cost() / self.scale
        potential = None
        if potentials:
            potential = self._potentials(pairs, heads, unit, flows[:m], (ft, fh, fc, fu, flows[m:]))
        return Relaxation(pairs, True, bound, flows[:m], potential, self)

    def _potentials(
        self,
        pairs: Pairs,
        heads: IntArray,
        unit: IntArray,
        flow: IntArray,
        fixed: tuple[IntArray, IntArray, IntArray, IntArray, IntArray],
    ) -> IntArray | None:
        """Optimal potentials of the non-case nodes (shortest paths in the residual network).

        Case nodes are eliminated: a unit of case i on arc (i→a) can move to any other arc
        (i→b), which is a residual path a → i → b of cost ``d_ib - d_ia``.
        """
        off = self.n_cases
        m_nodes = self.n_nodes - off
        # Case elimination: for every support arc (flow > 0), edges to all arcs of its case.
        starts = np.searchsorted(pairs.rows, np.arange(self.n_cases + 1))
        support = np.flatnonzero(flow > 0)
        case = pairs.rows[support]
        lengths = starts[case + 1] - starts[case]
        arc = np.repeat(starts[case] - np.cumsum(lengths) + lengths, lengths) + np.arange(
            lengths.sum()
        )
        src = np.repeat(support, lengths)
        keep = arc != src
        t_case = heads[src[keep]] - off
        h_case = heads[arc[keep]] - off
        w_case = unit[arc[keep]] - unit[src[keep]]
        ft, fh, fc, fu, ff = fixed
        fwd = ff < fc
        bwd = ff > 0
        tails = np.concatenate([t_case, ft[fwd] - off, fh[bwd] - off])
        heads_ = np.concatenate([h_case, fh[fwd] - off, ft[bwd] - off])
        weights = np.concatenate([w_case, fu[fwd], -fu[bwd]])
        return bellman_ford(m_nodes, tails, heads_, weights)


def bellman_ford(n: int, tails: IntArray, heads: IntArray, w: IntArray) -> IntArray | None:
    """Shortest distances from a virtual source joined to every node by a 0-cost edge.

    Vectorised over the edges (parallel edges reduced to the cheapest); None if a negative
    cycle keeps the distances falling (never at a flow optimum).
    """
    keep = tails != heads
    tails, heads, w = tails[keep], heads[keep], w[keep]
    key = tails * n + heads
    order = np.lexsort((w, key))
    key, w = key[order], w[order]
    first = np.ones(len(key), dtype=bool)
    first[1:] = key[1:] != key[:-1]
    key, w = key[first], w[first]
    tails, heads = key // n, key % n
    order = np.argsort(heads, kind="stable")
    tails, heads, w = tails[order], heads[order], w[order]
    if len(heads) == 0:
        return np.zeros(n, dtype=np.int64)
    starts = np.flatnonzero(np.r_[True, heads[1:] != heads[:-1]])
    targets = heads[starts]
    dist = np.zeros(n, dtype=np.int64)
    for _ in range(n + 1):
        best = np.minimum.reduceat(dist[tails] + w, starts)
        new = dist.copy()
        new[targets] = np.minimum(dist[targets], best)
        if np.array_equal(new, dist):
            return dist
        dist = new
    return None
