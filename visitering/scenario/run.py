"""Running a scenario: the quotas and their revision path, then the placement of its cases.

:func:`run_scenario` computes; :func:`result_files` renders the result folder to bytes (the CLI
writes it atomically with :func:`visitering.io.write_files_atomically`):

* ``kommunekvoter.csv`` / ``regionskvoter.csv`` — the quota after every step of the landstal
  path (``kvote_trin_0`` is the first announcement) and the final quota in force;
* ``placeringer.csv`` / ``kommuner.csv`` — the placement exports of
  :mod:`visitering.report.placering`, when the scenario has cases;
* ``summary.json`` — name, data, proxy note, landstal path, totals, solve status, objective and
  bound; deterministic (no timestamps, no solve time);
* whatever the ``extras`` hooks add (plots and reports are rendered by other modules).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from visitering.assignment.problem import Parameters, Weights
from visitering.cases import Case
from visitering.domain import Fordelingsgrundlag, Kommuner
from visitering.errors import InputError, Problem
from visitering.formats import csvtext
from visitering.formats.csvtext import Cell, Dialect
from visitering.inputs.profiles import PROFILE_PROXY_NOTE
from visitering.kvoter.aarsgrundlag import Kvotegrundlag
from visitering.kvoter.beregning import Kvoteberegning, beregn_kvoter
from visitering.kvoter.revision import Revision
from visitering.report.numbers import dec
from visitering.report.placering import Batch, next_steps
from visitering.scenario.kvoter_section import KvoteSpec
from visitering.scenario.schema import Scenario
from visitering.scenario.settings import VisiteringSettings

SUMMARY = "summary.json"
KOMMUNE_FILE = "kommunekvoter.csv"
REGION_FILE = "regionskvoter.csv"


@dataclass(frozen=True, slots=True)
class ScenarioResult:
    """What a scenario run produced."""

    scenario: Scenario
    beregning: Kvoteberegning
    """The quotas as first announced (with the scenario's agreements and deviations)."""
    revision: Revision | None
    """The revision chain, when the landstal changed during the year."""
    cases: tuple[Case, ...] = ()
    batch: Batch | None = None

    @property
    def kvoter(self) -> dict[int, int]:
        """The quotas in force at the end of the landstal path."""
        return self.revision.kvoter if self.revision is not None else self.beregning.kvoter

    @property
    def path(self) -> list[dict[int, int]]:
        """The quotas after each step of the landstal path, the first announcement first."""
        steps = [self.beregning.kvoter]
        if self.revision is not None:
            steps += [s.kvoter_efter for s in self.revision.trin]
        return steps


ExtraFiles = Callable[[ScenarioResult], Mapping[str, bytes]]
"""A hook that renders more files of the result folder (e.g. maps and an HTML report)."""


def run_quotas(
    scenario: Scenario, grundlag: Fordelingsgrundlag
) -> tuple[Kvoteberegning, Revision | None]:
    """The scenario's quotas as first announced and, if the landstal changed, the revisions.

    An agreement or deviation applies to the first announcement; on a change of the landstal it
    lapses (§ 7 stk. 8-11), so that change starts from the § 7 quotas.  A "revision" to the
    landstal in force changes nothing, the agreement included, as in the ledger
    (:meth:`Kvotegrundlag.revider`).
    """
    spec = _kvoter(scenario)
    result = beregn_kvoter(grundlag, spec.landstal, spec.method, spec.agreements, spec.overrides)
    if not spec.revisions:
        return result, None
    basis, kvoter, steps = _first_basis(spec, result), result.kvoter, []
    for change in spec.revisions:
        step, basis = basis.revider(kvoter, change.landstal)
        steps.append(step)
        kvoter = step.kvoter_efter
    return result, Revision(result, tuple(steps), dict(sorted(basis.frivillige.items())))


def kvotegrundlag(result: ScenarioResult) -> Kvotegrundlag:
    """What the scenario's final quotas were computed on, for a later change of the landstal
    (§ 7 stk. 8-9): its figures, method and volunteers, the offers its own revisions used up,
    and, while the quotas are agreed ones, the § 7 quotas the agreement deviates from (it
    lapses on a change)."""
    basis = _first_basis(_kvoter(result.scenario), result.beregning)
    kvoter = result.beregning.kvoter
    for step in result.revision.trin if result.revision is not None else ():
        basis, kvoter = basis.efter(step, kvoter), step.kvoter_efter
    return basis


def _first_basis(spec: KvoteSpec, first: Kvoteberegning) -> Kvotegrundlag:
    """The basis of the first announcement ``first``, with the § 7 quotas when agreed
    quotas (§ 7 stk. 6) deviate from them.  Only the agreement lapses on a change (docs/rules.md
    § 1): the § 7 quotas keep a § 4 stk. 6 deviation, so a decrease scales the deviated
    quotas in force; an increase re-computes on the data, without it."""
    grundlag = first.grundlag
    # The landstal itself: a § 4 stk. 6 or § 7 stk. 6 deviation may make the quotas sum to
    # another figure, and a change is judged on the landstal (§ 2 stk. 5).
    basis = Kvotegrundlag(
        grundlag, spec.method, spec.volunteers, spec.before_2018, landstal=spec.landstal
    )
    paragraf7 = beregn_kvoter(grundlag, spec.landstal, spec.method, [], spec.overrides).kvoter
    return basis if paragraf7 == first.kvoter else replace(basis, paragraf7=paragraf7)


def _kvoter(scenario: Scenario) -> KvoteSpec:
    if scenario.kvoter is None:
        raise InputError(Problem("kvoter: the scenario has no [kvoter] section", scenario.source))
    return scenario.kvoter


def run_scenario(scenario: Scenario, kommuner: Kommuner) -> ScenarioResult:
    """Compute the quotas and place the scenario's cases against the final quotas.

    Synthetic cases come from :func:`visitering.synth.generate_cases`; the placement uses the
    embedded (illustrative) municipality profiles and the scenario's weights and parameters.
    """
    result, quota_lines = scenario_quotas(scenario, kommuner)
    if scenario.cases is None:
        return result
    from visitering.batch import BatchInputs, run_batch
    from visitering.inputs import geography
    from visitering.inputs.profiles import embedded_profiles

    spec = scenario.cases
    if spec.cases is not None:
        cases = list(spec.cases)
    else:
        from visitering.synth import generate_cases

        cases = generate_cases(spec.n, spec.seed, kommuner)
    settings = scenario.visitering or VisiteringSettings(Weights(), Parameters())
    final = result.kvoter
    notes = [
        f"Scenario: {scenario.name}",
        *quota_lines,
        f"Cases: {spec.label}",
        PROFILE_PROXY_NOTE,
    ]
    inputs = BatchInputs(
        cases,
        embedded_profiles(),
        geography.neighbours(),
        geography.distances_km(),
        settings.weights,
        settings.parameters,
        tuple(notes),
    )
    return replace(result, cases=tuple(cases), batch=run_batch(inputs, final))


def scenario_quotas(scenario: Scenario, kommuner: Kommuner) -> tuple[ScenarioResult, list[str]]:
    """The scenario's quotas along its landstal path (:attr:`ScenarioResult.kvoter` is the
    final one), and the lines that say where they come from.

    Raises
    ------
    InputError
        If the scenario has no ``[kvoter]`` section.
    """
    from visitering.report.kvoter import grundlag_lines

    grundlag = scenario.data.load()
    beregning, revision = run_quotas(scenario, grundlag)
    lines = [
        f"Quotas: landstal {_path_text(scenario)}; {grundlag.kilde}",
        *grundlag_lines(grundlag),
    ]
    return ScenarioResult(scenario, beregning, revision), lines


def _path_text(scenario: Scenario) -> str:
    return " -> ".join(str(s.landstal) for s in _kvoter(scenario).path)


def _header(result: ScenarioResult, title: str) -> list[str]:
    """The notes of a scenario's quota file.  After revisions, the title names the landstal
    of the final column (the first one's is in the path), and each step says how it rounded:
    a decrease breaks exact ties otherwise than the first computation (regression, scenario
    audit, stop 27: 2018's 3,000 → 1,000 said "ties go to the lower kommunekode" above quotas
    rounded by the region spread of § 7 stk. 8)."""
    from visitering.report.kvoter import header_lines

    first = result.beregning.landstal
    final = result.revision.trin[-1].til_landstal if result.revision is not None else first
    named = f"{final} in force (first announced {first})" if final != first else None
    lines = header_lines(result.beregning, title, named)
    lines.insert(
        1, f"Scenario: {result.scenario.name}; landstal path {_path_text(result.scenario)}"
    )
    lines[3:3] = [*revision_lines(result), *lapse_lines(result)]
    return lines


def revision_lines(result: ScenarioResult) -> list[str]:
    """One line per revision step: the change and how it changed and rounded the quotas."""
    from visitering.report.revision import method_line

    steps = result.revision.trin if result.revision is not None else ()
    return [
        f"Step {i} ({s.fra_landstal} -> {s.til_landstal}): {method_line(s)}"
        for i, s in enumerate(steps, start=1)
    ]


def lapse_lines(result: ScenarioResult) -> list[str]:
    """The agreements a change of the landstal ended.  docs/rules.md § 1: an agreement lapses on a
    change unless it says how to handle one; a scenario's agreement cannot say so, so the
    first change starts from the § 7 quotas (regression, scenario audit, stop 27: the
    agreement lapsed without a word, and its municipalities kept the label "aftale §§ 5-6"
    beside quotas it never gave)."""
    spec = _kvoter(result.scenario)
    steps = result.revision.trin if result.revision is not None else ()
    change = next((s for s in steps if s.til_landstal != s.fra_landstal), None)
    # An agreement that gives the § 7 quotas changes nothing when it lapses; the ledger does
    # not call it in force either (aftale_i_kraft), so neither says it lapsed.
    if change is None or _first_basis(spec, result.beregning).paragraf7 is None:
        return []
    regions = ", ".join(sorted({a.region.navn for a in spec.agreements}))
    return [
        f"KKR agreements (§§ 5-6) lapsed with the change {change.fra_landstal} -> "
        f"{change.til_landstal}: {regions}; from it on the quotas follow § 7 (the "
        "grundlag_trin_0 column describes the first announcement only)"
    ]


def quota_files(result: ScenarioResult, dialect: Dialect) -> dict[str, bytes]:
    """``kommunekvoter.csv`` and ``regionskvoter.csv``: every step of the path and the final,
    with the legal basis and reason of the first announcement's quota (§ 7, an agreement
    under §§ 5-6, a deviation under § 4 stk. 6 or § 7 stk. 6), as ``quotas --out`` gives them;
    the later steps are revisions (§ 7 stk. 8-9)."""
    steps = result.path
    step_cols = tuple(f"kvote_trin_{i}" for i in range(len(steps)))
    basis_cols = ("grundlag_trin_0", "begrundelse_trin_0")
    rows: list[list[Cell]] = []
    regions: dict[int, list[Any]] = {}
    for q in result.beregning.kommuner:
        k = q.kommune
        values = [s[k.kode] for s in steps]
        rows.append(
            [k.kode, k.navn, k.region.kode, k.region.navn, *values, values[-1], str(q.grundlag),
             q.begrundelse]
        )  # fmt: skip
        region = regions.setdefault(
            k.region.kode, [k.region.kode, k.region.navn, *[0] * len(steps)]
        )
        for i, v in enumerate(values):
            region[2 + i] += v
    first = {r.region.kode: r for r in result.beregning.regioner}
    kommune_cols = ("kommunekode", "kommune", "regionskode", "region", *step_cols, "kommunekvote")
    region_cols = ("regionskode", "region", *step_cols, "regionskvote")
    return {
        KOMMUNE_FILE: csvtext.render(
            (*kommune_cols, *basis_cols), rows, dialect, _header(result, "Scenario: kommunekvoter")
        ),
        REGION_FILE: csvtext.render(
            (*region_cols, *basis_cols),
            [
                [*r, r[-1], str(first[code].grundlag), first[code].begrundelse]
                for code, r in sorted(regions.items())
            ],
            dialect,
            _header(result, "Scenario: regionskvoter"),
        ),
    }


def summary(result: ScenarioResult, files: Sequence[str] = ()) -> dict[str, Any]:
    """The deterministic summary of a run (no timestamps, no solve time)."""
    from visitering.report.kvoter import grundlag_json

    s = result.scenario
    spec = _kvoter(s)
    grundlag = result.beregning.grundlag
    trin = result.revision.trin if result.revision is not None else ()
    path: list[dict[str, Any]] = []
    for i, step in enumerate(spec.path):
        entry: dict[str, Any] = {
            "landstal": step.landstal,
            "date": step.date.isoformat() if step.date else None,
            "note": step.note,
            "total": sum(result.path[i].values()),
        }
        if i > 0:
            t = trin[i - 1]
            entry |= {
                "retning": str(t.retning),
                "aendring_pct": dec(t.aendring * 100, 2),
                "taerskel_pct": dec(t.taerskel * 100, 0),
                "obligatorisk": t.obligatorisk,
            }
        path.append(entry)
    final = result.kvoter
    by_region: dict[str, int] = {}
    for q in result.beregning.kommuner:
        name = q.kommune.region.navn
        by_region[name] = by_region.get(name, 0) + final[q.kommune.kode]
    out: dict[str, Any] = {
        "scenario": s.name,
        "description": s.description,
        "data": {
            "year": s.data.year,
            "inputs": s.data.inputs,
            "kilde": grundlag.kilde,
            "proxy_note": grundlag.proxy_note,
            **grundlag_json(grundlag),
        },
        "kvoter": {
            "method": str(spec.method),
            "before_2018": spec.before_2018,
            "landstal_path": path,
            "landstal": spec.path[-1].landstal,
            "total": sum(final.values()),
            "regioner": by_region,
            "agreements": sum(len(a.kvoter) for a in spec.agreements),
            "agreements_lapsed": lapse_lines(result),
            "overrides": len(spec.overrides),
            "advarsler": list(result.beregning.advarsler),
        },
        "cases": None,
        "placement": None,
        "files": sorted(files),
    }
    if s.cases is not None:
        out["cases"] = {
            "source": s.cases.label,
            "cases": len(result.cases),
            "persons": sum(c.persons for c in result.cases),
        }
    if result.batch is not None:
        r = result.batch.result
        out["placement"] = {
            "status": str(r.status),
            "objective": r.objective,
            "bound": r.bound,
            "gap": r.gap,
            "placed_cases": len(r.placements),
            "placed_persons": sum(p.persons for p in r.placements),
            "counts": dict(r.counts),
            "diagnosis": [d.aggregate for d in r.diagnosis],  # counts: no case named in files
            "next_steps": next_steps(r, QUOTA_SHORT_NEXT),
            "overshoot": {str(k): v for k, v in sorted(r.overshoot.items())},
            # The placement weighed the embedded illustrative profiles (regression, data
            # audit, stop 27: only placeringer.csv and kommuner.csv said so).
            "profile_note": PROFILE_PROXY_NOTE,
        }
    return out


#: ``scenario run``'s own :data:`~visitering.report.placering.QUOTA_SHORT_NEXT`: the same two
#: routes, in the scenario file's terms.
QUOTA_SHORT_NEXT = (
    "What now: if more refugees are expected than the landstal, add its change to the "
    "scenario's [kvoter] revisions, e.g. revisions = [{landstal = N}] (§ 2 stk. 5-6, § 7 stk. "
    "8-9); to place everyone with the least total overshoot, set allow_overshoot = true under "
    "[visitering.parameters]."
)


def result_files(
    result: ScenarioResult,
    kommuner: Kommuner,
    dialect: Dialect = Dialect.DANISH,
    extras: Sequence[ExtraFiles] = (),
) -> dict[str, bytes]:
    """Every file of the result folder, rendered to bytes (nothing is written here)."""
    from visitering.report import placering

    files = quota_files(result, dialect)
    if result.batch is not None:
        files |= placering.export_files(result.batch, kommuner, dialect)
    for hook in extras:
        files |= hook(result)
    names = [*files, SUMMARY]
    files[SUMMARY] = (
        json.dumps(summary(result, names), ensure_ascii=False, indent=2, sort_keys=True) + "\n"
    ).encode("utf-8")
    return files


def terminal_text(result: ScenarioResult, name_cases: bool = False) -> str:
    """A few lines: the scenario, its landstal path, region totals and the placement status.

    A diagnosis names its cases only with ``name_cases`` (the caseworker's screen); the text
    also goes into the scenario's HTML report, a file for KKR secretariats.
    """
    info = summary(result)
    lines = [f"Scenario: {info['scenario']}", f"Data: {info['data']['kilde']}"]
    if info["data"]["proxy_note"]:
        lines.append(info["data"]["proxy_note"])
    year = info["data"]["data_aar"]
    lines.append(f"Data year: {year}" if year is not None else "Data year: not recorded")
    lines += [
        f"{k['symbol']} {k['kolonne']}: {k['kilde']} (proxy: {'yes' if k['proxy'] else 'no'})"
        for k in info["data"]["kolonner"]
    ]
    for i, step in enumerate(info["kvoter"]["landstal_path"]):
        when = f" ({step['date']})" if step["date"] else ""
        what = (
            "first announced" if i == 0 else f"{step['retning']}, change {step['aendring_pct']} %"
        )
        if i > 0:
            what += ", mandatory" if step["obligatorisk"] else ", optional"
        lines.append(f"  landstal {step['landstal']:>6}{when}: {what}")
    lines += lapse_lines(result)
    lines.append("Final quotas per region:")
    for region, total in info["kvoter"]["regioner"].items():
        lines.append(f"  {region:<20} {total:>6}")
    lines.append(f"  {'i alt':<20} {info['kvoter']['total']:>6}")
    if info["placement"] is not None:
        p, c = info["placement"], info["cases"]
        lines.append(
            f"Placement of {c['cases']} cases ({c['persons']} persons, {c['source']}): "
            f"{p['status']}; {p['placed_persons']} persons placed"
            + _beyond(p)
            + f"; objective {_number(p['objective'])}, bound {_number(p['bound'])}"
        )
        lines.append(p["profile_note"])
        if name_cases and result.batch is not None:
            lines += [f"  Diagnosis: {d}" for d in result.batch.result.diagnosis]
        else:
            lines += [f"  Diagnosis: {d}" for d in p["diagnosis"]]
        lines += [f"  {step}" for step in p["next_steps"]]
    return "\n".join(lines) + "\n"


def _beyond(placement: Mapping[str, Any]) -> str:
    """``allow_overshoot``'s persons beyond the quotas, and in how many municipalities
    (nothing when there are none)."""
    persons = placement["counts"].get("overshoot_persons", 0)
    if not persons:
        return ""
    where = len(placement["overshoot"])
    return f", {persons} beyond the quotas in {where} municipalit{'y' if where == 1 else 'ies'}"


def _number(value: float | None) -> str:
    """An objective or bound for the terminal; ``n/a`` when the solve has none (infeasible:
    regression, CLI audit, stop 26, printed Python's ``None``)."""
    return "n/a" if value is None else f"{value:,.1f}"
