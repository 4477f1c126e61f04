"""The embedded files are checked as they are read (regression, data audit, stop 27).

Someone adding a vintage to data/ must get the file, row and column of a bad figure: before,
a negative population gave a zero quota with exit code 0, a duplicated row replaced the real
one, and a missing row or a non-numeric cell ended in a traceback.
"""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from visitering import io
from visitering.cli import app
from visitering.inputs import embedded

CACHED = (embedded.kommuner, embedded._population, embedded._population_table,
          embedded._immigrant_share, embedded._history)  # fmt: skip


@pytest.fixture
def damaged(monkeypatch):
    """Replace one embedded file's text by a function of it, with the caches cleared."""
    real = io.read_embedded

    def damage(name: str, change):
        def read(wanted: str) -> bytes:
            data = real(wanted)
            return change(data.decode("utf-8")).encode("utf-8") if wanted == name else data

        monkeypatch.setattr(io, "read_embedded", read)
        for f in CACHED:
            f.cache_clear()

    yield damage
    monkeypatch.undo()
    for f in CACHED:
        f.cache_clear()


def _ballerup_2025(text: str, replace: str) -> str:
    lines = text.splitlines(keepends=True)
    i = next(i for i, line in enumerate(lines) if line.startswith("151,Ballerup,1084,2025-01-01,"))
    return "".join([*lines[:i], replace, *lines[i + 1 :]]), i + 1


def test_a_bad_population_figure_is_named_by_file_row_and_column(damaged):
    text = io.read_embedded("befolkning_kommuner.csv").decode("utf-8")
    original = next(
        line for line in text.splitlines(keepends=True)
        if line.startswith("151,Ballerup,1084,2025-01-01,")
    )  # fmt: skip
    fields = original.split(",")
    cases = {
        "negative": (",".join([*fields[:4], "-" + fields[4], *fields[5:]]), "folketal"),
        "text": (",".join([*fields[:4], "abc", *fields[5:]]), "folketal"),
    }
    for bad, column in cases.values():
        changed, row = _ballerup_2025(text, bad)
        damaged("befolkning_kommuner.csv", lambda _t, changed=changed: changed)
        result = CliRunner().invoke(app, ["quotas"])
        assert result.exit_code == 2, result.output
        assert f"data/befolkning_kommuner.csv, row {row}, column {column}:" in result.stderr


def test_a_duplicated_or_missing_municipality_is_refused(damaged):
    text = io.read_embedded("befolkning_kommuner.csv").decode("utf-8")
    lines = text.splitlines(keepends=True)
    i = next(i for i, line in enumerate(lines) if line.startswith("151,Ballerup,1084,2025-01-01,"))
    twice = "".join([*lines, lines[i].replace(lines[i].split(",")[4], "1", 1)])
    damaged("befolkning_kommuner.csv", lambda _t: twice)
    result = CliRunner().invoke(app, ["quotas"])
    assert result.exit_code == 2
    assert f"kommunekode 151 appears again (first in row {i + 1})" in result.stderr
    without = "".join(line for line in lines if not line.startswith("825,Læsø,1081,2025-01-01,"))
    damaged("befolkning_kommuner.csv", lambda _t: without)
    result = CliRunner().invoke(app, ["quotas"])
    assert result.exit_code == 2
    assert "data/befolkning_kommuner.csv, column kommunekode: 2025 lacks kommunekode 825" in (
        result.stderr
    )


def test_a_bad_landstal_and_a_duplicated_municipality_code(damaged):
    damaged(
        "landstal_historik.csv",
        lambda t: t.replace("2026,landstal,,Hele landet,600,", "2026,landstal,,Hele landet,6OO,"),
    )
    result = CliRunner().invoke(app, ["quotas"])
    assert result.exit_code == 2
    assert "data/landstal_historik.csv, row" in result.stderr and "column antal" in result.stderr
    damaged("kommuner.csv", lambda t: t + t.splitlines(keepends=True)[1])
    result = CliRunner().invoke(app, ["quotas", "--landstal", "600"])
    assert result.exit_code == 2
    assert "data/kommuner.csv, row 100, column kommunekode: kommunekode 101 appears again" in (
        result.stderr
    )


def test_the_shipped_data_passes_its_own_checks():
    for f in CACHED:
        f.cache_clear()
    assert len(embedded.kommuner()) == 98
    assert all(len(v) == 98 for v in embedded._population().values())
    assert all(len(v) == 98 for v in embedded._immigrant_share().values())
