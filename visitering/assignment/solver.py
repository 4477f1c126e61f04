"""Solve a batch: relaxation → incumbent → Lagrangian → restricted MIP → proof → result.

1. The pair-level rules (:mod:`.eligibility`) and a check that every case has an open
   municipality (else ``INFEASIBLE`` naming the cases and the rule).
2. The flow relaxation (:mod:`.relaxation`; for large batches by column generation,
   :mod:`.columns`): the bound no placement can beat, a nearly integral placement, and node
   prices that give every pair a *floor*, a lower bound on any placement using it.
3. An incumbent: the relaxation rounded and repaired, then improved by local search
   (:mod:`.rounding`).  Done if it is within ``relative_gap`` of the bound.
4. For batches whose MIP must be restricted: the Lagrangian relaxation (:mod:`.lagrangian`),
   a fixed number of subgradient steps.  It raises the bound and tightens the floors with
   whole families.
5. A first MIP (:mod:`.mip`) over the pairs the relaxation uses, each case's
   ``candidates_per_case`` lowest floors and every pair at the bound, in a worker thread.
   Beside it, this thread solves a *guess*: a MIP over every pair whose floor is within
   :data:`GUESS_STEPS` objective steps of the bound, for a placement within that threshold.
   If it finds one, the guess is optimal (every pair it could need was in), and no proof
   round follows; if not, the bound rises above the threshold and the Lagrangian ascent goes
   on.
6. A *proof round*: one MIP over every pair whose floor is below the incumbent (and one pair
   per case, so that it places every case).  Any placement using a pair left out costs at
   least its floor, so the global bound is the smaller of the MIP's own bound and the least
   floor left out; when the MIP is solved, that proves optimality.
7. Legal bases, the soft-term breakdown and the best alternative per case (:mod:`.placements`).

With ``allow_overshoot`` a first MIP finds the least total overshoot and the rest minimises the
cost within it.  Every objective is a multiple of the costs' greatest common divisor (2 with
the default weights), so bounds are rounded up to one and a better placement is one step less.
"""

from __future__ import annotations

import math
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import TypeVar

import numpy as np

from visitering.assignment.columns import (
    COLUMN_PAIRS,
    Matrix,
    cost_matrix,
    initial_mask,
    least_outside_total,
    price,
)
from visitering.assignment.costs import Coupling, PairCosts, coupling
from visitering.assignment.diagnosis import (
    families_do_not_fit,
    quota_shortfall,
    unplaceable_cases,
)
from visitering.assignment.eligibility import Basis, eligibility
from visitering.assignment.instance import Instance, IntArray, compile_problem
from visitering.assignment.lagrangian import (
    LagrangianBound,
    SubgradientAscent,
)
from visitering.assignment.mip import MipData, MipSolution, MipStatus, solve_mip
from visitering.assignment.placements import objective_of, placements, positions
from visitering.assignment.problem import Problem
from visitering.assignment.quiet import native_stdout_silenced
from visitering.assignment.relaxation import Network, Pairs, Relaxation
from visitering.assignment.result import (
    Diagnosis,
    LegalBasis,
    Result,
    Status,
)
from visitering.assignment.rounding import local_search, round_relaxation

#: Below this many open pairs the MIP simply uses them all (exact, no pricing needed).
FULL_MIP_PAIRS = 5_000
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
#: The Lagrangian bound and proof round are for batches up to this many cases; larger batches
#: give the whole time to one MIP (their gap to the flow bound is small anyway).
PROOF_MAX_CASES = 2_000
#: Share of the time left that the local search may use on the rounded relaxation.
LOCAL_SEARCH_SHARE = 0.15
#: Share of the time left that the Lagrangian bound may use.
LAGRANGIAN_SHARE = 0.5
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
#: Column generation stops after this many pricing rounds (or half the time).
MAX_PRICING_ROUNDS = 12
#: Time kept back for building the result.
RESERVE_S = 0.05

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


class _Clock:
    def __init__(self, limit_s: float) -> None:
        self.start = time.perf_counter()
        self.limit = limit_s

    def elapsed(self) -> float:
        return time.perf_counter() - self.start

    def left(self) -> float:
        return self.limit - self.elapsed() - RESERVE_S


