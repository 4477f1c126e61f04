"""Keep the native solvers' stray prints off the process's standard output.

HiGHS (bundled in OR-Tools) writes a debugging line straight to file descriptor 1 from inside
its MIP search ("HighsMipSolverData::transformNewIntegerFeasibleSolution tmpSolver.run();"),
whatever its logging options say.  Measured: 16 such lines at the top of ``visitering assign
--json`` on a real-pipeline weekly batch, which made its output invalid JSON.  Python's own
``sys.stdout`` cannot catch a C library's writes, so while a solve runs, descriptor 1 points
at the null device and is put back afterwards.

Solves may run in several threads at once (the solver's worker thread, or a caller's): the
first to enter redirects, the last to leave restores.  Nothing of the package prints while a
solve runs; text that Python had buffered before is flushed first, so it is not lost.
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Lock()
_depth = 0
_saved: int | None = None


@contextmanager
def native_stdout_silenced() -> Iterator[None]:
    """Descriptor 1 goes to the null device for the duration (re-entrant, thread-safe)."""
    global _depth, _saved
    with _lock:
        if _depth == 0:
            _saved = _redirect()
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0 and _saved is not None:
                _restore(_saved)
                _saved = None


def _redirect() -> int | None:
    """Point descriptor 1 at the null device; the saved original (None: nothing to do)."""
    try:
        sys.stdout.flush()
        saved = os.dup(1)
    except (OSError, ValueError, AttributeError):
        return None  # no standard output to protect (closed, or not a real stream)
    try:
        null = os.open(os.devnull, os.O_WRONLY)
    except OSError:
        os.close(saved)
        return None  # no null device: the prints stay, the solve goes on
    try:
        os.dup2(null, 1)
    finally:
        os.close(null)
    return saved


def _restore(saved: int) -> None:
    try:
        os.dup2(saved, 1)
    finally:
        os.close(saved)
