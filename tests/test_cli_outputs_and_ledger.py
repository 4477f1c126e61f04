"""No partial output and no touched files after a failure (regressions from a CLI audit).

Each test pins a failure that used to leave something behind: exports renamed into place before a
later one failed, a ledger recorded or created by a command that then reported an error, a
foreign SQLite database adopted as a ledger, a stale file mixed into a scenario result folder.
"""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner

from visitering.cli import app
from visitering.inputs.embedded import kommuner

runner = CliRunner()


def run(*args: str):
    return runner.invoke(app, list(args))


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture()
def one_case(tmp_path) -> Path:
    cases = tmp_path / "cases.csv"
    cases.write_text("case_id;persons\nA;1\n", encoding="utf-8")
    return cases


@pytest.fixture()
def ledger(tmp_path, one_case) -> Path:
    """A ledger with one recorded batch (landstal 600)."""
    book = tmp_path / "l.sqlite"
    result = run("assign", "--cases", str(one_case), "--landstal", "600", "--ledger", str(book))
    assert result.exit_code == 0, result.output
    return book


def test_a_directory_in_the_way_of_one_export_leaves_none_of_them(tmp_path):
    out = tmp_path / "q"
    (out / "kvoter.xlsx").mkdir(parents=True)
    result = run("quotas", "--landstal", "600", "--out", str(out))
    assert result.exit_code == 2
    assert result.stderr == (
        f"error: 1 problem in the input:\n  {out / 'kvoter.xlsx'}: is a directory; an export "
        "cannot replace it\n"
    )
    assert result.stdout == ""  # nothing printed before the error
    assert [p.name for p in out.iterdir()] == ["kvoter.xlsx"]


@pytest.fixture()
def blocker(tmp_path) -> Path:
    """A plain file where a command is told to write a directory."""
    path = tmp_path / "afile"
    path.write_text("x", encoding="utf-8")
    return path


def file_not_directory(path: Path) -> str:
    return f"error: 1 problem in the input:\n  {path}: is a file, not a directory\n"


def test_quota_exports_maps_and_report_are_written_together(tmp_path, blocker):
    out = tmp_path / "o"
    result = run("quotas", "--landstal", "600", "--out", str(out), "--plots", str(blocker))
    assert (result.exit_code, result.stderr) == (2, file_not_directory(blocker))
    assert not out.exists()


def test_synth_cases_file_goes_when_the_quota_file_cannot_be_written(tmp_path):
    cases, blocked = tmp_path / "e.csv", tmp_path / "adir"
    blocked.mkdir()
    result = run("cases", "synth", "--n", "3", "--out", str(cases), "--quotas-out", str(blocked))
    assert result.exit_code == 2
    assert f"{blocked}: is a directory; an export cannot replace it" in result.stderr
    assert not cases.exists()


def test_an_unusable_out_fails_before_the_ledger_records_the_batch(tmp_path, one_case, blocker):
    book = tmp_path / "l.sqlite"
    args = ["--cases", str(one_case), "--landstal", "600", "--ledger", str(book)]
    result = run("assign", *args, "--out", str(blocker))
    assert (result.exit_code, result.stderr) == (2, file_not_directory(blocker))
    assert not book.exists()


def test_a_ledger_does_not_start_in_a_directory_that_does_not_exist(tmp_path, one_case):
    """Regression (fuzz audit, stop 28): ``--ledger a/b/l.sqlite`` created a/b, so a mistyped
    path started a second ledger of the year with its quotas untouched."""
    book = tmp_path / "typo" / "deeper" / "l.sqlite"
    result = run("assign", "--cases", str(one_case), "--landstal", "600", "--ledger", str(book))
    assert (result.exit_code, result.stderr) == (
        2,
        f"error: 1 problem in the input:\n  {book}: cannot start a ledger here: its directory "
        f"{book.parent} does not exist (create it first, or check the path)\n",
    )
    assert not (tmp_path / "typo").exists()
    beside = tmp_path / "a-file"
    beside.write_text("", encoding="utf-8")
    result = run("assign", "--cases", str(one_case), "--landstal", "600", "--ledger",
                 str(beside / "l.sqlite"))  # fmt: skip
    assert f"its directory {beside} is a file (check the path)\n" in result.stderr