@dataclass
class _Best:
    """The incumbent: chosen municipality per case, its cost and the global bound."""

    cols: IntArray
    objective: float
    bound: float
    proven: bool


@dataclass(frozen=True)
class _Guess:
    """A guess's MIP (see :meth:`_Search._guess`): its result, the least floor it left out,
    its threshold, and whether it found a placement within it (then proven optimal)."""

    sol: MipSolution
    data: MipData
    left_out: float
    cutoff: float
    settles: bool


@dataclass(frozen=True)
class _Round:
    """The first round (see :meth:`_Search._first_round`): the first MIP's pairs (indices into
    the search's pairs), its result, the least floor it left out and its cutoff, with the
    guess and the Lagrangian iterations that ran beside it."""

    idx: IntArray
    sol: MipSolution
    data: MipData
    left_out: float
    cutoff: float | None
    guess: _Guess | None
    more: LagrangianBound | None


def solve(problem: Problem) -> Result:
    """Place every case of ``problem`` (see the module docstring); never raises for a batch
    that merely cannot be placed.  HiGHS's stray prints are kept off standard output
    (:mod:`.quiet`)."""
    with native_stdout_silenced():
        return _solve(problem)


def _solve(problem: Problem) -> Result:
    clock = _Clock(problem.parameters.time_limit_s)
    inst = compile_problem(problem)
    basis = eligibility(inst)
    stuck = unplaceable_cases(inst, basis)
    if stuck:
        return _without_placement(Status.INFEASIBLE, inst, stuck, clock)
    if inst.n == 0:
        return Result(Status.OPTIMAL, (), 0.0, 0.0, clock.elapsed(), {"cases": 0, "persons": 0})
    pc = PairCosts(inst)
    cp = coupling(inst)
    search = _Search(inst, basis, cost_matrix(inst, pc), cp, clock)
    outcome = search.run()
    if isinstance(outcome, tuple):
        status = Status.INFEASIBLE if outcome else Status.UNKNOWN
        return _without_placement(status, inst, outcome, clock, search.bound)
    return _assemble(inst, basis, pc, cp, outcome, clock, search.notes, search.cut_short)


