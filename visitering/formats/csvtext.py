"""CSV as text: decoding, parsing with row numbers, and rendering in two dialects.

Input files come from many hands (Excel on Windows, scripts, our own exports), so the reader
accepts comma or semicolon separators, UTF-8 with or without BOM, and Windows-1252 (what Danish
Excel writes with "CSV (semikolonsepareret)").  UTF-16 text ("Unicode text" in Excel) and other
files with NUL bytes are refused with a message saying how to save the file.

Notes: lines starting with ``#`` *above the header* are notes (provenance an export or a fetch
recorded; Excel may pad them with empty cells or quote them when it saves the file again), so an
export of ours can be read back as an input.  Our writers put notes only there.  *Below the
header* every line is data: an unquoted line that starts with ``#`` is an error (it would
otherwise be silently dropped or silently read as data, and nothing we write produces one), while
a quoted cell such as ``"#A3"`` is ordinary data.  :func:`render` quotes a first cell that starts
with ``#`` so that its own output reads back.

Quoted cells may run over several lines (a ``begrundelse`` in a quota export may), but a quote
that is never closed is an error naming the row where it opened, and never echoes the cell: it
would otherwise swallow the rest of the file.  Readers of files whose cells are all one line
(cases, profiles, counts) also refuse a cell with a line break, using
:func:`line_break_problems`, since there it means a stray quote swallowed the rows after it.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from fractions import Fraction

from visitering.errors import InputError, Problem

BOM = "\ufeff"

MAX_DIGITS = 12
"""Digits a whole number in an input may have (a count, a kommunekode, a landstal): enough for
any real figure, and a bound on what is converted (Python refuses over 4,300 digits)."""

MAX_SHOWN = 20
"""Characters of a bad value a message repeats; a longer value is described by its length."""

_END = "<end of file>"
"""A line appended while parsing: unless it is read back as a row of its own, a quote left
open swallowed it, and with it the rest of the file."""

_NOTE_START = ("#", '"#')


@dataclass(frozen=True, slots=True)
class Row:
    """One data row: its line number (header is row 1) and its cells by column name."""

    number: int
    cells: dict[str, str]
    lines: int = 1
    """Lines of the file the row takes: more than 1 when a quoted cell holds a line break."""


@dataclass(frozen=True, slots=True)
class Table:
    """A parsed CSV file: its source name, normalised column names, and data rows."""

    source: str
    columns: tuple[str, ...]
    rows: tuple[Row, ...]
    encoding: str
    notes: tuple[str, ...] = ()
    """The text of the ``#`` note lines, in order (provenance an export or fetch recorded)."""
    header_row: int = 1
    """The line of the header, as a spreadsheet numbers it: below any note lines (a problem
    with a column names this row; regression, CLI audit, stop 26: always row 1)."""


#: A letter beyond ASCII as UTF-8 writes it; in Windows-1252 text such a pair or triple is an
#: accented letter followed by one or two symbols ("Ã˜"), which Danish text does not hold.
_UTF8_MULTIBYTE = re.compile(rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}")


def _line_of(data: bytes, position: int) -> int:
    """The line number (from 1) of the byte at ``position``."""
    return data.count(b"\n", 0, position) + 1


def decode(data: bytes, source: str) -> tuple[str, str]:
    """Decode ``data`` as UTF-8 (BOM optional), else Windows-1252; return (text, encoding).

    UTF-16 (which has a byte-order mark or NUL bytes) and other files with NUL bytes, such as a
    spreadsheet saved as ``.xlsx``, are refused with a message saying how to save the file.
    """
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise InputError(
            Problem("the file is UTF-16 text; save it as 'CSV UTF-8' (or Windows-1252)", source)
        )
    if b"\x00" in data:
        raise InputError(
            Problem(
                "the file has NUL bytes, so it is not CSV text (UTF-16 text or a spreadsheet "
                "file?); save it as 'CSV UTF-8'",
                source,
            )
        )
    try:
        return data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError as exc:
        bad = exc.start
    utf8 = _UTF8_MULTIBYTE.search(data)
    if utf8 is not None:
        # Read as Windows-1252, the UTF-8 letters would turn into others ("Ø" into "Ã˜") and
        # an id written in both would name two cases.
        raise InputError(
            Problem(
                f"the file mixes encodings: this row is not UTF-8, while row "
                f"{_line_of(data, utf8.start())} is; save the whole file as 'CSV UTF-8'",
                source,
                _line_of(data, bad),
            )
        )
    try:
        return data.decode("cp1252"), "cp1252"
    except UnicodeDecodeError as exc:
        raise InputError(
            Problem(
                f"the file is neither UTF-8 nor Windows-1252 text (byte 0x{data[exc.start]:02X} "
                "in this row is neither); save it as 'CSV UTF-8'",
                source,
                _line_of(data, exc.start),
            )
        ) from None


