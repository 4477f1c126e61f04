"""Landstal revisions as terminal text, CSV and JSON: per municipality old, new, difference."""

from __future__ import annotations

from typing import Any

from visitering.domain import Region
from visitering.formats import csvtext
from visitering.formats.csvtext import Cell, Dialect
from visitering.kvoter.revision import Revision, Revisionstrin
from visitering.report.kvoter import grundlag_json, header_lines
from visitering.report.numbers import dec

COLUMNS = (
    "kommunekode",
    "kommune",
    "regionskode",
    "region",
    "gammel_kvote",
    "ny_kvote",
    "forskel",
    "heraf_frivillig",
)
#: ``revision_regioner.csv``: one row per step and region (§ 4 stk. 1: the region quota is the
#: sum of its municipal quotas, so a revision moves the regions too).
REGION_COLUMNS = (
    "trin",
    "fra_landstal",
    "til_landstal",
    "regionskode",
    "region",
    "gammel_regionskvote",
    "ny_regionskvote",
    "forskel",
)


def _verdict(step: Revisionstrin) -> str:
    pct = dec(step.aendring * 100, 1)
    limit = dec(step.taerskel * 100, 0)
    if step.obligatorisk:
        need = f"mandatory: the change of {pct} % exceeds the {limit} % threshold"
    else:
        need = f"optional: the change of {pct} % does not exceed the {limit} % threshold"
    return (
        f"Landstal {step.fra_landstal} -> {step.til_landstal} ({step.retning}); {need} (§ 2 stk. 5)"
    )


def unused_offers_line(revision: Revision) -> str | None:
    """What the volunteer municipalities offered and no increase of the chain used, or
    ``None`` (regression, CLI audit, stop 26: ``--volunteers`` on a decrease was ignored
    without a word)."""
    if not revision.frivillige_ubrugte:
        return None
    names = {g.kommune.kode: g.kommune.navn for g in revision.oprindelig.grundlag.kommuner}
    offers = ", ".join(
        f"{names.get(code, code)} {n:,}" for code, n in revision.frivillige_ubrugte.items()
    )
    return (
        "Volunteer offers left unused (§ 7 stk. 9 serves them only on an increase, and no "
        f"more than it adds): {offers} persons"
    )


def method_line(step: Revisionstrin) -> str:
    """How the step changed the quotas, and how its exact ties were broken."""
    if step.retning == "nedsættelse":
        return (
            "Decrease: the quotas in force are scaled proportionally (§ 4 stk. 7, § 7 stk. 8); "
            "exact ties are spread over the regions in proportion, then go to the larger quota."
        )
    if step.retning == "forhøjelse":
        offered = sum(step.frivillige.values())
        served = (
            f"volunteers served first with {offered} extra" if step.frivillige else "no volunteers"
        )
        return (
            "Increase: re-computed with the same data as the first announcement; "
            f"{served} (§ 7 stk. 9-11)."
        )
    return "No change."


def step_rows(revision: Revision, step: Revisionstrin) -> list[list[Cell]]:
    rows: list[list[Cell]] = []
    for q in revision.oprindelig.kommuner:
        k = q.kommune
        old, new = step.kvoter_foer[k.kode], step.kvoter_efter[k.kode]
        rows.append(
            [
                k.kode,
                k.navn,
                k.region.kode,
                k.region.navn,
                old,
                new,
                new - old,
                step.frivillige.get(k.kode, 0),
            ]
        )
    return rows


def _region_totals(revision: Revision, quotas: dict[int, int]) -> dict[Region, int]:
    totals = {r.region: 0 for r in revision.oprindelig.regioner}
    for q in revision.oprindelig.kommuner:
        totals[q.kommune.region] += quotas[q.kommune.kode]
    return totals


def region_rows(revision: Revision) -> list[list[Cell]]:
    """Every step's region totals before and after, in step and region order."""
    rows: list[list[Cell]] = []
    for number, step in enumerate(revision.trin, start=1):
        before = _region_totals(revision, step.kvoter_foer)
        after = _region_totals(revision, step.kvoter_efter)
        for region, old in before.items():
            new = after[region]
            rows.append(
                [
                    number,
                    step.fra_landstal,
                    step.til_landstal,
                    region.kode,
                    region.navn,
                    old,
                    new,
                    new - old,
                ]
            )
    return rows


def terminal_text(revision: Revision) -> str:
    out = header_lines(revision.oprindelig, "Revision of the landstal")
    out.append(
        "Agreed KKR splits lapse on a change unless they say otherwise; revisions start "
        "from the § 7 quotas."
    )
    unused = unused_offers_line(revision)
    if unused is not None:
        out.append(unused)
    for number, step in enumerate(revision.trin, start=1):
        out += ["", f"Step {number}: {_verdict(step)}", method_line(step)]
        out.append(
            f"  {'kode':<5} {'kommune':<18} {'region':<12} {'old':>7} {'new':>7} {'diff':>6}"
        )
        by_region: dict[str, list[list[Cell]]] = {}
        for row in step_rows(revision, step):
            by_region.setdefault(str(row[3]), []).append(row)
        for region in sorted(by_region, key=lambda r: int(str(by_region[r][0][2]))):
            for row in by_region[region]:
                out.append(
                    f"  {row[0]!s:<5} {row[1]!s:<18} {region.removeprefix('Region '):<12} "
                    f"{row[4]!s:>7} {row[5]!s:>7} {row[6]:>+6}"
                )
        before, after = (
            _region_totals(revision, step.kvoter_foer),
            _region_totals(revision, step.kvoter_efter),
        )
        out.append(
            "  Regions: " + ", ".join(f"{r.kort_navn} {before[r]} -> {after[r]}" for r in before)
        )
    return "\n".join(out) + "\n"


def export_files(revision: Revision, dialect: Dialect) -> dict[str, bytes]:
    files = {}
    for number, step in enumerate(revision.trin, start=1):
        notes = header_lines(revision.oprindelig, "Revision of the landstal")
        notes += [_verdict(step), method_line(step)]
        files[f"revision_{number}_{step.fra_landstal}_til_{step.til_landstal}.csv"] = (
            csvtext.render(COLUMNS, step_rows(revision, step), dialect, notes)
        )
    notes = header_lines(revision.oprindelig, "Revision of the landstal: region totals")
    unused = unused_offers_line(revision)
    if unused is not None:
        notes.append(unused)
    files["revision_regioner.csv"] = csvtext.render(
        REGION_COLUMNS, region_rows(revision), dialect, notes
    )
    return files


def to_json(revision: Revision) -> dict[str, Any]:
    regions = region_rows(revision)
    return {
        "landstal": revision.oprindelig.landstal,
        "data": revision.oprindelig.grundlag.kilde,
        "proxy_note": revision.oprindelig.grundlag.proxy_note,
        **grundlag_json(revision.oprindelig.grundlag),
        "frivillige_ubrugte": {str(c): n for c, n in revision.frivillige_ubrugte.items()},
        "trin": [
            {
                "fra_landstal": s.fra_landstal,
                "til_landstal": s.til_landstal,
                "retning": str(s.retning),
                "aendring_pct": dec(s.aendring * 100, 4),
                "taerskel_pct": dec(s.taerskel * 100, 0),
                "obligatorisk": s.obligatorisk,
                "kommuner": [
                    dict(zip(COLUMNS, row, strict=True)) for row in step_rows(revision, s)
                ],
                "regioner": [
                    dict(zip(REGION_COLUMNS[3:], row[3:], strict=True))
                    for row in regions
                    if row[0] == number
                ],
            }
            for number, s in enumerate(revision.trin, start=1)
        ],
    }
