"""``visitering quotas`` and ``visitering explain``."""

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
    LandstalOpt,
    MethodOpt,
    OutOpt,
    emit,
    gather,
    input_errors,
    load_grundlag,
    parse_landstal,
    read_table,
    show,
)
from visitering.errors import InputError, Problem
from visitering.formats import csvtext
from visitering.formats.csvtext import Dialect
from visitering.inputs import embedded, tables
from visitering.kvoter.apportionment import Method
from visitering.kvoter.beregning import Kvoteberegning, beregn_kvoter
from visitering.report import forklaring
from visitering.report import kvoter as report

AgreementsOpt = Annotated[
    Path | None,
    typer.Option(
        "--agreements",
        help="KKR agreements (§§ 5-6): kommunekode, kommunekvote; "
        "each region covered must be covered in full and sum to its region quota.",
    ),
]
OverridesOpt = Annotated[
    Path | None,
    typer.Option(
        "--overrides",
        help="Recorded deviations (§ 4 stk. 6 / § 7 stk. 6): kode "
        "(regionskode or kommunekode), kvote, begrundelse.",
    ),
]
PlotsOpt = Annotated[
    Path | None,
    typer.Option(
        "--plots",
        help="Directory to write the maps to (PNG): kommunekvote, per 1,000 inhabitants, "
        "municipalities without quota.",
    ),
]
ReportOpt = Annotated[
    Path | None,
    typer.Option(
        "--report",
        help="Write a self-contained HTML report (tables, maps, data notes) to this file.",
    ),
]


def compute(
    landstal: str | None,
    data_year: int | None,
    inputs: Path | None,
    method: Method,
    agreements: Path | None = None,
    overrides: Path | None = None,
) -> Kvoteberegning:
    """Validate every input, then compute; raises one InputError with all problems."""
    problems: list[Problem] = []
    kommuner = embedded.kommuner()
    parsed = gather(problems, lambda: parse_landstal(landstal))
    grundlag = gather(problems, lambda: load_grundlag(inputs, data_year, landstal is None))
    aftaler = afvigelser = None
    if agreements is not None:
        aftaler = gather(problems, lambda: tables.read_aftaler(read_table(agreements), kommuner))
    if overrides is not None:
        afvigelser = gather(
            problems, lambda: tables.read_afvigelser(read_table(overrides), kommuner)
        )
    if problems or parsed is None or grundlag is None:
        raise InputError(problems)
    return beregn_kvoter(grundlag, parsed, method, aftaler or [], afvigelser or [])


@app.command()
def quotas(
    landstal: LandstalOpt = None,
    data_year: DataYearOpt = None,
    inputs: InputsOpt = None,
    agreements: AgreementsOpt = None,
    overrides: OverridesOpt = None,
    method: MethodOpt = Method.LARGEST_REMAINDER,
    out: OutOpt = None,
    json: JsonOpt = False,
    csv_dialect: DialectOpt = Dialect.DANISH,
    plots: PlotsOpt = None,
    report_file: ReportOpt = None,
) -> None:
    """Compute region and municipal quotas (§§ 4-7) from a landstal."""
    with input_errors():
        result = compute(landstal, data_year, inputs, method, agreements, overrides)
        pictures = picture_paths(
            render_pictures(result, plots is not None, report_file is not None), plots, report_file
        )
        # The exports, the maps and the report are written together: all of them or none.
        emit(
            json,
            lambda: report.to_json(result),
            lambda: report.terminal_text(result),
            out,
            lambda: report.export_files(result, csv_dialect),
            pictures,
        )
        maps = [path.name for path, _ in pictures if path.suffix == ".png"]
        if plots is not None:
            typer.echo(f"Wrote {len(maps)} maps to {plots}: {', '.join(maps)}", err=True)
        if report_file is not None:
            typer.echo(f"Wrote the HTML report to {report_file}", err=True)


def render_pictures(
    result: Kvoteberegning, maps: bool, html: bool
) -> tuple[dict[str, bytes], bytes | None]:
    """The maps and the HTML report, rendered before anything is written.

    matplotlib is imported on call, not at module level, so ``visitering quotas`` without
    ``--plots`` or ``--report`` stays quick to start.
    """
    if not (maps or html):
        return {}, None
    from visitering.report import billeder

    files = billeder.billedfiler(result)
    page = files.pop(billeder.RAPPORT)
    return (files if maps else {}), (page if html else None)


def picture_paths(
    pictures: tuple[dict[str, bytes], bytes | None], plots: Path | None, page: Path | None
) -> list[tuple[Path, bytes]]:
    """Where the maps (into ``plots``) and the HTML report (to ``page``) are to be written:
    pairs, so that a report named like a map is refused when written, not merged away."""
    files, html = pictures
    paths = [(plots / name, content) for name, content in files.items()] if plots else []
    if page is not None and html is not None:
        paths.append((page, html))
    return paths


@app.command()
def explain(
    kommune: Annotated[str, typer.Option("--kommune", help="kommunekode or name.")],
    landstal: LandstalOpt = None,
    data_year: DataYearOpt = None,
    inputs: InputsOpt = None,
    agreements: AgreementsOpt = None,
    overrides: OverridesOpt = None,
    method: MethodOpt = Method.LARGEST_REMAINDER,
) -> None:
    """Show the computation trail for one municipality, step by step, citing the paragraphs."""
    with input_errors():
        kode = resolve_kommune(kommune)
        result = compute(landstal, data_year, inputs, method, agreements, overrides)
        show(forklaring.forklar(result, kode))


def resolve_kommune(text: str) -> int:
    """A kommunekode from a code or a (case-insensitive) municipality name."""
    kommuner = embedded.kommuner()
    value = text.strip()
    code = csvtext.ascii_int(value)
    if code is not None and code in kommuner:
        return code
    for kode, k in kommuner.items():
        if k.navn.casefold() == value.casefold():
            return kode
    raise InputError(
        Problem(f"{text!r} is neither a kommunekode nor a municipality name", "--kommune")
    )
