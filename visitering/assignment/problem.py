"""Validated inputs of visitering (BEK nr. 550/2022 §§ 9-14, integrationsloven §§ 10-12).

Three plain dataclasses, kept apart from any solver:

* :class:`Weights` — integer weights of the soft terms of § 12 and of the municipal wishes, even
  distribution and concentration limits (one term per non-zero weight);
* :class:`Parameters` — the tolerances, the § 11 stk. 4 commute test and the solver limits;
* :class:`Problem` — the cases, the remaining quota of each municipality (kommunekode), the
  municipalities' profiles, neighbours and distances.

Nothing here reads files or imports OR-Tools.  Bad input raises
:class:`visitering.errors.InputError` carrying every problem found; a problem that merely has no
solution is not bad input (it is an ``INFEASIBLE`` result).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from itertools import pairwise
from numbers import Integral, Real
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from visitering.cases import Case, KommuneProfil
from visitering.errors import ProblemCollector

#: Points of a soft term where the case's wish is fully met (0) or not at all (100); a
#: neighbouring municipality scores half (50).  See :mod:`visitering.assignment.costs`.
FULL_POINTS = 100
NEAR_POINTS = 50

#: Largest weight of a soft term, and largest points of a pace tier: far beyond any sensible
#: setting (the defaults are at most 5 and 100), low enough that a whole year's total cost stays
#: an exact whole number in the solvers' floating point (below 2**53).
MAX_WEIGHT = 10_000
MAX_PACE_POINTS = 10_000
#: Largest multiple of the pace target a pace tier may start at.
MAX_PACE_MULTIPLE = 1_000.0
#: Largest solver seed: HiGHS (and MathOpt's ``random_seed``) take a 32-bit integer ≥ 0.
MAX_SEED = 2**31 - 1
#: Longest time limit: 7 days, far beyond any real solve (the largest benchmark, 100,000 cases,
#: takes 5 minutes); a limit of 1e300 s overflowed the solvers' time limit.
MAX_TIME_LIMIT_S = 7 * 24 * 3600.0
#: Most solver threads.
MAX_THREADS = 1024


def is_whole(value: object) -> bool:
    """A whole number, not a bool (``True`` is an ``int`` in Python, not in a TOML file)."""
    return isinstance(value, Integral) and not isinstance(value, bool)


def is_finite_number(value: object) -> bool:
    """A finite real number (a whole number will do), not a bool."""
    return isinstance(value, Real) and not isinstance(value, bool) and math.isfinite(value)


@dataclass(frozen=True, slots=True)
class Weights:
    """Integer weights of the soft terms; a term with weight 0 is left out of the model.

    Each pair term is worth 0-100 *points* per case (0 = best), multiplied by its weight; the
    coupling terms are worth points per person.  Defaults:

    ========================  ====  ===========================================================
    term                      wt.   meaning
    ========================  ====  ===========================================================
    ``employment``            2     § 12 stk. 1: 100 - employment score of the municipality and
                                    its neighbours for the case's education/occupation
    ``close_family``          5     § 12 stk. 2: 0 where close family lives, 50 next door, 100
                                    elsewhere
    ``treatment``             5     § 12 stk. 2: per treatment need, 0 if offered, 50 next door,
                                    100 otherwise
    ``latest_stay``           1     § 12 stk. 3: 0 at the latest place of stay, 50 next door,
                                    100 elsewhere
    ``wishes``                1     municipal wishes: 0 where a municipality asked for the
                                    case's group, 100 elsewhere (only for wished-for cases)
    ``even_distribution``     2     per person placed beyond the municipality's pace (see
                                    :attr:`Parameters.pace_tiers`)
    ``concentration``         2     per person of one nationality (language) group beyond its
                                    soft limit in a municipality, worth 25 points
    ========================  ====  ===========================================================

    Each weight is a whole number from 0 to :data:`MAX_WEIGHT`.

    § 12 stk. 2 "goes before" employment: the smallest step of a § 12 stk. 2 term (50 points)
    must outweigh the largest employment difference (100 points), i.e.
    ``close_family * 50 > employment * 100`` and the same for ``treatment``.
    """

    employment: int = 2
    close_family: int = 5
    treatment: int = 5
    latest_stay: int = 1
    wishes: int = 1
    even_distribution: int = 2
    concentration: int = 2

    def __post_init__(self) -> None:
        problems = ProblemCollector()
        for f in fields(self):
            value = getattr(self, f.name)
            if not is_whole(value) or value < 0:
                problems.add(f"must be a whole number ≥ 0, got {value!r}", "weights", None, f.name)
            elif value > MAX_WEIGHT:
                problems.add(
                    f"must be at most {MAX_WEIGHT}, got {value!r}", "weights", None, f.name
                )
        problems.raise_if_any()
        for name in ("close_family", "treatment"):
            if getattr(self, name) * NEAR_POINTS <= self.employment * FULL_POINTS:
                problems.add(
                    f"§ 12 stk. 2 must dominate employment: {name} × {NEAR_POINTS} must exceed "
                    f"employment × {FULL_POINTS} ({getattr(self, name)} × {NEAR_POINTS} ≤ "
                    f"{self.employment} × {FULL_POINTS})",
                    "weights",
                    None,
                    name,
                )
        problems.raise_if_any()

    def active(self) -> dict[str, int]:
        """The terms with a non-zero weight, in a fixed order."""
        return {f.name: getattr(self, f.name) for f in fields(self) if getattr(self, f.name)}


#: Default pace tiers: (fill as a multiple of the municipality's pace target, points per person
#: placed beyond it).  Convex (points rise), so the relaxation stays a flow problem.
DEFAULT_PACE_TIERS: tuple[tuple[float, int], ...] = (
    (1.0, 5),
    (1.25, 10),
    (1.5, 20),
    (2.0, 40),
    (3.0, 100),
)


#: § 11 stk. 4: the least hours a week of a job offer that opens the exception.
STATUTORY_JOB_HOURS = 15.0
#: § 11 stk. 4: the total daily commute (minutes) that a job offer's must exceed.
STATUTORY_COMMUTE_MIN = 120.0

#: Parameters that are whole numbers, with their least value (``threads`` may also be ``None``).
_WHOLE = {
    "capacity_tolerance": 0,
    "concentration_min_persons": 0,
    "seed": 0,
    "candidates_per_case": 1,
    "threads": 1,
}
#: Parameters that are finite numbers (a whole number will do).
_NUMBERS = frozenset(
    {
        "commute_threshold_min",
        "commute_speed_kmh",
        "commute_detour_factor",
        "commute_overhead_min",
        "min_job_hours",
        "concentration_factor",
        "time_limit_s",
        "relative_gap",
    }
)
#: Parameters that name one of a few choices.
_CHOICES = {"concentration_by": ("nationality", "language"), "mip_solver": ("highs", "cp_sat")}
#: The range of each parameter of the right type: (name, test, message; ``{value}`` is filled).
_RANGES: tuple[tuple[str, Callable[[Any], bool], str], ...] = (
    ("capacity_tolerance", lambda v: v >= 0, "must be ≥ 0"),
    (
        "commute_threshold_min",
        lambda v: v >= STATUTORY_COMMUTE_MIN,
        f"must be at least {STATUTORY_COMMUTE_MIN:.0f} (§ 11 stk. 4: a daily commute of more "
        "than 2 hours; a lower limit would record placements the law does not allow; the "
        "commute model's speed, detour and overhead calibrate the estimate), got {value!r}",
    ),
    ("commute_speed_kmh", lambda v: v > 0, "must be a positive number"),
    ("time_limit_s", lambda v: v > 0, "must be a positive number"),
    (
        "time_limit_s",
        lambda v: v <= MAX_TIME_LIMIT_S,
        f"must be at most {MAX_TIME_LIMIT_S:.0f} seconds (7 days), got {{value!r}}",
    ),
    ("commute_detour_factor", lambda v: v >= 1, "must be ≥ 1"),
    ("commute_overhead_min", lambda v: v >= 0, "must be ≥ 0"),
    (
        "min_job_hours",
        lambda v: v >= STATUTORY_JOB_HOURS,
        f"must be at least {STATUTORY_JOB_HOURS:.0f} (§ 11 stk. 4: a job offer of at least 15 "
        "hours a week; a lower limit would record placements the law does not allow), got "
        "{value!r}",
    ),
    ("relative_gap", lambda v: 0 <= v < 1, "must be in [0, 1)"),
    ("candidates_per_case", lambda v: v >= 1, "must be ≥ 1"),
    ("concentration_factor", lambda v: v > 0, "must be > 0"),
    ("concentration_min_persons", lambda v: v >= 0, "must be ≥ 0"),
    ("seed", lambda v: 0 <= v <= MAX_SEED, f"must be from 0 to {MAX_SEED}, got {{value!r}}"),
    (
        "threads",
        lambda v: v is None or 1 <= v <= MAX_THREADS,
        f"must be from 1 to {MAX_THREADS}, got {{value!r}}",
    ),
)


def _wrong_type(name: str, value: object) -> str | None:
    """What parameter ``name`` must be if ``value`` is not of its type (``pace_tiers``: see
    :meth:`Parameters._check_tiers`), else ``None``."""
    if name in _WHOLE:
        ok = is_whole(value) or (name == "threads" and value is None)
        return None if ok else f"a whole number ≥ {_WHOLE[name]}"
    if name in _NUMBERS:
        return None if is_finite_number(value) else "a finite number"
    if name in _CHOICES:
        ok = isinstance(value, str) and value in _CHOICES[name]
        return None if ok else " or ".join(_CHOICES[name])
    if name == "allow_overshoot":
        return None if isinstance(value, bool) else "true or false"
    return None


@dataclass(frozen=True, slots=True)
class Parameters:
    """Tolerances, the commute test of § 11 stk. 4, and solver limits.

    Parameters
    ----------
    capacity_tolerance:
        Persons a municipality *with quota left* may receive beyond its remaining quota
        (§ 11 stk. 1 is exact: default 0), e.g. to take a family of 3 where 2 places are left.
        It never opens a zero-quota or full municipality (only a § 11 stk. 3-4 exception
        does), so with a ledger a municipality over its quota is full and the tolerance is
        spent at most once a year.  Placements within it are recorded as ``tolerance``.
    commute_threshold_min:
        § 11 stk. 4: the *total daily* travel time (both ways) by public transport above which
        a job offer opens the exception.  The law says 2 hours: 120.  It may be set higher
        (the exception is a permission, not a duty), never lower; to calibrate the estimated
        commute, set the commute model below.
    commute_speed_kmh, commute_detour_factor, commute_overhead_min:
        The commute is approximated from the centroid distance ``d`` (km) as
        ``2 × (overhead + 60 × detour × d / speed)`` minutes: door-to-door public transport at
        ``speed`` along a route ``detour`` times the straight line, plus walking and waiting
        per trip.  Defaults 45 km/h, 1.25, 10 min: the 2-hour test opens beyond ≈ 30 km.
    min_job_hours:
        § 11 stk. 4: a job offer counts from 15 hours a week.  It may be set higher (the
        exception is a permission, not a duty), never lower: every placement it opens is
        recorded as a § 11 stk. 4 decision.
    pace_tiers:
        Even distribution: ``(multiple of pace target, points per person)``; a person placed
        beyond ``multiple × target`` costs the points (times the weight).  At least one tier;
        multiples rise (at most :data:`MAX_PACE_MULTIPLE`), points do not fall (whole numbers,
        at most :data:`MAX_PACE_POINTS`).  No even distribution: weight ``even_distribution``
        0.  Under ``allow_overshoot`` the same tiers, measured against a municipality's share
        of the overshoot, price the persons beyond its quota (the overshoot spread).
    concentration_by, concentration_factor, concentration_min_persons:
        A group (nationality, or language) may make up ``factor`` times its share of the batch
        in a municipality's pace target, and at least ``min_persons``, before each further
        person costs 25 points (times the weight).
    time_limit_s:
        Wall-clock limit for the whole solve, at most :data:`MAX_TIME_LIMIT_S` (7 days).
        HiGHS reads its clock between its own steps, so a solve cut off by the limit may end
        a little after it: measured 0.01-0.02 s late on weekly batches, and up to 0.23 s late
        when the limit fell in the first LP of a large MIP (9,553 pairs).  It cannot be
        interrupted sooner (MathOpt's interrupter is not honoured by HiGHS in this build).
    relative_gap:
        Stop when the placement is within this fraction of the best bound (0: prove optimal).
    seed:
        Random seed of the MIP solver, 0 to :data:`MAX_SEED` (a 32-bit integer, as HiGHS takes
        it).  Same inputs and seed give identical placements whenever the result is proven
        optimal, on any machine, unless its notes say that a step was cut short by the time
        limit.  A result that the time limit cut off may differ between runs.
    allow_overshoot:
        Place everyone, with the least total number of persons beyond the quotas, instead of
        reporting ``INFEASIBLE`` (``--allow-overshoot``).  That least total is shared out by
        a price, the overshoot spread of :mod:`.costs`: in proportion to the (annual) quotas,
        as a landstal revision would share it (integrationsloven § 7 stk. 8-9).
    candidates_per_case:
        Municipalities per case kept in the restricted MIP besides those the relaxation uses
        and those that cannot be excluded by the bound (see :mod:`.solver`).
    mip_solver:
        ``"highs"`` (default) or ``"cp_sat"``, through OR-Tools MathOpt.  CP-SAT runs its
        interleaved search, the one whose result does not depend on its workers' timing: same
        inputs, same placement, at about 4 times its racing search's time (80 cases: 1.9 s
        against 0.4 s).
    threads:
        Solver threads; ``None`` (default): the solver's own choice, with the first MIP run
        beside the Lagrangian bound.  ``1`` keeps the whole solve on one core, so that
        parallel simulation tasks do not compete for cores.  Like the time limit, it changes
        how the solve runs, not what the inputs are.  At most :data:`MAX_THREADS`.

    Every field is checked for its type, strictly (``true`` is no number and ``"no"`` no
    boolean): whole numbers for the ``int`` fields, finite numbers for the ``float`` ones.
    """

    capacity_tolerance: int = 0
    commute_threshold_min: float = 120.0
    commute_speed_kmh: float = 45.0
    commute_detour_factor: float = 1.25
    commute_overhead_min: float = 10.0
    min_job_hours: float = 15.0
    pace_tiers: tuple[tuple[float, int], ...] = DEFAULT_PACE_TIERS
    concentration_by: Literal["nationality", "language"] = "nationality"
    concentration_factor: float = 2.0
    concentration_min_persons: int = 10
    time_limit_s: float = 30.0
    relative_gap: float = 0.0
    seed: int = 0
    allow_overshoot: bool = False
    candidates_per_case: int = 3
    mip_solver: Literal["highs", "cp_sat"] = "highs"
    threads: int | None = None

    def __post_init__(self) -> None:
        p = ProblemCollector()
        typed = self._check_types(p)
        for name, test, message in _RANGES:
            value = getattr(self, name)
            if name in typed and not test(value):
                p.add(message.format(value=value), "parameters", None, name)
        self._check_tiers(p)
        p.raise_if_any()

    def _check_types(self, p: ProblemCollector) -> set[str]:
        """A problem per field of the wrong type; the names of the others."""
        typed: set[str] = set()
        for f in fields(self):
            value = getattr(self, f.name)
            wanted = _wrong_type(f.name, value)
            if wanted is None:
                typed.add(f.name)
            else:
                p.add(f"must be {wanted}, got {value!r}", "parameters", None, f.name)
        return typed

    def _check_tiers(self, p: ProblemCollector) -> None:
        """Pace tiers: a non-empty list of ``(multiple, points)``, rising (a convex cost)."""

        def bad(message: str) -> None:
            p.add(message, "parameters", None, "pace_tiers")

        tiers = self.pace_tiers
        if not isinstance(tiers, list | tuple) or not all(
            isinstance(t, list | tuple) and len(t) == 2 for t in tiers
        ):
            bad(f"must be a list of [multiple, points] pairs such as [[1.0, 5]], got {tiers!r}")
            return
        if not tiers:
            bad(
                "needs at least one [multiple, points] tier; to leave the even distribution out "
                "of the model, set the weight even_distribution = 0"
            )
            return
        shape_ok = True
        for number, (multiple, points) in enumerate(tiers, start=1):
            if not is_finite_number(multiple) or multiple > MAX_PACE_MULTIPLE:
                bad(
                    f"tier {number}: the multiple must be a number ≤ {MAX_PACE_MULTIPLE:g}, "
                    f"got {multiple!r}"
                )
                shape_ok = False
            if not is_whole(points) or points > MAX_PACE_POINTS:
                bad(
                    f"tier {number}: the points must be a whole number ≤ {MAX_PACE_POINTS}, "
                    f"got {points!r}"
                )
                shape_ok = False
        if not shape_ok:
            return
        object.__setattr__(self, "pace_tiers", tuple((m, q) for m, q in tiers))
        multiples = [m for m, _ in tiers]
        costs = [q for _, q in tiers]
        if not (all(b > a for a, b in pairwise(multiples)) and all(m >= 0 for m in multiples)):
            bad("multiples must be ≥ 0 and increasing")
        if not (all(q >= 0 for q in costs) and all(b >= a for a, b in pairwise(costs))):
            bad("points must be ≥ 0 and non-decreasing (a convex cost)")

    def commute_minutes(self, km: float) -> float:
        """Approximate total daily public-transport commute for a distance (§ 11 stk. 4)."""
        one_way = self.commute_overhead_min + 60.0 * self.commute_detour_factor * km / (
            self.commute_speed_kmh
        )
        return 2.0 * one_way


@dataclass(frozen=True, eq=False)
class Problem:
    """One batch of cases to place, and what is known about the municipalities.

    Parameters
    ----------
    cases:
        The cases (families or single persons) to place, each as a whole (§ 10).
    remaining_quota:
        Remaining quota in persons per kommunekode (§ 11 stk. 1).  Its keys are the
        municipalities of the problem; a zero-quota or full municipality has 0.
    profiles:
        What is known per municipality (employment, treatment offers, wishes, dwellings);
        a municipality without a profile is neutral.
    neighbours:
        Land neighbours per kommunekode ("the municipality and its neighbours", § 12);
        unknown codes are ignored.
    distance_km:
        Distance between municipalities, ``(a, b) → km`` (one direction suffices); used for the
        § 11 stk. 4 commute test, and required for every workplace of a job offer that could
        open it.  Unknown codes are ignored.
    employment_scores:
        Optional external § 12 stk. 1 scores, 0-100 (higher is better), shape
        ``(len(cases), len(remaining_quota))``: rows in case order, columns in ascending
        kommunekode.  Replaces the profile-based score.
    annual_quota:
        Optional whole-year kommunekvote per kommunekode; the even distribution then equalises
        the fraction of the *annual* quota filled, otherwise the fraction of the remaining one.
    beyond_quota:
        Optional persons placed this year beyond each municipality's quota (the ledger's
        negative remaining quotas, under an exception or an overshoot), with
        ``annual_quota``: ``allow_overshoot`` then shares the overshoot so that the *year's*
        persons beyond the quotas follow the annual quotas (see
        :func:`~visitering.assignment.costs.overshoot_shares`).  A municipality with quota
        left has none.
    forbidden:
        Optional municipalities a case must not go to, by ``case_id`` (e.g. known housing
        limits not expressed by the dwellings of the profiles).
    weights, parameters:
        See :class:`Weights` and :class:`Parameters`.
    """

    cases: tuple[Case, ...]
    remaining_quota: Mapping[int, int]
    profiles: Mapping[int, KommuneProfil] = field(default_factory=dict)
    neighbours: Mapping[int, frozenset[int]] = field(default_factory=dict)
    distance_km: Mapping[tuple[int, int], float] = field(default_factory=dict)
    employment_scores: npt.NDArray[Any] | None = None
    annual_quota: Mapping[int, int] | None = None
    beyond_quota: Mapping[int, int] | None = None
    forbidden: Mapping[str, frozenset[int]] = field(default_factory=dict)
    weights: Weights = field(default_factory=Weights)
    parameters: Parameters = field(default_factory=Parameters)

    def __post_init__(self) -> None:
        object.__setattr__(self, "cases", tuple(self.cases))
        p = ProblemCollector()
        self._check_quota(p)
        self._check_cases(p)
        self._check_profiles(p)
        self._check_scores(p)
        p.raise_if_any()

    @property
    def kommuner(self) -> tuple[int, ...]:
        """The kommunekoder of the problem, ascending (the column order of every matrix)."""
        return tuple(sorted(self.remaining_quota))

    def distance(self, a: int, b: int) -> float | None:
        """km between ``a`` and ``b`` in either direction; 0 for ``a == b``; None if unknown."""
        if a == b:
            return 0.0
        d = self.distance_km.get((a, b))
        return self.distance_km.get((b, a)) if d is None else d

    def _check_quota(self, p: ProblemCollector) -> None:
        if not self.remaining_quota:
            p.add("no municipalities given", "remaining_quota")
        for kode, quota in self.remaining_quota.items():
            if isinstance(quota, bool) or not isinstance(quota, int | np.integer) or quota < 0:
                p.add(f"kommune {kode}: remaining quota must be a whole number ≥ 0", "quota")
        if self.annual_quota is not None:
            missing = sorted(set(self.remaining_quota) - set(self.annual_quota))
            if missing:
                p.add(f"annual quota missing for kommuner {missing[:10]}", "annual_quota")
            for kode, quota in self.annual_quota.items():
                if quota < self.remaining_quota.get(kode, 0):
                    p.add(f"kommune {kode}: annual quota below remaining quota", "annual_quota")
        for kode, beyond in (self.beyond_quota or {}).items():
            if kode not in self.remaining_quota:
                p.add(f"kommune {kode}: not among the municipalities", "beyond_quota")
            elif isinstance(beyond, bool) or not isinstance(beyond, int | np.integer) or beyond < 0:
                p.add(f"kommune {kode}: must be a whole number ≥ 0", "beyond_quota")
            elif beyond and self.remaining_quota[kode] > 0:
                p.add(f"kommune {kode}: persons beyond a quota with room left", "beyond_quota")

    def _check_cases(self, p: ProblemCollector) -> None:
        known = set(self.remaining_quota)
        seen: set[str] = set()
        for row, case in enumerate(self.cases, start=1):
            if case.case_id in seen:
                p.add(f"duplicate case_id {case.case_id}", "cases", row, "case_id")
            seen.add(case.case_id)
            if (
                isinstance(case.persons, bool)
                or not isinstance(case.persons, int)
                or case.persons < 1
            ):
                p.add(f"case {case.case_id}: persons must be ≥ 1", "cases", row, "persons")
            for column in (
                "close_family_kommune",
                "institution_kommune",
                "job_offer_kommune",
                "latest_stay_kommune",
                "special_circumstances_kommune",
            ):
                kode = getattr(case, column)
                if kode is not None and kode not in known:
                    p.add(f"case {case.case_id}: unknown kommune {kode}", "cases", row, column)
            if case.special_circumstances_kommune is not None and not case.special_circumstances:
                p.add(
                    f"case {case.case_id}: special_circumstances_kommune without a "
                    "special_circumstances reason",
                    "cases",
                    row,
                    "special_circumstances_kommune",
                )
            if case.job_offer_hours is not None and not case.job_offer_hours >= 0:
                p.add(f"case {case.case_id}: hours must be ≥ 0", "cases", row, "job_offer_hours")
            job = case.job_offer_kommune
            if (
                job in known
                and (case.job_offer_hours or 0) >= self.parameters.min_job_hours
                and any(self.distance(k, job) is None for k in known)
            ):
                p.add(
                    f"case {case.case_id}: distances to the workplace {job} are needed for the "
                    "§ 11 stk. 4 commute test",
                    "distance_km",
                )
        for case_id, codes in self.forbidden.items():
            if case_id not in seen:
                p.add(f"forbidden: unknown case {case_id}", "forbidden")
            unknown = sorted(set(codes) - known)
            if unknown:
                p.add(f"forbidden for case {case_id}: unknown kommuner {unknown}", "forbidden")

    def _check_profiles(self, p: ProblemCollector) -> None:
        for kode, profile in self.profiles.items():
            if profile.kode != kode:
                p.add(f"profile under {kode} is for kommune {profile.kode}", "profiles")
            if kode not in self.remaining_quota:
                p.add(f"profile for unknown kommune {kode}", "profiles")
            for edu, score in profile.employment.items():
                if not 0 <= score <= 100:
                    p.add(f"kommune {kode}: employment score {edu} must be 0-100", "profiles")

    def _check_scores(self, p: ProblemCollector) -> None:
        scores = self.employment_scores
        if scores is None:
            return
        shape = (len(self.cases), len(self.remaining_quota))
        if scores.shape != shape:
            p.add(f"employment_scores must have shape {shape}, got {scores.shape}", "scores")
        elif scores.size and (scores.min() < 0 or scores.max() > 100):
            p.add("employment_scores must lie in 0-100", "employment_scores")
