"""Why a batch cannot be placed: the cases, the municipalities and the binding rule.

Three levels, cheapest first:

1. :func:`unplaceable_cases` — a case with no open municipality at all (e.g. a family larger
   than any remaining quota, and no exception);
2. :func:`quota_shortfall` — even with families split, the quotas open to a set of cases hold
   fewer persons than the cases have (a Hall set, found by max flow);
3. :func:`families_do_not_fit` — the persons fit only if families are split.

Messages name cases by ``case_id`` only.
"""

from __future__ import annotations

import numpy as np

from visitering.assignment.eligibility import Basis, open_under_section_11
from visitering.assignment.instance import Instance, IntArray
from visitering.assignment.result import QUOTA_RULE, Diagnosis

MAX_LISTED = 20
#: The source of the housing rule: the law names no paragraph (``docs/rules.md`` § 2).
HOUSING_SOURCE = "no paragraph: dwelling sizes are a practical constraint, docs/rules.md § 2"


def _listing(inst: Instance, rows: IntArray) -> str:
    ids = inst.case_ids
    shown = ", ".join(
        f"{ids[i]} ({inst.persons[i]} {'person' if inst.persons[i] == 1 else 'persons'})"
        for i in rows[:MAX_LISTED]
    )
    more = f" and {len(rows) - MAX_LISTED} more" if len(rows) > MAX_LISTED else ""
    return shown + more


def unplaceable_cases(inst: Instance, basis: np.ndarray) -> tuple[Diagnosis, ...]:
    """Cases with no open municipality, grouped by the rule that closes the last one."""
    stuck = np.flatnonzero(~(basis != Basis.CLOSED).any(axis=1))
    if stuck.size == 0:
        return ()
    ids = inst.case_ids
    # Open under § 11 (quota room, or an exception) but closed by the case's data: housing is
    # the binding rule.  Regression (audit, stop 25): a family with close family in a
    # municipality without a dwelling for it was reported "with no § 11 stk. 3-4 exception".
    section_11 = open_under_section_11(inst)[stuck] != Basis.CLOSED
    by_quota = stuck[~section_11.any(axis=1)]
    by_housing = stuck[section_11.any(axis=1)]
    out = []
    if by_quota.size:
        largest = int(inst.capacity.max(initial=0))
        out.append(
            Diagnosis(
                rule=QUOTA_RULE,
                paragraph="BEK nr. 550/2022 § 11 stk. 1",
                case_ids=tuple(ids[i] for i in by_quota),
                kommuner=(),
                message=(
                    f"{by_quota.size} case(s) larger than any remaining quota (largest: "
                    f"{largest} persons incl. tolerance) with no § 11 stk. 3-4 exception"
                ),
                listing=_listing(inst, by_quota),
            )
        )
    if by_housing.size:
        out.append(
            Diagnosis(
                rule="forbidden_by_case_data",
                paragraph=HOUSING_SOURCE,
                case_ids=tuple(ids[i] for i in by_housing),
                kommuner=(),
                message=(
                    f"{by_housing.size} case(s) for which every municipality with room, or "
                    "open under a § 11 stk. 3-4 exception, is forbidden (no dwelling of the "
                    "size, or excluded)"
                ),
                listing=_listing(inst, by_housing),
            )
        )
    return tuple(out)


def quota_shortfall(
    inst: Instance, basis: np.ndarray, among: np.ndarray | None = None
) -> tuple[Diagnosis, ...]:
    """A set of cases whose open quotas cannot hold them even with families split.

    Max flow from cases (supply = persons) through their quota pairs to the municipalities
    (capacity = remaining quota + tolerance); exception pairs need no quota.  The cases that
    reach, in the residual network, a case left with persons unsent form a Hall set: all the
    municipalities open to them are full.  ``among``: only these cases (a mask), e.g. those
    :func:`unplaceable_cases` did not name already.
    """
    from ortools.graph.python import min_cost_flow

    n, k = inst.n, inst.k
    persons = inst.persons if among is None else np.where(among, inst.persons, 0)
    quota = basis == Basis.QUOTA
    exception = (basis != Basis.CLOSED) & ~quota
    rows, cols = np.nonzero(quota)
    mcf = min_cost_flow.SimpleMinCostFlow()
    sink = n + k
    mcf.add_arcs_with_capacity_and_unit_cost(
        rows.astype(np.int64),
        (n + cols).astype(np.int64),
        persons[rows],
        np.zeros(len(rows), dtype=np.int64),
    )
    ks = np.arange(k, dtype=np.int64)
    mcf.add_arcs_with_capacity_and_unit_cost(
        n + ks, np.full(k, sink), np.maximum(inst.capacity, 0), np.zeros(k, dtype=np.int64)
    )
    ex = np.flatnonzero(exception.any(axis=1)).astype(np.int64)
    mcf.add_arcs_with_capacity_and_unit_cost(
        ex, np.full(len(ex), sink), persons[ex], np.zeros(len(ex), dtype=np.int64)
    )
    supply = np.zeros(n + k + 1, dtype=np.int64)
    supply[:n] = persons
    supply[sink] = -int(persons.sum())
    mcf.set_nodes_supplies(np.arange(n + k + 1), supply)
    mcf.solve_max_flow_with_min_cost()
    flows = np.asarray(mcf.flows(np.arange(mcf.num_arcs())), dtype=np.int64)
    pair_flow = np.zeros((n, k), dtype=np.int64)
    pair_flow[rows, cols] = flows[: len(rows)]
    sent = pair_flow.sum(axis=1) + np.where(exception.any(axis=1), persons, 0)
    short = sent < persons
    if not short.any():
        return ()
    reach_cases = short.copy()
    reach_k = np.zeros(k, dtype=bool)
    while True:
        new_k = reach_k | quota[reach_cases].any(axis=0)
        new_cases = reach_cases | (pair_flow[:, new_k] > 0).any(axis=1)
        if np.array_equal(new_k, reach_k) and np.array_equal(new_cases, reach_cases):
            break
        reach_k, reach_cases = new_k, new_cases
    hall = np.flatnonzero(reach_cases)
    needed = int(persons[hall].sum())
    room = int(np.maximum(inst.capacity[reach_k], 0).sum())
    return (
        Diagnosis(
            rule=QUOTA_RULE,
            paragraph="BEK nr. 550/2022 § 11 stk. 1",
            case_ids=tuple(inst.case_ids[i] for i in hall),
            kommuner=tuple(int(c) for c in inst.codes[reach_k]),
            message=(
                f"{hall.size} case(s) with {needed} persons can only go to "
                f"{int(reach_k.sum())} municipalities whose remaining quotas hold {room} "
                f"persons (short by {needed - room})"
            ),
            listing=_listing(inst, hall),
        ),
    )


def families_do_not_fit(inst: Instance, split: IntArray) -> tuple[Diagnosis, ...]:
    """The quotas hold the persons only if families are split (the relaxation's split cases)."""
    return (
        Diagnosis(
            rule="every_case_placed_once",
            paragraph="integrationsloven § 10; BEK nr. 550/2022 § 11 stk. 1",
            case_ids=tuple(inst.case_ids[i] for i in split),
            kommuner=(),
            message=(
                "the remaining quotas hold every person only if families are split; "
                f"{split.size} famil{'y does' if split.size == 1 else 'ies do'} not fit whole"
            ),
            listing=_listing(inst, split),
        ),
    )
