"""``visitering data fetch|check|years``: the inputs of the § 4 key (BEK nr. 550/2022 § 4 stk. 2-3).

``fetch`` is the only command that uses the network; the StatBank modules are imported inside it
so that the quota path stays light.
"""

from __future__ import annotations

import math
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer

from visitering import io
from visitering.cli.app import app
from visitering.cli.common import DialectOpt, input_errors, read_table, show, whole_number
from visitering.errors import InputError, Problem
from visitering.formats.csvtext import Dialect
from visitering.inputs import embedded, tables
from visitering.report import data as report

#: The StatBank API root, the default of ``--api-url`` (the client takes it from here, so the
#: quota path never loads :mod:`visitering.statbank`).
DEFAULT_BASE_URL = "https://api.statbank.dk/v1"

EXIT_FETCH = 4
"""Exit code when StatBank cannot be reached or answers with something unusable."""

data_app = typer.Typer(
    help="Inputs of the § 4 key: fetch them from Danmarks Statistik, check a file, list the "
    "embedded data years.",
    no_args_is_help=True,
)
app.add_typer(data_app, name="data")


@contextmanager
def fetch_errors() -> Iterator[None]:
    """Turn a failed retrieval into one message on stderr and exit code 4."""
    from visitering.statbank.http import FetchError

    try:
        yield
    except FetchError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(EXIT_FETCH) from None


@data_app.command("fetch")
def fetch_command(
    year: Annotated[
        int,
        typer.Option(
            "--year", parser=whole_number, help="Data year: P_k and I_k are counted on 1 January."
        ),
    ],
    out: Annotated[
        Path | None,
        typer.Option("--out", help="Inputs file to write (default: grundlag_YEAR.csv)."),
    ] = None,
    api_url: Annotated[
        str, typer.Option("--api-url", help="Root of the StatBank API.")
    ] = DEFAULT_BASE_URL,
    timeout: Annotated[
        float, typer.Option("--timeout", help="Seconds to wait for each answer.")
    ] = 30.0,
    csv_dialect: DialectOpt = Dialect.DANISH,
) -> None:
    """Fetch P_k and I_k for 1 January YEAR from Danmarks Statistik into an inputs file.

    Population (FOLK1A) and non-Western immigrants (FOLK1E, HERKOMST=25) per municipality, with
    the tables, the date and the retrieval time recorded in the file.  F_k (family-reunified,
    not public) is left empty for you to fill in.
    """
    from visitering.report import grundlagsfil
    from visitering.statbank.http import StatbankClient
    from visitering.statbank.tabeller import hent

    target = out if out is not None else Path(f"grundlag_{year}.csv")
    with input_errors(), fetch_errors():
        _check_fetch_options(api_url, timeout)
        # Before the network: a bad --out would fail only after the download (regression,
        # CLI audit, stop 26: `--out /tmp` was refused after both tables were fetched).
        io.check_output_file(target)
        kommuner = embedded.kommuner()
        hentning = hent(StatbankClient(api_url, timeout=timeout), year, kommuner)
        content = grundlagsfil.render(hentning, kommuner, csv_dialect)
        io.write_files_atomically(target.parent, {target.name: content})
    typer.echo(
        f"Wrote {target}: population (FOLK1A) and non-Western immigrants (FOLK1E, HERKOMST=25) "
        f"on 1 January {year} for {len(kommuner)} municipalities, retrieved "
        f"{hentning.hentet:%Y-%m-%d %H:%M} UTC.\n"
        "familiesammenfoerte (F_k) is not public and is left empty: fill it in before computing "
        "quotas (until then they count as 0, with a warning).\n"
        f"Check the file with: visitering data check {target}"
    )


def _check_fetch_options(api_url: str, timeout: float) -> None:
    """``--api-url`` an http(s) address and ``--timeout`` a positive number of seconds, or exit 2
    naming the option (urllib would otherwise fail with a traceback, or time out at once)."""
    problems = []
    parts = urllib.parse.urlsplit(api_url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        problems.append(
            Problem(
                f"{api_url!r} is not an http:// or https:// address "
                f"(the default is {DEFAULT_BASE_URL})",
                "--api-url",
            )
        )
    if not (math.isfinite(timeout) and timeout > 0):
        problems.append(
            Problem(f"must be a positive number of seconds, got {timeout}", "--timeout")
        )
    if problems:
        raise InputError(problems)


@data_app.command("check")
def check_command(
    file: Annotated[Path, typer.Argument(help="An inputs file (as for --inputs).")],
    data_year: Annotated[
        int | None,
        typer.Option(
            "--data-year",
            help="Embedded year to compare with (default: the year recorded in the file).",
        ),
    ] = None,
) -> None:
    """Validate an inputs file and summarise it.

    Every problem is reported at once.  The summary: provenance, totals, shares by region,
    municipalities with negative a_k, and a comparison with the embedded data of its year.
    """
    with input_errors():
        grundlag = tables.read_fordelingsgrundlag(
            read_table(file, tables.INPUT_ALIASES), embedded.kommuner()
        )
        year = data_year if data_year is not None else grundlag.data_aar
        years = embedded.data_years()
        comparison = None
        reason = ""
        if year is None:
            reason = (
                "No data year is recorded in the file; give --data-year YEAR to compare it "
                "with the embedded data."
            )
        elif data_year is None and year not in years:
            # Only a year recorded in the file skips the comparison; one asked for by name
            # without data is refused by embedded_grundlag, as on every other command
            # (regression, CLI audit, stop 26: a note and exit code 0).
            reason = (
                f"No embedded data for {year} to compare with (embedded years: "
                f"{', '.join(map(str, years))})."
            )
        else:
            comparison = (year, embedded.embedded_grundlag(year))
        show(report.check_text(grundlag, str(file), comparison, reason))


@data_app.command("years")
def years_command() -> None:
    """List the embedded data years with their provenance and the proxies used."""
    with input_errors():
        aargange = [
            (embedded.vintage(y), embedded.embedded_grundlag(y)) for y in embedded.data_years()
        ]
        show(report.years_text(aargange))
