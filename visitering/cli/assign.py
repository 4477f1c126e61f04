"""``visitering assign``, ``explain-case`` and ``ledger status``: placing cases (§§ 9-14)."""

from __future__ import annotations

import json as jsonlib
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from visitering import io
from visitering.cli.app import app
from visitering.cli.common import (
    DataYearOpt,
    DialectOpt,
    OutOpt,
    emit,
    flag,
    gather,
    input_errors,
    parse_landstal,
    read_table,
    show,
    whole_number,
)
from visitering.domain import PROXY_PREFIX
from visitering.errors import InputError, Problem
from visitering.formats.csvtext import Dialect, printable
from visitering.inputs import embedded, geography, tables
from visitering.inputs.cases import CASE_COLUMNS, read_cases
from visitering.inputs.profiles import PROFILE_PROXY_NOTE, embedded_profiles, read_profiles
from visitering.kvoter.i_kraft import revider_i_kraft
from visitering.ledger import Ledger, LedgerBusy

if TYPE_CHECKING:
    from visitering.assignment.problem import Parameters
    from visitering.batch import BatchInputs
    from visitering.domain import Kommuner
    from visitering.report.placering import Batch
    from visitering.scenario import Scenario, VisiteringSettings

EXIT_INFEASIBLE = 3
EXIT_LEDGER_BUSY = 5
"""Exit code when other runs kept recording batches on the ledger while this one was solved."""

LedgerOpt = Annotated[
    Path | None,
    typer.Option(
        "--ledger",
        help="SQLite ledger of the year's quotas and decisions (created "
        "if missing); batches draw down the same quotas.",
    ),
]
ledger_app = typer.Typer(help="The ledger of a year's quotas and decisions.", no_args_is_help=True)
app.add_typer(ledger_app, name="ledger")


@app.command()
def assign(
    cases: Annotated[Path, typer.Option("--cases", help="Cases CSV (one row per case).")],
    quotas: Annotated[
        Path | None,
        typer.Option(
            "--quotas",
            help="Quotas CSV (kommunekode, kommunekvote; or a revise export's ny_kvote).",
        ),
    ] = None,
    landstal: Annotated[
        str | None,
        typer.Option(
            "--landstal",
            help="National estimate L: the year's quotas from the quota engine (no default: "
            "give it or --quotas, unless the ledger holds the quotas).",
        ),
    ] = None,
    data_year: DataYearOpt = None,
    ledger: LedgerOpt = None,
    scenario: Annotated[
        Path | None,
        typer.Option(
            "--scenario",
            # Typer renders help as Rich markup, where "[...]" is a style tag: escaped.
            help=r"Scenario TOML with \[visitering.weights] and \[visitering.parameters]; its "
            r"\[kvoter] section (with \[data]) gives the quotas when neither --quotas, "
            "--landstal nor an existing --ledger does.",
        ),
    ] = None,
    profiles: Annotated[
        Path | None,
        typer.Option(
            "--profiles",
            help="Municipality profiles CSV (default: the embedded illustrative profile).",
        ),
    ] = None,
    allow_overshoot: Annotated[
        bool,
        flag(
            "--allow-overshoot",
            help="Place everyone with the least total overshoot when the quotas cannot hold.",
        ),
    ] = False,
    revise_quotas: Annotated[
        bool,
        flag(
            "--revise-quotas",
            help="Record a landstal revision (§ 4 stk. 7, § 7 stk. 8-11) with this batch: "
            "with --landstal, the ledger's quotas are revised to it (a decrease scales them, an "
            "increase re-computes them on the year's recorded basis); with --quotas (e.g. a "
            "'visitering revise' export), those replace them. Decisions already made stand.",
        ),
    ] = False,
    time_limit: Annotated[
        float | None,
        typer.Option("--time-limit", help="Seconds for the solve (default 30, or the scenario's)."),
    ] = None,
    seed: Annotated[
        int | None,
        typer.Option(
            "--seed", parser=whole_number, help="Solver seed (default 0, or the scenario's)."
        ),
    ] = None,
    re_place: Annotated[
        list[str] | None,
        typer.Option(
            "--re-place",
            help="Place this case again although the ledger holds a decision on it "
            "(genvisitering): a UN quota refugee on arrival, or a case whose data were "
            "corrected. Repeat for more cases.",
        ),
    ] = None,
    out: OutOpt = None,
    json: Annotated[
        bool,
        flag(
            "--json",
            help="Print a summary as JSON: status, objective, bound, gap, solve time, counts, "
            "diagnosis and notes (the placements are in --out's files).",
        ),
    ] = False,
    csv_dialect: DialectOpt = Dialect.DANISH,
) -> None:
    """Place a batch of cases in municipalities (BEK nr. 550/2022 §§ 9-14) and explain each."""

    from visitering.batch import BatchInputs, run_batch
    from visitering.report import placering

    with input_errors():
        kommuner = embedded.kommuner()
        problems: list[Problem] = []
        case_list = gather(
            problems, lambda: read_cases(read_table(cases, known=CASE_COLUMNS), kommuner)
        )
        options = _given_quotas(
            problems, kommuner, quotas, landstal, data_year, ledger, scenario, revise_quotas
        )
        notes, settings = options.notes, options.settings
        year_quota, basis, new_landstal = options.year, options.basis, options.new_landstal
        if profiles is not None:
            profile_map = gather(problems, lambda: read_profiles(read_table(profiles), kommuner))
        else:
            profile_map = embedded_profiles()
            notes.append(PROFILE_PROXY_NOTE)
        if problems or case_list is None or profile_map is None:
            raise InputError(problems)
        params = replace(
            settings.parameters,
            allow_overshoot=allow_overshoot or settings.parameters.allow_overshoot,
        )
        inputs = BatchInputs(
            case_list,
            profile_map,
            geography.neighbours(),
            geography.distances_km(),
            settings.weights,
            _with_options(params, time_limit, seed),
            tuple(notes),
            frozenset(re_place or ()),
        )
        _require_quotas(options, ledger, revise_quotas)
        if out is not None:
            io.check_output_directory(out)  # before the ledger records the batch
        revision = None
        if revise_quotas and year_quota is not None:
            revision = _revision_reason(quotas, year_quota)
        if ledger is None:
            batch = run_batch(inputs, year_quota, None, revision)
        else:
            given = _Quotas(year_quota, revision, new_landstal, basis)
            try:
                batch = _run_on_ledger(ledger, inputs, given, kommuner)
            except LedgerBusy as exc:
                typer.echo(f"error: {ledger}: {exc}", err=True)
                raise typer.Exit(EXIT_LEDGER_BUSY) from None
        emit(
            json,
            lambda: placering.summary(batch),
            lambda: placering.terminal_text(batch, kommuner),
            out if batch.result.is_ok else None,
            lambda: placering.export_files(batch, kommuner, csv_dialect),
        )
    if not batch.result.is_ok:
        raise typer.Exit(EXIT_INFEASIBLE)


