"""Two scenarios side by side: quotas (and placements) per municipality and region.

Each side is a scenario result folder (``kommunekvoter.csv`` and, when the scenario placed cases,
``kommuner.csv``) or a scenario file, whose quotas are computed (its cases are not placed:
run it with ``visitering scenario run`` to compare placements).  Rows are sorted by the absolute
difference of the quota, largest first, then of the persons placed, then by code.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from visitering.domain import PROXY_PREFIX, Kommuner
from visitering.errors import InputError, Problem
from visitering.formats import csvtext
from visitering.formats.csvtext import Cell, Dialect, Table
from visitering.inputs.tables import read_kommunekode, read_kvoter


@dataclass(frozen=True, slots=True)
class Side:
    """One side of a comparison: its label, final quotas, persons placed (if known) and the
    proxy notice of the data its quotas were computed on (``None``: official figures)."""

    label: str
    kvoter: dict[int, int]
    placed: dict[int, int] | None = None
    proxy_note: str | None = None

    def lines(self, tag: str) -> list[str]:
        """``A: label``, and ``A: PROXY DATA ...`` when the side's data are proxies (README:
        every output computed on proxy data says so)."""
        return [f"{tag}: {self.label}", *([f"{tag}: {self.proxy_note}"] if self.proxy_note else [])]


def proxy_note_of(table: Table) -> str | None:
    """The proxy notice among a quota export's ``#`` lines (every export on proxy data has
    one, :func:`visitering.report.kvoter.header_lines`)."""
    return next((n for n in table.notes if n.startswith(PROXY_PREFIX)), None)


def read_placed(table: Table, kommuner: Kommuner) -> dict[int, int]:
    """Persons placed per municipality from a ``kommuner.csv`` placement export."""
    csvtext.require_columns(table, ("kommunekode", "placeret_personer"))
    problems: list[Problem] = []
    seen: dict[int, int] = {}
    out: dict[int, int] = {}
    for row in table.rows:
        code = read_kommunekode(row, "kommunekode", kommuner, table, problems, seen)
        n = csvtext.parse_count(
            row.cells["placeret_personer"], problems, table.source, row.number, "placeret_personer"
        )
        if code is not None and n is not None:
            out[code] = n
    if problems:
        raise InputError(problems)
    return {k: out.get(k, 0) for k in kommuner}


def side_from_tables(label: str, kvoter: Table, placed: Table | None, kommuner: Kommuner) -> Side:
    """A side from a result folder's ``kommunekvoter.csv`` and ``kommuner.csv``."""
    problems: list[Problem] = []
    quotas: dict[int, int] = {}
    try:
        quotas = read_kvoter(kvoter, kommuner)
    except InputError as exc:
        problems.extend(exc.problems)
    persons = None
    if placed is not None:
        try:
            persons = read_placed(placed, kommuner)
        except InputError as exc:
            problems.extend(exc.problems)
    if problems:
        raise InputError(problems)
    return Side(label, quotas, persons, proxy_note_of(kvoter))


KOMMUNE_COLUMNS = ("kommunekode", "kommune", "regionskode", "region")
REGION_COLUMNS = ("regionskode", "region")
VALUE_COLUMNS = ("kvote_a", "kvote_b", "forskel")
PLACED_COLUMNS = ("placeret_a", "placeret_b", "placeret_forskel")


@dataclass(frozen=True, slots=True)
class Comparison:
    """Per municipality and per region: the keys, then A, B and B − A for each figure."""

    a: Side
    b: Side
    with_placed: bool
    kommune_rows: list[list[Cell]]
    region_rows: list[list[Cell]]

    @property
    def kommune_columns(self) -> tuple[str, ...]:
        return (*KOMMUNE_COLUMNS, *VALUE_COLUMNS, *(PLACED_COLUMNS if self.with_placed else ()))

    @property
    def region_columns(self) -> tuple[str, ...]:
        return (*REGION_COLUMNS, *VALUE_COLUMNS, *(PLACED_COLUMNS if self.with_placed else ()))


def _figures(a: Side, b: Side, codes: list[int], with_placed: bool) -> list[int]:
    qa, qb = sum(a.kvoter[k] for k in codes), sum(b.kvoter[k] for k in codes)
    out = [qa, qb, qb - qa]
    if with_placed:
        assert a.placed is not None and b.placed is not None
        pa, pb = sum(a.placed[k] for k in codes), sum(b.placed[k] for k in codes)
        out += [pa, pb, pb - pa]
    return out


