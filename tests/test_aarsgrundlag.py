"""The basis of a year's quotas as the ledger keeps it (BEK nr. 550/2022 § 7 stk. 9)."""

from __future__ import annotations

import re

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from visitering.errors import InputError
from visitering.inputs.embedded import embedded_grundlag, kommuner
from visitering.kvoter.aarsgrundlag import Kvotegrundlag
from visitering.kvoter.apportionment import Method
from visitering.kvoter.beregning import beregn_kvoter
from visitering.kvoter.revision import revider

GRUNDLAG = embedded_grundlag(2015)
KOMMUNER = kommuner()


@settings(max_examples=25, deadline=None)
@given(
    first=st.integers(500, 20_000),
    chain=st.lists(st.integers(100, 25_000), min_size=1, max_size=4),
    offers=st.dictionaries(st.sampled_from([101, 461, 751, 851]), st.integers(1, 400)),
    metode=st.sampled_from(list(Method)),
    agreed=st.booleans(),
)
def test_changes_through_the_record_are_the_revision_chain(first, chain, offers, metode, agreed):
    """Each change read from the record and written back, as the ledger does from one
    ``assign --revise-quotas --landstal`` to the next, gives the quotas of the whole chain
    computed at once (``visitering revise``), volunteers' offers used up as they go.  With
    ``agreed``, the year started from agreed quotas (§ 7 stk. 6: half of one
    municipality's quota moved to another), and the agreement lapses at the first change."""
    assume(any(landstal != first for landstal in chain))
    paragraf7 = beregn_kvoter(GRUNDLAG, first, metode).kvoter
    kvoter = dict(paragraf7)
    giver = max(kvoter, key=lambda k: (kvoter[k], k))
    taker = 101 if giver != 101 else 147
    moved = kvoter[giver] // 2
    if agreed:
        kvoter[giver], kvoter[taker] = kvoter[giver] - moved, kvoter[taker] + moved
    basis = Kvotegrundlag(GRUNDLAG, metode, offers, paragraf7=paragraf7 if agreed else None)
    text = basis.to_text()
    for landstal in chain:
        trin, after = Kvotegrundlag.from_text(text, KOMMUNER, "l.sqlite").revider(kvoter, landstal)
        kvoter, text = trin.kvoter_efter, after.to_text()
    assert kvoter == revider(GRUNDLAG, first, chain, metode, offers).kvoter


def test_the_record_is_the_same_bytes_for_the_same_basis():
    a = Kvotegrundlag(GRUNDLAG, Method.DHONDT, {851: 5, 101: 7}).to_text()
    b = Kvotegrundlag(GRUNDLAG, Method.DHONDT, {101: 7, 851: 5}).to_text()
    assert a == b
    back = Kvotegrundlag.from_text(a, KOMMUNER, "l.sqlite")
    assert (back.metode, dict(back.frivillige), back.grundlag.data_aar) == (
        Method.DHONDT,
        {101: 7, 851: 5},
        2015,
    )
    assert back.grundlag.kommuner == GRUNDLAG.kommuner
    assert back.to_text() == a


@pytest.mark.parametrize(
    "damage",
    [
        lambda t: t[:-5],
        lambda t: t.replace('"largest-remainder"', '"hare"'),
        lambda t: t.replace("[101,", "[9999,", 1),
        lambda t: t.replace('"format":1', '"format":2'),
        lambda t: t.replace('"before_2018":false', '"before_2018":"no"'),
        lambda t: re.sub('"kilde":"[^"]*"', '"kilde":null', t),
        lambda t: re.sub(r"\[(\d+),\d+,", r"[\1,0,", t),
    ],
    ids=["cut", "method", "kommunekode", "format", "flag", "no-source", "no-population"],
)
def test_a_damaged_record_names_the_ledger(damage):
    text = Kvotegrundlag(GRUNDLAG).to_text()
    with pytest.raises(InputError) as err:
        Kvotegrundlag.from_text(damage(text), KOMMUNER, "l.sqlite")
    assert [str(p) for p in err.value.problems] == [
        "l.sqlite: damaged ledger: the basis of the year's quotas cannot be read"
    ]


def test_the_landstal_in_force_is_kept_with_the_basis_and_judges_the_next_change():
    """§ 2 stk. 5 is about the landstal.  Regression (review, stop 27): a ledger begun from a
    scenario whose deviation made the quotas sum to 616 on a landstal of 600 judged 600 → 360
    on 616 (41.56 %, mandatory); the basis now carries the landstal through the record."""
    from fractions import Fraction

    grundlag = embedded_grundlag(2025)
    quotas = dict(beregn_kvoter(grundlag, 600).kvoter)
    quotas[101] += 16
    basis = Kvotegrundlag(grundlag, landstal=600)
    read = Kvotegrundlag.from_text(basis.to_text(), kommuner(), "l.sqlite")
    assert read.landstal == 600
    trin, after = read.revider(quotas, 360)
    assert (trin.fra_landstal, trin.aendring, trin.obligatorisk) == (600, Fraction(2, 5), False)
    assert after.landstal == 360
    # A record made before the landstal was kept judges on the quotas' sum, as it did.
    old = Kvotegrundlag.from_text(Kvotegrundlag(grundlag).to_text(), kommuner(), "l.sqlite")
    assert old.landstal is None
    assert old.revider(quotas, 360)[0].fra_landstal == 616
