"""The native solvers' stray prints stay off standard output (regression: ``assign --json``
began with 16 lines of HiGHS debugging output on a real-pipeline weekly batch)."""

from __future__ import annotations

import os
import threading

import pytest
from assignment_helpers import two_families

from visitering.assignment import solver
from visitering.assignment.quiet import native_stdout_silenced
from visitering.assignment.result import Status


def test_writes_to_descriptor_1_are_dropped_while_silenced(
    capfd: pytest.CaptureFixture[str],
) -> None:
    print("before", end=" ", flush=False)  # buffered by Python: flushed, not lost
    with native_stdout_silenced():
        os.write(1, b"HighsMipSolverData::transformNewIntegerFeasibleSolution\n")
    os.write(1, b"after\n")
    assert capfd.readouterr().out == "before after\n"


def test_threads_share_one_redirect_and_the_last_restores_it(
    capfd: pytest.CaptureFixture[str],
) -> None:
    inside = threading.Barrier(3)
    leave = threading.Event()

    def solve_like() -> None:
        with native_stdout_silenced():
            inside.wait()
            leave.wait()
            os.write(1, b"noise\n")

    workers = [threading.Thread(target=solve_like) for _ in range(2)]
    for w in workers:
        w.start()
    with native_stdout_silenced():
        inside.wait()
    os.write(1, b"noise\n")  # the workers are still inside
    leave.set()
    for w in workers:
        w.join()
    os.write(1, b"restored\n")
    assert capfd.readouterr().out == "restored\n"


def test_solve_runs_silenced(
    monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]
) -> None:
    inner = solver._solve

    def noisy(problem: object) -> object:
        os.write(1, b"tmpSolver.run();\n")
        return inner(problem)  # type: ignore[arg-type]

    monkeypatch.setattr(solver, "_solve", noisy)
    result = solver.solve(two_families())
    assert result.status is Status.OPTIMAL
    assert capfd.readouterr().out == ""
