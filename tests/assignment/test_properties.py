"""Hypothesis properties on small random batches, checked against brute force.

For every batch: each case is placed exactly once; persons placed under the quota basis never
exceed a municipality's remaining quota (+ tolerance); every other basis is an exception that
really applies to the case there; nothing lands where the case is forbidden; the bound never
exceeds the objective.  And on batches small enough to enumerate: the solver is INFEASIBLE
exactly when no placement exists, and otherwise optimal.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import replace

import numpy as np
import pytest
from assignment_helpers import LINE, make_problem, two_families
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from visitering.assignment import LegalBasis, Problem, Status, Weights, rounds, search, solve
from visitering.assignment.columns import cost_matrix
from visitering.assignment.costs import PairCosts, coupling
from visitering.assignment.eligibility import Basis, eligibility
from visitering.assignment.instance import compile_problem
from visitering.assignment.knapsacks import knapsacks, knapsacks_python
from visitering.assignment.lagrangian import _Dual
from visitering.assignment.placements import objective_of
from visitering.assignment.relaxation import Pairs
from visitering.assignment.textbook import solve_textbook
from visitering.cases import Case, Education, KommuneProfil


@st.composite
def problems(draw: st.DrawFn, max_cases: int = 5, max_kommuner: int = 3) -> Problem:
    k = draw(st.integers(2, max_kommuner))
    codes = LINE[:k]
    quota = {c: draw(st.integers(0, 6)) for c in codes}
    maybe_kommune = st.none() | st.sampled_from(codes)
    cases = []
    for i in range(draw(st.integers(1, max_cases))):
        job = draw(maybe_kommune)
        cases.append(
            Case(
                case_id=f"c{i}",
                persons=draw(st.integers(1, 4)),
                nationality=draw(st.sampled_from(["SY", "ER"])),
                education=draw(st.sampled_from(list(Education))),
                needs=draw(st.sampled_from([(), ("trauma",)])),
                close_family_kommune=draw(st.none() | st.none() | maybe_kommune),
                institution_kommune=draw(st.none() | st.none() | st.none() | maybe_kommune),
                job_offer_kommune=job,
                job_offer_hours=None if job is None else draw(st.sampled_from([10.0, 20.0])),
                latest_stay_kommune=draw(maybe_kommune),
                special_circumstances=draw(st.sampled_from([None] * 6 + ["medical"])),
            )
        )
    profiles = {
        c: KommuneProfil(
            kode=c,
            treatment_offers=draw(st.sampled_from([frozenset(), frozenset({"trauma"})])),
            employment={e: draw(st.integers(0, 100)) for e in Education},
            dwellings=draw(st.none() | st.none() | st.just({2: 3})),
        )
        for c in codes
    }
    return make_problem(
        cases,
        quota,
        profiles,
        Weights(even_distribution=draw(st.sampled_from([0, 2])), concentration=2),
        capacity_tolerance=draw(st.sampled_from([0, 0, 1])),
        concentration_min_persons=draw(st.sampled_from([1, 10])),
        commute_speed_kmh=draw(st.sampled_from([45.0, 25.0])),
        allow_overshoot=draw(st.sampled_from([False, False, True])),
    )


def _exception_applies(problem: Problem, case: Case, kode: int, basis: LegalBasis) -> bool:
    if basis is LegalBasis.INSTITUTION:
        return case.institution_kommune == kode
    if basis is LegalBasis.CLOSE_FAMILY:
        return case.close_family_kommune == kode
    if basis is LegalBasis.SPECIAL_CIRCUMSTANCES:
        return case.special_circumstances is not None
    if basis is LegalBasis.JOB_OFFER:
        work = case.job_offer_kommune
        near = work == kode or kode in problem.neighbours.get(work or 0, ())
        return work is not None and (case.job_offer_hours or 0) >= 15 and near
    return basis is LegalBasis.OVERSHOOT and problem.parameters.allow_overshoot


def _check_rules(problem: Problem) -> None:
    result = solve(problem)
    if not result.is_ok:
        assert result.status is Status.INFEASIBLE and result.diagnosis
        return
    by_case = {c.case_id: c for c in problem.cases}
    assert sorted(p.case_id for p in result.placements) == sorted(by_case)
    tolerance = problem.parameters.capacity_tolerance
    on_quota: dict[LegalBasis, dict[int, int]] = {LegalBasis.QUOTA: {}, LegalBasis.TOLERANCE: {}}
    for p in result.placements:
        case = by_case[p.case_id]
        assert p.persons == case.persons
        profile = problem.profiles[p.kommunekode]
        assert profile.dwellings is None or case.persons <= max(profile.dwellings)
        if p.legal_basis in on_quota:
            used = on_quota[p.legal_basis]
            used[p.kommunekode] = used.get(p.kommunekode, 0) + p.persons
        else:
            assert _exception_applies(problem, case, p.kommunekode, p.legal_basis), p
    quota, stretched = on_quota[LegalBasis.QUOTA], on_quota[LegalBasis.TOLERANCE]
    for kode in quota.keys() | stretched.keys():
        remaining = problem.remaining_quota[kode]
        assert quota.get(kode, 0) <= remaining
        # The tolerance stretches a quota with places left, never a zero-quota or full one.
        assert kode not in stretched or remaining > 0
        assert quota.get(kode, 0) + stretched.get(kode, 0) <= remaining + tolerance
    assert result.bound is not None and result.objective is not None
    assert result.bound <= result.objective + 1e-6


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems())
def test_every_case_placed_once_and_capacities_hold_unless_excepted(problem: Problem) -> None:
    _check_rules(problem)


def _brute_force(problem: Problem) -> float | None:
    """The least objective over every assignment the rules allow (None if there is none)."""
    inst = compile_problem(problem)
    basis = eligibility(inst)
    cost = PairCosts(inst).matrix()
    cp = coupling(inst)
    pairs = Pairs.select(basis, cost, basis != Basis.CLOSED)
    options = [np.flatnonzero(basis[i] != Basis.CLOSED) for i in range(inst.n)]
    best: float | None = None
    for cols in itertools.product(*options):
        arr = np.array(cols, dtype=np.int64)
        quota = basis[np.arange(inst.n), arr] == Basis.QUOTA
        load = np.bincount(arr[quota], weights=inst.persons[quota], minlength=inst.k)
        over = np.maximum(load - inst.capacity, 0).sum()
        if over and not problem.parameters.allow_overshoot:
            continue
        value = objective_of(inst, cp, pairs, arr)
        key = (over, value)
        if best is None or key < best:  # type: ignore[operator]
            best = key  # type: ignore[assignment]
    return None if best is None else best[1]  # type: ignore[index]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems(max_cases=4, max_kommuner=3))
def test_optimal_against_brute_force(problem: Problem) -> None:
    result = solve(problem)
    expected = _brute_force(problem)
    if expected is None:
        assert result.status is Status.INFEASIBLE
    else:
        assert result.status is Status.OPTIMAL
        assert result.objective == expected
        assert result.bound == result.objective


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems(max_cases=4, max_kommuner=3))
def test_textbook_model_prices_placements_as_the_solver_does(problem: Problem) -> None:
    """The textbook CP-SAT model is written independently of the flow, MIP and Lagrangian
    (one Boolean per pair, pace tiers and persons beyond the quota as integer variables), yet
    its own objective is the solver's for the placement it returns, and it is the optimum."""
    if problem.parameters.allow_overshoot:  # its objective then carries the lexicographic term
        problem = replace(problem, parameters=replace(problem.parameters, allow_overshoot=False))
    theirs = solve_textbook(problem, time_limit_s=10, workers=1)
    expected = _brute_force(problem)
    if expected is None:
        assert theirs.status == "INFEASIBLE"
        return
    assert theirs.status == "OPTIMAL"
    assert theirs.objective == expected
    assert theirs.own_bound == pytest.approx(expected)  # CP-SAT reports its bound as a float