def parse(
    text: str,
    source: str,
    aliases: dict[str, str] | None = None,
    encoding: str = "utf-8",
    known: Collection[str] | None = None,
) -> Table:
    """Parse CSV text; column names are stripped, lower-cased and mapped through ``aliases``.

    ``known``: the column names of this kind of file, for files of personal data.  A first row
    with none of them is probably the first record (the header is missing): it is then not
    checked as a header, so no message repeats its cells, and the caller reports it.

    Raises
    ------
    InputError
        If the file has no header, repeats a column, a row has more cells than the header, a
        quote is never closed, a cell is too long, or a line below the header starts with ``#``.
        No message repeats a cell's text.
    """
    lines = io.StringIO(text.removeprefix(BOM), newline="").readlines()
    header = next((i for i, line in enumerate(lines) if _is_header_candidate(line)), None)
    if header is None:
        raise InputError(Problem("the file is empty (no header row)", source))
    delimiter = ";" if lines[header].count(";") > lines[header].count(",") else ","
    notes = {i + 1: _note_text(line) for i, line in enumerate(lines[:header]) if line[:1] == "#"}
    fed = _fed_lines(lines, notes)
    reader = csv.reader(fed, delimiter=delimiter)
    aliases = aliases or {}
    problems: list[Problem] = []
    columns: list[str] | None = None
    header_row = 1
    rows: list[Row] = []
    previous_line = 0
    try:
        for record in reader:
            first_line, previous_line = previous_line + 1, reader.line_num
            if previous_line == len(fed):
                if record != [_END] or first_line != len(fed):
                    problems.append(_unclosed_quote(record, columns, source, first_line))
                break
            if not record or all(not cell.strip() for cell in record):
                continue
            if columns is None:
                if record[0].startswith("#"):  # a note Excel quoted when it saved the file
                    notes[first_line] = _note_text(delimiter.join(record))
                    continue
                columns = [aliases.get(c.strip().lower(), c.strip().lower()) for c in record]
                header_row = first_line
                if known is None or any(name in known for name in columns):
                    problems.extend(_repeated_columns(columns, source, first_line))
                    problems.extend(_mixed_separators(columns, delimiter, source, first_line))
                if problems:  # rows read against a broken header would only repeat it
                    break
                continue
            span = previous_line - first_line + 1
            problem = _row_problem(lines[first_line - 1], record, len(columns), span, delimiter)
            if problem is not None:
                problems.append(Problem(problem, source, first_line))
                continue
            cells = {
                name: record[i].strip() if i < len(record) else "" for i, name in enumerate(columns)
            }
            rows.append(Row(first_line, cells, span))
    except csv.Error:
        problems.append(
            Problem(
                f'a cell is longer than {csv.field_size_limit():,} characters; is a quote (") '
                "opened in this row never closed?",
                source,
                previous_line + 1,
            )
        )
    if problems:
        raise InputError(problems)
    if columns is None:
        raise InputError(Problem("the file is empty (no header row)", source))
    ordered_notes = tuple(notes[n] for n in sorted(notes))
    return Table(source, tuple(columns), tuple(rows), encoding, ordered_notes, header_row)


def _is_header_candidate(line: str) -> bool:
    """Whether a line may be the header: not a note, not empty, not just separators."""
    return bool(line.strip(" \t\r\n;,")) and not line.startswith(_NOTE_START)


def _fed_lines(lines: list[str], notes: dict[int, str]) -> list[str]:
    """The lines the csv module reads: notes blanked (a quote in a note must not open a cell)
    and :data:`_END` appended, keeping every line's number."""
    fed = ["\n" if number in notes else line for number, line in enumerate(lines, start=1)]
    fed[-1] = fed[-1].rstrip("\r\n") + "\n"
    return [*fed, _END + "\n"]


def _note_text(line: str) -> str:
    # Excel pads a note line with empty cells when it saves the file again ("# note;;;;").
    return line[1:].rstrip(";, \t\r\n").strip()


def _repeated_columns(columns: list[str], source: str, row: int) -> list[Problem]:
    seen: set[str] = set()
    problems = []
    for name in columns:
        if name in seen:
            problems.append(Problem(f"column {name!r} appears twice", source, row))
        seen.add(name)
    return problems


def _mixed_separators(columns: list[str], delimiter: str, source: str, row: int) -> list[Problem]:
    """A header separated by ``delimiter`` with the other separator inside a column name."""
    other = "," if delimiter == ";" else ";"
    return [
        Problem(
            f"the header row mixes {delimiter!r} and {other!r}: column {name!r} holds a "
            f"{other!r}; separate every column with the same one",
            source,
            row,
        )
        for name in columns
        if other in name
    ]


