"""The soft terms: per-pair costs (§ 12, municipal wishes) and the coupling terms.

*Pair terms* depend on one case and one municipality only; each is worth 0-100 points per case
(0 = best) times its integer weight (:class:`~visitering.assignment.problem.Weights`), so every
cost is an integer.  They are evaluated on index arrays, so the same code gives a whole
``(n, K)`` matrix, a chunk of it, or the breakdown of the chosen pairs.

*Coupling terms* depend on how many persons a municipality receives, so they live on the
municipality in the models, as convex piecewise-linear costs in persons:

* even distribution — persons placed in a municipality beyond its *pace target* (its share of
  the batch: the same fraction of every remaining quota, or of every annual quota when given)
  cost rising points per person (:attr:`Parameters.pace_tiers`).  Every person counts, whatever
  the legal basis: a person placed under a § 11 stk. 3-4 exception uses up the quota like any
  other (the ledger counts them all), and one beyond the quota costs the top tier's price, as
  an overshoot does.  So an exception is priced to carry only the persons the quota cannot
  hold, and a quota case is priced out of a municipality that an exception case fills.  A
  price, not a rule: a large family that costs more anywhere else (beyond every other share
  of the batch) can keep the place (year audit, stop 27);
* concentration — persons of one nationality (language) group placed under the quota beyond a
  soft limit in a municipality cost :data:`CONCENTRATION_POINTS` per person;
* overshoot spread (only with ``allow_overshoot``) — persons placed under the quota beyond it
  pay, on top of the top tier's price, the pace tiers once more, measured against the
  municipality's *share of the overshoot*: the batch's persons beyond the remaining quotas,
  shared in proportion to the (annual) quotas, as a landstal revision would share them
  (integrationsloven § 7 stk. 8-9).  The total overshoot is the least possible either way;
  this only decides where it goes.  Without it, overshoot piled up wherever the pair costs
  were lowest (a 1,500-case batch on a landstal of 2,000, 60 s: 135 persons of overshoot in
  Allerød, on a quota of 11).

Both are convex, so in the flow relaxation they are parallel arcs of rising unit cost and the
relaxation stays a min-cost flow.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from visitering.assignment.instance import NONE, BoolArray, FloatArray, Instance, IntArray
from visitering.assignment.problem import FULL_POINTS, NEAR_POINTS
from visitering.cases import Education, FamilyType

#: Points per person of a group beyond its soft limit in a municipality.
CONCENTRATION_POINTS = 25
#: Employment points added where the case's occupation is in local demand (half next door).
OCCUPATION_POINTS = 30
#: Employment score where a municipality has no score for the education.
NEUTRAL_SCORE = 50
#: Reception projects (KommuneProfil.reception_projects) that welcome a family type.
PROJECT_FAMILY_TYPES = {
    "single_men": FamilyType.SINGLE_MAN,
    "single_women": FamilyType.SINGLE_WOMAN,
    "couples": FamilyType.COUPLE,
    "families": FamilyType.FAMILY,
    "large_families": FamilyType.FAMILY,
    "unaccompanied_minors": FamilyType.UNACCOMPANIED_MINOR,
} | {ft.value: ft for ft in FamilyType}

PAIR_TERMS = ("employment", "close_family", "treatment", "latest_stay", "wishes")
#: Width of an open-ended tier: more persons than any batch holds, and far from overflowing.
OPEN_WIDTH = 1 << 40
#: Treatment needs are bit masks, this many bits to an int64 word (any number of words).
NEED_BITS = 62


def _ids(values: list[str | None]) -> tuple[IntArray, list[str]]:
    names = sorted({v for v in values if v})
    where = {v: i for i, v in enumerate(names)}
    return np.array([where[v] if v else NONE for v in values], dtype=np.int64), names


class PairCosts:
    """Weighted pair terms of one instance, evaluated on ``(rows, cols)`` index arrays."""

    def __init__(self, inst: Instance) -> None:
        self.inst = inst
        self.weights = inst.problem.weights.active()
        problem = inst.problem
        cases = problem.cases
        profiles = [problem.profiles.get(int(c)) for c in inst.codes]
        k = inst.k
        # -- employment (§ 12 stk. 1) --------------------------------------------------------
        levels = list(Education)
        own = np.full((k, len(levels) + 1), float(NEUTRAL_SCORE))  # last column: unknown
        for j, prof in enumerate(profiles):
            if prof is not None and prof.employment:
                for e, level in enumerate(levels):
                    own[j, e] = prof.employment.get(level, NEUTRAL_SCORE)
                own[j, -1] = float(np.mean(list(prof.employment.values())))
        nb = inst.neighbour.astype(float)
        count = nb.sum(axis=1, keepdims=True)
        around = np.where(count > 0, nb @ own / np.maximum(count, 1), own)
        self.local_score = np.rint((2 * own + around) / 3)
        self.education = np.array(
            [levels.index(c.education) if c.education else len(levels) for c in cases],
            dtype=np.int64,
        )
        self.occupation, occupations = _ids([c.occupation for c in cases])
        demand = np.zeros((k, len(occupations) + 1), dtype=bool)
        for j, prof in enumerate(profiles):
            for o, name in enumerate(occupations):
                demand[j, o] = prof is not None and name in prof.occupations
        self.occ_here = demand
        self.occ_near = (inst.neighbour.astype(np.int64) @ demand.astype(np.int64)) > 0
        params = problem.parameters
        self.job_reach = inst.commute_min <= params.commute_threshold_min  # NaN → False
        self.job_counts = inst.job_hours >= params.min_job_hours
        self.scores = problem.employment_scores
        # -- treatment (§ 12 stk. 2), as bit masks ------------------------------------------
        # One bit per need code, in words of NEED_BITS bits: any number of codes (regression,
        # architecture audit, stop 28: a batch with 63 codes ended in a ValueError traceback).
        needs = sorted({need for c in cases for need in c.needs})
        at = {need: divmod(b, NEED_BITS) for b, need in enumerate(needs)}
        words = max(1, -(-len(needs) // NEED_BITS))

        def mask(codes: Iterable[str]) -> list[int]:
            out = [0] * words
            for code in set(codes):
                if code in at:
                    word, b = at[code]
                    out[word] |= 1 << b
            return out

        self.needs = np.array([mask(c.needs) for c in cases], dtype=np.int64).reshape(-1, words)
        offers = np.array(
            [mask(() if prof is None else prof.treatment_offers) for prof in profiles],
            dtype=np.int64,
        ).reshape(-1, words)
        self.offer_here = offers
        self.offer_near = np.stack(
            [np.bitwise_or.reduce(offers[inst.near[j]], axis=0) for j in range(k)]
        ).reshape(-1, words)
        # -- municipal wishes ----------------------------------------------------------------
        self.nationality, nationalities = _ids([c.nationality for c in cases])
        family_types = list(FamilyType)
        self.family_type = np.array(
            [family_types.index(c.family_type) if c.family_type else NONE for c in cases],
            dtype=np.int64,
        )
        wish_nat = np.zeros((k, len(nationalities) + 1), dtype=bool)
        wish_ft = np.zeros((k, len(family_types) + 1), dtype=bool)
        for j, prof in enumerate(profiles):
            if prof is None:
                continue
            for n, name in enumerate(nationalities):
                wish_nat[j, n] = name in prof.wished_nationalities
            welcomed = set(prof.wished_family_types)
            welcomed |= {
                PROJECT_FAMILY_TYPES[p]
                for p in prof.reception_projects
                if p in PROJECT_FAMILY_TYPES
            }
            for f, ft in enumerate(family_types):
                wish_ft[j, f] = ft in welcomed
        self.wish_nat, self.wish_ft = wish_nat, wish_ft
        self.wished_anywhere: BoolArray = np.logical_or(
            wish_nat[:, self.nationality].any(axis=0), wish_ft[:, self.family_type].any(axis=0)
        )

    # -- terms, in points ----------------------------------------------------------------------

    def employment(self, rows: IntArray, cols: IntArray) -> IntArray:
        """§ 12 stk. 1: 100 minus the employment score of the case in the municipality.

        Without external scores: the municipality's score for the case's education, weighed
        2:1 with the mean of its neighbours; +30 where the case's occupation is in local demand
        (+15 next door); 100 within commuting reach of a job offer of ≥ ``min_job_hours``.
        """
        if self.scores is not None:
            score = np.asarray(self.scores[rows, cols], dtype=np.float64)
        else:
            score = self.local_score[cols, self.education[rows]].copy()
            occ = self.occupation[rows]
            has = occ != NONE
            bonus = np.where(
                self.occ_here[cols, occ],
                OCCUPATION_POINTS,
                np.where(self.occ_near[cols, occ], OCCUPATION_POINTS // 2, 0),
            )
            score += np.where(has, bonus, 0)
            job = self.inst.job[rows]
            counts = (job != NONE) & self.job_counts[rows]
            score = np.where(counts & self.job_reach[cols, job], FULL_POINTS, score)
        return (FULL_POINTS - np.clip(np.rint(score), 0, FULL_POINTS)).astype(np.int64)

    def _near_points(self, where: IntArray, cols: IntArray) -> IntArray:
        has = where != NONE
        same = where == cols
        next_door = self.inst.neighbour[where, cols]
        points = np.where(same, 0, np.where(next_door, NEAR_POINTS, FULL_POINTS))
        return np.where(has, points, 0).astype(np.int64)

    def close_family(self, rows: IntArray, cols: IntArray) -> IntArray:
        """§ 12 stk. 2: 0 where close family lives, 50 next door, 100 elsewhere."""
        return self._near_points(self.inst.close_family[rows], cols)

    def latest_stay(self, rows: IntArray, cols: IntArray) -> IntArray:
        """§ 12 stk. 3: 0 at the latest place of stay, 50 next door, 100 elsewhere."""
        return self._near_points(self.inst.latest_stay[rows], cols)

    def treatment(self, rows: IntArray, cols: IntArray) -> IntArray:
        """§ 12 stk. 2: per treatment need, 0 if offered there, 50 next door, 100 otherwise."""
        needs = self.needs[rows]
        missing = needs & ~self.offer_here[cols]
        far = missing & ~self.offer_near[cols]
        points: IntArray = (
            NEAR_POINTS * np.bitwise_count(missing).sum(axis=1)
            + NEAR_POINTS * np.bitwise_count(far).sum(axis=1)
        ).astype(np.int64)
        return points

    def wishes(self, rows: IntArray, cols: IntArray) -> IntArray:
        """Municipal wishes: 0 where a municipality asked for the case's group, else 100.

        Only for cases some municipality asked for; a wish is weighed, never guaranteed.
        """
        wished: BoolArray = np.logical_or(
            self.wish_nat[cols, self.nationality[rows]], self.wish_ft[cols, self.family_type[rows]]
        )
        return np.where(self.wished_anywhere[rows] & ~wished, FULL_POINTS, 0).astype(np.int64)

    # -- weighted ------------------------------------------------------------------------------

    def terms(self, rows: IntArray, cols: IntArray) -> dict[str, IntArray]:
        """Each active pair term, weighted, for the pairs ``(rows[j], cols[j])``."""
        return {
            name: weight * getattr(self, name)(rows, cols)
            for name, weight in self.weights.items()
            if name in PAIR_TERMS
        }

    def total(self, rows: IntArray, cols: IntArray) -> IntArray:
        """Weighted pair cost of the pairs ``(rows[j], cols[j])``."""
        out = np.zeros(len(rows), dtype=np.int64)
        for value in self.terms(rows, cols).values():
            out += value
        return out

    def matrix(self, case_rows: IntArray | None = None) -> IntArray:
        """The ``(len(case_rows), K)`` weighted pair-cost matrix (all cases by default)."""
        rows_idx = np.arange(self.inst.n) if case_rows is None else case_rows
        k = self.inst.k
        rows = np.repeat(rows_idx, k)
        cols = np.tile(np.arange(k), len(rows_idx))
        return self.total(rows, cols).reshape(len(rows_idx), k)


@dataclass(frozen=True, eq=False)
class Coupling:
    """The municipality-level terms as convex piecewise-linear costs in persons.

    Attributes
    ----------
    target:
        Pace target per municipality (persons this batch should bring it).
    tier_cap, tier_cost:
        ``(K, T)`` widths in persons of the pace tiers and ``(T,)`` weighted cost per person
        of each; the widths of a municipality sum to its capacity (the § 11 stk. 1 limit).
        Persons beyond the capacity (under an exception, or overshoot) cost the last tier's
        price (:func:`tier_costs`).
    group_cap:
        ``(K, G)`` soft limit of persons per group and municipality, or None when the
        concentration term is off.
    group_cost:
        Weighted cost per person beyond ``group_cap``.
    over_cap, over_cost:
        ``(K, S)`` widths in persons of the overshoot-spread tiers (the last one open-ended:
        :data:`OPEN_WIDTH`) and ``(S,)`` weighted cost per person of each, paid by persons on
        quota pairs beyond the capacity on top of the top pace tier's price
        (:func:`overshoot_costs`).  One tier of cost 0 when there is no spread.
    over_share:
        ``(K,)`` each municipality's share of the overshoot (:func:`overshoot_shares`), the
        tiers' measure; zeros without ``allow_overshoot``.
    """

    target: FloatArray
    tier_cap: IntArray
    tier_cost: IntArray
    group_cap: IntArray | None
    group_cost: int
    over_cap: IntArray
    over_cost: IntArray
    over_share: FloatArray

    @property
    def spreads_overshoot(self) -> bool:
        """Whether overshoot costs more the further it goes beyond a municipality's share."""
        return bool(self.over_cost.any())


