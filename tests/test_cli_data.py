"""``visitering data years`` and ``data check``, every embedded data year against the totals in
data/README.md, and ``--data-year`` for each year."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from visitering.cli import app
from visitering.inputs import embedded

runner = CliRunner()

# National totals of the 98 municipalities, data/README.md section 3 ("National totals").
README_TOTALS = {
    2008: 5_475_695,
    2015: 5_659_624,
    2022: 5_873_327,
    2025: 5_992_644,
    2026: 6_025_511,
}
# DST's "Hele landet" on 1 January, which also counts Christiansø (about 90 residents, in no
# municipality): 2008 from the FOLK1B example in the statbank R package's README (5,475,791),
# 2023 from a FOLK1A answer quoted in mikkelkrogsholm/dst-skills (5,932,654), 2025 and 2026 from
# data/README.md; 2011, 2015, 2019, 2022 and 2024 are DST's published figures for the date.
DST_HELE_LANDET = {
    2008: 5_475_791,
    2011: 5_560_628,
    2015: 5_659_715,
    2019: 5_806_081,
    2022: 5_873_420,
    2023: 5_932_654,
    2024: 5_961_249,
    2025: 5_992_734,
    2026: 6_025_603,
}


# Immigrants and descendants (the I_k proxy), national sums of the estimates, data/README.md
# file 4 ("Checks").
README_IMMIGRANT_SUMS = {
    2008: 497_961,
    2011: 562_466,
    2015: 657_433,
    2019: 793_597,
    2022: 847_073,
    2026: 1_011_037,
}


def population_total(year: int) -> int:
    return sum(g.befolkning for g in embedded.embedded_grundlag(year).kommuner)


def test_the_embedded_years_are_the_nine_population_vintages():
    assert embedded.data_years() == [2008, 2011, 2015, 2019, 2022, 2023, 2024, 2025, 2026]


@pytest.mark.parametrize("year", sorted(README_TOTALS))
def test_national_total_matches_data_readme(year):
    assert population_total(year) == README_TOTALS[year]


@pytest.mark.parametrize("year", sorted(README_IMMIGRANT_SUMS))
def test_immigrant_estimates_sum_to_the_data_readme_figures(year):
    kommuner = embedded.embedded_grundlag(year).kommuner
    assert sum(g.indvandrere for g in kommuner) == README_IMMIGRANT_SUMS[year]


@pytest.mark.parametrize("year", sorted(DST_HELE_LANDET))
def test_every_year_is_dst_hele_landet_less_christiansoe(year):
    assert 85 <= DST_HELE_LANDET[year] - population_total(year) <= 100


@pytest.mark.parametrize("year", embedded.data_years())
def test_quotas_work_for_every_data_year_and_name_it(year):
    result = runner.invoke(app, ["quotas", "--landstal", "600", "--data-year", str(year), "--json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert payload["data_aar"] == year
    assert payload["summer"]["befolkning"] == population_total(year)
    assert sum(r["regionskvote"] for r in payload["regioner"]) == 600
    assert [(k["symbol"], k["proxy"]) for k in payload["kolonner"]] == [
        ("P_k", False),
        ("I_k", True),
        ("F_k", True),
    ]


def test_every_quota_export_names_the_data_year_and_each_columns_source(tmp_path):
    out = tmp_path / "out"
    result = runner.invoke(
        app, ["quotas", "--landstal", "600", "--data-year", "2023", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    expected = [
        "# Data year: 2023 (P_k on 1 January 2023, each column's source and date below)",
        "# P_k befolkning: DST FOLK1AM 2023M01, population on 1 January 2023 (proxy: no)",
        "# I_k indvandrere: all immigrants and descendants, all origins, DST FOLK1E share on "
        "1 January 2022, applied to the population of 2023 (proxy: yes)",
        "# F_k familiesammenfoerte: 0 (not public) (proxy: yes)",
    ]
    for path in out.glob("*.csv"):
        lines = path.read_text(encoding="utf-8-sig").splitlines()
        for line in expected:
            assert line in lines, (path.name, line)


def test_data_years_lists_provenance_and_proxies():
    result = runner.invoke(app, ["data", "years"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == (
        "Embedded data years (data/README.md): population per municipality on 1 January"
    )
    assert lines[2] == (
        "  2008  DST FOLK1A 2008K1           5,475,695  1 January 2008            497,961  "
        "0          yes"
    )
    assert lines[7] == (
        "  2023  DST FOLK1AM 2023M01         5,932,561  1 January 2022*           857,126  "
        "0          yes"
    )
    assert len(lines) == 2 + 9 + 5
    for year in embedded.data_years():
        assert f"  {year}  DST FOLK1A" in result.stdout


def write_inputs(path: Path, year: int, notes: bool = True, edit: dict[int, str] | None = None):
    """The embedded figures of ``year`` as an inputs file, F_k empty, optionally edited rows."""
    lines = [f"# data_year: {year}"] if notes else []
    lines.append("kommunekode;befolkning;indvandrere;familiesammenfoerte")
    for g in embedded.embedded_grundlag(year).kommuner:
        row = f"{g.kommune.kode};{g.befolkning};{g.indvandrere};"
        lines.append((edit or {}).get(g.kommune.kode, row))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_check_summarises_totals_shares_negative_a_k_and_the_comparison(tmp_path):
    path = write_inputs(tmp_path / "g.csv", 2026)
    result = runner.invoke(app, ["data", "check", str(path)])
    assert result.exit_code == 0, result.output
    text = result.stdout
    assert text.startswith(
        f"Inputs file {path}: valid, 98 municipalities\n"
        "PROXY DATA - not official quotas: F_k is empty for 98 of 98 municipalities and taken "
        "as 0.\n"
        "Data year: 2026 (P_k on 1 January 2026, each column's source and date below)\n"
        f"P_k befolkning: user-supplied, column befolkning of {path.name} (proxy: no)\n"
    )
    for block in (
        "Totals\n"
        "  P  befolkning              6,025,511\n"
        "  I  indvandrere             1,011,037\n"
        "  F  familiesammenfoerte             0  (empty for 98 of 98 municipalities in "
        f"{path.name}, taken as 0)\n",
        "  1084  Region Hovedstaden        0.3231    0.4642    0.1821\n",
        "Municipalities with a_k < 0 (fordelingstal 0 for any landstal): 5\n"
        "  183   Ishøj              a_k  -0.003758  (p_k 0.004097, i_k 0.011951)\n",
        "Compared with the embedded data for 2026 (data/README.md):\n",
        "  Σ befolkning     6,025,511    6,025,511          +0\n",
        "  befolkning is the same in all 98 municipalities.\n",
    ):
        assert block in text


def test_check_lists_population_differences_largest_first(tmp_path):
    path = write_inputs(tmp_path / "g.csv", 2025, edit={101: "101;600000;1;", 147: "147;106000;1;"})
    result = runner.invoke(app, ["data", "check", str(path)])
    assert result.exit_code == 0, result.output
    assert result.stdout.endswith(
        "  befolkning differs in 2 of 98 municipalities; largest differences first:\n"
        "    101   København             600,000    667,099   -67,099\n"
        "    147   Frederiksberg         106,000    105,840      +160\n"
    )


def test_check_without_a_recorded_year_compares_only_when_asked(tmp_path):
    path = write_inputs(tmp_path / "g.csv", 2019, notes=False)
    plain = runner.invoke(app, ["data", "check", str(path)])
    assert plain.stdout.endswith(
        "No data year is recorded in the file; give --data-year YEAR to compare it with the "
        "embedded data.\n"
    )
    assert "Data year: not recorded in the inputs\n" in plain.stdout
    asked = runner.invoke(app, ["data", "check", str(path), "--data-year", "2019"])
    assert "befolkning is the same in all 98 municipalities." in asked.stdout
    # A year asked for by name without data is a mistake, as on every other command
    # (regression, CLI audit, stop 26: a note and exit code 0).
    other = runner.invoke(app, ["data", "check", str(path), "--data-year", "2020"])
    assert (other.exit_code, other.stdout) == (2, "")
    assert other.stderr == (
        "error: 1 problem in the input:\n  --data-year: no embedded data for 2020; available "
        "years: 2008, 2011, 2015, 2019, 2022, 2023, 2024, 2025, 2026\n"
    )
    # A year recorded in the file without embedded data only skips the comparison.
    later = write_inputs(tmp_path / "r.csv", 2019)
    later.write_text(later.read_text(encoding="utf-8").replace("2019", "2020", 1), "utf-8")
    recorded = runner.invoke(app, ["data", "check", str(later)])
    assert recorded.exit_code == 0
    assert recorded.stdout.endswith(
        "No embedded data for 2020 to compare with (embedded years: 2008, 2011, 2015, 2019, "
        "2022, 2023, 2024, 2025, 2026).\n"
    )


def test_check_reports_every_problem_at_once(tmp_path):
    path = write_inputs(
        tmp_path / "g.csv",
        2026,
        edit={101: "101;x;5;", 147: "147;10;-1;", 151: "151;10;10;abc", 153: "999;1;1;"},
    )
    result = runner.invoke(app, ["data", "check", str(path)])
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr == (
        "error: 5 problems in the input:\n"
        f"  {path}, row 3, column befolkning: 'x' is not a whole number\n"
        f"  {path}, row 4, column indvandrere: '-1' is negative\n"
        f"  {path}, row 5, column familiesammenfoerte: 'abc' is not a whole number\n"
        f"  {path}, row 6, column kommunekode: 999 is not the code of a Danish municipality\n"
        f"  {path}: kommunekode 153 (Brøndby) is missing; all 98 municipalities must be present\n"
    )


def test_swapped_columns_and_an_empty_municipality_are_refused(tmp_path):
    """Regression (audit, stop 25): a file with befolkning and indvandrere swapped was
    "valid" and gave 24 municipalities quota 0; a population of 0 passed too."""
    path = write_inputs(tmp_path / "g.csv", 2026, edit={101: "101;70000;660000;", 825: "825;0;0;"})
    result = runner.invoke(app, ["data", "check", str(path)])
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == (
        "error: 2 problems in the input:\n"
        f"  {path}, row 3, column indvandrere: 660000 immigrants but 70000 inhabitants "
        "(befolkning); are the columns swapped?\n"
        f"  {path}, row 95, column befolkning: every municipality has inhabitants; 0 is not a "
        "population\n"
    )


def test_a_data_year_note_that_is_not_ascii_digits_is_not_recorded(tmp_path):
    path = write_inputs(tmp_path / "g.csv", 2026)
    path.write_text(path.read_text("utf-8").replace("2026", "2²", 1), encoding="utf-8")
    result = runner.invoke(app, ["data", "check", str(path)])
    assert result.exit_code == 0, result.output
    assert "Data year: not recorded in the inputs\n" in result.stdout


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b";;;\r\n", "the file is empty (no header row)"),
        (b'" "', "the file is empty (no header row)"),
        (
            "kommunekode;befolkning\n101;5\n".encode("utf-16"),
            "the file is UTF-16 text; save it as 'CSV UTF-8' (or Windows-1252)",
        ),
        (
            b"kommunekode\tbefolkning\tindvandrere\tfamiliesammenfoerte\n101\t1\t1\t1\n",
            "row 1: the header row is read as one column, but it contains tabs: separate the "
            "columns with ';' or ',' (and do not quote the whole row) (columns found: "
            "kommunekode\tbefolkning\tindvandrere\tfamiliesammenfoerte)",
        ),
        (
            b"kommunekode;befolkning;indvandrere;familiesammenfoerte\n101;1;1;1\n# 147;1;1;1\n",
            "row 3: the row starts with '#': notes ('# ...') belong above the header row; "
            'delete the row, or quote the first cell ("#...") if it is data',
        ),
        (
            b"kommunekode;befolkning;indvandrere;familiesammenfoerte\n10\xc2\xb9;1;1;1\n"
            b'"101;1;1;1\n',
            'row 3, column kommunekode: a quote (") opened in this row is never closed, so the '
            "rest of the file would be read as one cell; close the quote or remove it",
        ),
    ],
)
def test_check_reports_a_broken_file_as_input_without_a_traceback(tmp_path, data, message):
    path = tmp_path / "g.csv"
    path.write_bytes(data)
    result = runner.invoke(app, ["data", "check", str(path)])
    assert result.exit_code == 2, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    where = f"{path}, " if message.startswith("row") else f"{path}: "
    assert result.stderr == f"error: 1 problem in the input:\n  {where}{message}\n"


def test_check_refuses_counts_and_codes_that_are_not_ascii_digits(tmp_path):
    path = write_inputs(
        tmp_path / "g.csv",
        2026,
        edit={101: "101;" + "1" * 5000 + ";5;", 147: "147;10;６００;", 151: "4²;10;10;"},
    )
    result = runner.invoke(app, ["data", "check", str(path)])
    assert result.exit_code == 2
    assert result.stderr == (
        "error: 4 problems in the input:\n"
        f"  {path}, row 3, column befolkning: too large: a number here has at most 12 digits\n"
        f"  {path}, row 4, column indvandrere: '６００' is not a whole number\n"
        f"  {path}, row 5, column kommunekode: '4²' is not a kommunekode\n"
        f"  {path}: kommunekode 151 (Ballerup) is missing; all 98 municipalities must be present\n"
    )


def test_a_few_empty_f_k_are_named_in_the_warning_and_the_proxy_notice(tmp_path):
    lines = ["kommunekode;befolkning;indvandrere;familiesammenførte"]
    for g in embedded.embedded_grundlag(2026).kommuner:
        f = "" if g.kommune.kode in (461, 825) else "2"
        lines.append(f"{g.kommune.kode};{g.befolkning};{g.indvandrere};{f}")
    path = tmp_path / "g.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = runner.invoke(app, ["quotas", "--landstal", "600", "--inputs", str(path)])
    assert result.exit_code == 0, result.output
    assert result.stderr == (
        "warning: familiesammenfoerte (F_k, § 4 stk. 3) is empty for 2 of 98 municipalities "
        f"in {path.name} (461, 825); they are taken as 0 until you fill them in.\n"
    )
    assert (
        "PROXY DATA - not official quotas: F_k is empty for 2 of 98 municipalities and taken "
        "as 0.\n" in result.stdout
    )


def test_provenance_survives_excel_saving_the_file_again(tmp_path):
    """Danish Excel pads note lines with empty cells and saves as Windows-1252."""
    path = write_inputs(tmp_path / "g.csv", 2024)
    text = path.read_text(encoding="utf-8")
    padded = text.replace(
        "# data_year: 2024\n",
        "# data_year: 2024;;;\n# P_k befolkning: DST FOLK1A, Tid 2024K1 (KØN=TOT);;;\n",
    )
    path.write_bytes(padded.encode("cp1252"))
    result = runner.invoke(app, ["data", "check", str(path)])
    assert result.exit_code == 0, result.output
    assert (
        "Data year: 2024 (P_k on 1 January 2024, each column's source and date below)\n"
        in result.stdout
    )
    assert "P_k befolkning: DST FOLK1A, Tid 2024K1 (KØN=TOT) (proxy: no)\n" in result.stdout
    assert "befolkning is the same in all 98 municipalities." in result.stdout


def test_scenario_and_ukraine_reports_name_the_data_year_and_their_columns():
    from dataclasses import replace

    from visitering.scenario import load_scenario, run_scenario
    from visitering.scenario.run import summary, terminal_text

    root = Path(__file__).resolve().parent.parent
    scenario = replace(load_scenario(root / "scenarios" / "2016_revisioner.toml"), cases=None)
    result = run_scenario(scenario, embedded.kommuner())
    assert summary(result)["data"]["data_aar"] == 2015
    text = terminal_text(result)
    assert "Data year: 2015\n" in text
    assert "F_k familiesammenfoerte: 0 (not public) (proxy: yes)\n" in text

    ukraine = runner.invoke(app, ["ukraine", "--data-year", "2019", "--json"])
    assert ukraine.exit_code == 0, ukraine.output
    payload = json.loads(ukraine.stdout)
    assert payload["data_aar"] == 2019
    assert [k["symbol"] for k in payload["kolonner"]] == ["P_k"]  # population variant
