"""``visitering simulate``: uncertainty sweeps over quotas and placements (issue 4)."""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer

from visitering.cli.app import app
from visitering.cli.common import (
    DialectOpt,
    JsonOpt,
    OutOpt,
    emit,
    flag,
    input_errors,
    whole_number,
)
from visitering.errors import InputError, Problem
from visitering.formats.csvtext import Dialect, shown
from visitering.inputs import embedded

#: A Dask scheduler address: an optional protocol, a host and a port.  Regression (CLI audit,
#: stop 26): ``--scheduler foo`` ended in a traceback from Dask and a 20-second hang.
_SCHEDULER = re.compile(r"([a-z]+://)?[^\s/:]+:[0-9]{1,5}")


@app.command()
def simulate(
    # Typer renders help as Rich markup, where "[...]" is a style tag: escaped.
    file: Annotated[Path, typer.Argument(help=r"Scenario TOML with a \[simulering] section.")],
    runs: Annotated[
        int, typer.Option("--runs", parser=whole_number, help="Number of simulated runs.")
    ] = 100,
    seed: Annotated[
        int | None,
        typer.Option(
            "--seed", parser=whole_number, help="Base seed (default: the file's seed, else 0)."
        ),
    ] = None,
    workers: Annotated[
        int | None,
        typer.Option(
            "--workers",
            parser=whole_number,
            help="Local worker processes (default: the cores; 1: serial).",
        ),
    ] = None,
    scheduler: Annotated[
        str | None,
        typer.Option(
            "--scheduler", help="Address of an existing Dask scheduler, e.g. tcp://host:8786."
        ),
    ] = None,
    no_baseline: Annotated[
        bool,
        flag(
            "--no-baseline",
            help="Skip the same runs without uncertainty (landstal never revised, arrivals equal "
            "to it) that are reported beside the sweep; they double the time.",
        ),
    ] = False,
    no_progress: Annotated[
        bool, flag("--no-progress", help="No progress bar (none when not a terminal).")
    ] = False,
    out: OutOpt = None,
    json: JsonOpt = False,
    csv_dialect: DialectOpt = Dialect.DANISH,
) -> None:
    """Draw landstal revisions and arrivals many times; placed versus quota per municipality."""
    from visitering.inputs.profiles import PROFILE_PROXY_NOTE
    from visitering.report.kvoter import grundlag_lines
    from visitering.simulering.executor import baseline_repeats, run_with_baseline
    from visitering.simulering.parse import load_simulation
    from visitering.simulering.run import kommunekoder
    from visitering.simulering.spec import Mode
    from visitering.simulering.summary import csv_bytes, payload, summarise, terminal_text

    with input_errors():
        if seed is not None and seed < 0:
            raise InputError(Problem(f"must be a whole number ≥ 0, got {seed}", "--seed"))
        if scheduler is not None and not _SCHEDULER.fullmatch(scheduler):
            raise InputError(
                Problem(
                    f"{shown(scheduler)} is not a scheduler address (protocol://host:port, "
                    "e.g. tcp://10.0.0.5:8786)",
                    "--scheduler",
                )
            )
        parsed = load_simulation(file)
        spec = parsed.spec
        base_seed = seed if seed is not None else (parsed.seed or 0)
        grundlag = embedded.embedded_grundlag(spec.data_year)
        # Data year, the source of each input column and the proxy notice, as in every export.
        extra = [f"Quotas: {grundlag.kilde}", *grundlag_lines(grundlag)]
        if spec.mode is Mode.VISITERING:  # the solver weighs the embedded profiles
            extra.append(PROFILE_PROXY_NOTE)
        show = not no_progress and sys.stderr.isatty()
        again = baseline_repeats(spec, not no_baseline)
        with _progress(runs * (1 + again), show) as advance:
            results, baseline = run_with_baseline(
                spec, runs, base_seed, workers, scheduler, advance, not no_baseline
            )
        summary = summarise(spec, results, base_seed, kommunekoder(spec), baseline)
        kommuner = embedded.kommuner()
        emit(
            json,
            lambda: payload(summary, kommuner, extra),
            lambda: terminal_text(summary, kommuner, extra),
            out,
            lambda: {
                "simulering.csv": csv_bytes(summary, kommuner, csv_dialect, extra),
                "simulering.json": _json_bytes(payload(summary, kommuner, extra)),
            },
        )


def _json_bytes(document: dict[str, object]) -> bytes:
    import json as jsonlib

    return (jsonlib.dumps(document, ensure_ascii=False, indent=2, sort_keys=True) + "\n").encode()


@contextmanager
def _progress(total: int, show: bool) -> Iterator[Callable[[int], None]]:
    """A progress bar on stderr (``rich``, already installed with Typer), or nothing."""
    if not show:
        yield lambda _n: None
        return
    from rich.console import Console
    from rich.progress import Progress

    with Progress(console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task("Simulating", total=total)
        yield lambda n: bar.advance(task, n)
