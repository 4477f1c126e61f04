"""``allow_overshoot``: where the least total overshoot goes (the overshoot spread of
:mod:`visitering.assignment.costs`) and how its least total is found (:mod:`.search`)."""

from __future__ import annotations

import math
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from assignment_helpers import employment, line_distances, line_neighbours, make_problem, singles

from visitering import io
from visitering.assignment import LegalBasis, Status, rounds, search, solve
from visitering.assignment.costs import OPEN_WIDTH, coupling, overshoot_costs, overshoot_shares
from visitering.assignment.instance import compile_problem
from visitering.assignment.mip import MipSolution, MipStatus
from visitering.assignment.problem import Parameters
from visitering.assignment.textbook import solve_textbook
from visitering.batch import BatchInputs, run_batch
from visitering.cases import Case
from visitering.errors import InputError
from visitering.inputs import embedded, geography
from visitering.inputs.profiles import embedded_profiles
from visitering.kvoter.beregning import beregn_kvoter
from visitering.ledger import Ledger
from visitering.synth import generate_cases

QUOTAS = {101: 10, 102: 20, 103: 30}


def test_overshoot_shares_follow_the_quotas_as_a_revision_would() -> None:
    """90 persons against 60 places: 30 beyond, shared 1 : 2 : 3 by the quotas, or by the
    annual quotas where the ledger has them (integrationsloven § 7 stk. 8-9)."""
    problem = make_problem(singles(90), QUOTAS, allow_overshoot=True)
    assert overshoot_shares(compile_problem(problem)).tolist() == [5.0, 10.0, 15.0]
    annual = replace(problem, annual_quota={101: 40, 102: 20, 103: 40})
    assert overshoot_shares(compile_problem(annual)).tolist() == [12.0, 6.0, 12.0]
    fits = make_problem(singles(60), QUOTAS, allow_overshoot=True)
    assert overshoot_shares(compile_problem(fits)).tolist() == [0.0, 0.0, 0.0]


def test_overshoot_costs_rise_beyond_the_share_on_top_of_the_top_tier() -> None:
    """The pace tiers once more, against the share: 0 up to it, then 5, 10, 20, 40 and 100
    points (times the weight 2) per person beyond 1, 1.25, 1.5, 2 and 3 times it."""
    inst = compile_problem(make_problem(singles(100), {101: 10, 102: 30}, allow_overshoot=True))
    cp = coupling(inst)  # 60 beyond: shares 15 and 45
    assert cp.spreads_overshoot
    assert cp.over_cost.tolist() == [0, 10, 20, 40, 80, 200]
    # Edges 15, rint(18.75) = 19, rint(22.5) = 22 (to even), 30 and 45 persons.
    assert cp.over_cap[0, :-1].tolist() == [15, 4, 3, 8, 15]
    assert cp.over_cap[0, -1] == OPEN_WIDTH - 45
    load = np.array([10 + 15, 30 + 45])  # both exactly at their share: nothing extra
    assert overshoot_costs(load, cp, inst.capacity).tolist() == [0, 0]
    assert overshoot_costs(np.array([10 + 16, 30]), cp, inst.capacity).tolist() == [10, 0]
    assert overshoot_costs(np.array([10 + 50, 30]), cp, inst.capacity).tolist() == [
        4 * 10 + 3 * 20 + 8 * 40 + 15 * 80 + 5 * 200,
        0,
    ]


def test_without_allow_overshoot_or_even_distribution_there_is_no_spread() -> None:
    plain = make_problem(singles(90), QUOTAS)
    assert not coupling(compile_problem(plain)).spreads_overshoot
    unweighted = make_problem(singles(90), QUOTAS, allow_overshoot=True)
    unweighted = replace(unweighted, weights=replace(unweighted.weights, even_distribution=0))
    assert not coupling(compile_problem(unweighted)).spreads_overshoot


