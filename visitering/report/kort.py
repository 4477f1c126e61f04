"""Choropleth maps of Denmark by municipality, rendered to PNG bytes.

Every function returns the PNG's bytes (nothing is written here; :mod:`visitering.io` writes),
so the CLI, the HTML report and notebooks share them; in a notebook a map shown as a cell's
value appears inline (:class:`PNG`).

* :func:`kvote_kort` — the kommunekvote; nul-kvote-kommuner (v_k ≤ 0, BEK nr. 550/2022 § 4)
  in a neutral grey that is not on the colour scale, so "no quota" never reads as "a small one";
* :func:`kvote_pr_1000_kort` — quota per 1,000 inhabitants (P_k of the computation);
* :func:`nulkvote_kort` — which municipalities receive nobody: v_k ≤ 0, or a positive t_k
  rounded to 0;
* :func:`forskel_kort` — the change in quota between two computations (scenarios), on a
  diverging scale centred on 0.

Same input, same bytes: matplotlib's own defaults are used whatever the caller's style, the
Agg canvas renders, and the PNG carries no software or time stamp.  matplotlib is imported
here, so import this module only where a map is wanted (the quota path stays light).
"""

from __future__ import annotations

import io as _bytes_io
import math
import textwrap
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import matplotlib as mpl
import matplotlib.style
from matplotlib.axes import Axes
from matplotlib.collections import PatchCollection
from matplotlib.colors import Colormap, Normalize, TwoSlopeNorm, to_hex
from matplotlib.figure import Figure
from matplotlib.patches import Patch as LegendPatch
from matplotlib.patches import PathPatch, Rectangle
from matplotlib.path import Path

from visitering.inputs.graenser import ATTRIBUTION, Kommunegraense, kommunegraenser
from visitering.kvoter.beregning import Kvoteberegning

ZERO_COLOUR = "#bdbdbd"
"""Quota 0 on quota maps: a grey that none of the colour scales contains."""
ZERO_LABEL = "quota 0"
"""Not just nul-kvote-kommuner (v_k ≤ 0): a small positive t_k can also round to 0."""
MISSING_COLOUR = "#ffffff"
"""A municipality without a value (hatched as well)."""
MISSING_LABEL = "no value"
"""The legend's default words for a hatched municipality."""
EDGE_COLOUR = "#4d4d4d"
SEQUENTIAL = "YlGnBu"
DIVERGING = "RdBu_r"

BORNHOLM = 400
BORNHOLM_SHIFT = (-2.36, 1.37)
"""Bornholm lies 150 km east of Zealand; like Danish atlases, it is drawn in a box moved into
the empty Kattegat north of Zealand (degrees of longitude, latitude): the map stays compact."""
HOVEDSTADEN = ((12.14, 12.80), (55.55, 55.92))
"""The capital area (lon, lat ranges): 20-odd municipalities too small to read at country
scale, so they are repeated enlarged in the Kattegat corner at :data:`HOVEDSTADEN_BOX`."""
HOVEDSTADEN_BOX = (11.45, 56.92, 1.48, 0.83)
"""Where the enlargement goes, in map coordinates: x, y, width, height (degrees)."""
MIDDLE_LATITUDE = 56.0
"""Plate carrée with the aspect of 56° N, where Denmark's middle lies: shapes look right."""

FIGSIZE = (7.0, 7.6)
DPI = 100
PNG_METADATA: dict[str, str | None] = {"Software": None}
"""Without matplotlib's version stamp the same input gives the same bytes."""


@dataclass(frozen=True, slots=True)
class Farveskala:
    """How values become colours, and the legend that explains it."""

    cmap: str
    vmin: float
    vmax: float
    centre: float | None = None
    zero_distinct: bool = False
    label: str = ""
    zero_label: str = ZERO_LABEL

    def _norm(self) -> Normalize:
        if self.centre is not None:
            return TwoSlopeNorm(self.centre, self.vmin, self.vmax)
        return Normalize(self.vmin, self.vmax)

    def _colormap(self) -> Colormap:
        return mpl.colormaps[self.cmap]

    def farve(self, value: float) -> str:
        """The colour (``#rrggbb``) of one value."""
        if self.zero_distinct and value == 0:
            return ZERO_COLOUR
        return to_hex(self._colormap()(self.position(value)))

    def position(self, value: float) -> float:
        """Where ``value`` lies on the colour map, 0 to 1 (clipped)."""
        return min(1.0, max(0.0, float(self._norm()(value))))


