"""Placing one simulated year's arrivals against the quotas in force, week by week.

Both placers take the same thing: the targets in force from each week on (a landstal revision
during the year replaces them from its week, placements already made stand, as in the ledger)
and the year's cases in week order; both return persons placed per municipality.

* :func:`place_quota_only` is the fast rule used for quota-only sweeps, in place of the solver:
  a case with close family in a municipality goes there (§ 11 stk. 3, whatever is left);
  any other case goes, among the municipalities with room for the whole family (§ 11 stk. 1;
  families are not split), to the one least full at the *midpoint* of taking it, i.e. with the
  least (placed + persons / 2) / target; when none has room, to the one with the least of that
  among all with a target (an overshoot: arrivals beyond the landstal have to be housed
  somewhere).  Ties: the lower kommunekode.  See :data:`QUOTA_ONLY_RULE` for why this rule;
  :class:`~.spec.QuotaRule` names the others a sweep may choose, to see how much the rule
  matters.
* :func:`place_visitering` runs the real weekly batches (:func:`visitering.batch.run_batch`) on
  an in-memory ledger, a revision recorded in the ledger as ``visitering assign
  --revise-quotas`` records it.  A batch the quotas cannot hold is solved again with
  ``allow_overshoot`` (least total overshoot), so that every case is placed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import numpy as np

from visitering.simulering.draws import FloatArray, IntArray
from visitering.simulering.spec import DEFAULT_QUOTA_RULE, QuotaRule

QUOTA_ONLY_RULE = DEFAULT_QUOTA_RULE
"""The default quota-only rule, and why (``quota_rule`` in ``[simulering]`` chooses another).

The Immigration Service fills every quota at a similar pace through the year (``docs/rules.md``
§ 2: a wish is "always weighed against an even distribution"), without knowing how many will
come.  With τ the share of the year's target placed so far, the greedy choice that keeps
Σ_k (placed_k − τ·target_k)² / target_k (the χ² distance from an even pace, relative to each
quota) smallest gives a family of s persons to the municipality with the least
(placed_k + s/2) / target_k, whatever τ is: Sainte-Laguë's divisor rule, for persons who come
in families.

Measured against two other pace rules and two packing rules by ``bench/bench_quota_rule.py``
(40 runs, seed 7, of the first simulated year of ``scenarios/simulering_2026.toml``, landstal
600, and of ``simulering_2015_2019.toml``, 2015, landstal 4,000).  Per rule: Σ|placed − quota
scaled to the arrivals| in persons, then the share of municipalities more than 10 % off, then
the mean distance from an even pace during the year (0 to 1).  "Uncertain" is the shipped
uncertainty; "certain" has the landstal never revised and arrivals equal to it (to within
the last family):

=============================  ===============  ===============  ================  ===============
rule                           600, uncertain   600, certain     4,000, uncertain  4,000, certain
=============================  ===============  ===============  ================  ===============
least full *after* taking it   136, 0.77, 0.34  144, 0.78, 0.29  202, 0.61, 0.10   198, 0.11, 0.08
least full *before* taking it  93, 0.57, 0.37   78, 0.41, 0.31   208, 0.49, 0.12   162, 0.07, 0.09
midpoint (this rule)           99, 0.69, 0.29   99, 0.63, 0.25   176, 0.55, 0.08   169, 0.06, 0.06
best fit                       171, 0.30, 0.55  70, 0.16, 0.50   1169, 0.37, 0.54  488, 0.27, 0.49
best fit, widening late        113, 0.43, 0.30  57, 0.21, 0.25   657, 0.27, 0.11   235, 0.11, 0.10
=============================  ===============  ===============  ================  ===============

