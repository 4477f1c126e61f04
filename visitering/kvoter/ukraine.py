"""Forholdsmæssige kommunetal for people displaced from Ukraine, block by block.

People with a residence permit under *lov nr. 324 af 16. marts 2022 om midlertidig
opholdstilladelse til personer, der er fordrevet fra Ukraine* (særloven) are outside the landstal
and the quotas of BEK nr. 550/2022 (its § 1 stk. 4 sends them to a separate order).  Under
særlovens § 30 stk. 6 the order is *bekendtgørelse om forholdsmæssige kommunetal*:

* BEK nr. 509 af 26. april 2022 (and its successors for later years, e.g. BEK nr. 1633 af
  4. december 2023 for 2024), § 2: Udlændingestyrelsen fixes the kommunetal for **10,000 persons
  at a time**; § 3 stk. 2: the municipality's *fordelingsandel* is its percentage of the whole
  population of Denmark, and its kommunetal is that share times the number to be distributed;
  § 3 stk. 3: population from Danmarks Statistik on 1 January of a stated year (1 January 2021
  in BEK 509/2022, 1 January 2023 in BEK 1633/2023) — choose it with ``--data-year`` (the
  embedded data have no 2021 vintage: supply it with ``--inputs``).
  Texts read: http://www.socialjura.dk/content-storage/regler/2022/bek-509-af-264-2022/ and
  https://elov.dk/bekendtgorelse-om-forholdsmaessige-kommunetal-for-2024-til-fordeling-af-personer-omfattet-af-lov-om-midlertidig-opholdstilladelse-til-personer-der-er-fordrevet-fra-ukraine
  (BEK 1633/2023).  This is :attr:`Variant.POPULATION`, the default.
* BEK nr. 327/2022, the first order, used the refugee key of BEK 550/2022 § 4:
  a_k = 2·p_k − i_k, with negative shares set to 0 and the rest renormalised to sum to 1
  (no familiesammenførte term).  We could not retrieve its text from the stored public copies;
  the formula is the project's issue text and ``docs/rules.md``.  TV 2 Fyn reported in spring
  2022 that the first computations used "the mathematical model the agency already uses"
  (https://www.tv2fyn.dk/artikel/se-fordeling-af-ukrainske-flygtninge).
  This is :attr:`Variant.REFUGEE_KEY`.

The correction between blocks
-----------------------------
``docs/rules.md`` says each new block is corrected by the previous over- or under-placement per
municipality, volunteers first.  The stored copies of BEK 509/2022 break off before the
paragraphs (§ 3 stk. 5-7) that may say how, so the rule below is **our interpretation**:

With s_k the fordelingsandel, placed_k the persons actually placed in municipality k so far
(all earlier blocks, from the placements file), P = Σ placed_k, B the block size and f_k the
volunteers' persons in this block (F = Σ f_k, R = B − F the persons left for the key):

1. ``kumuleret_ret``  e_k = s_k · (P + B): the municipality's share of everyone placed once this
   block is done (we count P as the persons *actually* placed, not blocks × B, so that an
   unfinished block carries over exactly and the targets sum to the block);
2. ``afvigelse``      d_k = placed_k − s_k · P: over- (> 0) or under-placement (< 0) so far;
3. ``korrigeret_maal`` r_k = s_k · R − d_k, which with volunteers counted on top
   (:attr:`VolunteerRule.ON_TOP`, the default, as an increase of the landstal serves volunteers
   in :mod:`visitering.kvoter.revision`) is s_k · (P + R) − placed_k; with
   :attr:`VolunteerRule.COUNTED` the volunteers' persons count towards their own target:
   r_k = e_k − placed_k − f_k.  Either way Σ r_k = R exactly;
4. ``maal``           t_k = 0 if r_k ≤ 0, else r_k · R / S with S = Σ_{r>0} r: no municipality is
   given a negative number (persons already placed are never taken back), and the shortfall is
   taken off the others in proportion, exactly as the zero-clipping of BEK 550/2022 § 4 stk. 5;
5. ``kommunetal``     f_k + apportion(t, R)_k with a named method: whole persons, summing to B
   exactly, the key part within floor/ceil of t_k.

Volunteers ("frivillige", persons offered in writing) are served first as in the refugee rules:
each gets its offer, or, if the offers exceed the block, a share of it in proportion to the offers
(:func:`~visitering.kvoter.revision.serve_volunteers`).  A municipality that was over-placed gets
t_k < s_k · R (less than its plain share of the key part); the more it was over-placed, the less.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from fractions import Fraction

from visitering.domain import Fordelingsgrundlag, KommuneGrundlag
from visitering.errors import InputError, Problem
from visitering.kvoter.apportionment import Method, apportion
from visitering.kvoter.fordelingsnoegle import beregn_noegle
from visitering.kvoter.revision import serve_volunteers

BLOCK_SIZE = 10_000
"""BEK nr. 509/2022 § 2: kommunetal are fixed for 10,000 persons at a time."""


class Variant(StrEnum):
    """Which fordelingsandel the kommunetal use."""

    POPULATION = "population"  # BEK 509/2022 § 3 stk. 2 and later orders
    REFUGEE_KEY = "refugee-key"  # BEK 327/2022: 2·p_k − i_k, negatives 0, renormalised


VARIANT_LABELS: dict[Variant, str] = {
    Variant.POPULATION: "share of the population (BEK nr. 509/2022 § 3 stk. 2)",
    Variant.REFUGEE_KEY: (
        "refugee key 2·p_k − i_k, negatives set to 0, renormalised (BEK nr. 327/2022)"
    ),
}


class VolunteerRule(StrEnum):
    """How the persons a volunteer municipality takes relate to its own target."""

    ON_TOP = "on-top"  # volunteers' persons come on top of the key part
    COUNTED = "counted"  # volunteers' persons count towards their own corrected target


@dataclass(frozen=True, slots=True)
class Kommunetal:
    """Every intermediate of the block for one municipality (see the module docstring)."""

    grundlag: KommuneGrundlag
    fordelingsandel: Fraction
    """s_k."""
    kumuleret_ret: Fraction
    """e_k = s_k · (P + B)."""
    placeret: int
    """placed_k: persons placed so far (the placements file)."""
    afvigelse: Fraction
    """d_k = placed_k − s_k · P (> 0: over-placed)."""
    frivillige: int
    """f_k: volunteers' persons in this block."""
    korrigeret_maal: Fraction
    """r_k (may be negative)."""
    maal: Fraction
    """t_k ≥ 0, Σ t_k = R."""
    noegle_tal: int
    """The key part: t_k apportioned to whole persons."""

    @property
    def kode(self) -> int:
        return self.grundlag.kommune.kode

    @property
    def kommunetal(self) -> int:
        """The forholdsmæssige kommunetal: volunteers' persons plus the key part."""
        return self.frivillige + self.noegle_tal