def test_overshoot_is_shared_like_the_quotas_when_nothing_else_differs() -> None:
    """Regression (noticed at stop 27, measured at stop 29): every person of overshoot cost
    the top pace tier's price wherever it went, so the least total overshoot went wherever
    the pair costs were lowest, here all 30 persons into 103 (on the embedded data, 634 of
    689 persons into one municipality).  Now each municipality takes its share."""
    problem = make_problem(singles(90), QUOTAS, allow_overshoot=True)
    result = solve(problem)
    assert result.status is Status.OPTIMAL
    assert dict(result.overshoot) == {101: 5, 102: 10, 103: 15}
    # The record of each overshoot says so (§ 14: no appeal, the record is the reason).
    details = {p.basis_detail for p in result.placements if p.legal_basis is LegalBasis.OVERSHOOT}
    assert details == {
        f"the batch put {n} person(s) beyond this municipality's quota as overshoot, where its "
        "share of the 30 persons the batch brought beyond the remaining quotas (by exception "
        f"or overshoot) was {n}.0"
        for n in (5, 10, 15)
    }
    annual = solve(replace(problem, annual_quota={101: 40, 102: 20, 103: 40}))
    assert dict(annual.overshoot) == {101: 12, 102: 6, 103: 12}


def test_a_better_municipality_takes_more_than_its_share_but_not_all() -> None:
    """Good employment in 101 still draws overshoot there (a price, not a rule), but no longer
    all of it: 10 of the 15 persons beyond the quotas (before: 15), 5 next door in 102, none
    in the zero-quota 103, whose share is nothing."""
    codes = (101, 102, 103)
    result = solve(
        make_problem(
            singles(45), {101: 10, 102: 10, 103: 10}, employment(101, codes), allow_overshoot=True
        )
    )
    assert result.status is Status.OPTIMAL
    assert dict(result.overshoot) == {101: 10, 102: 5}
    zero = solve(
        make_problem(
            singles(45), {101: 10, 102: 20, 103: 0}, employment(101, codes), allow_overshoot=True
        )
    )
    assert 103 not in {p.kommunekode for p in zero.placements}
    assert sum(zero.overshoot.values()) == 15


def test_the_textbook_model_prices_the_spread_alike() -> None:
    """The independent CP-SAT model finds the same optimum, overshoot spread included."""
    problem = make_problem(singles(45), {101: 10, 102: 10, 103: 10}, allow_overshoot=True)
    problem = replace(problem, profiles=employment(101, (101, 102, 103)))
    ours = solve(problem)
    theirs = solve_textbook(problem, time_limit_s=10, workers=1)
    assert theirs.status == "OPTIMAL"
    assert theirs.objective == pytest.approx(ours.objective)


