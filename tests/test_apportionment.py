"""Apportionment methods: golden cases, properties (hypothesis) and input errors."""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from visitering.kvoter.apportionment import METHOD_LABELS, Method, apportion, within_quota

DIVISOR_METHODS = [Method.DHONDT, Method.SAINTE_LAGUE, Method.HUNTINGTON_HILL]


def quotas_for(weights: Sequence[int | Fraction], seats: int) -> list[Fraction]:
    """Exact quotas t_k = seats * w_k / sum(w)."""
    total = sum(Fraction(w) for w in weights)
    return [seats * Fraction(w) / total for w in weights]


def house_sequence(weights: Sequence[int | Fraction], top: int, method: Method) -> list[list[int]]:
    """The allocations for every house size 0..top with fixed shares."""
    return [apportion(quotas_for(weights, h), h, method) for h in range(top + 1)]


# ---------------------------------------------------------------------------------------------
# Golden cases
# ---------------------------------------------------------------------------------------------


def test_largest_remainder_alabama_paradox_toy() -> None:
    # Toy example of the Alabama paradox (Wikipedia / electowiki "Alabama paradox"): sizes
    # 5670, 3850, 420, 60 (total 10000).
    # 323 seats: quotas 183.141, 124.355, 13.566, 1.938 -> floors 183+124+13+1 = 321, the 2 left
    #   go to the largest remainders .938 (D) and .566 (C): 183, 124, 14, 2.
    # 324 seats: quotas 183.708, 124.740, 13.608, 1.944 -> floors 321, the 3 left go to .944 (D),
    #   .740 (B), .708 (A): 184, 125, 13, 2.  C loses a seat although the house grew.
    sizes = [5670, 3850, 420, 60]
    assert apportion(quotas_for(sizes, 323), 323) == [183, 124, 14, 2]
    assert apportion(quotas_for(sizes, 324), 324) == [184, 125, 13, 2]


def test_largest_remainder_alabama_paradox_small() -> None:
    # Textbook three-state example, populations 6, 6, 2 (total 14).
    # 10 seats: quotas 60/14 = 4.286, 4.286, 20/14 = 1.429 -> floors 4+4+1 = 9, 1 left goes to
    #   the largest remainder .429 (C): 4, 4, 2.
    # 11 seats: quotas 66/14 = 4.714, 4.714, 22/14 = 1.571 -> floors 9, the 2 left go to the
    #   remainders .714 (A, B), not .571 (C): 5, 5, 1.  C drops from 2 to 1.
    assert apportion(quotas_for([6, 6, 2], 10), 10) == [4, 4, 2]
    assert apportion(quotas_for([6, 6, 2], 11), 11) == [5, 5, 1]
    # The quota-constrained divisor methods are house monotone on the same shares.
    for method in DIVISOR_METHODS:
        small, large = (apportion(quotas_for([6, 6, 2], h), h, method) for h in (10, 11))
        assert all(b >= a for a, b in zip(small, large, strict=True))


def test_largest_remainder_tie_goes_to_lower_index() -> None:
    # Quotas 1/2, 1/2, 1/2, 3/2 (sum 3): floors 0+0+0+1 = 1, 2 left; all four remainders are 1/2,
    # so the two lowest indices get them.
    quotas = [Fraction(1, 2), Fraction(1, 2), Fraction(1, 2), Fraction(3, 2)]
    assert apportion(quotas, 3) == [1, 1, 0, 1]


# Shares 7/10, 1/10, 1/10, 1/10 (A, B, C, D); house sizes h = 1..10.  Each step gives the next
# seat to the eligible party with the highest priority; "window" is Still's look-ahead
# h+1 <= x < b_i where b_i = ceil((s_i + 1) / w_i), checking sum_j max(s'_j, floor(w_j x)) <= x.
SEVEN_ONE_ONE_ONE = [7, 1, 1, 1]


def test_quota_dhondt_by_hand() -> None:
    # d'Hondt priority w/(s+1).  A: .7, .35, .233, .175, .14, .117, .1, .0875; B, C, D: .1, .05.
    # h0->1 A (b=2, x=1: 1 <= 1).  h1->2 A (b=3, x=2: 2+0 <= 2).  h2->3 A (b=5, x=3: 3 <= 3,
    # x=4: 3 <= 4).  h3->4: A has .175 but 3 seats < 0.7*4 = 2.8 fails upper quota; B (.1, lowest
    # index among B, C, D): b=10, x=4..9 gives 4, 4, 5, 5, 6, 7 <= x -> (3,1,0,0).  [Plain
    # d'Hondt gives A all 4 seats, above its quota 2.8.]  h4->5 A (upper 3 < 3.5, b=6, x=5:
    # 4+1 <= 5).  h5->6 A (.14; 4 < 4.2; b=8).  h6->7: A (.117) fails 5 < 4.9; C (.1): b=10,
    # x=7: 5+1+1 <= 7, x=8: 7 <= 8, x=9: 8 <= 9.  h7->8 A (.117; 5 < 5.6; b=8, empty window).
    # h8->9: A .7/7 = .1 ties D .1, A has the lower index (6 < 6.3, b=10, x=9: 9 <= 9).
    # h9->10: D (.1 > A's .0875).
    expected = [
        [0, 0, 0, 0],
        [1, 0, 0, 0],
        [2, 0, 0, 0],
        [3, 0, 0, 0],
        [3, 1, 0, 0],
        [4, 1, 0, 0],
        [5, 1, 0, 0],
        [5, 1, 1, 0],
        [6, 1, 1, 0],
        [7, 1, 1, 0],
        [7, 1, 1, 1],
    ]
    assert house_sequence(SEVEN_ONE_ONE_ONE, 10, Method.DHONDT) == expected


