"""The ``[visitering]`` part of a scenario: weights and parameters of the placement model::

    [visitering.weights]
    employment = 2
    close_family = 5

    [visitering.parameters]
    capacity_tolerance = 0
    time_limit_s = 30

``visitering assign --scenario FILE`` reads only this part; ``visitering scenario run`` reads the
whole file (:mod:`visitering.scenario.schema`).  Both reject a key no section of a scenario has,
so that a misspelt table (``[weights]`` for ``[visitering.weights]``) is never silently ignored.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from visitering import io
from visitering.assignment.problem import Parameters, Weights
from visitering.errors import InputError, Problem
from visitering.scenario.checks import Checker

#: The top-level keys of a scenario file.  ``simulering`` is read and validated by
#: :mod:`visitering.simulering.parse` (``visitering simulate``).
TOP_KEYS = ("name", "description", "data", "kvoter", "visitering", "cases", "simulering")


@dataclass(frozen=True, slots=True)
class VisiteringSettings:
    """Weights (§ 12 soft terms and municipal wishes) and parameters of the placement model."""

    weights: Weights
    parameters: Parameters


def check_visitering(c: Checker, section: dict[str, Any]) -> VisiteringSettings | None:
    """Validate a ``[visitering]`` table; defaults for what it leaves out."""
    c.unknown(section, ("weights", "parameters"), "visitering.")
    built: dict[str, Any] = {}
    ok = True
    for name, cls in (("weights", Weights), ("parameters", Parameters)):
        given = c.table(section, name, f"visitering.{name}") or {}
        c.unknown(given, (f.name for f in fields(cls)), f"visitering.{name}.")
        known = {f.name for f in fields(cls)}
        values = {
            k: (_tiers(v) if k == "pace_tiers" else v) for k, v in given.items() if k in known
        }
        try:
            built[name] = cls(**values)
        except InputError as exc:
            ok = False
            for p in exc.problems:
                c.add(f"visitering.{name}.{p.column}", p.message)
        except TypeError as exc:
            ok = False
            c.add(f"visitering.{name}", str(exc))
    if not ok:
        return None
    return VisiteringSettings(built["weights"], built["parameters"])


def parse_visitering_settings(text: str, source: str) -> VisiteringSettings:
    """Validate the ``[visitering]`` part of a scenario (other sections are only named).

    A file without that part is an error: reading it would leave every weight at its default
    while the user believes the file's settings apply.
    """
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InputError(Problem(f"not valid TOML ({exc})", source)) from None
    c = Checker(source)
    c.unknown(doc, TOP_KEYS, "")
    if "visitering" not in doc:
        c.add(
            "visitering",
            "missing; the placement settings are read from [visitering.weights] and "
            "[visitering.parameters]",
        )
        raise InputError(c.problems)
    section = c.table(doc, "visitering", "visitering") or {}
    settings = check_visitering(c, section)
    if c.problems or settings is None:
        raise InputError(c.problems)
    return settings


def _tiers(value: Any) -> Any:
    """TOML has no tuples: ``pace_tiers = [[1.0, 5], [1.5, 20]]`` becomes pairs.

    Anything else (``[1, 2]``, ``[[1.0]]``, ``"abc"``) is passed on as written, for
    :class:`Parameters` to report as the file has it.
    """
    if isinstance(value, list) and all(isinstance(t, list) and len(t) == 2 for t in value):
        return tuple((m, q) for m, q in value)
    return value


def load_visitering_settings(path: Path) -> VisiteringSettings:
    """Read the ``[visitering]`` weights and parameters of a scenario file."""
    text = io.read_scenario_text(path)
    return parse_visitering_settings(text, str(path))
