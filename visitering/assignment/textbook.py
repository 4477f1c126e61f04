"""The textbook model, for the benchmark: one CP-SAT Boolean per (case, municipality) pair.

Same rules, same costs, same coupling terms as :mod:`.mip`, over *every* open pair and without
the relaxation; it shows what the relaxation-first solver buys.  On thousands of cases it
stays far from the bound within any reasonable time.  Not used by :func:`solve`.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from visitering.assignment.costs import Coupling, PairCosts, coupling
from visitering.assignment.eligibility import Basis, eligibility
from visitering.assignment.instance import NONE, Instance, IntArray, compile_problem
from visitering.assignment.placements import objective_of
from visitering.assignment.problem import Problem
from visitering.assignment.relaxation import Pairs

if TYPE_CHECKING:
    pass


@dataclass(frozen=True)
class TextbookResult:
    """Outcome of the textbook model: CP-SAT status name, objective, CP-SAT's own bound."""

    status: str
    objective: float | None
    own_bound: float
    build_s: float
    solve_s: float
    cols: IntArray | None


class TextbookModel:
    """Variables, one method per rule, objective; :meth:`add_constraints` is the contents."""

    def __init__(self, inst: Instance, basis: np.ndarray, cost: IntArray, cp: Coupling) -> None:
        from ortools.sat.python import cp_model

        self.inst, self.basis, self.cost, self.cp = inst, basis, cost, cp
        self.model = cp_model.CpModel()
        self.rows, self.cols = np.nonzero(basis != Basis.CLOSED)
        self.x = [
            self.model.new_bool_var(f"x{i}_{k}") for i, k in zip(self.rows, self.cols, strict=True)
        ]
        self.quota = basis[self.rows, self.cols] == Basis.QUOTA
        persons = inst.persons
        self.load: list[list[tuple[int, Any]]] = [[] for _ in range(inst.k)]
        self.placed: list[list[tuple[int, Any]]] = [[] for _ in range(inst.k)]
        self.group_load: dict[tuple[int, int], list[tuple[int, Any]]] = {}
        for j, (i, k) in enumerate(zip(self.rows.tolist(), self.cols.tolist(), strict=True)):
            self.placed[k].append((int(persons[i]), self.x[j]))
            if self.quota[j]:
                self.load[k].append((int(persons[i]), self.x[j]))
                g = int(inst.group[i])
                if g != NONE and cp.group_cap is not None:
                    self.group_load.setdefault((k, g), []).append((int(persons[i]), self.x[j]))
        big = int(persons.sum())
        self.overshoot = [
            self.model.new_int_var(
                0, big if inst.problem.parameters.allow_overshoot else 0, f"o{k}"
            )
            for k in range(inst.k)
        ]
        self.tiers = [
            [self.model.new_int_var(0, int(c), f"z{k}_{t}") for t, c in enumerate(cp.tier_cap[k])]
            for k in range(inst.k)
        ]
        # The overshoot spread's tiers (costs.overshoot_costs): persons beyond the quota.
        self.spread = [
            [self.model.new_int_var(0, int(min(c, big)), f"s{k}_{t}") for t, c in enumerate(caps)]
            for k, caps in enumerate(cp.over_cap)
        ]
        # Persons beyond the quota (under an exception, or overshoot): the top tier's price.
        self.beyond = [self.model.new_int_var(0, big, f"b{k}") for k in range(inst.k)]
        self.excess = {key: self.model.new_int_var(0, big, f"y{key}") for key in self.group_load}

    def add_constraints(self) -> None:
        """Every rule of the exact model."""
        self._every_case_placed_once()
        self._respect_remaining_quota()
        self._even_distribution_tiers()
        self._concentration_limits()
        self._overshoot_spread()

    def _every_case_placed_once(self) -> None:
        """§ 10 and BEK nr. 550/2022 § 11: each case in exactly one municipality, whole."""
        by_case: list[list[Any]] = [[] for _ in range(self.inst.n)]
        for j, i in enumerate(self.rows.tolist()):
            by_case[i].append(self.x[j])
        for xs in by_case:
            self.model.add_exactly_one(xs)

    @staticmethod
    def _persons(terms: list[tuple[int, Any]]) -> Any:
        from ortools.sat.python import cp_model

        return cp_model.LinearExpr.weighted_sum([x for _, x in terms], [p for p, _ in terms])

    def _respect_remaining_quota(self) -> None:
        """§ 11 stk. 1: persons under the quota ≤ remaining quota + tolerance (+ overshoot)."""
        for k in range(self.inst.k):
            quota_load = self._persons(self.load[k])
            self.model.add(quota_load <= int(self.inst.capacity[k]) + self.overshoot[k])

    def _even_distribution_tiers(self) -> None:
        """Even distribution: every person placed fills the convex pace tiers."""
        for k in range(self.inst.k):
            placed = self._persons(self.placed[k])
            self.model.add(sum(self.tiers[k]) + self.beyond[k] == placed)

    def _concentration_limits(self) -> None:
        """Soft group limit: excess ≥ group load - limit."""
        assert self.cp.group_cap is not None or not self.excess
        for (k, g), terms in self.group_load.items():
            assert self.cp.group_cap is not None
            load = self._persons(terms)
            self.model.add(self.excess[(k, g)] >= load - int(self.cp.group_cap[k, g]))

    def _overshoot_spread(self) -> None:
        """Every person beyond the quota fills the convex overshoot-spread tiers."""
        for k in range(self.inst.k):
            self.model.add(sum(self.spread[k]) == self.overshoot[k])

    def set_objective(self) -> None:
        """Pair costs + pace tiers + concentration + overshoot spread (+ overshoot first,
        lexicographically)."""
        from ortools.sat.python import cp_model

        c = self.cost[self.rows, self.cols].tolist()
        xs: list[Any] = list(self.x)
        coefs: list[int] = [int(v) for v in c]
        tier_cost = self.cp.tier_cost.tolist()
        top = int(self.cp.tier_cost[-1])
        for k in range(self.inst.k):
            xs.extend(self.tiers[k])
            coefs.extend(int(t) for t in tier_cost)
        xs.extend(self.beyond)
        coefs.extend([top] * len(self.beyond))
        xs.extend(self.excess.values())
        coefs.extend([self.cp.group_cost] * len(self.excess))
        for k in range(self.inst.k):
            xs.extend(self.spread[k])
            coefs.extend(int(c) for c in self.cp.over_cost)
        if self.inst.problem.parameters.allow_overshoot:
            xs.extend(self.overshoot)
            # More than any placement's cost can differ by, so that overshoot comes first: the
            # pair costs, and every person's pace and concentration cost.  Regression (fuzz
            # audit, stop 28): with the pair costs alone it took 1-2 persons of overshoot to
            # save about 17,000 points where the solver found none.
            persons = int(self.inst.persons.sum())
            over_weight = 1 + int(np.abs(self.cost).max(initial=0)) * self.inst.n
            over_weight += (top + int(self.cp.group_cost) + int(self.cp.over_cost[-1])) * persons
            coefs.extend([over_weight] * len(self.overshoot))
        self.model.minimize(cp_model.LinearExpr.weighted_sum(xs, coefs))


