"""From runs to a per-municipality summary, and its CSV, JSON and terminal forms.

Per rule and municipality, over the runs, with *quota* and *placed* summed over the simulated
years (one year: that year's figures):

* ``kvote_p50``: the median quota in force at year end (a drawn revision changes it);
* ``placeret_p05``, ``placeret_p50``, ``placeret_p95``: quantiles of persons placed (the
  ``inverted_cdf`` definition: each is a value some run produced, and they are ordered);
* ``placeret_middel``, ``afvigelse_middel``: means of placed and of placed − quota;
* ``andel_over_10pct``: the share of runs with |placed − quota| > 10 % of the quota (for a
  quota of 0, any person placed).

Per rule, the national figures (:class:`National`) also come *without uncertainty*: the same
number of runs and seed of :meth:`~.spec.SimulationSpec.without_uncertainty`, the deviation
the placement rule and the families' sizes cause on their own.  The part of a sweep's
deviation that the uncertainty adds is read off against it.

Every number is rounded to 4 decimals before rendering, so the same runs give the same bytes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from visitering.domain import Kommuner
from visitering.formats import csvtext
from visitering.simulering.draws import IntArray
from visitering.simulering.run import RunResult
from visitering.simulering.spec import Mode, Rule, SimulationSpec

COLUMNS = (
    "regel",
    "kommunekode",
    "kommune",
    "kvote_p50",
    "placeret_p05",
    "placeret_p50",
    "placeret_p95",
    "placeret_middel",
    "afvigelse_middel",
    "andel_over_10pct",
)

OFF_SHARE = 10
"""|placed − quota| · OFF_SHARE > quota means more than 10 % off."""


@dataclass(frozen=True, slots=True)
class KommuneSummary:
    kommunekode: int
    kvote_p50: int
    placeret_p05: int
    placeret_p50: int
    placeret_p95: int
    placeret_middel: float
    afvigelse_middel: float
    andel_over_10pct: float


@dataclass(frozen=True, slots=True)
class National:
    """One rule's national figures over the runs."""

    total_abs_afvigelse_middel: float
    """Mean over runs of Σ_k |placed_k − quota_k| (persons)."""
    andel_kommuner_over_10pct: float
    """Mean over runs of the share of municipalities more than 10 % off."""
    fordelingsafvigelse_middel: float
    """Mean over runs of Σ_k |placed_k − quota_k · P/Q| (P, Q: total placed and quota): the
    deviation left once the quotas are scaled to the persons who actually came, i.e. the part
    a distribution rule can change (no rule can house persons who did not arrive)."""


@dataclass(frozen=True, slots=True)
class RuleSummary:
    rule: Rule
    kommuner: tuple[KommuneSummary, ...]
    national: National
    uplaceret_middel: float
    uden_usikkerhed: National | None = None
    """The same figures without uncertainty, when they were simulated."""


@dataclass(frozen=True, slots=True)
class Summary:
    spec: SimulationSpec
    runs: int
    seed: int
    codes: tuple[int, ...]
    arrivals: tuple[int, int, int]
    """5 %, 50 %, 95 % of persons arriving over the years."""
    landstal: tuple[int, int, int]
    """5 %, 50 %, 95 % of the landstal in force at the end of each year, summed."""
    rules: tuple[RuleSummary, ...]


def _q(values: IntArray, q: float) -> int:
    return int(np.quantile(values, q, method="inverted_cdf"))


def _r(x: float | np.floating[Any]) -> float:
    return round(float(x), 4)


def summarise(
    spec: SimulationSpec,
    results: Sequence[RunResult],
    seed: int,
    codes: Sequence[int],
    baseline: Sequence[RunResult] | None = None,
) -> Summary:
    """The summary of ``results`` (module docstring); ``codes`` in the results' order.

    ``baseline``: the runs of ``spec.without_uncertainty()`` under the same seed, if simulated.
    """
    arrivals = np.asarray([sum(r.arrivals) for r in results])
    landstal = np.asarray([sum(r.landstal) for r in results])
    rules = []
    for rule in spec.rules:
        kvote, placed = _totals(results, rule)
        off = _off(placed, kvote)
        rows = tuple(
            KommuneSummary(
                kommunekode=code,
                kvote_p50=_q(kvote[:, j], 0.5),
                placeret_p05=_q(placed[:, j], 0.05),
                placeret_p50=_q(placed[:, j], 0.5),
                placeret_p95=_q(placed[:, j], 0.95),
                placeret_middel=_r(placed[:, j].mean()),
                afvigelse_middel=_r((placed[:, j] - kvote[:, j]).mean()),
                andel_over_10pct=_r(off[:, j].mean()),
            )
            for j, code in enumerate(codes)
        )
        rules.append(
            RuleSummary(
                rule,
                rows,
                _national(kvote, placed),
                _r(np.mean([sum(r.unplaced[rule]) for r in results])),
                None if baseline is None else _national(*_totals(baseline, rule)),
            )
        )
    return Summary(
        spec,
        len(results),
        seed,
        tuple(codes),
        (_q(arrivals, 0.05), _q(arrivals, 0.5), _q(arrivals, 0.95)),
        (_q(landstal, 0.05), _q(landstal, 0.5), _q(landstal, 0.95)),
        tuple(rules),
    )


