"""Validation of user-supplied tables into domain objects, reporting every problem at once.

Each reader takes a parsed :class:`~visitering.formats.csvtext.Table` (which knows its file and
row numbers) and the municipality list, and either returns validated objects or raises one
:class:`~visitering.errors.InputError` carrying every problem with its file, row and column.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from pathlib import PurePath

from visitering.domain import (
    PROXY_PREFIX,
    Fordelingsgrundlag,
    Kolonnekilde,
    KommuneGrundlag,
    Kommuner,
)
from visitering.errors import InputError, Problem
from visitering.formats.csvtext import (
    Row,
    Table,
    ascii_int,
    line_break_problems,
    parse_count,
    require_columns,
    shown,
)
from visitering.kvoter.beregning import Aftale, Afvigelse, Kilde

INPUT_ALIASES = {"familiesammenførte": "familiesammenfoerte"}
INPUT_COLUMNS = ("kommunekode", "befolkning", "indvandrere", "familiesammenfoerte")


def read_kommunekode(
    row: Row,
    column: str,
    kommuner: Kommuner,
    table: Table,
    problems: list[Problem],
    seen: dict[int, int] | None = None,
) -> int | None:
    """The kommunekode in ``row[column]``, or ``None`` with a located problem appended.

    With ``seen`` (kommunekode → first row), a code met before is a problem naming that row;
    a new code is added to ``seen``.
    """
    raw = row.cells.get(column, "")
    where = (table.source, row.number, column)
    code = ascii_int(raw)
    if not raw:
        problems.append(Problem("a kommunekode is required", *where))
    elif code is None:
        problems.append(Problem(f"{shown(raw)} is not a kommunekode", *where))
    elif code not in kommuner:
        problems.append(Problem(f"{raw} is not the code of a Danish municipality", *where))
    elif seen is not None and code in seen:
        problems.append(
            Problem(f"kommunekode {code} appears again (first in row {seen[code]})", *where)
        )
    else:
        if seen is not None:
            seen[code] = row.number
        return code
    return None


def _count(row: Row, column: str, table: Table, problems: list[Problem]) -> int | None:
    return parse_count(row.cells.get(column, ""), problems, table.source, row.number, column)


#: Up to this many missing municipalities are named one per line; more are summed up.
MISSING_LISTED = 10


def _report_missing(
    seen: Collection[int], table: Table, kommuner: Kommuner, problems: list[Problem]
) -> None:
    """Every municipality must be present: one line for each missing, up to
    :data:`MISSING_LISTED`, else one line (regression, fuzz audit, stop 28: a file with a
    header and no rows gave 98 lines)."""
    missing = [code for code in kommuner if code not in seen]
    must = f"all {len(kommuner)} municipalities must be present"
    if not missing:
        return
    if len(missing) == len(kommuner):
        problems.append(
            Problem(f"none of the {len(kommuner)} municipalities is present", table.source)
        )
    elif len(missing) > MISSING_LISTED:
        named = ", ".join(f"{c} ({kommuner[c].navn})" for c in missing[:MISSING_LISTED])
        problems.append(
            Problem(
                f"{len(missing)} municipalities are missing: {named} and "
                f"{len(missing) - MISSING_LISTED} more; {must}",
                table.source,
            )
        )
    else:
        problems.extend(
            Problem(f"kommunekode {code} ({kommuner[code].navn}) is missing; {must}", table.source)
            for code in missing
        )


def _impossible(p: int | None, i: int | None, table: Table, row: Row) -> list[Problem]:
    """Figures no municipality can have: no inhabitants, or more immigrants (I_k counts
    inhabitants, § 4 stk. 2) than inhabitants, as when the two columns are swapped."""
    if p == 0:
        text, column = "every municipality has inhabitants; 0 is not a population", "befolkning"
    elif p is not None and i is not None and i > p:
        text = f"{i} immigrants but {p} inhabitants (befolkning); are the columns swapped?"
        column = "indvandrere"
    else:
        return []
    return [Problem(text, table.source, row.number, column)]


def read_fordelingsgrundlag(
    table: Table, kommuner: Kommuner, population_only: bool = False
) -> Fordelingsgrundlag:
    """The key's inputs from a user file: one row per municipality, all 98 exactly once.

    ``familiesammenfoerte`` (F_k, § 4 stk. 3) may be left empty, as ``visitering data fetch``
    leaves it, since the figure is not public: an empty F_k is taken as 0, and the result says
    so in a warning and in its proxy notice.  Provenance recorded in the file's note lines
    (``data_year: 2025``, ``P_k befolkning: ...``) is carried into every output.

    ``population_only``: for a key of population shares alone (the Ukraine kommunetal,
    BEK nr. 509/2022), a file of ``kommunekode`` and ``befolkning`` is enough; I_k and F_k
    are then 0 and said to be unused.  A file with either of them is read in full.
    """
    unused: tuple[str, ...] = ()
    if population_only and not {"indvandrere", "familiesammenfoerte"} & set(table.columns):
        require_columns(table, ("kommunekode", "befolkning"))
        unused = ("indvandrere", "familiesammenfoerte")
    else:
        require_columns(table, INPUT_COLUMNS)
    problems: list[Problem] = []
    seen: dict[int, int] = {}
    figures: dict[int, KommuneGrundlag] = {}
    empty_f: list[int] = []
    for row in table.rows:
        code = read_kommunekode(row, "kommunekode", kommuner, table, problems, seen)
        p = _count(row, "befolkning", table, problems)
        if unused:
            # A population of 0 is refused here too (regression, stop 27 audit: the
            # population-only file skipped the check, and the municipality got nothing).
            problems += _impossible(p, 0, table, row)
            if code is not None and p:
                figures[code] = KommuneGrundlag(kommuner[code], p, 0, 0)
            continue
        i = _count(row, "indvandrere", table, problems)
        f_empty = row.cells.get("familiesammenfoerte", "") == ""
        f = 0 if f_empty else _count(row, "familiesammenfoerte", table, problems)
        if code is None:
            continue
        if f_empty:
            empty_f.append(code)
        problems += _impossible(p, i, table, row)
        if p is not None and i is not None and f is not None:
            figures[code] = KommuneGrundlag(kommuner[code], p, i, f)
    _report_missing(seen, table, kommuner, problems)
    if problems:
        raise InputError(problems)
    rows = tuple(figures[k] for k in kommuner)
    # The provenance goes into exports for the KKR: the file's name, not where it lies.
    name = PurePath(table.source).name
    kilde = f"user inputs: {name}" + (
        " (read as Windows-1252)" if table.encoding == "cp1252" else ""
    )
    recorded = _recorded_provenance(table.notes)
    if unused:
        why = f"not in {name}; the population key does not use it"
        others = (
            Kolonnekilde("I_k", "indvandrere", why, False),
            Kolonnekilde("F_k", "familiesammenfoerte", why, False),
        )
    else:
        others = (
            _kolonne("I_k", "indvandrere", recorded, name),
            _f_kolonne(empty_f, len(kommuner), name),
        )
    kolonner = (_kolonne("P_k", "befolkning", recorded, name), *others)
    advarsler: tuple[str, ...] = ()
    if empty_f:
        shown = ", ".join(map(str, sorted(empty_f)[:5])) + (", ..." if len(empty_f) > 5 else "")
        advarsler = (
            f"familiesammenfoerte (F_k, § 4 stk. 3) is empty for {len(empty_f)} of "
            f"{len(kommuner)} municipalities in {name} ({shown}); they are taken as 0 "
            "until you fill them in.",
        )
    proxies = [k.proxy_text for k in kolonner if k.proxy]
    proxy_note = PROXY_PREFIX + "; ".join(proxies) + "." if proxies else None
    return Fordelingsgrundlag(
        rows,
        kilde,
        proxy_note,
        ascii_int(recorded.get("data_year", "")),
        kolonner,
        advarsler,
    )


PROXY_MARK = " | proxy: "
"""Written by ``visitering data fetch`` into a column's provenance note when the column is a
proxy, followed by why; the reader turns it back into ``Kolonnekilde.proxy``."""


def _recorded_provenance(notes: tuple[str, ...]) -> dict[str, str]:
    """``key: value`` note lines as a dict (``data_year``, ``P_k befolkning``, ...)."""
    out: dict[str, str] = {}
    for note in notes:
        key, sep, value = note.partition(": ")
        if sep and key.strip() in ("data_year", "P_k befolkning", "I_k indvandrere"):
            out[key.strip()] = value.strip()
    return out


def _kolonne(symbol: str, column: str, recorded: dict[str, str], source: str) -> Kolonnekilde:
    text = recorded.get(f"{symbol} {column}")
    if text is None:
        return Kolonnekilde(symbol, column, f"user-supplied, column {column} of {source}", False)
    what, mark, why = text.partition(PROXY_MARK)
    return Kolonnekilde(symbol, column, what.strip(), bool(mark), why.strip())


def _f_kolonne(empty: list[int], total: int, source: str) -> Kolonnekilde:
    if not empty:
        return Kolonnekilde(
            "F_k",
            "familiesammenfoerte",
            f"user-supplied, column familiesammenfoerte of {source}",
            False,
        )
    return Kolonnekilde(
        "F_k",
        "familiesammenfoerte",
        f"empty for {len(empty)} of {total} municipalities in {source}, taken as 0",
        True,
        f"is empty for {len(empty)} of {total} municipalities and taken as 0",
    )


def read_aftaler(table: Table, kommuner: Kommuner) -> list[Aftale]:
    """KKR agreements (§§ 5-6): columns ``kommunekode`` and ``kommunekvote``, grouped by region.

    Whether each agreement covers its region and sums to the region quota is checked when the
    quotas are computed, since that needs the region quota.
    """
    require_columns(table, ("kommunekode", "kommunekvote"))
    problems: list[Problem] = []
    seen: dict[int, int] = {}
    by_region: dict[int, dict[int, int]] = defaultdict(dict)
    sources: dict[int, dict[int, Kilde]] = defaultdict(dict)
    for row in table.rows:
        code = read_kommunekode(row, "kommunekode", kommuner, table, problems, seen)
        quota = _count(row, "kommunekvote", table, problems)
        if code is None:
            continue
        if quota is not None:
            region = kommuner[code].region
            by_region[region.kode][code] = quota
            sources[region.kode][code] = Kilde(table.source, row.number)
    if problems:
        raise InputError(problems)
    return [
        Aftale(kommuner.region(r), by_region[r], sources[r], table.source)
        for r in sorted(by_region)
    ]


def read_afvigelser(table: Table, kommuner: Kommuner) -> list[Afvigelse]:
    """Recorded deviations: columns ``kode`` (kommunekode or regionskode), ``kvote``,
    ``begrundelse`` (the reason, required: § 4 stk. 6 and § 7 stk. 6 deviations must be
    justified)."""
    require_columns(table, ("kode", "kvote", "begrundelse"))
    problems: list[Problem] = []
    region_codes = {r.kode for r in kommuner.regioner}
    out = []
    for row in table.rows:
        raw = row.cells["kode"]
        code = ascii_int(raw)
        quota = _count(row, "kvote", table, problems)
        reason = row.cells["begrundelse"]
        if not reason:
            problems.append(
                Problem("a deviation needs a reason", table.source, row.number, "begrundelse")
            )
        if code is None or (code not in kommuner and code not in region_codes):
            problems.append(
                Problem(
                    f"{shown(raw)} is neither a kommunekode nor a regionskode",
                    table.source,
                    row.number,
                    "kode",
                )
            )
            continue
        if quota is not None and reason:
            out.append(
                Afvigelse(
                    code,
                    quota,
                    reason,
                    Kilde(table.source, row.number),
                    gaelder_region=code in region_codes,
                )
            )
    if problems:
        raise InputError(problems)
    return out


def read_counts(table: Table, kommuner: Kommuner, column: str) -> dict[int, int]:
    """kommunekode → a non-negative whole number from ``column``; municipalities may be left out.

    Every problem (unknown or repeated kommunekode, a negative or non-numeric count) is reported
    at once with its file, row and column.  Since municipalities may be left out, a cell with a
    line break is a problem too: a stray quote would otherwise silently swallow the rows after it.
    """
    require_columns(table, ("kommunekode", column))
    problems = line_break_problems(table)
    seen: dict[int, int] = {}
    out: dict[int, int] = {}
    for row in table.rows:
        code = read_kommunekode(row, "kommunekode", kommuner, table, problems, seen)
        value = _count(row, column, table, problems)
        if code is not None and value is not None:
            out[code] = value
    if problems:
        raise InputError(problems)
    return out


def read_frivillige(table: Table, kommuner: Kommuner) -> dict[int, int]:
    """Volunteer municipalities (§ 7 stk. 9): columns ``kommunekode`` and ``antal`` (extra persons
    offered in writing before a landstal increase)."""
    return read_counts(table, kommuner, "antal")


def read_kvoter(table: Table, kommuner: Kommuner) -> dict[int, int]:
    """Quotas from a CSV with ``kommunekode`` and ``kommunekvote`` (or ``rest``: remaining;
    or ``ny_kvote``: revised), every municipality exactly once; a ``kommunekvoter.csv`` export
    and a ``visitering revise`` export read back as they are."""
    column = next((c for c in ("rest", "ny_kvote") if c in table.columns), "kommunekvote")
    require_columns(table, ("kommunekode", column))
    problems: list[Problem] = []
    seen: dict[int, int] = {}
    out: dict[int, int] = {}
    for row in table.rows:
        code = read_kommunekode(row, "kommunekode", kommuner, table, problems, seen)
        value = _count(row, column, table, problems)
        if code is not None and value is not None:
            out[code] = value
    if not problems:
        _report_missing(out, table, kommuner, problems)
    if problems:
        raise InputError(problems)
    return out