def pace_targets(inst: Instance) -> FloatArray:
    """Persons each municipality should receive this batch to fill at an even pace.

    Without annual quotas every remaining quota is filled by the same fraction; with them, the
    fraction of the *annual* quota filled is equalised (water-filling: municipalities already
    ahead get nothing until the others catch up).
    """
    remaining = inst.remaining.astype(np.float64)
    total = min(float(inst.persons.sum()), float(remaining.sum()))
    if total <= 0:
        return np.zeros(inst.k)
    if inst.annual is None:
        result: FloatArray = total * remaining / remaining.sum()
        return result
    annual = inst.annual.astype(np.float64)
    done = annual - remaining

    def fill(level: float) -> FloatArray:
        out: FloatArray = np.clip(level * annual - done, 0.0, remaining)
        return out

    lo, hi = 0.0, 1.0
    for _ in range(100):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if fill(mid).sum() < total else (lo, mid)
    return fill(hi)


def persons_beyond_quotas(inst: Instance) -> int:
    """The persons the batch brings beyond the remaining quotas (+ tolerance), by exception or
    overshoot: the total that :func:`overshoot_shares` divides."""
    return max(int(inst.persons.sum()) - int(np.maximum(inst.capacity, 0).sum()), 0)


def overshoot_shares(inst: Instance) -> FloatArray:
    """Each municipality's share of the batch's persons beyond the remaining quotas.

    In proportion to its annual quota (its remaining quota without one), as a landstal
    revision shares an increase (integrationsloven § 7 stk. 8-9).  Persons a municipality
    already took beyond its quota this year (:attr:`Instance.beyond`) count against its
    share, so that the year's persons beyond the quotas follow the annual quotas
    (water-filling: a municipality already ahead gets nothing until the others catch up).
    Zeros when the quotas hold the whole batch.
    """
    beyond = float(persons_beyond_quotas(inst))
    base = np.maximum(inst.remaining if inst.annual is None else inst.annual, 0).astype(np.float64)
    if beyond <= 0 or base.sum() <= 0:
        return np.zeros(inst.k)
    past = inst.beyond.astype(np.float64)
    if not past.any():
        proportional: FloatArray = beyond * base / base.sum()
        return proportional

    def fill(level: float) -> FloatArray:
        out: FloatArray = np.maximum(level * base - past, 0.0)
        return out

    lo, hi = 0.0, (beyond + past.sum()) / base.sum()  # fill(hi) holds at least ``beyond``
    for _ in range(100):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if fill(mid).sum() < beyond else (lo, mid)
    return fill(hi)


