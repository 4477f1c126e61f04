"""Notebooks run end to end (stored without outputs) and every scenario file validates and runs."""

from __future__ import annotations

import tomllib
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from visitering.errors import InputError
from visitering.inputs.embedded import embedded_grundlag, kommuner
from visitering.scenario import (
    load_scenario,
    load_visitering_settings,
    parse_scenario,
    run_quotas,
)

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
SCENARIOS = sorted((ROOT / "scenarios").glob("*.toml"))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_runs_and_is_stored_without_outputs(path):
    nb = nbformat.read(path, as_version=4)
    assert all(not c.get("outputs") for c in nb.cells if c.cell_type == "code")
    NotebookClient(
        nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}
    ).execute()


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.name)
def test_scenario_validates_and_runs(path):
    doc = tomllib.loads(path.read_text(encoding="utf-8"))
    assert {"kvoter", "visitering"} & set(doc), "a scenario has [kvoter] and/or [visitering]"
    if "visitering" in doc:
        settings = load_visitering_settings(path)
        assert settings.weights.active()
    if "kvoter" not in doc:
        return
    scenario = load_scenario(path)
    result, revision = run_quotas(scenario, embedded_grundlag(scenario.data_year), kommuner())
    assert sum(result.kvoter.values()) == scenario.landstal
    if scenario.revisions:
        assert revision is not None
        assert sum(revision.kvoter.values()) == scenario.revisions[-1]


def test_bad_scenario_reports_every_problem():
    text = '[kvoter]\nlandstal = -3\nmethod = "coin-toss"\nvolunteers = { 999 = 5 }\nfoo = 1\n'
    with pytest.raises(InputError) as err:
        parse_scenario(text, "bad.toml", kommuner())
    assert [str(p) for p in err.value.problems] == [
        "bad.toml, column kvoter.foo: unknown key 'foo'",
        "bad.toml, column kvoter.landstal: must be a positive whole number, got -3",
        "bad.toml, column kvoter.method: unknown method 'coin-toss'; one of largest-remainder, "
        "sainte-lague, dhondt, huntington-hill",
        "bad.toml, column kvoter.volunteers: '999' is not a kommunekode",
    ]
