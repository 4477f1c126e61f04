"""What-if scenarios: TOML files under ``scenarios/`` validated into :class:`Scenario`.

A scenario names a landstal, optionally a data vintage, a rounding method, a chain of revisions
with volunteers, and KKR agreements, so that a researcher can re-run a what-if exactly::

    name = "2016: 12,000 -> 17,000 -> 7,500"
    [kvoter]
    landstal = 12000
    data_year = 2015
    method = "sainte-lague"
    revisions = [17000, 7500]
    before_2018 = true
    volunteers = { 851 = 200 }
    agreements = { 825 = 0, 860 = 10 }   # replaces a whole region's split (§§ 5-6)

Parsing takes text (the file is read by :mod:`visitering.io`); every problem is reported at once.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from visitering import io
from visitering.assignment.problem import Parameters, Weights
from visitering.domain import Fordelingsgrundlag, Kommuner
from visitering.errors import InputError, Problem
from visitering.kvoter.apportionment import Method
from visitering.kvoter.beregning import Aftale, Kvoteberegning, beregn_kvoter
from visitering.kvoter.revision import Revision, revider

_KNOWN = {"landstal", "data_year", "method", "revisions", "before_2018", "volunteers", "agreements"}


@dataclass(frozen=True, slots=True)
class Scenario:
    """A validated quota what-if."""

    name: str
    description: str
    landstal: int
    data_year: int | None = None
    method: Method = Method.LARGEST_REMAINDER
    revisions: tuple[int, ...] = ()
    before_2018: bool = False
    volunteers: dict[int, int] = field(default_factory=dict)
    agreements: dict[int, int] = field(default_factory=dict)
    raw: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)
    """The whole TOML document, for sections other packages read (e.g. visitering weights)."""


def parse_scenario(text: str, source: str, kommuner: Kommuner) -> Scenario:
    """Validate a scenario document."""
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InputError(Problem(f"not valid TOML ({exc})", source)) from None
    problems: list[Problem] = []
    section = doc.get("kvoter", {})
    if not isinstance(section, dict):
        raise InputError(Problem("[kvoter] must be a table", source))
    for key in sorted(set(section) - _KNOWN):
        problems.append(Problem(f"unknown key {key!r}", source, column=f"kvoter.{key}"))

    def positive_int(key: str, value: Any) -> int | None:
        if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
            problems.append(
                Problem(
                    f"must be a positive whole number, got {value!r}",
                    source,
                    column=f"kvoter.{key}",
                )
            )
            return None
        return value

    def code_map(key: str) -> dict[int, int]:
        out: dict[int, int] = {}
        for code, n in section.get(key, {}).items():
            if not code.isdigit() or int(code) not in kommuner:
                problems.append(
                    Problem(f"{code!r} is not a kommunekode", source, column=f"kvoter.{key}")
                )
            elif isinstance(n, bool) or not isinstance(n, int) or n < 0:
                problems.append(
                    Problem(
                        f"{code}: must be a whole number >= 0, got {n!r}",
                        source,
                        column=f"kvoter.{key}",
                    )
                )
            else:
                out[int(code)] = n
        return out

    landstal = positive_int("landstal", section.get("landstal"))
    revisions = [positive_int("revisions", v) for v in section.get("revisions", [])]
    try:
        method = Method(section.get("method", Method.LARGEST_REMAINDER))
    except ValueError:
        problems.append(
            Problem(
                f"unknown method {section.get('method')!r}; one of "
                f"{', '.join(m.value for m in Method)}",
                source,
                column="kvoter.method",
            )
        )
        method = Method.LARGEST_REMAINDER
    data_year = section.get("data_year")
    if data_year is not None:
        data_year = positive_int("data_year", data_year)
    volunteers, agreements = code_map("volunteers"), code_map("agreements")
    if problems or landstal is None:
        raise InputError(
            problems or [Problem("landstal is required", source, column="kvoter.landstal")]
        )
    return Scenario(
        name=str(doc.get("name", source)),
        description=str(doc.get("description", "")),
        landstal=landstal,
        data_year=data_year,
        method=method,
        revisions=tuple(r for r in revisions if r is not None),
        before_2018=bool(section.get("before_2018", False)),
        volunteers=volunteers,
        agreements=agreements,
        raw=doc,
    )


def load_scenario(path: Path) -> Scenario:
    """Read and validate a scenario file against the embedded municipality list."""
    from visitering.inputs.embedded import kommuner

    try:
        text = io.read_input(path).decode("utf-8")
    except UnicodeDecodeError:
        raise InputError(Problem("a scenario file must be UTF-8 text", str(path))) from None
    return parse_scenario(text, str(path), kommuner())


def run_quotas(
    scenario: Scenario, grundlag: Fordelingsgrundlag, kommuner: Kommuner
) -> tuple[Kvoteberegning, Revision | None]:
    """The scenario's quotas and, if it has revisions, the revision chain."""
    by_region: dict[int, dict[int, int]] = {}
    for code, quota in scenario.agreements.items():
        by_region.setdefault(kommuner[code].region.kode, {})[code] = quota
    aftaler = [Aftale(kommuner.region(r), q, source=scenario.name) for r, q in by_region.items()]
    result = beregn_kvoter(grundlag, scenario.landstal, scenario.method, aftaler)
    revision = None
    if scenario.revisions:
        revision = revider(
            grundlag,
            scenario.landstal,
            scenario.revisions,
            scenario.method,
            scenario.volunteers,
            scenario.before_2018,
        )
    return result, revision


@dataclass(frozen=True, slots=True)
class VisiteringSettings:
    """Weights and parameters of the placement model from a scenario's ``[visitering]`` part::

    [visitering.weights]
    employment = 2
    close_family = 5

    [visitering.parameters]
    capacity_tolerance = 0
    time_limit_s = 30
    """

    weights: Weights
    parameters: Parameters


def parse_visitering_settings(text: str, source: str) -> VisiteringSettings:
    """Validate the ``[visitering]`` part of a scenario; defaults for what it leaves out."""
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InputError(Problem(f"not valid TOML ({exc})", source)) from None
    section = doc.get("visitering", {})
    problems: list[Problem] = []
    built: dict[str, Any] = {}
    for name, cls in (("weights", Weights), ("parameters", Parameters)):
        given = section.get(name, {})
        known = {f.name for f in fields(cls)}
        for key in sorted(set(given) - known):
            problems.append(
                Problem(
                    f"unknown key {key!r}; known: {', '.join(sorted(known))}",
                    source,
                    column=f"visitering.{name}.{key}",
                )
            )
        values = {
            k: (_tiers(v) if k == "pace_tiers" else v) for k, v in given.items() if k in known
        }
        try:
            built[name] = cls(**values)
        except InputError as exc:
            problems.extend(
                Problem(p.message, source, column=f"visitering.{name}.{p.column}")
                for p in exc.problems
            )
        except TypeError as exc:
            problems.append(Problem(str(exc), source, column=f"visitering.{name}"))
    if problems:
        raise InputError(problems)
    return VisiteringSettings(built["weights"], built["parameters"])


def _tiers(value: Any) -> Any:
    """TOML has no tuples: ``pace_tiers = [[1.0, 5], [1.5, 20]]``."""
    return tuple(tuple(t) for t in value) if isinstance(value, list) else value


def load_visitering_settings(path: Path) -> VisiteringSettings:
    """Read the ``[visitering]`` weights and parameters of a scenario file."""
    try:
        text = io.read_input(path).decode("utf-8")
    except UnicodeDecodeError:
        raise InputError(Problem("a scenario file must be UTF-8 text", str(path))) from None
    return parse_visitering_settings(text, str(path))