def test_the_least_overshoot_is_found_without_the_mip_over_every_pair(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Regression (stop 29): where the candidate pairs overshot more than the relaxation
    must, phase 1 went straight to a MIP over every pair, 16-32 s for a 1,500-case batch on
    a landstal of 2,000, which left the cost phase 3 s of 20 (gap 52 %).  The room those
    pairs left unused is what a better packing needs: here (200 cases, landstal 200) two
    more small MIPs reach the relaxation's least overshoot, 177 persons, which proves it."""
    calls: list[tuple[int, int, float]] = []
    mip = search.Search.mip

    def spy(self: search.Search, idx: Any, overshoot: bool = False, **kwargs: Any) -> Any:
        sol, data = mip(self, idx, overshoot, **kwargs)
        calls.append((len(idx), len(self.pairs.rows), sol.objective))
        return sol, data

    monkeypatch.setattr(search.Search, "mip", spy)
    monkeypatch.setattr(rounds, "minimise_cost", lambda found, relax: ())  # phase 1 only
    kommuner = embedded.kommuner()
    inputs = BatchInputs(
        generate_cases(200, 2, kommuner),
        embedded_profiles(),
        geography.neighbours(),
        geography.distances_km(),
        parameters=Parameters(time_limit_s=20, allow_overshoot=True),
    )
    run_batch(inputs, beregn_kvoter(embedded.embedded_grundlag(), 200).kvoter)
    assert [objective for _, _, objective in calls] == [206, 178, 177]
    assert all(used < every for used, every, _ in calls)


def _phase_one(monkeypatch: pytest.MonkeyPatch) -> tuple[list[tuple[int, int]], dict[str, Any]]:
    """Spy on phase 1 of ``allow_overshoot``: each MIP's (pairs, pairs of the whole batch),
    and the search as phase 2 would start it (``budget``, ``notes``, ``cut_short``,
    ``unproven``)."""
    calls: list[tuple[int, int]] = []
    after: dict[str, Any] = {}
    mip = search.Search.mip

    def spy(self: search.Search, idx: Any, overshoot: bool = False, **kwargs: Any) -> Any:
        calls.append((len(idx), len(self.pairs.rows)))
        return mip(self, idx, overshoot, **kwargs)

    def stop(found: search.Search, relax: Any) -> tuple[()]:
        after.update(
            budget=found.budget,
            notes=found.notes,
            cut_short=found.cut_short,
            unproven=found.overshoot_unproven,
        )
        return ()

    monkeypatch.setattr(search.Search, "mip", spy)
    monkeypatch.setattr(rounds, "minimise_cost", stop)
    return calls, after


def test_the_mip_over_every_pair_runs_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """Regression (review of stop 29): where widening reached every pair and still overshot
    more than the relaxation (families of 2 on quotas of 3: 1 beyond, where split families
    need none), the same MIP over every pair was solved a second time."""
    calls, after = _phase_one(monkeypatch)
    monkeypatch.setattr(search, "FULL_MIP_PAIRS", 0)
    cases = [Case(f"f{i}", persons=2) for i in range(3)]
    solve(make_problem(cases, {101: 3, 102: 3}, allow_overshoot=True, candidates_per_case=1))
    assert after["budget"] == 1
    assert [used == every for used, every in calls].count(True) == 1
    # And it proves the least, where the restricted MIPs found the same (regression, review
    # of stop 29: the first of the tied placements was kept, noted "not proven").
    assert after["notes"] == []
    assert after["cut_short"] == []
    assert not after["unproven"]


def test_the_least_overshoot_found_stands_when_time_runs_out(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Regression (review of stop 29): with a 0.8-1.0 s limit, the MIP over every pair had no
    time left and phase 1 ended with no placement, throwing away the widened MIP's 250
    persons (the least is 249).  Here that last MIP is made to find nothing."""
    calls, after = _phase_one(monkeypatch)
    real = search.solve_mip

    def nothing_over_every_pair(data: Any, *args: Any, **kwargs: Any) -> Any:
        sol = real(data, *args, **kwargs)
        if len(data.pairs.rows) < len(data.inst.persons) * data.inst.k:
            return sol
        return MipSolution(MipStatus.NO_SOLUTION, sol.choice * 0 - 1, math.nan, -math.inf)

    monkeypatch.setattr(search, "solve_mip", nothing_over_every_pair)
    inputs = BatchInputs(
        generate_cases(300, 1, embedded.kommuner()),
        embedded_profiles(),
        geography.neighbours(),
        geography.distances_km(),
        parameters=Parameters(time_limit_s=20, allow_overshoot=True),
    )
    run_batch(inputs, beregn_kvoter(embedded.embedded_grundlag(), 300).kvoter)
    assert calls[-1][0] == calls[-1][1]  # the MIP over every pair ran, and found nothing
    assert after["budget"] == 250
    assert after["unproven"]
    assert "least overshoot not proven over all municipalities" in after["notes"]


def test_persons_already_beyond_a_quota_count_against_its_share() -> None:
    """A ledger year: 101 already took 12 persons beyond its quota.  The year's 42 persons
    beyond the quotas, shared 40 : 20 : 40 by the annual quotas, give 16.8, 8.4 and 16.8;
    101 has 12 of its share already, so this batch's 30 go 4.8, 8.4 and 16.8."""
    problem = replace(
        make_problem(singles(30), {101: 0, 102: 0, 103: 0}, allow_overshoot=True),
        annual_quota={101: 40, 102: 20, 103: 40},
        beyond_quota={101: 12},
    )
    assert overshoot_shares(compile_problem(problem)) == pytest.approx([4.8, 8.4, 16.8])
    assert dict(solve(problem).overshoot) == {101: 5, 102: 8, 103: 17}
    # A municipality far ahead gets nothing until the others catch up.
    ahead = replace(problem, beyond_quota={101: 40})
    assert overshoot_shares(compile_problem(ahead)) == pytest.approx([0.0, 10.0, 20.0])


@pytest.mark.parametrize(
    ("beyond", "message"),
    [
        ({999: 1}, "kommune 999: not among the municipalities"),
        ({101: -1}, "kommune 101: must be a whole number ≥ 0"),
        ({101: True}, "kommune 101: must be a whole number ≥ 0"),
        ({102: 3}, "kommune 102: persons beyond a quota with room left"),
    ],
)
def test_beyond_quota_is_checked(beyond: dict[int, int], message: str) -> None:
    with pytest.raises(InputError, match=message):
        replace(make_problem(singles(1), {101: 0, 102: 5}), beyond_quota=beyond)


def test_a_ledger_year_evens_out_the_persons_beyond_the_quotas(tmp_path: Path) -> None:
    """Regression (review of stop 29): the shares had no memory of the year, so over three
    weeks of a ledger run Vejle ended 22 persons beyond an annual quota of 10.  Here week 1
    puts 12 persons with close family in 101 there (§ 11 stk. 3), 8 beyond its quota of 4.
    Week 2's 15 persons beyond the quotas then go 1, 5 and 9 (shares 1.2, 4.6 and 9.2 of the
    year's 23, less 101's 8), not 6, 3 and 6 as if the year had just begun."""
    book = Ledger(io.open_database(tmp_path / "l.sqlite"))
    codes = (101, 102, 103)
    inputs = BatchInputs(
        tuple(singles(12, "f", close_family_kommune=101)),
        {},
        line_neighbours(codes),
        line_distances(codes),
        parameters=Parameters(time_limit_s=10.0, allow_overshoot=True),
    )
    run_batch(inputs, {101: 4, 102: 2, 103: 4}, book)
    assert [(s.kommunekode, s.rest) for s in book.status()] == [(101, -8), (102, 2), (103, 4)]
    week2 = run_batch(replace(inputs, cases=tuple(singles(21))), None, book).result
    assert week2.status is Status.OPTIMAL
    assert dict(week2.overshoot) == {101: 1, 102: 5, 103: 9}


def test_a_least_overshoot_not_proven_leaves_the_placement_feasible(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Regression (review of stop 29): with phase 1 unproven (here its MIP over every pair
    finds nothing), phase 2 proved its cost under that overshoot and the batch was reported
    "optimal", noted as if only another placement of the same cost could come back.  One of
    less overshoot may: the status is "feasible"."""
    real = search.solve_mip

    def nothing_over_every_pair(data: Any, *args: Any, **kwargs: Any) -> Any:
        sol = real(data, *args, **kwargs)
        if not kwargs.get("minimise_overshoot") or len(data.pairs.rows) < 6:
            return sol
        return MipSolution(MipStatus.NO_SOLUTION, sol.choice * 0 - 1, math.nan, -math.inf)

    monkeypatch.setattr(search, "solve_mip", nothing_over_every_pair)
    monkeypatch.setattr(search, "FULL_MIP_PAIRS", 0)
    cases = [Case(f"f{i}", persons=2) for i in range(3)]
    result = solve(
        make_problem(cases, {101: 3, 102: 3}, allow_overshoot=True, candidates_per_case=1)
    )
    assert result.status is Status.FEASIBLE
    assert result.counts["overshoot_persons"] == 1
    assert result.notes == ("least overshoot not proven over all municipalities",)


def test_an_overshoot_case_can_move_to_another_municipality_beyond_its_quota() -> None:
    """Regression (review of stop 29): an overshoot case's alternative counted only the
    municipalities with quota room, so with every quota full it read "No other municipality
    could take this case under the rules", though a move that keeps the total overshoot is
    as lawful as the placement.  Here each such move exists, and costs more (optimal)."""
    result = solve(make_problem(singles(90), QUOTAS, allow_overshoot=True))
    over = [p for p in result.placements if p.legal_basis is LegalBasis.OVERSHOOT]
    assert len(over) == 30
    assert all(p.alternative_kommune not in (None, p.kommunekode) for p in over)
    assert all(p.alternative_extra_cost is not None and p.alternative_extra_cost > 0 for p in over)
