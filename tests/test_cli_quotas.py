"""CLI tests for ``visitering quotas`` and ``explain``: the text users see is pinned here."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.conftest import run_and_list_heavy
from visitering.cli import app
from visitering.inputs.embedded import PROXY_NOTE, embedded_grundlag

runner = CliRunner()

HEADER_600 = """\
Kommunekvoter, landstal 600 (BEK nr. 550/2022 §§ 4 og 7), visitering 0.1.0
Rounding: largest remainder (Hamilton); exact ties go to the lower kommunekode
Data: embedded data: population 1 January 2026 (DST FOLK1A/FOLK1AM); immigrants and descendants, \
all origins, DST FOLK1E (same date); F_k = 0
PROXY DATA - not official quotas: I_k is approximated by all immigrants and descendants \
(DST FOLK1E) and F_k = 0; supply the real figures as an inputs file (visitering quotas --inputs, \
or inputs in the [data] of a scenario).
"""


def run(*args: str):
    return runner.invoke(app, list(args))


def inputs_csv(
    path: Path,
    delimiter: str = ",",
    encoding: str = "utf-8",
    header: str = "familiesammenfoerte",
    rows: list[str] | None = None,
) -> Path:
    """The embedded figures written as a user inputs file (optionally edited)."""
    lines = [delimiter.join(["kommunekode", "befolkning", "indvandrere", header])]
    lines += (
        rows
        if rows is not None
        else [
            delimiter.join(map(str, (g.kommune.kode, g.befolkning, g.indvandrere, 2)))
            for g in embedded_grundlag().kommuner
        ]
    )
    path.write_bytes(("\n".join(lines) + "\n").encode(encoding))
    return path


def test_the_latest_landstal_is_computed_on_the_data_of_the_year_before():
    """docs/rules.md § 1, Timing: quotas for year Y+1 use P and I of 1 January Y. Regression
    (audit, stop 24): with no option, the 2026 landstal (600) was computed on the data of
    1 January 2026, where its quotas were computed on those of 2025; a landstal given is the
    next year's, on the newest data."""
    default = json.loads(run("quotas", "--json").stdout)
    assert (default["landstal"], default["data_aar"]) == (600, 2025)
    explicit = json.loads(
        run("quotas", "--landstal", "600", "--data-year", "2025", "--json").stdout
    )
    assert default == explicit
    assert json.loads(run("quotas", "--landstal", "600", "--json").stdout)["data_aar"] == 2026


def test_quotas_prints_header_regions_and_marked_zero_quotas():
    result = run("quotas", "--landstal", "600")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(HEADER_600)
    assert "  1081  Region Nordjylland            80.3421            81\n" in result.stdout
    assert "  101   København          Hovedstaden         18.3062            18\n" in result.stdout
    assert "nul-kvote (v_k <= 0)" in result.stdout
    # Regression (audit, stop 24): the count said 5 with zero quota where 8 have quota 0.
    laesoe = "  825   Læsø               Nordjylland          0.2602             0"
    assert f"{laesoe}  quota 0 (t_k < 1, rounded down)\n" in result.stdout
    assert result.stdout.endswith(
        "98 municipalities, 8 with quota 0 (5 nul-kvote-kommuner (v_k ≤ 0), 3 with t_k rounded "
        "down to 0); quotas sum to 600.\n"
    )


def test_default_landstal_is_the_latest_announced():
    result = run("quotas")
    assert result.exit_code == 0
    assert result.stdout.startswith("Kommunekvoter, landstal 600 ")


def test_user_inputs_have_no_proxy_notice_and_accept_danish_header_in_cp1252(tmp_path):
    path = inputs_csv(tmp_path / "tal.csv", ";", "cp1252", header="familiesammenførte")
    result = run("quotas", "--landstal", "600", "--inputs", str(path))
    assert result.exit_code == 0, result.output
    assert "PROXY" not in result.stdout
    # The file's name, not its path: the provenance goes into the exports for the KKR.
    assert "Data: user inputs: tal.csv (read as Windows-1252)\n" in result.stdout


