"""CLI tests for ``visitering ukraine``: the text users see is pinned here."""

from __future__ import annotations

import json
from fractions import Fraction
from pathlib import Path

from typer.testing import CliRunner

from visitering.cli import app
from visitering.formats import csvtext
from visitering.inputs import tables
from visitering.inputs.embedded import PROXY_NOTE, embedded_grundlag, kommuner
from visitering.report.ukraine import COLUMNS

runner = CliRunner()

HEADER = """\
Forholdsmæssige kommunetal, block of 10,000 persons (lov nr. 324 af 16/03/2022 § 30; \
BEK nr. 509/2022 §§ 2-3), visitering 0.1.0
Fordelingsandel: share of the population (BEK nr. 509/2022 § 3 stk. 2)
Carry-over: placed so far 0; target = share of (placed + block) - placed, negatives 0, \
rescaled to the block; volunteers served first, on top of their key part (0 persons)
Rounding: largest remainder (Hamilton); exact ties go to the lower kommunekode
Data: embedded data: population 1 January 2026 (DST FOLK1A/FOLK1AM); immigrants and descendants, \
all origins, DST FOLK1E (same date); F_k = 0
Data year: 2026
P_k befolkning: DST FOLK1AM 2026M01, population on 1 January 2026 (proxy: no)

  kode  kommune            region        andel %  placeret  afvigelse       maal kommunetal
  773   Morsø              Nordjylland    0.3210         0       0.00    32.1035         32
"""


def run(*args: str):
    return runner.invoke(app, list(args))


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_first_block_prints_header_table_and_totals():
    result = run("ukraine")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(HEADER)
    assert PROXY_NOTE not in result.stdout  # population shares are not a proxy
    assert (
        "  101   København          Hovedstaden   11.1478         0       0.00  1114.7835"
        "       1115\n" in result.stdout
    )
    assert result.stdout.endswith(
        "\n98 municipalities, 0 with kommunetal 0; kommunetal sum to 10,000 "
        "(0 volunteers, 10,000 by the key).\n"
    )


def test_second_block_with_placements_and_a_volunteer(tmp_path):
    placed = write(tmp_path / "placed.csv", "kommunekode,placeret\n101,900\n461,10\n")
    offers = write(tmp_path / "vol.csv", "kommunekode;antal\n825;20\n")
    result = run("ukraine", "--placements", str(placed), "--volunteers", str(offers))
    assert result.exit_code == 0, result.output
    assert (
        "Carry-over: placed so far 910; target = share of (placed + block) - placed, "
        "negatives 0, rescaled to the block; volunteers served first, on top of their key part "
        "(20 persons)\n" in result.stdout
    )
    for line in (
        "  825   Læsø               Nordjylland    0.0279         0      -0.25     3.0417"
        "         23  (frivillig 20)\n",
        "  101   København          Hovedstaden   11.1478       900     798.55   313.9992"
        "        314\n",
        "  461   Odense             Syddanmark     3.5378        10     -22.19   375.2619"
        "        375\n",
    ):
        assert line in result.stdout
    assert result.stdout.endswith("(20 volunteers, 9,980 by the key).\n")


def test_refugee_key_variant_names_its_order_and_the_proxy():
    result = run("ukraine", "--variant", "refugee-key", "--block-size", "1000")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(
        "Forholdsmæssige kommunetal, block of 1,000 persons (lov nr. 324 af 16/03/2022 § 30; "
        "BEK nr. 509/2022 §§ 2-3), visitering 0.1.0\n"
        "Fordelingsandel: refugee key 2·p_k − i_k, negatives set to 0, renormalised "
        "(BEK nr. 327/2022)\n"
    )
    assert PROXY_NOTE + "\n" in result.stdout
    assert (
        "I_k indvandrere: all immigrants and descendants, all origins, DST FOLK1E share on "
        "1 January 2026 (proxy: yes)\n" in result.stdout
    )
    assert "kommunetal sum to 1,000 (0 volunteers, 1,000 by the key).\n" in result.stdout


