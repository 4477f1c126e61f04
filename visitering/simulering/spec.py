"""What a simulation draws and how: the plain, validated, picklable :class:`SimulationSpec`.

A spec holds numbers and names only (no data frames, no open files), so that a worker process or
a Dask worker can rebuild everything from it.  It is independent of any file format; a
``[simulering]`` TOML section is one way to build it (:mod:`.parse`).

Default uncertainty, from ``data/landstal_historik.csv`` (:func:`historical_uncertainty`):

* **revisions** — of the years with a landstal in the file, the share that saw at least one
  revision is the probability of a revision (checked again for a second one, at most
  ``max_revisions``); a revision multiplies the landstal in force by one of the historical
  ratios new/old, drawn with equal probability;
* **arrivals** — persons actually housed divided by the last landstal in force, for the years
  that have both (2015-2019), drawn with equal probability and applied to the year's final
  landstal.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field, replace
from enum import StrEnum

from visitering.errors import InputError, Problem
from visitering.kvoter.apportionment import Method


class Mode(StrEnum):
    """What places the arrivals."""

    KVOTER = "kvoter"
    """Quota-only: a fast rule in place of the solver (see :mod:`.placement`)."""
    VISITERING = "visitering"
    """Synthetic cases through the real batch pipeline and solver, weekly, on a ledger."""


class QuotaRule(StrEnum):
    """How the quota-only mode chooses a municipality for a case (:mod:`.placement`): among
    those with room for the family, the least full relative to its target, measured ..."""

    MIDPOINT = "midpoint"
    """... halfway through taking it, (placed + persons/2) / target: Sainte-Laguë's rule for
    persons in families, the default (:data:`.placement.QUOTA_ONLY_RULE` says why)."""
    BEFORE = "before"
    """... before taking it, placed / target."""
    AFTER = "after"
    """... after taking it, (placed + persons) / target: the rule used until November 2026,
    kept to reproduce earlier sweeps."""

    @property
    def offset(self) -> float:
        """The share of the family's persons counted in the fill: 1/2, 0 or 1."""
        return {"midpoint": 0.5, "before": 0.0, "after": 1.0}[self.value]


DEFAULT_QUOTA_RULE = QuotaRule.MIDPOINT
"""The quota-only rule of a sweep that names none (:data:`.placement.QUOTA_ONLY_RULE`)."""


class Rule(StrEnum):
    """How one year's quota relates to the previous year's placements."""

    DANISH = "dansk"
    """BEK nr. 550/2022: each year's quota stands alone; over- or under-placement is forgotten."""
    CARRY_OVER = "overfoersel"
    """The gap quota − placed so far is added to the next year's target (EASY, the Dutch
    backlog); see :mod:`.run` for the exact rule."""


@dataclass(frozen=True, slots=True)
class Uncertainty:
    """The distributions the draws come from (see the module docstring for the defaults)."""

    revision_probability: float
    revision_multipliers: tuple[float, ...]
    arrival_ratios: tuple[float, ...]
    max_revisions: int = 2
    composition_concentration: float = 50.0
    """Dirichlet concentration around :data:`visitering.synth.FAMILY_TYPES` for the family-type
    mix of a year (higher: closer to the mean mix)."""
    close_family_share: float = 0.12
    """Share of cases with close family in a municipality (drawn by population), placed there
    under § 11 stk. 3 whatever its remaining quota."""