def test_utf8_bom_semicolon_inputs(tmp_path):
    path = inputs_csv(tmp_path / "tal.csv", ";", "utf-8-sig", header="familiesammenførte")
    result = run("quotas", "--landstal", "600", "--inputs", str(path), "--json")
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert payload["proxy"] is False
    assert payload["summer"]["familiesammenfoerte"] == 196


def test_json_carries_every_intermediate_and_the_proxy_note():
    result = run("quotas", "--landstal", "600", "--json")
    payload = json.loads(result.stdout)
    assert payload["proxy_note"] == PROXY_NOTE
    odense = next(k for k in payload["kommuner"] if k["kommunekode"] == 461)
    assert odense["fordelingstal"] == "19.031812945982"
    assert odense["kommunekvote"] == 19
    assert sum(r["regionskvote"] for r in payload["regioner"]) == 600


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--landstal", "0"],
            "error: 1 problem in the input:\n"
            "  --landstal: must be a positive whole number, got 0\n",
        ),
        (
            ["--landstal", "-5"],
            "error: 1 problem in the input:\n"
            "  --landstal: must be a positive whole number, got -5\n",
        ),
        (
            ["--landstal", "12.5"],
            "error: 1 problem in the input:\n  --landstal: '12.5' is not a whole number\n",
        ),
        (
            ["--landstal", "abc"],
            "error: 1 problem in the input:\n  --landstal: 'abc' is not a whole number\n",
        ),
        (
            ["--data-year", "2010"],
            "error: 1 problem in the input:\n  --data-year: no embedded data for 2010; "
            "available years: 2008, 2011, 2015, 2019, 2022, 2023, 2024, 2025, 2026\n",
        ),
        (
            ["--inputs", "/nonexistent/tal.csv"],
            "error: 1 problem in the input:\n  /nonexistent/tal.csv: file not found\n",
        ),
    ],
)
def test_bad_command_line_values(args, message):
    result = run("quotas", *args)
    assert result.exit_code == 2
    assert result.stderr == message
    assert result.stdout == ""


def test_every_problem_in_an_inputs_file_is_reported_at_once(tmp_path):
    rows = [
        f"{g.kommune.kode},{g.befolkning},{g.indvandrere},0" for g in embedded_grundlag().kommuner
    ]
    rows[0] = "101,abc,194193,0"  # non-numeric (file row 2)
    rows[1] = "147,106150,-3,0"  # negative (row 3)
    rows[2] = "999,1,1,0"  # unknown code (row 4), so 151 is missing
    rows[3] = "101,671714,194193,0"  # duplicate (row 5), so 153 is missing too
    path = inputs_csv(tmp_path / "tal.csv", rows=rows)
    out = tmp_path / "out"
    result = run("quotas", "--landstal", "600", "--inputs", str(path), "--out", str(out))
    assert result.exit_code == 2
    assert result.stderr == (
        f"error: 6 problems in the input:\n"
        f"  {path}, row 2, column befolkning: 'abc' is not a whole number\n"
        f"  {path}, row 3, column indvandrere: '-3' is negative\n"
        f"  {path}, row 4, column kommunekode: 999 is not the code of a Danish municipality\n"
        f"  {path}, row 5, column kommunekode: kommunekode 101 appears again (first in row 2)\n"
        f"  {path}: kommunekode 151 (Ballerup) is missing; all 98 municipalities must be present\n"
        f"  {path}: kommunekode 153 (Brøndby) is missing; all 98 municipalities must be present\n"
    )
    assert "Traceback" not in result.output
    assert not out.exists()


