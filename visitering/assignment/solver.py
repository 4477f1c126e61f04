"""Solve a batch: relaxation → incumbent → Lagrangian → restricted MIP → proof → result.

1. The pair-level rules (:mod:`.eligibility`) and a check that every case has an open
   municipality (else ``INFEASIBLE`` naming the cases and the rule).
2. The flow relaxation (:mod:`.relaxation`; for large batches by column generation,
   :mod:`.columns`): the bound no placement can beat, a nearly integral placement, and node
   prices that give every pair a *floor*, a lower bound on any placement using it: the bound
   plus the pair's reduced cost, rounded up to the objective step only as a whole.
3. An incumbent: the relaxation rounded and repaired, then improved by local search
   (:mod:`.rounding`).  Done if it is within ``relative_gap`` of the bound.
4. For batches whose MIP must be restricted: the Lagrangian relaxation (:mod:`.lagrangian`),
   a fixed number of subgradient steps.  It raises the bound and tightens the floors with
   whole families.
5. A first MIP (:mod:`.mip`; this step and the next are :mod:`.rounds`, over the primitives
   of :mod:`.search`) over the pairs the relaxation uses, each case's
   ``candidates_per_case`` lowest floors and every pair at the bound (chosen by the bound
   rounded up plus the reduced cost; the bound on the pairs it leaves out comes from the
   floors), in a worker thread.
   Beside it, this thread solves a *guess*: a MIP over every pair whose floor is within
   :data:`~.rounds.GUESS_STEPS` objective steps of the bound, for a placement within that
   threshold.
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
from collections import Counter
from collections.abc import Sequence
from dataclasses import replace

import numpy as np

from visitering.assignment.columns import cost_matrix
from visitering.assignment.costs import Coupling, PairCosts, coupling
from visitering.assignment.diagnosis import quota_shortfall, unplaceable_cases
from visitering.assignment.eligibility import Basis, eligibility
from visitering.assignment.instance import Instance, compile_problem
from visitering.assignment.mip import SOLVER_FAILED_NOTE
from visitering.assignment.placements import placements
from visitering.assignment.problem import Problem
from visitering.assignment.quiet import native_stdout_silenced
from visitering.assignment.result import (
    Diagnosis,
    LegalBasis,
    Result,
    Status,
)
from visitering.assignment.rounds import run
from visitering.assignment.search import Best, Clock, Search


def solve(problem: Problem) -> Result:
    """Place every case of ``problem`` (see the module docstring); never raises for a batch
    that merely cannot be placed.  HiGHS's stray prints are kept off standard output
    (:mod:`.quiet`)."""
    with native_stdout_silenced():
        return _solve(problem)


def _solve(problem: Problem) -> Result:
    clock = Clock(problem.parameters.time_limit_s)
    inst = compile_problem(problem)
    basis = eligibility(inst)
    stuck = unplaceable_cases(inst, basis)
    if stuck:
        # The other cases may not fit either: say so at once, not after these are removed
        # (regression, CLI audit, stop 26: the shortfall showed only on the second run).
        rest = (basis != Basis.CLOSED).any(axis=1)
        shortfall = quota_shortfall(inst, basis, rest) if rest.any() else ()
        return _without_placement(Status.INFEASIBLE, inst, (*stuck, *shortfall), clock)
    if inst.n == 0:
        return Result.nothing_to_place(clock.elapsed())
    pc = PairCosts(inst)
    cp = coupling(inst)
    search = Search(inst, basis, cost_matrix(inst, pc), cp, clock)
    outcome = run(search)
    if isinstance(outcome, Best) and search.overshoot_unproven:
        # A placement of less overshoot may exist: the cost proven under this overshoot proves
        # nothing of the whole (regression, review of stop 29: "optimal", with a note that
        # only another placement "of the same cost" might come back).
        outcome = replace(outcome, proven=False)
    if isinstance(outcome, tuple):
        status = Status.INFEASIBLE if outcome else Status.UNKNOWN
        failed = (SOLVER_FAILED_NOTE,) if SOLVER_FAILED_NOTE in search.notes else ()
        return _without_placement(status, inst, outcome, clock, search.bound, failed)
    return _assemble(inst, basis, pc, cp, outcome, clock, search.notes, search.cut_short)


def _assemble(
    inst: Instance,
    basis: np.ndarray,
    pc: PairCosts,
    cp: Coupling,
    best: Best,
    clock: Clock,
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
    clock: Clock,
    bound: float = math.nan,
    failures: Sequence[str] = (),
) -> Result:
    """A result with no placement; ``failures``: the search's notes of a solver that failed
    (then the cause, not the time limit: review, stop 28)."""
    notes: tuple[str, ...] = ()
    if status is not Status.INFEASIBLE:
        notes = tuple(failures) or ("time limit reached before any placement",)
    return Result(
        status=status,
        bound=None if math.isnan(bound) else bound,
        solve_time_s=clock.elapsed(),
        counts={"cases": inst.n, "persons": int(inst.persons.sum()), "placed": 0},
        diagnosis=diagnosis,
        notes=notes,
    )
