"""What-if scenarios: TOML files under ``scenarios/``, their runs and their comparison.

* :mod:`.schema` — the file format, validated into one :class:`Scenario` tree (its
  ``[kvoter]`` section in :mod:`.kvoter_section`, value checks in :mod:`.checks`);
* :mod:`.settings` — its ``[visitering]`` part (also read by ``visitering assign --scenario``);
* :mod:`.run` — quotas, revision path and placement, rendered to a result folder;
* :mod:`.compare` — two scenarios or result folders side by side.

OR-Tools is imported only when a scenario with cases is run; the CLI imports this package only
inside the ``scenario`` commands, so the quota path stays light.
"""

from __future__ import annotations

from visitering.scenario.kvoter_section import KvoteSpec, Landstal
from visitering.scenario.run import (
    ExtraFiles,
    ScenarioResult,
    result_files,
    run_quotas,
    run_scenario,
    scenario_quotas,
)
from visitering.scenario.schema import (
    CaseSpec,
    DataSpec,
    Scenario,
    load_scenario,
    parse_scenario,
)
from visitering.scenario.settings import (
    VisiteringSettings,
    load_visitering_settings,
    parse_visitering_settings,
)

__all__ = [
    "CaseSpec",
    "DataSpec",
    "ExtraFiles",
    "KvoteSpec",
    "Landstal",
    "Scenario",
    "ScenarioResult",
    "VisiteringSettings",
    "load_scenario",
    "load_visitering_settings",
    "parse_scenario",
    "parse_visitering_settings",
    "result_files",
    "run_quotas",
    "run_scenario",
    "scenario_quotas",
]