def _unclosed_quote(record: list[str], columns: list[str] | None, source: str, row: int) -> Problem:
    """The problem of a quote opened in ``row`` and never closed (the cell is not repeated)."""
    index = len(record) - 1
    column = columns[index] if columns is not None and 0 <= index < len(columns) else None
    return Problem(
        'a quote (") opened in this row is never closed, so the rest of the file would be '
        "read as one cell; close the quote or remove it",
        source,
        row,
        column or None,
    )


def _row_problem(
    line: str, record: list[str], n_columns: int, span: int, delimiter: str = ";"
) -> str | None:
    """What is wrong with a data row as a whole, if anything (never repeating a cell).

    ``line`` is the row's first line as written, ``span`` the number of lines it takes.  In a
    comma-separated file a row with too many cells most likely has an unquoted comma in a cell
    (a decimal comma, ``22,5``, or a comma in a text), and the message says so.
    """
    if line.startswith("#"):
        return (
            "the row starts with '#': notes ('# ...') belong above the header row; delete the "
            'row, or quote the first cell ("#...") if it is data'
        )
    if len(record) > n_columns:
        runs_on = f" (a quote opened in this row is closed only {span - 1} rows later)"
        if span > 1:
            return f"{len(record)} cells but the header has {n_columns} columns{runs_on}"
        return f"{len(record)} cells but the header has {n_columns} columns" + (
            "; in a comma-separated file a cell holding a comma (a decimal comma, or a comma "
            "in a text) must be quoted (\"22,5\"), or separate the columns with ';'"
            if delimiter == ","
            else ""
        )
    return None


def line_break_problem(row: Row, source: str) -> Problem | None:
    """The problem of a row in which a quoted cell runs over several lines, if it has one.

    For files whose cells are all one line (cases, profiles, counts): there a line break in a
    cell means a stray quote that swallowed the rows after it.  The cell is not repeated.
    """
    if row.lines == 1:
        return None
    column = next((c for c, v in row.cells.items() if "\n" in v or "\r" in v), None)
    return Problem(
        f'a quote (") opened in this row is closed only in row {row.number + row.lines - 1}, '
        "so those rows are read as one; remove the stray quote (a cell in this file cannot "
        "hold a line break)",
        source,
        row.number,
        column,
    )


def line_break_problems(table: Table) -> list[Problem]:
    """:func:`line_break_problem` of every row of ``table``."""
    found = (line_break_problem(row, table.source) for row in table.rows)
    return [problem for problem in found if problem is not None]


def delimiter_hint(table: Table) -> str | None:
    """Why a header read as a single column is probably not separated by ``;`` or ``,``."""
    named = [c for c in table.columns if c]
    if len(named) != 1:
        return None
    for char, name in (("\t", "tabs"), ("|", "'|'"), (";", "';'"), (",", "','")):
        if char in named[0]:
            return (
                f"the header row is read as one column, but it contains {name}: separate the "
                "columns with ';' or ',' (and do not quote the whole row)"
            )
    return None


def require_columns(table: Table, required: Sequence[str]) -> None:
    """Raise an :class:`InputError` listing every required column the table lacks."""
    missing = [c for c in required if c not in table.columns]
    if not missing:
        return
    found = ", ".join(table.columns) or "none"
    hint = delimiter_hint(table)
    if hint is not None:
        raise InputError(
            Problem(f"{hint} (columns found: {found})", table.source, table.header_row)
        )
    raise InputError(
        [
            Problem(
                f"required column {c!r} is missing (columns found: {found})",
                table.source,
                table.header_row,
            )
            for c in missing
        ]
    )


_INT = re.compile(r"[+-]?[0-9]+")
_PLAIN_INT = re.compile(r"-?[0-9]+")
_GROUPED_INT = re.compile(r"[+-]?[0-9]{1,3}(\.[0-9]{3})+")


def shown(raw: str) -> str:
    """A bad value as a message repeats it: quoted, or by its length when it is long."""
    return repr(raw) if len(raw) <= MAX_SHOWN else f"a value of {len(raw):,} characters"


def printable(text: str) -> str:
    """``text`` as it is when printable, else as a Python literal: an id echoed to a terminal
    must not carry an escape sequence that rewrites what the reader sees."""
    return text if text.isprintable() else repr(text)


