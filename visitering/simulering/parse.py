"""The ``[simulering]`` section of a scenario file, validated into a :class:`SimulationSpec`::

    [data]
    year = 2025                   # embedded population vintage (or data_year below)

    [kvoter]                      # optional: landstal and method are read from here
    landstal = 600

    [simulering]
    mode = "kvoter"               # or "visitering" (synthetic cases through the solver)
    quota_rule = "midpoint"       # quota-only: or "before", "after" (see .spec.QuotaRule)
    years = [2015, 2019]          # first and last year of a chain (default: one year)
    carry_over = true             # also run the carry-over rule on the same draws
    weeks = 52
    seed = 7
    # uncertainty (defaults from data/landstal_historik.csv, see .spec):
    revision_probability = 0.5
    revision_multipliers = [1.4667, 3.0, 0.4412]
    max_revisions = 2
    arrival_ratios = [0.88, 0.96, 0.84]
    composition_concentration = 50
    close_family_share = 0.12
    time_limit_s = 10             # per weekly batch, visitering mode
    relative_gap = 0.0

``landstal`` in ``[simulering]`` (a number, or one per year) wins over ``[kvoter]``, which is
read for a single year only; for a chain without it, each year's first announced landstal in
the history is used.  Every problem is
reported at once, each naming its key (``simulering.<key>``).

Bounds beyond those of :class:`SimulationSpec`: a chain of at most :data:`MAX_YEARS` years; no
year may have more than :data:`~visitering.simulering.draws.MAX_PERSONS` persons as landstal in
force or as arrivals (landstal, multipliers, ``max_revisions`` and ratios together); the time
limit at most :data:`~visitering.assignment.problem.MAX_TIME_LIMIT_S` (7 days); seeds ≥ 0.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from visitering import io
from visitering.assignment.problem import MAX_TIME_LIMIT_S
from visitering.errors import InputError, Problem
from visitering.inputs import embedded
from visitering.kvoter.apportionment import Method
from visitering.scenario.settings import TOP_KEYS
from visitering.simulering.draws import MAX_PERSONS, most_persons
from visitering.simulering.spec import (
    DEFAULT_QUOTA_RULE,
    Mode,
    QuotaRule,
    SimulationSpec,
    Uncertainty,
    historical_uncertainty,
)

KNOWN = frozenset(
    {
        "mode",
        "quota_rule",
        "years",
        "landstal",
        "data_year",
        "method",
        "weeks",
        "carry_over",
        "seed",
        "revision_probability",
        "revision_multipliers",
        "max_revisions",
        "arrival_ratios",
        "composition_concentration",
        "close_family_share",
        "time_limit_s",
        "relative_gap",
    }
)


MAX_YEARS = 100
"""Most years of a chain."""
MAX_LISTED = 5
"""Most years a problem lists by number."""


@dataclass(frozen=True, slots=True)
class Parsed:
    """The spec and the seed the file asks for (``None``: not given)."""

    spec: SimulationSpec
    seed: int | None


class _Reader:
    """Typed access to one section's keys, collecting a problem per bad key."""

    def __init__(self, section: Mapping[str, Any], prefix: str, source: str) -> None:
        self.section, self.prefix, self.source = section, prefix, source
        self.problems: list[Problem] = []

    def bad(self, key: str, message: str) -> None:
        self.problems.append(Problem(message, self.source, column=f"{self.prefix}.{key}"))

    def integer(self, key: str, default: int | None = None) -> int | None:
        value = self.section.get(key, default)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
            self.bad(key, f"must be a whole number, got {value!r}")
            return default
        return value

    def whole(self, key: str, default: int) -> int:
        """A whole number (``default`` if absent, or bad and reported)."""
        value = self.integer(key, default)
        return default if value is None else value

    def number(self, key: str, default: float) -> float:
        value = self.section.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int | float):
            self.bad(key, f"must be a number, got {value!r}")
            return default
        return float(value)

    def numbers(self, key: str, default: tuple[float, ...]) -> tuple[float, ...]:
        value = self.section.get(key, default)
        if not isinstance(value, list | tuple) or any(
            isinstance(v, bool) or not isinstance(v, int | float) for v in value
        ):
            self.bad(key, f"must be a list of numbers, got {value!r}")
            return default
        return tuple(float(v) for v in value)

    def flag(self, key: str) -> bool:
        value = self.section.get(key, False)
        if not isinstance(value, bool):
            self.bad(key, f"must be true or false, got {value!r}")
            return False
        return value


