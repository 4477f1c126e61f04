"""Mid-year revisions (§ 2 stk. 5-6, § 4 stk. 7, § 7 stk. 8-11), with the real 2016, 2017 and
2018 sequences from data/landstal_historik.csv."""

from __future__ import annotations

import json
from fractions import Fraction

import pandas as pd
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from visitering.cli import app
from visitering.kvoter.apportionment import Method
from visitering.kvoter.beregning import beregn_kvoter
from visitering.kvoter.revision import Retning, revider, taerskel
from visitering.report.revision import REGION_COLUMNS

runner = CliRunner()


@pytest.mark.parametrize(
    ("landstal", "before_2018", "expected"),
    [(8000, False, Fraction(2, 5)), (8001, False, Fraction(1, 4)), (17000, True, Fraction(1, 2))],
)
def test_thresholds(landstal, before_2018, expected):
    assert taerskel(landstal, before_2018) == expected


def test_2016_chain_12000_17000_7500(real):
    revision = revider(real, 12000, [17000, 7500], before_2018=True)
    up, down = revision.trin
    assert (up.retning, up.obligatorisk) == (Retning.FORHOEJELSE, False)  # 41.7 % <= 50 %
    assert (down.retning, down.obligatorisk) == (Retning.NEDSAETTELSE, True)  # 55.9 % > 50 %
    assert up.kvoter_efter == beregn_kvoter(real, 17000).kvoter  # same data, re-computed
    assert sum(down.kvoter_efter.values()) == 7500
    for k, q in down.kvoter_efter.items():
        exact = Fraction(up.kvoter_efter[k] * 7500, 17000)
        assert exact.__floor__() <= q <= exact.__ceil__()
    assert revision.kvoter == down.kvoter_efter


def test_2016_chain_under_current_rules_is_mandatory_both_ways(real):
    up, down = revider(real, 12000, [17000, 7500]).trin
    assert up.obligatorisk and down.obligatorisk  # 41.7 % and 55.9 % > 25 %


def test_2017_chain_and_2018_decrease(real):
    steps = revider(real, 15000, [8500, 4000, 2200], before_2018=True).trin
    assert [s.til_landstal for s in steps] == [8500, 4000, 2200]
    assert [sum(s.kvoter_efter.values()) for s in steps] == [8500, 4000, 2200]
    (step,) = revider(real, 3000, [1000]).trin
    assert step.obligatorisk  # 66.7 % > 40 %
    assert all(step.kvoter_efter[k] <= step.kvoter_foer[k] for k in step.kvoter_foer)


def test_small_change_is_optional(real):
    (step,) = revider(real, 600, [700]).trin
    assert not step.obligatorisk  # 16.7 % <= 40 %


def test_volunteers_are_served_first(real):
    (step,) = revider(real, 600, [700], frivillige={851: 30, 461: 10}).trin
    assert step.frivillige == {461: 10, 851: 30}
    base = beregn_kvoter(real, 660).kvoter
    assert step.kvoter_efter[851] == base[851] + 30
    assert step.kvoter_efter[461] == base[461] + 10
    assert sum(step.kvoter_efter.values()) == 700


def test_volunteer_offers_beyond_the_increase_are_shared_in_proportion(real):
    (step,) = revider(real, 600, [640], frivillige={851: 60, 461: 20}).trin
    assert step.frivillige == {461: 10, 851: 30}
    assert step.kvoter_efter == {
        k: q + step.frivillige.get(k, 0) for k, q in beregn_kvoter(real, 600).kvoter.items()
    }


@pytest.mark.parametrize("method", [Method.DHONDT, Method.SAINTE_LAGUE, Method.HUNTINGTON_HILL])
def test_increase_never_lowers_a_quota_with_divisor_methods(real, method):
    (step,) = revider(real, 12000, [17000], method).trin
    assert all(step.kvoter_efter[k] >= step.kvoter_foer[k] for k in step.kvoter_foer)