def test_missing_column_and_undecodable_file(tmp_path):
    path = tmp_path / "tal.csv"
    path.write_text("kommunekode,befolkning\n101,5\n", encoding="utf-8")
    result = run("quotas", "--inputs", str(path))
    assert result.exit_code == 2
    assert (
        f"  {path}, row 1: required column 'indvandrere' is missing (columns found: "
        "kommunekode, befolkning)\n" in result.stderr
    )
    # Regression (audit, stop 24): no row was named, and 0x81 is Latin-1 (not Windows-1252).
    path.write_bytes(b"kommunekode;befolkning\n101;5\n147;\x81\x8d\n")
    result = run("quotas", "--inputs", str(path))
    assert result.exit_code == 2
    assert (
        f"  {path}, row 3: the file is neither UTF-8 nor Windows-1252 text (byte 0x81 in this "
        "row is neither); save it as 'CSV UTF-8'\n" in result.stderr
    )


def test_problems_from_several_inputs_are_reported_together(tmp_path):
    agreements = tmp_path / "aftale.csv"
    agreements.write_text("kommunekode;kommunekvote\n101;x\n", encoding="utf-8")
    result = run("quotas", "--landstal", "-1", "--agreements", str(agreements))
    assert result.exit_code == 2
    assert result.stderr == (
        "error: 2 problems in the input:\n"
        "  --landstal: must be a positive whole number, got -1\n"
        f"  {agreements}, row 2, column kommunekvote: 'x' is not a whole number\n"
    )


def test_agreement_that_does_not_sum_gives_exit_2_and_no_files(tmp_path):
    agreements = tmp_path / "aftale.csv"
    agreements.write_text(
        "kommunekode;kommunekvote\n773;3\n787;6\n810;5\n813;8\n820;5\n825;0\n840;5\n846;6\n"
        "849;6\n851;28\n860;10\n",
        encoding="utf-8",
    )
    out = tmp_path / "out"
    result = run("quotas", "--landstal", "600", "--agreements", str(agreements), "--out", str(out))
    assert result.exit_code == 2
    assert result.stderr == (
        "error: 1 problem in the input:\n"
        f"  {agreements}, column kommunekvote: the agreement for Region Nordjylland sums to 82, "
        "but the region quota is 81; an agreement must sum to the region quota (§ 6), otherwise "
        "the § 7 quotas apply: leave the agreement out to compute them\n"
    )
    assert not out.exists()


def test_valid_agreement_moves_laesoe_share_to_hjoerring(tmp_path):
    """The real 2026 pattern: Læsø's share taken over by Hjørring (landstal_historik.csv).
    Læsø rounds to 0 here anyway, so the KKR also moves one person from Aalborg to Hjørring."""
    agreements = tmp_path / "aftale.csv"
    agreements.write_text(
        "kommunekode;kommunekvote\n773;3\n787;6\n810;5\n813;8\n820;5\n825;0\n840;5\n846;6\n"
        "849;6\n851;27\n860;10\n",
        encoding="utf-8",
    )
    result = run("quotas", "--landstal", "600", "--agreements", str(agreements))
    assert result.exit_code == 0, result.output
    assert (
        "  860   Hjørring           Nordjylland          8.8756            10  aftale §§ 5-6 "
        "(computed 9)\n"
    ) in result.stdout


def test_explain_cites_the_paragraphs_step_by_step():
    result = run("explain", "--landstal", "600", "--kommune", "Odense")
    assert result.exit_code == 0, result.output
    text = result.stdout
    for line in (
        "461 Odense (Region Syddanmark)\n",
        "Step 1 (§ 4): fordelingsandel a_k = 2·p_k − i_k\n",
        "  = 2 × 0.03537758 − 0.03864745 = 0.03210771\n",
        "  = 19.264628 × 600 / 607.339754 = 19.031813\n",
        "Step 6 (§ 7): rounding to whole persons by largest remainder (Hamilton); exact ties go "
        "to the lower kommunekode.\n",
        "Result: kommunekvote 19 (basis: § 7).\n",
    ):
        assert line in text
    assert PROXY_NOTE in text


def test_explain_zero_quota_municipality():
    result = run("explain", "--landstal", "600", "--kommune", "825")
    assert result.exit_code == 0
    # Læsø has v_k > 0 but rounds to 0; Ishøj (183) is a nul-kvote-kommune.
    result = run("explain", "--landstal", "600", "--kommune", "183")
    assert "Step 4 (§ 4): v_k ≤ 0, so the fordelingstal is 0 (a nul-kvote-kommune)" in result.stdout


