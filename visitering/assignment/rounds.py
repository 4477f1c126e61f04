"""The search's strategy: which MIPs are solved, in what order, and on which core.

Steps 3-6 of :mod:`.solver`, over the primitives of :class:`~.search.Search`: an incumbent,
the Lagrangian bound, a *first round* (the first MIP in a worker thread, beside it a guess and
more Lagrangian iterations) and a *proof round*, each stopping the search once the gap is
closed.  ``allow_overshoot`` first finds the least total overshoot (:func:`run`).
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import TypeVar

import numpy as np

from visitering.assignment.diagnosis import families_do_not_fit, quota_shortfall
from visitering.assignment.instance import IntArray
from visitering.assignment.lagrangian import LagrangianBound, SubgradientAscent
from visitering.assignment.mip import MipData, MipSolution, MipStatus
from visitering.assignment.relaxation import Relaxation
from visitering.assignment.result import Diagnosis
from visitering.assignment.search import Best, Search

#: A proof round over at most this many pairs, or this many per case, may use all the time left.
PROOF_PAIRS = 40_000
PROOF_PAIRS_PER_CASE = 8
#: A larger proof round keeps back this much time per pair, and is attempted only with at least
#: twice that left: HiGHS reads its clock only between steps, and on a large model one step
#: (the root LP, a round of cuts) takes seconds.  Measured on the proof MIPs of two 2,000-case
#: batches: 2.3 s past the limit with 43,745 pairs, 3.7 s with 67,639 (53-55 µs a pair).
#: Such a round used to be skipped however much time was left: 2,000-case seed 1 ended
#: ``feasible`` at 5.5 s of a 30 s limit, and is now proven optimal at 12 s.
OVERRUN_S_PER_PAIR = 60e-6
#: Subgradient iterations before the first MIP, and beside it (measured on 300-case batches:
#: the first iterations choose the first MIP's pairs and the guess's bound; the next ones run
#: while that MIP does, and tighten the floors of the proof round).  With the knapsacks in numpy
#: (3.6 ms an iteration) 60 + 140 were the best; 40, 60, 90 or 140 more gave 30-31 of 40
#: proven in 2 s (bench_batch.py seeds 1-40), 190 more gave 27.  Compiled (:mod:`.knapsacks`,
#: 0.45 ms), 100 first iterations take 0.05 s and leave the guess's bound closer.  Seeds 1-40,
#: 2 s: 60 first iterations 29 of 40 (twice); with :data:`GUESS_STEPS` 10, 100 gave 34, 150 or
#: 200 gave 33, and 300 gave 15-16 of seeds 1-20.  The iterations beside the first MIP go on
#: after :meth:`~.lagrangian.SubgradientAscent.refine` (a full step, decaying slowly): 500 of
#: them (0.23 s) gave 38 of 40 twice and 18 of 20 on seeds 41-60, against 37 of 40 and 17-18
#: of 20 for 140 without it; 140, 300 or 800 refined gave 35-36 of 40.
LAGRANGIAN_ITERATIONS = 100
LAGRANGIAN_MORE_ITERATIONS = 500
#: The guess's threshold, in objective steps above the Lagrangian bound.  A placement within it
#: is optimal without a proof round.  With 100 first iterations (bench_batch.py, seeds 1-40):
#: 6 steps 34 of 40, 8 steps 36 and 37 of 40 in two runs, 10 steps 34, 12 steps 31.  Seeds
#: 41-60, held out while tuning: 17 of 20 with 8 or 10 steps, 18 of 20 with the old 60
#: iterations and 10 steps (within the noise of a 20-seed run).  A second guess, 8 steps above
#: the refined bound, in this thread beside the first MIP once the first guess had failed: 31
#: of 40, because it must find the optimum as well as prove it, where the proof round starts
#: from the first MIP's incumbent (it helped only where the first MIP is slow: bench_assign.py
#: seed 2019, 1.92 s → 1.23 s).
GUESS_STEPS = 8

_T = TypeVar("_T")


class _Inline(Executor):
    """Runs each submitted call at once in the calling thread (a one-thread solve)."""

    def submit(self, fn: Callable[..., _T], /, *args: object, **kwargs: object) -> Future[_T]:
        future: Future[_T] = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as exc:
            future.set_exception(exc)
        return future


@dataclass(frozen=True)
class Guess:
    """A guess's MIP (see :func:`guess_mip`): its result, the least floor it left out,
    its threshold, and whether it found a placement within it (then proven optimal)."""

    sol: MipSolution
    data: MipData
    left_out: float
    cutoff: float
    settles: bool


@dataclass(frozen=True)
class Round:
    """The first round (see :func:`first_round`): the first MIP's pairs (indices into
    the search's pairs), its result, the least floor it left out and its cutoff, with the
    guess and the Lagrangian iterations that ran beside it."""

    idx: IntArray
    sol: MipSolution
    data: MipData
    left_out: float
    cutoff: float | None
    guess: Guess | None
    more: LagrangianBound | None


def run(search: Search) -> Best | tuple[Diagnosis, ...]:
    """The best placement found, or the diagnosis (empty: time ran out)."""
    if search.params.allow_overshoot:
        search.budget = search.relaxed_overshoot()
    relax = search.relaxation()
    if not relax.feasible:
        return quota_shortfall(search.inst, search.basis)
    search.bound = relax.bound + search.correction
    if search.params.allow_overshoot:
        least = search.least_overshoot(relax)
        if least is None:
            return ()
        if least != search.budget:
            search.budget = least
            relax = search.relaxation()
            search.bound = relax.bound + search.correction
    return minimise_cost(search, relax)


def minimise_cost(search: Search, relax: Relaxation) -> Best | tuple[Diagnosis, ...]:
    """Steps 3-6 of :mod:`.solver`: an incumbent, the Lagrangian bound, the first
    round and the proof round, each stopping the search once the gap is closed."""
    lower = int(search.up(search.bound))  # every objective is a multiple of the step
    search.relax_has_prices = relax.potential is not None
    # A pair's floor is the relaxation's bound plus its reduced cost, rounded up only as a
    # whole: rounding the bound up first and then adding overstated it by up to a step, and a
    # pair the optimum used was left out with a floor above the optimum (regression, a
    # Hypothesis example at stop 26: "optimal" 544, bound 544, where 542 was possible).
    # ``pick`` (the rounded bound plus the reduced cost) only chooses the first MIP's pairs,
    # as the floors did before: with the sound floors there, that MIP took pairs of reduced
    # cost up to a step and the peak batch went from 0.048 % in 17-22 s to 0.08-0.21 % in
    # 28 s, while choosing by the unrounded bound lost 5 weekly proofs of 40.
    keys = search.keys(relax)
    floor, pick = search.bound + keys, lower + keys
    best = search.incumbent(relax, floor, lower)
    if best is not None and not search.worth_proving(best):
        search.bound = best.bound
        return best
    # The Lagrangian bound first: it is cheap, and its floors choose the first MIP's pairs
    # far better than the relaxation's (measured: the first MIP then often finds the
    # optimum, where the cheapest-by-relaxation pairs miss it).
    ascent = search.ascent(relax) if best is not None else None
    if ascent is not None and best is not None:
        lag = ascent.run(best.objective, search.lagrangian_deadline(), LAGRANGIAN_ITERATIONS)
        best, floor = search.use_lagrangian(lag, best, floor)
        pick = np.maximum(pick, floor)
        lower = max(lower, int(best.bound))
        if not search.worth_proving(best):
            search.bound = best.bound
            return best
    first = first_round(search, relax, floor, lower, best, ascent, pick)
    best = merge_round(search, best, first, lower)
    if best is None:
        if first.sol.status is MipStatus.INFEASIBLE:
            return families_do_not_fit(search.inst, relax.split_cases())
        search.bound = max(lower, min(first.sol.dual_bound, first.left_out))
        return ()
    best = proof_round(search, relax, floor, lower, best, first, ascent)
    search.bound = best.bound
    return best


def first_round(
    search: Search,
    relax: Relaxation,
    floor: np.ndarray,
    lower: int,
    best: Best | None,
    ascent: SubgradientAscent | None,
    pick: np.ndarray | None = None,
) -> Round:
    """Step 5: the first MIP, and beside it the guess and the Lagrangian ascent.

    The first MIP runs in a worker thread (the solver releases the GIL) while this thread
    solves the guess and goes on with the ascent: the machine has two cores.  With one
    thread asked for, the MIP runs first, in this thread, and the rest follows as before.
    Without an incumbent, a first MIP that finds its pairs infeasible is widened.

    The first MIP may use the whole time left, so that only the time limit itself can cut
    it off.  It had 60 % of it: a MIP cut off by its share hands the proof round a
    placement, and with it a cutoff and pairs, that depend on how fast the machine is, and
    optimal placements tie widely (two proven optima of weekly seed 3 differed in 84 of
    300 cases, found with a share of 5 % and of 8 % under an 8 s limit).  Measured without
    the share (bench_batch.py at 2 s): 38 of 40 and 18 of 20 proven, the same batches as
    with it, and 4 of 5 on bench_assign.py.
    """
    per_case = search.params.candidates_per_case
    more: LagrangianBound | None = None
    pool: Executor = ThreadPoolExecutor(max_workers=1) if search.params.threads != 1 else _Inline()
    with pool:
        while True:
            idx, left_out = search.candidates(relax, floor, per_case, lower, best, pick=pick)
            proof = search.proof_possible(len(idx))
            cutoff = None if best is None else best.objective - search.step
            # Only placements strictly better than the incumbent are of interest (whole
            # objectives): measured, the proof then needs fewer nodes, e.g. none where 25
            # were needed when the MIP had to find the incumbent's cost again.
            job = pool.submit(search.mip, idx, cutoff=cutoff)
            guess: Guess | None = None
            if proof and ascent is not None and best is not None:
                guess = guess_mip(search, relax, floor, lower, best)
                if not guess.settles:
                    ascent.refine()
                    more = ascent.run(
                        best.objective, search.lagrangian_deadline(), LAGRANGIAN_MORE_ITERATIONS
                    )
            sol, data = job.result()
            if sol.status is MipStatus.INFEASIBLE and best is None and len(idx) < len(floor):
                # The packing needs more freedom than the cheapest pairs give.
                per_case = per_case * 4 if per_case * 4 < search.inst.k else search.inst.k
                search.notes.append(f"restricted MIP infeasible: widened to {per_case} per case")
                continue
            return Round(idx, sol, data, left_out, cutoff, guess, more)


def merge_round(search: Search, best: Best | None, first: Round, lower: int) -> Best | None:
    """The incumbent merged with the first MIP and the guess (see :meth:`.Search.merge`).

    A guess that settles is merged first, so that where the first MIP found another
    placement of the same cost, the guess's wins: it comes from a solve that ended by
    optimality, while the first MIP may have been cut off by the time limit, and a
    placement proven optimal must not depend on how fast the machine was.
    """
    mips = [(first.sol, first.data, first.left_out, first.cutoff)]
    guess = first.guess
    if guess is not None:
        at = 0 if guess.settles else 1
        mips.insert(at, (guess.sol, guess.data, guess.left_out, guess.cutoff))
    for sol, data, left_out, cutoff in mips:
        best = search.merge(best, sol, data, lower, left_out, cutoff)
    return best


def proof_round(
    search: Search,
    relax: Relaxation,
    floor: np.ndarray,
    lower: int,
    best: Best,
    first: Round,
    ascent: SubgradientAscent | None,
) -> Best:
    """Step 6: one MIP over every pair that could still improve on ``best``, with the
    floors of the Lagrangian iterations that ran beside the first MIP."""
    if not search.proof_possible(len(first.idx)):
        return best
    more = first.more
    if search.worth_proving(best):
        if more is None:  # no incumbent before the first MIP: the ascent starts now
            ascent = ascent or search.ascent(relax)
            if ascent is not None:
                more = ascent.run(
                    best.objective, search.lagrangian_deadline(), LAGRANGIAN_ITERATIONS
                )
        if more is not None:
            best, floor = search.use_lagrangian(more, best, floor)
    if not search.worth_proving(best):
        return best
    better = best.objective - search.step
    idx, left_out = search.within(relax, floor, better)
    merged = None
    finished = first.sol.status in (MipStatus.OPTIMAL, MipStatus.INFEASIBLE)
    if finished and np.isin(idx, first.idx).all():
        # The first MIP, solved, had every pair that could improve on its solution.
        merged = search.merge(best, first.sol, first.data, lower, left_out, first.cutoff)
    elif (keep_back := overrun_allowance(search, len(idx))) == 0 or (
        search.clock.left() >= 2 * keep_back
    ):
        sol, data = search.mip(idx, cutoff=better, keep_back=keep_back)
        merged = search.merge(best, sol, data, lower, left_out, better)
    return best if merged is None else merged


def overrun_allowance(search: Search, pairs: int) -> float:
    """Time a proof round over ``pairs`` pairs keeps back for HiGHS's overrun (see
    :data:`OVERRUN_S_PER_PAIR`): none up to :data:`PROOF_PAIRS` or
    :data:`PROOF_PAIRS_PER_CASE`, where every millisecond counts (weekly proofs end as late
    as 1.99 s of 2 s)."""
    if pairs <= max(PROOF_PAIRS, PROOF_PAIRS_PER_CASE * search.inst.n):
        return 0.0
    return OVERRUN_S_PER_PAIR * pairs


def guess_mip(
    search: Search, relax: Relaxation, floor: np.ndarray, lower: int, best: Best
) -> Guess:
    """A MIP for a placement within :data:`GUESS_STEPS` steps of the bound ``lower``.

    It has every pair whose floor is within that threshold, so a placement it finds
    there is optimal; finding none raises the bound above the threshold.
    """
    threshold = min(lower + GUESS_STEPS * search.step, best.objective - search.step)
    idx, left_out = search.within(relax, floor, threshold)
    # Beside the first MIP, on the other core: the whole time left.
    sol, data = search.mip(idx, cutoff=threshold)
    settles = sol.status is MipStatus.OPTIMAL and sol.objective <= threshold + 1e-6
    return Guess(sol, data, left_out, threshold, settles)
