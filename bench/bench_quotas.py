"""Benchmark of the quota path (issue: engine < 20 ms; CLI process <= 2x the import floor).

Run with ``make bench`` (or ``python bench/bench_quotas.py``).  Prints, per method, the median
time of the engine (key + rounding + regions for all 98 municipalities) on the embedded data,
and the median wall time of the whole ``visitering quotas --landstal 600`` process against the
import floor ``python -c "import pandas, typer"``.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time

from visitering.inputs.embedded import embedded_grundlag
from visitering.kvoter.apportionment import Method
from visitering.kvoter.beregning import beregn_kvoter

ENGINE_TARGET_MS = 20.0
PROCESS_FACTOR = 2.0


def engine_ms(landstal: int, method: Method, repeat: int) -> float:
    grundlag = embedded_grundlag()
    beregn_kvoter(grundlag, landstal, method)  # warm caches
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        beregn_kvoter(grundlag, landstal, method)
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def process_s(argv: list[str], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run(argv, check=True, stdout=subprocess.DEVNULL)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()
    ok = True
    print("Engine: all 98 quotas on the embedded data (median of", args.repeat, "runs)")
    for landstal in (600, 17_000):
        for method in Method:
            ms = engine_ms(landstal, method, args.repeat if landstal < 10_000 else 5)
            verdict = ""
            if landstal == 600:
                verdict = "  ok" if ms < ENGINE_TARGET_MS else f"  OVER {ENGINE_TARGET_MS} ms"
                ok &= ms < ENGINE_TARGET_MS or method is not Method.LARGEST_REMAINDER
            print(f"  landstal {landstal:>6}  {method:<18} {ms:8.2f} ms{verdict}")
    floor = process_s([sys.executable, "-c", "import pandas, typer"], 10)
    cli = process_s([sys.executable, "-m", "visitering", "quotas", "--landstal", "600"], 10)
    ratio = cli / floor
    print("\nWhole process (median of 10):")
    print(f"  import floor  python -c 'import pandas, typer'   {floor * 1000:7.0f} ms")
    print(f"  visitering quotas --landstal 600               {cli * 1000:7.0f} ms")
    print(
        f"  ratio {ratio:.2f} (target <= {PROCESS_FACTOR})"
        f"{'  ok' if ratio <= PROCESS_FACTOR else '  OVER'}"
    )
    ok &= ratio <= PROCESS_FACTOR
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
