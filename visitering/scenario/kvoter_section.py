"""The ``[kvoter]`` section of a scenario: the landstal path, method, volunteers, agreements and
deviations (BEK nr. 550/2022 §§ 4-7, revisions § 2 stk. 5-6 and § 7 stk. 8-11)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Any

from visitering.domain import Kommuner
from visitering.formats import csvtext
from visitering.kvoter.apportionment import Method
from visitering.kvoter.beregning import Aftale, Afvigelse, Kilde, sequential_limit
from visitering.scenario.checks import Checker, FileRefs

KVOTER_KEYS = (
    "landstal",
    "date",
    "note",
    "method",
    "before_2018",
    "revisions",
    "volunteers",
    "agreements",
    "overrides",
)
REVISION_KEYS = ("landstal", "date", "note")
#: From this date a change of the landstal is judged by today's thresholds (§ 2 stk. 5).
RULES_OF_2018 = dt.date(2018, 1, 1)


@dataclass(frozen=True, slots=True)
class Landstal:
    """One landstal in a year's path: the first announcement or a revision (§ 2 stk. 5-6)."""

    landstal: int
    date: dt.date | None = None
    note: str = ""


@dataclass(frozen=True, slots=True)
class KvoteSpec:
    """The quota part of a scenario (§§ 4-7 and the revisions of § 7 stk. 8-11)."""

    first: Landstal
    method: Method = Method.LARGEST_REMAINDER
    revisions: tuple[Landstal, ...] = ()
    before_2018: bool = False
    volunteers: dict[int, int] = field(default_factory=dict)
    agreements: tuple[Aftale, ...] = ()
    overrides: tuple[Afvigelse, ...] = ()

    @property
    def landstal(self) -> int:
        """The landstal first announced."""
        return self.first.landstal

    @property
    def path(self) -> tuple[Landstal, ...]:
        """The first landstal and every revision, in order."""
        return (self.first, *self.revisions)


def _landstal(c: Checker, table: dict[str, Any], key: str, known: tuple[str, ...]) -> Landstal:
    c.unknown(table, known, f"{key}.")
    landstal = c.whole(table.get("landstal"), f"{key}.landstal")
    date = c.date(table["date"], f"{key}.date") if "date" in table else None
    note = c.text(table["note"], f"{key}.note") if "note" in table else ""
    return Landstal(landstal or 0, date, note or "")


def parse_kvoter(
    c: Checker, files: FileRefs, section: dict[str, Any], kommuner: Kommuner
) -> KvoteSpec:
    from visitering.inputs import tables

    n_before = len(c.problems)
    first = _landstal(c, section, "kvoter", KVOTER_KEYS)
    try:
        method = Method(section.get("method", Method.LARGEST_REMAINDER))
    except ValueError:
        c.expected(
            "kvoter.method", f"one of {', '.join(m.value for m in Method)}", section["method"]
        )
        method = Method.LARGEST_REMAINDER
    before_2018 = c.flag(section.get("before_2018", False), "kvoter.before_2018")
    revisions: list[Landstal] = []
    raw = section.get("revisions", [])
    if not isinstance(raw, list):
        c.expected("kvoter.revisions", "a list of tables such as [{landstal = 7500}]", raw)
        raw = []
    for i, step in enumerate(raw):
        key = f"kvoter.revisions[{i}]"
        if not isinstance(step, dict):
            c.expected(key, "a table such as {landstal = 7500, date = 2016-08-31}", step)
            continue
        revisions.append(_landstal(c, step, key, REVISION_KEYS))
    for i, step in enumerate((first, *revisions)):
        # Named by its key in this file (regression, scenario audit, stop 27: the quota
        # engine's own message named neither).
        key = "kvoter.landstal" if i == 0 else f"kvoter.revisions[{i - 1}].landstal"
        if too_many := sequential_limit(method, step.landstal, "a landstal", key):
            c.add(key, too_many.message)
    dated = [(s.date, i) for i, s in enumerate((first, *revisions)) if s.date is not None]
    for (earlier, _), (later, i) in pairwise(dated):
        if later < earlier:
            where = "kvoter.date" if i == 0 else f"kvoter.revisions[{i - 1}].date"
            c.add(where, f"{later.isoformat()} is before the previous step's {earlier.isoformat()}")
    old_rules = [s.date for s in revisions if s.date is not None and s.date < RULES_OF_2018]
    if old_rules and "before_2018" not in section:
        # § 2 stk. 5's thresholds changed in 2018: a change dated before must say which apply.
        c.add(
            "kvoter.before_2018",
            f"missing: the path changes the landstal before 2018 ({old_rules[0].isoformat()}); "
            "say "
            "before_2018 = true (the 50 % threshold then in force) or false (today's 40 % and "
            "25 %)",
        )

    volunteers = _codes(c, files, section, "volunteers", kommuner, tables.read_frivillige)
    agreements = _agreements(c, files, section, kommuner)
    overrides = _overrides(c, files, section, kommuner)
    if len(c.problems) > n_before:
        return KvoteSpec(first)
    return KvoteSpec(
        first,
        method,
        tuple(revisions),
        bool(before_2018),
        volunteers or {},
        tuple(agreements or ()),
        tuple(overrides or ()),
    )


