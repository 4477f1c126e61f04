"""Region and municipal quotas (BEK nr. 550/2022 §§ 4-7) from the key and a rounding method.

Order of the steps, each recorded in the result so that every quota can be traced:

1. the § 4 key gives each municipality its exact fordelingstal t_k (:mod:`.fordelingsnoegle`);
2. the exact numbers are rounded to whole persons over all 98 municipalities with a named
   method, and each region quota is the sum of its municipalities' quotas (§ 4 stk. 1).  The law
   does not say how to round; rounding municipalities individually and summing to the region
   matches the published 2018 revision (Syddanmark 303 → 102 when the landstal went 3,000 → 1,000);
3. a recorded deviation from a region quota under § 4 stk. 6 re-splits that region's quota over
   its municipalities as § 7 prescribes (steps 1-4 of the key inside the region);
4. a KKR agreement (§§ 5-6) replaces a region's split; it must cover every municipality of the
   region and sum to the region quota, otherwise it is invalid and the § 7 quotas apply;
5. a recorded deviation from a municipal quota under § 7 stk. 6 sets that municipality's quota.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from fractions import Fraction

from visitering.domain import Fordelingsgrundlag, Kommune, Region
from visitering.errors import InputError, Problem
from visitering.kvoter.apportionment import Method, apportion
from visitering.kvoter.fordelingsnoegle import KommuneNoegle, Noegle, beregn_noegle


class Grundlag(StrEnum):
    """The legal basis of a quota as exported (column ``grundlag``)."""

    BEREGNET = "§ 7"
    REGION_AFVIGELSE = "§ 4 stk. 6 og § 7"
    AFTALE = "aftale §§ 5-6"
    AFVIGELSE = "afvigelse § 7 stk. 6"
    BEREGNET_REGION = "§ 4 stk. 1"
    AFVIGELSE_REGION = "afvigelse § 4 stk. 6"


@dataclass(frozen=True, slots=True)
class Kilde:
    """Where a user-supplied figure came from, for error messages and the audit trail."""

    source: str
    row: int | None = None


@dataclass(frozen=True, slots=True)
class Aftale:
    """A KKR agreement on the split of one region's quota (§§ 5-6): kommunekode → kvote."""

    region: Region
    kvoter: dict[int, int]
    kilder: dict[int, Kilde] = field(default_factory=dict)
    source: str = "agreements"


@dataclass(frozen=True, slots=True)
class Afvigelse:
    """A recorded deviation (§ 4 stk. 6 for a region, § 7 stk. 6 for a municipality)."""

    kode: int
    """A regionskode (when ``gaelder_region``) or a kommunekode."""
    kvote: int
    begrundelse: str
    kilde: Kilde
    gaelder_region: bool = False


@dataclass(frozen=True, slots=True)
class Kommunekvote:
    """A municipality's quota with the key's intermediates and its legal basis."""

    noegle: KommuneNoegle
    beregnet_kvote: int
    """The § 7 quota from the rounding method, before agreements and deviations."""
    kommunekvote: int
    grundlag: Grundlag
    begrundelse: str = ""

    @property
    def kommune(self) -> Kommune:
        return self.noegle.grundlag.kommune


@dataclass(frozen=True, slots=True)
class Regionskvote:
    """A region's quota: exact Σ t_k (§ 4 stk. 1) and the whole-person quota."""

    region: Region
    fordelingstal: Fraction
    regionskvote: int
    grundlag: Grundlag
    begrundelse: str = ""


@dataclass(frozen=True, slots=True)
class Kvoteberegning:
    """The complete, auditable result of one quota computation."""

    landstal: int
    metode: Method
    grundlag: Fordelingsgrundlag
    noegle: Noegle
    kommuner: tuple[Kommunekvote, ...]
    regioner: tuple[Regionskvote, ...]
    advarsler: tuple[str, ...] = ()

    def kvote(self, kode: int) -> Kommunekvote:
        """The quota of the municipality with kommunekode ``kode``."""
        for k in self.kommuner:
            if k.kommune.kode == kode:
                return k
        raise KeyError(kode)

    @property
    def kvoter(self) -> dict[int, int]:
        """kommunekode → kommunekvote."""
        return {k.kommune.kode: k.kommunekvote for k in self.kommuner}


