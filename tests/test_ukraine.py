"""Forholdsmæssige kommunetal for people displaced from Ukraine: golden cases and properties.

No published kommunetal table was found in the stored public copies (searched: BEK nr. 509/2022,
BEK nr. 1633/2023, news on the 2022 blocks), so the golden cases are hand-computed on the tiny
four-municipality country of ``conftest.py`` (population 500, 300, 150, 50), with the arithmetic
written out in each test.
"""

from __future__ import annotations

import math
from fractions import Fraction

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from tests.conftest import X, Y, tiny_grundlag
from visitering.domain import Fordelingsgrundlag, Kommune, KommuneGrundlag
from visitering.errors import InputError
from visitering.kvoter.apportionment import Method
from visitering.kvoter.ukraine import (
    BLOCK_SIZE,
    Variant,
    VolunteerRule,
    beregn_blok,
    fordelingsandele,
)


def tal(result):
    return [k.kommunetal for k in result.kommuner]


def test_first_block_is_the_plain_population_share(tiny):
    # BEK 509/2022 § 3 stk. 2: share of the population times the persons to distribute.
    result = beregn_blok(tiny, 100)
    assert [k.fordelingsandel for k in result.kommuner] == [
        Fraction(1, 2),
        Fraction(3, 10),
        Fraction(3, 20),
        Fraction(1, 20),
    ]
    assert [k.maal for k in result.kommuner] == [50, 30, 15, 5]
    assert tal(result) == [50, 30, 15, 5]


def test_second_block_corrects_the_previous_over_and_under_placement(tiny):
    # P = 100 placed as A 60, B 25, C 15, D 0 against shares 50, 30, 15, 5.
    # e = s·(100+100) = 100, 60, 30, 10; r = e − placed = 40, 35, 15, 10 (sums to 100, no
    # clipping).  A was 10 over, so it gets 40 instead of 50; B and D catch up.
    result = beregn_blok(tiny, 100, placeringer={11: 60, 12: 25, 21: 15})
    assert [k.kumuleret_ret for k in result.kommuner] == [100, 60, 30, 10]
    assert [k.afvigelse for k in result.kommuner] == [10, -5, 0, -5]
    assert [k.korrigeret_maal for k in result.kommuner] == [40, 35, 15, 10]
    assert tal(result) == [40, 35, 15, 10]


def test_a_municipality_far_over_its_share_gets_zero_and_the_rest_is_rescaled(tiny):
    # A took all 150 so far: e = s·250 = 125, 75, 37.5, 12.5; r = −25, 75, 37.5, 12.5.
    # Clipped: 0, 75, 37.5, 12.5, S = 125, t = r·100/125 = 0, 60, 30, 10.
    result = beregn_blok(tiny, 100, placeringer={11: 150})
    assert [k.korrigeret_maal for k in result.kommuner] == [
        -25,
        75,
        Fraction(75, 2),
        Fraction(25, 2),
    ]
    assert [k.maal for k in result.kommuner] == [0, 60, 30, 10]
    assert tal(result) == [0, 60, 30, 10]


def test_refugee_key_variant_clips_negative_shares_and_renormalises(tiny):
    # i = 1/4 each; a = 2p − i = 3/4, 7/20, 1/20, −3/20 → clipped 3/4, 7/20, 1/20, 0,
    # sum 23/20 → s = 15/23, 7/23, 1/23, 0.  Block 100: 65.22, 30.43, 4.35, 0; largest
    # remainder: floors 65, 30, 4 (99), the last person to B (remainder 0.43).
    assert fordelingsandele(tiny, Variant.REFUGEE_KEY) == [
        Fraction(15, 23),
        Fraction(7, 23),
        Fraction(1, 23),
        Fraction(0),
    ]
    assert tal(beregn_blok(tiny, 100, Variant.REFUGEE_KEY)) == [65, 31, 4, 0]


def test_volunteers_first_on_top_of_their_key_part(tiny):
    # D offers 20: F = 20, R = 80, key part s·80 = 40, 24, 12, 4; D gets 20 + 4.
    result = beregn_blok(tiny, 100, frivillige={22: 20})
    assert (result.frivillige_i_alt, result.noegle_personer) == (20, 80)
    assert tal(result) == [40, 24, 12, 24]


def test_volunteers_counted_towards_their_own_target(tiny):
    # r = s·100 − f = 50, 30, 15, 5 − 20 = −15 → clipped, S = 95, t = r·80/95 =
    # 42.11, 25.26, 12.63, 0; largest remainder: 42, 25, 12 (79) + 1 to C (0.63).
    result = beregn_blok(tiny, 100, frivillige={22: 20}, frivillig_regel=VolunteerRule.COUNTED)
    assert tal(result) == [42, 25, 13, 20]


def test_offers_beyond_the_block_are_shared_in_proportion(tiny):
    result = beregn_blok(tiny, 10, frivillige={11: 30, 22: 10})
    assert tal(result) == [8, 0, 0, 2]  # 30:10 of the 10 persons; nothing left for the key


def test_embedded_data_block_of_10000_is_the_population_share(real):
    result = beregn_blok(real)
    total = sum(g.befolkning for g in real.kommuner)
    assert result.blokstoerrelse == BLOCK_SIZE == 10_000
    assert sum(result.kommunetal.values()) == 10_000
    for k in result.kommuner:
        assert k.maal == Fraction(k.grundlag.befolkning * 10_000, total)
        assert math.floor(k.maal) <= k.kommunetal <= math.ceil(k.maal)


