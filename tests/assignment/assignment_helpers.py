"""Small hand-made instances for the visitering tests.

A *line* of five municipalities 101-105, 20 km apart, each the land neighbour of the next: with
the default commute model (Parameters.commute_minutes) 20 km is a 87-minute daily commute (in
reach of a job), 40 km a 153-minute one (beyond the 2 hours of § 11 stk. 4).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from itertools import pairwise
from typing import Any

import numpy as np

from visitering.assignment import Parameters, Problem, Weights
from visitering.assignment.costs import PairCosts, coupling
from visitering.assignment.eligibility import Basis, eligibility
from visitering.assignment.instance import compile_problem
from visitering.assignment.mip import MipData, solve_mip
from visitering.assignment.relaxation import Pairs
from visitering.cases import Case, Education, KommuneProfil

LINE = (101, 102, 103, 104, 105)
STEP_KM = 20.0


def line_neighbours(codes: Sequence[int] = LINE) -> dict[int, frozenset[int]]:
    out: dict[int, set[int]] = {c: set() for c in codes}
    for a, b in pairwise(codes):
        out[a].add(b)
        out[b].add(a)
    return {c: frozenset(v) for c, v in out.items()}


def line_distances(codes: Sequence[int] = LINE) -> dict[tuple[int, int], float]:
    return {(a, b): STEP_KM * abs(i - j) for i, a in enumerate(codes) for j, b in enumerate(codes)}


def employment(best: int, codes: Sequence[int] = LINE) -> dict[int, KommuneProfil]:
    """Profiles where ``best`` has far better employment than the others (pulls cases there)."""
    return {
        c: KommuneProfil(kode=c, employment={e: (95 if c == best else 20) for e in Education})
        for c in codes
    }


def make_problem(
    cases: Sequence[Case],
    quota: Mapping[int, int],
    profiles: Mapping[int, KommuneProfil] | None = None,
    weights: Weights | None = None,
    **params: Any,
) -> Problem:
    """A problem on the line (or on the codes of ``quota``), time limit 10 s by default."""
    codes = sorted(quota)
    params.setdefault("time_limit_s", 10.0)
    return Problem(
        cases=tuple(cases),
        remaining_quota=dict(quota),
        profiles=dict(profiles or {}),
        neighbours=line_neighbours(codes),
        distance_km=line_distances(codes),
        weights=weights or Weights(),
        parameters=Parameters(**params),
    )


def singles(n: int, prefix: str = "s", **fields: Any) -> list[Case]:
    return [Case(case_id=f"{prefix}{i}", persons=1, **fields) for i in range(n)]


def mip_columns(problem: Problem) -> np.ndarray:
    """Municipality index per case from the exact MIP over every open pair (-1: unplaced)."""
    inst = compile_problem(problem)
    basis = eligibility(inst)
    cost = PairCosts(inst).matrix()
    pairs = Pairs.select(basis, cost, basis != Basis.CLOSED)
    data = MipData(
        inst,
        coupling(inst),
        pairs,
        free=np.arange(len(pairs.rows)),
        fixed=np.zeros(0, dtype=np.int64),
        overshoot_mode=problem.parameters.allow_overshoot,
        overshoot_budget=None,
    )
    sol = solve_mip(data, 10.0, 0.0, 0, "highs")
    cols = np.full(inst.n, -1, dtype=np.int64)
    ok = sol.choice >= 0
    cols[ok] = pairs.cols[sol.choice[ok]]
    return cols


def two_families() -> Problem:
    """Two cases (3 persons and 1, basic education) for 101 and 102 with quota 4 each, and the
    default weights: every objective is even (the objective step is 2)."""
    return make_problem(
        [Case(case_id="a", persons=3, education=Education.BASIC), Case(case_id="b", persons=1)],
        {LINE[0]: 4, LINE[1]: 4},
        {c: KommuneProfil(kode=c, employment={Education.BASIC: 37}) for c in LINE[:2]},
        Weights(),
    )