def test_a_new_ledger_is_removed_when_its_first_batch_has_no_placement(tmp_path):
    cases = tmp_path / "cases.csv"
    cases.write_text("case_id;persons\nBIG-1;90\n", encoding="utf-8")
    book = tmp_path / "l.sqlite"
    result = run("assign", "--cases", str(cases), "--landstal", "10", "--ledger", str(book))
    assert result.exit_code == 3
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cases.csv"]


def test_read_only_commands_refuse_a_foreign_database_untouched(tmp_path, one_case):
    foreign = tmp_path / "foreign.sqlite"
    with sqlite3.connect(foreign) as db:
        db.execute("CREATE TABLE x (y INTEGER)")
    db.close()
    refused_untouched(foreign, one_case, "not a visitering ledger (it holds other tables: x)")


def refused_untouched(path: Path, cases: Path, message: str) -> None:
    """Every command that opens a ledger refuses ``path`` with ``message``, leaving it as it
    was."""
    before = digest(path)
    expected = f"error: 1 problem in the input:\n  {path}: {message}\n"
    for args in (
        ["ledger", "status", "--ledger", str(path)],
        ["explain-case", "A", "--ledger", str(path)],
        ["assign", "--cases", str(cases), "--landstal", "600", "--ledger", str(path)],
    ):
        result = run(*args)
        assert (result.exit_code, result.stderr) == (2, expected), args
    assert digest(path) == before


def test_an_empty_file_is_not_turned_into_a_ledger_by_reading_it(tmp_path):
    empty = tmp_path / "zero.sqlite"
    empty.write_bytes(b"")
    result = run("explain-case", "A", "--ledger", str(empty))
    assert result.exit_code == 2
    assert f"{empty}: not a visitering ledger (an empty database)" in result.stderr
    assert empty.read_bytes() == b""


def side_files(path: Path) -> list[str]:
    return sorted(p.name for p in path.parent.iterdir() if p.name.startswith(f"{path.name}-"))


def test_an_empty_file_is_where_a_ledger_may_start(tmp_path, one_case):
    """Regression (stop 22 note): a 0-byte ledger file counted as an existing ledger, so a
    scenario's [kvoter] was not used, and the failed run left it an initialised, empty ledger
    (45 KB).  Now it is a ledger not yet started: a failure leaves it empty, a batch starts it."""
    book = tmp_path / "l.sqlite"
    book.write_bytes(b"")
    result = run("assign", "--cases", str(one_case), "--ledger", str(book))
    assert (result.exit_code, result.stderr) == (
        2,
        f"error: 1 problem in the input:\n  {book}: no ledger at this path yet: give --quotas or "
        "--landstal to start one\n",
    )
    big = tmp_path / "big.csv"
    big.write_text("case_id;persons\nA;40\n", encoding="utf-8")
    result = run("assign", "--cases", str(big), "--landstal", "600", "--ledger", str(book))
    assert result.exit_code == 3, result.output  # infeasible: nothing recorded
    assert (book.read_bytes(), side_files(book)) == (b"", [])
    scenario = tmp_path / "s.toml"
    scenario.write_text(
        "[kvoter]\nlandstal = 600\n[visitering.weights]\nwishes = 2\n", encoding="utf-8"
    )
    args = ("--cases", str(one_case), "--scenario", str(scenario), "--ledger", str(book))
    result = run("assign", *args)
    assert result.exit_code == 0, result.output
    assert "not used" not in result.stdout
    status = run("ledger", "status", "--ledger", str(book))
    assert status.stdout.splitlines()[-1].split()[-5:] == ["600", "1", "0", "1", "599"]


