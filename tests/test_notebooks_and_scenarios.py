"""Notebooks run end to end (stored without outputs) and every shipped scenario runs."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from visitering.inputs.embedded import kommuner
from visitering.scenario import load_scenario, load_visitering_settings, result_files, run_scenario

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
def test_scenario_validates_and_runs(path, tmp_path):
    """Every shipped scenario runs end to end: quotas along its path, placement, result folder."""
    scenario = load_scenario(path)
    if scenario.visitering is not None:
        assert load_visitering_settings(path) == scenario.visitering
    assert scenario.kvoter is not None, "every shipped scenario computes quotas"
    result = run_scenario(scenario, kommuner())
    for step, quotas in zip(scenario.kvoter.path, result.path, strict=True):
        assert sum(quotas.values()) == step.landstal
    assert scenario.cases is not None, "every shipped scenario places (synthetic) cases"
    assert result.batch is not None and result.batch.result.is_ok
    placed = sum(p.persons for p in result.batch.result.placements)
    assert placed == sum(c.persons for c in result.cases)
    files = result_files(result, kommuner())
    assert set(files) >= {"kommunekvoter.csv", "regionskvoter.csv", "summary.json"}
