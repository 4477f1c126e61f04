"""Benchmark of ``visitering simulate``: quota-only draws, and serial versus parallel visitering.

1. 1,000 quota-only runs of the 2026 landstal (600) with the historical uncertainty, on 2 local
   worker processes (issue target: under 10 s on 2 cores), and the same serially.
2. A small visitering simulation (default 8 runs × 4 weekly batches of about 60 synthetic cases
   through the solver, one solver thread per task) serially and on 2 workers: the throughput
   ratio parallel / serial.

Wall times include starting the worker processes.  Prints the figures.
"""

from __future__ import annotations

import argparse
import time

from visitering.inputs import embedded
from visitering.simulering.executor import run_simulation
from visitering.simulering.spec import Mode, SimulationSpec, Uncertainty, historical_uncertainty

TARGET_S = 10.0


def _timed(spec: SimulationSpec, runs: int, workers: int) -> float:
    start = time.perf_counter()
    run_simulation(spec, runs, seed=1, workers=workers)
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=1000)
    parser.add_argument("--visitering-runs", type=int, default=8)
    parser.add_argument("--weeks", type=int, default=4)
    parser.add_argument("--cases-per-week", type=int, default=60)
    args = parser.parse_args()
    history = historical_uncertainty(embedded.landstal_history(), embedded.placed_history())
    quota_only = SimulationSpec(years=(2026,), landstal=(600,), uncertainty=history, data_year=2025)
    parallel = _timed(quota_only, args.runs, 2)
    serial = _timed(quota_only, args.runs, 1)
    verdict = "meets" if parallel < TARGET_S else "MISSES"
    print(
        f"Quota-only: {args.runs} runs in {parallel:.2f} s on 2 workers ({verdict} the "
        f"{TARGET_S:.0f} s target), {serial:.2f} s serially"
    )
    # About 2.1 persons per synthetic case: a landstal that brings the asked cases per week.
    landstal = round(args.weeks * args.cases_per_week * 2.1)
    visitering = SimulationSpec(
        years=(2026,),
        landstal=(landstal,),
        uncertainty=Uncertainty(0.0, (), (1.0,)),
        data_year=2025,
        mode=Mode.VISITERING,
        weeks=args.weeks,
        time_limit_s=10.0,
    )
    serial = _timed(visitering, args.visitering_runs, 1)
    parallel = _timed(visitering, args.visitering_runs, 2)
    print(
        f"Visitering: {args.visitering_runs} runs × {args.weeks} weekly batches (landstal "
        f"{landstal}): serial {serial:.2f} s, 2 workers {parallel:.2f} s; throughput ratio "
        f"parallel/serial {serial / parallel:.2f}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
