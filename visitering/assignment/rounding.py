"""Quick placements: round the relaxation, then improve by local search.

The relaxation splits at most (municipalities - 1) families, so putting each case where most of
its persons went is almost a placement; where that overfills a quota (§ 11 stk. 1), single
persons move out along a min-cost flow (:func:`_repair_with_singles`).
:func:`local_search` then moves single cases while the total cost (pair costs, pace tiers,
concentration) falls.  The result is an incumbent for the MIP (its objective prunes the
search).
"""

from __future__ import annotations

import time

import numpy as np

from visitering.assignment.costs import Coupling, tier_costs
from visitering.assignment.instance import NONE, Instance, IntArray
from visitering.assignment.placements import loads, positions
from visitering.assignment.relaxation import Pairs, Relaxation


def round_relaxation(
    inst: Instance, pairs: Pairs, relax: Relaxation, key: np.ndarray
) -> IntArray | None:
    """Municipality index per case, within every quota, or None.

    ``key`` ranks the pairs of ``pairs`` (lower is better), e.g. their reduced cost.
    """
    flow = relax.flow
    # The pair with the most flow per case (ties: the better key).
    order = np.lexsort((key, -flow, pairs.rows))
    first = np.ones(len(order), dtype=bool)
    first[1:] = pairs.rows[order][1:] != pairs.rows[order][:-1]
    chosen = order[first]
    if len(chosen) != inst.n:
        return None
    pos = np.empty(inst.n, dtype=np.int64)
    pos[pairs.rows[chosen]] = chosen
    persons = inst.persons
    cap = np.maximum(inst.capacity, 0)
    load = np.bincount(
        pairs.cols[pos][pairs.quota[pos]], weights=persons[pairs.quota[pos]], minlength=inst.k
    ).astype(np.int64)
    if np.any(load > cap):
        moved = _move_families_to_singles(inst, pairs, pos, load, key)
        if moved is None:
            return None
        repaired = _repair_with_singles(inst, pairs, moved, load, key)
        if repaired is None:
            return None
        pos = repaired
    return pairs.cols[pos]


def _move_families_to_singles(
    inst: Instance, pairs: Pairs, pos: IntArray, load: IntArray, key: np.ndarray
) -> IntArray | None:
    """Move families out of overfilled municipalities that lack singles to absorb the excess.

    Each move takes the family with the cheapest change of key to a municipality with room for
    it, or with enough singles to pass the excess on.  ``load`` is updated in place.
    """
    persons = inst.persons
    cap = np.maximum(inst.capacity, 0)
    pos = pos.copy()
    starts = np.searchsorted(pairs.rows, np.arange(inst.n + 1))
    for _ in range(inst.n):
        at_quota = pairs.quota[pos]
        single = (persons == 1) & at_quota
        singles = np.bincount(pairs.cols[pos][single], minlength=inst.k)
        excess = np.maximum(load - cap, 0)
        short = np.flatnonzero(excess > singles)
        if short.size == 0:
            return pos
        k = int(short[0])
        best: tuple[float, int, int] | None = None
        for i in np.flatnonzero((pairs.cols[pos] == k) & at_quota & (persons > 1)):
            seg = np.arange(starts[i], starts[i + 1])
            to = pairs.cols[seg]
            after = load[to] + persons[i]
            absorb = np.maximum(after - cap[to], 0) <= singles[to]
            ok = (~pairs.quota[seg] | absorb) & (to != k)
            if ok.any():
                j = seg[ok][np.argmin(key[seg[ok]])]
                delta = float(key[j] - key[pos[i]])
                if best is None or delta < best[0]:
                    best = (delta, int(i), int(j))
        if best is None:
            return None
        _, case, pair = best
        load[k] -= persons[case]
        if pairs.quota[pair]:
            load[pairs.cols[pair]] += persons[case]
        pos[case] = pair
    return None