def _codes(
    c: Checker,
    files: FileRefs,
    section: dict[str, Any],
    name: str,
    kommuner: Kommuner,
    read_file: Callable[[csvtext.Table, Kommuner], Any],
) -> Any:
    """``kvoter.<name>``: a file read by ``read_file``, or an inline ``{kommunekode = n}``."""
    key = f"kvoter.{name}"
    value = section.get(name)
    if isinstance(value, str):
        return files.load(value, key, lambda t: read_file(t, kommuner))
    return _inline_codes(c, value, key, kommuner)


def _inline_codes(c: Checker, value: Any, key: str, kommuner: Kommuner) -> dict[int, int] | None:
    if value is None:
        return {}
    if not isinstance(value, dict):
        c.expected(key, "a table {kommunekode = number} or a file name", value)
        return None
    out: dict[int, int] = {}
    for name, n in value.items():
        code = csvtext.ascii_int(name)
        if code is None or code not in kommuner:
            c.add(f"{key}.{name}", "not a kommunekode")
            continue
        number = c.whole(n, f"{key}.{name}", minimum=0)
        if number is not None:
            out[code] = number
    return out


def _agreements(
    c: Checker, files: FileRefs, section: dict[str, Any], kommuner: Kommuner
) -> list[Aftale] | None:
    """§§ 5-6 agreements: a file, or inline codes grouped by region (each checked to cover its
    region and sum to the region quota when the quotas are computed)."""
    from visitering.inputs import tables

    value = section.get("agreements")
    if isinstance(value, str):
        loaded: list[Aftale] | None = files.load(
            value, "kvoter.agreements", lambda t: tables.read_aftaler(t, kommuner)
        )
        return loaded
    codes = _inline_codes(c, value, "kvoter.agreements", kommuner)
    if codes is None:
        return None
    by_region: dict[int, dict[int, int]] = {}
    for code, quota in codes.items():
        by_region.setdefault(kommuner[code].region.kode, {})[code] = quota
    return [
        Aftale(
            kommuner.region(r),
            by_region[r],
            {k: Kilde(f"{c.source}, kvoter.agreements.{k}") for k in by_region[r]},
            f"{c.source}, kvoter.agreements",
        )
        for r in sorted(by_region)
    ]


def _overrides(
    c: Checker, files: FileRefs, section: dict[str, Any], kommuner: Kommuner
) -> list[Afvigelse] | None:
    from visitering.inputs import tables

    value = section.get("overrides")
    key = "kvoter.overrides"
    if value is None:
        return []
    if isinstance(value, str):
        loaded: list[Afvigelse] | None = files.load(
            value, key, lambda t: tables.read_afvigelser(t, kommuner)
        )
        return loaded
    if not isinstance(value, list):
        c.expected(key, "a list of tables {kode, kvote, begrundelse} or a file name", value)
        return None
    regions = {r.kode for r in kommuner.regioner}
    out = []
    for i, item in enumerate(value):
        where = f"{key}[{i}]"
        if not isinstance(item, dict):
            c.expected(where, "a table {kode = ..., kvote = ..., begrundelse = ...}", item)
            continue
        c.unknown(item, ("kode", "kvote", "begrundelse"), f"{where}.")
        code = item.get("kode")
        if (
            isinstance(code, bool)
            or not isinstance(code, int)
            or (code not in kommuner and code not in regions)
        ):
            c.expected(f"{where}.kode", "a kommunekode or a regionskode", code)
            code = None
        quota = c.whole(item.get("kvote"), f"{where}.kvote", minimum=0)
        reason = c.text(item.get("begrundelse"), f"{where}.begrundelse")
        if reason is not None and not reason.strip():
            c.add(f"{where}.begrundelse", "a deviation needs a reason")
            reason = None
        if code is not None and quota is not None and reason:
            kilde = Kilde(f"{c.source}, {where}")
            out.append(Afvigelse(code, quota, reason, kilde, gaelder_region=code in regions))
    return out
