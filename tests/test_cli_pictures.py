"""CLI: ``visitering quotas --plots`` and ``--report`` (the text users see is pinned)."""

from __future__ import annotations

import subprocess
import sys

from typer.testing import CliRunner

from visitering.cli import app
from visitering.inputs.embedded import embedded_grundlag
from visitering.kvoter.apportionment import Method
from visitering.kvoter.beregning import beregn_kvoter
from visitering.report import html, kort

runner = CliRunner()
MAPS = ["kort_kommunekvote.png", "kort_kvote_pr_1000.png", "kort_nulkvote.png"]


def test_plots_writes_the_maps_and_prints_the_same_table(tmp_path):
    plain = runner.invoke(app, ["quotas", "--landstal", "600"])
    result = runner.invoke(app, ["quotas", "--landstal", "600", "--plots", str(tmp_path / "p")])
    assert result.exit_code == 0, result.output
    assert result.stdout == plain.stdout
    assert result.stderr == f"Wrote 3 maps to {tmp_path / 'p'}: {', '.join(MAPS)}\n"
    assert sorted(p.name for p in (tmp_path / "p").iterdir()) == MAPS
    expected = kort.kort_filer(beregn_kvoter(embedded_grundlag(), 600))
    assert {name: (tmp_path / "p" / name).read_bytes() for name in MAPS} == expected


def test_report_writes_one_html_file(tmp_path):
    page = tmp_path / "out" / "kvoter.html"
    result = runner.invoke(
        app, ["quotas", "--landstal", "600", "--method", "sainte-lague", "--report", str(page)]
    )
    assert result.exit_code == 0, result.output
    assert result.stderr == f"Wrote the HTML report to {page}\n"
    assert [p.name for p in page.parent.iterdir()] == ["kvoter.html"]  # no temporary left
    computed = beregn_kvoter(embedded_grundlag(), 600, Method.SAINTE_LAGUE)
    assert page.read_bytes() == html.render_report(computed)


def test_bad_input_writes_no_pictures(tmp_path):
    result = runner.invoke(
        app,
        [
            "quotas",
            "--landstal",
            "-5",
            "--plots",
            str(tmp_path / "p"),
            "--report",
            str(tmp_path / "r.html"),
        ],
    )
    assert result.exit_code == 2
    assert result.stderr == (
        "error: 1 problem in the input:\n  --landstal: must be a positive whole number, got -5\n"
    )
    assert list(tmp_path.iterdir()) == []


def test_matplotlib_is_imported_only_when_pictures_are_asked_for(tmp_path):
    code = (
        "import sys\nfrom visitering.cli import main\n"
        f"sys.argv = ['visitering', 'quotas', '--plots', {str(tmp_path)!r}]\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "print('matplotlib' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.rstrip().endswith("True")
