"""House monotonicity on real data: where raising the landstal lowers a quota.

Raising the landstal by one person should never take a person from a municipality.  Largest
remainder (Hamilton) does not guarantee it (the *Alabama paradox*); the divisor methods are
house monotone (Balinski & Young 1975; Still 1979 for the quota-constrained ones).  Whether the
paradox strikes, and where, depends on the figures: :func:`alabama` scans a range of landstal
on given data, with the § 7 quotas of :func:`~visitering.kvoter.beregning.beregn_kvoter`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from visitering.domain import Fordelingsgrundlag
from visitering.kvoter.apportionment import Method
from visitering.kvoter.beregning import beregn_kvoter


@dataclass(frozen=True, slots=True)
class Tab:
    """A municipality's quota fell from ``foer`` to ``efter`` when the landstal rose from
    ``landstal - 1`` to ``landstal``."""

    landstal: int
    kommunekode: int
    foer: int
    efter: int


def alabama(grundlag: Fordelingsgrundlag, landstal: Iterable[int], metode: Method) -> list[Tab]:
    """Every quota that falls on a step L − 1 → L, for each consecutive L in ``landstal``
    (ascending), in the order of L and kommunekode.  A step may have several losers."""
    out: list[Tab] = []
    previous: tuple[int, dict[int, int]] | None = None
    for total in landstal:
        kvoter = beregn_kvoter(grundlag, total, metode).kvoter
        if previous is not None and previous[0] == total - 1:
            before = previous[1]
            out += [Tab(total, k, before[k], q) for k, q in sorted(kvoter.items()) if q < before[k]]
        previous = (total, kvoter)
    return out
