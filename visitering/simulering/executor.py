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
from collections.abc import Callable, Sequence

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
    return run_simulations((spec,), runs, seed, workers, scheduler, progress)[0]


def run_simulations(
    specs: Sequence[SimulationSpec],
    runs: int,
    seed: int,
    workers: int | None = None,
    scheduler: str | None = None,
    progress: Progress | None = None,
) -> list[list[RunResult]]:
    """:func:`run_simulation` of each of ``specs``, on one pool of workers (or one Dask
    client): starting a pool costs about 0.25 s, once per sweep before (CLI latency audit,
    stop 27: a sweep and its baseline started two)."""
    if runs < 1:
        raise InputError(Problem(f"must be at least 1, got {runs}", "--runs"))
    if workers is not None and workers < 1:
        raise InputError(Problem(f"must be at least 1, got {workers}", "--workers"))
    done = progress or (lambda _n: None)
    if scheduler is not None:
        return _on_dask(specs, runs, seed, scheduler, workers, done)
    n_workers = min(workers or default_workers(), runs * len(specs))
    if n_workers == 1:
        out = []
        for spec in specs:
            results = []
            for part in chunks(runs, max(1, runs // 10)):
                results.extend(simulate_chunk(spec, part, seed))
                done(len(part))
            out.append(results)
        return out
    return _on_processes(specs, runs, seed, n_workers, done)


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
    without ``baseline``), on one pool.  A spec without uncertainty is its own baseline: its
    runs are not repeated (:func:`baseline_repeats`)."""
    repeats = baseline_repeats(spec, baseline)
    specs = (spec, spec.without_uncertainty()) if repeats else (spec,)
    results, *again = run_simulations(specs, runs, seed, workers, scheduler, progress)
    return results, (again[0] if repeats else results if baseline else None)


def baseline_repeats(spec: SimulationSpec, baseline: bool) -> bool:
    """Whether :func:`run_with_baseline` runs the runs a second time (for a progress bar)."""
    return baseline and not spec.certain


Task = tuple[int, range]
"""(index of the spec, its runs)."""


def _tasks(n_specs: int, runs: int, parts: int) -> list[Task]:
    return [(i, part) for i in range(n_specs) for part in chunks(runs, parts)]


def _in_order(n_specs: int, finished: dict[Task, list[RunResult]]) -> list[list[RunResult]]:
    """Each spec's results in run order, whatever order the tasks finished in."""
    out: list[list[RunResult]] = [[] for _ in range(n_specs)]
    for i, part in sorted(finished, key=lambda task: (task[0], task[1].start)):
        out[i].extend(finished[(i, part)])
    return out


def _on_processes(
    specs: Sequence[SimulationSpec], runs: int, seed: int, workers: int, done: Progress
) -> list[list[RunResult]]:
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor, as_completed

    tasks = _tasks(len(specs), runs, workers * CHUNKS_PER_WORKER)
    finished: dict[Task, list[RunResult]] = {}
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        futures = {
            pool.submit(simulate_chunk, specs[i], part, seed): (i, part) for i, part in tasks
        }
        for future in as_completed(futures):
            task = futures[future]
            finished[task] = future.result()
            done(len(task[1]))
    return _in_order(len(specs), finished)


def _on_dask(
    specs: Sequence[SimulationSpec],
    runs: int,
    seed: int,
    address: str,
    workers: int | None,
    done: Progress,
) -> list[list[RunResult]]:
    from dask.distributed import Client, as_completed

    try:
        client = Client(address, timeout=10, set_as_default=False)
    except OSError as exc:
        raise InputError(
            Problem(f"cannot reach the Dask scheduler ({exc})", "--scheduler")
        ) from None
    try:
        cores = workers or max(1, sum(client.nthreads().values()))
        tasks = _tasks(len(specs), runs, cores * CHUNKS_PER_WORKER)
        futures = client.map(
            simulate_chunk,
            [specs[i] for i, _ in tasks],
            [part for _, part in tasks],
            [seed] * len(tasks),
            pure=False,
        )
        task_of = {f.key: task for f, task in zip(futures, tasks, strict=True)}
        finished: dict[Task, list[RunResult]] = {}
        for future in as_completed(futures, loop=client.loop):
            task = task_of[future.key]
            finished[task] = future.result()
            done(len(task[1]))
    finally:
        client.close()
    return _in_order(len(specs), finished)
