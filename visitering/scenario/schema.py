"""Scenario files: TOML under ``scenarios/`` validated into one :class:`Scenario` tree.

A scenario says everything a what-if needs, so that anyone can re-run it exactly::

    name = "2016: 12,000 -> 17,000 -> 7,500"
    description = "..."

    [data]
    year = 2015                 # embedded population vintage, or:
    # inputs = "inputs.csv"     # kommunekode, befolkning, indvandrere, familiesammenfoerte

    [kvoter]
    landstal = 12000
    method = "sainte-lague"
    before_2018 = true          # the 50 % threshold of § 2 stk. 5 before 2018
    revisions = [
      { landstal = 17000, note = "opjusteret (efterår 2015)" },
      { landstal = 7500, date = 2016-08-31 },
    ]
    volunteers = { 851 = 150 }  # § 7 stk. 9; or a file "volunteers.csv"
    agreements = { 825 = 0, 860 = 10 }   # §§ 5-6, a whole region's split; or a file
    overrides = [{ kode = 101, kvote = 50, begrundelse = "..." }]  # § 4 stk. 6 / § 7 stk. 6

    [visitering.weights]        # § 12 soft terms (see visitering.assignment.problem.Weights)
    employment = 2
    [visitering.parameters]
    time_limit_s = 10

    [cases]
    synthetic = { n = 40, seed = 1 }     # or: file = "cases.csv"

Files named in a scenario are relative to the scenario file.  Parsing takes text and a reader
for the referenced files (:func:`visitering.io.read_input` when loaded from disk); every problem
is reported at once, each naming the file and the dotted key path, and unknown keys are errors.
"""

from __future__ import annotations

import datetime as dt
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import pairwise
from pathlib import Path
from typing import Any

from visitering import io
from visitering.cases import Case
from visitering.domain import Fordelingsgrundlag, Kommuner
from visitering.errors import InputError, Problem
from visitering.formats import csvtext
from visitering.kvoter.apportionment import Method
from visitering.kvoter.beregning import Aftale, Afvigelse, Kilde
from visitering.scenario.checks import Checker
from visitering.scenario.settings import VisiteringSettings, check_visitering

Reader = Callable[[Path], bytes]
"""Reads a file a scenario refers to (the CLI passes :func:`visitering.io.read_input`)."""

TOP_KEYS = ("name", "description", "data", "kvoter", "visitering", "cases")
DATA_KEYS = ("year", "inputs")
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
CASES_KEYS = ("file", "synthetic")
SYNTHETIC_KEYS = ("n", "seed")


@dataclass(frozen=True, slots=True)
class Landstal:
    """One landstal in a year's path: the first announcement or a revision (§ 2 stk. 5-6)."""

    landstal: int
    date: dt.date | None = None
    note: str = ""


@dataclass(frozen=True, slots=True)
class DataSpec:
    """Which figures the § 4 key uses: an embedded vintage (``year``) or a user's file."""

    year: int | None = None
    inputs: str | None = None
    """The inputs file as written in the scenario (relative to it)."""
    grundlag: Fordelingsgrundlag | None = field(default=None, compare=False, repr=False)
    """The inputs file, read and validated when the scenario was loaded."""

    def load(self) -> Fordelingsgrundlag:
        """The figures: the inputs file's, or the embedded proxy data for ``year``."""
        if self.grundlag is not None:
            return self.grundlag
        from visitering.inputs.embedded import embedded_grundlag

        return embedded_grundlag(self.year)


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


@dataclass(frozen=True, slots=True)
class CaseSpec:
    """Where a scenario's cases come from: a cases CSV or the synthetic generator."""

    file: str | None = None
    cases: tuple[Case, ...] | None = field(default=None, compare=False, repr=False)
    """The cases file, read and validated when the scenario was loaded."""
    n: int = 0
    seed: int = 0

    @property
    def label(self) -> str:
        if self.file is not None:
            return f"cases file {self.file}"
        return f"synthetic cases (n = {self.n}, seed = {self.seed})"