class _Search:
    """Relaxation, restricted MIP and proof rounds (and the overshoot phase)."""

    def __init__(
        self, inst: Instance, basis: np.ndarray, cost: Matrix, cp: Coupling, clock: _Clock
    ) -> None:
        self.inst, self.basis, self.cost, self.cp, self.clock = inst, basis, cost, cp, clock
        self.params = inst.problem.parameters
        self.bound = math.nan
        self.notes: list[str] = []
        #: Steps that the clock rather than their own end stopped (see :func:`_assemble`).
        self.cut_short: list[str] = []
        self.budget: int | None = None
        self.relax_has_prices = False
        open_ = basis != Basis.CLOSED
        self.columns = int(open_.sum()) > COLUMN_PAIRS
        self.in_network = initial_mask(basis, cost) if self.columns else open_
        self.pairs = Pairs.select(basis, cost, self.in_network)
        # Pairs outside the network: bound correction and least reduced cost (column generation).
        self.correction = 0.0
        self.least_outside = math.inf
        # allow_overshoot: the placement that showed the least overshoot, the first incumbent.
        self.least_overshoot_placement: IntArray | None = None
        self.step = _objective_step(inst, basis, cost, cp)

    def run(self) -> _Best | tuple[Diagnosis, ...]:
        """The best placement found, or the diagnosis (empty: time ran out)."""
        if self.params.allow_overshoot:
            self.budget = self._relaxed_overshoot()
        relax = self._relax()
        if not relax.feasible:
            return quota_shortfall(self.inst, self.basis)
        self.bound = relax.bound + self.correction
        if self.params.allow_overshoot:
            least = self._least_overshoot(relax)
            if least is None:
                return ()
            if least != self.budget:
                self.budget = least
                relax = self._relax()
                self.bound = relax.bound + self.correction
        return self._minimise_cost(relax)

    def _relax(self) -> Relaxation:
        """The flow relaxation; for large batches by column generation (:mod:`.columns`)."""
        for _ in range(MAX_PRICING_ROUNDS):
            relax = Network(self.inst, self.cp, self.budget).solve(self.pairs)
            if not self.columns:
                return relax
            if not relax.feasible:
                # The cheapest pairs cannot hold everyone: let every pair in.
                self.columns = False
                self.in_network = self.basis != Basis.CLOSED
                self.pairs = Pairs.select(self.basis, self.cost, self.in_network)
                continue
            if relax.potential is None:
                break
            pricing = price(self.inst, self.basis, self.cost, self.in_network, relax)
            self.correction, self.least_outside = least_outside_total(pricing.least_outside)
            if not pricing.add.any():
                break
            if self.clock.left() < 0.5 * self.clock.limit:
                self.cut_short.append("column generation")
                break
            self.in_network |= pricing.add
            self.pairs = Pairs.select(self.basis, self.cost, self.in_network)
        if self.columns and relax.potential is None:
            self.notes.append("relaxation over the cheapest pairs only: bound not proven")
            self.correction = -math.inf
        if self.correction < 0:
            self.notes.append("pricing stopped early: bound corrected by the reduced costs")
        return relax

    def _relaxed_overshoot(self) -> int:
        """Least persons beyond the quotas with families split: a lower bound of overshoot."""
        taken = Network(self.inst, self.cp).max_flow(self.pairs)
        return int(self.inst.persons.sum()) - taken

    # -- candidate sets ------------------------------------------------------------------------

    def _keys(self, relax: Relaxation) -> np.ndarray:
        """``persons × reduced cost`` of every pair, objective units (without prices: cost)."""
        p = self.pairs
        if relax.potential is None:
            self.notes.append("no relaxation prices: candidates by pair cost, no proof")
            return p.cost.astype(np.float64)
        result: np.ndarray = (
            relax.reduced_costs(p.rows, p.cols, p.cost, p.quota) / relax.network.scale
        )
        return result

    def _candidates(
        self,
        relax: Relaxation,
        floor: np.ndarray,
        per_case: int,
        threshold: float,
        best: _Best | None,
        support: bool = True,
    ) -> tuple[IntArray, float]:
        """Candidate pair indices, and a bound on every placement that uses a left-out pair.

        ``floor`` is, per pair, a lower bound on the cost of any placement that uses it; pairs
        with ``floor ≤ threshold`` are kept, with each case's ``per_case`` lowest floors, the
        incumbent's pairs and (with ``support``) the relaxation's support.
        """
        p = self.pairs
        outside = math.inf
        if self.columns:
            outside = math.ceil(self.bound - 1e-6) + max(self.least_outside, 0.0)
        if len(p.rows) <= FULL_MIP_PAIRS:
            return np.arange(len(p.rows)), outside
        order = np.lexsort((floor, p.rows))
        starts = np.searchsorted(p.rows[order], p.rows[order], side="left")
        rank = np.empty(len(order), dtype=np.int64)
        rank[order] = np.arange(len(order)) - starts
        keep = (rank < per_case) | (floor <= threshold + 1e-6)
        if support:
            keep |= relax.flow > 0
        if best is not None:
            keep[positions(self.inst, p, best.cols)] = True
        left_out = floor[~keep]
        if relax.potential is None:
            return np.flatnonzero(keep), -math.inf
        inside = float(left_out.min()) if left_out.size else math.inf
        return np.flatnonzero(keep), min(inside, outside)

    def _within(
        self, relax: Relaxation, floor: np.ndarray, threshold: float
    ) -> tuple[IntArray, float]:
        """:meth:`_candidates` for a MIP that only looks for a placement within ``threshold``
        (the guess, a proof round): it needs none of the extras but one pair per case, so that
        it still places every case.  Measured on 40 real-pipeline weekly batches: its pairs
        fall by up to a quarter, and 31 are proven in 2 s instead of 26."""
        return self._candidates(relax, floor, 1, threshold, None, support=False)

    def _data(self, idx: IntArray, budget: int | None) -> MipData:
        p = self.pairs
        sub = Pairs(p.rows[idx], p.cols[idx], p.cost[idx], p.quota[idx])
        counts = np.bincount(sub.rows, minlength=self.inst.n)
        single = counts[sub.rows] == 1
        return MipData(
            self.inst,
            self.cp,
            sub,
            free=np.flatnonzero(~single),
            fixed=np.flatnonzero(single),
            overshoot_mode=self.params.allow_overshoot,
            overshoot_budget=budget,
            # Measured: whole persons slow the MIPs under an overshoot budget down.
            whole_persons=self.inst.n <= PROOF_MAX_CASES and not self.params.allow_overshoot,
        )

    def _mip(
        self,
        idx: IntArray,
        overshoot: bool = False,
        cutoff: float | None = None,
        keep_back: float = 0.0,
    ) -> tuple[MipSolution, MipData]:
        data = self._data(idx, None if overshoot else self.budget)
        sol = solve_mip(
            data,
            self.clock.left() - keep_back,
            0.0 if overshoot else self.params.relative_gap,
            self.params.seed,
            self.params.mip_solver,
            minimise_overshoot=overshoot,
            cutoff=cutoff,
            threads=self.params.threads,
        )
        return sol, data

    # -- phases ------------------------------------------------------------------------------

    def _least_overshoot(self, relax: Relaxation) -> int | None:
        """``allow_overshoot`` phase 1: the least total persons beyond the quotas.

        First over the candidate pairs; if that overshoots more than the relaxation must, again
        over every pair, so that the least overshoot is proven whenever the MIP solves.
        """
        floor = relax.bound + self._keys(relax)
        idx, _ = self._candidates(relax, floor, self.params.candidates_per_case, -math.inf, None)
        sol, data = self._mip(idx, overshoot=True)
        restricted = len(idx) < len(self.pairs.rows)
        least = self.budget or 0
        if restricted and (sol.status is not MipStatus.OPTIMAL or sol.objective > least):
            sol, data = self._mip(np.arange(len(self.pairs.rows)), overshoot=True)
            restricted = False
        if sol.status in (MipStatus.INFEASIBLE, MipStatus.NO_SOLUTION):
            return None
        # It keeps within its own overshoot, so it is a placement phase 2 may return: a
        # cost MIP under a tight overshoot budget can run out of time before finding one.
        self.least_overshoot_placement = data.pairs.cols[sol.choice]
        if sol.status is not MipStatus.OPTIMAL:
            self.cut_short.append("least overshoot")
        if sol.status is not MipStatus.OPTIMAL or self.columns:
            self.notes.append("least overshoot not proven over all municipalities")
        return round(sol.objective)

    def _minimise_cost(self, relax: Relaxation) -> _Best | tuple[Diagnosis, ...]:
        """Steps 3-6 of the module docstring: an incumbent, the Lagrangian bound, the first
        round and the proof round, each stopping the search once the gap is closed."""
        lower = int(self._up(self.bound))  # every objective is a multiple of the step
        self.relax_has_prices = relax.potential is not None
        floor = lower + self._keys(relax)
        best = self._incumbent(relax, floor, lower)
        if best is not None and not self._worth_proving(best):
            self.bound = best.bound
            return best
        # The Lagrangian bound first: it is cheap, and its floors choose the first MIP's pairs
        # far better than the relaxation's (measured: the first MIP then often finds the
        # optimum, where the cheapest-by-relaxation pairs miss it).
        ascent = self._ascent(relax) if best is not None else None
        if ascent is not None and best is not None:
            lag = ascent.run(best.objective, self._lagrangian_deadline(), LAGRANGIAN_ITERATIONS)
            best, floor = self._use_lagrangian(lag, best, floor)
            lower = max(lower, int(best.bound))
            if not self._worth_proving(best):
                self.bound = best.bound
                return best
        first = self._first_round(relax, floor, lower, best, ascent)
        best = self._merge_round(best, first, lower)
        if best is None:
            if first.sol.status is MipStatus.INFEASIBLE:
                return families_do_not_fit(self.inst, relax.split_cases())
            self.bound = max(lower, min(first.sol.dual_bound, first.left_out))
            return ()
        best = self._proof_round(relax, floor, lower, best, first, ascent)
        self.bound = best.bound
        return best

    def _incumbent(self, relax: Relaxation, floor: np.ndarray, lower: int) -> _Best | None:
        """Step 3: the placement of the least overshoot (``allow_overshoot``), else the
        relaxation rounded and improved by local search; ``None`` if rounding finds none."""
        best: _Best | None = None
        if self.least_overshoot_placement is not None:
            z = objective_of(self.inst, self.cp, self.pairs, self.least_overshoot_placement)
            best = _Best(self.least_overshoot_placement, z, float(lower), z <= lower)
        if not self.params.allow_overshoot:
            rounded = round_relaxation(self.inst, self.pairs, relax, floor)
            if rounded is not None:
                deadline = time.perf_counter() + LOCAL_SEARCH_SHARE * self.clock.left()
                rounded, cut = local_search(self.inst, self.cp, self.pairs, rounded, deadline)
                if cut:
                    self.cut_short.append("local search")
                z = objective_of(self.inst, self.cp, self.pairs, rounded)
                best = _Best(rounded, z, float(lower), z <= lower)
        return best

    def _first_round(
        self,
        relax: Relaxation,
        floor: np.ndarray,
        lower: int,
        best: _Best | None,
        ascent: SubgradientAscent | None,
    ) -> _Round:
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
        per_case = self.params.candidates_per_case
        more: LagrangianBound | None = None
        pool: Executor = (
            ThreadPoolExecutor(max_workers=1) if self.params.threads != 1 else _Inline()
        )
        with pool:
            while True:
                idx, left_out = self._candidates(relax, floor, per_case, lower, best)
                proof = self._proof_possible(len(idx))
                cutoff = None if best is None else best.objective - self.step
                # Only placements strictly better than the incumbent are of interest (whole
                # objectives): measured, the proof then needs fewer nodes, e.g. none where 25
                # were needed when the MIP had to find the incumbent's cost again.
                job = pool.submit(self._mip, idx, cutoff=cutoff)
                guess: _Guess | None = None
                if proof and ascent is not None and best is not None:
                    guess = self._guess(relax, floor, lower, best)
                    if not guess.settles:
                        ascent.refine()
                        more = ascent.run(
                            best.objective, self._lagrangian_deadline(), LAGRANGIAN_MORE_ITERATIONS
                        )
                sol, data = job.result()
                if sol.status is MipStatus.INFEASIBLE and best is None and len(idx) < len(floor):
                    # The packing needs more freedom than the cheapest pairs give.
                    per_case = per_case * 4 if per_case * 4 < self.inst.k else self.inst.k
                    self.notes.append(f"restricted MIP infeasible: widened to {per_case} per case")
                    continue
                return _Round(idx, sol, data, left_out, cutoff, guess, more)

    def _merge_round(self, best: _Best | None, first: _Round, lower: int) -> _Best | None:
        """The incumbent merged with the first MIP and the guess (see :meth:`_merge`).

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
            best = self._merge(best, sol, data, lower, left_out, cutoff)
        return best

    def _proof_round(
        self,
        relax: Relaxation,
        floor: np.ndarray,
        lower: int,
        best: _Best,
        first: _Round,
        ascent: SubgradientAscent | None,
    ) -> _Best:
        """Step 6: one MIP over every pair that could still improve on ``best``, with the
        floors of the Lagrangian iterations that ran beside the first MIP."""
        if not self._proof_possible(len(first.idx)):
            return best
        more = first.more
        if self._worth_proving(best):
            if more is None:  # no incumbent before the first MIP: the ascent starts now
                ascent = ascent or self._ascent(relax)
                if ascent is not None:
                    more = ascent.run(
                        best.objective, self._lagrangian_deadline(), LAGRANGIAN_ITERATIONS
                    )
            if more is not None:
                best, floor = self._use_lagrangian(more, best, floor)
        if not self._worth_proving(best):
            return best
        better = best.objective - self.step
        idx, left_out = self._within(relax, floor, better)
        merged = None
        finished = first.sol.status in (MipStatus.OPTIMAL, MipStatus.INFEASIBLE)
        if finished and np.isin(idx, first.idx).all():
            # The first MIP, solved, had every pair that could improve on its solution.
            merged = self._merge(best, first.sol, first.data, lower, left_out, first.cutoff)
        elif (keep_back := self._overrun_allowance(len(idx))) == 0 or (
            self.clock.left() >= 2 * keep_back
        ):
            sol, data = self._mip(idx, cutoff=better, keep_back=keep_back)
            merged = self._merge(best, sol, data, lower, left_out, better)
        return best if merged is None else merged

    def _overrun_allowance(self, pairs: int) -> float:
        """Time a proof round over ``pairs`` pairs keeps back for HiGHS's overrun (see
        :data:`OVERRUN_S_PER_PAIR`): none up to :data:`PROOF_PAIRS` or
        :data:`PROOF_PAIRS_PER_CASE`, where every millisecond counts (weekly proofs end as late
        as 1.99 s of 2 s)."""
        if pairs <= max(PROOF_PAIRS, PROOF_PAIRS_PER_CASE * self.inst.n):
            return 0.0
        return OVERRUN_S_PER_PAIR * pairs

    def _guess(self, relax: Relaxation, floor: np.ndarray, lower: int, best: _Best) -> _Guess:
        """A MIP for a placement within :data:`GUESS_STEPS` steps of the bound ``lower``.

        It has every pair whose floor is within that threshold, so a placement it finds
        there is optimal; finding none raises the bound above the threshold.
        """
        threshold = min(lower + GUESS_STEPS * self.step, best.objective - self.step)
        idx, left_out = self._within(relax, floor, threshold)
        # Beside the first MIP, on the other core: the whole time left.
        sol, data = self._mip(idx, cutoff=threshold)
        settles = sol.status is MipStatus.OPTIMAL and sol.objective <= threshold + 1e-6
        return _Guess(sol, data, left_out, threshold, settles)

    def _proof_possible(self, candidates: int) -> bool:
        """A proof round can follow a first MIP over ``candidates`` pairs."""
        return (
            self.relax_has_prices
            and candidates < len(self.pairs.rows)
            and self.inst.n <= PROOF_MAX_CASES
        )

    def _ascent(self, relax: Relaxation) -> SubgradientAscent | None:
        """The Lagrangian ascent where a proof can use it: batches whose MIP is restricted,
        with relaxation prices.  Not under ``allow_overshoot``: its knapsacks hold the quotas
        exactly."""
        if (
            self.params.allow_overshoot
            or relax.potential is None
            or not self._proof_possible(FULL_MIP_PAIRS)
        ):
            return None
        return SubgradientAscent(self.inst, self.cp, self.pairs, relax)

    def _lagrangian_deadline(self) -> float:
        """A safety net only: the ascent runs a fixed number of iterations (deterministic)."""
        return time.perf_counter() + LAGRANGIAN_SHARE * self.clock.left()

    def _use_lagrangian(
        self, lag: LagrangianBound, best: _Best, floor: np.ndarray
    ) -> tuple[_Best, np.ndarray]:
        """Strengthen the bound and the pair floors."""
        if lag.cut_short:
            self.cut_short.append("Lagrangian bound")
        bound = max(best.bound, self._up(lag.value))
        floor = np.maximum(floor, lag.value + lag.rc)
        proven = best.objective <= bound
        return _Best(best.cols, best.objective, min(bound, best.objective), proven), floor

    def _merge(
        self,
        best: _Best | None,
        sol: MipSolution,
        data: MipData,
        lower: int,
        left_out: float,
        cutoff: float | None,
    ) -> _Best | None:
        """The better of the incumbent and a MIP result, with the global bound they prove.

        ``left_out`` bounds every placement that uses a pair left out of the MIP, so the global
        bound is the smaller of that and the MIP's own bound.  A MIP with nothing within its
        ``cutoff`` proves that every placement over its pairs costs more than the cutoff, and
        no more: HiGHS prunes by the cutoff, so where it returns a placement beyond it (its
        heuristics keep what they find) the dual bound it reports may claim more than it
        proved (measured: 70,480 from a guess with cutoff 46,620, on a batch whose optimum is
        46,636).
        """
        known = -math.inf if best is None else best.bound
        # Whole objectives: the least above the cutoff is its next multiple of the step.
        beyond = math.inf if cutoff is None else self._up(math.floor(cutoff) + 1)
        if sol.status is MipStatus.INFEASIBLE:
            restricted = beyond
        else:
            restricted = self._up(sol.dual_bound) if math.isfinite(sol.dual_bound) else lower
            restricted = min(restricted, beyond)
        bound = max(float(lower), min(restricted, self._up(left_out)))
        if sol.status in (MipStatus.OPTIMAL, MipStatus.FEASIBLE):
            cols = data.pairs.cols[sol.choice]
            z = objective_of(self.inst, self.cp, self.pairs, cols)
            if best is None or z < best.objective:
                best = _Best(cols, z, bound, False)
        if best is None:
            return None
        bound = max(bound, known)
        return _Best(best.cols, best.objective, min(bound, best.objective), best.objective <= bound)

    def _up(self, value: float) -> float:
        """Round a bound up to a multiple of the objective step; infinities stay."""
        if not math.isfinite(value):
            return value
        return float(math.ceil(value / self.step - 1e-6) * self.step)

    def _worth_proving(self, best: _Best) -> bool:
        """True while the gap is above ``relative_gap`` and there is time to close it."""
        if best.proven:
            return False
        gap = (best.objective - best.bound) / max(abs(best.bound), 1.0)
        return gap > self.params.relative_gap and self.clock.left() > 0.2


def _objective_step(inst: Instance, basis: np.ndarray, cost: np.ndarray, cp: Coupling) -> int:
    """The greatest common divisor of every cost a placement can add up (1 if not worked out).

    Every objective is a multiple of it, so a bound rounds up to the next multiple and a better
    placement costs at least one step less.  With the default weights it is 2 (every term is an
    even number of points), which lets a proof round leave out the pairs whose floor is just
    below the incumbent.  Worked out for the batches that get a proof round.
    """
    if inst.n > PROOF_MAX_CASES:
        return 1
    parts = [cost[basis != Basis.CLOSED].astype(np.int64), cp.tier_cost.astype(np.int64)]
    if cp.group_cap is not None:
        parts.append(np.array([cp.group_cost], dtype=np.int64))
    return max(int(np.gcd.reduce(np.abs(np.concatenate(parts)))), 1)


def _assemble(
    inst: Instance,
    basis: np.ndarray,
    pc: PairCosts,
    cp: Coupling,
    best: _Best,
    clock: _Clock,
    notes: list[str],
    cut_short: list[str],
) -> Result:
    """The result of ``best``.  A placement proven optimal is the same for the same inputs and
    seed, except where a step before the proof was stopped by the clock: optimal placements
    tie widely, and which one a proof starts from then depends on the machine's speed.  The
    result says so in a note."""
    if best.proven and cut_short:
        steps = ", ".join(dict.fromkeys(cut_short))
        notes = [
            *notes,
            f"{steps} cut short by the time limit: proven optimal, but another run may "
            "return another placement of the same cost",
        ]
    placed, overshoot = placements(inst, basis, pc, cp, best.cols)
    counts = {"cases": inst.n, "persons": int(inst.persons.sum()), "placed": inst.n}
    used = Counter(p.legal_basis for p in placed)
    counts.update({str(b): used[b] for b in LegalBasis if used[b]})
    counts["overshoot_persons"] = int(overshoot.sum())
    return Result(
        status=Status.OPTIMAL if best.proven else Status.FEASIBLE,
        placements=placed,
        objective=best.objective,
        bound=best.bound,
        solve_time_s=clock.elapsed(),
        counts=counts,
        overshoot={int(inst.codes[k]): int(v) for k, v in enumerate(overshoot) if v},
        notes=tuple(notes),
    )


def _without_placement(
    status: Status,
    inst: Instance,
    diagnosis: tuple[Diagnosis, ...],
    clock: _Clock,
    bound: float = math.nan,
) -> Result:
    notes = () if status is Status.INFEASIBLE else ("time limit reached before any placement",)
    return Result(
        status=status,
        bound=None if math.isnan(bound) else bound,
        solve_time_s=clock.elapsed(),
        counts={"cases": inst.n, "persons": int(inst.persons.sum()), "placed": 0},
        diagnosis=diagnosis,
        notes=notes,
    )
