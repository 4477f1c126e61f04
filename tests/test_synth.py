"""Synthetic cases: deterministic for a seed, plausible in mix, and quotas that fit the batch."""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import replace
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.conftest import tiny_grundlag
from visitering import synth
from visitering.cases import FamilyType
from visitering.domain import Kommuner
from visitering.formats.csvtext import Dialect
from visitering.inputs import embedded

KOMMUNER = embedded.kommuner()


@pytest.fixture(scope="module")
def big() -> list:
    return synth.generate_cases(5000, 2024, KOMMUNER)


def test_same_seed_same_bytes_other_seed_other_bytes():
    first = synth.cases_csv(synth.generate_cases(300, 7, KOMMUNER), Dialect.DANISH)
    again = synth.cases_csv(synth.generate_cases(300, 7, KOMMUNER), Dialect.DANISH)
    other = synth.cases_csv(synth.generate_cases(300, 8, KOMMUNER), Dialect.DANISH)
    assert first == again
    assert first != other


def test_a_longer_batch_starts_with_the_shorter_one():
    assert synth.generate_cases(50, 3, KOMMUNER) == synth.generate_cases(80, 3, KOMMUNER)[:50]


def test_ids_are_synthetic_and_numbered(big):
    assert [c.case_id for c in big[:3]] == ["SYN-000001", "SYN-000002", "SYN-000003"]
    assert all(re.fullmatch(r"SYN-\d{6}", c.case_id) for c in big)
    assert len({c.case_id for c in big}) == len(big)
    assert synth.generate_cases(0, 1, KOMMUNER) == []


def test_first_id_renumbers_without_changing_the_draws():
    """A later synthetic week on one ledger needs new ids; the ids alone change."""
    base = synth.generate_cases(40, 3, KOMMUNER)
    later = synth.generate_cases(40, 3, KOMMUNER, first_id=301)
    assert [c.case_id for c in later] == [f"SYN-{i:06d}" for i in range(301, 341)]
    assert [replace(c, case_id="x") for c in later] == [replace(c, case_id="x") for c in base]
    last = synth.generate_cases(2, 1, KOMMUNER, first_id=synth.MAX_CASES - 1)
    assert [c.case_id for c in last] == ["SYN-999998", "SYN-999999"]


def test_households_are_consistent(big):
    for case in big:
        assert case.persons >= 1
        assert case.adults is not None and case.children is not None
        assert case.adults + case.children == case.persons
        if case.family_type in (FamilyType.SINGLE_MAN, FamilyType.SINGLE_WOMAN):
            assert case.persons == 1
        if case.family_type is FamilyType.UNACCOMPANIED_MINOR:
            assert case.adults == 0 and case.job_offer_kommune is None
        if case.job_offer_hours is not None:
            assert case.job_offer_kommune is not None and 0 < case.job_offer_hours <= 37.5


def share(cases, predicate) -> float:
    return sum(1 for c in cases if predicate(c)) / len(cases)


def test_family_type_mix_is_near_the_stated_shares(big):
    counts = Counter(c.family_type for c in big)
    for family_type, expected in synth.FAMILY_TYPES.items():
        assert abs(counts[family_type] / len(big) - expected) < 0.03, family_type
    mean_family = [c.persons for c in big if c.family_type is FamilyType.FAMILY]
    assert 3.5 < sum(mean_family) / len(mean_family) < 5


def test_a_given_family_mix_is_followed():
    # A simulation draws the year's family-type mix and generates its cases from it.
    kommuner = embedded.kommuner()
    only_families = [0.0 if ft is not FamilyType.FAMILY else 1.0 for ft in synth.FAMILY_TYPES]
    cases = synth.generate_cases(200, 5, kommuner, family_mix=only_families)
    assert {c.family_type for c in cases} == {FamilyType.FAMILY}
    singles = [1.0 if ft is FamilyType.SINGLE_MAN else 0.0 for ft in synth.FAMILY_TYPES]
    assert all(c.persons == 1 for c in synth.generate_cases(50, 5, kommuner, family_mix=singles))


@pytest.mark.parametrize("mix", [[1.0, 1.0], [0.0] * 5, [-1.0, 1.0, 1.0, 1.0, 1.0]])
def test_a_bad_family_mix_is_refused(mix):
    with pytest.raises(ValueError, match="family_mix needs 5 non-negative weights"):
        synth.generate_cases(1, 1, embedded.kommuner(), family_mix=mix)


def test_nationality_and_needs_mix(big):
    counts = Counter(c.nationality for c in big)
    assert [n for n, _ in counts.most_common(3)] == ["SYR", "ERI", "AFG"]
    assert "UKR" not in counts  # placed outside the landstal
    assert all(c.language for c in big)
    assert 0.12 < share(big, lambda c: "trauma" in c.needs) < 0.18
    assert 0.09 < share(big, lambda c: c.close_family_kommune is not None) < 0.15
    assert 0.08 < share(big, lambda c: c.quota_refugee) < 0.12
    assert 0 < share(big, lambda c: c.job_offer_kommune is not None) < 0.05
    assert 0 < share(big, lambda c: c.institution_kommune is not None) < 0.03
    assert 0 < share(big, lambda c: c.special_circumstances is not None) < 0.03


