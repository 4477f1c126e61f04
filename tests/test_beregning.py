"""Region and municipal quotas (§§ 4-7): golden case, invariants for every method, agreements
and recorded deviations."""

from __future__ import annotations

import math
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.conftest import X, Y
from visitering.domain import Fordelingsgrundlag, Kommune, KommuneGrundlag, Region
from visitering.errors import InputError
from visitering.kvoter.apportionment import Method
from visitering.kvoter.beregning import (
    SEQUENTIAL_MAX_LANDSTAL,
    Aftale,
    Afvigelse,
    Grundlag,
    Kilde,
    beregn_kvoter,
)

ALL_METHODS = list(Method)


def test_golden_tiny_largest_remainder(tiny):
    """t = 390/7 (55.714), 30, 30/7 (4.286), 0.  Floors 55 + 30 + 4 + 0 = 89; the one person left
    goes to the largest remainder, A's 5/7.  Regions: X = 56 + 30 = 86, Y = 4 + 0 = 4."""
    result = beregn_kvoter(tiny, 90)
    assert result.kvoter == {11: 56, 12: 30, 21: 4, 22: 0}
    assert [(r.region, r.regionskvote) for r in result.regioner] == [(X, 86), (Y, 4)]
    assert [r.fordelingstal for r in result.regioner] == [Fraction(600, 7), Fraction(30, 7)]
    assert all(q.grundlag is Grundlag.BEREGNET for q in result.kommuner)
    assert result.advarsler == ()


@st.composite
def countries(draw):
    """A valid random country: 2-12 municipalities in 1-3 regions, some F_k, landstal 1-3000."""
    n = draw(st.integers(2, 12))
    regions = [Region(r, f"Region {r}") for r in range(1, draw(st.integers(1, 3)) + 1)]
    rows = []
    for code in range(101, 101 + n):
        region = regions[draw(st.integers(0, len(regions) - 1))]
        rows.append(
            KommuneGrundlag(
                Kommune(code, f"K{code}", region),
                draw(st.integers(1, 100_000)),
                draw(st.integers(0, 30_000)),
                draw(st.integers(0, 40)),
            )
        )
    if sum(r.indvandrere for r in rows) == 0:
        rows[0] = KommuneGrundlag(rows[0].kommune, rows[0].befolkning, 1, 0)
    return Fordelingsgrundlag(tuple(rows), "hypothesis"), draw(st.integers(1, 3000))


@pytest.mark.parametrize("method", ALL_METHODS)
@settings(max_examples=60, deadline=None)
@given(case=countries())
def test_quota_invariants_for_every_method(method, case):
    grundlag, landstal = case
    result = beregn_kvoter(grundlag, landstal, method)
    quotas = result.kommuner
    assert all(isinstance(q.kommunekvote, int) and q.kommunekvote >= 0 for q in quotas)
    for q in quotas:
        t = q.noegle.fordelingstal
        assert math.floor(t) <= q.kommunekvote <= math.ceil(t)
        if q.noegle.foreloebigt_fordelingstal <= 0:
            assert q.kommunekvote == 0
    for r in result.regioner:
        assert r.regionskvote == sum(q.kommunekvote for q in quotas if q.kommune.region == r.region)
    assert sum(r.regionskvote for r in result.regioner) == landstal


@pytest.mark.parametrize("method", [Method.DHONDT, Method.SAINTE_LAGUE, Method.HUNTINGTON_HILL])
def test_divisor_methods_never_lower_a_quota_when_the_landstal_rises(real, method):
    """House monotonicity on the real 98 municipalities (F_k = 0, so the shares are fixed)."""
    previous = beregn_kvoter(real, 400, method).kvoter
    for landstal in range(401, 700):
        current = beregn_kvoter(real, landstal, method).kvoter
        assert all(current[k] >= previous[k] for k in current), landstal
        previous = current