def test_textbook_model_does_not_trade_overshoot_for_pace() -> None:
    """Regression (fuzz audit, stop 28): a family of 8 with close family in 102 (quota 0)
    goes there under the exception, 8 persons beyond the quota at the top pace tier (1,600
    points), so that a single person takes 101's quota: no overshoot.  The textbook model
    weighed one person of overshoot at the pair costs only (about 1,600 points with two
    cases), and put the family on 101's quota and the single person beyond 102's: cost 650."""
    case = Case("F", 8, close_family_kommune=102)
    problem = make_problem([case, Case("S", 1)], {101: 8, 102: 0}, allow_overshoot=True)
    ours = solve(problem)
    theirs = solve_textbook(problem, time_limit_s=10, workers=1)
    assert (ours.status, ours.objective, ours.counts["overshoot_persons"]) == (
        Status.OPTIMAL,
        1800,
        0,
    )
    assert (theirs.status, theirs.objective) == ("OPTIMAL", 1800)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems(max_cases=4, max_kommuner=3))
def test_textbook_model_puts_the_least_overshoot_first(problem: Problem) -> None:
    """With ``allow_overshoot`` both models find the least overshoot and then the least cost
    within it, so their costs agree.  Regression (fuzz audit, stop 28): the textbook model
    weighed overshoot against the pair costs only, and took 1-2 persons of overshoot to save
    pace costs, so its cost came out below the solver's."""
    problem = replace(problem, parameters=replace(problem.parameters, allow_overshoot=True))
    ours = solve(problem)
    theirs = solve_textbook(problem, time_limit_s=10, workers=1)
    if ours.status is Status.INFEASIBLE:  # a case no municipality may take (housing)
        assert theirs.status == "INFEASIBLE"
        return
    assert ours.status is Status.OPTIMAL and theirs.status == "OPTIMAL"
    assert theirs.objective == ours.objective


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    problems(max_cases=5, max_kommuner=3),
    st.sampled_from([1, 2]),
    st.sampled_from([1, 10]),
    st.sampled_from([0, 60]),
)
def test_restricted_mip_and_proof_round_stay_exact(
    problem: Problem, per_case: int, guess_steps: int, ascent_steps: int
) -> None:
    """The pruning by floors (relaxation and Lagrangian) never loses the optimum, and neither
    does the guess: a threshold one step above the bound (usually below the optimum, so the
    guess finds nothing and only raises the bound) or ten steps (usually above it).  Without
    ascent steps before the first MIP the bound is weaker, so that these small problems reach
    the MIPs more often (test_search.py pins the phases on a realistic batch)."""
    problem = replace(problem, parameters=replace(problem.parameters, candidates_per_case=per_case))
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(search, "FULL_MIP_PAIRS", 0)  # always restrict, price and prove
        mp.setattr(rounds, "GUESS_STEPS", guess_steps)
        mp.setattr(rounds, "LAGRANGIAN_ITERATIONS", ascent_steps)
        result = solve(problem)
    expected = _brute_force(problem)
    if expected is None:
        assert result.status is Status.INFEASIBLE
    else:
        assert result.status is Status.OPTIMAL
        assert result.objective == expected


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems(max_cases=4, max_kommuner=3), st.sampled_from([1, 2]))
def test_objective_step_divides_every_objective(problem: Problem, employment: int) -> None:
    """Bounds are rounded up to the objective step and a better placement must be one step
    less: sound only if every placement's objective is a multiple of it."""
    weights = replace(problem.weights, employment=employment)
    problem = replace(problem, weights=weights)
    inst = compile_problem(problem)
    basis = eligibility(inst)
    cost = PairCosts(inst).matrix()
    cp = coupling(inst)
    step = search.objective_step(inst, basis, cost, cp)
    assert step >= 1
    pairs = Pairs.select(basis, cost, basis != Basis.CLOSED)
    options = [np.flatnonzero(basis[i] != Basis.CLOSED) for i in range(inst.n)]
    for cols in itertools.islice(itertools.product(*options), 200):
        value = objective_of(inst, cp, pairs, np.array(cols, dtype=np.int64))
        assert value % step == 0


