"""Visitering: placing refugee cases in municipalities (BEK nr. 550/2022 §§ 9-14).

Build a :class:`Problem` and call :func:`solve`::

    from visitering.assignment import Parameters, Problem, solve

    result = solve(Problem(cases, remaining_quota, profiles, neighbours, distance_km,
                           parameters=Parameters(time_limit_s=10)))
    result.status, result.objective, result.bound
    result.placement_of("case-17").legal_basis

Importing this package is cheap: OR-Tools is imported only inside :func:`solve` (and the
benchmark's :func:`visitering.assignment.textbook.solve_textbook`), numpy only with the
problem's types.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from visitering.assignment.result import Diagnosis, LegalBasis, Placement, Result, Status, Tie

if TYPE_CHECKING:
    from visitering.assignment.problem import Parameters, Problem, Weights

#: Imported on first use: :mod:`.problem` needs numpy, which the commands that only read
#: results (``ledger status``, ``explain-case``) do not (CLI latency audit, stop 27: 0.06 s).
_LAZY = frozenset({"Parameters", "Problem", "Weights"})


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        from visitering.assignment import problem

        return getattr(problem, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "Diagnosis",
    "LegalBasis",
    "Parameters",
    "Placement",
    "Problem",
    "Result",
    "Status",
    "Tie",
    "Weights",
    "solve",
]


def solve(problem: Problem) -> Result:
    """Place every case of ``problem``; see :mod:`visitering.assignment.solver`.

    Never raises for a batch that cannot be placed: that is ``Status.INFEASIBLE`` with a
    diagnosis (or, with ``allow_overshoot``, a placement with the least total overshoot).
    """
    from visitering.assignment.solver import solve as _solve

    return _solve(problem)
