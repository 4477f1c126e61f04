"""Every picture of one computation as files: the maps and the HTML report that embeds them.

This is the one call for a command that wants "the pictures" of a result (``visitering quotas
--plots/--report``, a scenario run): it returns file name → bytes, rendered in full, for
:func:`visitering.io.write_files_atomically`.  matplotlib is imported on call, not on import.
"""

from __future__ import annotations

from collections.abc import Sequence

from visitering.kvoter.beregning import Kvoteberegning

RAPPORT = "rapport.html"
FORSKEL = "kort_forskel.png"


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
