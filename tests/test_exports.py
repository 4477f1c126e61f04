"""Exports: columns, dialects, per-KKR files, xlsx, atomic and byte-for-byte deterministic
writes, and no cell a spreadsheet could run as a formula."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from visitering import io as vio
from visitering.cli import app
from visitering.errors import InputError
from visitering.formats import csvtext
from visitering.formats.csvtext import Dialect
from visitering.inputs import embedded, tables

runner = CliRunner()

REQUIRED = [
    "kommunekode",
    "kommune",
    "regionskode",
    "region",
    "befolkning",
    "indvandrere",
    "familiesammenfoerte",
    "fordelingsandel",
    "beregnet_fordelingstal",
    "foreloebigt_fordelingstal",
    "fordelingstal",
    "kommunekvote",
]


def export(tmp_path: Path, *extra: str) -> Path:
    out = tmp_path / "out"
    result = runner.invoke(app, ["quotas", "--landstal", "600", "--out", str(out), *extra])
    assert result.exit_code == 0, result.output
    return out


def test_files_and_columns(tmp_path):
    out = export(tmp_path)
    assert sorted(p.name for p in out.iterdir()) == [
        "kommunekvoter.csv",
        "kommunekvoter_KKR_Hovedstaden.csv",
        "kommunekvoter_KKR_Midtjylland.csv",
        "kommunekvoter_KKR_Nordjylland.csv",
        "kommunekvoter_KKR_Sjaelland.csv",
        "kommunekvoter_KKR_Syddanmark.csv",
        "kvoter.xlsx",
        "regionskvoter.csv",
    ]
    raw = (out / "kommunekvoter.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf# Kommunekvoter, landstal 600")
    frame = pd.read_csv(
        out / "kommunekvoter.csv", sep=";", decimal=",", comment="#", encoding="utf-8-sig"
    )
    assert set(REQUIRED) <= set(frame.columns)
    assert len(frame) == 98 and frame["kommunekvote"].sum() == 600
    regions = pd.read_csv(
        out / "regionskvoter.csv", sep=";", decimal=",", comment="#", encoding="utf-8-sig"
    )
    assert list(regions.columns[:2]) == ["regionskode", "region"]
    assert regions["regionskvote"].sum() == 600
    nord = pd.read_csv(
        out / "kommunekvoter_KKR_Nordjylland.csv",
        sep=";",
        decimal=",",
        comment="#",
        encoding="utf-8-sig",
    )
    assert len(nord) == 11 and set(nord["region"]) == {"Region Nordjylland"}


def test_every_export_carries_the_proxy_notice(tmp_path):
    out = export(tmp_path)
    for path in out.glob("*.csv"):
        assert "# PROXY DATA - not official quotas" in path.read_text(encoding="utf-8-sig")
    with zipfile.ZipFile(out / "kvoter.xlsx") as z:
        for sheet in ("xl/worksheets/sheet1.xml", "xl/worksheets/sheet2.xml"):
            assert "PROXY DATA - not official quotas" in z.read(sheet).decode()


def test_exact_values_have_ten_decimals_in_both_dialects(tmp_path):
    danish = (export(tmp_path) / "kommunekvoter.csv").read_text(encoding="utf-8-sig")
    assert ";0,1114783460;0,1920730893;0,0308836027;18,5301615952;" in danish
    standard = export(tmp_path / "s", "--csv-dialect", "standard") / "kommunekvoter.csv"
    raw = standard.read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf")
    frame = pd.read_csv(standard, comment="#")
    assert frame.loc[frame.kommunekode == 101, "fordelingstal"].item() == pytest.approx(
        18.3062229869
    )


def test_same_input_same_bytes(tmp_path):
    first, second = export(tmp_path / "a"), export(tmp_path / "b")
    for path in first.iterdir():
        assert path.read_bytes() == (second / path.name).read_bytes(), path.name


def test_no_cell_is_a_formula(tmp_path):
    overrides = tmp_path / "afvigelser.csv"
    overrides.write_text(
        'kode;kvote;begrundelse\n101;20;"=HYPERLINK(""http://x"";""klik"")"\n', encoding="utf-8"
    )
    out = export(tmp_path, "--overrides", str(overrides))
    text = (out / "kommunekvoter.csv").read_text(encoding="utf-8-sig")
    assert ';"\'=HYPERLINK(""http://x"";""klik"")"' in text
    from openpyxl import load_workbook

    sheet = load_workbook(out / "kvoter.xlsx")["Kommunekvoter"]
    cells = [c for row in sheet.iter_rows() for c in row if isinstance(c.value, str)]
    assert any(c.value.startswith("=HYPERLINK") for c in cells)
    assert all(c.data_type == "s" for c in cells)


@given(st.text(max_size=12))
def test_a_guarded_text_reads_back_as_it_was(text):
    """The formula guard is undone on reading an export: every text, a leading ' included."""
    guarded = csvtext.safe_text(text)
    assert not guarded.startswith(("=", "+", "-", "@", "\t", "\r"))
    assert csvtext.unguarded(guarded) == text


