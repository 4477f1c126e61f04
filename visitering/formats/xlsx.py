"""Deterministic ``.xlsx`` workbooks via openpyxl (imported only when an export is written).

openpyxl stamps the current time into the document properties and into every zip entry; both
are fixed here so that the same input gives the same bytes.  Text cells are always stored as
text, never as formulas, whatever character they start with.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

from visitering.formats.csvtext import Cell

_EPOCH = dt.datetime(2000, 1, 1)
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)
_MODIFIED = re.compile(rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)")


@dataclass(frozen=True, slots=True)
class Sheet:
    """One worksheet: note lines on top, then a header row and data rows."""

    title: str
    columns: Sequence[str]
    rows: Sequence[Sequence[Cell]]
    notes: Sequence[str] = ()


def render(sheets: Sequence[Sheet]) -> bytes:
    """Render ``sheets`` as the bytes of an ``.xlsx`` file."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    workbook.remove(workbook.active)
    workbook.properties.creator = "visitering"
    workbook.properties.created = _EPOCH
    workbook.properties.modified = _EPOCH
    for sheet in sheets:
        ws = workbook.create_sheet(sheet.title[:31])
        r = 1
        for note in sheet.notes:
            _put(ws.cell(row=r, column=1), note)
            r += 1
        for c, name in enumerate(sheet.columns, start=1):
            _put(ws.cell(row=r, column=c), name)
            ws.cell(row=r, column=c).font = Font(bold=True)
        header_row = r
        for row in sheet.rows:
            r += 1
            for c, value in enumerate(row, start=1):
                _put(ws.cell(row=r, column=c), value)
        ws.freeze_panes = ws.cell(row=header_row + 1, column=1)
    raw = io.BytesIO()
    workbook.save(raw)
    return _normalise_zip(raw.getvalue())


def _put(cell: object, value: Cell) -> None:
    if value is None:
        return
    if isinstance(value, Fraction):
        cell.value = float(value)  # type: ignore[attr-defined]
        cell.number_format = "0.0000000000"  # type: ignore[attr-defined]
    elif isinstance(value, bool):
        cell.value = "ja" if value else "nej"  # type: ignore[attr-defined]
    elif isinstance(value, int | float):
        cell.value = value  # type: ignore[attr-defined]
    else:
        cell.value = value  # type: ignore[attr-defined]
        cell.data_type = "s"  # type: ignore[attr-defined]  # never a formula


def _normalise_zip(data: bytes) -> bytes:
    """Rewrite the archive with fixed timestamps and a fixed entry order."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=_ZIP_TIME)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o600 << 16
            content = source.read(info.filename)
            if info.filename == "docProps/core.xml":
                # openpyxl stamps the save time here whatever the properties say.
                content = _MODIFIED.sub(rb"\g<1>2000-01-01T00:00:00Z\g<2>", content)
            target.writestr(entry, content)
    return out.getvalue()