def test_objective_step_is_two_with_the_default_weights() -> None:
    """Every default weight times its points is even, so a proof round may leave out the
    pairs whose floor is one point below the incumbent."""
    problem = two_families()
    inst = compile_problem(problem)
    basis = eligibility(inst)
    cost = PairCosts(inst).matrix()
    assert search.objective_step(inst, basis, cost, coupling(inst)) == 2
    odd = replace(problem, weights=replace(problem.weights, employment=1))
    inst = compile_problem(odd)
    cost = PairCosts(inst).matrix()
    assert search.objective_step(inst, eligibility(inst), cost, coupling(inst)) == 1


def _knapsack_by_enumeration(
    dual: _Dual, adj: np.ndarray, k: int
) -> tuple[float, dict[int, float]]:
    """Municipality ``k``'s priced knapsack by enumerating every set of its pairs (the quota
    pairs within the quota, the exception pairs beyond it if need be): the optimum, and per
    pair the least cost of a set that contains it."""
    q = np.flatnonzero(dual.pairs.cols == k)
    best, with_pair = math.inf, dict.fromkeys(q.tolist(), math.inf)
    for r in range(len(q) + 1):
        for chosen in itertools.combinations(q.tolist(), r):
            on_quota = [j for j in chosen if dual.pairs.quota[j]]
            if dual.size[on_quota].sum() > dual.cap[k]:
                continue
            load = int(dual.size[list(chosen)].sum())
            if load >= dual.pace.shape[1]:
                continue
            value = float(adj[list(chosen)].sum() + dual.pace[k, load])
            best = min(best, value)
            for j in chosen:
                with_pair[j] = min(with_pair[j], value)
    return best, with_pair