def _totals(results: Sequence[RunResult], rule: Rule) -> tuple[IntArray, IntArray]:
    """Quota and persons placed, runs × municipalities, summed over the years."""
    kvote = np.stack([r.kvote[rule].sum(axis=0) for r in results])
    placed = np.stack([r.placed[rule].sum(axis=0) for r in results])
    return kvote, placed


def _off(placed: IntArray, kvote: IntArray) -> npt.NDArray[np.bool_]:
    off: npt.NDArray[np.bool_] = np.abs(placed - kvote) * OFF_SHARE > kvote
    return off


def _national(kvote: IntArray, placed: IntArray) -> National:
    return National(
        _r(np.abs(placed - kvote).sum(axis=1).mean()),
        _r(_off(placed, kvote).mean()),
        _r(_scaled_deviation(placed, kvote).mean()),
    )


def _scaled_deviation(placed: IntArray, kvote: IntArray) -> npt.NDArray[np.float64]:
    """Per run: Σ_k |placed_k − quota_k · P/Q| (:attr:`National.fordelingsafvigelse_middel`)."""
    total_p = placed.sum(axis=1, keepdims=True)
    total_q = np.maximum(kvote.sum(axis=1, keepdims=True), 1)
    result: npt.NDArray[np.float64] = np.abs(placed - kvote * total_p / total_q).sum(axis=1)
    return result


def _period(spec: SimulationSpec) -> str:
    years = spec.years
    span = str(years[0]) if len(years) == 1 else f"{years[0]}-{years[-1]}"
    landstal = ", ".join(f"{n:,}" for n in spec.landstal)
    return f"{span} (announced landstal {landstal})"


def _mode(spec: SimulationSpec) -> str:
    if spec.mode is Mode.KVOTER:
        return f"quota-only ({spec.quota_rule} rule)"
    return "visitering (solver)"


def baseline_sentence(baseline: National) -> str:
    """The figures without uncertainty, in words."""
    return (
        f"without uncertainty ({WITHOUT_UNCERTAINTY}): mean total |placed - quota| "
        f"{baseline.total_abs_afvigelse_middel:,.1f} persons, "
        f"{100 * baseline.andel_kommuner_over_10pct:.1f} % of municipalities more than 10 % off"
    )


WITHOUT_UNCERTAINTY = "landstal never revised, arrivals = landstal to within the last family"


def notes(summary: Summary, extra: Sequence[str] = ()) -> list[str]:
    """The ``#`` lines of the CSV: what was simulated and how to reproduce it."""
    spec = summary.spec
    return [
        f"Simulation of {_period(spec)}: {summary.runs} runs, seed {summary.seed}, "
        f"{_mode(spec)}, {spec.weeks} weekly batches per year",
        "Quota and placed are summed over the simulated years; see visitering/simulering/",
        *(
            f"Rule {rs.rule} {baseline_sentence(rs.uden_usikkerhed)}"
            for rs in summary.rules
            if rs.uden_usikkerhed is not None
        ),
        *extra,
    ]


def csv_bytes(
    summary: Summary, kommuner: Kommuner, dialect: csvtext.Dialect, extra: Sequence[str] = ()
) -> bytes:
    """``simulering.csv``: one row per rule and municipality."""
    rows: list[list[csvtext.Cell]] = [
        [
            str(rs.rule),
            k.kommunekode,
            kommuner[k.kommunekode].navn,
            k.kvote_p50,
            k.placeret_p05,
            k.placeret_p50,
            k.placeret_p95,
            k.placeret_middel,
            k.afvigelse_middel,
            k.andel_over_10pct,
        ]
        for rs in summary.rules
        for k in rs.kommuner
    ]
    return csvtext.render(COLUMNS, rows, dialect, notes=notes(summary, extra), decimals=4)