@dataclass(frozen=True, slots=True)
class Scenario:
    """A validated what-if."""

    name: str
    description: str
    source: str
    data: DataSpec
    kvoter: KvoteSpec | None
    visitering: VisiteringSettings | None
    cases: CaseSpec | None


def parse_scenario(
    text: str,
    source: str,
    kommuner: Kommuner,
    read: Reader | None = None,
    base: Path | None = None,
) -> Scenario:
    """Validate a scenario document.

    Parameters
    ----------
    text, source:
        The TOML text and the file it came from (named in every problem).
    kommuner:
        The municipality list that kommunekoder are checked against.
    read, base:
        Reader and directory for the files the scenario names; without a reader a file
        reference is a problem.

    Raises
    ------
    InputError
        With every problem found, each naming ``source`` and the dotted key path.
    """
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InputError(Problem(f"not valid TOML ({exc})", source)) from None
    c = Checker(source)
    files = _Files(c, read, base)
    c.unknown(doc, TOP_KEYS, "")
    name = c.text(doc.get("name", Path(source).stem), "name")
    description = c.text(doc.get("description", ""), "description")
    data = _data(c, files, doc, kommuner)
    kvoter_table = c.table(doc, "kvoter", "kvoter")
    kvoter = _kvoter(c, files, kvoter_table, kommuner) if kvoter_table is not None else None
    visitering = None
    if c.table(doc, "visitering", "visitering") is not None:
        visitering = check_visitering(c, doc["visitering"])
    cases_table = c.table(doc, "cases", "cases")
    cases = _cases(c, files, cases_table, kommuner) if cases_table is not None else None
    if cases_table is not None and kvoter_table is None:
        c.add("cases", "placing cases needs a [kvoter] section for the quotas")
    if not {"kvoter", "visitering"} & set(doc):
        c.add("", "a scenario needs a [kvoter] or a [visitering] section")
    if c.problems:
        raise InputError(c.problems)
    return Scenario(
        name=name or "",
        description=(description or "").strip(),
        source=source,
        data=data,
        kvoter=kvoter,
        visitering=visitering,
        cases=cases,
    )


def load_scenario(path: Path) -> Scenario:
    """Read and validate a scenario file (and the files it names) against the embedded
    municipality list."""
    from visitering.inputs.embedded import kommuner

    try:
        text = io.read_input(path).decode("utf-8")
    except UnicodeDecodeError:
        raise InputError(Problem("a scenario file must be UTF-8 text", str(path))) from None
    return parse_scenario(text, str(path), kommuner(), io.read_input, path.parent)


class _Files:
    """Reads the CSV files a scenario names; their own problems keep their file, row, column."""

    def __init__(self, checker: Checker, read: Reader | None, base: Path | None) -> None:
        self.checker, self.read, self.base = checker, read, base

    def table(
        self, name: str, key: str, aliases: dict[str, str] | None = None
    ) -> csvtext.Table | None:
        if self.read is None:
            self.checker.add(key, "a file can only be named in a scenario read from a file")
            return None
        path = (self.base or Path()) / name
        try:
            text, encoding = csvtext.decode(self.read(path), str(path))
            return csvtext.parse(text, str(path), aliases=aliases, encoding=encoding)
        except InputError as exc:
            self.checker.problems.extend(exc.problems)
            return None

    def load(self, name: str, key: str, convert: Callable[[csvtext.Table], Any]) -> Any:
        table = self.table(name, key)
        if table is None:
            return None
        try:
            return convert(table)
        except InputError as exc:
            self.checker.problems.extend(exc.problems)
            return None


def _data(c: Checker, files: _Files, doc: dict[str, Any], kommuner: Kommuner) -> DataSpec:
    from visitering.inputs import embedded, tables

    section = c.table(doc, "data", "data") or {}
    c.unknown(section, DATA_KEYS, "data.")
    if "year" in section and "inputs" in section:
        c.add("data", "give either year or inputs, not both")
        return DataSpec()
    if "inputs" in section:
        name = c.text(section["inputs"], "data.inputs")
        if name is None:
            return DataSpec()
        table = files.table(name, "data.inputs", tables.INPUT_ALIASES)
        grundlag = None
        if table is not None:
            try:
                grundlag = tables.read_fordelingsgrundlag(table, kommuner)
            except InputError as exc:
                c.problems.extend(exc.problems)
        return DataSpec(inputs=name, grundlag=grundlag)
    year = section.get("year")
    if year is None:
        return DataSpec()
    years = embedded.data_years()
    if isinstance(year, bool) or year not in years:
        c.expected("data.year", f"one of the embedded years {', '.join(map(str, years))}", year)
        return DataSpec()
    return DataSpec(year=year)