@dataclass
class _Given:
    """What the options say about the quotas: the year's (and what they were computed on), or
    a new landstal for the ledger's; the scenario's settings; the notes for the outputs."""

    notes: list[str]
    settings: VisiteringSettings
    year: dict[int, int] | None = None
    basis: str | None = None
    new_landstal: int | None = None


def _require_quotas(options: _Given, ledger: Path | None, revise_quotas: bool) -> None:
    """Refuse a batch whose options give no quotas to place against, or a revision with
    nothing to revise (before anything is solved or recorded)."""
    year_quota, new_landstal = options.year, options.new_landstal
    if revise_quotas and ((year_quota is None and new_landstal is None) or ledger is None):
        raise InputError(
            Problem(
                "needs --ledger and new quotas (--quotas or --landstal)",
                "--revise-quotas",
            )
        )
    if ledger is not None and year_quota is None and io.ledger_is_new(ledger):
        start = "--quotas or --landstal"
        if new_landstal is not None:
            start += " without --revise-quotas"
        raise InputError(
            Problem(f"no ledger at this path yet: give {start} to start one", str(ledger))
        )
    if ledger is None and year_quota is None:
        raise InputError(
            Problem(
                "no quotas: give --quotas, --landstal, a --ledger that holds them, or a "
                "--scenario with a [kvoter] section",
                "assign",
            )
        )


