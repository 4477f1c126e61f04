"""The § 11 stk. 3-4 ties a placement did not use are recorded with the decision (§ 14).

The exceptions allow a placement in a full or zero-quota municipality; they do not require one,
and an institution, foster care or special circumstances carry no soft pull.  So a case may go
elsewhere under the quota; its record then says which tie was weighed, what using it would
have cost the batch, or why the municipality could not take the case.  Found by the legal
audit of stop 25: the record and ``explain-case`` did not mention the tie at all.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
from assignment_helpers import LINE, employment, make_problem, singles

from visitering.assignment import LegalBasis, Tie, solve
from visitering.assignment.costs import PairCosts, coupling
from visitering.assignment.eligibility import eligibility
from visitering.assignment.instance import compile_problem
from visitering.assignment.placements import placements
from visitering.cases import Case, JobOfferKind

#: Quota left only at the west end (101-102); 104-105 are full.
WEST_ONLY = {101: 5, 102: 5, 103: 0, 104: 0, 105: 0}


def _placed_at(cases: list[Case], quota: dict[int, int], where: list[int], **params: object):
    """The reported placements when each case goes to the municipality in ``where``."""
    problem = make_problem(cases, quota, employment(101, sorted(quota)), **params)
    inst = compile_problem(problem)
    cols = np.searchsorted(inst.codes, np.array(where)).astype(np.int64)
    return placements(inst, eligibility(inst), PairCosts(inst), coupling(inst), cols)[0]


def test_a_family_that_does_not_join_its_close_family_is_told_the_price() -> None:
    """A family of five with close family in the full 101 lives next door (see
    test_persons_beyond_the_quota_cost_the_top_pace_tier); its record prices the tie, and the
    price is what the batch's optimum rises by when the family must go to 101."""
    family = Case("five", persons=5, close_family_kommune=101)
    quota = {101: 0, 102: 9, 103: 9}
    free = solve(make_problem([family, *singles(2)], quota))
    placement = free.placement_of("five")
    assert placement.kommunekode == 102
    (tie,) = placement.unused_ties
    assert (tie.basis, tie.kommunekode, tie.why_not, tie.on_quota) == (
        LegalBasis.CLOSE_FAMILY,
        101,
        None,
        False,
    )
    forced = replace(
        make_problem([family, *singles(2)], quota), forbidden={"five": frozenset({102, 103})}
    )
    assert free.objective is not None and tie.extra_cost is not None
    assert tie.extra_cost == solve(forced).objective - free.objective
    assert tie.extra_cost > 0


def test_a_used_tie_and_a_case_without_ties_record_none() -> None:
    quota = {101: 0, 102: 9, 103: 9}
    one = Case("one", persons=1, close_family_kommune=101)
    result = solve(make_problem([one, *singles(2)], quota))
    assert result.placement_of("one").legal_basis is LegalBasis.CLOSE_FAMILY
    assert all(p.unused_ties == () for p in result.placements)


def test_an_institution_without_a_dwelling_for_the_family_could_not_take_it() -> None:
    profiles = employment(101, LINE)
    profiles[103] = replace(profiles[103], dwellings={2: 3})
    case = Case("c", persons=4, institution_kommune=103)
    problem = make_problem([case], WEST_ONLY, profiles)
    placement = solve(problem).placement_of("c")
    assert placement.unused_ties == (
        Tie(LegalBasis.INSTITUTION, 103, None, "no free dwelling for 4 persons there"),
    )


def test_special_circumstances_that_name_no_municipality_are_no_tie() -> None:
    anywhere = Case("c", persons=1, special_circumstances="safety")
    (placement,) = _placed_at([anywhere], WEST_ONLY, [101])
    assert placement.unused_ties == ()
    named = Case("c", persons=1, special_circumstances="safety", special_circumstances_kommune=104)
    (placement,) = _placed_at([named], WEST_ONLY, [101])
    assert [(t.basis, t.kommunekode) for t in placement.unused_ties] == [
        (LegalBasis.SPECIAL_CIRCUMSTANCES, 104)
    ]


def test_a_job_offer_that_does_not_meet_section_11_4_says_why() -> None:
    """The workplace 105 is full: § 11 stk. 4 would open it, but not for a time-limited offer,
    nor for fewer than 15 hours a week."""
    limited = Case("t", persons=2, job_offer_kommune=105, job_offer_hours=20,
                   job_offer_kind=JobOfferKind.TIME_LIMITED)  # fmt: skip
    short = Case("s", persons=2, job_offer_kommune=105, job_offer_hours=14.5)
    placed = _placed_at([limited, short], WEST_ONLY, [101, 102])
    assert [t.why_not for p in placed for t in p.unused_ties] == [
        "§ 11 stk. 4 does not apply: the offer is time-limited",
        "§ 11 stk. 4 does not apply: 14.5 hours a week, fewer than 15",
    ]


def test_a_job_offer_within_reach_of_a_quota_municipality_counts_for_employment() -> None:
    """103 has quota and is 87 minutes a day from the full workplace 104: § 11 stk. 4 does not
    open 104.  A family placed in 103 lives within reach (no unused tie); one placed in 101,
    153 minutes away, is told why 104 stayed closed."""
    quota = {101: 5, 102: 5, 103: 5, 104: 0, 105: 0}
    case = Case("c", persons=2, job_offer_kommune=104, job_offer_hours=37)
    (near,) = _placed_at([case], quota, [103])
    assert near.unused_ties == ()
    (far,) = _placed_at([case], quota, [101])
    assert far.unused_ties == (
        Tie(
            LegalBasis.JOB_OFFER,
            104,
            None,
            "§ 11 stk. 4 does not apply: a municipality with quota room is within commuting "
            "reach of the workplace (87 min a day), so the offer counted for employment "
            "(§ 12 stk. 1)",
        ),
    )


def test_a_workplace_whose_quota_the_others_used_is_named_as_such() -> None:
    """The workplace 103 has quota 2 (so § 11 stk. 4 is not needed: it is open on its quota);
    two singles fill it, and the family of two goes to 101."""
    quota = {101: 5, 102: 0, 103: 2, 104: 0, 105: 0}
    case = Case("c", persons=2, job_offer_kommune=103, job_offer_hours=37)
    placed = _placed_at([case, *singles(2)], quota, [101, 103, 103])
    assert placed[0].unused_ties == (
        Tie(LegalBasis.JOB_OFFER, 103, None, "the batch's other cases used its quota", True),
    )
    (alone,) = _placed_at([case], quota, [101])
    (tie,) = alone.unused_ties
    assert (tie.why_not, tie.on_quota) == (None, True)
    assert tie.extra_cost is not None
