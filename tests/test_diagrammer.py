"""The chart of quota against placements over the year."""

from __future__ import annotations

from visitering.report import diagrammer

FORLOEB = [(1, 40, 600), (2, 55, 600), (3, 30, 400), (4, 0, 400)]


def test_chart_draws_the_ledger_series():
    figure = diagrammer.forloeb_figur(FORLOEB, "t")
    (axes,) = figure.axes
    placed, quota = axes.get_lines()
    assert list(placed.get_ydata()) == [40, 95, 125, 125]  # placed so far
    assert list(quota.get_ydata()) == [600, 600, 400, 400]
    assert [p.get_height() for p in axes.patches] == [40, 55, 30, 0]


def test_same_input_same_png_bytes():
    first = diagrammer.kvote_mod_placeringer_png(FORLOEB)
    assert first.startswith(b"\x89PNG\r\n\x1a\n")
    assert first == diagrammer.kvote_mod_placeringer_png(FORLOEB)
    assert first != diagrammer.kvote_mod_placeringer_png(FORLOEB[:3])
    assert diagrammer.kvote_mod_placeringer_png([]).startswith(b"\x89PNG")


def test_a_revision_after_the_last_batch_takes_one_more_step_to_now():
    # Regression (ledger audit, stop 26): a revision recorded alone after the last batch
    # changed the quotas in force, but the chart's quota line ended at the old total.
    figure = diagrammer.forloeb_figur(FORLOEB[:1], "t", i_kraft=300)
    (axes,) = figure.axes
    _placed, quota = axes.get_lines()
    assert list(quota.get_xdata()) == [1, 2]
    assert list(quota.get_ydata()) == [600, 300]
    assert [t.get_text() for t in axes.texts] == ["now"]
    # In force as the last batch had it: no extra step.
    same = diagrammer.forloeb_figur(FORLOEB, "t", i_kraft=400)
    assert list(same.axes[0].get_lines()[1].get_ydata()) == [600, 600, 400, 400]
    assert diagrammer.kvote_mod_placeringer_png(FORLOEB[:1], i_kraft=300) != (
        diagrammer.kvote_mod_placeringer_png(FORLOEB[:1])
    )
