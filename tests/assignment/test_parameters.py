"""Weights and Parameters refuse every wrong type and out-of-range value with a named problem.

Regressions of an audit: a string ``"no"`` switched the overshoot on, ``inf`` and ``1.5`` passed
as whole numbers, and seeds, time limits and pace tiers the solvers cannot take ended in a
traceback deep in OR-Tools instead of an input error.
"""

from __future__ import annotations

import pytest

from visitering.assignment.problem import (
    MAX_SEED,
    MAX_TIME_LIMIT_S,
    MAX_WEIGHT,
    Parameters,
    Weights,
)
from visitering.errors import InputError


def problems(**kwargs: object) -> list[str]:
    with pytest.raises(InputError) as err:
        Parameters(**kwargs)
    return [str(p) for p in err.value.problems]


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("allow_overshoot", "no", "must be true or false, got 'no'"),
        ("allow_overshoot", 1, "must be true or false, got 1"),
        ("capacity_tolerance", float("inf"), "must be a whole number ≥ 0, got inf"),
        ("capacity_tolerance", 1.5, "must be a whole number ≥ 0, got 1.5"),
        ("capacity_tolerance", True, "must be a whole number ≥ 0, got True"),
        ("candidates_per_case", 1.5, "must be a whole number ≥ 1, got 1.5"),
        ("threads", True, "must be a whole number ≥ 1, got True"),
        ("threads", 1.5, "must be a whole number ≥ 1, got 1.5"),
        ("seed", 1.5, "must be a whole number ≥ 0, got 1.5"),
        ("concentration_factor", float("inf"), "must be a finite number, got inf"),
        ("relative_gap", "0", "must be a finite number, got '0'"),
        ("time_limit_s", "30", "must be a finite number, got '30'"),
        ("time_limit_s", float("nan"), "must be a finite number, got nan"),
        ("commute_speed_kmh", False, "must be a finite number, got False"),
        ("mip_solver", "gurobi", "must be highs or cp_sat, got 'gurobi'"),
        ("concentration_by", 3, "must be nationality or language, got 3"),
    ],
)
def test_a_wrong_type_is_a_named_problem(name: str, value: object, message: str) -> None:
    assert problems(**{name: value}) == [f"parameters, column {name}: {message}"]


@pytest.mark.parametrize("seed", [-1, MAX_SEED + 1, 2**63 - 1])
def test_seed_must_fit_the_solvers(seed: int) -> None:
    assert problems(seed=seed) == [
        f"parameters, column seed: must be from 0 to 2147483647, got {seed}"
    ]
    assert Parameters(seed=MAX_SEED).seed == MAX_SEED


def test_time_limit_is_at_most_seven_days() -> None:
    assert problems(time_limit_s=1e300) == [
        "parameters, column time_limit_s: must be at most 604800 seconds (7 days), got 1e+300"
    ]
    assert Parameters(time_limit_s=MAX_TIME_LIMIT_S).time_limit_s == 604800
    assert Parameters(time_limit_s=30).time_limit_s == 30  # a whole number is a number


@pytest.mark.parametrize("hours", [10.0, 14.99, 0.0])
def test_a_job_offer_limit_below_the_statute_is_refused(hours: float) -> None:
    """Regression (audit, stop 25): ``min_job_hours = 10`` placed a 10-hour offer in a
    zero-quota municipality and recorded "a job offer of at least 15 hours a week" (§ 11
    stk. 4).  A higher limit is the caseworker's discretion; a lower one is not the law."""
    assert problems(min_job_hours=hours) == [
        "parameters, column min_job_hours: must be at least 15 (§ 11 stk. 4: a job offer of at "
        "least 15 hours a week; a lower limit would record placements the law does not allow), "
        f"got {hours!r}"
    ]
    assert Parameters(min_job_hours=20.0).min_job_hours == 20.0


@pytest.mark.parametrize("minutes", [60.0, 119.9])
def test_a_commute_limit_below_the_statute_is_refused(minutes: float) -> None:
    """Regression (export audit, stop 25): ``commute_threshold_min = 60`` opened § 11 stk. 4
    for a 90-minute commute, which the law (more than 2 hours a day) does not allow.  The
    estimate of the commute is calibrated by the commute model, not by the limit."""
    assert problems(commute_threshold_min=minutes) == [
        "parameters, column commute_threshold_min: must be at least 120 (§ 11 stk. 4: a daily "
        "commute of more than 2 hours; a lower limit would record placements the law does not "
        "allow; the commute model's speed, detour and overhead calibrate the estimate), got "
        f"{minutes!r}"
    ]
    assert Parameters(commute_threshold_min=150.0).commute_threshold_min == 150.0


def test_threads_are_bounded() -> None:
    assert problems(threads=2**32) == [
        "parameters, column threads: must be from 1 to 1024, got 4294967296"
    ]


@pytest.mark.parametrize(
    ("tiers", "message"),
    [
        ([1, 2], "must be a list of [multiple, points] pairs such as [[1.0, 5]], got [1, 2]"),
        ([[1.0]], "must be a list of [multiple, points] pairs such as [[1.0, 5]], got [[1.0]]"),
        ("abc", "must be a list of [multiple, points] pairs such as [[1.0, 5]], got 'abc'"),
        ({"a": 1}, "must be a list of [multiple, points] pairs such as [[1.0, 5]], got {'a': 1}"),
        (
            [[1.0, 5, 7]],
            "must be a list of [multiple, points] pairs such as [[1.0, 5]], got [[1.0, 5, 7]]",
        ),
        (
            [[1.0, 2**63 - 1]],
            "tier 1: the points must be a whole number ≤ 10000, got 9223372036854775807",
        ),
        ([[1.0, 2.5]], "tier 1: the points must be a whole number ≤ 10000, got 2.5"),
        ([[1e300, 5]], "tier 1: the multiple must be a number ≤ 1000, got 1e+300"),
        ([["1", 5]], "tier 1: the multiple must be a number ≤ 1000, got '1'"),
        (
            [],
            "needs at least one [multiple, points] tier; to leave the even distribution out of "
            "the model, set the weight even_distribution = 0",
        ),
    ],
)
def test_malformed_pace_tiers_are_named(tiers: object, message: str) -> None:
    assert problems(pace_tiers=tiers) == [f"parameters, column pace_tiers: {message}"]


def test_pace_tiers_given_as_lists_become_pairs() -> None:
    tiers = Parameters(pace_tiers=[[1.0, 5], [2, 10]]).pace_tiers
    assert tiers == ((1.0, 5), (2, 10))
    assert isinstance(tiers, tuple) and all(isinstance(t, tuple) for t in tiers)


def test_every_problem_is_reported_at_once() -> None:
    assert len(problems(seed=-1, threads=True, relative_gap="0", pace_tiers=[])) == 4


def test_weights_are_bounded() -> None:
    """Regression: a huge weight overflowed the int64 costs (silently, or with a traceback)."""
    with pytest.raises(InputError) as err:
        Weights(even_distribution=2**63 - 1, concentration=MAX_WEIGHT + 1)
    assert [str(p) for p in err.value.problems] == [
        "weights, column even_distribution: must be at most 10000, got 9223372036854775807",
        "weights, column concentration: must be at most 10000, got 10001",
    ]
    assert Weights(concentration=MAX_WEIGHT).concentration == MAX_WEIGHT