def test_a_ledger_that_cannot_be_written_is_refused_before_any_work(
    tmp_path, one_case, ledger, monkeypatch
):
    """Regression (stop 22 note): a ledger in a directory the user may not write to was
    reported as "not an SQLite database" (SQLite cannot make its write-ahead log there).
    Root passes every permission check, so the test has ``os.access`` answer as it would for
    another user."""
    import os

    real = os.access

    def read_only(where: Path):
        def access(path, mode, **kw):
            return not (Path(path) == where and mode == os.W_OK) and real(path, mode, **kw)

        monkeypatch.setattr(os, "access", access)

    read_only(tmp_path)
    result = run("assign", "--cases", str(one_case), "--ledger", str(ledger))
    assert (result.exit_code, result.stderr) == (
        2,
        f"error: 1 problem in the input:\n  {ledger}: cannot record in this ledger: its "
        f"directory {tmp_path} cannot be written (read-only for this user, or on a read-only "
        "disk), and SQLite keeps the ledger's write-ahead log (l.sqlite-wal, l.sqlite-shm) "
        "beside it\n",
    )
    read_only(ledger)
    result = run("assign", "--cases", str(one_case), "--ledger", str(ledger))
    assert result.stderr.endswith(
        f"{ledger}: cannot record in this ledger: the file cannot be written (read-only for "
        "this user, or on a read-only disk)\n"
    )


def test_a_ledger_on_a_read_only_share_is_still_read(tmp_path, one_case, ledger, monkeypatch):
    """A year's ledger archived where SQLite cannot make its shared-memory file (a read-only
    directory: SQLITE_CANTOPEN) is read as an immutable file, unless a write-ahead log beside
    it may hold batches the file does not."""
    from visitering import io

    real = io._connect_read_only
    opened: list[bool] = []

    def cannot_share(path: Path, immutable: bool):
        opened.append(immutable)
        if not immutable:
            exc = sqlite3.OperationalError("unable to open database file")
            exc.sqlite_errorcode = sqlite3.SQLITE_CANTOPEN  # type: ignore[attr-defined]
            raise exc
        return real(path, immutable)

    monkeypatch.setattr(io, "_connect_read_only", cannot_share)
    # The read-write connection a reader tries first fails the same way there.
    monkeypatch.setattr(io, "_connect_for_reading", lambda path: cannot_share(path, False))
    expected = run("ledger", "status", "--ledger", str(ledger))
    assert expected.exit_code == 0, expected.output
    assert opened == [False, True]
    assert expected.stdout.splitlines()[-1].split()[-5:] == ["600", "1", "0", "1", "599"]
    (tmp_path / "l.sqlite-wal").write_bytes(b"x")
    result = run("explain-case", "A", "--ledger", str(ledger))
    assert (result.exit_code, result.stderr) == (
        2,
        f"error: 1 problem in the input:\n  {ledger}: cannot open the ledger (unable to open "
        "database file): SQLite cannot make its shared-memory file in that directory, and "
        "l.sqlite-wal beside it may hold batches the file does not; copy the ledger with "
        "l.sqlite-wal to a directory you may write to\n",
    )


def test_reading_a_ledger_leaves_no_write_ahead_log_and_changes_nothing(ledger):
    """Regression (ledger audit, stop 26): after `ledger status`, the last reader, the ledger's
    -wal and -shm files stayed beside it.  A reader now cleans up as a writer does, and its
    connection cannot change the data (query_only)."""
    from visitering import io

    before = ledger.read_bytes()
    for args in (["ledger", "status"], ["explain-case", "A"]):
        result = run(*args, "--ledger", str(ledger))
        assert result.exit_code == 0, result.output
        assert sorted(p.name for p in ledger.parent.glob("l.sqlite*")) == ["l.sqlite"]
    assert ledger.read_bytes() == before
    connection = io.open_database(ledger, create=False)
    with pytest.raises(sqlite3.OperationalError, match="readonly"):
        connection.execute("DELETE FROM placering")
    connection.close()


def test_a_lost_table_is_reported_not_recreated(ledger):
    with sqlite3.connect(ledger) as db:
        db.execute("DROP TABLE placering")
    db.close()
    result = run("ledger", "status", "--ledger", str(ledger))
    assert result.exit_code == 2
    assert result.stderr == (
        f"error: 1 problem in the input:\n  {ledger}: damaged ledger: missing table placering\n"
    )