def test_quota_sainte_lague_by_hand() -> None:
    # Sainte-Laguë priority w/(s+1/2).  A: 1.4, .467, .28, .2, .156, .127, .108; B, C, D: .2, .067.
    # h0..3: A, A, A (same windows as d'Hondt).  h3->4: A (.2) ties B, C, D (.2) and wins the tie
    # but fails upper quota (3 < 2.8); B: window x=4..9 as for d'Hondt -> (3,1,0,0).
    # h4->5: A, C, D all .2 -> A (3 < 3.5, b=6, x=5: 4+1 <= 5).  h5->6: C (.2 > A's .156):
    # b=10, x=6: 4+1+1 <= 6, x=7: 6 <= 7, x=8: 5+2 <= 8, x=9: 6+2 <= 9.  h6->7: D (.2): x=7:
    # 4+3 <= 7, x=8: 5+3 <= 8, x=9: 6+3 <= 9 -> (4,1,1,1).  h7..10: A (b = 8, 9, 10, empty).
    expected = [
        [0, 0, 0, 0],
        [1, 0, 0, 0],
        [2, 0, 0, 0],
        [3, 0, 0, 0],
        [3, 1, 0, 0],
        [4, 1, 0, 0],
        [4, 1, 1, 0],
        [4, 1, 1, 1],
        [5, 1, 1, 1],
        [6, 1, 1, 1],
        [7, 1, 1, 1],
    ]
    assert house_sequence(SEVEN_ONE_ONE_ONE, 10, Method.SAINTE_LAGUE) == expected


def test_quota_huntington_hill_by_hand() -> None:
    # Huntington-Hill priority w/sqrt(s(s+1)), infinite with no seat (ties: lower index).
    # h0->1: all infinite -> A.  h1->2: B (infinite; 0 < 0.2): b=10, s'=(1,1,0,0), x=2..9 gives
    # 2, 3, 3, 4, 5, 5, 6, 7 <= x.  h2->3: C infinite but x=3: floor(2.1) + 1 + 1 = 4 > 3 fails
    # the look-ahead, so does D; A (.7/sqrt 2 = .495; 1 < 2.1; b=3) -> (2,1,0,0).  [Plain
    # Huntington-Hill gives (1,1,1,0), below A's lower quota floor(2.1) = 2.]  h3->4: C (x=4:
    # 2+1+1 <= 4, x=5: 3+2 <= 5, x=6: 4+2 <= 6, ...) -> (2,1,1,0).  h4->5: D fails at x=5
    # (3+3 > 5); A (.286, b=5) -> (3,1,1,0).  h5->6: D fails at x=6 (4+3 > 6); A (.202, b=6).
    # h6->7: D: x=7: 4+3 <= 7, x=8: 5+3 <= 8, x=9: 6+3 <= 9 -> (4,1,1,1).  h7..10: A.
    expected = [
        [0, 0, 0, 0],
        [1, 0, 0, 0],
        [1, 1, 0, 0],
        [2, 1, 0, 0],
        [2, 1, 1, 0],
        [3, 1, 1, 0],
        [4, 1, 1, 0],
        [4, 1, 1, 1],
        [5, 1, 1, 1],
        [6, 1, 1, 1],
        [7, 1, 1, 1],
    ]
    assert house_sequence(SEVEN_ONE_ONE_ONE, 10, Method.HUNTINGTON_HILL) == expected


def test_whole_quotas_are_kept() -> None:
    quotas = [Fraction(5), Fraction(0), Fraction(3), Fraction(2)]
    for method in Method:
        assert apportion(quotas, 10, method) == [5, 0, 3, 2]


def test_int_quotas_and_empty_input() -> None:
    for method in Method:
        assert apportion([2, 0, 1], 3, method) == [2, 0, 1]  # type: ignore[list-item]
        assert apportion([], 0, method) == []
        assert apportion([Fraction(0), Fraction(0)], 0, method) == [0, 0]


def test_labels_cover_every_method() -> None:
    assert set(METHOD_LABELS) == set(Method)
    assert Method("largest-remainder") is Method.LARGEST_REMAINDER
    assert [m.value for m in Method] == [
        "largest-remainder",
        "sainte-lague",
        "dhondt",
        "huntington-hill",
    ]