def test_explain_case_finds_a_case_whose_id_the_export_guarded(tmp_path):
    """Regression (audit, stop 24): `explain-case +4512345678 --placements` said the case was
    not in the file, which holds it as '+4512345678 (the formula guard)."""
    cases = tmp_path / "c.csv"
    cases.write_text("case_id;persons\n+4512345678;1\n=1+1;2\n'q;1\n", encoding="utf-8")
    out = tmp_path / "o"
    args = ["assign", "--cases", str(cases), "--landstal", "600", "--out", str(out)]
    assert runner.invoke(app, args).exit_code == 0
    for case_id in ("+4512345678", "=1+1", "'q"):
        result = runner.invoke(
            app, ["explain-case", case_id, "--placements", str(out / "placeringer.csv")]
        )
        assert result.exit_code == 0, result.output
        assert result.stdout.startswith(f"Case {case_id} (")


def test_overrides_appear_in_the_exports(tmp_path):
    overrides = tmp_path / "afvigelser.csv"
    overrides.write_text(
        "kode;kvote;begrundelse\n1085;100;særlige integrationsforhold\n101;20;boligsituation\n",
        encoding="utf-8",
    )
    out = export(tmp_path, "--overrides", str(overrides))
    frame = pd.read_csv(
        out / "kommunekvoter.csv", sep=";", decimal=",", comment="#", encoding="utf-8-sig"
    )
    kbh = frame[frame.kommunekode == 101].iloc[0]
    assert (kbh.kommunekvote, kbh.beregnet_kvote, kbh.grundlag) == (20, 18, "afvigelse § 7 stk. 6")
    assert kbh.begrundelse == "boligsituation"
    sjaelland = frame[frame.regionskode == 1085]
    assert sjaelland.kommunekvote.sum() == 100
    assert set(sjaelland.grundlag) == {"§ 4 stk. 6 og § 7"}
    regions = pd.read_csv(
        out / "regionskvoter.csv", sep=";", decimal=",", comment="#", encoding="utf-8-sig"
    )
    assert regions.set_index("regionskode").loc[1085, "grundlag"] == "afvigelse § 4 stk. 6"
    assert "-4 against the landstal 600" in (out / "kommunekvoter.csv").read_text("utf-8-sig")


def test_atomic_write_leaves_nothing_on_failure(tmp_path, monkeypatch):
    target = tmp_path / "out"
    real_replace = vio.os.replace
    calls = []

    def failing_replace(src, dst):
        calls.append(dst)
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(vio.os, "replace", failing_replace)
    with pytest.raises(InputError, match="cannot write output"):
        vio.write_files_atomically(target, {"a.csv": b"1", "b.csv": b"2"})
    assert not target.exists()  # nor the directory it made
    monkeypatch.setattr(vio.os, "replace", real_replace)
    vio.write_files_atomically(target, {"a.csv": b"1"})
    assert sorted(p.name for p in target.iterdir()) == ["a.csv"]


def test_files_in_two_directories_are_written_both_or_neither(tmp_path, monkeypatch):
    # `cases synth --out cases/x.csv --quotas-out quotas/y.csv`: a failure while writing the
    # second file must not leave the first in place.
    first, second = tmp_path / "cases" / "x.csv", tmp_path / "quotas" / "y.csv"
    real_fdopen = vio.os.fdopen
    opened = []

    def disk_full_on_second(fd, mode):
        opened.append(fd)
        if len(opened) == 2:
            raise OSError(28, "No space left on device")
        return real_fdopen(fd, mode)

    monkeypatch.setattr(vio.os, "fdopen", disk_full_on_second)
    with pytest.raises(InputError, match="cannot write output"):
        vio.write_paths_atomically({first: b"1", second: b"2"})
    # Nor the directories it made for them (regression, audit stop 25: `quotas --out o3
    # --report /proc/r.html` failed and left an empty o3).
    assert list(tmp_path.iterdir()) == []
    monkeypatch.setattr(vio.os, "fdopen", real_fdopen)
    assert vio.write_paths_atomically({first: b"1", second: b"2"}) == [first, second]
    assert (first.read_bytes(), second.read_bytes()) == (b"1", b"2")


def test_notes_round_trip_through_the_reader():
    data = csvtext.render(["a", "b"], [[1, "x;y"]], Dialect.DANISH, ["note; with separator"])
    text, _ = csvtext.decode(data, "t.csv")
    table = csvtext.parse(text, "t.csv")
    assert table.columns == ("a", "b")
    assert table.rows[0].cells == {"a": "1", "b": "x;y"}
    assert table.rows[0].number == 3