def test_data_year_2023_is_the_population_date_of_bek_1633_2023():
    result = run("ukraine", "--data-year", "2023")
    assert result.exit_code == 0, result.output
    assert "Data: embedded data: population 1 January 2023 " in result.stdout


def test_exports_are_deterministic_danish_csv_and_read_back_as_quotas(tmp_path):
    first, second = tmp_path / "a", tmp_path / "b"
    for out in (first, second):
        result = run("ukraine", "--block-size", "500", "--out", str(out))
        assert result.exit_code == 0, result.output
    assert result.stderr == (f"Wrote 2 files to {second}: kommunetal.csv, kommunetal_kvoter.csv\n")
    for name in ("kommunetal.csv", "kommunetal_kvoter.csv"):
        assert (first / name).read_bytes() == (second / name).read_bytes()
    text = (first / "kommunetal.csv").read_bytes().decode("utf-8-sig")
    header = next(line for line in text.splitlines() if not line.startswith("#"))
    assert header == (
        "kommunekode;kommune;regionskode;region;befolkning;fordelingsandel;kumuleret_ret;"
        "placeret;afvigelse;frivillige;korrigeret_maal;maal;kommunetal"
    )
    assert "\r\n825;Læsø;1081;Region Nordjylland;" in text
    rows = [line.split(";") for line in text.splitlines() if line and line[0].isdigit()]
    assert len(rows) == 98 and sum(int(r[-1]) for r in rows) == 500
    # kommunetal_kvoter.csv has the columns `visitering assign --quotas` reads.
    quotas = (first / "kommunetal_kvoter.csv").read_bytes().decode("utf-8-sig")
    assert "kommunekode;kommune;regionskode;region;kommunekvote\r\n" in quotas
    read_back = tables.read_kvoter(csvtext.parse(quotas, "kommunetal_kvoter.csv"), kommuner())
    assert read_back == {int(r[0]): int(r[-1]) for r in rows}


def test_json_has_every_intermediate():
    result = run("ukraine", "--block-size", "100", "--json")
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert (payload["blokstoerrelse"], payload["variant"], payload["noegle_personer"]) == (
        100,
        "population",
        100,
    )
    first = payload["kommuner"][0]
    assert tuple(first) == COLUMNS  # the CSV header, pinned as text above
    grundlag = embedded_grundlag()
    share = Fraction(grundlag.kommuner[0].befolkning, sum(g.befolkning for g in grundlag.kommuner))
    assert (first["kommunekode"], first["fordelingsandel"]) == (101, "0.111478345986")
    assert abs(Fraction(first["fordelingsandel"]) - share) < Fraction(1, 10**12)
    assert sum(k["kommunetal"] for k in payload["kommuner"]) == 100
    assert payload["proxy_note"] is None  # the population variant uses no proxied figure
    # Regression (audit, stop 24): the refugee key's JSON had no proxy notice; text and CSV do.
    keyed = json.loads(run("ukraine", "--variant", "refugee-key", "--json").stdout)
    assert keyed["proxy_note"] == PROXY_NOTE


def test_bad_placements_report_every_problem_and_write_nothing(tmp_path):
    bad = write(
        tmp_path / "bad.csv",
        "kommunekode;placeret\n101;900\n999;5\n147;-3\n101;4\nabc;x\n",
    )
    out = tmp_path / "out"
    result = run(
        "ukraine",
        "--placements",
        str(bad),
        "--volunteers",
        str(tmp_path / "nope.csv"),
        "--block-size",
        "0",
        "--out",
        str(out),
    )
    assert result.exit_code == 2
    assert result.stderr == (
        "error: 7 problems in the input:\n"
        "  --block-size: must be a positive whole number, got 0\n"
        f"  {bad}, row 3, column kommunekode: 999 is not the code of a Danish municipality\n"
        f"  {bad}, row 4, column placeret: '-3' is negative\n"
        f"  {bad}, row 5, column kommunekode: kommunekode 101 appears again (first in row 2)\n"
        f"  {bad}, row 6, column kommunekode: 'abc' is not a kommunekode\n"
        f"  {bad}, row 6, column placeret: 'x' is not a whole number\n"
        f"  {tmp_path / 'nope.csv'}: file not found\n"
    )
    assert not out.exists()