def _tiers(inst: Instance, target: FloatArray, last: IntArray) -> tuple[IntArray, IntArray]:
    """The pace tiers against ``target``, up to ``last`` persons: ``(K, T)`` widths and
    ``(T,)`` weighted costs per person."""
    weights, params = inst.problem.weights, inst.problem.parameters
    bounds = [np.zeros(inst.k, dtype=np.int64)]
    costs = [0]
    for multiple, points in params.pace_tiers:
        bounds.append(np.minimum(last, np.rint(multiple * target).astype(np.int64)))
        costs.append(points * weights.even_distribution)
    bounds.append(last)
    edges = np.maximum.accumulate(np.stack(bounds, axis=1), axis=1)
    return np.diff(edges, axis=1).astype(np.int64), np.array(costs, dtype=np.int64)


def coupling(inst: Instance) -> Coupling:
    """The pace tiers, concentration limits and overshoot spread of ``inst``."""
    problem = inst.problem
    weights, params = problem.weights, problem.parameters
    target = pace_targets(inst)
    capacity = np.maximum(inst.capacity, 0)
    over_cap = np.full((inst.k, 1), OPEN_WIDTH, dtype=np.int64)
    over_cost = np.zeros(1, dtype=np.int64)
    over_share = overshoot_shares(inst) if params.allow_overshoot else np.zeros(inst.k)
    if weights.even_distribution:
        tier_cap, tier_cost = _tiers(inst, target, capacity)
        if params.allow_overshoot:
            open_ = np.full(inst.k, OPEN_WIDTH, dtype=np.int64)
            over_cap, over_cost = _tiers(inst, over_share, open_)
    else:
        tier_cap = capacity[:, None].copy()
        tier_cost = np.zeros(1, dtype=np.int64)
    group_cap: IntArray | None = None
    if weights.concentration and inst.groups:
        persons = inst.persons
        share = np.bincount(
            inst.group[inst.group != NONE],
            weights=persons[inst.group != NONE],
            minlength=len(inst.groups),
        ) / max(int(persons.sum()), 1)
        raw = params.concentration_factor * target[:, None] * share[None, :]
        group_cap = np.maximum(
            params.concentration_min_persons, np.ceil(raw - 1e-9).astype(np.int64)
        )
    return Coupling(
        target=target,
        tier_cap=tier_cap.astype(np.int64),
        tier_cost=tier_cost,
        group_cap=group_cap,
        group_cost=CONCENTRATION_POINTS * weights.concentration,
        over_cap=over_cap,
        over_cost=over_cost,
        over_share=over_share,
    )