def solve_textbook(
    problem: Problem, time_limit_s: float | None = None, workers: int = 2
) -> TextbookResult:
    """Build and solve the textbook model with CP-SAT (same time limit as ``problem``)."""
    from ortools.sat.python import cp_model

    start = time.perf_counter()
    inst = compile_problem(problem)
    basis = eligibility(inst)
    cost = PairCosts(inst).matrix()
    cp = coupling(inst)
    tm = TextbookModel(inst, basis, cost, cp)
    tm.add_constraints()
    tm.set_objective()
    built = time.perf_counter()
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = (
        problem.parameters.time_limit_s if time_limit_s is None else time_limit_s
    )
    solver.parameters.num_workers = workers
    solver.parameters.random_seed = problem.parameters.seed
    status = solver.solve(tm.model)
    solved = time.perf_counter()
    name = solver.status_name(status)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return TextbookResult(name, None, math.nan, built - start, solved - built, None)
    chosen = np.array([solver.boolean_value(x) for x in tm.x], dtype=bool)
    cols = np.full(inst.n, -1, dtype=np.int64)
    cols[tm.rows[chosen]] = tm.cols[chosen]
    pairs = Pairs.select(basis, cost, basis != Basis.CLOSED)
    objective = objective_of(inst, cp, pairs, cols)
    return TextbookResult(
        name, objective, float(solver.best_objective_bound), built - start, solved - built, cols
    )