def test_cli_revise_text(tmp_path):
    volunteers = tmp_path / "frivillige.csv"
    volunteers.write_text("kommunekode;antal\n851;100\n", encoding="utf-8")
    result = runner.invoke(
        app,
        [
            "revise",
            "--landstal",
            "12000",
            "--new-landstal",
            "17000",
            "--new-landstal",
            "7500",
            "--before-2018",
            "--volunteers",
            str(volunteers),
            "--out",
            str(tmp_path / "o"),
        ],
    )
    assert result.exit_code == 0, result.output
    text = result.stdout
    assert (
        "Step 1: Landstal 12000 -> 17000 (forhøjelse); optional: the change of 41.7 % does "
        "not exceed the 50 % threshold (§ 2 stk. 5)\n"
    ) in text
    assert (
        "Increase: re-computed with the same data as the first announcement; volunteers "
        "served first with 100 extra (§ 7 stk. 9-11).\n"
    ) in text
    assert (
        "Step 2: Landstal 17000 -> 7500 (nedsættelse); mandatory: the change of 55.9 % "
        "exceeds the 50 % threshold (§ 2 stk. 5)\n"
    ) in text
    assert "  Regions: Nordjylland " in text
    assert sorted(p.name for p in (tmp_path / "o").iterdir()) == [
        "revision_1_12000_til_17000.csv",
        "revision_2_17000_til_7500.csv",
        "revision_regioner.csv",
    ]
    # The region totals, which the terminal prints, are a file too (one row per step and
    # region), and each step's regions add up to its new landstal.
    regions = pd.read_csv(
        tmp_path / "o" / "revision_regioner.csv", sep=";", comment="#", encoding="utf-8-sig"
    )
    assert list(regions.columns) == list(REGION_COLUMNS)
    assert regions.groupby("trin")["ny_regionskvote"].sum().to_dict() == {1: 17000, 2: 7500}
    assert (regions["forskel"] == regions["ny_regionskvote"] - regions["gammel_regionskvote"]).all()
    assert regions.groupby("trin")["gammel_regionskvote"].sum().to_dict() == {1: 12000, 2: 17000}
    for row in regions[regions["trin"] == 2].itertuples():
        short = row.region.removeprefix("Region ")
        assert f"{short} {row.gammel_regionskvote} -> {row.ny_regionskvote}" in text


def test_cli_revise_refuses_a_folder_with_an_earlier_chain(tmp_path):
    """Regression (CLI audit, stop 26): a second chain into the same --out left the first
    chain's step files beside its own revision_regioner.csv, with no warning."""
    out = tmp_path / "o"
    first = ["revise", "--landstal", "600", "--new-landstal", "800", "--new-landstal", "500"]
    assert runner.invoke(app, [*first, "--out", str(out)]).exit_code == 0
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    again = runner.invoke(app, [*first, "--out", str(out)])  # the same chain: replaced
    assert again.exit_code == 0
    other = runner.invoke(app, ["revise", "--landstal", "600", "--new-landstal", "700",
                                "--out", str(out)])  # fmt: skip
    assert (other.exit_code, other.stderr) == (
        2,
        f"error: 1 problem in the input:\n  {out}: holds revision_1_600_til_800.csv, "
        "revision_2_800_til_500.csv of an earlier revise, which this chain would not replace; "
        "remove them or choose another --out\n",
    )
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before


def test_cli_revise_reports_all_bad_values():
    result = runner.invoke(app, ["revise", "--landstal", "x", "--new-landstal", "0"])
    assert result.exit_code == 2
    assert result.stderr == (
        "error: 2 problems in the input:\n"
        "  --landstal: 'x' is not a whole number\n"
        "  --new-landstal: must be a positive whole number, got 0\n"
    )


@pytest.mark.parametrize("metode", [Method.LARGEST_REMAINDER, Method.SAINTE_LAGUE])
def test_halving_keeps_every_region_at_its_exact_half(real, metode):
    """docs/rules.md § 1: a decrease scales the region and municipal quotas proportionally.
    Regression (audit, stop 24): on 1,000 → 500 every odd quota ties at ½, and ties broken by
    kommunekode gave the low codes all 25 extra persons: Hovedstaden 102 (exact 95.5),
    Midtjylland 129 (exact 134). The tie order now spreads them over the regions."""
    first = beregn_kvoter(real, 1000, metode)
    half = revider(real, 1000, [500], metode).kvoter
    for r in first.regioner:
        codes = [q.kommune.kode for q in first.kommuner if q.kommune.region == r.region]
        exact = Fraction(sum(first.kvoter[k] for k in codes), 2)
        assert abs(sum(half[k] for k in codes) - exact) <= 1, r.region.navn