def test_within_quota() -> None:
    quotas = [Fraction(3, 2), Fraction(1, 2), Fraction(1)]
    assert within_quota(quotas, [2, 0, 1])
    assert within_quota(quotas, [1, 1, 1])
    assert not within_quota(quotas, [3, 0, 0])
    assert not within_quota(quotas, [1, 0, 2])
    with pytest.raises(ValueError, match="lengths"):
        within_quota(quotas, [1, 1])


# ---------------------------------------------------------------------------------------------
# Errors
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("method", list(Method))
def test_negative_quota(method: Method) -> None:
    with pytest.raises(ValueError, match="negative"):
        apportion([Fraction(-1), Fraction(3)], 2, method)


@pytest.mark.parametrize("method", list(Method))
def test_sum_mismatch(method: Method) -> None:
    with pytest.raises(ValueError, match="sum"):
        apportion([Fraction(1, 2), Fraction(1)], 2, method)


@pytest.mark.parametrize("method", list(Method))
def test_negative_seats(method: Method) -> None:
    with pytest.raises(ValueError, match="seats"):
        apportion([], -1, method)


def test_float_quota_refused() -> None:
    with pytest.raises(TypeError):
        apportion([0.5, 0.5], 1)  # type: ignore[list-item]


# ---------------------------------------------------------------------------------------------
# Properties
# ---------------------------------------------------------------------------------------------

weight = st.one_of(
    st.integers(min_value=0, max_value=1000),
    st.fractions(min_value=0, max_value=100, max_denominator=50),
)
weights_st = st.lists(weight, min_size=1, max_size=30).filter(lambda ws: any(w > 0 for w in ws))


@settings(max_examples=150, deadline=None)
@given(weights=weights_st, seats=st.integers(min_value=0, max_value=300))
def test_every_method_satisfies_quota(weights: list[int | Fraction], seats: int) -> None:
    quotas = quotas_for(weights, seats)
    for method in Method:
        allocation = apportion(quotas, seats, method)
        assert all(isinstance(a, int) and a >= 0 for a in allocation)
        assert len(allocation) == len(quotas)
        assert sum(allocation) == seats
        assert within_quota(quotas, allocation)
        assert all(a == 0 for a, t in zip(allocation, quotas, strict=True) if t == 0)
        assert apportion(list(quotas), seats, method) == allocation


small_weights = st.lists(st.integers(min_value=0, max_value=40), min_size=1, max_size=12).filter(
    lambda ws: any(ws)
)


@pytest.mark.parametrize("method", DIVISOR_METHODS)
@settings(max_examples=40, deadline=None)
@given(weights=small_weights)
def test_divisor_methods_are_house_monotone(method: Method, weights: list[int]) -> None:
    sequence = house_sequence(weights, 120, method)
    for h, (before, after) in enumerate(itertools.pairwise(sequence)):
        assert sum(after) == h + 1
        assert all(b >= a for a, b in zip(before, after, strict=True)), (h, before, after)


# An independent, literal (slow) transcription of Still's method with Fractions, to check the
# event-driven look-ahead of the implementation.


def _priority_key(method: Method, w: Fraction, s: int) -> tuple[int, Fraction]:
    """Sort key, smallest first = highest priority."""
    if method is Method.DHONDT:
        return (1, -w / (s + 1))
    if method is Method.SAINTE_LAGUE:
        return (1, -w / (s + Fraction(1, 2)))
    if s == 0:
        return (0, Fraction(0))  # infinite
    return (1, -(w * w) / (s * (s + 1)))


def still_reference(weights: Sequence[int], seats: int, method: Method) -> list[int]:
    total = sum(weights)
    w = [Fraction(x, total) for x in weights]
    s = [0] * len(w)
    for h in range(seats):
        order = sorted(
            (k for k in range(len(w)) if w[k] > 0),
            key=lambda k: (_priority_key(method, w[k], s[k]), k),
        )
        for i in order:
            if s[i] + 1 > math.ceil(w[i] * (h + 1)):
                continue
            b = math.ceil((s[i] + 1) / w[i])
            after = [*s[:i], s[i] + 1, *s[i + 1 :]]
            if all(
                sum(max(a, math.floor(wj * x)) for a, wj in zip(after, w, strict=True)) <= x
                for x in range(h + 1, b)
            ):
                s = after
                break
        else:
            raise AssertionError("no eligible party")
    return s


@pytest.mark.parametrize("method", DIVISOR_METHODS)
@settings(max_examples=60, deadline=None)
@given(
    weights=st.lists(st.integers(min_value=0, max_value=25), min_size=1, max_size=7).filter(any),
    seats=st.integers(min_value=0, max_value=40),
)
def test_matches_literal_still_method(method: Method, weights: list[int], seats: int) -> None:
    assert apportion(quotas_for(weights, seats), seats, method) == still_reference(
        weights, seats, method
    )
