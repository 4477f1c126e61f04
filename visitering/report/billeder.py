"""Every picture of one computation as files: the maps and the HTML report that embeds them.

This is the one call for a command that wants "the pictures" of a result (``visitering quotas
--plots/--report``, a scenario run): it returns file name → bytes, rendered in full, for
:func:`visitering.io.write_files_atomically`.  matplotlib is imported on call, not on import.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from visitering.kvoter.beregning import Kvoteberegning

if TYPE_CHECKING:
    from visitering.scenario.compare import Comparison
    from visitering.scenario.run import ScenarioResult

RAPPORT = "rapport.html"
FORSKEL = "kort_forskel.png"
I_KRAFT = "kort_kvote_i_kraft.png"
PLACERET = "kort_placeret.png"
SAMMENLIGNING = "sammenligning_kvote_forskel.png"
SAMMENLIGNING_PLACERET = "sammenligning_placeret_forskel.png"


def billedfiler(
    result: Kvoteberegning,
    *,
    foer: Kvoteberegning | None = None,
    titel: str | None = None,
    noter: Sequence[str] = (),
) -> dict[str, bytes]:
    """The maps of ``result`` and :data:`RAPPORT`, the HTML report showing them.

    Parameters
    ----------
    result:
        The computation to show.
    foer:
        A computation to compare with (e.g. a scenario's baseline or the quotas before a
        revision): adds :data:`FORSKEL`, the change in kommunekvote from ``foer`` to ``result``.
    titel, noter:
        The report's heading and extra lines (see :func:`.html.render_report`).

    Returns
    -------
    dict of str to bytes
        ``kort_kommunekvote.png``, ``kort_kvote_pr_1000.png``, ``kort_nulkvote.png``, then
        :data:`FORSKEL` when ``foer`` is given, then :data:`RAPPORT`.
    """
    from visitering.report import html, kort

    files = kort.kort_filer(result)
    figures = [html.Figur(html.MAP_CAPTIONS[name], png) for name, png in files.items()]
    if foer is not None:
        caption = (
            f"Change in kommunekvote, landstal {foer.landstal} ({foer.metode}) → "
            f"{result.landstal} ({result.metode})"
        )
        files[FORSKEL] = kort.forskel_kort(foer, result, caption)
        figures.append(html.Figur(caption, files[FORSKEL]))
    files[RAPPORT] = html.render_report(result, title=titel, figures=figures, notes=noter)
    return files


def scenario_billedfiler(result: ScenarioResult) -> dict[str, bytes]:
    """The pictures of a scenario run's result folder (the hook of ``visitering scenario run``).

    The maps of the quotas as first announced; when the landstal changed during the year,
    :data:`I_KRAFT` (the quotas in force at the end of the path) and :data:`FORSKEL` (first
    announcement → in force); when cases were placed, :data:`PLACERET` (persons per
    municipality); and :data:`RAPPORT` showing them all, headed by the scenario's name, its
    description and landstal path.
    """
    from visitering.report import html, kort
    from visitering.scenario.run import revision_lines, terminal_text

    first = result.beregning
    files: dict[str, bytes] = dict(kort.kort_filer(first))
    figures = [html.Figur(html.MAP_CAPTIONS[name], png) for name, png in files.items()]
    notes = [n for n in (f"Data: {first.grundlag.kilde}", first.grundlag.proxy_note) if n]
    report_notes = [result.scenario.description]
    if result.revision is not None:
        final = result.revision.trin[-1].til_landstal
        title = f"Kommunekvoter in force, landstal {final} (first announced {first.landstal})"
        files[I_KRAFT] = kort.choropleth_png(
            {k: float(q) for k, q in result.kvoter.items()},
            title,
            label="kommunekvote (persons)",
            zero_distinct=True,
            notes=notes,
        )
        change = f"Change in kommunekvote, landstal {first.landstal} → {final}"
        files[FORSKEL] = kort.forskel_png(first.kvoter, result.kvoter, change, notes)
        figures += [html.Figur(title, files[I_KRAFT]), html.Figur(change, files[FORSKEL])]
        report_notes.append(
            f"The tables below are the quotas as first announced (landstal {first.landstal}), "
            f"with the quotas in force at landstal {final} in their last column; "
            "kommunekvoter.csv holds every step of the landstal path."
        )
        report_notes += revision_lines(result)
    if result.batch is not None and result.batch.result.placements:  # none when infeasible
        placed = {kode: 0.0 for kode in first.kvoter}
        for p in result.batch.result.placements:
            placed[p.kommunekode] += p.persons
        title = f"Persons placed, {int(sum(placed.values()))} in all"
        files[PLACERET] = kort.choropleth_png(
            placed,
            title,
            label="persons placed",
            zero_distinct=True,
            zero_label="nobody placed",
            notes=notes,
        )
        figures.append(html.Figur(title, files[PLACERET]))
    # the summary lines the terminal shows, less those the report already has in its header
    lines = [
        " ".join(line.split())  # the terminal's column alignment means nothing in HTML
        for line in terminal_text(result).splitlines()
        if not line.startswith(("Scenario:", "Data:")) and line != first.grundlag.proxy_note
    ]
    files[RAPPORT] = html.render_report(
        first,
        title=f"Scenario: {result.scenario.name}",
        figures=figures,
        notes=[n for n in [*report_notes, *lines] if n],
        in_force=None if result.revision is None else result.kvoter,
    )
    return files


def sammenligning_billedfiler(comparison: Comparison) -> dict[str, bytes]:
    """Maps of a comparison of two scenarios: the quota B − A and, when both sides placed
    cases, the persons placed B − A."""
    from visitering.report import kort

    a, b = comparison.a, comparison.b
    # With each side's proxy notice (regression, scenario audit, stop 27: the maps alone of
    # a comparison's outputs lacked it).
    notes = [*a.lines("A"), *b.lines("B")]
    files: dict[str, bytes] = {
        SAMMENLIGNING: kort.forskel_png(a.kvoter, b.kvoter, "Kommunekvote, B − A", notes)
    }
    if a.placed is not None and b.placed is not None:
        files[SAMMENLIGNING_PLACERET] = kort.forskel_png(
            a.placed, b.placed, "Persons placed, B − A", notes
        )
    return files