@settings(max_examples=60, deadline=None)
@given(
    kvoter=st.lists(st.integers(0, 60), min_size=2, max_size=30),
    regions=st.lists(st.integers(1, 5), min_size=30, max_size=30),
    share=st.fractions(0, 1),
    metode=st.sampled_from(list(Method)),
)
def test_a_decrease_with_the_region_tie_order_keeps_the_law(kvoter, regions, share, metode):
    """Whatever the tie order: the total is the new landstal, and every quota is within
    floor/ceil of its exact scaled value (docs/rules.md § 1, rounding)."""
    from visitering.kvoter.revision import nedsaettelse

    old = sum(kvoter)
    assume(old > 1)
    landstal = max(1, min(old - 1, int(old * share)))
    in_force = {100 + i: q for i, q in enumerate(kvoter)}
    region_of = {k: regions[i] for i, k in enumerate(in_force)}
    after = nedsaettelse(in_force, landstal, metode, region_of)
    assert sum(after.values()) == landstal
    assert list(after) == sorted(in_force)
    for k, q in in_force.items():
        exact = Fraction(q * landstal, old)
        assert exact.__floor__() <= after[k] <= exact.__ceil__()


def test_volunteer_offers_no_increase_used_are_reported_not_ignored(tmp_path, real):
    # Regression (CLI audit, stop 26): `revise --volunteers` on a decrease was ignored without
    # a word.  Offers left after the chain's increases are named in every output.
    assert revider(real, 1000, [500], frivillige={851: 150}).frivillige_ubrugte == {851: 150}
    assert revider(real, 1000, [1100], frivillige={851: 150}).frivillige_ubrugte == {851: 50}
    assert revider(real, 1000, [1300], frivillige={851: 150}).frivillige_ubrugte == {}
    offers = tmp_path / "frivillige.csv"
    offers.write_text("kommunekode;antal\n851;150\n", encoding="utf-8")
    args = ["revise", "--landstal", "1000", "--new-landstal", "500", "--volunteers", str(offers)]
    line = (
        "Volunteer offers left unused (§ 7 stk. 9 serves them only on an increase, and no more "
        "than it adds): Aalborg 150 persons"
    )
    text = runner.invoke(app, args)
    assert text.exit_code == 0, text.output
    assert line in text.stdout.splitlines()
    doc = runner.invoke(app, [*args, "--json"])
    assert json.loads(doc.stdout)["frivillige_ubrugte"] == {"851": 150}
    written = runner.invoke(app, [*args, "--out", str(tmp_path / "out")])
    assert written.exit_code == 0, written.output
    regions = (tmp_path / "out" / "revision_regioner.csv").read_text(encoding="utf-8-sig")
    assert f"# {line}" in regions.splitlines()


def test_revider_i_kraft_without_a_recorded_basis():
    """The ledger's revision (§ 7 stk. 8-9) as a library function (architecture audit, stop
    28: it lived in the CLI).  Without a recorded basis a decrease scales the quotas in force
    and is judged by § 2 stk. 5; an increase is refused and names the 'revise' chain."""
    from visitering.errors import InputError
    from visitering.inputs.embedded import embedded_grundlag, kommuner
    from visitering.kvoter.i_kraft import revider_i_kraft

    in_force = beregn_kvoter(embedded_grundlag(2025), 600).kvoter
    after, reason, lines, basis = revider_i_kraft(in_force, 300, None, kommuner(), "l.sqlite")
    assert sum(after.values()) == 300 and basis is None
    assert reason == (
        "landstal revision (§ 4 stk. 7, § 7 stk. 8-11): 600 → 300 (mandatory: a change of "
        "50.0 % against the 40 % threshold, § 2 stk. 5), a decrease: the quotas in force "
        "scaled proportionally"
    )
    assert lines == [f"Quotas: {reason}"]
    with pytest.raises(InputError) as raised:
        revider_i_kraft(in_force, 700, None, kommuner(), "l.sqlite", (500, 600))
    message = raised.value.problems[0].message
    assert "'visitering revise --landstal 500 --new-landstal 600 --new-landstal 700'" in message
