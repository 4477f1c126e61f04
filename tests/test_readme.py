"""The README's commands work as written: its opening lines and the full-year walkthrough."""

from __future__ import annotations

import re
import shlex
import shutil
from pathlib import Path

from typer.testing import CliRunner

from visitering.cli import app

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_readme_opens_with_the_two_commands():
    block = README.split("```sh\n", 1)[1].split("```", 1)[0]
    assert [line.split()[:2] for line in block.splitlines()] == [["make", "run"], ["make", "test"]]


def test_full_year_walkthrough_runs_as_written(tmp_path, monkeypatch):
    section = README.split("A full year, end to end", 1)[1]
    block = section.split("```sh\n", 1)[1].split("```", 1)[0]
    commands = [re.sub(r"#.*$", "", c).strip() for c in block.replace("\\\n", " ").splitlines()]
    shutil.copytree(ROOT / "scenarios", tmp_path / "scenarios")
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    outputs = []
    for command in filter(None, commands):
        argv = shlex.split(command)
        assert argv[0] == "visitering"
        result = runner.invoke(app, argv[1:])
        assert result.exit_code == 0, (command, result.output)
        outputs.append(result.stdout)
    assert (tmp_path / "year" / "week1" / "placeringer.csv").is_file()
    assert "already recorded as batch 1; this run recorded nothing" in outputs[3]
    assert outputs[4].startswith("Case SYN-000007 (")
    assert outputs[5] == outputs[4].replace(", batch 1.", ".", 1)
    assert "Recorded in the ledger as batch 2.\n" in outputs[7] and "left out" not in outputs[7]
    assert outputs[9].startswith(
        "Quotas: landstal revision (§ 4 stk. 7, § 7 stk. 8-11): 600 → 800 (optional: a change "
        "of 33.3 % against the 40 % threshold, § 2 stk. 5), an increase: re-computed on the "
        "first announcement's data and method\n"
    )
    assert "Recorded in the ledger as batch 3.\n" in outputs[9]
    persons = sum(int(outputs[i].split("(")[1].split()[0]) for i in (1, 6, 8))
    quota, placed, _, cases, rest = map(int, outputs[10].splitlines()[-2].split()[-5:])
    assert (quota, placed, cases, rest) == (800, persons, 250 + 40 + 30, 800 - persons)
    assert outputs[10].splitlines()[-1].startswith("Quotas revised after batch 2: ")
