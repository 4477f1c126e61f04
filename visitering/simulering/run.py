"""One simulation run: a pure function of (spec, run index, base seed).

A run draws its years (:mod:`.draws`), then, for each rule of the spec, walks the years in order:

1. **Inputs.**  Year i's quotas use the embedded data of ``spec.data_year`` with the persons
   placed in the simulated years up to i − 2 added to each municipality's population and
   immigrants: quotas for a year are announced in the year before, from figures on 1 January
   of that year (BEK nr. 550/2022 § 4; ``docs/rules.md`` § 1, "Timing"), so a year's
   placements reach the quotas two years later.  Refugees count as non-Western immigrants.
2. **Quotas.**  The announced landstal's § 7 quotas, and each drawn revision applied as
   :func:`visitering.kvoter.revision.revider` applies it (a decrease scales, an increase
   recomputes with the same data), from its week.  The quota of the year is the one in force
   at its end.
3. **Targets.**  Danish rule: target = quota.  Carry-over rule: with the cumulative gap
   G_k = Σ over earlier years of (quota_k − placed_k), the target of every step of the year is
   max(0, quota_k + G_k) — a municipality that received too few is owed them next year and one
   that received too many gets fewer, as Germany's EASY carries its target/actual gap and the
   Dutch rule carries the backlog (achterstand).  G_k is not clipped, so nothing is forgotten.
4. **Placement.**  :mod:`.placement`, quota-only or visitering, against the targets.

The result holds, per rule, the quota and persons placed per year and municipality.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import cache, lru_cache

import numpy as np

from visitering.domain import Fordelingsgrundlag
from visitering.kvoter.apportionment import Method
from visitering.simulering.draws import FloatArray, IntArray, YearDraw, draw_run
from visitering.simulering.placement import place_quota_only, place_visitering
from visitering.simulering.spec import Mode, Rule, SimulationSpec


@dataclass(frozen=True)
class RunResult:
    """What one run produced (arrays over years × municipalities in kommunekode order)."""

    run: int
    landstal: tuple[int, ...]
    """The landstal in force at the end of each year."""
    arrivals: tuple[int, ...]
    """Persons arriving in each year."""
    kvote: dict[Rule, IntArray]
    placed: dict[Rule, IntArray]
    unplaced: dict[Rule, tuple[int, ...]]
    """Persons left unplaced per year (visitering mode, a batch without a solution)."""


@dataclass(frozen=True)
class _Context:
    grundlag: Fordelingsgrundlag
    codes: tuple[int, ...]
    population: FloatArray


@cache
def _context(data_year: int | None) -> _Context:
    """The base data, built once per process (each worker rebuilds it from the spec)."""
    from visitering.inputs import embedded

    grundlag = embedded.embedded_grundlag(data_year)
    rows = sorted(grundlag.kommuner, key=lambda g: g.kommune.kode)
    population = np.asarray([g.befolkning for g in rows], dtype=np.float64)
    return _Context(
        replace(grundlag, kommuner=tuple(rows)),
        tuple(g.kommune.kode for g in rows),
        population / population.sum(),
    )


def simulate_chunk(spec: SimulationSpec, runs: Sequence[int], seed: int) -> list[RunResult]:
    """:func:`simulate_run` for each of ``runs``: the unit of work sent to a worker."""
    return [simulate_run(spec, run, seed) for run in runs]


def simulate_run(spec: SimulationSpec, run: int, seed: int) -> RunResult:
    """Run ``run`` of ``spec`` under base seed ``seed`` (module docstring)."""
    ctx = _context(spec.data_year)
    draws = draw_run(spec, run, seed, ctx.population)
    memo: dict[tuple[int, bytes], list[IntArray]] = {}
    kvote: dict[Rule, IntArray] = {}
    placed: dict[Rule, IntArray] = {}
    unplaced: dict[Rule, tuple[int, ...]] = {}
    for rule in spec.rules:
        kvote[rule], placed[rule], unplaced[rule] = _chain(spec, ctx, draws, rule, memo)
    if spec.mode is Mode.KVOTER:
        arrivals = tuple(int(d.sizes.sum()) for d in draws)
    else:  # the synthetic cases have their own household sizes
        first = spec.rules[0]
        arrivals = tuple(
            int(p) + u for p, u in zip(placed[first].sum(axis=1), unplaced[first], strict=True)
        )
    return RunResult(
        run,
        tuple(d.landstal[-1] for d in draws),
        arrivals,
        kvote,
        placed,
        unplaced,
    )


def _chain(
    spec: SimulationSpec,
    ctx: _Context,
    draws: Sequence[YearDraw],
    rule: Rule,
    memo: dict[tuple[int, bytes], list[IntArray]],
) -> tuple[IntArray, IntArray, tuple[int, ...]]:
    k = len(ctx.codes)
    kvote = np.zeros((len(draws), k), dtype=np.int64)
    placed = np.zeros((len(draws), k), dtype=np.int64)
    unplaced: list[int] = []
    gap = np.zeros(k, dtype=np.int64)
    for i, draw in enumerate(draws):
        added = placed[: max(i - 1, 0)].sum(axis=0)
        key = (i, added.tobytes())
        if key not in memo:  # both rules share the inputs of the first two years
            if added.any():
                memo[key] = _quota_steps(spec, _grundlag(ctx, added), draw.landstal)
            else:
                memo[key] = _base_quota_steps(spec.data_year, spec.method, draw.landstal)
        steps = memo[key]
        if rule is Rule.CARRY_OVER:
            steps = [np.maximum(q + gap, 0) for q in steps]
        targets = list(zip((0, *draw.revision_weeks), steps, strict=True))
        if spec.mode is Mode.KVOTER:
            placed[i] = place_quota_only(
                targets, draw.sizes, draw.weeks, draw.close_family, spec.quota_rule
            )
            unplaced.append(0)
        else:
            counts = np.bincount(draw.weeks, minlength=spec.weeks).tolist()
            placed[i], left = place_visitering(
                targets,
                ctx.codes,
                counts,
                draw.case_seed,
                spec.time_limit_s,
                spec.relative_gap,
                draw.family_mix,
            )
            unplaced.append(left)
        kvote[i] = memo[key][-1]
        gap += kvote[i] - placed[i]
    return kvote, placed, tuple(unplaced)


def _grundlag(ctx: _Context, added: IntArray) -> Fordelingsgrundlag:
    """The base data with ``added`` persons (placed refugees) in population and immigrants."""
    if not added.any():
        return ctx.grundlag
    rows = tuple(
        replace(g, befolkning=g.befolkning + int(n), indvandrere=g.indvandrere + int(n))
        for g, n in zip(ctx.grundlag.kommuner, added.tolist(), strict=True)
    )
    return replace(
        ctx.grundlag,
        kommuner=rows,
        kilde=ctx.grundlag.kilde + "; with the simulated placements of earlier years added",
    )


@lru_cache(maxsize=4096)
def _base_quota_steps(
    data_year: int | None, method: Method, landstal: tuple[int, ...]
) -> list[IntArray]:
    """:func:`_quota_steps` on the unchanged base data: the same few revision paths recur in
    run after run, so they are computed once per process."""
    ctx = _context(data_year)
    steps = _quota_steps_for(ctx.grundlag, method, landstal)
    for q in steps:
        q.setflags(write=False)
    return steps


def _quota_steps(
    spec: SimulationSpec, grundlag: Fordelingsgrundlag, landstal: tuple[int, ...]
) -> list[IntArray]:
    return _quota_steps_for(grundlag, spec.method, landstal)


def _quota_steps_for(
    grundlag: Fordelingsgrundlag, method: Method, landstal: tuple[int, ...]
) -> list[IntArray]:
    """The quotas of the announced landstal and after each revision, in kommunekode order."""
    from visitering.kvoter.revision import revider

    revision = revider(grundlag, landstal[0], landstal[1:], method)
    by_code = [revision.oprindelig.kvoter] + [t.kvoter_efter for t in revision.trin]
    codes = [g.kommune.kode for g in grundlag.kommuner]
    return [np.asarray([q[c] for c in codes], dtype=np.int64) for q in by_code]


def kommunekoder(spec: SimulationSpec) -> tuple[int, ...]:
    """The kommunekoder in the order of a run's arrays."""
    return _context(spec.data_year).codes