def test_latest_stay_is_an_asylum_centre_except_for_quota_refugees(big):
    for case in big:
        if case.quota_refugee:
            assert case.latest_stay_kommune is None
        else:
            assert case.latest_stay_kommune in synth.ASYLUM_CENTRES


def test_matching_quotas_sum_to_persons_and_stay_within_quota(big):
    quotas = synth.matching_quotas(big, KOMMUNER)
    total = sum(c.persons for c in big)
    assert list(quotas) == list(KOMMUNER)
    assert sum(quotas.values()) == total
    population = {g.kommune.kode: g.befolkning for g in embedded.embedded_grundlag().kommuner}
    whole = sum(population.values())
    largest = max(c.persons for c in big)
    for code, quota in quotas.items():  # within one family of the population share
        exact = Fraction(total * population[code], whole)
        assert math.floor(exact) - largest < quota < math.ceil(exact) + largest


def test_other_municipality_lists_need_a_population():
    tiny = Kommuner([g.kommune for g in tiny_grundlag().kommuner])
    with pytest.raises(ValueError, match="no population for kommunekoder"):
        synth.generate_cases(5, 1, tiny)
    population = {11: 500, 12: 300, 21: 150, 22: 50}
    cases = synth.generate_cases(40, 1, tiny, population)
    assert {c.latest_stay_kommune for c in cases} <= {None, 11, 12, 21, 22}
    quotas = synth.matching_quotas(cases, tiny, population)
    assert sum(quotas.values()) == sum(c.persons for c in cases)


@settings(max_examples=15, deadline=None)
@given(st.integers(0, 60), st.integers(0, 2**32 - 1))
def test_quotas_fit_any_batch(n, seed):
    """The quotas add up to the persons and the solver places every case in them, families
    whole.  Regression (CLI audit): quotas split by population only added up, and 50 cases
    were infeasible against them (families of 5 against quotas of 0-2)."""
    from visitering.batch import BatchInputs, run_batch
    from visitering.inputs import geography
    from visitering.inputs.profiles import embedded_profiles

    cases = synth.generate_cases(n, seed, KOMMUNER)
    quotas = synth.matching_quotas(cases, KOMMUNER)
    assert sum(quotas.values()) == sum(c.persons for c in cases)
    assert min(quotas.values()) >= 0
    inputs = BatchInputs(
        cases, embedded_profiles(), geography.neighbours(), geography.distances_km()
    )
    assert run_batch(inputs, quotas).result.is_ok


@pytest.mark.parametrize(
    ("n", "seed", "message", "first_id"),
    [
        (-1, 1, "n must be from 0 to 999999, not -1", 1),
        (synth.MAX_CASES + 1, 1, "n must be from 0 to 999999, not 1000000", 1),
        (3, -1, "seed must be ≥ 0, not -1", 1),
        (3, 1, "first_id must be a whole number ≥ 1, got 0", 0),
        (
            3,
            1,
            "first_id 999,998 with 3 cases would number past SYN-999999; the first id can be "
            "at most 999,997",
            999_998,
        ),
        (  # no case, yet the id must have six digits (audit: SYN-1000000 in the note)
            0,
            1,
            "first_id 1,000,000 with 0 cases would number past SYN-999999; the first id can be "
            "at most 999,999",
            1_000_000,
        ),
    ],
)
def test_case_count_seed_and_first_id_are_bounded(n, seed, message, first_id):
    """Regression: a negative seed was a numpy traceback; ``n`` had no bound (a billion cases
    ran for hours), while the case ids have six digits."""
    with pytest.raises(ValueError) as err:
        synth.generate_cases(n, seed, KOMMUNER, first_id=first_id)
    assert str(err.value) == message
    assert len(f"{synth.MAX_CASES:06d}") == 6


@settings(max_examples=50, deadline=None)
@given(
    weights=st.lists(st.floats(0, 10, allow_nan=False), min_size=1, max_size=12).filter(
        lambda w: sum(w) > 0
    ),
    seed=st.integers(0, 2**32 - 1),
)
def test_a_pick_draws_exactly_what_numpys_choice_draws(weights, seed):
    # _Draw.pick replaces rng.choice(n, p=p) for speed (CLI latency audit, stop 27): the same
    # generator must give the same indices, draw for draw, so that seeds keep their cases.
    import numpy as np

    p = synth._probabilities(weights)
    draw = synth._Draw(seed)
    reference = np.random.default_rng(seed)
    for _ in range(20):
        assert draw.pick(range(len(p)), p) == int(reference.choice(len(p), p=p))