def parse_simulation(
    text: str,
    source: str,
    landstal_history: Mapping[int, tuple[int, ...]],
    placed_history: Mapping[int, int],
) -> Parsed:
    """Validate the ``[simulering]`` (and what it uses of ``[kvoter]``) of a scenario document.

    Raises
    ------
    InputError
        With every problem found, each naming its key.
    """
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InputError(Problem(f"not valid TOML ({exc})", source)) from None
    section, kvoter = doc.get("simulering"), doc.get("kvoter", {})
    if not isinstance(section, dict):
        raise InputError(Problem("needs a [simulering] table", source, column="simulering"))
    if not isinstance(kvoter, dict):
        kvoter = {}
    r = _Reader(section, "simulering", source)
    for key in sorted(set(section) - KNOWN):
        r.bad(key, f"unknown key {key!r}; known: {', '.join(sorted(KNOWN))}")
    k = _Reader(kvoter, "kvoter", source)
    for key in sorted(set(kvoter) & UNUSED_KVOTER):
        # Regression (simulate audit, stop 26): a KKR agreement in the file changed the
        # quotas of scenario run but not those simulated, and nothing said so.
        k.bad(
            key,
            "simulate does not apply the agreements, deviations, volunteers or revisions of "
            "[kvoter] (it draws the year's revisions itself); remove it, or use a file without "
            "it for the simulation",
        )
    defaults = historical_uncertainty(dict(landstal_history), dict(placed_history))

    mode = _choice(r, "mode", Mode, Mode.KVOTER)
    quota_rule = _choice(r, "quota_rule", QuotaRule, DEFAULT_QUOTA_RULE)
    if "quota_rule" in r.section and mode is Mode.VISITERING:
        r.bad("quota_rule", 'applies to mode = "kvoter"; the solver places in visitering mode')
    if mode is Mode.VISITERING and "visitering" in doc:
        r.bad(
            "mode",
            'mode = "visitering" places with the default weights and parameters; the file\'s '
            "[visitering] section would not be used: remove it for the simulation",
        )
    method = _choice(r, "method", Method, _choice(k, "method", Method, Method.LARGEST_REMAINDER))
    years = _years(r, landstal_history)
    landstal = _landstal(r, k, years, landstal_history)
    uncertainty = Uncertainty(
        revision_probability=r.number("revision_probability", defaults.revision_probability),
        revision_multipliers=r.numbers("revision_multipliers", defaults.revision_multipliers),
        arrival_ratios=r.numbers("arrival_ratios", defaults.arrival_ratios),
        max_revisions=r.whole("max_revisions", defaults.max_revisions),
        composition_concentration=r.number(
            "composition_concentration", defaults.composition_concentration
        ),
        close_family_share=r.number("close_family_share", defaults.close_family_share),
    )
    data = doc.get("data", {})
    d = _Reader(data if isinstance(data, dict) else {}, "data", source)
    if "inputs" in d.section:
        d.bad("inputs", "simulations use the embedded data; give [data] year instead")
    data_year = _data_year(r, d, k, years)
    weeks = r.whole("weeks", 52)
    if weeks == 1 and uncertainty.revision_probability > 0 and uncertainty.max_revisions > 0:
        # Regression (simulate audit, stop 26): the revision was drawn for week 1, which a
        # one-week year has not, so it changed the reported quota but never the placement.
        r.bad(
            "weeks",
            "1 week leaves no week for a revision to take effect in (a revision takes effect "
            "from a week after the first); set revision_probability = 0 or weeks ≥ 2",
        )
    carry_over = r.flag("carry_over")
    seed = r.integer("seed")
    if seed is not None and seed < 0:
        r.bad("seed", f"must be a whole number ≥ 0, got {seed}")
    time_limit_s = r.number("time_limit_s", 10.0)
    if time_limit_s > MAX_TIME_LIMIT_S:
        r.bad(
            "time_limit_s",
            f"must be at most {MAX_TIME_LIMIT_S:.0f} seconds (7 days), got {time_limit_s!r}",
        )
    relative_gap = r.number("relative_gap", 0.0)
    unknown = [
        Problem(f"unknown key; expected one of {', '.join(sorted(TOP_KEYS))}", source, column=key)
        for key in sorted(set(doc) - set(TOP_KEYS))
    ]
    problems = unknown + r.problems + k.problems + d.problems
    if problems or landstal is None:
        raise InputError(problems)
    try:
        spec = SimulationSpec(
            years=years,
            landstal=landstal,
            uncertainty=uncertainty,
            data_year=data_year,
            method=method,
            mode=mode,
            weeks=weeks,
            carry_over=carry_over,
            time_limit_s=time_limit_s,
            relative_gap=relative_gap,
            quota_rule=quota_rule,
            source=source,
        )
    except InputError as exc:
        raise InputError(exc.problems) from None
    _check_size(spec)
    return Parsed(spec, seed)