@dataclass(frozen=True, slots=True)
class Blokberegning:
    """The kommunetal for one block and everything needed to audit them."""

    blokstoerrelse: int
    variant: Variant
    frivillig_regel: VolunteerRule
    metode: Method
    grundlag: Fordelingsgrundlag
    placeret_i_alt: int
    """P."""
    frivillige_i_alt: int
    """F."""
    kommuner: tuple[Kommunetal, ...]

    @property
    def noegle_personer(self) -> int:
        """R = B − F: the persons distributed by the key."""
        return self.blokstoerrelse - self.frivillige_i_alt

    @property
    def kommunetal(self) -> dict[int, int]:
        """kommunekode → kommunetal."""
        return {k.kode: k.kommunetal for k in self.kommuner}


def fordelingsandele(grundlag: Fordelingsgrundlag, variant: Variant) -> list[Fraction]:
    """s_k for every municipality, in the order of ``grundlag``; Σ s_k = 1 (the population
    key of BEK nr. 509/2022 § 3 stk. 2, or the refugee key of BEK nr. 550/2022 § 4 that BEK
    nr. 327/2022 used).

    Raises
    ------
    InputError
        If the population (or, for the refugee key, the immigrant) column sums to 0, or no
        municipality has a positive refugee-key share.
    """
    if variant is Variant.POPULATION:
        total = sum(g.befolkning for g in grundlag.kommuner)
        if total == 0:
            raise InputError(Problem("the befolkning column sums to 0", grundlag.kilde))
        return [Fraction(g.befolkning, total) for g in grundlag.kommuner]
    # The § 4 key's a_k, computed once by the quota engine; landstal 1 only satisfies its
    # signature (a_k does not depend on it).
    a = [k.fordelingsandel for k in beregn_noegle(grundlag, 1).kommuner]
    positive = sum((x for x in a if x > 0), Fraction(0))
    return [x / positive if x > 0 else Fraction(0) for x in a]


