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

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from visitering import io
from visitering.cases import Case
from visitering.domain import Fordelingsgrundlag, Kommuner
from visitering.errors import InputError, Problem
from visitering.scenario.checks import Checker, FileRefs, Reader
from visitering.scenario.kvoter_section import KvoteSpec, parse_kvoter
from visitering.scenario.settings import TOP_KEYS, VisiteringSettings, check_visitering
from visitering.synth import MAX_CASES

DATA_KEYS = ("year", "inputs")
CASES_KEYS = ("file", "synthetic")
SYNTHETIC_KEYS = ("n", "seed")


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
    files = FileRefs(c, read, base)
    c.unknown(doc, TOP_KEYS, "")
    name = c.text(doc.get("name", Path(source).stem), "name")
    description = c.text(doc.get("description", ""), "description")
    data = _data(c, files, doc, kommuner)
    kvoter_table = c.table(doc, "kvoter", "kvoter")
    kvoter = parse_kvoter(c, files, kvoter_table, kommuner) if kvoter_table is not None else None
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

    text = io.read_scenario_text(path)
    return parse_scenario(text, str(path), kommuner(), io.read_input, path.parent)


def _data(c: Checker, files: FileRefs, doc: dict[str, Any], kommuner: Kommuner) -> DataSpec:
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


def _cases(
    c: Checker, files: FileRefs, section: dict[str, Any], kommuner: Kommuner
) -> CaseSpec | None:
    from visitering.inputs.cases import CASE_COLUMNS, read_cases

    c.unknown(section, CASES_KEYS, "cases.")
    if ("file" in section) == ("synthetic" in section):
        c.add("cases", "give exactly one of file or synthetic")
        return None
    if "file" in section:
        name = c.text(section["file"], "cases.file")
        if name is None:
            return None
        cases = files.load(name, "cases.file", lambda t: read_cases(t, kommuner), CASE_COLUMNS)
        return CaseSpec(file=name, cases=tuple(cases) if cases is not None else None)
    synthetic = c.table(section, "synthetic", "cases.synthetic")
    if synthetic is None:
        return None
    c.unknown(synthetic, SYNTHETIC_KEYS, "cases.synthetic.")
    n = c.whole(synthetic.get("n"), "cases.synthetic.n")
    seed = c.whole(synthetic.get("seed", 0), "cases.synthetic.seed", minimum=0)
    if n is not None and n > MAX_CASES:
        c.add("cases.synthetic.n", f"must be at most {MAX_CASES:,} (six-digit case ids), got {n:,}")
        return None
    if n is None or seed is None:
        return None
    return CaseSpec(n=n, seed=seed)