def test_agreement_replaces_the_region_split(tiny):
    aftale = Aftale(X, {11: 50, 12: 36})
    result = beregn_kvoter(tiny, 90, aftaler=[aftale])
    assert result.kvoter == {11: 50, 12: 36, 21: 4, 22: 0}
    assert result.kvote(11).grundlag is Grundlag.AFTALE
    assert result.kvote(11).beregnet_kvote == 56
    assert result.kvote(21).grundlag is Grundlag.BEREGNET


def test_agreement_that_does_not_sum_is_rejected_with_reason(tiny):
    with pytest.raises(InputError) as err:
        beregn_kvoter(tiny, 90, aftaler=[Aftale(X, {11: 50, 12: 30}, source="aftale.csv")])
    assert str(err.value.problems[0]) == (
        "aftale.csv, column kommunekvote: the agreement for Region X sums to 80, but the region "
        "quota is 86; an agreement must sum to the region quota (§ 6), otherwise the § 7 quotas "
        "apply: leave the agreement out to compute them"
    )


def test_agreement_must_cover_the_whole_region(tiny):
    with pytest.raises(InputError, match=r"does not cover every municipality .*missing: 12"):
        beregn_kvoter(tiny, 90, aftaler=[Aftale(X, {11: 86})])


def test_municipal_deviation_is_recorded_and_changes_the_total(tiny):
    afv = Afvigelse(21, 6, "særlige integrationsmæssige forhold", Kilde("afv.csv", 2))
    result = beregn_kvoter(tiny, 90, afvigelser=[afv])
    q = result.kvote(21)
    assert (q.kommunekvote, q.beregnet_kvote, q.grundlag) == (6, 4, Grundlag.AFVIGELSE)
    assert q.begrundelse == "særlige integrationsmæssige forhold"
    assert result.advarsler == (
        "The recorded deviations make the quotas sum to 92, +2 against the landstal 90.",
    )
    # Its region's quota is the sum with the deviation, and says so (regression, scenario
    # audit, stop 27: it was labelled § 4 stk. 1 alone); the other region is unchanged.
    region_y, region_x = result.regioner[1], result.regioner[0]
    assert region_y.grundlag is Grundlag.BEREGNET_REGION_MED_AFVIGELSE
    assert region_y.regionskvote == 6 + result.kvote(22).kommunekvote
    assert region_x.grundlag is Grundlag.BEREGNET_REGION


def test_region_deviation_resplits_the_region_by_section_7(tiny):
    """Region X moved from 86 to 80: § 7 splits 80 in proportion to t: 390/7 : 30 = 13 : 7, so
    80 x 13/20 = 52 and 80 x 7/20 = 28 exactly."""
    afv = Afvigelse(1, 80, "§ 4 stk. 6", Kilde("afv.csv", 2), gaelder_region=True)
    result = beregn_kvoter(tiny, 90, afvigelser=[afv])
    assert result.kvoter == {11: 52, 12: 28, 21: 4, 22: 0}
    region_x = result.regioner[0]
    assert (region_x.regionskvote, region_x.grundlag) == (80, Grundlag.AFVIGELSE_REGION)


@pytest.mark.parametrize("method", [m for m in Method if m is not Method.LARGEST_REMAINDER])
def test_sequential_methods_refuse_a_landstal_they_would_take_minutes_over(tiny, method):
    """Regression: --method dhondt with landstal 10,000,000 ran for minutes (one person at a
    time); largest remainder has no such limit."""
    with pytest.raises(InputError) as err:
        beregn_kvoter(tiny, SEQUENTIAL_MAX_LANDSTAL + 1, method)
    assert str(err.value.problems[0]) == (
        f"landstal: the {method.value} method hands out one person at a time; a landstal above "
        "1,000,000 is not supported with it (largest-remainder has no such limit), got 1,000,001"
    )
    big = beregn_kvoter(tiny, 10**12)
    assert sum(k.kommunekvote for k in big.kommuner) == 10**12
