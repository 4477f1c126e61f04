"""What every command shares: option types, loading inputs, and turning errors into exit 2."""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Callable, Collection, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer

from visitering import io
from visitering.domain import Fordelingsgrundlag
from visitering.errors import InputError, Problem
from visitering.formats import csvtext
from visitering.formats.csvtext import Table
from visitering.inputs import embedded, tables
from visitering.kvoter.apportionment import Method

EXIT_INPUT = 2
#: The result could not be printed (standard output full or closed).
EXIT_OUTPUT = 6
T = TypeVar("T")
_LANDSTAL = re.compile(rf"[+-]?[0-9]{{1,{csvtext.MAX_DIGITS}}}")
"""A whole number as ``--landstal`` takes it: ASCII digits (not ``6²`` or ``６００``), bounded."""


def whole_number(raw: str | int) -> int:
    """A whole-number option as typed: ASCII digits only, so that a Danish ``10.000`` (ten
    thousand) is refused rather than read as 10 (Typer's own int conversion accepts it).
    Regression (CLI audit, stop 26): ``ukraine --block-size 10.000`` computed a block of 10."""
    if isinstance(raw, int):  # a default
        return raw
    value = _digits(raw)
    if value is None:
        hint = " (write it without a thousands separator)" if re.search(r"[.,]", raw) else ""
        raise typer.BadParameter(f"{csvtext.shown(raw)} is not a whole number{hint}")
    return value


def _digits(raw: str) -> int | None:
    """``raw`` as a whole number of ASCII digits (``_`` allowed as a separator), else None."""
    text = raw.strip().replace("_", "")
    return int(text) if _LANDSTAL.fullmatch(text) else None


LandstalOpt = Annotated[
    str | None,
    typer.Option(
        "--landstal",
        help="National estimate L (default: the latest announced, on the data of 1 January "
        "of the year before it, which its quotas are computed on).",
    ),
]
DataYearOpt = Annotated[
    int | None,
    typer.Option(
        "--data-year",
        parser=whole_number,
        help="Population vintage (1 January) of the embedded data (default: the newest; for "
        "the latest announced landstal, where a command computes it when --landstal is not "
        "given, the year before it, which its quotas were computed on).",
    ),
]
InputsOpt = Annotated[
    Path | None,
    typer.Option(
        "--inputs",
        help="CSV with kommunekode, befolkning, indvandrere, "
        "familiesammenfoerte for all 98 municipalities (replaces the embedded proxy).",
    ),
]
MethodOpt = Annotated[Method, typer.Option("--method", help="Rounding (apportionment) method.")]
OutOpt = Annotated[Path | None, typer.Option("--out", help="Directory to write the exports to.")]


def flag(name: str, help: str) -> Any:
    """The option of a boolean flag: nothing follows it on the command line, so its help
    shows no value (Typer's default showed "<bool>", as if it took one)."""
    return typer.Option(name, help=help, metavar="")


JsonOpt = Annotated[bool, flag("--json", help="Print the full result as JSON.")]
DialectOpt = Annotated[
    csvtext.Dialect,
    typer.Option(
        "--csv-dialect",
        help="danish: semicolon, decimal comma, UTF-8 BOM (opens in "
        "Danish Excel); standard: comma, decimal point, no BOM.",
    ),
]


@contextmanager
def input_errors() -> Iterator[None]:
    """Turn an :class:`InputError` into one message on stderr and exit code 2."""
    try:
        yield
    except InputError as exc:
        typer.echo(f"error: {exc.render()}", err=True)
        raise typer.Exit(EXIT_INPUT) from None


def gather(problems: list[Problem], load: Callable[[], T]) -> T | None:
    """Run ``load``; on bad input add its problems to ``problems`` and return ``None``.

    Lets a command check every input before it reports, so the user sees all problems at once.
    """
    try:
        return load()
    except InputError as exc:
        problems.extend(exc.problems)
        return None


def parse_landstal(raw: str | None, option: str = "--landstal") -> int:
    """A landstal from the command line (a positive whole number); default the latest."""
    if raw is None:
        return embedded.latest_landstal()[1]
    value = _digits(raw)
    if value is None:
        raise InputError(Problem(f"{csvtext.shown(raw)} is not a whole number", option))
    if value <= 0:
        raise InputError(Problem(f"must be a positive whole number, got {value}", option))
    return value


def read_table(
    path: Path, aliases: dict[str, str] | None = None, known: Collection[str] | None = None
) -> Table:
    """Read and parse a user CSV file (``known``: see :func:`~visitering.formats.csvtext.parse`)."""
    text, encoding = csvtext.decode(io.read_input(path), str(path))
    return csvtext.parse(text, str(path), aliases=aliases, encoding=encoding, known=known)


def load_grundlag(
    inputs: Path | None,
    data_year: int | None,
    latest_landstal: bool = False,
    population_only: bool = False,
) -> Fordelingsgrundlag:
    """The user's inputs file if given, else the embedded proxy data for ``data_year``.

    ``population_only``: the inputs file may hold the population alone
    (:func:`~visitering.inputs.tables.read_fordelingsgrundlag`).

    Without either, the newest data (for the next year's quotas); or, for the latest announced
    landstal (``latest_landstal``: no --landstal given), the data its quotas are computed on,
    of the year before it (docs/rules.md § 1, "Timing").
    """
    if inputs is None:
        if data_year is None and latest_landstal:
            data_year = embedded.latest_landstal_data_year()
        return embedded.embedded_grundlag(data_year)
    if data_year is not None:
        raise InputError(
            Problem(
                "--data-year selects embedded data; it cannot be combined with --inputs",
                "--data-year",
            )
        )
    grundlag = tables.read_fordelingsgrundlag(
        read_table(inputs, tables.INPUT_ALIASES), embedded.kommuner(), population_only
    )
    for warning in grundlag.advarsler:
        typer.echo(f"warning: {warning}", err=True)
    return grundlag


def emit(
    as_json: bool,
    payload: Callable[[], dict[str, Any]],
    text: Callable[[], str],
    out: Path | None,
    files: Callable[[], dict[str, bytes]],
    extra: Sequence[tuple[Path, bytes]] = (),
) -> None:
    """Write the exports to ``out`` (and the ``extra`` files), then print the result.

    Every file is rendered first and all are written in one atomic step
    (:func:`visitering.io.write_paths_atomically`), so a failure leaves no partial output;
    the result is printed only once the files are in place, so an error never follows a
    printed result.
    """
    rendered = files() if out is not None else {}
    targets = [(out / name, content) for name, content in rendered.items()] if out else []
    targets += extra  # pairs: an --out file that --report names too is refused, not replaced
    if targets:
        io.write_paths_atomically(targets)
    show(json.dumps(payload(), ensure_ascii=False, indent=2) + "\n" if as_json else text())
    if out is not None:
        typer.echo(f"Wrote {len(rendered)} files to {out}: {', '.join(rendered)}", err=True)


def show(text: str) -> None:
    """Print a command's result; if standard output is full or closed, say so and exit with
    :data:`EXIT_OUTPUT` (no traceback): what the command did before it stands."""
    try:
        sys.stdout.write(text)
        sys.stdout.flush()
    except OSError as exc:
        typer.echo(
            f"error: the result could not be printed ({exc.strerror or exc}). What was done "
            "before it stands: files written, a batch recorded in a ledger. Run the command "
            "again to see the result: a recorded batch is shown, not placed again",
            err=True,
        )
        raise typer.Exit(EXIT_OUTPUT) from None
