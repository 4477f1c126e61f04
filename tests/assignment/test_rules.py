"""One test per hard rule, on an instance where the rule binds, and a check that the test would
fail without the rule (the rule's method patched out)."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace

import pytest
from assignment_helpers import LINE, employment, make_problem, mip_columns, singles

from visitering.assignment import LegalBasis, Status, Weights, solve
from visitering.assignment.eligibility import Eligibility
from visitering.assignment.mip import Constraints
from visitering.cases import Case, KommuneProfil

#: Without the coupling terms, so that only the rule under test limits the pull to 101.
PAIR_TERMS_ONLY = Weights(even_distribution=0, concentration=0)


def _family_instance():
    # 101 is by far the best place for everyone, but its quota holds only 3 persons.
    cases = [Case("fam", persons=3), *singles(3)]
    return make_problem(
        cases, {101: 3, 102: 10, 103: 10}, employment(101, (101, 102, 103)), PAIR_TERMS_ONLY
    )


def test_every_case_placed_once_whole_family() -> None:
    """integrationsloven § 10: every case once, the whole family in one municipality."""
    result = solve(_family_instance())
    assert result.status is Status.OPTIMAL
    assert Counter(p.case_id for p in result.placements) == {"fam": 1, "s0": 1, "s1": 1, "s2": 1}
    assert result.placement_of("fam").persons == 3
    # Costs are per case: the three singles gain more at 101 than the family would.
    assert {p.case_id for p in result.placements if p.kommunekode == 101} == {"s0", "s1", "s2"}


def test_every_case_placed_once_is_load_bearing(monkeypatch: pytest.MonkeyPatch) -> None:
    problem = _family_instance()
    assert (mip_columns(problem) >= 0).all()
    monkeypatch.setattr(Constraints, "_every_case_placed_once", lambda self: None)
    assert not (mip_columns(problem) >= 0).all()


def test_respect_remaining_quota() -> None:
    """§ 11 stk. 1: no municipality receives more persons under the quota than it has left."""
    problem = _family_instance()
    result = solve(problem)
    by_kommune = result.persons_by_kommune()
    assert by_kommune[101] == 3
    assert all(by_kommune.get(k, 0) <= q for k, q in problem.remaining_quota.items())
    assert {p.legal_basis for p in result.placements} == {LegalBasis.QUOTA}


def test_respect_remaining_quota_is_load_bearing(monkeypatch: pytest.MonkeyPatch) -> None:
    problem = _family_instance()
    assert (mip_columns(problem) == 0).sum() == 3  # the three singles fill 101
    monkeypatch.setattr(Constraints, "_respect_remaining_quota", lambda self: None)
    assert (mip_columns(problem) == 0).sum() == 4  # everyone at 101


def test_tolerance_allows_that_many_persons_more() -> None:
    problem = make_problem(
        singles(5),
        {101: 3, 102: 10},
        employment(101, (101, 102)),
        PAIR_TERMS_ONLY,
        capacity_tolerance=1,
    )
    result = solve(problem)
    assert result.persons_by_kommune()[101] == 4
    at_101 = Counter(p.legal_basis for p in result.placements if p.kommunekode == 101)
    assert at_101 == {LegalBasis.QUOTA: 3, LegalBasis.TOLERANCE: 1}


@pytest.mark.parametrize(
    "weights", [Weights(), Weights(even_distribution=0, concentration=0)], ids=["default", "pairs"]
)
def test_tolerance_never_opens_a_zero_quota_municipality(weights: Weights) -> None:
    """Regression: with capacity_tolerance 1 a zero-quota municipality took a person on the
    quota basis, explained as 'the municipality had quota left' (§ 11 stk. 1 and 3-4).  Also
    without the pace tiers, whose top price alone kept the case out under the default weights
    (found by a mutation audit)."""
    problem = make_problem(
        singles(2), {101: 0, 102: 10}, employment(101, (101, 102)), weights, capacity_tolerance=1
    )
    result = solve(problem)
    assert result.persons_by_kommune() == {102: 2}
    assert {p.legal_basis for p in result.placements} == {LegalBasis.QUOTA}


def _zero_quota_instance():
    # 101 has no quota but close family lives there (and the best employment).  One person:
    # beyond the quota it costs the top pace tier, 200 points, less than the 250 points of
    # § 12 stk. 2 for living next door to the family (test_exceptions has a family of 5).
    case = Case("c", persons=1, close_family_kommune=101)
    return make_problem([case], {101: 0, 102: 5}, profiles=employment(101, (101, 102)))


def test_zero_quota_only_with_exception() -> None:
    """§ 11 stk. 1 and 3: a zero-quota municipality only under a § 11 stk. 3-4 exception."""
    with_family = solve(_zero_quota_instance()).placement_of("c")
    assert (with_family.kommunekode, with_family.legal_basis) == (101, LegalBasis.CLOSE_FAMILY)
    plain = make_problem(
        [Case("c", persons=1)], {101: 0, 102: 5}, profiles=employment(101, (101, 102))
    )
    placement = solve(plain).placement_of("c")
    assert (placement.kommunekode, placement.legal_basis) == (102, LegalBasis.QUOTA)


def test_zero_quota_only_with_exception_is_load_bearing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(Eligibility, "_zero_quota_only_with_exception", lambda self: None)
    assert solve(_zero_quota_instance()).placement_of("c").kommunekode == 102


def _housing_instance():
    # 101 is best, but has dwellings for at most 2 persons.
    profiles = employment(101, (101, 102))
    profiles[101] = KommuneProfil(
        kode=101, employment=profiles[101].employment, dwellings={1: 3, 2: 1, 4: 0}
    )
    cases = [Case("big", persons=4), Case("small", persons=2)]
    return make_problem(cases, {101: 10, 102: 10}, profiles, PAIR_TERMS_ONLY)


def test_forbidden_by_case_data() -> None:
    """Housing: no dwelling of the family's size, no placement there (whatever the basis)."""
    result = solve(_housing_instance())
    assert result.placement_of("big").kommunekode == 102
    assert result.placement_of("small").kommunekode == 101
    explicit = make_problem(
        [Case("c", persons=1)], {101: 5, 102: 5}, profiles=employment(101, (101, 102))
    )
    explicit = replace(explicit, forbidden={"c": frozenset({101})})
    assert solve(explicit).placement_of("c").kommunekode == 102


def test_forbidden_by_case_data_is_load_bearing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(Eligibility, "_forbidden_by_case_data", lambda self: None)
    assert solve(_housing_instance()).placement_of("big").kommunekode == 101


def test_forbidden_applies_to_exceptions_too() -> None:
    profiles = {101: KommuneProfil(kode=101, dwellings={1: 1})}
    case = Case("c", persons=3, close_family_kommune=101)
    result = solve(make_problem([case], {101: 0, 102: 5}, profiles=profiles))
    assert result.placement_of("c").kommunekode == 102


def test_line_fixture_is_what_the_tests_assume() -> None:
    problem = make_problem(singles(1), dict.fromkeys(LINE, 1))
    params = problem.parameters
    assert params.commute_minutes(20) <= params.commute_threshold_min < params.commute_minutes(40)