def _landstal(c: Checker, table: dict[str, Any], key: str, known: tuple[str, ...]) -> Landstal:
    c.unknown(table, known, f"{key}.")
    landstal = c.whole(table.get("landstal"), f"{key}.landstal")
    date = c.date(table["date"], f"{key}.date") if "date" in table else None
    note = c.text(table["note"], f"{key}.note") if "note" in table else ""
    return Landstal(landstal or 0, date, note or "")


def _kvoter(c: Checker, files: _Files, section: dict[str, Any], kommuner: Kommuner) -> KvoteSpec:
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
    dated = [(s.date, i) for i, s in enumerate((first, *revisions)) if s.date is not None]
    for (earlier, _), (later, i) in pairwise(dated):
        if later < earlier:
            where = "kvoter.date" if i == 0 else f"kvoter.revisions[{i - 1}].date"
            c.add(where, f"{later.isoformat()} is before the previous step's {earlier.isoformat()}")

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
    files: _Files,
    section: dict[str, Any],
    name: str,
    kommuner: Kommuner,
    read_file: Callable[[csvtext.Table, Kommuner], dict[int, int]],
) -> dict[int, int] | None:
    """An inline ``{kommunekode = number}`` table, or a file read by ``read_file``."""
    key = f"kvoter.{name}"
    value = section.get(name)
    if value is None:
        return {}
    if isinstance(value, str):
        loaded: dict[int, int] | None = files.load(value, key, lambda t: read_file(t, kommuner))
        return loaded
    if not isinstance(value, dict):
        c.expected(key, "a table {kommunekode = number} or a file name", value)
        return None
    out: dict[int, int] = {}
    for code, n in value.items():
        if not code.isdigit() or int(code) not in kommuner:
            c.add(f"{key}.{code}", "not a kommunekode")
            continue
        number = c.whole(n, f"{key}.{code}", minimum=0)
        if number is not None:
            out[int(code)] = number
    return out


def _agreements(
    c: Checker, files: _Files, section: dict[str, Any], kommuner: Kommuner
) -> list[Aftale] | None:
    from visitering.inputs import tables

    value = section.get("agreements")
    if isinstance(value, str):
        loaded: list[Aftale] | None = files.load(
            value, "kvoter.agreements", lambda t: tables.read_aftaler(t, kommuner)
        )
        return loaded
    codes = _codes(c, files, section, "agreements", kommuner, lambda t, k: {})
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
    c: Checker, files: _Files, section: dict[str, Any], kommuner: Kommuner
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


def _cases(
    c: Checker, files: _Files, section: dict[str, Any], kommuner: Kommuner
) -> CaseSpec | None:
    from visitering.inputs.cases import read_cases

    c.unknown(section, CASES_KEYS, "cases.")
    if ("file" in section) == ("synthetic" in section):
        c.add("cases", "give exactly one of file or synthetic")
        return None
    if "file" in section:
        name = c.text(section["file"], "cases.file")
        if name is None:
            return None
        cases = files.load(name, "cases.file", lambda t: read_cases(t, kommuner))
        return CaseSpec(file=name, cases=tuple(cases) if cases is not None else None)
    synthetic = c.table(section, "synthetic", "cases.synthetic")
    if synthetic is None:
        return None
    c.unknown(synthetic, SYNTHETIC_KEYS, "cases.synthetic.")
    n = c.whole(synthetic.get("n"), "cases.synthetic.n")
    seed = c.whole(synthetic.get("seed", 0), "cases.synthetic.seed", minimum=0)
    if n is None or seed is None:
        return None
    return CaseSpec(n=n, seed=seed)