def skala(
    values: Mapping[int, float],
    *,
    diverging: bool = False,
    zero_distinct: bool = False,
    label: str = "",
    zero_label: str = ZERO_LABEL,
) -> Farveskala:
    """The colour scale for ``values``.

    Sequential by default, from the smallest value shown on the scale to the largest; with
    ``zero_distinct`` the value 0 gets :data:`ZERO_COLOUR` and the scale starts at the
    smallest positive value.  ``diverging`` centres a red-blue scale on 0 with symmetric limits,
    so equal gains and losses look equally strong.
    """
    shown = [v for v in values.values() if not (zero_distinct and v == 0)] or [0.0, 1.0]
    if diverging:
        reach = max((abs(v) for v in shown), default=0.0) or 1.0
        return Farveskala(DIVERGING, -reach, reach, centre=0.0, label=label)
    low, high = min(shown), max(shown)
    if low == high:
        low, high = low - 0.5, high + 0.5
    return Farveskala(
        SEQUENTIAL, low, high, zero_distinct=zero_distinct, label=label, zero_label=zero_label
    )


def farver(values: Mapping[int, float], scale: Farveskala) -> dict[int, str]:
    """kommunekode → colour for every value."""
    return {kode: scale.farve(value) for kode, value in sorted(values.items())}


# matplotlib types the path codes as numpy integers; plain ints build the same path.
MOVETO, LINETO, CLOSEPOLY = int(Path.MOVETO), int(Path.LINETO), int(Path.CLOSEPOLY)


def _path(boundary: Kommunegraense) -> Path:
    """One compound path per municipality: every island and hole as its own closed sub-path."""
    dx, dy = BORNHOLM_SHIFT if boundary.kode == BORNHOLM else (0.0, 0.0)
    vertices: list[tuple[float, float]] = []
    codes: list[int] = []
    for ring in boundary.ringe:
        vertices.extend((x + dx, y + dy) for x, y in ring)
        codes.extend([MOVETO, *([LINETO] * (len(ring) - 2)), CLOSEPOLY])
    return Path(vertices, codes)


def kort_figur(
    colours: Mapping[int, str],
    title: str,
    *,
    scale: Farveskala | None = None,
    legend: Sequence[tuple[str, str]] = (),
    notes: Sequence[str] = (),
    missing_label: str = MISSING_LABEL,
) -> Figure:
    """The map as a matplotlib :class:`~matplotlib.figure.Figure` (not attached to pyplot).

    The municipalities are one :class:`~matplotlib.collections.PatchCollection` with ``gid``
    ``"kommuner"``: one compound path per municipality, in kommunekode order.  A kommune
    missing from ``colours`` is drawn white and hatched, and the legend says what that means
    (``missing_label``; regression, notebook audit, stop 27: the hatching was unexplained).
    ``scale`` adds a colour bar,
    ``legend`` adds (label, colour) boxes, ``notes`` are printed under the map (the boundaries'
    attribution is always added).
    """
    boundaries = kommunegraenser()
    figure = Figure(figsize=FIGSIZE, dpi=DPI)
    axes = figure.add_axes((0.02, 0.12, 0.82, 0.80))
    patches = [PathPatch(_path(boundary)) for boundary in boundaries.values()]
    facecolors = [colours.get(k, MISSING_COLOUR) for k in boundaries]
    missing = [p.get_path() for k, p in zip(boundaries, patches, strict=True) if k not in colours]
    collection = _draw(axes, patches, facecolors, missing)
    collection.set_gid("kommuner")
    _bornholm_box(axes, boundaries[BORNHOLM])
    axes.set_xlim(7.95, 12.95)
    axes.set_ylim(54.50, 57.80)
    axes.set_aspect(ASPECT)
    axes.set_axis_off()
    _capital_inset(axes, patches, facecolors, missing)
    figure.suptitle(title, x=0.02, y=0.975, ha="left", fontsize=13)
    if scale is not None:
        cax = figure.add_axes((0.83, 0.30, 0.03, 0.45))
        mappable = mpl.cm.ScalarMappable(norm=scale._norm(), cmap=scale._colormap())
        bar = figure.colorbar(mappable, cax=cax)
        bar.set_label(scale.label, fontsize=9)
    if scale is not None and scale.zero_distinct:
        legend = [*legend, (scale.zero_label, ZERO_COLOUR)]
    handles = [LegendPatch(facecolor=c, edgecolor=EDGE_COLOUR, label=t) for t, c in legend]
    if missing:
        handles.append(
            LegendPatch(
                facecolor=MISSING_COLOUR, edgecolor=EDGE_COLOUR, hatch="///", label=missing_label
            )
        )
    if handles:
        axes.legend(
            handles=handles,
            loc="upper left",
            frameon=False,
            fontsize=9,
        )
    text = "\n".join(
        line for note in [*notes, ATTRIBUTION] for line in textwrap.wrap(note, width=110)
    )
    figure.text(0.02, 0.015, text, fontsize=7, va="bottom", ha="left", color="#333333")
    return figure