def _dual_at(problem: Problem, shifts: list[float]) -> tuple[_Dual, np.ndarray]:
    """The Lagrangian function of ``problem`` (no concentration prices), and multipliers: each
    case's cheapest pair cost plus its shift."""
    inst = compile_problem(problem)
    basis = eligibility(inst)
    cp = coupling(inst)
    pairs = Pairs.select(basis, PairCosts(inst).matrix(), basis != Basis.CLOSED)
    groups = 1 if cp.group_cap is None else cp.group_cap.shape[1]
    dual = _Dual(inst, cp, pairs, np.zeros((inst.k, groups)))
    least = np.full(inst.n, np.inf)
    np.minimum.at(least, pairs.rows, pairs.cost.astype(np.float64))
    return dual, np.where(np.isfinite(least), least, 0.0) + np.array(shifts[: inst.n])


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems(max_cases=7, max_kommuner=3), st.lists(st.floats(-80, 400), min_size=7))
def test_lagrangian_function_against_enumeration(problem: Problem, shifts: list[float]) -> None:
    """The Lagrangian knapsacks (narrowed to the loads that can pay) are exact, and every
    pair's ``rc`` is a valid lower bound on the extra cost of a set that contains it."""
    dual, v = _dual_at(problem, shifts)
    inst, pairs = dual.inst, dual.pairs
    value, _, rc = dual(v, want_rc=True)
    assert rc is not None
    adj = dual.base - v[pairs.rows]
    expected = float(v.sum()) + dual.constant
    for k in range(inst.k):
        opt, with_pair = _knapsack_by_enumeration(dual, adj, k)
        expected += opt
        for j, cost in with_pair.items():
            assert rc[j] <= cost - opt + 1e-6
    assert value == pytest.approx(expected, abs=1e-6)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems(max_cases=7, max_kommuner=3), st.lists(st.floats(-80, 400), min_size=7))