@pytest.mark.parametrize("kommune", ["Atlantis", "4²", "４６１", "4" * 5000])
def test_explain_unknown_kommune(kommune):
    """Superscript, fullwidth and 5,000-digit codes used to crash int() (regressions)."""
    result = run("explain", "--kommune", kommune)
    assert result.exit_code == 2
    assert result.stderr == (
        "error: 1 problem in the input:\n"
        f"  --kommune: {kommune!r} is neither a kommunekode nor a municipality "
        "name\n"
    )


def test_every_command_has_help_and_is_in_the_readme():
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    commands = [
        ["quotas"],
        ["explain"],
        ["revise"],
        ["assign"],
        ["explain-case"],
        ["ledger", "status"],
        ["cases", "synth"],
        ["ukraine"],
        ["scenario", "run"],
        ["scenario", "compare"],
        ["data", "fetch"],
        ["data", "check"],
        ["data", "years"],
    ]
    for command in commands:
        result = run(*command, "--help")
        assert result.exit_code == 0, command
        assert "Usage" in result.stdout
        assert f"visitering {' '.join(command)} " in readme, command


@pytest.mark.parametrize(
    ("argv", "start"),
    [
        (["quotas", "--landstal", "600"], "Kommunekvoter, landstal 600"),
        (["ukraine", "--block-size", "100"], "Forholdsmæssige kommunetal, block of 100 persons"),
    ],
)
def test_module_entry_point_and_light_imports(argv, start):
    """``python -m visitering`` works, and the quota and Ukraine paths import neither OR-Tools
    nor pandas nor numpy nor matplotlib (they belong to visitering, maps and the notebooks)."""
    out, heavy = run_and_list_heavy(argv)
    assert out.startswith(start)
    assert heavy == []


def test_an_option_given_twice_is_refused(tmp_path, monkeypatch):
    """Regression (noticed at stop 28): Click took the last of two values silently, so
    ``--landstal 600 ... --landstal 6000`` computed 6,000.  Now exit 2 naming both, whatever
    the spelling (``--landstal=600``) and the command; repeatable options and flags still
    repeat."""
    twice = run("quotas", "--landstal=600", "--landstal", "700")
    assert twice.exit_code == 2
    assert "Invalid value for '--landstal': given 2 times (--landstal 600; --landstal 700):" in (
        " ".join(twice.stderr.replace("│", " ").split())
    )
    assert twice.stdout == ""
    cases = tmp_path / "c.csv"
    cases.write_text("case_id;persons\nA;1\n", encoding="utf-8")
    out = tmp_path / "o"
    assign = run("assign", "--cases", str(cases), "--out", str(out), "--out", str(tmp_path / "p"))
    assert assign.exit_code == 2 and "'--out': given 2 times" in assign.stderr
    assert not out.exists()
    flags = run("quotas", "--landstal", "600", "--json", "--json")
    assert flags.exit_code == 0 and json.loads(flags.stdout)["landstal"] == 600
    # Regressions (review of stop 29): a value is a value whatever it looks like ("--" as a
    # directory let a repeat through; "--landstal" as one was refused), and --help wins.
    hidden = run("quotas", "--landstal", "600", "--out", "--", "--landstal", "6000", "--json")
    assert hidden.exit_code == 2 and "given 2 times" in hidden.stderr
    odd = tmp_path / "sub" / "--landstal"
    named = run("quotas", "--landstal", "600", "--out", str(odd), "--json")
    assert named.exit_code == 0 and (odd / "kommunekvoter.csv").exists()
    monkeypatch.chdir(tmp_path)  # --out --landstal: a directory of that name, here
    spelled = run("quotas", "--landstal", "600", "--json", "--out", "--landstal")
    assert spelled.exit_code == 0, spelled.output
    helped = run("quotas", "--landstal", "1", "--landstal", "2", "--help")
    assert helped.exit_code == 0 and "Usage:" in helped.stdout
