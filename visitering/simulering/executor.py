"""Running many runs: in this process, on local worker processes, or on a Dask cluster.

One interface, :func:`run_simulation`, whatever runs the work:

* ``workers=1`` and no scheduler: in this process (no start-up cost; the serial reference);
* the default: a :class:`concurrent.futures.ProcessPoolExecutor` on this machine.  It needs
  nothing beyond the standard library and starts in a fraction of a second, where a Dask
  ``LocalCluster`` would start a scheduler, nannies and a dashboard for the same result.
  Processes are started with ``spawn``, which is safe whatever threads the caller runs (the
  solver's, a Dask client's) and behaves the same on every platform.  As always with
  ``spawn``, a script that calls :func:`run_simulation` with more than one worker must do so
  under ``if __name__ == "__main__":`` (the console script and ``python -m visitering`` do);
* ``scheduler="tcp://host:port"``: an existing Dask cluster through
  :class:`dask.distributed.Client`, for when one machine is not enough.  The workers need
  ``visitering`` installed; nothing else is shipped but the spec and run numbers.

Runs are sent in chunks (a few per worker), because one quota-only run takes milliseconds and
per-task overhead would otherwise dominate.  Each run is a pure function of (spec, run index,
base seed) (:mod:`.run`) and results are put back in run order, so they do not depend on the
number of workers, the chunking, or where a chunk ran.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable

from visitering.errors import InputError, Problem
from visitering.simulering.run import RunResult, simulate_chunk
from visitering.simulering.spec import SimulationSpec

Progress = Callable[[int], None]
"""Called with the number of runs just finished."""

CHUNKS_PER_WORKER = 4


def default_workers() -> int:
    """Cores this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def chunks(runs: int, parts: int) -> list[range]:
    """``range(runs)`` in at most ``parts`` contiguous chunks of near-equal size."""
    size = max(1, math.ceil(runs / max(parts, 1)))
    return [range(start, min(start + size, runs)) for start in range(0, runs, size)]


def run_simulation(
    spec: SimulationSpec,
    runs: int,
    seed: int,
    workers: int | None = None,
    scheduler: str | None = None,
    progress: Progress | None = None,
) -> list[RunResult]:
    """Runs ``0 … runs − 1`` of ``spec`` under ``seed``, in run order.

    Raises
    ------
    InputError
        For a bad number of runs or workers, or a scheduler that cannot be reached.
    """
    if runs < 1:
        raise InputError(Problem(f"must be at least 1, got {runs}", "--runs"))
    if workers is not None and workers < 1:
        raise InputError(Problem(f"must be at least 1, got {workers}", "--workers"))
    done = progress or (lambda _n: None)
    if scheduler is not None:
        return _on_dask(spec, runs, seed, scheduler, workers, done)
    n_workers = min(workers or default_workers(), runs)
    if n_workers == 1:
        results = []
        for part in chunks(runs, max(1, runs // 10)):
            results.extend(simulate_chunk(spec, part, seed))
            done(len(part))
        return results
    return _on_processes(spec, runs, seed, n_workers, done)


def run_with_baseline(
    spec: SimulationSpec,
    runs: int,
    seed: int,
    workers: int | None = None,
    scheduler: str | None = None,
    progress: Progress | None = None,
    baseline: bool = True,
) -> tuple[list[RunResult], list[RunResult] | None]:
    """The runs of ``spec``, and the same runs of ``spec.without_uncertainty()`` under the
    same seed, the baseline that ``visitering simulate`` reports beside a sweep (``None``
    without ``baseline``).  A spec without uncertainty is its own baseline: its runs are
    not repeated (:func:`baseline_repeats`)."""
    results = run_simulation(spec, runs, seed, workers, scheduler, progress)
    if not baseline:
        return results, None
    if not baseline_repeats(spec, baseline):
        return results, results
    certain = spec.without_uncertainty()
    return results, run_simulation(certain, runs, seed, workers, scheduler, progress)


def baseline_repeats(spec: SimulationSpec, baseline: bool) -> bool:
    """Whether :func:`run_with_baseline` runs the runs a second time (for a progress bar)."""
    return baseline and not spec.certain


def _on_processes(
    spec: SimulationSpec, runs: int, seed: int, workers: int, done: Progress
) -> list[RunResult]:
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor, as_completed

    parts = chunks(runs, workers * CHUNKS_PER_WORKER)
    by_start: dict[int, list[RunResult]] = {}
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        futures = {pool.submit(simulate_chunk, spec, part, seed): part for part in parts}
        for future in as_completed(futures):
            part = futures[future]
            by_start[part.start] = future.result()
            done(len(part))
    return [r for start in sorted(by_start) for r in by_start[start]]


def _on_dask(
    spec: SimulationSpec,
    runs: int,
    seed: int,
    address: str,
    workers: int | None,
    done: Progress,
) -> list[RunResult]:
    from dask.distributed import Client, as_completed

    try:
        client = Client(address, timeout=10, set_as_default=False)
    except OSError as exc:
        raise InputError(
            Problem(f"cannot reach the Dask scheduler ({exc})", "--scheduler")
        ) from None
    try:
        cores = workers or max(1, sum(client.nthreads().values()))
        parts = chunks(runs, cores * CHUNKS_PER_WORKER)
        futures = client.map(
            simulate_chunk, [spec] * len(parts), parts, [seed] * len(parts), pure=False
        )
        start_of = {f.key: part.start for f, part in zip(futures, parts, strict=True)}
        size_of = {f.key: len(part) for f, part in zip(futures, parts, strict=True)}
        by_start: dict[int, list[RunResult]] = {}
        for future in as_completed(futures, loop=client.loop):
            by_start[start_of[future.key]] = future.result()
            done(size_of[future.key])
    finally:
        client.close()
    return [r for start in sorted(by_start) for r in by_start[start]]