@pytest.mark.parametrize("forklaring", ["not json", "[1, 2]", '{"legal_basis": "luck"}'])
def test_an_unreadable_recorded_explanation_is_a_damaged_ledger(ledger, forklaring):
    with sqlite3.connect(ledger) as db:
        db.execute("UPDATE placering SET forklaring = ?", (forklaring,))
    db.close()
    result = run("explain-case", "A", "--ledger", str(ledger))
    assert result.exit_code == 2
    assert result.stderr == (
        f"error: 1 problem in the input:\n  {ledger}: damaged ledger: the record of case A "
        "cannot be read\n"
    )


def test_quotas_for_an_unknown_kommunekode_are_a_damaged_ledger(ledger):
    assert 9999 not in kommuner()
    with sqlite3.connect(ledger) as db:
        db.execute("INSERT INTO kvote VALUES (9999, 5)")
    db.close()
    result = run("ledger", "status", "--ledger", str(ledger))
    assert result.exit_code == 2
    assert f"{ledger}: damaged ledger: quotas for unknown kommunekode 9999" in result.stderr


def test_a_scenario_result_folder_never_mixes_two_runs(tmp_path):
    with_cases = tmp_path / "a.toml"
    with_cases.write_text(
        "[kvoter]\nlandstal = 600\n[cases]\nsynthetic = { n = 5, seed = 1 }\n", encoding="utf-8"
    )
    quotas_only = tmp_path / "b.toml"
    quotas_only.write_text("[kvoter]\nlandstal = 600\n", encoding="utf-8")
    folder = tmp_path / "res"
    assert run("scenario", "run", str(with_cases), "--out", str(folder)).exit_code == 0
    before = {p.name: digest(p) for p in folder.iterdir()}
    result = run("scenario", "run", str(quotas_only), "--out", str(folder))
    assert result.exit_code == 2
    assert f"{folder}: holds " in result.stderr and "placeringer.csv" in result.stderr
    assert {p.name: digest(p) for p in folder.iterdir()} == before


def test_a_ledger_that_keeps_changing_is_an_error_with_nothing_recorded(
    tmp_path, one_case, ledger, monkeypatch
):
    """Other runs record a batch on the ledger while this one is solved, every time: exit code
    5, the reason on stderr, no export and no decision (see test_ledger.py for the re-solve)."""
    from visitering import batch as batch_module
    from visitering.ledger import LedgerChanged

    def changed(*args, **kwargs):
        raise LedgerChanged

    monkeypatch.setattr(batch_module.Ledger, "record_batch", changed)
    cases = tmp_path / "week2.csv"
    cases.write_text("case_id;persons\nB;2\n", encoding="utf-8")
    out = tmp_path / "out"
    result = run("assign", "--cases", str(cases), "--ledger", str(ledger), "--out", str(out))
    assert result.exit_code == 5
    assert result.stderr == (
        f"error: {ledger}: the ledger changed while this batch was being placed, 3 times in a "
        "row (other runs are recording batches on it): nothing was recorded; run the batch "
        "again\n"
    )
    assert result.stdout == ""
    assert not out.exists()
    monkeypatch.undo()
    lookup = run("explain-case", "B", "--ledger", str(ledger))
    assert lookup.exit_code == 2 and "case B has no recorded decision" in lookup.stderr


def test_a_file_that_is_no_database_is_refused_untouched(tmp_path, one_case):
    """Regression (CLI audit): a CSV given as --ledger by mistake ended in a traceback
    (sqlite3.DatabaseError: file is not a database) from every command."""
    text = tmp_path / "kvoter.csv"
    text.write_text("kommunekode;kommunekvote\n101;5\n", encoding="utf-8")
    refused_untouched(text, one_case, "not a visitering ledger (not an SQLite database)")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cases.csv", "kvoter.csv"]


