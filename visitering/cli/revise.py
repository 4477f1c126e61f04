"""``visitering revise``: a chain of landstal changes during the year."""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial
from pathlib import Path
from typing import Annotated

import typer

from visitering import io
from visitering.cli.app import app
from visitering.cli.common import (
    DataYearOpt,
    DialectOpt,
    InputsOpt,
    JsonOpt,
    MethodOpt,
    OutOpt,
    emit,
    flag,
    gather,
    input_errors,
    load_grundlag,
    parse_landstal,
    read_table,
)
from visitering.errors import InputError, Problem
from visitering.formats.csvtext import Dialect
from visitering.inputs import embedded, tables
from visitering.kvoter.apportionment import Method
from visitering.kvoter.revision import revider
from visitering.report import revision as report


@app.command()
def revise(
    landstal: Annotated[str, typer.Option("--landstal", help="The landstal first announced.")],
    new_landstal: Annotated[
        list[str],
        typer.Option("--new-landstal", help="A new landstal; repeat for a chain of revisions."),
    ],
    data_year: DataYearOpt = None,
    inputs: InputsOpt = None,
    volunteers: Annotated[
        Path | None,
        typer.Option(
            "--volunteers",
            help="Volunteer municipalities (§ 7 stk. 9): kommunekode, "
            "antal (extra persons offered).",
        ),
    ] = None,
    before_2018: Annotated[
        bool, flag("--before-2018", help="Use the 50 % threshold in force before 2018.")
    ] = False,
    method: MethodOpt = Method.LARGEST_REMAINDER,
    out: OutOpt = None,
    json: JsonOpt = False,
    csv_dialect: DialectOpt = Dialect.DANISH,
) -> None:
    """Revise the quotas when the landstal changes during the year (§ 2 stk. 5-6, § 7 stk. 8-11)."""
    with input_errors():
        problems: list[Problem] = []
        first = gather(problems, lambda: parse_landstal(landstal))
        chain = [
            gather(problems, partial(parse_landstal, n, "--new-landstal")) for n in new_landstal
        ]
        grundlag = gather(problems, lambda: load_grundlag(inputs, data_year))
        offers: dict[int, int] | None = {}
        if volunteers is not None:
            offers = gather(
                problems,
                lambda: tables.read_frivillige(read_table(volunteers), embedded.kommuner()),
            )
        if problems or first is None or grundlag is None:
            raise InputError(problems)
        values = [n for n in chain if n is not None]
        result = revider(grundlag, first, values, method, offers, before_2018)
        files: dict[str, bytes] = {}
        if out is not None:
            files = report.export_files(result, csv_dialect)
            _refuse_an_earlier_chain(out, files)
        emit(
            json,
            lambda: report.to_json(result),
            lambda: report.terminal_text(result),
            out,
            lambda: files,
        )


def _refuse_an_earlier_chain(folder: Path, files: Mapping[str, bytes]) -> None:
    """A folder holds one chain's revision files: those of an earlier chain that this one
    would not replace would be read beside this chain's ``revision_regioner.csv`` as its steps
    (regression, CLI audit, stop 26; ``scenario run`` refuses the same)."""
    stale = [
        name
        for name in io.leftover_files(folder, files)
        if name.startswith("revision_") and name.endswith(".csv")
    ]
    if stale:
        raise InputError(
            Problem(
                f"holds {', '.join(stale)} of an earlier revise, which this chain would not "
                "replace; remove them or choose another --out",
                str(folder),
            )
        )
