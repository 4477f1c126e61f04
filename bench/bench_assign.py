"""Benchmark of visitering (BEK nr. 550/2022 §§ 9-14): the relaxation-first solver against the
textbook CP-SAT model (one Boolean per case × municipality pair), same time limit.

Targets (issue):

* weekly batch — 300 cases, 98 municipalities, whole-year quotas left: proven optimal < 2 s;
* peak year — 7,000 cases (≈ 17,000 persons), quotas summing to the persons: within 0.5 % of
  the LP-relaxation bound < 30 s;
* stretch (``--stretch``) — 100,000 cases × 400 districts within 1 % < 5 min.

Instances are random with a fixed seed, from the small generator below (synthetic geography: 98
or 400 points in a 350 × 300 km box, neighbours = the 5 nearest, straight-line distances).  Run
``python bench/bench_assign.py`` (``--no-textbook`` to skip the baseline, ``--seed N``).
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from dataclasses import dataclass, replace

import numpy as np

from visitering.assignment import Parameters, Problem, Result, Status, solve
from visitering.cases import Case, Education, FamilyType, KommuneProfil

NATIONALITIES = [
    ("SY", "arabic", 40),
    ("ER", "tigrinya", 15),
    ("AF", "dari", 12),
    ("SO", "somali", 8),
    ("IR", "farsi", 6),
    ("IQ", "arabic", 5),
    ("UA", "ukrainian", 4),
    ("SD", "arabic", 3),
    ("ET", "amharic", 3),
    ("CD", "french", 2),
    ("MM", "burmese", 1),
    ("RU", "russian", 1),
]
OCCUPATIONS = [f"occ{j:02d}" for j in range(15)]
NEEDS = ["trauma", "disability", "dialysis", "psychiatric"]
SIZES = np.array([1, 2, 3, 4, 5, 6, 7, 8, 9])
SIZE_P = np.array([45, 15, 12, 12, 8, 4, 2, 1, 1], dtype=float)


@dataclass(frozen=True)
class Geography:
    codes: list[int]
    population: np.ndarray
    neighbours: dict[int, frozenset[int]]
    distance_km: dict[tuple[int, int], float]


def geography(k: int, rng: np.random.Generator) -> Geography:
    """k municipalities at random points; neighbours are the 5 nearest (symmetrised)."""
    xy = rng.uniform(0, 1, (k, 2)) * np.array([350.0, 300.0])
    d = np.sqrt(((xy[:, None, :] - xy[None, :, :]) ** 2).sum(-1))
    codes = [101 + 3 * j for j in range(k)]
    near = np.argsort(d, axis=1)[:, 1:6]
    nb: dict[int, set[int]] = {c: set() for c in codes}
    for a in range(k):
        for b in near[a]:
            nb[codes[a]].add(codes[b])
            nb[codes[b]].add(codes[a])
    dist = {(codes[a], codes[b]): round(float(d[a, b]), 1) for a in range(k) for b in range(a, k)}
    population = np.exp(rng.normal(10.5, 0.8, k))
    return Geography(codes, population, {c: frozenset(v) for c, v in nb.items()}, dist)


def quotas(geo: Geography, total: int, rng: np.random.Generator) -> dict[int, int]:
    """Largest-remainder split of ``total`` by population; about 5 % get zero quota."""
    share = geo.population * (rng.uniform(0, 1, len(geo.codes)) > 0.05)
    exact = total * share / share.sum()
    base = np.floor(exact).astype(int)
    rest = total - base.sum()
    base[np.argsort(-(exact - base), kind="stable")[:rest]] += 1
    return {c: int(q) for c, q in zip(geo.codes, base, strict=True)}


def profiles(geo: Geography, rng: np.random.Generator) -> dict[int, KommuneProfil]:
    out = {}
    urban = (np.log(geo.population) - 10.5) / 0.8
    for j, code in enumerate(geo.codes):
        base = 50 + 10 * urban[j]
        employment = {
            e: int(np.clip(base + bonus + rng.normal(0, 8), 5, 95))
            for e, bonus in zip(Education, (-20, -5, 5, 15), strict=True)
        }
        out[code] = KommuneProfil(
            kode=code,
            treatment_offers=frozenset(n for n in NEEDS if rng.uniform() < 0.3),
            wished_nationalities=frozenset(
                n for n, _, _ in NATIONALITIES[:6] if rng.uniform() < 0.03
            ),
            reception_projects=frozenset({"single_men"} if rng.uniform() < 0.05 else ()),
            employment=employment,
            occupations=frozenset(o for o in OCCUPATIONS if rng.uniform() < 0.2),
        )
    return out


def cases(n: int, geo: Geography, rng: np.random.Generator) -> list[Case]:
    weight = np.array([w for _, _, w in NATIONALITIES], dtype=float)
    pop = geo.population / geo.population.sum()
    centres = rng.choice(geo.codes, size=max(3, len(geo.codes) // 5), replace=False)
    out = []
    for i in range(n):
        persons = int(rng.choice(SIZES, p=SIZE_P / SIZE_P.sum()))
        nat, lang, _ = NATIONALITIES[int(rng.choice(len(weight), p=weight / weight.sum()))]
        single = persons == 1
        ft = (
            (FamilyType.SINGLE_MAN if rng.uniform() < 0.7 else FamilyType.SINGLE_WOMAN)
            if single
            else (FamilyType.COUPLE if persons == 2 else FamilyType.FAMILY)
        )
        u = rng.uniform(size=8)
        out.append(
            Case(
                case_id=f"c{i:06d}",
                persons=persons,
                family_type=ft,
                nationality=nat,
                language=lang,
                education=list(Education)[int(rng.integers(0, 4))],
                occupation=OCCUPATIONS[int(rng.integers(0, 15))] if u[0] < 0.5 else None,
                needs=(NEEDS[int(rng.integers(0, 4))],) if u[1] < 0.1 else (),
                close_family_kommune=int(rng.choice(geo.codes, p=pop)) if u[2] < 0.15 else None,
                institution_kommune=int(rng.choice(geo.codes)) if u[3] < 0.01 else None,
                job_offer_kommune=int(rng.choice(geo.codes, p=pop)) if u[4] < 0.03 else None,
                job_offer_hours=float(rng.integers(5, 38)) if u[4] < 0.03 else None,
                latest_stay_kommune=int(rng.choice(centres)) if u[5] < 0.8 else None,
                special_circumstances="medical" if u[6] < 0.005 else None,
            )
        )
    return out


def instance(
    n_cases: int, k: int, seed: int, quota_total: int | None, params: Parameters
) -> Problem:
    """A random problem; ``quota_total`` None: quotas sum exactly to the batch's persons."""
    rng = np.random.default_rng(seed)
    geo = geography(k, rng)
    cs = cases(n_cases, geo, rng)
    persons = sum(c.persons for c in cs)
    total = persons if quota_total is None else quota_total
    q = quotas(geo, total, rng)
    # Exceptions place some cases beyond the quotas: keep the total quota ≥ the persons that
    # need it, so the peak-year batch is tight but feasible.
    return Problem(
        cases=tuple(cs),
        remaining_quota=q,
        profiles=profiles(geo, rng),
        neighbours=geo.neighbours,
        distance_km=geo.distance_km,
        parameters=params,
    )