def test_a_multi_line_reason_in_a_quota_export_reads_back(tmp_path):
    """Quoted cells may hold line breaks (a reason may); only a quote never closed is refused."""
    overrides = tmp_path / "afvigelser.csv"
    overrides.write_text(
        'kode;kvote;begrundelse\n101;20;"boligsituation,\nse notat 7"\n', encoding="utf-8"
    )
    out = export(tmp_path, "--overrides", str(overrides))
    text, encoding = csvtext.decode((out / "kommunekvoter.csv").read_bytes(), "k.csv")
    table = csvtext.parse(text, "k.csv", encoding=encoding)
    kbh = next(r for r in table.rows if r.cells["kommunekode"] == "101")
    assert kbh.cells["begrundelse"] == "boligsituation,\nse notat 7"
    assert kbh.lines == 2
    assert tables.read_kvoter(table, embedded.kommuner())[101] == 20


@pytest.mark.parametrize("dialect", list(Dialect))
def test_notes_with_quotes_and_first_cells_with_hash_round_trip(dialect):
    data = csvtext.render(["a", "b"], [["#1", 'x"y'], ["2", ""]], dialect, ['see "DST, FOLK1A'])
    text, _ = csvtext.decode(data, "t.csv")
    table = csvtext.parse(text, "t.csv")
    assert table.notes == ('see "DST, FOLK1A',)
    assert [r.cells for r in table.rows] == [{"a": "#1", "b": 'x"y'}, {"a": "2", "b": ""}]


def test_xlsx_has_numbers_as_numbers(tmp_path):
    out = export(tmp_path)
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO((out / "kvoter.xlsx").read_bytes()))["Kommunekvoter"]
    header = next(r for r in sheet.iter_rows(values_only=True) if r[0] == "kommunekode")
    rows = [r for r in sheet.iter_rows(values_only=True) if isinstance(r[0], int)]
    assert len(rows) == 98
    col = header.index("kommunekvote")
    assert sum(r[col] for r in rows) == 600


def test_two_outputs_on_one_path_are_refused_before_anything_is_written(tmp_path):
    """Regression (audit): ``cases synth --out same.csv --quotas-out same.csv`` reported both
    written, and the quotas had replaced the cases."""
    with pytest.raises(InputError) as err:
        vio.write_paths_atomically(
            {tmp_path / "a.csv": b"1", tmp_path / "x" / ".." / "a.csv": b"2"}
        )
    assert [str(p) for p in err.value.problems] == [
        f"{tmp_path / 'x' / '..' / 'a.csv'}: two outputs would be written here (also named "
        f"{tmp_path / 'a.csv'}); give each output its own path"
    ]
    assert list(tmp_path.iterdir()) == []
    same = CliRunner().invoke(
        app, ["cases", "synth", "--n", "3", "--out", str(tmp_path / "s.csv"), "--quotas-out",
              str(tmp_path / "." / "s.csv")],
    )  # fmt: skip
    assert (same.exit_code, same.stderr) == (
        2,
        "error: 1 problem in the input:\n  --quotas-out: is the --out file; give the quotas "
        "their own\n",
    )
    assert list(tmp_path.iterdir()) == []


def test_a_directory_that_was_there_stays_when_a_write_fails(tmp_path, monkeypatch):
    """Only the directories the failed write made are removed, and only empty ones."""
    (tmp_path / "kept").mkdir()
    (tmp_path / "kept" / "old.csv").write_bytes(b"0")
    monkeypatch.setattr(vio.os, "fdopen", lambda fd, mode: (_ for _ in ()).throw(OSError(28, "")))
    with pytest.raises(InputError, match="cannot write output"):
        vio.write_paths_atomically([(tmp_path / "kept" / "new" / "a.csv", b"1")])
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["kept", "old.csv"]


@pytest.mark.parametrize(
    "report", ["kommunekvoter.csv", "kort_nulkvote.png"], ids=["export", "map"]
)
def test_a_report_named_like_an_export_is_refused(tmp_path, report):
    """Regression (audit, stop 25): `quotas --out dup --report dup/kommunekvoter.csv` wrote the
    HTML page over the CSV (the outputs were merged into one mapping) and reported both."""
    out = tmp_path / "dup"
    result = CliRunner().invoke(
        app, ["quotas", "--landstal", "600", "--out", str(out), "--plots", str(out),
              "--report", str(out / report)],
    )  # fmt: skip
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == (
        f"error: 1 problem in the input:\n  {out / report}: two outputs would be written here; "
        "give each output its own path\n"
    )
    assert not out.exists()