def _given_quotas(
    problems: list[Problem],
    kommuner: Kommuner,
    quotas: Path | None,
    landstal: str | None,
    data_year: int | None,
    ledger: Path | None,
    scenario: Path | None,
    revise_quotas: bool,
) -> _Given:
    """The quotas from ``--quotas``, ``--landstal`` (with ``--data-year``), ``--revise-quotas``
    or the scenario's ``[kvoter]``, in that order, and the scenario's settings; a problem with
    any of them is added to ``problems``."""
    from visitering.assignment.problem import Parameters, Weights
    from visitering.batch import IN_FORCE_NOTE
    from visitering.scenario import VisiteringSettings

    notes: list[str] = []
    year_quota = None
    basis: str | None = None  # what year_quota was computed on, for the ledger
    new_landstal: int | None = None
    if quotas is not None and landstal is not None:
        problems.append(Problem("give either --quotas or --landstal, not both", "--quotas"))
    elif quotas is not None:
        table = gather(problems, lambda: read_table(quotas))
        if table is not None:
            year_quota = gather(problems, lambda: tables.read_kvoter(table, kommuner))
            # notes go into the exports: no path; a proxy notice the file carries goes on
            notes.append(f"Quotas: {quotas.name}")
            notes.extend(n for n in table.notes if n.startswith(PROXY_PREFIX))
    elif landstal is not None and revise_quotas:
        # § 7 stk. 8-11 apply to the quotas in force: worked out once the ledger is open.
        new_landstal = gather(problems, lambda: parse_landstal(landstal))
    elif landstal is not None:
        computed = gather(problems, lambda: _engine_quotas(landstal, data_year, notes))
        year_quota, basis = computed or (None, None)
    if data_year is not None and (landstal is None or revise_quotas):
        problems.append(
            Problem(
                "applies only with --landstal, to compute the year's quotas on that year's "
                "data (a revision by --landstal uses the data the quotas in force were "
                "computed on)",
                "--data-year",
            )
        )
    settings = VisiteringSettings(Weights(), Parameters())
    if scenario is not None and (loaded := gather(problems, lambda: _settings(scenario))):
        settings, spec = loaded
        if spec.kvoter is not None:
            on_ledger = ledger is not None and not io.ledger_is_new(ledger)
            if revise_quotas:
                notes.append("The scenario's [kvoter] is not used: the ledger's are revised.")
            elif quotas is not None or landstal is not None or on_ledger:
                source = "--quotas" if quotas else "--landstal" if landstal else "the ledger"
                notes.append(
                    f"The scenario's [kvoter] and [data] are not used: {source} gives the quotas."
                )
            else:
                computed = gather(problems, lambda: _scenario_quotas(spec, kommuner, notes))
                year_quota, basis = computed or (None, None)
    if ledger is not None and year_quota is None and new_landstal is None:
        notes.insert(0, IN_FORCE_NOTE)
    return _Given(notes, settings, year_quota, basis, new_landstal)


def _revision_reason(quotas: Path | None, year_quota: dict[int, int]) -> str:
    """The recorded reason of a ``--revise-quotas --quotas FILE`` revision.

    It goes into the ledger and from there into the KKR files, so it names the file, not the
    path it was read from on the caseworker's machine, with the quotas' total.
    """
    name = "the given quotas" if quotas is None else f"the quotas of {quotas.name}"
    total = sum(year_quota.values())
    return f"landstal revision (§ 4 stk. 7, § 7 stk. 8-11): {name}, {total} persons"


@dataclass(frozen=True)
class _Quotas:
    """The quotas an ``assign`` run gives the ledger: the year's (or revised ones, with the
    reason), or a new landstal to revise the quotas in force to (``--revise-quotas``)."""

    year: dict[int, int] | None
    revision: str | None
    new_landstal: int | None
    #: What ``year`` was computed on (:mod:`visitering.kvoter.aarsgrundlag`), if known.
    basis: str | None = None


def _run_on_ledger(path: Path, inputs: BatchInputs, quotas: _Quotas, kommuner: Kommuner) -> Batch:
    """Run the batch on the ledger at ``path``.

    A ledger not started yet (no file, or an empty one) is created only when the batch has
    something to record (:func:`visitering.batch.start_ledger`), so a failed first batch leaves
    no file behind, and no run ever removes a file that another run may be recording in.
    """
    from visitering.batch import run_batch, start_ledger

    io.check_ledger_writable(path)  # before the solve, not after it
    connections: list[sqlite3.Connection] = []

    def opened() -> Ledger:
        connections.append(io.open_database(path))
        return _ledger(connections[-1], path, kommuner, create=True)

    try:
        with _sqlite_errors(path):
            if io.ledger_is_new(path) and quotas.year is not None:
                scratch = Ledger(io.open_memory_database(), str(path))
                return start_ledger(inputs, quotas.year, scratch, opened, quotas.basis)
            book = opened()
            if quotas.new_landstal is None:
                return run_batch(inputs, quotas.year, book, quotas.revision, basis=quotas.basis)
            landstal = quotas.new_landstal
            return run_batch(
                inputs,
                None,
                book,
                revise=lambda in_force, basis: revider_i_kraft(
                    in_force, landstal, basis, kommuner, str(path), book.landstal_forloeb()
                ),
            )
    finally:
        for connection in connections:
            connection.close()  # the last connection's close folds the write-ahead log back


