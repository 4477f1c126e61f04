"""From chosen municipalities to reported placements: objective, legal bases, explanations.

Shared by the solver and the textbook model, so both are measured by the same objective.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from visitering.assignment.costs import (
    Coupling,
    PairCosts,
    group_costs,
    overshoot_costs,
    persons_beyond_quotas,
    tier_costs,
)
from visitering.assignment.eligibility import (
    TIE_BASES,
    Basis,
    basis_detail,
    ties,
    why_closed,
    within_reach,
)
from visitering.assignment.instance import NONE, FloatArray, Instance, IntArray
from visitering.assignment.relaxation import Pairs
from visitering.assignment.result import LegalBasis, Placement, Tie

#: Cases per chunk when a whole (cases × municipalities) cost matrix would be large.
CHUNK = 4_000


def positions(inst: Instance, pairs: Pairs, cols: IntArray) -> IntArray:
    """Index in ``pairs`` of each case's pair in a placement (the pair must exist)."""
    key = pairs.rows * inst.k + pairs.cols
    result: IntArray = np.searchsorted(key, np.arange(inst.n) * inst.k + cols)
    return result


def loads(inst: Instance, quota: np.ndarray, cols: IntArray) -> tuple[IntArray, IntArray, IntArray]:
    """Persons placed per municipality (every basis: the pace tiers), persons on quota pairs
    (§ 11 stk. 1), and persons on quota pairs per (municipality, group)."""
    persons = inst.persons
    placed = np.bincount(cols, weights=persons, minlength=inst.k).astype(np.int64)
    load = np.bincount(cols[quota], weights=persons[quota], minlength=inst.k).astype(np.int64)
    g = inst.group
    has = quota & (g != NONE)
    group_load = np.zeros((inst.k, max(len(inst.groups), 1)), dtype=np.int64)
    np.add.at(group_load, (cols[has], g[has]), persons[has])
    return placed, load, group_load


def objective_of(inst: Instance, cp: Coupling, pairs: Pairs, cols: IntArray) -> float:
    """Total cost of a placement: pair costs, pace tiers, concentration excess and overshoot
    spread."""
    pos = positions(inst, pairs, cols)
    quota = pairs.quota[pos]
    placed, load, group_load = loads(inst, quota, cols)
    total = pairs.cost[pos].sum() + tier_costs(placed, cp, inst.capacity).sum()
    total += overshoot_costs(load, cp, inst.capacity).sum()
    if cp.group_cap is not None:
        total += group_costs(group_load[:, : cp.group_cap.shape[1]], cp).sum()
    return float(total)


def legal_bases(inst: Instance, basis: np.ndarray, cols: IntArray) -> list[LegalBasis]:
    """The legal basis of each placement (BEK nr. 550/2022 § 11).

    A case on a quota pair is ``QUOTA`` while its municipality's remaining quota lasts, in case
    order, ``TOLERANCE`` beyond it within the capacity tolerance, and ``OVERSHOOT`` beyond
    that.  A case placed by an exception is reported as ``QUOTA`` when the quota left after all
    quota cases can hold it anyway (the exception was not needed), else with its exception
    (never with the tolerance: an exception is a legal basis, the tolerance a user's setting).
    """
    rows = np.arange(inst.n)
    b = basis[rows, cols]
    used = np.zeros(inst.k, dtype=np.int64)
    out: list[LegalBasis] = [LegalBasis.QUOTA] * inst.n
    for i in rows[b == Basis.QUOTA]:
        k = cols[i]
        used[k] += inst.persons[i]
        if used[k] > inst.capacity[k]:
            out[i] = LegalBasis.OVERSHOOT
        elif used[k] > inst.remaining[k]:
            out[i] = LegalBasis.TOLERANCE
    for i in rows[b != Basis.QUOTA]:
        k = cols[i]
        if used[k] + inst.persons[i] <= inst.remaining[k]:
            used[k] += inst.persons[i]
        else:
            out[i] = Basis(int(b[i])).legal_basis
    return out


@dataclass(frozen=True, slots=True)
class _Moves:
    """Per case: the best other municipality that could take it (-1 if none) and the change of
    the whole objective if the case alone moved there; and a municipality where it alone
    would have cost less but whose quota the batch's other cases took (-1 if none), with
    the saving; and per case and tie of :func:`ties` (``ties``), the change of moving the case
    alone to the tie's municipality (NaN without a tie) and whether that move was possible."""

    alternative: IntArray
    extra: FloatArray
    taken: IntArray
    saving: FloatArray
    ties: IntArray
    tie_extra: FloatArray
    tie_open: np.ndarray


