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
