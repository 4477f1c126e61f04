"""CSV as text: decoding, parsing with row numbers, and rendering in two dialects.

Input files come from many hands (Excel on Windows, scripts, our own exports), so the reader
accepts comma or semicolon separators, UTF-8 with or without BOM, and Windows-1252 (what Danish
Excel writes with "CSV (semikolonsepareret)").  Lines starting with ``#`` are notes and are
skipped, so an export of ours can be read back as an input.

The writer's default dialect is what Danish Excel opens correctly: semicolon, decimal comma,
UTF-8 with BOM.  The ``standard`` dialect is comma, decimal point, no BOM.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from fractions import Fraction

from visitering.errors import InputError, Problem

BOM = "\ufeff"


@dataclass(frozen=True, slots=True)
class Row:
    """One data row: its line number (header is row 1) and its cells by column name."""

    number: int
    cells: dict[str, str]


@dataclass(frozen=True, slots=True)
class Table:
    """A parsed CSV file: its source name, normalised column names, and data rows."""

    source: str
    columns: tuple[str, ...]
    rows: tuple[Row, ...]
    encoding: str
    notes: tuple[str, ...] = ()
    """The text of the ``#`` note lines, in order (provenance an export or fetch recorded)."""


def decode(data: bytes, source: str) -> tuple[str, str]:
    """Decode ``data`` as UTF-8 (BOM optional), else Windows-1252; return (text, encoding)."""
    try:
        return data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), "cp1252"
    except UnicodeDecodeError as exc:
        raise InputError(
            Problem(
                "the file is neither UTF-8 nor Windows-1252/Latin-1 text "
                f"(undecodable byte at position {exc.start}); save it as 'CSV UTF-8'",
                source,
            )
        ) from None


def parse(
    text: str,
    source: str,
    aliases: dict[str, str] | None = None,
    encoding: str = "utf-8",
) -> Table:
    """Parse CSV text; column names are stripped, lower-cased and mapped through ``aliases``.

    Raises
    ------
    InputError
        If the file has no header, repeats a column, or a row has more cells than the header.
    """
    text = text.removeprefix(BOM)
    lines = text.splitlines()
    header_index = next(
        (i for i, line in enumerate(lines) if line.strip() and not line.startswith("#")), None
    )
    if header_index is None:
        raise InputError(Problem("the file is empty (no header row)", source))
    header_line = lines[header_index]
    delimiter = ";" if header_line.count(";") > header_line.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    aliases = aliases or {}
    problems: list[Problem] = []
    columns: list[str] | None = None
    rows: list[Row] = []
    previous_line = 0
    for record in reader:
        first_line = previous_line + 1
        previous_line = reader.line_num
        if not record or all(not cell.strip() for cell in record):
            continue
        if record[0].startswith("#"):
            continue
        if columns is None:
            columns = [aliases.get(c.strip().lower(), c.strip().lower()) for c in record]
            seen: set[str] = set()
            for name in columns:
                if name in seen:
                    problems.append(Problem(f"column {name!r} appears twice", source, first_line))
                seen.add(name)
            continue
        if len(record) > len(columns):
            problems.append(
                Problem(
                    f"{len(record)} cells but the header has {len(columns)} columns",
                    source,
                    first_line,
                )
            )
            continue
        cells = {
            name: record[i].strip() if i < len(record) else "" for i, name in enumerate(columns)
        }
        rows.append(Row(first_line, cells))
    if problems:
        raise InputError(problems)
    assert columns is not None
    # Excel pads a note line with empty cells when it saves the file again ("# note;;;;").
    notes = tuple(line[1:].rstrip(";, \t").strip() for line in lines if line.startswith("#"))
    return Table(source, tuple(columns), tuple(rows), encoding, notes)


def require_columns(table: Table, required: Sequence[str]) -> None:
    """Raise an :class:`InputError` listing every required column the table lacks."""
    missing = [c for c in required if c not in table.columns]
    if missing:
        found = ", ".join(table.columns) or "none"
        raise InputError(
            [
                Problem(
                    f"required column {c!r} is missing (columns found: {found})", table.source, 1
                )
                for c in missing
            ]
        )


_INT = re.compile(r"[+-]?\d+")
_GROUPED_INT = re.compile(r"[+-]?\d{1,3}(\.\d{3})+")


def parse_count(
    raw: str, problems: list[Problem], source: str, row: int, column: str
) -> int | None:
    """A non-negative whole number, or ``None`` with a located problem appended.

    Accepts Danish thousands separators (``12.345``) since Danish Excel writes them.
    """
    value = raw.replace(" ", "").replace("\u00a0", "")
    if _GROUPED_INT.fullmatch(value):
        value = value.replace(".", "")
    if value == "":
        problems.append(Problem("a value is required", source, row, column))
        return None
    if not _INT.fullmatch(value):
        problems.append(Problem(f"{raw!r} is not a whole number", source, row, column))
        return None
    number = int(value)
    if number < 0:
        problems.append(Problem(f"{raw!r} is negative", source, row, column))
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
    """Text that no spreadsheet will execute: a leading formula character gets a ``'``."""
    return "'" + text if text.startswith(_FORMULA_START) else text


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
    """Render a table as CSV bytes, with ``# note`` lines above the header."""
    buffer = io.StringIO(newline="")
    delimiter = ";" if dialect is Dialect.DANISH else ","
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    for note in notes:
        # Written raw, never quoted, so the line starts with "#" and readers can skip it.
        buffer.write("# " + " ".join(note.split()).replace(delimiter, ",") + "\r\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([_format_cell(cell, dialect, decimals) for cell in row])
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