@contextmanager
def _sqlite_errors(path: Path) -> Iterator[None]:
    """An error SQLite raises while the ledger is used, as an input error naming the file:
    a damaged file (a disk fault, a copy cut short) was a traceback (ledger audit, stop 26).
    A batch being recorded is rolled back first, so nothing of it is kept."""
    try:
        yield
    except sqlite3.OperationalError as exc:
        raise InputError(Problem(f"cannot use the ledger ({exc})", str(path))) from None
    except sqlite3.DatabaseError as exc:
        raise InputError(
            Problem(f"damaged ledger ({exc}); restore it from a backup", str(path))
        ) from None


@contextmanager
def _reading(path: Path, kommuner: Kommuner) -> Iterator[Ledger]:
    """The ledger at ``path``, opened read-only and closed again."""
    connection = io.open_database(path, create=False)
    try:
        with _sqlite_errors(path):
            book = _ledger(connection, path, kommuner)
            with book.reading():
                yield book
    finally:
        connection.close()


def _ledger(
    connection: sqlite3.Connection, path: Path, kommuner: Kommuner, create: bool = False
) -> Ledger:
    """The ledger on ``connection``, its quotas checked against the municipalities."""
    book = Ledger(connection, str(path), create)
    unknown = sorted(s.kommunekode for s in book.status() if s.kommunekode not in kommuner)
    if unknown:
        raise InputError(
            Problem(
                f"damaged ledger: quotas for unknown kommunekode {', '.join(map(str, unknown))}",
                str(path),
            )
        )
    return book


def _with_options(params: Parameters, time_limit: float | None, seed: int | None) -> Parameters:
    """``--time-limit`` and ``--seed`` in place of the scenario's; a bad value names its option."""
    try:
        return replace(
            params,
            time_limit_s=params.time_limit_s if time_limit is None else time_limit,
            seed=params.seed if seed is None else seed,
        )
    except InputError as exc:
        option = {"time_limit_s": "--time-limit", "seed": "--seed"}
        raise InputError(
            [Problem(p.message, option.get(p.column or "", p.source)) for p in exc.problems]
        ) from None


def _settings(path: Path) -> tuple[VisiteringSettings, Scenario]:
    """The placement settings of a scenario file, and the scenario as a whole.

    The ``[visitering]`` section is required (without it the batch would silently run on the
    default weights); the rest of the file is validated too, since its ``[kvoter]`` section
    can give the quotas.
    """
    from visitering.scenario import parse_scenario, parse_visitering_settings

    text = io.read_scenario_text(path)  # read once, validated twice
    settings = parse_visitering_settings(text, str(path))
    return settings, parse_scenario(
        text, str(path), embedded.kommuner(), io.read_input, path.parent
    )


def _scenario_quotas(
    spec: Scenario, kommuner: Kommuner, notes: list[str]
) -> tuple[dict[int, int], str]:
    """The quotas at the end of the scenario's landstal path (§ 7, with its revisions), and
    what they were computed on (for a later increase, § 7 stk. 9)."""
    from visitering.scenario import scenario_quotas
    from visitering.scenario.run import kvotegrundlag

    result, lines = scenario_quotas(spec, kommuner)
    notes.extend([f"Scenario: {spec.name}", *lines])
    return result.kvoter, kvotegrundlag(result).to_text()


def _engine_quotas(
    landstal: str, data_year: int | None, notes: list[str]
) -> tuple[dict[int, int], str]:
    """The quotas for ``landstal`` on the embedded data, and what they were computed on."""
    from visitering.kvoter.aarsgrundlag import Kvotegrundlag
    from visitering.kvoter.beregning import beregn_kvoter
    from visitering.report.kvoter import grundlag_lines

    grundlag = embedded.embedded_grundlag(data_year)
    result = beregn_kvoter(grundlag, parse_landstal(landstal))
    notes.append(f"Quotas: landstal {result.landstal}, {grundlag.kilde}")
    notes.extend(grundlag_lines(grundlag))
    return result.kvoter, Kvotegrundlag(grundlag).to_text()


