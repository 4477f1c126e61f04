"""Reading a decision back from a ``placeringer.csv`` export, to explain it without a ledger."""

from __future__ import annotations

import math
import re
from typing import Any

from visitering.assignment.result import LegalBasis
from visitering.domain import Kommuner
from visitering.errors import InputError, Problem
from visitering.formats.csvtext import Row, Table, parse_count, printable, shown, unguarded
from visitering.inputs import embedded
from visitering.inputs.tables import read_kommunekode
from visitering.ledger import Genvisitering
from visitering.report.placering import MOVE_PRICED, TERMS, TIE_SEPARATOR

#: A column only exports that price the alternative in full have.
TAKEN_COLUMN = "kvote_optaget_kommunekode"

_DECIMAL = re.compile(r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)")
"""A number as the export writes it (decimal point or comma; no exponent, ``inf`` or ``nan``)."""


def read_placement(
    table: Table, case_id: str, kommuner: Kommuner | None = None
) -> tuple[int, int, dict[str, Any]]:
    """(kommunekode, persons, explanation record) of ``case_id`` in a placements export.

    The record has the shape the ledger keeps (see
    :func:`visitering.report.placering.explanation_record`).  The row is checked like any
    input: a kommunekode of ``kommuner`` (default: the embedded municipalities), a whole number
    of persons ≥ 1 and finite numbers, every problem with file, row and column.
    """
    missing = [c for c in ("case_id", "kommunekode", "grundlag") if c not in table.columns]
    if missing:  # e.g. kommuner.csv: "case X is not in this file" would read as "never placed"
        raise InputError(
            Problem(f"not a placeringer.csv export (no column {', '.join(missing)})", table.source)
        )
    # The export guards an id against spreadsheet formulas ('+45...): read it as it was.
    row = next((r for r in table.rows if unguarded(r.cells.get("case_id", "")) == case_id), None)
    if row is None:
        raise InputError(Problem(f"case {printable(case_id)} is not in this file", table.source))
    if row.cells.get("grundlag") not in set(LegalBasis):
        raise InputError(Problem("not a placeringer.csv row", table.source, row.number))
    kommuner = kommuner if kommuner is not None else embedded.kommuner()
    problems: list[Problem] = []
    kode = read_kommunekode(row, "kommunekode", kommuner, table, problems)
    persons = parse_count(
        row.cells.get("persons", ""), problems, table.source, row.number, "persons"
    )
    if persons == 0:
        problems.append(
            Problem("a case has at least 1 person", table.source, row.number, "persons")
        )
    alternative, taken = (
        read_kommunekode(row, column, kommuner, table, problems) if row.cells.get(column) else None
        for column in ("alternativ_kommunekode", "kvote_optaget_kommunekode")
    )
    numbers = {
        column: _number(row, column, table, problems)
        for column in (
            "omkostning",
            "alternativ_meromkostning",
            "kvote_optaget_besparelse",
            *(f"term_{t}" for t in TERMS),
        )
    }
    # An export with the "taken" columns prices its alternative in full.
    priced: dict[str, Any] = (
        {"alternative_priced": MOVE_PRICED} if TAKEN_COLUMN in table.columns else {}
    )
    if taken is not None:
        priced |= {"taken_kommune": taken, "taken_saving": numbers["kvote_optaget_besparelse"]}
    if ground := row.cells.get("genvisitering", ""):
        if ground in set(Genvisitering):
            priced["re_placed_ground"] = ground
        else:
            expected = ", ".join(sorted(Genvisitering))
            problems.append(
                Problem(
                    f"{shown(ground)} is not a ground (expected {expected})",
                    table.source,
                    row.number,
                    "genvisitering",
                )
            )
    if (later := row.cells.get("erstattet_senere", "")) not in ("", "ja"):
        problems.append(
            Problem(f"{shown(later)}: expected ja or empty", table.source, row.number,
                    "erstattet_senere")
        )  # fmt: skip
    elif later:
        priced["replaced_later"] = True
    if problems:
        raise InputError(problems)
    assert kode is not None and persons is not None
    if ties := row.cells.get("ubrugte_undtagelser", ""):
        priced["unused_ties_words"] = [printable(t) for t in ties.split(TIE_SEPARATOR)]
    return (
        kode,
        persons,
        {
            "legal_basis": row.cells["grundlag"],
            "basis_detail": row.cells.get("grundlag_detalje") or None,
            "terms": {t: numbers[f"term_{t}"] or 0 for t in TERMS},
            "cost": numbers["omkostning"],
            "alternative_kommune": alternative,
            "alternative_extra_cost": numbers["alternativ_meromkostning"],
            **priced,
        },
    )


def _number(row: Row, column: str, table: Table, problems: list[Problem]) -> float | int | None:
    """The finite number in ``row[column]`` (``None`` if empty), or a located problem."""
    raw = row.cells.get(column, "")
    if raw == "":
        return None
    text = raw.replace(",", ".")
    value = float(text) if _DECIMAL.fullmatch(text) else math.nan
    if not math.isfinite(value):
        problems.append(Problem(f"{shown(raw)} is not a number", table.source, row.number, column))
        return None
    return int(value) if value.is_integer() else value