@pytest.mark.parametrize("damage", ["page", "cut"])
def test_a_damaged_ledger_is_an_input_error_not_a_traceback(ledger, one_case, damage):
    """Regression (ledger audit, stop 26): a ledger with a damaged page (a disk fault) ended in
    a traceback (sqlite3.DatabaseError: database disk image is malformed) from every command,
    and one cut short was called "not an SQLite database"."""
    with ledger.open("r+b") as f:
        if damage == "page":  # page 2 holds a table's root: every command reads it
            f.seek(4096)
            f.write(b"\xff" * 4096)
        else:
            f.truncate(3 * 4096)
    refused_untouched(
        ledger,
        one_case,
        "damaged ledger (database disk image is malformed); restore it from a backup",
    )


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("dangling", "is a link to a path that does not exist"),
        ("x" * 300, "cannot be an output directory (File name too long)"),
        ("new/" + "y" * 300, "a name in it is longer than 255 bytes, the most allowed"),
    ],
    ids=["dangling-link", "long-name", "long-name-inside"],
)
def test_an_out_that_cannot_be_made_fails_before_the_ledger_records(
    tmp_path, one_case, name, message
):
    """Regression (CLI audit): an --out that is a link to nowhere passed the check, the ledger
    recorded the batch, and only then did the export fail (exit 2, decisions recorded but no
    files); an over-long name ended in a traceback."""
    (tmp_path / "dangling").symlink_to(tmp_path / "nowhere" / "x")
    out = tmp_path / name
    book = tmp_path / "l.sqlite"
    result = run(
        "assign", "--cases", str(one_case), "--landstal", "600", "--ledger", str(book),
        "--out", str(out),
    )  # fmt: skip
    source = tmp_path / "dangling" if name == "dangling" else out
    assert (result.exit_code, result.stderr) == (
        2,
        f"error: 1 problem in the input:\n  {source}: {message}\n",
    )
    assert not book.exists()


def _cli(*args: str, env: dict[str, str] | None = None, stdout=None):
    import os
    import subprocess
    import sys

    return subprocess.run(
        [sys.executable, "-m", "visitering", *args],
        stdout=stdout if stdout is not None else subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, **(env or {})},
        check=False,
    )


def test_the_output_is_utf8_whatever_the_locale():
    """Same input, same bytes. Regression (audit, stop 24): under a Latin-1 locale the JSON
    came out in Latin-1, and a '→' or 'Σ' in the text crashed the command (after `assign` had
    recorded its batch). PYTHONIOENCODING stands in for the locale here."""
    explain = ["explain", "--landstal", "600", "--kommune", "461"]
    # 'Σ' is beyond Latin-1 (it crashed); 'æ' is in it (it came out as one Latin-1 byte).
    for args, non_ascii in ((explain, "Σ"), (["quotas", "--json"], "æ")):
        utf8 = _cli(*args)
        latin1 = _cli(*args, env={"PYTHONIOENCODING": "latin-1"})
        assert (latin1.returncode, latin1.stderr) == (0, b"")
        assert latin1.stdout == utf8.stdout
        assert non_ascii in utf8.stdout.decode("utf-8")


def test_a_result_that_cannot_be_printed_keeps_what_was_recorded(tmp_path):
    """Regression (audit, stop 24): with standard output full, `assign` recorded its batch and
    then ended in a traceback (exit 1), as if it had failed. It now says what stands, exits
    6, and a re-run shows the batch recorded."""
    cases = tmp_path / "c.csv"
    cases.write_text("case_id;persons\nA;1\nB;2\n", encoding="utf-8")
    ledger = tmp_path / "l.sqlite"
    args = ["assign", "--cases", str(cases), "--landstal", "600", "--ledger", str(ledger)]
    with open("/dev/full", "w") as full:
        failed = _cli(*args, stdout=full)
    assert failed.returncode == 6
    assert failed.stderr.decode().startswith(
        "error: the result could not be printed (No space left on device). What was done "
        "before it stands: files written, a batch recorded in a ledger."
    )
    again = _cli(*args)
    assert again.returncode == 0
    assert b"This batch is already recorded as batch 1" in again.stdout


def test_reading_a_ledger_imports_neither_the_solver_nor_numpy(ledger):
    """`ledger status` and `explain-case` only read results (CLI latency audit, stop 27:
    numpy came in with the assignment package's problem types, 0.06 s a command)."""
    from tests.conftest import run_and_list_heavy

    for argv in (["ledger", "status", "--ledger", str(ledger)],
                 ["explain-case", "A", "--ledger", str(ledger)]):  # fmt: skip
        assert run_and_list_heavy(argv)[1] == []
