"""Maps: one shape per municipality, colour scales that keep nul-kvote apart, same bytes."""

from __future__ import annotations

import itertools

import matplotlib as mpl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from matplotlib.colors import to_hex, to_rgb

from visitering.inputs import embedded
from visitering.kvoter.beregning import beregn_kvoter
from visitering.report import kort

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def result():
    return beregn_kvoter(embedded.embedded_grundlag(), 600)


def _luminance(colour: str) -> float:
    r, g, b = to_rgb(colour)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def _municipalities(figure):
    (collection,) = [c for c in figure.axes[0].collections if c.get_gid() == "kommuner"]
    return collection


def test_one_compound_shape_per_municipality_in_kommunekode_order(result):
    colours = kort.farver({k: float(q) for k, q in result.kvoter.items()}, kort.skala({1: 1.0}))
    collection = _municipalities(kort.kort_figur(colours, "t"))
    paths = collection.get_paths()
    assert len(paths) == 98  # Christiansø is not a municipality
    assert [to_hex(c) for c in collection.get_facecolors()] == list(colours.values())
    assert list(colours) == list(embedded.kommuner())
    # København (first): 7 islands and one hole, each a closed sub-path
    assert sum(1 for code in paths[0].codes if code == 1) == 8


def test_capital_inset_repeats_the_same_colours(result):
    colours = kort.farver({k: float(q) for k, q in result.kvoter.items()}, kort.skala({1: 1.0}))
    figure = kort.kort_figur(colours, "t")
    (inset,) = figure.axes[0].child_axes
    (repeated,) = inset.collections
    assert [to_hex(c) for c in repeated.get_facecolors()] == list(colours.values())
    assert (inset.get_xlim(), inset.get_ylim()) == kort.HOVEDSTADEN


def test_nul_kvote_municipalities_are_grey_and_off_the_scale(result):
    values = {k: float(q) for k, q in result.kvoter.items()}
    scale = kort.skala(values, zero_distinct=True)
    colours = kort.farver(values, scale)
    zero = {k for k, q in result.kvoter.items() if q == 0}
    nul = {q.kommune.kode for q in result.kommuner if q.noegle.foreloebigt_fordelingstal <= 0}
    assert nul and nul <= zero
    assert {k for k, c in colours.items() if c == kort.ZERO_COLOUR} == zero
    assert scale.vmin == min(v for v in values.values() if v > 0)  # 1 is the palest colour
    # the rendered map paints exactly those grey
    figure = kort.kort_figur(colours, "t", scale=scale)
    legend = figure.axes[0].get_legend()
    assert [t.get_text() for t in legend.get_texts()] == ["quota 0"]
    assert to_hex(legend.legend_handles[0].get_facecolor()) == kort.ZERO_COLOUR
    collection = _municipalities(figure)
    painted = dict(zip(embedded.kommuner(), map(to_hex, collection.get_facecolors()), strict=True))
    assert {k for k, c in painted.items() if c == kort.ZERO_COLOUR} == zero


@settings(max_examples=60, deadline=None)
@given(st.dictionaries(st.integers(100, 900), st.integers(0, 500), min_size=2, max_size=30))
def test_sequential_scale_grey_only_for_zero_and_darker_for_more(quotas):
    values = {k: float(v) for k, v in quotas.items()}
    colours = kort.farver(values, kort.skala(values, zero_distinct=True))
    for k, v in values.items():
        assert (colours[k] == kort.ZERO_COLOUR) == (v == 0)
    ordered = sorted((v, _luminance(colours[k])) for k, v in values.items() if v > 0)
    assert all(a[1] >= b[1] - 1e-9 for a, b in itertools.pairwise(ordered))


@settings(max_examples=60, deadline=None)
@given(st.dictionaries(st.integers(100, 900), st.integers(-50, 50), min_size=1, max_size=30))
def test_diverging_scale_is_centred_and_symmetric(diffs):
    values = {k: float(v) for k, v in diffs.items()}
    scale = kort.skala(values, diverging=True)
    assert scale.vmin == -scale.vmax
    centre = scale.farve(0.0)
    assert _luminance(centre) > 0.9  # no change is (almost) white
    for v in values.values():
        if v:
            red, _, blue = to_rgb(scale.farve(v))
            assert (red > blue) == (v > 0)  # gains red, losses blue
            assert scale.position(v) + scale.position(-v) == pytest.approx(1.0)


def test_nulkvote_categories(result):
    categories = kort.nulkvote_kategorier(result)
    assert len(categories) == 98
    for q in result.kommuner:
        expected = (
            kort.NULKVOTE
            if q.noegle.foreloebigt_fordelingstal <= 0
            else kort.RUNDET_NUL
            if q.kommunekvote == 0
            else kort.POSITIV
        )
        assert categories[q.kommune.kode] == expected


def test_same_input_same_png_bytes_whatever_the_caller_style(result):
    first = kort.kort_filer(result)
    assert sorted(first) == ["kort_kommunekvote.png", "kort_kvote_pr_1000.png", "kort_nulkvote.png"]
    with mpl.rc_context({"font.size": 20, "patch.linewidth": 4, "figure.dpi": 300}):
        again = kort.kort_filer(result)
    assert again == first
    for content in first.values():
        assert content.startswith(PNG_SIGNATURE)
        assert b"matplotlib" not in content and b"Software" not in content
    assert len(set(first.values())) == 3


def test_difference_map(result):
    other = beregn_kvoter(embedded.embedded_grundlag(), 1000)
    a = kort.forskel_kort(result, other, "600 -> 1000")
    assert a.startswith(PNG_SIGNATURE)
    assert a == kort.forskel_kort(result, other, "600 -> 1000")
    assert a != kort.forskel_kort(other, result, "600 -> 1000")


def test_maps_show_inline_in_notebooks(result):
    """IPython displays any object with ``_repr_png_``; the bytes are the file's bytes."""
    shown = kort.kvote_kort(result)
    assert shown._repr_png_() == bytes(shown) == kort.kort_filer(result)["kort_kommunekvote.png"]


def test_a_municipality_without_a_value_is_hatched_and_explained_in_the_legend(result):
    # Regression (notebook audit, stop 27): the hatching had no legend entry.
    values = {k: float(q) for k, q in result.kvoter.items() if q > 0}
    colours = kort.farver(values, kort.skala(values))
    figure = kort.kort_figur(colours, "t", missing_label="zero quota (no ratio)")
    legend = figure.axes[0].get_legend()
    assert [t.get_text() for t in legend.get_texts()] == ["zero quota (no ratio)"]
    (patch,) = legend.get_patches()
    assert patch.get_hatch() == "///"
    # Every municipality with a value: no such entry.
    full = {k: float(q) for k, q in result.kvoter.items()}
    assert kort.kort_figur(kort.farver(full, kort.skala(full)), "t").axes[0].get_legend() is None