@dataclass(frozen=True, slots=True)
class SimulationSpec:
    """Everything one simulation run needs, as plain values.

    Parameters
    ----------
    years:
        Calendar years simulated, in order; one year, or a chain (multi-year mode).
    landstal:
        The announced landstal of each year (same length as ``years``).
    data_year:
        Embedded population vintage for the first year's quotas (the parser's default: the
        newest before the first simulated year, § 4); ``None``: the newest.
    method:
        Rounding method of the quotas.
    mode:
        Quota-only or visitering (see :class:`Mode`).
    weeks:
        Weekly batches per year; arrivals are spread over them uniformly at random.
    uncertainty:
        The distributions drawn from.
    carry_over:
        Also run the carry-over rule (:class:`Rule`) on the same draws, for comparison.
    time_limit_s, relative_gap:
        Solver limits per weekly batch (visitering mode).
    quota_rule:
        How quota-only mode places a case (:class:`QuotaRule`).
    """

    years: tuple[int, ...]
    landstal: tuple[int, ...]
    uncertainty: Uncertainty
    data_year: int | None = None
    method: Method = Method.LARGEST_REMAINDER
    mode: Mode = Mode.KVOTER
    weeks: int = 52
    carry_over: bool = False
    time_limit_s: float = 10.0
    relative_gap: float = 0.0
    quota_rule: QuotaRule = DEFAULT_QUOTA_RULE
    source: str = field(default="simulering", compare=False)

    def __post_init__(self) -> None:
        problems = validate(self)
        if problems:
            raise InputError(problems)

    @property
    def certain(self) -> bool:
        """Whether nothing about the numbers is uncertain: no landstal revision, and exactly
        the landstal arrives."""
        u = self.uncertainty
        return u.revision_probability == 0 and set(u.arrival_ratios) == {1.0}

    def without_uncertainty(self) -> SimulationSpec:
        """This simulation with the landstal never revised and the landstal's persons arriving
        (arrivals are drawn until they reach it, so the last family may pass it).

        The family mix, the timing of arrivals and the close-family placements are still
        drawn: what it leaves is the deviation the placement rule and the families' sizes
        cause on their own, the baseline that ``visitering simulate`` reports beside a sweep.
        """
        u = replace(self.uncertainty, revision_probability=0.0, arrival_ratios=(1.0,))
        return replace(self, uncertainty=u)

    @property
    def rules(self) -> tuple[Rule, ...]:
        """The rules simulated, the Danish rule first."""
        return (Rule.DANISH, Rule.CARRY_OVER) if self.carry_over else (Rule.DANISH,)


def validate(spec: SimulationSpec) -> list[Problem]:
    """Every problem of ``spec``, each naming its ``simulering.<key>``."""
    problems: list[Problem] = []

    def need(ok: bool, key: str, message: str) -> None:
        if not ok:
            problems.append(Problem(message, spec.source, column=f"simulering.{key}"))

    u = spec.uncertainty
    need(len(spec.years) >= 1, "years", "at least one year is needed")
    need(
        all(b == a + 1 for a, b in zip(spec.years, spec.years[1:], strict=False)),
        "years",
        "years must be consecutive",
    )
    need(len(spec.landstal) == len(spec.years), "landstal", "one landstal per year is needed")
    need(all(n > 0 for n in spec.landstal), "landstal", "must be positive whole numbers")
    need(1 <= spec.weeks <= 53, "weeks", "must be between 1 and 53")
    need(0 <= u.revision_probability <= 1, "revision_probability", "must be in [0, 1]")
    need(
        all(math.isfinite(m) and m > 0 for m in u.revision_multipliers),
        "revision_multipliers",
        "must be positive numbers",
    )
    need(
        bool(u.revision_multipliers) or u.revision_probability == 0,
        "revision_multipliers",
        "needed when revision_probability > 0",
    )
    need(bool(u.arrival_ratios), "arrival_ratios", "at least one ratio is needed")
    need(
        all(math.isfinite(r) and r >= 0 for r in u.arrival_ratios),
        "arrival_ratios",
        "must be numbers ≥ 0",
    )
    need(0 <= u.max_revisions <= 10, "max_revisions", "must be between 0 and 10")
    need(
        math.isfinite(u.composition_concentration) and u.composition_concentration > 0,
        "composition_concentration",
        "must be a positive number",
    )
    need(0 <= u.close_family_share <= 1, "close_family_share", "must be in [0, 1]")
    need(
        math.isfinite(spec.time_limit_s) and spec.time_limit_s > 0,
        "time_limit_s",
        "must be a positive number",
    )
    need(0 <= spec.relative_gap < 1, "relative_gap", "must be in [0, 1)")
    return problems


def historical_uncertainty(
    landstal: dict[int, tuple[int, ...]], placed: dict[int, int]
) -> Uncertainty:
    """Default distributions from the landstal history (module docstring).

    Parameters
    ----------
    landstal:
        year → landstal figures in order (:func:`visitering.inputs.embedded.landstal_history`).
    placed:
        year → persons housed (:func:`visitering.inputs.embedded.placed_history`).
    """
    revised = [y for y, figures in landstal.items() if len(figures) > 1]
    multipliers = tuple(
        round(new / old, 4)
        for figures in landstal.values()
        for old, new in itertools.pairwise(figures)
    )
    ratios = tuple(round(placed[y] / landstal[y][-1], 4) for y in sorted(placed) if y in landstal)
    return Uncertainty(
        revision_probability=round(len(revised) / len(landstal), 4) if landstal else 0.0,
        revision_multipliers=multipliers,
        arrival_ratios=ratios or (1.0,),
    )
