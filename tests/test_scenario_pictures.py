"""The pictures of scenario runs and comparisons (the hook of ``visitering scenario run``)."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import pytest
from typer.testing import CliRunner

from visitering.cli import app
from visitering.inputs.embedded import kommuner
from visitering.report import billeder, html, kort
from visitering.scenario import load_scenario, run_scenario
from visitering.scenario.compare import Side, compare

SCENARIOS = Path(__file__).resolve().parent.parent / "scenarios"
runner = CliRunner()


@pytest.fixture(scope="module")
def revised():
    """2016: 12,000 -> 17,000 -> 7,500, quotas only."""
    scenario = load_scenario(SCENARIOS / "2016_revisioner.toml")
    return run_scenario(replace(scenario, cases=None), kommuner())


def test_revised_scenario_maps_the_quotas_in_force_and_the_change(revised):
    files = billeder.scenario_billedfiler(revised)
    assert list(files) == [*html.MAP_CAPTIONS, billeder.I_KRAFT, billeder.FORSKEL, billeder.RAPPORT]
    change = "Change in kommunekvote, landstal 12000 → 7500"
    notes = [f"Data: {revised.beregning.grundlag.kilde}", revised.beregning.grundlag.proxy_note]
    assert files[billeder.FORSKEL] == kort.forskel_png(
        revised.beregning.kvoter, revised.kvoter, change, notes
    )
    page = files[billeder.RAPPORT].decode("utf-8")
    assert "<h1>Scenario: 2016: 12,000 -&gt; 17,000 -&gt; 7,500</h1>" in page
    assert (
        '<p class="meta">landstal 7500 (2016-08-31): nedsættelse, change 55.88 %, mandatory</p>'
        in page
    )
    assert "The tables below are the quotas as first announced (landstal 12000)" in page
    # The quotas in force at the end of the path, beside the first announced, in both tables.
    assert "with the quotas in force at landstal 7500 in their last column" in page
    odense = re.search(r'<tr id="k461">(.*?)</tr>', page).group(1)
    cells = re.findall(r"<td[^>]*>([^<]*)</td>", odense)
    assert (cells[-3], cells[-1]) == (
        str(revised.beregning.kvoter[461]),
        str(revised.kvoter[461]),
    )
    total = re.search(r'<table id="regioner">.*?</table>', page, re.S).group(0)
    assert total.count("kvote i kraft") == 1 and "<strong>7500</strong>" in total
    assert page.count(revised.beregning.grundlag.proxy_note) == 1  # the notice, once
    captions = re.findall(r"<figcaption>([^<]*)</figcaption>", page)
    assert captions[-1] == change and len(captions) == 5
    assert billeder.scenario_billedfiler(revised) == files


def test_placements_are_mapped_with_nobody_placed_in_grey():
    scenario = load_scenario(SCENARIOS / "visitering_standard.toml")
    result = run_scenario(scenario, kommuner())
    files = billeder.scenario_billedfiler(result)
    assert billeder.PLACERET in files and billeder.I_KRAFT not in files
    placed = {k: 0.0 for k in kommuner()}
    for p in result.batch.result.placements:
        placed[p.kommunekode] += p.persons
    scale = kort.skala(placed, zero_distinct=True, zero_label="nobody placed")
    colours = kort.farver(placed, scale)
    assert {k for k, c in colours.items() if c == kort.ZERO_COLOUR} == {
        k for k, v in placed.items() if v == 0
    }
    assert f"Persons placed, {int(sum(placed.values()))} in all" in files[billeder.RAPPORT].decode(
        "utf-8"
    )


def test_comparison_maps_b_minus_a():
    a = Side("A", {k: 5 for k in kommuner()}, {k: 1 for k in kommuner()})
    b = Side("B", {k: 5 + (k % 3) for k in kommuner()}, {k: 1 for k in kommuner()})
    files = billeder.sammenligning_billedfiler(compare(a, b, kommuner()))
    assert list(files) == [billeder.SAMMENLIGNING, billeder.SAMMENLIGNING_PLACERET]
    assert files[billeder.SAMMENLIGNING] == kort.forskel_png(
        a.kvoter, b.kvoter, "Kommunekvote, B − A", ["A: A", "B: B"]
    )
    quotas_only = billeder.sammenligning_billedfiler(
        compare(replace(a, placed=None), b, kommuner())
    )
    assert list(quotas_only) == [billeder.SAMMENLIGNING]
    # Regression (scenario audit, stop 27): a side on proxy data says so on the maps too.
    proxied = billeder.sammenligning_billedfiler(
        compare(replace(a, proxy_note="PROXY DATA - x"), b, kommuner())
    )
    assert proxied[billeder.SAMMENLIGNING] == kort.forskel_png(
        a.kvoter, b.kvoter, "Kommunekvote, B − A", ["A: A", "A: PROXY DATA - x", "B: B"]
    )
    assert proxied[billeder.SAMMENLIGNING] != files[billeder.SAMMENLIGNING]


def test_compare_cli_writes_the_difference_map(tmp_path):
    result = runner.invoke(
        app,
        [
            "scenario",
            "compare",
            str(SCENARIOS / "2016_revisioner.toml"),
            str(SCENARIOS / "2017_revisioner.toml"),
            "--out",
            str(tmp_path),
        ],
    )
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "sammenligning_kommuner.csv",
        "sammenligning_kvote_forskel.png",
        "sammenligning_regioner.csv",
    ]