def tier_costs(
    load: IntArray, cp: Coupling, capacity: IntArray, ks: IntArray | None = None
) -> IntArray:
    """Even-distribution cost per municipality for the given persons placed (every basis): of
    every municipality, or of the municipalities ``ks`` (one load each, repeats allowed).

    Persons beyond the capacity (under an exception, or overshoot) cost the top tier's price.
    """
    caps = cp.tier_cap if ks is None else cp.tier_cap[ks]
    cap = capacity if ks is None else capacity[ks]
    edges = np.concatenate([np.zeros((len(load), 1), dtype=np.int64), caps.cumsum(1)], 1)
    within = np.clip(load[:, None] - edges[:, :-1], 0, caps)
    beyond = np.maximum(load - np.maximum(cap, 0), 0)
    cost: IntArray = within @ cp.tier_cost + beyond * cp.tier_cost[-1]
    return cost


def overshoot_costs(
    load: IntArray, cp: Coupling, capacity: IntArray, ks: IntArray | None = None
) -> IntArray:
    """Overshoot-spread cost per municipality for the given persons on quota pairs (§ 11
    stk. 1): of every municipality, or of the municipalities ``ks`` (one load each).  Paid on
    top of :func:`tier_costs`, which prices every person beyond the capacity at the top tier."""
    caps = cp.over_cap if ks is None else cp.over_cap[ks]
    cap = capacity if ks is None else capacity[ks]
    over = np.maximum(load - np.maximum(cap, 0), 0)
    edges = np.concatenate([np.zeros((len(load), 1), dtype=np.int64), caps.cumsum(1)], 1)
    within = np.clip(over[:, None] - edges[:, :-1], 0, caps)
    cost: IntArray = within @ cp.over_cost
    return cost


def group_costs(load: IntArray, cp: Coupling) -> IntArray:
    """Concentration cost per (municipality, group) for the given ``(K, G)`` persons."""
    if cp.group_cap is None:
        return np.zeros_like(load)
    result: IntArray = np.maximum(load - cp.group_cap, 0) * cp.group_cost
    return result
