"""Municipal boundaries (*kommunegrænser*) from the embedded TopoJSON, for maps.

``data/kommuner.topojson`` holds the 2014 DAGI boundaries of the 98 municipalities (one
MultiPolygon per kommune, object ``kommuner``; provenance in ``data/README.md``, file 7).
Christiansø is not a municipality and is not in the file.

TopoJSON stores each shared border once, as an *arc*: a list of delta-encoded, quantised
positions.  A ring is a list of arc indices; index ``~i`` (``-i - 1``) means arc ``i``
reversed.  Decoding is short enough to do here rather than add a dependency
(https://github.com/topojson/topojson-specification, §§ 2.1.3-2.2.4).

Coordinates are WGS84 longitude/latitude in degrees.  Exterior rings wind clockwise and holes
counter-clockwise (d3 convention, kept from the source), so a non-zero fill leaves København's
hole for Frederiksberg open.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from visitering import io
from visitering.domain import Kommuner
from visitering.errors import InputError, Problem, ProblemCollector

Point = tuple[float, float]
Ring = tuple[Point, ...]
Polygon = tuple[Ring, ...]
"""An exterior ring followed by its holes."""

OBJECT = "kommuner"
SOURCE = "data/kommuner.topojson"
ATTRIBUTION = "Grænser: DAGI 2014, Geodatastyrelsen (SDFI), frie geodata"
"""The attribution the licence of the boundaries requires on every map."""


@dataclass(frozen=True, slots=True)
class Kommunegraense:
    """The boundary of one municipality: its polygons (islands), each with its holes."""

    kode: int
    navn: str
    polygoner: tuple[Polygon, ...]

    @property
    def ringe(self) -> tuple[Ring, ...]:
        """Every ring of every polygon, exteriors and holes alike."""
        return tuple(ring for polygon in self.polygoner for ring in polygon)


def _decode_arcs(raw: Sequence[Any], transform: Mapping[str, Any] | None) -> list[list[Point]]:
    """Absolute lon/lat positions of every arc (undoing quantisation and delta encoding)."""
    if transform is None:
        return [[(float(x), float(y)) for x, y, *_ in arc] for arc in raw]
    (sx, sy), (tx, ty) = transform["scale"], transform["translate"]
    arcs: list[list[Point]] = []
    for arc in raw:
        x = y = 0
        points: list[Point] = []
        for dx, dy, *_ in arc:
            x += dx
            y += dy
            points.append((x * sx + tx, y * sy + ty))
        arcs.append(points)
    return arcs


def _ring(indices: Sequence[int], arcs: Sequence[Sequence[Point]]) -> Ring:
    """Join the arcs of one ring; consecutive arcs share their end point, kept once."""
    points: list[Point] = []
    for index in indices:
        arc = arcs[index] if index >= 0 else list(reversed(arcs[~index]))
        points.extend(arc if not points else arc[1:])
    return tuple(points)


def parse_topojson(data: bytes, source: str, kommuner: Kommuner) -> dict[int, Kommunegraense]:
    """Decode the ``kommuner`` object of a TopoJSON topology into one boundary per kommune.

    Parameters
    ----------
    data:
        The TopoJSON file's bytes (UTF-8).
    source:
        The file name, for error messages.
    kommuner:
        The municipalities that must each appear exactly once.

    Returns
    -------
    dict of int to Kommunegraense
        By kommunekode, in kommunekode order.

    Raises
    ------
    InputError
        If the file is not a TopoJSON topology with object ``kommuner``, or a municipality is
        missing, repeated, unknown or has a ring that is not closed; every problem is listed.
    """
    problems = ProblemCollector()
    try:
        doc = json.loads(data.decode("utf-8"))
        collection = doc["objects"][OBJECT]
        geometries = collection["geometries"]
        arcs = _decode_arcs(doc["arcs"], doc.get("transform"))
    except (UnicodeDecodeError, ValueError, KeyError, TypeError) as exc:
        raise InputError(
            Problem(f"not a TopoJSON topology with object {OBJECT!r} ({exc!r})", source)
        ) from None
    found: dict[int, Kommunegraense] = {}
    for number, geometry in enumerate(geometries, start=1):
        where = f"{source}, geometry {number}"
        try:
            kode = int(geometry["properties"]["kommunekode"])
            kind, parts = geometry["type"], geometry["arcs"]
            if kind == "Polygon":
                parts = [parts]
            elif kind != "MultiPolygon":
                raise ValueError(f"type {kind!r} is not a (Multi)Polygon")
            polygons = tuple(tuple(_ring(ring, arcs) for ring in part) for part in parts)
        except (KeyError, TypeError, ValueError, IndexError) as exc:
            problems.add(f"cannot read the geometry ({exc})", where)
            continue
        if kode not in kommuner:
            problems.add(f"{kode} is not a kommunekode", where)
        elif kode in found:
            problems.add(f"kommunekode {kode} appears more than once", where)
        elif any(len(r) < 4 or r[0] != r[-1] for p in polygons for r in p):
            problems.add(f"kommunekode {kode} has a ring that is not closed", where)
        else:
            found[kode] = Kommunegraense(kode, kommuner[kode].navn, polygons)
    missing = [str(k) for k in kommuner if k not in found]
    if missing and not problems.problems:
        problems.add(f"no boundary for kommunekode {', '.join(missing)}", source)
    problems.raise_if_any()
    return {kode: found[kode] for kode in sorted(found)}


@cache
def _embedded() -> tuple[Kommunegraense, ...]:
    from visitering.inputs import embedded

    name = SOURCE.removeprefix("data/")
    return tuple(parse_topojson(io.read_embedded(name), SOURCE, embedded.kommuner()).values())


def kommunegraenser() -> dict[int, Kommunegraense]:
    """The embedded boundaries of the 98 municipalities, by kommunekode (parsed once)."""
    return {g.kode: g for g in _embedded()}