def beregn_blok(
    grundlag: Fordelingsgrundlag,
    blokstoerrelse: int = BLOCK_SIZE,
    variant: Variant = Variant.POPULATION,
    placeringer: Mapping[int, int] | None = None,
    frivillige: Mapping[int, int] | None = None,
    metode: Method = Method.LARGEST_REMAINDER,
    frivillig_regel: VolunteerRule = VolunteerRule.ON_TOP,
) -> Blokberegning:
    """The forholdsmæssige kommunetal for the next block (steps 1-5 of the module docstring).

    Parameters
    ----------
    grundlag : Fordelingsgrundlag
        Population (and, for the refugee key, immigrants) per municipality.
    blokstoerrelse : int
        B, persons in the block (BEK 509/2022 § 2: 10,000).
    placeringer : Mapping[int, int], optional
        kommunekode → persons placed so far; absent municipalities have placed none.  Without
        it the block is the first: plain shares of B.
    frivillige : Mapping[int, int], optional
        kommunekode → persons a municipality volunteered to take; served first.

    Raises
    ------
    InputError
        If the block size is not positive, or a kommunekode is not one of ``grundlag``.
    """
    if blokstoerrelse <= 0:
        raise InputError(
            Problem(f"must be a positive whole number, got {blokstoerrelse}", "--block-size")
        )
    placed = dict(placeringer or {})
    offers = dict(frivillige or {})
    codes = {g.kommune.kode for g in grundlag.kommuner}
    unknown = [
        Problem(f"kommunekode {kode} is not in the distribution inputs", label)
        for label, table in (("placements", placed), ("volunteers", offers))
        for kode in sorted(set(table) - codes)
    ]
    if unknown:
        raise InputError(unknown)

    shares = fordelingsandele(grundlag, variant)
    given = serve_volunteers(offers, blokstoerrelse, metode)
    rest = blokstoerrelse - sum(given.values())
    total_placed = sum(placed.values())
    staged = []
    for g, s in zip(grundlag.kommuner, shares, strict=True):
        kode = g.kommune.kode
        p_k, f_k = placed.get(kode, 0), given.get(kode, 0)
        entitled = s * (total_placed + blokstoerrelse)
        deviation = p_k - s * total_placed
        if frivillig_regel is VolunteerRule.COUNTED:
            target = entitled - p_k - f_k
        else:
            target = s * rest - deviation
        staged.append((g, s, entitled, p_k, deviation, f_k, target))
    positive = sum((r for *_, r in staged if r > 0), Fraction(0))
    maal = [r * rest / positive if r > 0 else Fraction(0) for *_, r in staged]
    key = apportion(maal, rest, metode)
    kommuner = tuple(
        Kommunetal(g, s, e, p_k, d, f_k, r, t, n)
        for (g, s, e, p_k, d, f_k, r), t, n in zip(staged, maal, key, strict=True)
    )
    return Blokberegning(
        blokstoerrelse,
        variant,
        frivillig_regel,
        metode,
        grundlag,
        total_placed,
        sum(given.values()),
        kommuner,
    )