@app.command("explain-case")
def explain_case(
    case_id: Annotated[str, typer.Argument(help="The case's id.")],
    ledger: Annotated[
        Path | None, typer.Option("--ledger", help="The ledger holding the decision.")
    ] = None,
    placements: Annotated[
        Path | None,
        typer.Option("--placements", help="A placeringer.csv export holding the decision."),
    ] = None,
) -> None:
    """Tell in plain words why a case went where it did (from the ledger or an export)."""
    from visitering.inputs.placeringer import read_placement
    from visitering.report.placering import explain_case as explain
    from visitering.report.placering import replaced_lines

    with input_errors():
        if (ledger is None) == (placements is None):
            raise InputError(
                Problem("give exactly one of --ledger and --placements", "explain-case")
            )
        kommuner = embedded.kommuner()
        if placements is not None:
            kode, persons, record = read_placement(read_table(placements), case_id)
            show(explain(case_id, kode, persons, record, kommuner))
            return
        assert ledger is not None
        with _reading(ledger, kommuner) as book:
            found = book.decision(case_id)
            replaced = book.replaced(case_id)
        if found is None:
            raise InputError(
                Problem(f"case {printable(case_id)} has no recorded decision", str(ledger))
            )
        decision, batch_no = found
        record = _recorded_explanation(decision.forklaring, case_id, ledger)
        show(
            explain(
                decision.case_id, decision.kommunekode, decision.persons, record, kommuner, batch_no
            )
            + replaced_lines(replaced, kommuner)
        )


def _recorded_explanation(text: str, case_id: str, path: Path) -> dict[str, Any]:
    """The soft-term record of a decision, as the ledger stored it (JSON)."""
    from visitering.assignment.result import LegalBasis

    try:
        record = jsonlib.loads(text)
    except ValueError:
        record = None
    if not isinstance(record, dict) or record.get("legal_basis") not in set(LegalBasis):
        raise InputError(
            Problem(f"damaged ledger: the record of case {case_id} cannot be read", str(path))
        )
    return record


@ledger_app.command("status")
def ledger_status(
    ledger: Annotated[Path, typer.Option("--ledger", help="The ledger file.")],
    json: Annotated[
        bool,
        flag(
            "--json",
            help="Print the status as JSON: batches, revisions, every municipality, totals.",
        ),
    ] = False,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            help="Directory to write kvoteforbrug.csv and one kvoteforbrug_KKR_<region>.csv "
            "per region to (counts only, fit to send to a KKR).",
        ),
    ] = None,
    plots: Annotated[
        Path | None,
        typer.Option(
            "--plots",
            help="Directory to write kvote_mod_placeringer.png to: the quota in force "
            "against persons placed, batch by batch.",
        ),
    ] = None,
    csv_dialect: DialectOpt = Dialect.DANISH,
) -> None:
    """Quota use per municipality for the year so far: quota, persons placed (of them under
    a § 11 stk. 3-4 exception), cases placed, remaining."""
    from visitering.assignment.result import LegalBasis
    from visitering.kvoter.aarsgrundlag import Kvotegrundlag
    from visitering.report import kvoteforbrug

    with input_errors():
        kommuner = embedded.kommuner()
        exceptions = {str(b) for b in LegalBasis if b.is_exception}
        with _reading(ledger, kommuner) as book:
            basis, damaged = book.kvotegrundlag(), False
            grundlag = None
            if basis is not None:
                try:
                    grundlag = Kvotegrundlag.from_text(basis, kommuner, str(ledger))
                except InputError:  # the counts are still what the KKR needs
                    damaged = True
            forbrug = kvoteforbrug.Kvoteforbrug(
                tuple(book.status(exceptions)),
                book.batch_count(),
                tuple(kvoteforbrug.Revision(*r) for r in book.revisions()),
                grundlag,
                damaged,
            )
            forloeb = book.forloeb() if plots is not None else None
        extra: list[tuple[Path, bytes]] = []
        if plots is not None and forloeb is not None:
            from visitering.report import diagrammer  # matplotlib only when a chart is wanted

            i_kraft = forbrug.totals()[0]  # the quotas in force now
            chart = diagrammer.kvote_mod_placeringer_png(forloeb, i_kraft=i_kraft)
            extra.append((plots / "kvote_mod_placeringer.png", chart))
        emit(
            json,
            lambda: kvoteforbrug.json_document(forbrug, kommuner),
            lambda: kvoteforbrug.terminal_text(forbrug, kommuner),
            out,
            lambda: kvoteforbrug.export_files(forbrug, kommuner, csv_dialect),
            extra,
        )
        if plots is not None:
            typer.echo(f"Wrote kvote_mod_placeringer.png to {plots}", err=True)