ASPECT = 1 / math.cos(math.radians(MIDDLE_LATITUDE))


def _draw(
    axes: Axes, patches: Sequence[PathPatch], facecolors: Sequence[str], missing: Sequence[Path]
) -> PatchCollection:
    collection = PatchCollection(
        [PathPatch(p.get_path()) for p in patches],
        facecolors=list(facecolors),
        edgecolors=EDGE_COLOUR,
        linewidths=0.35,
        match_original=False,
    )
    axes.add_collection(collection)
    for path in missing:
        axes.add_patch(PathPatch(path, facecolor="none", hatch="///", linewidth=0))
    return collection


def _capital_inset(
    axes: Axes, patches: Sequence[PathPatch], facecolors: Sequence[str], missing: Sequence[Path]
) -> None:
    (x0, x1), (y0, y1) = HOVEDSTADEN
    inset = axes.inset_axes(HOVEDSTADEN_BOX, transform=axes.transData)
    _draw(inset, patches, facecolors, missing)
    inset.set_xlim(x0, x1)
    inset.set_ylim(y0, y1)
    inset.set_aspect(ASPECT)
    inset.set_xticks([])
    inset.set_yticks([])
    for spine in inset.spines.values():
        spine.set_edgecolor("#808080")
        spine.set_linewidth(0.6)
    inset.set_title("Hovedstadsområdet", fontsize=8, pad=2)
    axes.add_patch(
        Rectangle((x0, y0), x1 - x0, y1 - y0, fill=False, edgecolor="#808080", linewidth=0.6)
    )


def _bornholm_box(axes: Axes, bornholm: Kommunegraense) -> None:
    xs = [x for ring in bornholm.ringe for x, _ in ring]
    ys = [y for ring in bornholm.ringe for _, y in ring]
    dx, dy = BORNHOLM_SHIFT
    pad = 0.08
    box = Rectangle(
        (min(xs) + dx - pad, min(ys) + dy - pad),
        max(xs) - min(xs) + 2 * pad,
        max(ys) - min(ys) + 2 * pad,
        fill=False,
        edgecolor="#808080",
        linewidth=0.6,
    )
    axes.add_patch(box)


class PNG(bytes):
    """PNG bytes that Jupyter shows inline when a cell's value is a map (``_repr_png_``)."""

    def _repr_png_(self) -> bytes:
        return bytes(self)


def png(figure: Figure) -> PNG:
    """The figure as PNG bytes, free of version and time stamps."""
    buffer = _bytes_io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI, metadata=PNG_METADATA)
    return PNG(buffer.getvalue())


def choropleth_png(
    values: Mapping[int, float],
    title: str,
    *,
    label: str = "",
    diverging: bool = False,
    zero_distinct: bool = False,
    zero_label: str = ZERO_LABEL,
    notes: Sequence[str] = (),
    missing_label: str = MISSING_LABEL,
) -> PNG:
    """A choropleth of ``values`` (kommunekode → number) as PNG bytes; see :func:`skala`.
    A municipality without a value is hatched and named in the legend by ``missing_label``."""
    scale = skala(
        values, diverging=diverging, zero_distinct=zero_distinct, label=label, zero_label=zero_label
    )
    with mpl.style.context("default"):
        figure = kort_figur(
            farver(values, scale), title, scale=scale, notes=notes, missing_label=missing_label
        )
        return png(figure)


