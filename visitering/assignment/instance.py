"""A :class:`~visitering.assignment.problem.Problem` compiled into index arrays.

Municipalities are indexed 0..K-1 in ascending kommunekode, cases 0..n-1 in input order; every
matrix is ``(n, K)`` or ``(K, K)``.  This is the only place that walks the Python objects; the
rules, costs and solvers work on these arrays.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from visitering.assignment.problem import Problem

IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]
FloatArray = npt.NDArray[np.float64]

#: Marks "no municipality" in an index array.
NONE = -1


@dataclass(frozen=True, eq=False)
class Instance:
    """Index arrays of one problem.

    Attributes
    ----------
    codes:
        kommunekode per municipality index.
    remaining, capacity:
        Remaining quota, and the § 11 stk. 1 limit in persons: remaining quota + tolerance where
        quota is left, 0 in a zero-quota or full municipality.
    annual:
        Whole-year quota if given, else None.
    beyond:
        Persons placed this year beyond the quota (:attr:`Problem.beyond_quota`; zeros
        without it).
    persons:
        Persons per case.
    neighbour:
        ``neighbour[a, b]``: b is a land neighbour of a (never a itself).
    commute_min:
        Approximate total daily commute between municipalities (NaN where unknown).
    largest_dwelling:
        Largest household a municipality has a free dwelling for (``inf`` without housing data).
    close_family, institution, job, latest_stay:
        Municipality index per case, or :data:`NONE`.
    job_hours:
        Hours a week of the job offer (0 without one).
    special:
        The case has recorded "ganske særlige forhold" (§ 11 stk. 3).
    group, groups:
        Nationality (or language) group index per case (:data:`NONE` if unknown) and the
        group names.
    forbidden:
        ``(n, K)``: municipalities the problem forbids explicitly per case.
    """

    problem: Problem
    codes: IntArray
    remaining: IntArray
    capacity: IntArray
    annual: IntArray | None
    beyond: IntArray
    persons: IntArray
    neighbour: BoolArray
    commute_min: FloatArray
    largest_dwelling: FloatArray
    close_family: IntArray
    institution: IntArray
    job: IntArray
    job_hours: FloatArray
    latest_stay: IntArray
    special: BoolArray
    special_kommune: IntArray
    group: IntArray
    groups: tuple[str, ...]
    forbidden: BoolArray

    @property
    def n(self) -> int:
        """Number of cases."""
        return len(self.persons)

    @property
    def k(self) -> int:
        """Number of municipalities."""
        return len(self.codes)

    @property
    def case_ids(self) -> list[str]:
        """case_id per case index."""
        return [c.case_id for c in self.problem.cases]

    @property
    def near(self) -> BoolArray:
        """``near[a, b]``: b is a or a neighbour of a."""
        return self.neighbour | np.eye(self.k, dtype=bool)


def compile_problem(problem: Problem) -> Instance:
    """Index arrays of ``problem`` (already validated by :class:`Problem`)."""
    codes = np.array(problem.kommuner, dtype=np.int64)
    index = {int(c): i for i, c in enumerate(codes)}
    k = len(codes)
    params = problem.parameters
    remaining = np.array([problem.remaining_quota[int(c)] for c in codes], dtype=np.int64)
    annual = (
        None
        if problem.annual_quota is None
        else np.array([problem.annual_quota[int(c)] for c in codes], dtype=np.int64)
    )

    neighbour = np.zeros((k, k), dtype=bool)
    for a, near in problem.neighbours.items():
        if a in index:
            for b in near:
                if b in index and b != a:
                    neighbour[index[a], index[b]] = neighbour[index[b], index[a]] = True

    commute = np.full((k, k), np.nan)
    for (a, b), km in problem.distance_km.items():
        if a in index and b in index:
            commute[index[a], index[b]] = commute[index[b], index[a]] = params.commute_minutes(km)
    np.fill_diagonal(commute, params.commute_minutes(0.0))

    largest = np.full(k, math.inf)
    for kode, profile in problem.profiles.items():
        if profile.dwellings is not None:
            free = [size for size, count in profile.dwellings.items() if count > 0]
            largest[index[kode]] = max(free, default=0)

    cases = problem.cases

    def where(attr: str) -> IntArray:
        return np.array(
            [NONE if getattr(c, attr) is None else index[getattr(c, attr)] for c in cases],
            dtype=np.int64,
        )

    group_of = [
        c.nationality if params.concentration_by == "nationality" else c.language for c in cases
    ]
    groups = tuple(sorted({g for g in group_of if g}))
    group_index = {g: i for i, g in enumerate(groups)}
    forbidden = np.zeros((len(cases), k), dtype=bool)
    row_of = {c.case_id: i for i, c in enumerate(cases)}
    for case_id, banned in problem.forbidden.items():
        for kode in banned:
            forbidden[row_of[case_id], index[kode]] = True

    return Instance(
        problem=problem,
        codes=codes,
        remaining=remaining,
        # The tolerance stretches a quota that is not used up; it never opens a zero-quota or
        # full municipality (§ 11 stk. 1 and 3-4), so over a ledger's year it is spent once.
        capacity=np.where(remaining > 0, remaining + params.capacity_tolerance, 0),
        annual=annual,
        beyond=np.array(
            [(problem.beyond_quota or {}).get(int(c), 0) for c in codes], dtype=np.int64
        ),
        persons=np.array([c.persons for c in cases], dtype=np.int64),
        neighbour=neighbour,
        commute_min=commute,
        largest_dwelling=largest,
        close_family=where("close_family_kommune"),
        institution=where("institution_kommune"),
        job=where("job_offer_kommune"),
        job_hours=np.array([c.job_offer_hours or 0.0 for c in cases], dtype=np.float64),
        latest_stay=where("latest_stay_kommune"),
        special=np.array([bool(c.special_circumstances) for c in cases], dtype=bool),
        special_kommune=where("special_circumstances_kommune"),
        group=np.array([group_index[g] if g else NONE for g in group_of], dtype=np.int64),
        groups=groups,
        forbidden=forbidden,
    )