def ascii_int(raw: str, max_digits: int = MAX_DIGITS) -> int | None:
    """``raw`` as a number if it is 1 to ``max_digits`` ASCII digits (no sign, space or
    separator), else ``None``.

    ``str.isdigit`` alone is not enough: it accepts ``"²"`` and ``"６"``, which ``int`` refuses or
    reads as a digit nobody typed on purpose.
    """
    if 0 < len(raw) <= max_digits and raw.isascii() and raw.isdigit():
        return int(raw)
    return None


def parse_count(
    raw: str,
    problems: list[Problem],
    source: str,
    row: int,
    column: str,
    *,
    plain: bool = False,
    max_digits: int = MAX_DIGITS,
    echo: bool = True,
) -> int | None:
    """A non-negative whole number, or ``None`` with a located problem appended.

    Accepts Danish thousands separators (``12.345``) and spaces since Danish Excel writes them,
    unless ``plain``: then only ASCII digits are a number (``1 0``, ``2.000`` and ``+45`` are
    not).  More than ``max_digits`` digits is a problem.  Without ``echo`` no message repeats
    ``raw``.
    """
    value = raw if plain else raw.replace(" ", "").replace("\u00a0", "")
    if not plain and _GROUPED_INT.fullmatch(value):
        value = value.replace(".", "")
    what = f"{shown(raw)} is " if echo else ""
    where = (source, row, column)
    if value == "":
        problems.append(Problem("a value is required", *where))
        return None
    if not (_PLAIN_INT if plain else _INT).fullmatch(value):
        problems.append(Problem(f"{what}not a whole number", *where))
        return None
    if len(value.lstrip("+-")) > max_digits:
        problems.append(
            Problem(f"too large: a number here has at most {max_digits} digits", *where)
        )
        return None
    number = int(value)
    if number < 0:
        problems.append(Problem(f"{what}negative" if echo else "must not be negative", *where))
        return None
    return number


class Dialect(StrEnum):
    """CSV dialects for exports."""

    DANISH = "danish"
    STANDARD = "standard"


Cell = int | str | Fraction | float | None

# Characters that make a spreadsheet read a text cell as a formula (OWASP "CSV injection").
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_text(text: str) -> str:
    """Text that no spreadsheet will execute: a leading formula character gets a ``'`` (and so
    does a leading ``'``, which a spreadsheet hides, so that :func:`unguarded` reads every text
    back as it was)."""
    return "'" + text if text.startswith((*_FORMULA_START, "'")) else text


def unguarded(text: str) -> str:
    """The text :func:`safe_text` guarded, as it was (a cell read back from an export)."""
    return (
        text[1:] if text.startswith("'") and text[1:].startswith((*_FORMULA_START, "'")) else text
    )


def format_number(value: Fraction | float | int, decimals: int, dialect: Dialect) -> str:
    """An exact decimal rendering of ``value`` with ``decimals`` places (round half to even)."""
    if isinstance(value, int):
        return str(value)
    exact = Fraction(value)
    scaled = round(exact * 10**decimals)
    sign = "-" if scaled < 0 else ""
    digits = str(abs(scaled)).rjust(decimals + 1, "0")
    mark = "," if dialect is Dialect.DANISH else "."
    whole, frac = digits[: len(digits) - decimals], digits[len(digits) - decimals :]
    return f"{sign}{whole}{mark}{frac}" if decimals else f"{sign}{whole}"


def render(
    columns: Sequence[str],
    rows: Iterable[Sequence[Cell]],
    dialect: Dialect,
    notes: Sequence[str] = (),
    decimals: int = 10,
) -> bytes:
    """Render a table as CSV bytes, with ``# note`` lines above the header.

    A row whose first cell starts with ``#`` is written with every cell quoted, so that it reads
    back as data, not as a misplaced note.
    """
    buffer = io.StringIO(newline="")
    delimiter = ";" if dialect is Dialect.DANISH else ","
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    quoting = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n", quoting=csv.QUOTE_ALL)
    for note in notes:
        # Written raw, never quoted, so the line starts with "#" and readers can skip it.
        buffer.write("# " + " ".join(note.split()).replace(delimiter, ",") + "\r\n")
    writer.writerow(columns)
    for row in rows:
        cells = [_format_cell(cell, dialect, decimals) for cell in row]
        (quoting if cells[:1] and cells[0].startswith("#") else writer).writerow(cells)
    text = buffer.getvalue()
    if dialect is Dialect.DANISH:
        return (BOM + text).encode("utf-8")
    return text.encode("utf-8")


def _format_cell(cell: Cell, dialect: Dialect, decimals: int) -> str:
    if cell is None:
        return ""
    if isinstance(cell, bool):
        return "ja" if cell else "nej"
    if isinstance(cell, int):
        return str(cell)
    if isinstance(cell, Fraction | float):
        return format_number(cell, decimals, dialect)
    return safe_text(cell)