def _check_size(spec: SimulationSpec) -> None:
    """No year may hold more than :data:`MAX_PERSONS` persons (the draws' memory and time)."""
    most = most_persons(spec)
    if most > MAX_PERSONS:
        raise InputError(
            Problem(
                f"a year could have up to {most:,.0f} persons as landstal or arrivals (landstal "
                "× the largest revision_multipliers ^ max_revisions × the largest "
                f"arrival_ratios); at most {MAX_PERSONS:,} are supported",
                spec.source,
                column="simulering",
            )
        )


#: Keys of ``[kvoter]`` that change the quotas and that a simulation does not apply.
UNUSED_KVOTER = frozenset({"agreements", "overrides", "volunteers", "revisions"})


def _data_year(r: _Reader, d: _Reader, k: _Reader, years: tuple[int, ...]) -> int | None:
    """``simulering.data_year``, else ``data.year``, else ``kvoter.data_year``: a year of the
    embedded data (a problem of the key that gave it).  Without one, the data a year's quotas
    are computed on (§ 4: 1 January of the year before), for the first simulated year: the
    newest embedded vintage not after that date.  Regression (simulate audit, stop 26): the
    newest vintage was used, so 2026 was simulated on the population of 1 January 2026."""
    given = [
        (reader, key, reader.integer(key))
        for reader, key in ((r, "data_year"), (d, "year"), (k, "data_year"))
        if key in reader.section
    ]
    vintages = embedded.data_years()
    if not given:
        return max((y for y in vintages if y < years[0]), default=min(vintages))
    if given[0][2] is None:
        return None
    reader, key, year = given[0]
    if year not in vintages:
        reader.bad(
            key, f"expected one of the embedded years {', '.join(map(str, vintages))}, got {year}"
        )
    return year


def _choice(r: _Reader, key: str, kind: Any, default: Any) -> Any:
    value = r.section.get(key)
    if value is None:
        return default
    try:
        return kind(value)
    except ValueError:
        r.bad(key, f"unknown {key} {value!r}; one of {', '.join(m.value for m in kind)}")
        return default


def _years(r: _Reader, history: Mapping[int, tuple[int, ...]]) -> tuple[int, ...]:
    value = r.section.get("years")
    latest = max(history) if history else 0
    if value is None:
        return (latest,)
    if (
        not isinstance(value, list)
        or len(value) != 2
        or any(isinstance(v, bool) or not isinstance(v, int) for v in value)
        or value[0] > value[1]
    ):
        r.bad("years", f"must be [first, last] with first ≤ last, got {value!r}")
        return (latest,)
    if value[1] - value[0] >= MAX_YEARS:
        r.bad("years", f"must span at most {MAX_YEARS} years, got {value[1] - value[0] + 1}")
        return (latest,)
    return tuple(range(value[0], value[1] + 1))


def _landstal(
    r: _Reader,
    k: _Reader,
    years: tuple[int, ...],
    history: Mapping[int, tuple[int, ...]],
) -> tuple[int, ...] | None:
    value = r.section.get("landstal")
    if value is None and len(years) == 1:  # [kvoter] describes one year
        value = k.section.get("landstal")
    key = "landstal"
    if value is None and len(years) > 1:
        missing = [y for y in years if y not in history]
        if missing:
            r.bad(
                "years",
                f"no landstal in the history for {_listed(missing)}; "
                "give landstal = [...] with one per year",
            )
            return None
        return tuple(history[y][0] for y in years)
    if value is None:
        value = history[years[0]][0] if years[0] in history else None
        if value is None:
            r.bad(key, "no landstal given and none in the history for the year")
            return None
    values = value if isinstance(value, list) else [value]
    if any(isinstance(v, bool) or not isinstance(v, int) or v <= 0 for v in values):
        r.bad(key, f"must be a positive whole number or a list of them, got {value!r}")
        return None
    if len(values) == 1 and len(years) > 1:
        values = values * len(years)
    return tuple(values)


def _listed(years: list[int]) -> str:
    """``2020, 2021, 2022``; beyond :data:`MAX_LISTED` years, the first and how many more."""
    shown = ", ".join(map(str, years[:MAX_LISTED]))
    more = len(years) - MAX_LISTED
    return f"{shown} and {more} more" if more > 0 else shown


def load_simulation(path: Path) -> Parsed:
    """Read and validate the ``[simulering]`` of the scenario file at ``path``, against the
    embedded landstal and placement history.

    Raises
    ------
    InputError
        If the file cannot be read, is not UTF-8, or has problems (each naming its key).
    """
    text = io.read_scenario_text(path)
    return parse_simulation(text, str(path), embedded.landstal_history(), embedded.placed_history())