def gap(objective: float | None, bound: float | None) -> float:
    if objective is None or bound is None or not math.isfinite(bound):
        return math.nan
    return (objective - bound) / max(abs(bound), 1.0)


def run(
    label: str,
    problem: Problem,
    textbook: bool,
    target_s: float,
    target_gap: float,
    textbook_factor: float = 1.0,
) -> bool:
    n = len(problem.cases)
    persons = sum(c.persons for c in problem.cases)
    print(f"\n{label}: {n} cases, {persons} persons, {len(problem.remaining_quota)} municipalities")
    t0 = time.perf_counter()
    result: Result = solve(problem)
    wall = time.perf_counter() - t0
    g = gap(result.objective, result.bound)
    proven = result.status is Status.OPTIMAL
    ok = result.is_ok and wall < target_s and (proven if target_gap == 0 else g <= target_gap)
    target = "proven optimal" if target_gap == 0 else f"gap ≤ {100 * target_gap:g} %"
    print(
        f"  relaxation+MIP  {wall:7.2f} s  {result.status:<10} "
        f"objective {result.objective or 0:>14,.0f}"
        f"  bound {result.bound or 0:>14,.1f}  gap {100 * g:7.3f} %   "
        f"{'ok' if ok else 'MISSED'} (target < {target_s:g} s, {target})"
    )
    print(f"    counts: {dict(result.counts)}")
    if result.notes:
        print(f"    notes: {'; '.join(result.notes)}")
    if textbook:
        from visitering.assignment.textbook import solve_textbook

        t0 = time.perf_counter()
        tb = solve_textbook(problem, problem.parameters.time_limit_s * textbook_factor)
        wall_tb = time.perf_counter() - t0
        g_tb = gap(tb.objective, result.bound)
        objective = "no placement found" if tb.objective is None else f"{tb.objective:,.0f}"
        print(
            f"  textbook CP-SAT {wall_tb:7.2f} s  {tb.status:<10} objective {objective:>14}"
            f"  bound {result.bound or 0:>14,.1f}  gap {100 * g_tb:7.3f} %   "
            f"(build {tb.build_s:.1f} s + solve {tb.solve_s:.1f} s; CP-SAT's own "
            f"bound {tb.own_bound:,.1f})"
        )
    return ok


