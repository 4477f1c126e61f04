"""``visitering scenario run`` and ``visitering scenario compare``: what-ifs from TOML files."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from visitering import io
from visitering.cli.app import app
from visitering.cli.common import DialectOpt, JsonOpt, emit, input_errors, read_table
from visitering.errors import InputError, Problem
from visitering.formats.csvtext import Dialect

if TYPE_CHECKING:
    from visitering.scenario import ScenarioResult
    from visitering.scenario.compare import Comparison, Side

EXIT_INFEASIBLE = 3

scenario_app = typer.Typer(
    help="What-if scenarios: TOML files under scenarios/ (data, landstal path, weights, cases).",
    no_args_is_help=True,
)
app.add_typer(scenario_app, name="scenario")


def plot_files(result: ScenarioResult) -> Mapping[str, bytes]:
    """Hook for the maps and HTML report of a result folder (rendered by visitering.report)."""
    from visitering.report.billeder import scenario_billedfiler

    return scenario_billedfiler(result)


@scenario_app.command("run")
def run(
    file: Annotated[Path, typer.Argument(help="The scenario TOML file.")],
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            help="Result folder (default: results/<scenario file name without .toml>).",
        ),
    ] = None,
    json: JsonOpt = False,
    csv_dialect: DialectOpt = Dialect.DANISH,
) -> None:
    """Run a scenario: quotas along its landstal path, placement of its cases, a result folder."""
    from visitering.inputs.embedded import kommuner as load_kommuner
    from visitering.scenario import load_scenario, result_files, run_scenario
    from visitering.scenario.run import summary, terminal_text

    with input_errors():
        scenario = load_scenario(file)
        kommuner = load_kommuner()
        result = run_scenario(scenario, kommuner)
        files = result_files(result, kommuner, csv_dialect, extras=[plot_files])
        folder = out or Path("results") / file.stem
        _refuse_mixed_results(folder, files)
        emit(
            json,
            lambda: summary(result, list(files)),
            lambda: terminal_text(result, name_cases=True),
            folder,
            lambda: files,
        )
    if result.batch is not None and not result.batch.result.is_ok:
        raise typer.Exit(EXIT_INFEASIBLE)


def _refuse_mixed_results(folder: Path, files: Mapping[str, bytes]) -> None:
    """A result folder holds one run: files of an earlier run that this one would not replace
    (e.g. ``placeringer.csv`` of a scenario with cases) would be read as this run's."""
    if io.is_file(folder / "summary.json") and (stale := io.leftover_files(folder, files)):
        raise InputError(
            Problem(
                f"holds {', '.join(stale)} of an earlier run, which this scenario would not "
                "replace; remove them or choose another --out",
                str(folder),
            )
        )


@scenario_app.command("compare")
def compare(
    a: Annotated[Path, typer.Argument(help="Scenario A: a result folder or a scenario file.")],
    b: Annotated[Path, typer.Argument(help="Scenario B: a result folder or a scenario file.")],
    out: Annotated[
        Path | None,
        typer.Option("--out", help="Directory to write the comparison CSV files to."),
    ] = None,
    json: JsonOpt = False,
    csv_dialect: DialectOpt = Dialect.DANISH,
) -> None:
    """Compare two scenarios per municipality and region, largest difference first."""
    from visitering.errors import InputError
    from visitering.inputs.embedded import kommuner as load_kommuner
    from visitering.scenario import compare as cmp

    with input_errors():
        kommuner = load_kommuner()
        problems = []
        sides: list[Side] = []
        for path in (a, b):
            try:
                sides.append(_side(path))
            except InputError as exc:
                problems.extend(exc.problems)
        if problems:
            raise InputError(problems)
        comparison = cmp.compare(sides[0], sides[1], kommuner)
        emit(
            json,
            lambda: cmp.to_json(comparison),
            lambda: cmp.terminal_text(comparison),
            out,
            lambda: cmp.export_files(comparison, csv_dialect) | _comparison_maps(comparison),
        )


def _comparison_maps(comparison: Comparison) -> dict[str, bytes]:
    from visitering.report.billeder import sammenligning_billedfiler

    return sammenligning_billedfiler(comparison)


def _side(path: Path) -> Side:
    """A result folder (read) or a scenario file (its quotas computed)."""
    import json as jsonlib

    from visitering import io
    from visitering.errors import InputError, Problem
    from visitering.inputs.embedded import kommuner as load_kommuner
    from visitering.scenario import load_scenario, run_quotas
    from visitering.scenario.compare import Side, side_from_tables
    from visitering.scenario.run import KOMMUNE_FILE, SUMMARY, ScenarioResult

    kommuner = load_kommuner()
    if io.is_dir(path):
        if not io.is_file(path / SUMMARY):
            raise InputError(Problem(f"not a scenario result folder (no {SUMMARY})", str(path)))
        try:
            label = str(jsonlib.loads(io.read_input(path / SUMMARY))["scenario"])
        except (ValueError, KeyError, TypeError):
            raise InputError(Problem("not a scenario summary", str(path / SUMMARY))) from None
        placed = path / "kommuner.csv"
        return side_from_tables(
            f"{label} ({path})",
            read_table(path / KOMMUNE_FILE),
            read_table(placed) if io.is_file(placed) else None,
            kommuner,
        )
    scenario = load_scenario(path)
    beregning, revision = run_quotas(scenario, scenario.data.load())
    result = ScenarioResult(scenario, beregning, revision)
    return Side(
        f"{scenario.name} ({path}, quotas only)",
        result.kvoter,
        proxy_note=beregning.grundlag.proxy_note,
    )