def _order(row: list[Cell], keys: int, with_placed: bool) -> tuple[int, int, int]:
    diff = row[keys + 2]
    placed = row[keys + 5] if with_placed else 0
    assert isinstance(diff, int) and isinstance(placed, int) and isinstance(row[0], int)
    return (-abs(diff), -abs(placed), row[0])


def compare(a: Side, b: Side, kommuner: Kommuner) -> Comparison:
    """Both sides per municipality and region, largest absolute difference first."""
    with_placed = a.placed is not None and b.placed is not None
    rows: list[list[Cell]] = []
    regions: dict[int, list[int]] = {}
    for code, k in kommuner.items():
        rows.append(
            [code, k.navn, k.region.kode, k.region.navn, *_figures(a, b, [code], with_placed)]
        )
        regions.setdefault(k.region.kode, []).append(code)
    region_rows: list[list[Cell]] = [
        [r, kommuner.region(r).navn, *_figures(a, b, codes, with_placed)]
        for r, codes in regions.items()
    ]
    rows.sort(key=lambda row: _order(row, len(KOMMUNE_COLUMNS), with_placed))
    region_rows.sort(key=lambda row: _order(row, len(REGION_COLUMNS), with_placed))
    return Comparison(a, b, with_placed, rows, region_rows)


def export_files(comparison: Comparison, dialect: Dialect) -> dict[str, bytes]:
    """``sammenligning_kommuner.csv`` and ``sammenligning_regioner.csv``."""
    notes = [*comparison.a.lines("A"), *comparison.b.lines("B"), "forskel = B - A"]
    return {
        "sammenligning_kommuner.csv": csvtext.render(
            comparison.kommune_columns, comparison.kommune_rows, dialect, notes
        ),
        "sammenligning_regioner.csv": csvtext.render(
            comparison.region_columns, comparison.region_rows, dialect, notes
        ),
    }


def to_json(comparison: Comparison) -> dict[str, Any]:
    return {
        "a": comparison.a.label,
        "b": comparison.b.label,
        "proxy_note_a": comparison.a.proxy_note,
        "proxy_note_b": comparison.b.proxy_note,
        "regioner": [
            dict(zip(comparison.region_columns, r, strict=True)) for r in comparison.region_rows
        ],
        "kommuner": [
            dict(zip(comparison.kommune_columns, r, strict=True)) for r in comparison.kommune_rows
        ],
    }


def terminal_text(comparison: Comparison, limit: int = 20) -> str:
    """Regions in full; the ``limit`` municipalities that differ most (unchanged ones counted)."""
    c = comparison
    lines = [*c.a.lines("A"), *c.b.lines("B"), ""]
    placed_head = f" {'placed A':>9} {'placed B':>9} {'diff':>6}" if c.with_placed else ""

    def figures(row: list[Cell], keys: int) -> str:
        text = f" {row[keys]!s:>7} {row[keys + 1]!s:>7} {_signed(row[keys + 2]):>6}"
        if c.with_placed:
            text += f" {row[keys + 3]!s:>9} {row[keys + 4]!s:>9} {_signed(row[keys + 5]):>6}"
        return text

    lines.append(f"  {'region':<22} {'quota A':>7} {'quota B':>7} {'diff':>6}{placed_head}")
    lines += [f"  {r[1]!s:<22}{figures(r, 2)}" for r in c.region_rows]
    differ = [r for r in c.kommune_rows if r[6] or (c.with_placed and r[9])]
    lines += [
        "",
        f"  {'kode':<5} {'kommune':<16} {'quota A':>7} {'quota B':>7} {'diff':>6}{placed_head}",
    ]
    lines += [f"  {r[0]!s:<5} {r[1]!s:<16}{figures(r, 4)}" for r in differ[:limit]]
    if len(differ) > limit:
        lines.append(
            f"  ... {len(differ) - limit} more municipalities differ (see --out or --json)"
        )
    lines.append(f"  {len(c.kommune_rows) - len(differ)} municipalities are the same in A and B")
    return "\n".join(lines) + "\n"


def _signed(value: Cell) -> str:
    return f"{value:+d}" if isinstance(value, int) else str(value)