def test_compiled_knapsacks_match_the_interpreted_reference(
    problem: Problem, shifts: list[float]
) -> None:
    """The Numba-compiled knapsacks give what the same code gives in the interpreter: the
    value, the families chosen and every pair's ``rc``."""
    dual, v = _dual_at(problem, shifts)
    inst, pairs = dual.inst, dual.pairs
    adj = dual.base - v[pairs.rows]
    runs = []
    for kernel in (knapsacks, knapsacks_python):
        count = np.zeros(inst.n, dtype=np.int64)
        rc = np.full(len(adj), np.nan)
        args = (dual.starts, dual.order, dual.size, pairs.quota, pairs.rows, dual.cap)
        value = kernel(adj, *args, dual.has_exceptions, dual.pace, dual.max_size, count, rc, True)
        runs.append((value, count, rc))
    (value, count, rc), (ref_value, ref_count, ref_rc) = runs
    assert value == pytest.approx(ref_value, abs=1e-9)
    np.testing.assert_array_equal(count, ref_count)
    np.testing.assert_allclose(rc, ref_rc, rtol=0, atol=1e-9)
    assert not np.isnan(rc).any()  # every pair's floor is set


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems(max_cases=5, max_kommuner=3))
def test_the_alternative_is_the_best_single_move_priced_in_full(problem: Problem) -> None:
    """Each placement's alternative against brute force: every case moved alone to every other
    open municipality, the rest as placed, priced by the whole objective.  The alternative is
    the cheapest move the municipality can take (an exception, quota room, or with
    ``allow_overshoot`` no more persons beyond the quotas in all), with that move's full
    price; a cheaper move into a full quota is the "taken" municipality.  On an optimal
    placement no possible move is cheaper.  Regression (CLI audit): the alternative
    was priced by the case's pair terms only, so a single-case batch was told that another
    municipality "would have cost 2 less, but its quota served other cases better"."""
    result = solve(problem)
    if result.status is not Status.OPTIMAL:
        return
    inst = compile_problem(problem)
    basis = eligibility(inst)
    open_ = basis != Basis.CLOSED
    cost = cost_matrix(inst, PairCosts(inst))
    pairs = Pairs.select(basis, cost, open_)
    cp = coupling(inst)
    index = {int(code): k for k, code in enumerate(inst.codes)}
    cols = np.array([index[result.placement_of(c).kommunekode] for c in inst.case_ids])
    z = objective_of(inst, cp, pairs, cols)
    assert z == pytest.approx(result.objective)

    def beyond(placed: np.ndarray) -> int:
        """Persons beyond the quotas in all (only ``allow_overshoot`` places any)."""
        on_quota = basis[np.arange(inst.n), placed] == Basis.QUOTA
        load = np.bincount(placed[on_quota], inst.persons[on_quota], inst.k)
        return int(np.maximum(load - np.maximum(inst.capacity, 0), 0).sum())

    for i, case_id in enumerate(inst.case_ids):
        possible, taken = {}, {}
        for m in np.flatnonzero(open_[i]):
            if m == cols[i]:
                continue
            moved = cols.copy()
            moved[i] = m
            fits = basis[i, m] != Basis.QUOTA or beyond(moved) <= beyond(cols)
            delta = objective_of(inst, cp, pairs, moved) - z
            (possible if fits else taken)[int(inst.codes[m])] = delta
        p = result.placement_of(case_id)
        if possible:
            assert p.alternative_extra_cost == pytest.approx(min(possible.values()))
            assert possible[p.alternative_kommune] == pytest.approx(min(possible.values()))
            assert p.alternative_extra_cost >= -1e-9
        else:
            assert (p.alternative_kommune, p.alternative_extra_cost) == (None, None)
        cheaper = {k: v for k, v in taken.items() if v < 0}
        if cheaper:
            assert p.taken_saving == pytest.approx(-min(cheaper.values()))
            assert cheaper[p.taken_kommune] == pytest.approx(min(cheaper.values()))
        else:
            assert (p.taken_kommune, p.taken_saving) == (None, None)