def _moves(
    inst: Instance,
    basis: np.ndarray,
    pc: PairCosts,
    cp: Coupling,
    cols: IntArray,
    quota: np.ndarray,
    loaded: tuple[IntArray, IntArray, IntArray],
) -> _Moves:
    """Every case moved alone to every other open municipality, the rest as placed
    (``quota``: whether each case is on a quota pair; ``loaded``: :func:`loads` of them).

    A move costs the difference of the case's pair terms, plus the change of the pace tiers
    of the municipality it leaves and the one it joins, plus the change of the concentration
    excess.  It is possible where the municipality could take the case without more persons
    beyond the quotas in all: a legal exception there, quota room left by the other cases,
    or, under ``allow_overshoot``, overshoot there no larger than the overshoot the move ends
    where the case is (regression, review of stop 29: an overshoot case was told that no
    other municipality could take it).  On a placement proven optimal no possible move costs
    less (the batch is placed as a whole: a move that saves more than it costs would have
    been made).
    """
    persons = inst.persons.astype(np.int64)
    placed, load, group_load = loaded
    base = tier_costs(placed, cp, inst.capacity)
    sizes = np.unique(persons)  # the pace tiers' change for each family size
    join = np.stack([tier_costs(placed + s, cp, inst.capacity) - base for s in sizes])
    leave = np.stack([tier_costs(placed - s, cp, inst.capacity) - base for s in sizes])
    # The overshoot spread's change, for a case on a quota pair (zeros without a spread).
    over = overshoot_costs(load, cp, inst.capacity)
    join_q = np.stack([overshoot_costs(load + s, cp, inst.capacity) - over for s in sizes])
    leave_q = np.stack([overshoot_costs(load - s, cp, inst.capacity) - over for s in sizes])
    # Persons beyond the quotas that a quota case of each size adds by joining, and ends by
    # leaving (all zeros on a placement without overshoot, where joining must fit).
    cap = np.maximum(inst.capacity, 0)
    beyond = np.maximum(load - cap, 0)
    adds = np.stack([np.maximum(load + s - cap, 0) - beyond for s in sizes])
    ends = np.stack([beyond - np.maximum(load - s - cap, 0) for s in sizes])
    capped = 0 if cp.group_cap is None else cp.group_cap.shape[1]
    tie = ties(inst)
    out = _Moves(
        np.full(inst.n, -1, dtype=np.int64),
        np.full(inst.n, np.nan),
        np.full(inst.n, -1, dtype=np.int64),
        np.full(inst.n, np.nan),
        tie,
        np.full(tie.shape, np.nan),
        np.zeros(tie.shape, dtype=bool),
    )
    for start in range(0, inst.n, CHUNK):
        rows = np.arange(start, min(start + CHUNK, inst.n))
        local = np.arange(len(rows))
        here = cols[rows]
        p = persons[rows]
        size = np.searchsorted(sizes, p)
        pair = pc.matrix(rows).astype(np.float64)
        move = pair - pair[local, here][:, None] + join[size] + leave[size, here][:, None]
        is_quota = basis[rows] == Basis.QUOTA
        move += np.where(is_quota, join_q[size], 0)
        move += np.where(quota[rows], leave_q[size, here], 0)[:, None]
        g = inst.group[rows]
        grouped = np.flatnonzero((g != NONE) & (g < capped))
        if cp.group_cap is not None and grouped.size:
            gi, q, c = g[grouped], p[grouped, None], here[grouped]
            now, cap = group_load[:, gi].T, cp.group_cap[:, gi].T
            joined = np.maximum(now + q - cap, 0) - np.maximum(now - cap, 0)
            move[grouped] += np.where(is_quota[grouped], joined * cp.group_cost, 0)
            at = np.arange(len(grouped))
            now_c, cap_c = now[at, c], cap[at, c]
            left = np.maximum(now_c - q[:, 0] - cap_c, 0) - np.maximum(now_c - cap_c, 0)
            move[grouped] += np.where(quota[rows[grouped]], left * cp.group_cost, 0)[:, None]
        other = (basis[rows] != Basis.CLOSED) & (np.arange(inst.k) != here[:, None])
        ended = np.where(quota[rows], ends[size, here], 0)[:, None]
        room = ~is_quota | (adds[size] <= ended)
        possible = np.where(other & room, move, np.inf)
        best = possible.argmin(axis=1)
        has = np.isfinite(possible[local, best])
        out.alternative[rows[has]] = best[has]
        out.extra[rows[has]] = possible[local, best][has]
        full = np.where(other & ~room, move, np.inf)
        cheapest = full.argmin(axis=1)
        better = full[local, cheapest] < 0
        out.taken[rows[better]] = cheapest[better]
        out.saving[rows[better]] = -full[local, cheapest][better]
        at, which = np.nonzero(tie[rows] != NONE)
        to = tie[rows[at], which]
        out.tie_extra[rows[at], which] = move[at, to]
        out.tie_open[rows[at], which] = np.isfinite(possible[at, to])
    return out


