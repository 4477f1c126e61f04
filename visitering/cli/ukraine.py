"""``visitering ukraine``: forholdsmæssige kommunetal for people displaced from Ukraine."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from visitering.cli.app import app
from visitering.cli.common import (
    DataYearOpt,
    DialectOpt,
    InputsOpt,
    JsonOpt,
    MethodOpt,
    OutOpt,
    emit,
    gather,
    input_errors,
    load_grundlag,
    read_table,
    whole_number,
)
from visitering.errors import InputError, Problem
from visitering.formats.csvtext import Dialect
from visitering.inputs import embedded, tables
from visitering.kvoter.apportionment import Method
from visitering.kvoter.beregning import sequential_limit
from visitering.kvoter.ukraine import BLOCK_SIZE, Variant, VolunteerRule, beregn_blok
from visitering.report import ukraine as report


def _counts(path: Path | None, column: str, problems: list[Problem]) -> dict[int, int] | None:
    if path is None:
        return {}
    return gather(
        problems,
        lambda: tables.read_counts(read_table(path), embedded.kommuner(), column),
    )


@app.command()
def ukraine(
    block_size: Annotated[
        int,
        typer.Option(
            "--block-size",
            parser=whole_number,
            help="Persons in the block (BEK nr. 509/2022 § 2: 10,000).",
        ),
    ] = BLOCK_SIZE,
    variant: Annotated[
        Variant,
        typer.Option(
            "--variant",
            help="population: share of the population (BEK 509/2022 and later); refugee-key: "
            "2·p_k − i_k with negatives 0, renormalised (BEK 327/2022).",
        ),
    ] = Variant.POPULATION,
    placements: Annotated[
        Path | None,
        typer.Option(
            "--placements",
            help="Persons actually placed so far: kommunekode, placeret. The block is corrected "
            "for each municipality's over- or under-placement.",
        ),
    ] = None,
    volunteers: Annotated[
        Path | None,
        typer.Option(
            "--volunteers",
            help="Municipalities volunteering to take persons: kommunekode, antal (served first).",
        ),
    ] = None,
    volunteer_rule: Annotated[
        VolunteerRule,
        typer.Option(
            "--volunteer-rule",
            help="on-top: volunteers' persons come on top of their key part; counted: they "
            "count towards their own target.",
        ),
    ] = VolunteerRule.ON_TOP,
    method: MethodOpt = Method.LARGEST_REMAINDER,
    data_year: DataYearOpt = None,
    inputs: InputsOpt = None,
    out: OutOpt = None,
    json: JsonOpt = False,
    csv_dialect: DialectOpt = Dialect.DANISH,
) -> None:
    """Forholdsmæssige kommunetal for a block of people displaced from Ukraine (særloven § 30)."""
    with input_errors():
        problems: list[Problem] = []
        if block_size <= 0:
            problems.append(
                Problem(f"must be a positive whole number, got {block_size}", "--block-size")
            )
        elif too_many := sequential_limit(method, block_size, "a block", "--block-size"):
            # Regression (Ukraine audit, stop 26): 10,000,000 took 40 s, 10^9 would take hours.
            problems.append(too_many)
        # The population key needs nothing else: a file of the population alone will do.
        population_only = variant is Variant.POPULATION
        grundlag = gather(
            problems, lambda: load_grundlag(inputs, data_year, population_only=population_only)
        )
        placed = _counts(placements, "placeret", problems)
        offers = _counts(volunteers, "antal", problems)
        if problems or grundlag is None or placed is None or offers is None:
            raise InputError(problems)
        result = beregn_blok(grundlag, block_size, variant, placed, offers, method, volunteer_rule)
        emit(
            json,
            lambda: report.to_json(result),
            lambda: report.terminal_text(result),
            out,
            lambda: report.export_files(result, csv_dialect),
        )
