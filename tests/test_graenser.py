"""Municipal boundaries decoded from the embedded TopoJSON (data/README.md, file 7)."""

from __future__ import annotations

import itertools
import json
import math

import pytest

from visitering.domain import Kommune, Kommuner, Region
from visitering.errors import InputError
from visitering.inputs import embedded, geography
from visitering.inputs.graenser import kommunegraenser, parse_topojson

X = Region(1, "Region X")
TWO = Kommuner([Kommune(11, "A", X), Kommune(12, "B", X)])


def _signed_area(ring):
    return sum(x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in itertools.pairwise(ring)) / 2


def _topology(geometries, transform=True):
    """Two unit squares side by side sharing the arc x=1 (quantised, delta-encoded)."""
    doc = {
        "type": "Topology",
        "arcs": [
            [[1, 0], [0, 1]],  # shared edge (1,0) -> (1,1)
            [[1, 1], [-1, 0], [0, -1], [1, 0]],  # A's other edges (1,1) -> (0,1) -> (0,0) -> (1,0)
            [[1, 0], [1, 0], [0, 1], [-1, 0]],  # B's other edges (1,0) -> (2,0) -> (2,1) -> (1,1)
        ],
        "objects": {"kommuner": {"type": "GeometryCollection", "geometries": geometries}},
    }
    if transform:
        doc["transform"] = {"scale": [0.5, 0.25], "translate": [10.0, 55.0]}
    return json.dumps(doc).encode()


def _geometry(kode, arcs, kind="Polygon"):
    return {"type": kind, "properties": {"kommunekode": str(kode)}, "arcs": arcs}


def test_arcs_are_dequantised_joined_and_reversed_by_hand():
    """Spec §§ 2.1.3-2.2.4: positions are delta-encoded and scaled; ~0 is arc 0 reversed."""
    data = _topology([_geometry(11, [[1, 0]]), _geometry(12, [[2, -1]], "Polygon")])
    found = parse_topojson(data, "t.topojson", TWO)
    a, b = found[11].polygoner[0][0], found[12].polygoner[0][0]
    # A: (1,1) (0,1) (0,0) (1,0) then arc 0 (1,0) (1,1), scaled by (0.5, 0.25) from (10, 55)
    assert a == ((10.5, 55.25), (10.0, 55.25), (10.0, 55.0), (10.5, 55.0), (10.5, 55.25))
    # B: (1,0) (2,0) (2,1) (1,1) then ~0 = arc 0 reversed: (1,1) (1,0)
    assert b == ((10.5, 55.0), (11.0, 55.0), (11.0, 55.25), (10.5, 55.25), (10.5, 55.0))


def test_bad_topology_lists_every_problem():
    data = _topology(
        [
            _geometry(11, [[1, 0]]),
            _geometry(11, [[1, 0]]),
            _geometry(999, [[2, -1]]),
            _geometry(12, [[1]]),  # not closed
            _geometry(12, [[7]]),  # no arc 7
            {"type": "Point", "properties": {"kommunekode": "12"}, "arcs": []},
        ]
    )
    with pytest.raises(InputError) as err:
        parse_topojson(data, "t.topojson", TWO)
    assert [str(p) for p in err.value.problems] == [
        "t.topojson, geometry 2: kommunekode 11 appears more than once",
        "t.topojson, geometry 3: 999 is not a kommunekode",
        "t.topojson, geometry 4: kommunekode 12 has a ring that is not closed",
        "t.topojson, geometry 5: cannot read the geometry (list index out of range)",
        "t.topojson, geometry 6: cannot read the geometry (type 'Point' is not a (Multi)Polygon)",
    ]
    with pytest.raises(InputError, match="no boundary for kommunekode 12"):
        parse_topojson(_topology([_geometry(11, [[1, 0]])]), "t.topojson", TWO)
    with pytest.raises(InputError, match="not a TopoJSON topology with object 'kommuner'"):
        parse_topojson(b'{"type": "Topology"}', "t.topojson", TWO)


def test_one_boundary_per_municipality_and_christiansoe_is_none():
    found = kommunegraenser()
    assert list(found) == list(embedded.kommuner())
    assert len(found) == 98
    assert 411 not in found  # Christiansø is not a municipality
    assert all(g.navn == embedded.kommuner()[k].navn for k, g in found.items())


def test_winding_exteriors_clockwise_holes_counter_clockwise():
    """data/README.md file 7: the TopoJSON keeps d3's winding; København's only hole is the
    Frederiksberg enclave, whose boundary it shares."""
    found = kommunegraenser()
    for g in found.values():
        for polygon in g.polygoner:
            assert _signed_area(polygon[0]) < 0, g.navn
            assert all(_signed_area(hole) > 0 for hole in polygon[1:]), g.navn
    holes = [(k, p[1:]) for k, g in found.items() for p in g.polygoner if len(p) > 1]
    assert [k for k, _ in holes] == [101]
    (hole,) = holes[0][1]
    (frederiksberg,) = found[147].polygoner
    assert set(hole) == set(frederiksberg[0])


def test_areas_agree_with_the_embedded_area_column():
    """data/README.md file 8 computed areal_km2_ca from this geometry, planar at 56° N."""
    km_per_degree = 6371.0088 * math.pi / 180
    scale = km_per_degree**2 * math.cos(math.radians(56))
    published = geography.areas_km2()
    for kode, g in kommunegraenser().items():
        area = sum(-_signed_area(p[0]) - sum(_signed_area(h) for h in p[1:]) for p in g.polygoner)
        assert area * scale == pytest.approx(published[kode], rel=0.01), g.navn