def _unused_ties(
    inst: Instance, basis: np.ndarray, cols: IntArray, moves: _Moves
) -> list[tuple[Tie, ...]]:
    """Per case, its § 11 stk. 3-4 ties to municipalities other than its own
    (:class:`~visitering.assignment.result.Tie`), with the price of moving there alone or
    the reason it could not take the case."""
    tie = moves.ties
    out: list[tuple[Tie, ...]] = [()] * inst.n
    for i in map(int, np.flatnonzero((tie != NONE).any(axis=1))):
        found = []
        for t, kind in enumerate(TIE_BASES):
            col = int(tie[i, t])
            if col in (NONE, cols[i]) or (
                kind is Basis.JOB_OFFER and within_reach(inst, i, cols[i])
            ):
                continue
            if moves.tie_open[i, t]:
                why_not = None
            elif basis[i, col] == Basis.CLOSED:
                why_not = why_closed(inst, i, col, kind)
            else:
                why_not = "the batch's other cases used its quota"
            found.append(
                Tie(
                    kind.legal_basis,
                    int(inst.codes[col]),
                    float(moves.tie_extra[i, t]) if why_not is None else None,
                    why_not,
                    on_quota=bool(basis[i, col] == Basis.QUOTA),
                )
            )
        out[i] = tuple(found)
    return out


def placements(
    inst: Instance, basis: np.ndarray, pc: PairCosts, cp: Coupling, cols: IntArray
) -> tuple[tuple[Placement, ...], IntArray]:
    """The reported placements, and the overshoot (persons beyond the quota) per municipality.

    Pair terms are exact per case; the pace-tier cost of a municipality is shared by all its
    persons, the concentration cost of a group by its persons under the quota.
    """
    rows = np.arange(inst.n)
    quota = basis[rows, cols] == Basis.QUOTA
    placed, load, group_load = loads(inst, quota, cols)
    persons = inst.persons.astype(np.float64)
    terms = {name: value.astype(np.float64) for name, value in pc.terms(rows, cols).items()}
    if inst.problem.weights.even_distribution:
        pace = tier_costs(placed, cp, inst.capacity).astype(np.float64)
        terms["even_distribution"] = pace[cols] * persons / placed[cols]
        # The overshoot spread, shared by the persons on quota pairs.
        spread = overshoot_costs(load, cp, inst.capacity).astype(np.float64)
        share = np.where(quota, persons / np.maximum(load[cols], 1), 0.0)
        terms["even_distribution"] += spread[cols] * share
    if cp.group_cap is not None:
        g = inst.group
        excess = group_costs(group_load[:, : cp.group_cap.shape[1]], cp).astype(np.float64)
        has = quota & (g != NONE)
        gi = np.where(has, g, 0)
        denom = np.maximum(group_load[cols, gi], 1)
        terms["concentration"] = np.where(has, excess[cols, gi] * persons / denom, 0.0)
    bases = legal_bases(inst, basis, cols)
    over = np.maximum(load - np.maximum(inst.capacity, 0), 0)
    moves = _moves(inst, basis, pc, cp, cols, quota, (placed, load, group_load))
    alt, extra = moves.alternative, moves.extra
    unused = _unused_ties(inst, basis, cols, moves)
    ids = inst.case_ids
    out = []
    for i in range(inst.n):
        t = {name: float(v[i]) for name, v in terms.items()}
        out.append(
            Placement(
                case_id=ids[i],
                kommunekode=int(inst.codes[cols[i]]),
                persons=int(inst.persons[i]),
                legal_basis=bases[i],
                terms=t,
                cost=float(sum(t.values())),
                alternative_kommune=int(inst.codes[alt[i]]) if alt[i] >= 0 else None,
                alternative_extra_cost=float(extra[i]) if alt[i] >= 0 else None,
                taken_kommune=int(inst.codes[moves.taken[i]]) if moves.taken[i] >= 0 else None,
                taken_saving=float(moves.saving[i]) if moves.taken[i] >= 0 else None,
                basis_detail=_overshoot_detail(inst, cp, over, cols[i])
                if bases[i] is LegalBasis.OVERSHOOT
                else basis_detail(inst, i, bases[i]),
                unused_ties=unused[i],
            )
        )
    return tuple(out), over


def _overshoot_detail(inst: Instance, cp: Coupling, over: IntArray, col: int) -> str:
    """For the record of an overshoot: how many persons the batch put beyond the
    municipality's quota as overshoot, and its share (:func:`.costs.overshoot_shares`) of
    the persons the batch brought beyond the remaining quotas, exceptions included: the
    total the shares divide (regression, review of stop 29: the total went unsaid, and the
    shares added up to more than the overshoot)."""
    beyond = persons_beyond_quotas(inst)
    return (
        f"the batch put {int(over[col])} person(s) beyond this municipality's quota as "
        f"overshoot, where its share of the {beyond} persons the batch brought beyond the "
        f"remaining quotas (by exception or overshoot) was {cp.over_share[col]:.1f}"
    )