def test_placements_without_the_column_are_rejected(tmp_path):
    bad = write(tmp_path / "p.csv", "kommunekode,antal\n101,3\n")
    result = run("ukraine", "--placements", str(bad))
    assert result.exit_code == 2
    assert result.stderr == (
        "error: 1 problem in the input:\n"
        f"  {bad}, row 1: required column 'placeret' is missing "
        "(columns found: kommunekode, antal)\n"
    )


def test_inputs_and_data_year_cannot_be_combined(tmp_path):
    result = run("ukraine", "--inputs", str(tmp_path / "x.csv"), "--data-year", "2023")
    assert result.exit_code == 2
    assert (
        "--data-year: --data-year selects embedded data; it cannot be combined with --inputs"
        in result.stderr
    )


def test_a_block_too_large_for_a_divisor_method_is_refused():
    """Regression (Ukraine audit, stop 26): a divisor method hands out one person at a time,
    so --block-size 10000000 took 40 s and 10^9 would have taken hours; the quota engine
    already refuses such a landstal."""
    result = run("ukraine", "--block-size", "1000001", "--method", "sainte-lague")
    assert (result.exit_code, result.stderr) == (
        2,
        "error: 1 problem in the input:\n  --block-size: the sainte-lague method hands out one "
        "person at a time; a block above 1,000,000 is not supported with it (largest-remainder "
        "has no such limit), got 1,000,001\n",
    )
    assert run("ukraine", "--block-size", "1000001", "--json").exit_code == 0


def test_a_population_file_alone_is_enough_for_the_population_key(tmp_path):
    # Regression (Ukraine audit, stop 26): --inputs needed I_k and F_k columns that the
    # population key (BEK nr. 509/2022 § 3 stk. 2) never uses.
    rows = "".join(f"{g.kommune.kode};{g.befolkning}\n" for g in embedded_grundlag(2025).kommuner)
    population = write(tmp_path / "befolkning.csv", "kommunekode;befolkning\n" + rows)
    own = run("ukraine", "--inputs", str(population), "--json")
    assert own.exit_code == 0, own.output
    embedded = run("ukraine", "--data-year", "2025", "--json")
    assert json.loads(own.stdout)["kommuner"] == json.loads(embedded.stdout)["kommuner"]
    text = run("ukraine", "--inputs", str(population)).stdout.splitlines()
    assert text[4:7] == [
        "Data: user inputs: befolkning.csv",
        "Data year: not recorded in the inputs",
        "P_k befolkning: user-supplied, column befolkning of befolkning.csv (proxy: no)",
    ]
    # The refugee key uses I_k: there the file must have it.
    refused = run("ukraine", "--inputs", str(population), "--variant", "refugee-key")
    assert refused.exit_code == 2
    assert "required column 'indvandrere' is missing" in refused.stderr
    # Other commands still need every column of the key.
    quotas = run("quotas", "--landstal", "600", "--inputs", str(population))
    assert quotas.exit_code == 2
    assert "required column 'indvandrere' is missing" in quotas.stderr


def test_a_population_file_alone_refuses_a_population_of_zero(tmp_path):
    # Regression (stop 27 audit): the population-only reading skipped the check that the
    # four-column file gets, and Brøndby got no kommunetal.
    rows = "".join(
        f"{g.kommune.kode};{0 if g.kommune.kode == 153 else g.befolkning}\n"
        for g in embedded_grundlag(2025).kommuner
    )
    population = write(tmp_path / "befolkning.csv", "kommunekode;befolkning\n" + rows)
    result = run("ukraine", "--inputs", str(population))
    assert result.exit_code == 2
    assert "column befolkning: every municipality has inhabitants; 0 is not a population" in (
        result.stderr
    )
