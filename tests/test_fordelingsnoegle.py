"""Golden cases for the § 4 distribution key (BEK nr. 550/2022 § 4), computed by hand."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.conftest import tiny_grundlag
from visitering.errors import InputError
from visitering.kvoter.fordelingsnoegle import beregn_noegle


def test_hand_computed_key_with_a_negative_provisional_number(tiny):
    """The arithmetic, L = 90, F = 10 (all in A):

    P = 500, 300, 150, 50 (ΣP = 1000) -> p = 0.50, 0.30, 0.15, 0.05
    I = 100, 100, 100, 100 (ΣI = 400) -> i = 0.25 each
    a = 2p - i = 0.75, 0.35, 0.05, -0.15           (Σ a = 1)
    b = a (L + F) = a x 100 = 75, 35, 5, -15
    v = b - F_k = 65, 35, 5, -15                     (Σ v = 90 = L)
    D has v <= 0 -> 0.  S = 65 + 35 + 5 = 105.
    t = v x 90 / 105 = 390/7, 30, 30/7, 0           (Σ t = 630/7 = 90)
    """
    key = beregn_noegle(tiny, 90)
    k = key.kommuner
    assert [x.befolkningsandel for x in k] == [
        Fraction(1, 2),
        Fraction(3, 10),
        Fraction(3, 20),
        Fraction(1, 20),
    ]
    assert [x.indvandrerandel for x in k] == [Fraction(1, 4)] * 4
    assert [x.fordelingsandel for x in k] == [
        Fraction(3, 4),
        Fraction(7, 20),
        Fraction(1, 20),
        Fraction(-3, 20),
    ]
    assert [x.beregnet_fordelingstal for x in k] == [75, 35, 5, -15]
    assert [x.foreloebigt_fordelingstal for x in k] == [65, 35, 5, -15]
    assert key.positiv_sum == 105
    assert [x.fordelingstal for x in k] == [Fraction(390, 7), 30, Fraction(30, 7), 0]
    assert key.familiesammenfoerte_i_alt == 10


def test_real_data_totals(real):
    """ΣP on 1 January 2026 is 6,025,511 for the 98 municipalities (data/README.md, file 3)."""
    key = beregn_noegle(real, 600)
    assert key.befolkning_i_alt == 6_025_511
    assert len(key.kommuner) == 98
    assert sum(k.fordelingsandel for k in key.kommuner) == 1
    assert sum(k.fordelingstal for k in key.kommuner) == 600


def test_zero_immigrant_total_is_an_input_error():
    with pytest.raises(InputError, match="indvandrere column sums to 0"):
        beregn_noegle(tiny_grundlag(indvandrere=(0, 0, 0, 0)), 10)


counts = st.integers(min_value=0, max_value=10_000)


@given(
    p=st.lists(counts, min_size=4, max_size=4).filter(lambda xs: sum(xs) > 0),
    i=st.lists(counts, min_size=4, max_size=4).filter(lambda xs: sum(xs) > 0),
    f=st.lists(st.integers(0, 50), min_size=4, max_size=4),
    landstal=st.integers(1, 20_000),
)
def test_key_identities(p, i, f, landstal):
    """Σ a_k = 1, Σ v_k = L, Σ t_k = L, t_k = 0 exactly when v_k <= 0, and t_k >= 0."""
    key = beregn_noegle(tiny_grundlag(p, i, f), landstal)
    assert sum(k.fordelingsandel for k in key.kommuner) == 1
    assert sum(k.foreloebigt_fordelingstal for k in key.kommuner) == landstal
    assert sum(k.fordelingstal for k in key.kommuner) == landstal
    for k in key.kommuner:
        assert (k.fordelingstal == 0) == (k.foreloebigt_fordelingstal <= 0)
        assert k.fordelingstal >= 0
