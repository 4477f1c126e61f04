"""The random part of one run: landstal revisions, arrivals and their timing, per year.

Every draw of a run comes from one generator seeded with ``SeedSequence([seed, run])``, in a
fixed order, before anything is placed.  So a run's draws depend only on the spec, the run index
and the base seed (never on which worker runs it, or how many there are), and the Danish and
the carry-over rule see exactly the same arrivals (common random numbers, a paired comparison).

Per year, in this order:

1. revisions: while fewer than ``max_revisions`` and a uniform draw falls below
   ``revision_probability``, one more revision; each multiplies the landstal in force by a
   multiplier drawn from ``revision_multipliers`` (rounded to a whole person, at least 1) and
   takes effect from a week drawn uniformly in 1 … weeks − 1 (sorted);
2. arrivals: persons = final landstal × a ratio drawn from ``arrival_ratios``, rounded;
3. the family-type mix: Dirichlet(concentration × the mix of :data:`visitering.synth.FAMILY_TYPES`);
4. cases drawn from that mix until their persons reach the arrivals (household sizes as
   :mod:`visitering.synth` draws them), each given a week uniformly and, with
   ``close_family_share``, a municipality of close family drawn by population;
5. a seed for :func:`visitering.synth.generate_cases` (visitering mode: the cases themselves,
   drawn from the year's family-type mix of step 3).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from visitering import synth
from visitering.cases import FamilyType
from visitering.simulering.spec import SimulationSpec, Uncertainty

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]

MAX_PERSONS = 1_000_000
"""Most persons a simulated year may have as landstal in force or draw as arrivals (Denmark's
largest landstal was 17,000); the draws and the quota methods are sized for it."""

_TYPES = list(synth.FAMILY_TYPES)
_MEAN_MIX = np.asarray(list(synth.FAMILY_TYPES.values()), dtype=np.float64)
_MEAN_MIX /= _MEAN_MIX.sum()


@dataclass(frozen=True)
class YearDraw:
    """The draws of one year of one run."""

    landstal: tuple[int, ...]
    """The announced landstal and each revised landstal, in order."""
    revision_weeks: tuple[int, ...]
    """The week (0-based) from which each revision applies."""
    arrivals: int
    """Persons the arrivals were drawn to reach (the cases may exceed it by one family)."""
    sizes: IntArray
    """Persons per case, cases in week order."""
    weeks: IntArray
    """Week (0-based) of each case, non-decreasing."""
    close_family: IntArray
    """Index (into the sorted kommunekoder) of each case's close family, or -1."""
    case_seed: int
    family_mix: tuple[float, ...] = ()
    """The family-type mix drawn for the year (order of :data:`visitering.synth.FAMILY_TYPES`);
    visitering mode generates its cases from it."""


def most_persons(spec: SimulationSpec) -> float:
    """The most persons any year of any run can have as landstal in force or draw as arrivals.

    The largest announced landstal revised ``max_revisions`` times by the largest multiplier
    (when it raises the landstal), times the largest arrival ratio (when it exceeds 1); before
    rounding, and ``inf`` when it overflows.  Checked against :data:`MAX_PERSONS` before
    anything is drawn.
    """
    u = spec.uncertainty
    rise = max((*u.revision_multipliers, 1.0))
    most = float(max(spec.landstal, default=0))
    for _ in range(u.max_revisions):
        most *= rise
    return most * max((*u.arrival_ratios, 1.0))


def rng_for(seed: int, run: int) -> np.random.Generator:
    """The generator of run ``run`` under base seed ``seed``."""
    return np.random.default_rng(np.random.SeedSequence([seed, run]))


def draw_run(
    spec: SimulationSpec, run: int, seed: int, population: FloatArray
) -> tuple[YearDraw, ...]:
    """Every year's draws of run ``run`` (see the module docstring for the order).

    ``population``: population shares of the municipalities in kommunekode order, the weight
    of where close family lives.
    """
    rng = rng_for(seed, run)
    return tuple(
        _draw_year(rng, spec.uncertainty, landstal, spec.weeks, population)
        for landstal in spec.landstal
    )


def _draw_year(
    rng: np.random.Generator,
    u: Uncertainty,
    announced: int,
    weeks: int,
    population: FloatArray,
) -> YearDraw:
    steps = 0
    while steps < u.max_revisions and rng.random() < u.revision_probability:
        steps += 1
    multipliers = rng.choice(np.asarray(u.revision_multipliers or (1.0,)), size=steps)
    revision_weeks = np.sort(rng.integers(1, max(weeks, 2), size=steps))
    path = [announced]
    for m in multipliers:
        path.append(max(1, round(path[-1] * float(m))))
    ratio = float(rng.choice(np.asarray(u.arrival_ratios)))
    arrivals = round(path[-1] * ratio)
    mix = rng.dirichlet(u.composition_concentration * _MEAN_MIX)
    sizes = _sizes_reaching(rng, arrivals, mix)
    n = len(sizes)
    case_weeks = np.sort(rng.integers(0, weeks, size=n))
    has_family = rng.random(n) < u.close_family_share
    where = rng.choice(len(population), size=n, p=population)
    close_family = np.where(has_family, where, -1).astype(np.int64)
    return YearDraw(
        landstal=tuple(path),
        revision_weeks=tuple(int(w) for w in revision_weeks),
        arrivals=arrivals,
        sizes=sizes,
        weeks=case_weeks.astype(np.int64),
        close_family=close_family,
        case_seed=int(rng.integers(2**31 - 1)),
        family_mix=tuple(float(x) for x in mix),
    )


def _sizes_reaching(rng: np.random.Generator, persons: int, mix: FloatArray) -> IntArray:
    """Household sizes of cases drawn from ``mix`` until their persons reach ``persons``."""
    chunks: list[IntArray] = []
    total = 0
    while total < persons:
        sizes = household_sizes(rng, max(16, (persons - total) // 2), mix)
        chunks.append(sizes)
        total += int(sizes.sum())
    if not chunks:
        return np.zeros(0, dtype=np.int64)
    sizes = np.concatenate(chunks)
    reached = int(np.searchsorted(np.cumsum(sizes), persons))
    return sizes[: reached + 1]


def household_sizes(rng: np.random.Generator, n: int, mix: FloatArray) -> IntArray:
    """Persons of ``n`` cases whose family types are drawn from ``mix`` (order of
    :data:`visitering.synth.FAMILY_TYPES`); sizes as :mod:`visitering.synth` draws them."""
    kind = rng.choice(len(_TYPES), size=n, p=mix)
    u = rng.random(n)
    children = np.minimum(1 + rng.poisson(synth.CHILDREN_EXTRA_MEAN, size=n), synth.MAX_CHILDREN)
    sizes = np.ones(n, dtype=np.int64)
    sizes[kind == _TYPES.index(FamilyType.COUPLE)] = 2
    minor = kind == _TYPES.index(FamilyType.UNACCOMPANIED_MINOR)
    sizes[minor] = 1 + (u[minor] < synth.UNACCOMPANIED_SIBLING_SHARE)
    family = kind == _TYPES.index(FamilyType.FAMILY)
    adults = np.where(u < synth.ONE_ADULT_FAMILY_SHARE, 1, 2)
    sizes[family] = adults[family] + children[family]
    return sizes