def _notes(result: Kvoteberegning) -> list[str]:
    notes = [f"Data: {result.grundlag.kilde}"]
    if result.grundlag.proxy_note:
        notes.insert(0, result.grundlag.proxy_note)
    return notes


def kvote_kort(result: Kvoteberegning) -> PNG:
    """The kommunekvote of every municipality; quota 0 in :data:`ZERO_COLOUR`."""
    values = {k.kommune.kode: float(k.kommunekvote) for k in result.kommuner}
    return choropleth_png(
        values,
        f"Kommunekvoter, landstal {result.landstal}",
        label="kommunekvote (persons)",
        zero_distinct=True,
        notes=_notes(result),
    )


def kvote_pr_1000_kort(result: Kvoteberegning) -> PNG:
    """Quota per 1,000 inhabitants (P_k, § 4 stk. 2); municipalities with quota 0 in grey."""
    values = {
        k.kommune.kode: 1000 * k.kommunekvote / k.noegle.grundlag.befolkning
        for k in result.kommuner
    }
    return choropleth_png(
        values,
        f"Kommunekvote per 1,000 inhabitants, landstal {result.landstal}",
        label="per 1,000 inhabitants",
        zero_distinct=True,
        notes=_notes(result),
    )


NULKVOTE = ("nul-kvote-kommune (v_k ≤ 0, § 4)", "#3f007d")
RUNDET_NUL = ("t_k > 0, rounded to quota 0", "#9e9ac8")
POSITIV = ("quota ≥ 1", "#f2f0f7")


def nulkvote_kategorier(result: Kvoteberegning) -> dict[int, tuple[str, str]]:
    """kommunekode → (legend label, colour) of :data:`NULKVOTE`, :data:`RUNDET_NUL` or
    :data:`POSITIV`."""
    out: dict[int, tuple[str, str]] = {}
    for k in result.kommuner:
        if k.noegle.foreloebigt_fordelingstal <= 0:
            out[k.kommune.kode] = NULKVOTE
        elif k.kommunekvote == 0:
            out[k.kommune.kode] = RUNDET_NUL
        else:
            out[k.kommune.kode] = POSITIV
    return out


def nulkvote_kort(result: Kvoteberegning) -> PNG:
    """The municipalities that receive nobody, and why."""
    categories = nulkvote_kategorier(result)
    counts = {
        c: sum(1 for v in categories.values() if v == c) for c in (NULKVOTE, RUNDET_NUL, POSITIV)
    }
    legend = [(f"{label} ({counts[(label, c)]})", c) for label, c in counts if counts[(label, c)]]
    with mpl.style.context("default"):
        figure = kort_figur(
            {kode: colour for kode, (_, colour) in categories.items()},
            f"Municipalities without quota, landstal {result.landstal}",
            legend=legend,
            notes=_notes(result),
        )
        return png(figure)


def forskel_png(
    foer: Mapping[int, int], efter: Mapping[int, int], title: str, notes: Sequence[str] = ()
) -> PNG:
    """The change from ``foer`` to ``efter`` (kommunekode → persons) on a diverging scale."""
    values = {kode: float(efter.get(kode, 0) - foer.get(kode, 0)) for kode in {*foer, *efter}}
    return choropleth_png(values, title, label="change (persons)", diverging=True, notes=notes)


def forskel_kort(foer: Kvoteberegning, efter: Kvoteberegning, title: str) -> PNG:
    """The change in kommunekvote from ``foer`` to ``efter`` (e.g. two scenarios)."""
    notes = [f"Before: landstal {foer.landstal}; after: landstal {efter.landstal}."]
    notes += [n for n in _notes(efter) if n not in notes]
    return forskel_png(foer.kvoter, efter.kvoter, title, notes)


def kort_filer(result: Kvoteberegning) -> dict[str, bytes]:
    """The three maps of one computation: file name → PNG bytes."""
    return {
        "kort_kommunekvote.png": kvote_kort(result),
        "kort_kvote_pr_1000.png": kvote_pr_1000_kort(result),
        "kort_nulkvote.png": nulkvote_kort(result),
    }
