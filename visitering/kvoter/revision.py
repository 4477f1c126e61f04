"""Changes of the landstal during the year (BEK nr. 550/2022 § 2 stk. 5-6, § 4 stk. 7,
§ 7 stk. 8-11).

* The landstal **must** be changed when the expected number differs by more than 40 % (landstal
  ≤ 8,000) or 25 % (landstal > 8,000); before 2018 the threshold was 50 %.  Smaller changes are
  allowed.
* A **decrease** scales the quotas in force proportionally: each municipality's exact new number
  is q_k · L_new / L_old, rounded with the same named method over all municipalities, and each
  region quota is again the sum of its municipalities.
* An **increase** is a re-computation with the **same data** as the first announcement, and the
  municipalities that volunteered in writing beforehand ("frivillige ønsker") are served first.
  We read "served first" as: volunteers receive their offered extra persons (scaled down in
  proportion to the offers if they exceed the increase), and the rest of the new landstal is
  distributed by the key: q_k = key-quota(L_new − V)_k + extra_k, where V is what the volunteers
  took.  Offers are used up across chained increases.
* An existing KKR agreement lapses on a change unless it says how to handle one, so revisions
  start from the § 7 quotas.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from fractions import Fraction

from visitering.domain import Fordelingsgrundlag
from visitering.errors import InputError, Problem
from visitering.kvoter.apportionment import Method, apportion
from visitering.kvoter.beregning import Kvoteberegning, beregn_kvoter

THRESHOLD_SMALL = Fraction(40, 100)
THRESHOLD_LARGE = Fraction(25, 100)
THRESHOLD_BEFORE_2018 = Fraction(50, 100)
LARGE_LANDSTAL = 8_000


class Retning(StrEnum):
    FORHOEJELSE = "forhøjelse"
    NEDSAETTELSE = "nedsættelse"
    UAENDRET = "uændret"


@dataclass(frozen=True, slots=True)
class Revisionstrin:
    """One change of the landstal and its effect on every municipality."""

    fra_landstal: int
    til_landstal: int
    retning: Retning
    aendring: Fraction
    """Relative change |L_new − L_old| / L_old."""
    taerskel: Fraction
    """The threshold above which the change is mandatory."""
    kvoter_foer: dict[int, int]
    kvoter_efter: dict[int, int]
    frivillige: dict[int, int]
    """Extra persons given to volunteer municipalities in this step."""

    @property
    def obligatorisk(self) -> bool:
        """Whether the law required this change (§ 2 stk. 5: strictly more than the
        threshold)."""
        return self.aendring > self.taerskel


@dataclass(frozen=True, slots=True)
class Revision:
    """The original computation and each revision step in order."""

    oprindelig: Kvoteberegning
    trin: tuple[Revisionstrin, ...]
    frivillige_ubrugte: dict[int, int] = field(default_factory=dict)
    """Persons offered by volunteer municipalities (§ 7 stk. 9) that no increase of the chain
    used, per kommunekode: a decrease scales every quota and serves no offer."""

    @property
    def kvoter(self) -> dict[int, int]:
        """The quotas in force after the last step."""
        return self.trin[-1].kvoter_efter if self.trin else self.oprindelig.kvoter


def taerskel(landstal: int, before_2018: bool = False) -> Fraction:
    """The relative change above which the landstal must be changed (§ 2 stk. 5)."""
    if before_2018:
        return THRESHOLD_BEFORE_2018
    return THRESHOLD_SMALL if landstal <= LARGE_LANDSTAL else THRESHOLD_LARGE


def revider(
    grundlag: Fordelingsgrundlag,
    landstal: int,
    nye_landstal: Sequence[int],
    metode: Method = Method.LARGEST_REMAINDER,
    frivillige: Mapping[int, int] | None = None,
    before_2018: bool = False,
) -> Revision:
    """Apply a chain of landstal changes to the quotas computed for ``landstal`` (BEK nr.
    550/2022 § 7 stk. 8-9; each change judged by § 2 stk. 5).

    Raises
    ------
    InputError
        If a new landstal is not a positive whole number.
    """
    problems = [
        Problem(f"must be a positive whole number, got {n}", "--new-landstal")
        for n in nye_landstal
        if n <= 0
    ]
    if problems:
        raise InputError(problems)
    oprindelig = beregn_kvoter(grundlag, landstal, metode)
    offers = dict(frivillige or {})
    steps: list[Revisionstrin] = []
    current = oprindelig.kvoter
    for new in nye_landstal:
        step = revisionstrin(grundlag, current, new, metode, offers, before_2018)
        for code, extra in step.frivillige.items():
            offers[code] -= extra  # offers are used up across chained increases
        steps.append(step)
        current = step.kvoter_efter
    return Revision(oprindelig, tuple(steps), {c: n for c, n in sorted(offers.items()) if n > 0})


def nedsaettelse(
    kvoter: Mapping[int, int],
    landstal: int,
    metode: Method = Method.LARGEST_REMAINDER,
    region_of: Mapping[int, int] | None = None,
) -> dict[int, int]:
    """The quotas in force ``kvoter`` scaled proportionally to a lower ``landstal`` and
    rounded by ``metode`` (§ 7 stk. 8); no data are needed.

    A simple ratio makes exact ties common (halving: every odd quota ends in ½), and ties
    broken by kommunekode gave the low codes, Hovedstaden and Sjælland, every extra person
    (audit, stop 24: 1,000 → 500 put Hovedstaden 6.5 above its exact half and Midtjylland 5
    below).  With ``region_of`` (kommunekode → regionskode) the tie order
    (:func:`tie_order`) spreads each class of equal remainders over the regions in proportion,
    so that the region quotas, too, stay close to scaled proportionally.
    """
    old = sum(kvoter.values())
    codes = sorted(kvoter)
    exact = {k: Fraction(kvoter[k] * landstal, old) for k in codes}
    if region_of is not None:
        codes = tie_order(exact, kvoter, region_of)
    scaled = [exact[k] for k in codes]
    allocation = dict(zip(codes, apportion(scaled, landstal, metode), strict=True))
    return {k: allocation[k] for k in sorted(allocation)}


def tie_order(
    exact: Mapping[int, Fraction], kvoter: Mapping[int, int], region_of: Mapping[int, int]
) -> list[int]:
    """The municipalities in the order in which exact ties are broken (the first wins).

    Within each class of equal remainders, a region's members (largest quota in force first,
    then kommunekode) take the positions (i + ½) / n of its n members, and the class is ordered
    by position: the first s of a class then hold about s · n / N of each region's members, as
    systematic sampling does.  Deterministic; ties between positions go to the lower code.
    """
    position: dict[int, Fraction] = {}
    classes: dict[tuple[Fraction, int], list[int]] = {}
    for k, value in exact.items():
        classes.setdefault((value - value.__floor__(), region_of[k]), []).append(k)
    for members in classes.values():
        members.sort(key=lambda k: (-kvoter[k], k))
        for i, k in enumerate(members):
            position[k] = Fraction(2 * i + 1, 2 * len(members))
    return sorted(exact, key=lambda k: (position[k], k))


def revisionstrin(
    grundlag: Fordelingsgrundlag,
    kvoter: Mapping[int, int],
    landstal: int,
    metode: Method = Method.LARGEST_REMAINDER,
    frivillige: Mapping[int, int] | None = None,
    before_2018: bool = False,
    fra_landstal: int | None = None,
) -> Revisionstrin:
    """One change of the landstal to ``landstal``, applied to the quotas in force ``kvoter``:
    a decrease scales them (§ 7 stk. 8), an increase is a re-computation on ``grundlag`` (the
    first announcement's data) with the volunteers' ``frivillige`` offers served first
    (§ 7 stk. 9).

    ``fra_landstal`` is the landstal in force; by default the quotas' sum, which it is unless
    a § 4 stk. 6 deviation moved a region off its key.  The direction, the change and the
    § 2 stk. 5 verdict are those of the landstal (regression, scenario audit, stop 27: with a
    region raised by 16, 600 → 360 was "41.56 %, mandatory" where the landstal changed by
    exactly 40 %); a decrease still scales the quotas in force to the new landstal.

    Raises
    ------
    InputError
        If ``landstal`` is not a positive whole number, or no quota is in force.
    """
    old = sum(kvoter.values()) if fra_landstal is None else fra_landstal
    if landstal <= 0:
        raise InputError(Problem(f"must be a positive whole number, got {landstal}", "--landstal"))
    if old <= 0 or sum(kvoter.values()) <= 0:
        raise InputError(Problem("no quotas in force to revise (they sum to 0)", "--landstal"))
    current = dict(kvoter)
    given: dict[int, int] = {}
    if landstal < old:
        retning = Retning.NEDSAETTELSE
        regions = {g.kommune.kode: g.kommune.region.kode for g in grundlag.kommuner}
        after = nedsaettelse(current, landstal, metode, regions)
    elif landstal > old:
        retning = Retning.FORHOEJELSE
        given = serve_volunteers(frivillige or {}, landstal - old, metode)
        base = beregn_kvoter(grundlag, landstal - sum(given.values()), metode).kvoter
        after = {k: q + given.get(k, 0) for k, q in base.items()}
    else:
        retning = Retning.UAENDRET
        after = dict(current)
    change, limit = aendring_og_taerskel(old, landstal, before_2018)
    return Revisionstrin(old, landstal, retning, change, limit, current, after, given)


def aendring_og_taerskel(
    fra: int, til: int, before_2018: bool = False
) -> tuple[Fraction, Fraction]:
    """The relative change of the landstal ``fra`` → ``til`` and the threshold above which
    § 2 stk. 5 requires it."""
    return Fraction(abs(til - fra), fra), taerskel(fra, before_2018)


def serve_volunteers(offers: Mapping[int, int], increase: int, metode: Method) -> dict[int, int]:
    """Volunteers get their offers first (BEK nr. 550/2022 § 7 stk. 9: municipalities that
    offered in writing to take more); if the offers exceed ``increase``, they share it in
    proportion to what they offered (rounded with ``metode``).  Also used for the blocks of
    people displaced from Ukraine (:mod:`visitering.kvoter.ukraine`)."""
    codes = sorted(k for k, v in offers.items() if v > 0)
    total = sum(offers[k] for k in codes)
    if total <= increase:
        return {k: offers[k] for k in codes}
    shares = [Fraction(offers[k] * increase, total) for k in codes]
    return dict(zip(codes, apportion(shares, increase, metode), strict=True))
