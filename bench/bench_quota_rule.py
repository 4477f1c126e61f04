"""The quota-only rule of ``visitering simulate`` against the rules it was chosen over.

For the first simulated year of each scenario given, on the same draws for every rule
(``visitering.simulering.draws``), with the scenario's uncertainty and without it
(:meth:`~visitering.simulering.spec.SimulationSpec.without_uncertainty`):

* ``scaled``: mean Σ_k |placed_k − quota_k · P/Q| at year end (persons; P, Q: total placed and
  quota), the deviation a distribution rule can change;
* ``>10 %``: mean share of municipalities more than 10 % off their quota;
* ``pace``: mean over the weeks of the distance from an even pace, Σ_k |placed_k − target_k ·
  P/T| / 2P with P placed so far and T the targets' sum (0: every municipality at the same
  share of its target; 1: everyone in the wrong place).

The shipped rule is :func:`visitering.simulering.placement.place_quota_only`; the rules are
written out here, for the comparison, and the script checks that its copies of the three the
package offers (``quota_rule``) place exactly as the package does.  Prints the table of
:data:`visitering.simulering.placement.QUOTA_ONLY_RULE`.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path

import numpy as np
import numpy.typing as npt

from visitering.simulering.draws import YearDraw, draw_run
from visitering.simulering.parse import load_simulation
from visitering.simulering.placement import place_quota_only
from visitering.simulering.run import _base_quota_steps, _context
from visitering.simulering.spec import QuotaRule, SimulationSpec

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
# (placed, target, persons, fits, share of the target placed) -> chosen index
Choice = Callable[[IntArray, IntArray, int, npt.NDArray[np.bool_], float], int]


def _least(values: FloatArray, among: npt.NDArray[np.bool_]) -> int:
    return int(np.argmin(np.where(among, values, np.inf)))


def _fill(extra: float) -> Choice:
    def choose(
        placed: IntArray, target: IntArray, s: int, fits: npt.NDArray[np.bool_], _t: float
    ) -> int:
        return _least((placed + extra * s) / np.maximum(target, 1), fits)

    return choose


def _best_fit(
    placed: IntArray, target: IntArray, s: int, fits: npt.NDArray[np.bool_], _t: float
) -> int:
    return _least((target - placed - s).astype(np.float64), fits)


def _late_best_fit(
    placed: IntArray, target: IntArray, s: int, fits: npt.NDArray[np.bool_], t: float
) -> int:
    """Best fit among those within τ² of the least midpoint fill: pace early, packing late."""
    fill = np.where(fits, (placed + s / 2) / np.maximum(target, 1), np.inf)
    near = fill <= fill.min() + t * t
    return _least((target - placed - s).astype(np.float64), near)


RULES: dict[str, Choice] = {
    "least full after taking it": _fill(1.0),
    "least full before taking it": _fill(0.0),
    "midpoint (shipped)": _fill(0.5),
    "best fit": _best_fit,
    "best fit, widening late": _late_best_fit,
}
#: The rules the package offers (``quota_rule``), checked against the copies above.
PACKAGE = {
    "least full after taking it": QuotaRule.AFTER,
    "least full before taking it": QuotaRule.BEFORE,
    "midpoint (shipped)": QuotaRule.MIDPOINT,
}


def place(
    draw: YearDraw, steps: list[IntArray], choose: Choice, overshoot: float = 0.5
) -> tuple[IntArray, float]:
    """Persons placed per municipality, and the mean distance from an even pace over the weeks.
    A family that fits nowhere goes where (placed + ``overshoot`` · persons) / target is least,
    as the package's rules do with their own share."""
    starts = starts_of(draw)
    k = len(steps[0])
    placed = np.zeros(k, dtype=np.int64)
    distances: list[float] = []
    week = -1
    for s, w, family in zip(
        draw.sizes.tolist(), draw.weeks.tolist(), draw.close_family.tolist(), strict=True
    ):
        target = steps[int(np.searchsorted(starts, w, side="right")) - 1]
        if w != week and placed.sum():
            p = placed.sum()
            distances.append(float(np.abs(placed - target * p / target.sum()).sum() / (2 * p)))
        week = w
        if family >= 0:
            placed[family] += s
            continue
        positive = target > 0
        fits = positive & (target - placed >= s)
        taken = float(min(1.0, placed.sum() / max(int(target.sum()), 1)))
        if fits.any():
            chosen = choose(placed, target, s, fits, taken)
        else:
            chosen = _least((placed + overshoot * s) / np.maximum(target, 1), positive)
        placed[chosen] += s
    return placed, float(np.mean(distances)) if distances else 0.0


def measure(spec: SimulationSpec, runs: int, seed: int) -> dict[str, FloatArray]:
    """Per rule: (scaled, share > 10 %, pace) averaged over ``runs`` first years."""
    ctx = _context(spec.data_year)
    rows: dict[str, list[tuple[float, float, float]]] = {name: [] for name in RULES}
    for run in range(runs):
        draw = draw_run(spec, run, seed, ctx.population)[0]
        steps = _base_quota_steps(spec.data_year, spec.method, draw.landstal)
        quota = steps[-1]
        for name, choose in RULES.items():
            share = PACKAGE[name].offset if name in PACKAGE else 0.5
            placed, pace = place(draw, steps, choose, share)
            if name in PACKAGE:
                targets = list(zip(starts_of(draw), steps, strict=True))
                package = place_quota_only(
                    targets, draw.sizes, draw.weeks, draw.close_family, PACKAGE[name]
                )
                assert np.array_equal(placed, package), f"{name}: the copy differs"
            scaled = np.abs(placed - quota * placed.sum() / quota.sum()).sum()
            off = np.mean(np.abs(placed - quota) * 10 > quota)
            rows[name].append((float(scaled), float(off), pace))
    return {name: np.asarray(v).mean(axis=0) for name, v in rows.items()}


def starts_of(draw: YearDraw) -> tuple[int, ...]:
    return (0, *draw.revision_weeks)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "scenarios",
        nargs="*",
        type=Path,
        default=[
            Path("scenarios/simulering_2026.toml"),
            Path("scenarios/simulering_2015_2019.toml"),
        ],
    )
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    for path in args.scenarios:
        spec = load_simulation(path).spec
        year, landstal = spec.years[0], spec.landstal[0]
        print(f"{path.name}: {year}, landstal {landstal:,}, {args.runs} runs, seed {args.seed}")
        print(f"  {'rule':<30} {'with the uncertainty':>26}   {'without':>26}")
        print(f"  {'':<30} {'scaled  >10 %  pace':>26}   {'scaled  >10 %  pace':>26}")
        shipped = measure(spec, args.runs, args.seed)
        certain = measure(spec.without_uncertainty(), args.runs, args.seed)
        for name in RULES:
            a, b = shipped[name], certain[name]
            print(
                f"  {name:<30} {a[0]:>12.1f} {a[1]:>6.3f} {a[2]:>5.3f}   "
                f"{b[0]:>12.1f} {b[1]:>6.3f} {b[2]:>5.3f}"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