def test_bad_block_size_and_unknown_codes_are_reported_together(tiny):
    with pytest.raises(InputError) as exc:
        beregn_blok(tiny, 0)
    assert str(exc.value.problems[0]) == "--block-size: must be a positive whole number, got 0"
    with pytest.raises(InputError) as exc:
        beregn_blok(tiny, 10, placeringer={99: 1}, frivillige={98: 1})
    assert [str(p) for p in exc.value.problems] == [
        "placements: kommunekode 99 is not in the distribution inputs",
        "volunteers: kommunekode 98 is not in the distribution inputs",
    ]


def test_population_variant_needs_no_immigrant_figures_but_the_refugee_key_does():
    no_immigrants = tiny_grundlag(indvandrere=(0, 0, 0, 0))
    assert tal(beregn_blok(no_immigrants, 100)) == [50, 30, 15, 5]
    with pytest.raises(InputError) as exc:
        beregn_blok(no_immigrants, 100, Variant.REFUGEE_KEY)
    assert str(exc.value.problems[0]) == (
        "tiny hand-computed example: the indvandrere column sums to 0"
    )


# --- properties -------------------------------------------------------------------------------


@st.composite
def countries(draw: st.DrawFn) -> Fordelingsgrundlag:
    n = draw(st.integers(min_value=1, max_value=8))
    befolkning = draw(st.lists(st.integers(0, 10_000), min_size=n, max_size=n))
    assume(sum(befolkning) > 0)
    indvandrere = draw(st.lists(st.integers(0, 2_000), min_size=n, max_size=n))
    assume(sum(indvandrere) > 0)
    rows = tuple(
        KommuneGrundlag(Kommune(10 + j, f"K{j}", X if j % 2 else Y), p, i, 0)
        for j, (p, i) in enumerate(zip(befolkning, indvandrere, strict=True))
    )
    return Fordelingsgrundlag(rows, "hypothesis")


def counts(grundlag: Fordelingsgrundlag, limit: int) -> st.SearchStrategy[dict[int, int]]:
    codes = [g.kommune.kode for g in grundlag.kommuner]
    return st.dictionaries(st.sampled_from(codes), st.integers(0, limit), max_size=len(codes))


@settings(max_examples=150, deadline=None)
@given(data=st.data())
def test_every_block_sums_exactly_has_no_negatives_and_stays_within_quota(data):
    grundlag = data.draw(countries())
    block = data.draw(st.integers(1, 500))
    result = beregn_blok(
        grundlag,
        block,
        data.draw(st.sampled_from(Variant)),
        data.draw(counts(grundlag, 400)),
        data.draw(counts(grundlag, 60)),
        data.draw(st.sampled_from(Method)),
        data.draw(st.sampled_from(VolunteerRule)),
    )
    assert sum(result.kommunetal.values()) == block
    assert sum(k.maal for k in result.kommuner) == result.noegle_personer
    for k in result.kommuner:
        assert k.kommunetal >= 0 and k.maal >= 0
        assert math.floor(k.maal) <= k.noegle_tal <= math.ceil(k.maal)


@settings(max_examples=150, deadline=None)
@given(data=st.data())
def test_carry_over_gives_an_over_placed_municipality_less_than_its_share(data):
    grundlag = data.draw(countries())
    variant = data.draw(st.sampled_from(Variant))
    block = data.draw(st.integers(1, 500))
    first = beregn_blok(grundlag, block, variant)
    # What really happened in block 1: its kommunetal, with some persons moved from j to i.
    placed = dict(first.kommunetal)
    codes = list(placed)
    i, j = data.draw(st.sampled_from(codes)), data.draw(st.sampled_from(codes))
    moved = data.draw(st.integers(0, placed[j]))
    placed[j] -= moved
    placed[i] += moved
    second = beregn_blok(grundlag, block, variant, placed)
    assert sum(second.kommunetal.values()) == block
    for k in second.kommuner:
        plain = k.fordelingsandel * block
        if k.afvigelse > 0:
            # Over-placed: less than its plain share this time (0 stays 0).
            assert k.maal < plain or k.maal == plain == 0
            assert k.kommunetal <= math.ceil(plain)
        if k.korrigeret_maal >= 0 and all(m.korrigeret_maal >= 0 for m in second.kommuner):
            # Nothing clipped: after this block everyone is exactly at their cumulative share.
            assert k.placeret + k.maal == k.kumuleret_ret


@settings(max_examples=80, deadline=None)
@given(grundlag=countries(), block=st.integers(1, 500), offers=st.data())
def test_volunteers_get_their_offer_when_it_fits(grundlag, block, offers):
    frivillige = offers.draw(counts(grundlag, 40))
    assume(sum(frivillige.values()) <= block)
    for rule in VolunteerRule:
        result = beregn_blok(grundlag, block, frivillige=frivillige, frivillig_regel=rule)
        for k in result.kommuner:
            assert k.frivillige == frivillige.get(k.kode, 0)
            assert k.kommunetal >= k.frivillige


@settings(max_examples=80, deadline=None)
@given(grundlag=countries())
def test_shares_are_non_negative_and_sum_to_one(grundlag):
    for variant in Variant:
        shares = fordelingsandele(grundlag, variant)
        assert all(s >= 0 for s in shares)
        assert sum(shares) == 1