No rule is best on every count.  The midpoint keeps the best pace everywhere, and at 4,000
misplaces the fewest persons under uncertainty.  "Before" misplaces fewer persons at 600 and
leaves fewer municipalities more than 10 % off where quotas are small, but under uncertainty
misplaces a sixth more at 4,000, and it keeps a worse pace (a family that fits nowhere goes
where each rule's own fill is least); since the law asks for an even distribution, the
midpoint is the default.  The rule used until November 2026
("after") sent single persons to the large quotas first and left the small ones to whoever
came last, so that families found no room.  The packing rules come closest when exactly the
landstal arrives at 600 (57-70 persons), but they fill some municipalities to the brim early,
and a year whose arrivals fall short leaves others empty (at 4,000 they are the worst rules
either way).  No rule can know the year's arrivals, so the rule
keeps pace.  ``visitering simulate`` reports its figures without uncertainty beside every
sweep (:meth:`~visitering.simulering.spec.SimulationSpec.without_uncertainty`), so that the
part due to the uncertainty can be read off.
"""

Targets = Sequence[tuple[int, IntArray]]
"""(first week, target per municipality in kommunekode order), first week 0, ascending."""


def place_quota_only(
    targets: Targets,
    sizes: IntArray,
    weeks: IntArray,
    close_family: IntArray,
    rule: QuotaRule = QUOTA_ONLY_RULE,
) -> IntArray:
    """Persons placed per municipality by the quota-only ``rule`` (module docstring)."""
    offset = rule.offset
    k = len(targets[0][1])
    placed = np.zeros(k, dtype=np.int64)
    segment = -1
    next_week = 0
    target: FloatArray = np.zeros(k)
    scale: FloatArray = np.ones(k)
    positive = np.zeros(k, dtype=bool)
    any_positive = False
    for size, week, family in zip(
        sizes.tolist(), weeks.tolist(), close_family.tolist(), strict=True
    ):
        while week >= next_week:
            segment += 1
            target = targets[segment][1].astype(np.float64)
            positive = target > 0
            any_positive = bool(positive.any())
            scale = np.where(positive, target, 1.0)
            next_week = targets[segment + 1][0] if segment + 1 < len(targets) else 10**9
        if family >= 0:
            placed[family] += size
            continue
        if not any_positive:
            placed[int(np.argmin(placed))] += size
            continue
        fill = np.where(positive, (placed + offset * size) / scale, np.inf)
        fits = positive & (target - placed >= size)
        chosen = (
            int(np.argmin(np.where(fits, fill, np.inf))) if fits.any() else int(np.argmin(fill))
        )
        placed[chosen] += size
    return placed


def place_visitering(
    targets: Targets,
    codes: Sequence[int],
    case_counts: Sequence[int],
    case_seed: int,
    time_limit_s: float,
    relative_gap: float,
    family_mix: Sequence[float] | None = None,
) -> tuple[IntArray, int]:
    """Persons placed per municipality, and persons left unplaced, by weekly solver batches.

    ``case_counts``: cases arriving in each week.  The cases are
    :func:`visitering.synth.generate_cases` ``(sum(case_counts), case_seed)`` with the year's
    ``family_mix``, split in order.
    A batch that ends without a placement (the time limit hit before any was found) leaves its
    persons unplaced; they are counted, not hidden.
    """
    from visitering import io
    from visitering.assignment.problem import Parameters
    from visitering.assignment.result import Status
    from visitering.batch import BatchInputs, run_batch
    from visitering.inputs import embedded, geography
    from visitering.inputs.profiles import embedded_profiles
    from visitering.ledger import Ledger
    from visitering.synth import generate_cases

    kommuner = embedded.kommuner()
    cases = generate_cases(sum(case_counts), case_seed, kommuner, family_mix=family_mix)
    base = BatchInputs(
        (),
        embedded_profiles(),
        geography.neighbours(),
        geography.distances_km(),
        parameters=Parameters(
            time_limit_s=time_limit_s,
            relative_gap=relative_gap,
            threads=1,
        ),
    )
    overshoot = replace(base.parameters, allow_overshoot=True)
    ledger = Ledger(io.open_memory_database(), "simulering")
    unplaced = 0
    start = 0
    segment = 0
    for week, count in enumerate(case_counts):
        while segment + 1 < len(targets) and targets[segment + 1][0] <= week:
            segment += 1
        quota = {code: int(q) for code, q in zip(codes, targets[segment][1].tolist(), strict=True)}
        batch_cases = cases[start : start + count]
        start += count
        revision = f"simulated landstal revision from week {week + 1}"
        week_inputs = replace(base, cases=batch_cases)
        batch = run_batch(week_inputs, quota, ledger, revision)
        if batch.result.status is Status.INFEASIBLE:
            # Only now the overshoot: an infeasible batch is not recorded, and the
            # least-overshoot solve costs about three times as much.
            batch = run_batch(replace(week_inputs, parameters=overshoot), quota, ledger, revision)
        if not batch.result.placements:
            unplaced += sum(c.persons for c in batch_cases)
    by_code = {s.kommunekode: s.placeret for s in ledger.status()}
    return np.asarray([by_code.get(c, 0) for c in codes], dtype=np.int64), unplaced