def without_exceptions(problem: Problem) -> Problem:
    """The same batch with no § 11 stk. 3-4 grounds: every person needs quota (exact fill)."""
    cases = tuple(
        replace(
            c,
            close_family_kommune=None,
            institution_kommune=None,
            job_offer_kommune=None,
            job_offer_hours=None,
            special_circumstances=None,
        )
        for c in problem.cases
    )
    return replace(problem, cases=cases)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seed", type=int, default=2016)
    parser.add_argument("--weekly-seeds", type=int, default=5, help="weekly batches to run")
    parser.add_argument("--no-textbook", action="store_true")
    parser.add_argument(
        "--textbook-factor",
        type=float,
        default=1.0,
        help="time limit of the textbook model as a multiple of ours (default: the same)",
    )
    parser.add_argument("--stretch", action="store_true", help="also 100,000 cases × 400")
    parser.add_argument("--only", choices=["weekly", "peak", "stretch"], default=None)
    args = parser.parse_args()
    textbook = not args.no_textbook
    # Warm up imports (OR-Tools, MathOpt) outside the timings.
    solve(instance(20, 10, 0, None, Parameters(time_limit_s=5)))
    ok = True
    if args.only in (None, "weekly"):
        for seed in range(args.seed, args.seed + args.weekly_seeds):
            weekly = instance(300, 98, seed, 17_000, Parameters(time_limit_s=2.0))
            ok &= run(
                f"weekly batch (seed {seed})", weekly, textbook, 2.0, 0.0, args.textbook_factor
            )
    if args.only in (None, "peak"):
        peak = instance(
            7_000, 98, args.seed, None, Parameters(time_limit_s=28.0, relative_gap=0.001)
        )
        ok &= run("peak year", peak, textbook, 30.0, 0.005, args.textbook_factor)
        ok &= run(
            "peak year, no exception grounds (exact fill)",
            without_exceptions(peak),
            False,
            30.0,
            0.005,
        )
    if args.stretch or args.only == "stretch":
        big = instance(
            100_000, 400, args.seed, None, Parameters(time_limit_s=290.0, relative_gap=0.005)
        )
        ok &= run("stretch", big, False, 300.0, 0.01)
        print("  (textbook model not built: 40 million Booleans)")
    print("\nall targets met" if ok else "\nsome targets missed")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