def payload(summary: Summary, kommuner: Kommuner, extra: Sequence[str] = ()) -> dict[str, Any]:
    """The summary as a JSON-ready document (keys sorted on output)."""
    spec = summary.spec
    u = spec.uncertainty
    return {
        "simulation": {
            "years": list(spec.years),
            "landstal": list(spec.landstal),
            "data_year": spec.data_year,
            "method": str(spec.method),
            "mode": str(spec.mode),
            # The solver places in visitering mode: no quota-only rule was used (stop 27).
            "quota_rule": str(spec.quota_rule) if spec.mode is Mode.KVOTER else None,
            "weeks": spec.weeks,
            "carry_over": spec.carry_over,
            "runs": summary.runs,
            "seed": summary.seed,
            "uncertainty": {
                "revision_probability": u.revision_probability,
                "revision_multipliers": list(u.revision_multipliers),
                "max_revisions": u.max_revisions,
                "arrival_ratios": list(u.arrival_ratios),
                "composition_concentration": u.composition_concentration,
                "close_family_share": u.close_family_share,
            },
        },
        "notes": list(extra),
        "arrivals_p05_p50_p95": list(summary.arrivals),
        "landstal_p05_p50_p95": list(summary.landstal),
        "rules": [
            {
                "rule": str(rs.rule),
                **_fields(rs.national),
                "uden_usikkerhed": None
                if rs.uden_usikkerhed is None
                else _fields(rs.uden_usikkerhed),
                "uplaceret_middel": rs.uplaceret_middel,
                "kommuner": [
                    {"kommune": kommuner[k.kommunekode].navn, **_fields(k)} for k in rs.kommuner
                ],
            }
            for rs in summary.rules
        ],
    }


def _fields(k: KommuneSummary | National) -> dict[str, Any]:
    return {name: getattr(k, name) for name in type(k).__slots__}


def terminal_text(
    summary: Summary, kommuner: Kommuner, extra: Sequence[str] = (), top: int = 10
) -> str:
    """National figures per rule and the ``top`` municipalities most often more than 10 % off."""
    spec = summary.spec
    a, ls = summary.arrivals, summary.landstal
    lines = [
        f"Simulation of {_period(spec)}",
        f"{summary.runs} runs, seed {summary.seed}, {_mode(spec)}, "
        f"{spec.weeks} weekly batches per year",
        *extra,
        f"Persons arriving: {a[0]:,} (5 %), {a[1]:,} (median), {a[2]:,} (95 %)",
        f"Landstal in force at year end: {ls[0]:,} (5 %), {ls[1]:,} (median), {ls[2]:,} (95 %)",
    ]
    if len(spec.years) > 1:
        lines.append("Quota and placed below are sums over the years.")
    for rs in summary.rules:
        n = rs.national
        lines += [
            "",
            f"Rule {rs.rule}: mean total |placed - quota| {n.total_abs_afvigelse_middel:,.1f} "
            f"persons; municipalities more than 10 % off: "
            f"{100 * n.andel_kommuner_over_10pct:.1f} % on average",
            f"  against the quotas scaled to the persons who came: mean total "
            f"{n.fordelingsafvigelse_middel:,.1f} persons",
        ]
        if rs.uden_usikkerhed is not None:
            lines.append(f"  {baseline_sentence(rs.uden_usikkerhed)}")
        if rs.uplaceret_middel:
            lines.append(f"  persons left unplaced: {rs.uplaceret_middel:,.1f} on average")
        worst = sorted(rs.kommuner, key=lambda k: (-k.andel_over_10pct, k.kommunekode))[:top]
        lines.append(
            f"  {'kommune':<20} {'kvote':>7} {'5 %':>7} {'50 %':>7} {'95 %':>7} {'P(>10 %)':>9}"
        )
        for k in worst:
            lines.append(
                f"  {kommuner[k.kommunekode].navn:<20} {k.kvote_p50:>7,} {k.placeret_p05:>7,} "
                f"{k.placeret_p50:>7,} {k.placeret_p95:>7,} {k.andel_over_10pct:>9.3f}"
            )
    return "\n".join(lines) + "\n"
