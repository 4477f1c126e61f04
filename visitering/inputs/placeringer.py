"""Reading a decision back from a ``placeringer.csv`` export, to explain it without a ledger."""

from __future__ import annotations

from typing import Any

from visitering.assignment.result import LegalBasis
from visitering.errors import InputError, Problem
from visitering.formats.csvtext import Table
from visitering.report.placering import TERMS


def read_placement(table: Table, case_id: str) -> tuple[int, int, dict[str, Any]]:
    """(kommunekode, persons, explanation record) of ``case_id`` in a placements export.

    The record has the shape the ledger keeps (see
    :func:`visitering.report.placering.explanation_record`).
    """
    row = next((r for r in table.rows if r.cells.get("case_id") == case_id), None)
    if row is None:
        raise InputError(Problem(f"case {case_id} is not in this file", table.source))

    def number(column: str) -> float | None:
        raw = row.cells.get(column, "").replace(",", ".")
        if raw == "":
            return None
        try:
            value = float(raw)
        except ValueError:
            raise InputError(
                Problem(f"{raw!r} is not a number", table.source, row.number, column)
            ) from None
        return int(value) if value.is_integer() else value

    kode, persons = number("kommunekode"), number("persons")
    if kode is None or persons is None or row.cells.get("grundlag") not in set(LegalBasis):
        raise InputError(Problem("not a placeringer.csv row", table.source, row.number))
    alternative = number("alternativ_kommunekode")
    return (
        int(kode),
        int(persons),
        {
            "legal_basis": row.cells["grundlag"],
            "terms": {t: number(f"term_{t}") or 0 for t in TERMS},
            "cost": number("omkostning"),
            "alternative_kommune": int(alternative) if alternative is not None else None,
            "alternative_extra_cost": number("alternativ_meromkostning"),
        },
    )