def _repair_with_singles(
    inst: Instance, pairs: Pairs, pos: IntArray, load: IntArray, key: np.ndarray
) -> IntArray | None:
    """Empty the overfilled quotas by moving single persons, as one min-cost flow.

    Single persons are the liquid of the problem: moving them keeps families whole, and a
    flow of them is integral.  Overfilled municipality k supplies its excess; a single at k may
    move (at its change of key) to a municipality with room or to an exception pair.  Chains
    are allowed.  None if the singles cannot absorb the excess.
    """
    from ortools.graph.python import min_cost_flow

    persons = inst.persons
    cap = np.maximum(inst.capacity, 0)
    k = inst.k
    excess = np.maximum(load - cap, 0)
    room = np.maximum(cap - load, 0)
    singles = np.flatnonzero((persons == 1) & pairs.quota[pos])
    # Nodes: municipalities 0..k-1, sink k, singles k+1...
    sink = k
    node = np.full(inst.n, -1, dtype=np.int64)
    node[singles] = k + 1 + np.arange(len(singles))
    scale = 1000.0
    tails: list[np.ndarray] = [pairs.cols[pos[singles]], np.arange(k)]
    heads: list[np.ndarray] = [node[singles], np.full(k, sink)]
    caps: list[np.ndarray] = [np.ones(len(singles), dtype=np.int64), room]
    costs: list[np.ndarray] = [np.zeros(len(singles), dtype=np.int64), np.zeros(k, dtype=np.int64)]
    is_single = np.zeros(inst.n, dtype=bool)
    is_single[singles] = True
    arcs = np.flatnonzero(is_single[pairs.rows])
    arcs = arcs[arcs != pos[pairs.rows[arcs]]]
    delta = np.rint((key[arcs] - key[pos[pairs.rows[arcs]]]) * scale).astype(np.int64)
    tails.append(node[pairs.rows[arcs]])
    heads.append(np.where(pairs.quota[arcs], pairs.cols[arcs], sink))
    caps.append(np.ones(len(arcs), dtype=np.int64))
    costs.append(delta)
    mcf = min_cost_flow.SimpleMinCostFlow()
    n_fixed = len(singles) + k
    mcf.add_arcs_with_capacity_and_unit_cost(
        np.concatenate(tails), np.concatenate(heads), np.concatenate(caps), np.concatenate(costs)
    )
    supply = np.zeros(k + 1 + len(singles), dtype=np.int64)
    supply[:k] = excess
    supply[sink] = -int(excess.sum())
    mcf.set_nodes_supplies(np.arange(len(supply)), supply)
    if mcf.solve() != mcf.OPTIMAL:
        return None
    flow = np.asarray(mcf.flows(np.arange(n_fixed, mcf.num_arcs())), dtype=np.int64)
    moved = arcs[flow > 0]
    pos = pos.copy()
    pos[pairs.rows[moved]] = moved
    return pos


def local_search(
    inst: Instance,
    cp: Coupling,
    pairs: Pairs,
    cols: IntArray,
    deadline: float,
    max_passes: int = 20,
) -> tuple[IntArray, bool]:
    """Improve a placement by moving single cases while the total cost falls.

    A move must keep every quota (§ 11 stk. 1); its gain counts the pair costs, the pace tiers
    of both municipalities (every person placed counts, see :mod:`.costs`) and the
    concentration of the case's group.  Stops at a local optimum, after ``max_passes``
    passes, or at ``deadline`` (``time.perf_counter()``).  Returns the placement and whether
    the deadline stopped it (then the placement depends on the machine's speed).
    """
    cols = cols.copy()
    persons = inst.persons
    cap = np.maximum(inst.capacity, 0)
    starts = np.searchsorted(pairs.rows, np.arange(inst.n + 1))
    pos = positions(inst, pairs, cols)
    placed, load, gload = loads(inst, pairs.quota[pos], cols)
    groups = cp.group_cap
    g_of = inst.group
    for _ in range(max_passes):
        improved = False
        for i in range(inst.n):
            if time.perf_counter() > deadline:
                return cols, True
            seg = np.arange(starts[i], starts[i + 1])
            if seg.size < 2:
                continue
            p = int(persons[i])
            j0 = pos[i]
            k0 = int(cols[i])
            new_k = pairs.cols[seg]
            q = pairs.quota[seg]
            gain = pairs.cost[seg] - pairs.cost[j0]
            at_k0 = np.array([k0, k0])
            before, after = tier_costs(placed[at_k0] - [0, p], cp, inst.capacity, at_k0)
            here = np.where(new_k == k0, placed[new_k] - p, placed[new_k])
            add = tier_costs(here + p, cp, inst.capacity, new_k)
            add -= tier_costs(here, cp, inst.capacity, new_k)
            gain = gain + (after - before) + add
            base = (
                np.where(new_k == k0, load[new_k] - p, load[new_k])
                if pairs.quota[j0]
                else load[new_k]
            )
            fits = ~q | (base + p <= cap[new_k])
            g = int(g_of[i])
            if groups is not None and g != NONE:
                gc = cp.group_cost
                cap_g = groups[:, g]
                if pairs.quota[j0]:
                    gain = gain + gc * (
                        max(gload[k0, g] - p - cap_g[k0], 0) - max(gload[k0, g] - cap_g[k0], 0)
                    )
                gbase = np.where(
                    (new_k == k0) & pairs.quota[j0], gload[new_k, g] - p, gload[new_k, g]
                )
                gadd = np.maximum(gbase + p - cap_g[new_k], 0) - np.maximum(gbase - cap_g[new_k], 0)
                gain = gain + np.where(q, gc * gadd, 0)
            gain = np.where(fits & (seg != j0), gain, np.iinfo(np.int64).max)
            best = int(np.argmin(gain))
            if gain[best] >= 0:
                continue
            j = int(seg[best])
            k1 = int(new_k[best])
            placed[k0] -= p
            placed[k1] += p
            if pairs.quota[j0]:
                load[k0] -= p
                if groups is not None and g != NONE:
                    gload[k0, g] -= p
            if pairs.quota[j]:
                load[k1] += p
                if groups is not None and g != NONE:
                    gload[k1, g] += p
            pos[i] = j
            cols[i] = k1
            improved = True
        if not improved:
            break
    return cols, False