def beregn_kvoter(
    grundlag: Fordelingsgrundlag,
    landstal: int,
    metode: Method = Method.LARGEST_REMAINDER,
    aftaler: Sequence[Aftale] = (),
    afvigelser: Sequence[Afvigelse] = (),
) -> Kvoteberegning:
    """Compute region and municipal quotas for ``landstal``.

    Raises
    ------
    InputError
        For an invalid agreement or deviation, with every problem found.
    """
    noegle = beregn_noegle(grundlag, landstal)
    exact = [k.fordelingstal for k in noegle.kommuner]
    beregnet = apportion(exact, landstal, metode)
    kvoter = {k.kode: q for k, q in zip(noegle.kommuner, beregnet, strict=True)}
    basis = {k.kode: Grundlag.BEREGNET for k in noegle.kommuner}
    reasons: dict[int, str] = {}
    region_of = {k.kode: k.grundlag.kommune.region for k in noegle.kommuner}
    regioner = sorted(set(region_of.values()))
    problems: list[Problem] = []

    region_overrides = _unique_overrides([a for a in afvigelser if a.gaelder_region], problems)
    for afv in region_overrides.values():
        if afv.kode not in {r.kode for r in regioner}:
            problems.append(
                Problem(f"{afv.kode} is not a regionskode", afv.kilde.source, afv.kilde.row, "kode")
            )
            continue
        members = [k for k in noegle.kommuner if region_of[k.kode].kode == afv.kode]
        weight = sum((k.fordelingstal for k in members), Fraction(0))
        if weight == 0 and afv.kvote > 0:
            problems.append(
                Problem(
                    "the region's municipalities all have fordelingstal 0, so "
                    "§ 7 cannot split a quota over them",
                    afv.kilde.source,
                    afv.kilde.row,
                    "kvote",
                )
            )
            continue
        shares = [k.fordelingstal * afv.kvote / weight if weight else Fraction(0) for k in members]
        for k, q in zip(members, apportion(shares, afv.kvote, metode), strict=True):
            kvoter[k.kode] = q
            basis[k.kode] = Grundlag.REGION_AFVIGELSE
            reasons[k.kode] = afv.begrundelse

    region_total = {r: sum(kvoter[k] for k in kvoter if region_of[k] == r) for r in regioner}
    for aftale in aftaler:
        problems.extend(_check_agreement(aftale, region_of, region_total[aftale.region]))
        for kode, q in aftale.kvoter.items():
            kvoter[kode] = q
            basis[kode] = Grundlag.AFTALE

    for afv in _unique_overrides(
        [a for a in afvigelser if not a.gaelder_region], problems
    ).values():
        if afv.kode not in kvoter:
            problems.append(
                Problem(f"{afv.kode} is not a kommunekode", afv.kilde.source, afv.kilde.row, "kode")
            )
            continue
        kvoter[afv.kode] = afv.kvote
        basis[afv.kode] = Grundlag.AFVIGELSE
        reasons[afv.kode] = afv.begrundelse
    if problems:
        raise InputError(problems)

    kommuner = tuple(
        Kommunekvote(k, q0, kvoter[k.kode], basis[k.kode], reasons.get(k.kode, ""))
        for k, q0 in zip(noegle.kommuner, beregnet, strict=True)
    )
    regionskvoter = tuple(
        Regionskvote(
            region=r,
            fordelingstal=sum(
                (k.fordelingstal for k in noegle.kommuner if region_of[k.kode] == r), Fraction(0)
            ),
            regionskvote=sum(q.kommunekvote for q in kommuner if q.kommune.region == r),
            grundlag=Grundlag.AFVIGELSE_REGION
            if r.kode in region_overrides
            else Grundlag.BEREGNET_REGION,
            begrundelse=region_overrides[r.kode].begrundelse if r.kode in region_overrides else "",
        )
        for r in regioner
    )
    total = sum(r.regionskvote for r in regionskvoter)
    advarsler: tuple[str, ...] = ()
    if total != landstal:
        advarsler = (
            f"The recorded deviations make the quotas sum to {total}, "
            f"{total - landstal:+d} against the landstal {landstal}.",
        )
    return Kvoteberegning(landstal, metode, grundlag, noegle, kommuner, regionskvoter, advarsler)


def _unique_overrides(afvigelser: list[Afvigelse], problems: list[Problem]) -> dict[int, Afvigelse]:
    unique: dict[int, Afvigelse] = {}
    for afv in afvigelser:
        if afv.kode in unique:
            problems.append(
                Problem(
                    f"a second deviation for {afv.kode}", afv.kilde.source, afv.kilde.row, "kode"
                )
            )
        unique[afv.kode] = afv
    return unique


def _check_agreement(
    aftale: Aftale, region_of: dict[int, Region], regionskvote: int
) -> list[Problem]:
    """An agreement must cover exactly the region's municipalities and sum to its quota (§ 6)."""
    problems = []
    region = aftale.region
    for kode in sorted(aftale.kvoter):
        if region_of.get(kode) != region:
            kilde = aftale.kilder.get(kode, Kilde(aftale.source))
            problems.append(
                Problem(
                    f"kommunekode {kode} is not in {region.navn}",
                    kilde.source,
                    kilde.row,
                    "kommunekode",
                )
            )
    missing = sorted(k for k, r in region_of.items() if r == region and k not in aftale.kvoter)
    if missing:
        problems.append(
            Problem(
                f"the agreement for {region.navn} does not cover every municipality of the region "
                f"(missing: {', '.join(map(str, missing))}); without a valid agreement the § 7 "
                "quotas apply",
                aftale.source,
            )
        )
    total = sum(aftale.kvoter.values())
    if total != regionskvote:
        problems.append(
            Problem(
                f"the agreement for {region.navn} sums to {total}, but the region quota is "
                f"{regionskvote}; an agreement must sum to the region quota (§ 6), otherwise the "
                "§ 7 quotas apply",
                aftale.source,
                None,
                "kommunekvote",
            )
        )
    return problems
