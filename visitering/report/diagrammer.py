"""Charts of a year's visitering: the quota in force against persons placed, batch by batch.

The input is the ledger's :meth:`~visitering.ledger.Ledger.forloeb` (batch number, persons
placed in the batch, total quota in force for it), so a landstal revision during the year
(BEK nr. 550/2022 § 4 stk. 7) shows as a step in the quota line.  Like :mod:`.kort`, every
function returns PNG bytes, identical for identical input.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import accumulate

import matplotlib as mpl
import matplotlib.style
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from visitering.report.kort import PNG, png

FIGSIZE = (7.5, 4.2)


def forloeb_figur(
    forloeb: Sequence[tuple[int, int, int]], title: str, i_kraft: int | None = None
) -> Figure:
    """Bars: persons placed per batch; line: placed so far; steps: total quota in force.

    ``i_kraft``: the total quota in force now.  When a revision was recorded after the last
    batch, it differs from that batch's quota, and the quota line takes one more step, to
    "now", one past the last batch (else the revision would not show at all).
    """
    batches = [b for b, _, _ in forloeb]
    placed = [p for _, p, _ in forloeb]
    quota = [q for _, _, q in forloeb]
    cumulative = list(accumulate(placed))
    figure = Figure(figsize=FIGSIZE)
    axes = figure.add_subplot()
    axes.bar(batches, placed, color="#9ecae1", label="placed in the batch")
    axes.plot(batches, cumulative, color="#08519c", marker="o", label="placed so far")
    steps_x, steps_y = batches, quota
    if forloeb and i_kraft is not None and i_kraft != quota[-1]:
        steps_x, steps_y = [*batches, batches[-1] + 1], [*quota, i_kraft]
        axes.annotate(
            "now",
            (steps_x[-1], i_kraft),
            textcoords="offset points",
            xytext=(0, 4),
            ha="center",
            fontsize=9,
            color="#cb181d",
        )
    axes.step(steps_x, steps_y, where="mid", color="#cb181d", label="total quota in force")
    axes.set_xlabel("batch (week)")
    axes.set_ylabel("persons")
    axes.xaxis.set_major_locator(MaxNLocator(integer=True))
    axes.set_ylim(0, max([*steps_y, *cumulative, 1]) * 1.1)
    axes.set_title(title, loc="left")
    axes.legend(loc="best", frameon=False, fontsize=9)
    if not forloeb:
        axes.text(0.5, 0.5, "no batches yet", transform=axes.transAxes, ha="center")
    figure.tight_layout()
    return figure


def kvote_mod_placeringer_png(
    forloeb: Sequence[tuple[int, int, int]],
    title: str = "Quota and placements over the year",
    i_kraft: int | None = None,
) -> PNG:
    """The chart of :func:`forloeb_figur` as PNG bytes."""
    with mpl.style.context("default"):
        return png(forloeb_figur(forloeb, title, i_kraft))
