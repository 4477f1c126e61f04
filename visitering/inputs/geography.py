"""Embedded geography of the 98 municipalities: land neighbours, distances and areas.

All three come from the 2014 DAGI boundaries (see ``data/README.md``, files 8-10):

* *neighbours* share a land boundary; islands without a bridge-free land border (Bornholm,
  Langeland, Ærø, Fanø, Samsø, Læsø, Morsø) have none, and neighbours across water are not
  included, so for "the municipality and its neighbours" (BEK nr. 550/2022 § 12) on an island use
  :func:`distances_km` as well;
* *distances* are great-circle distances between area centroids in km (one decimal), not travel
  times: they are no substitute for the 2-hour commute test of § 11 stk. 4;
* *areas* are approximate land areas in km².

Results are fresh containers on every call (the parsed file is cached), so callers may modify
them.
"""

from __future__ import annotations

from functools import cache

from visitering import io
from visitering.formats import csvtext


def _table(name: str) -> csvtext.Table:
    text, encoding = csvtext.decode(io.read_embedded(name), name)
    return csvtext.parse(text, f"data/{name}", encoding=encoding)


@cache
def _neighbours() -> tuple[tuple[int, frozenset[int]], ...]:
    found: dict[int, set[int]] = {}
    for row in _table("kommuner_naboer.csv").rows:
        a, b = int(row.cells["kommunekode"]), int(row.cells["nabo_kommunekode"])
        found.setdefault(a, set()).add(b)
        found.setdefault(b, set()).add(a)
    codes = [int(row.cells["kommunekode"]) for row in _table("kommuner.csv").rows]
    return tuple((code, frozenset(found.get(code, ()))) for code in sorted(codes))


def neighbours() -> dict[int, frozenset[int]]:
    """Land neighbours by kommunekode (``data/kommuner_naboer.csv``).

    Returns
    -------
    dict of int to frozenset of int
        Every one of the 98 municipalities, by kommunekode; island municipalities map to an
        empty set.  The relation is symmetric.
    """
    return dict(_neighbours())


@cache
def _distances() -> tuple[tuple[tuple[int, int], float], ...]:
    table = _table("kommuner_afstande_km.csv")
    codes = [c for c in table.columns if c != "kommunekode"]
    out: list[tuple[tuple[int, int], float]] = []
    for row in table.rows:
        a = int(row.cells["kommunekode"])
        out.extend(((a, int(b)), float(row.cells[b])) for b in codes)
    return tuple(out)


def distances_km() -> dict[tuple[int, int], float]:
    """Great-circle distance between area centroids (``data/kommuner_afstande_km.csv``).

    Returns
    -------
    dict of (int, int) to float
        km for every ordered pair of the 98 municipalities, ``(a, a)`` included (0.0);
        symmetric.
    """
    return dict(_distances())


@cache
def _areas() -> tuple[tuple[int, float], ...]:
    rows = _table("kommuner_centroider.csv").rows
    return tuple((int(r.cells["kommunekode"]), float(r.cells["areal_km2_ca"])) for r in rows)


def areas_km2() -> dict[int, float]:
    """Approximate land area in km² by kommunekode (``data/kommuner_centroider.csv``)."""
    return dict(_areas())
