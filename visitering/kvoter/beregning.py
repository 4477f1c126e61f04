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

#: The largest landstal the sequential (house-monotone) methods accept: they hand out one person
#: at a time, about 4 s per million on these machines; Denmark's largest landstal was 17,000.
SEQUENTIAL_MAX_LANDSTAL = 1_000_000


def sequential_limit(metode: Method, persons: int, what: str, source: str) -> Problem | None:
    """The problem with handing out ``persons`` by ``metode`` (``what`` names them, e.g. "a
    landstal"), or None: a sequential method above :data:`SEQUENTIAL_MAX_LANDSTAL` would run
    for hours."""
    if metode is Method.LARGEST_REMAINDER or persons <= SEQUENTIAL_MAX_LANDSTAL:
        return None
    return Problem(
        f"the {metode.value} method hands out one person at a time; {what} above "
        f"{SEQUENTIAL_MAX_LANDSTAL:,} is not supported with it (largest-remainder has no such "
        f"limit), got {persons:,}",
        source,
    )


class Grundlag(StrEnum):
    """The legal basis of a quota as exported (column ``grundlag``)."""

    BEREGNET = "§ 7"
    REGION_AFVIGELSE = "§ 4 stk. 6 og § 7"
    AFTALE = "aftale §§ 5-6"
    AFVIGELSE = "afvigelse § 7 stk. 6"
    BEREGNET_REGION = "§ 4 stk. 1"
    BEREGNET_REGION_MED_AFVIGELSE = "§ 4 stk. 1 og afvigelse § 7 stk. 6"
    """The sum of the region's municipal quotas, one or more of which a § 7 stk. 6 deviation
    set: not the § 4 stk. 1 figure alone."""
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


@dataclass
class _Split:
    """The municipal quotas while the steps are applied, with each quota's basis and reason."""

    kvoter: dict[int, int]
    basis: dict[int, Grundlag]
    reasons: dict[int, str] = field(default_factory=dict)

    def set(self, kode: int, kvote: int, basis: Grundlag, reason: str = "") -> None:
        self.kvoter[kode] = kvote
        self.basis[kode] = basis
        if reason:
            self.reasons[kode] = reason


def beregn_kvoter(
    grundlag: Fordelingsgrundlag,
    landstal: int,
    metode: Method = Method.LARGEST_REMAINDER,
    aftaler: Sequence[Aftale] = (),
    afvigelser: Sequence[Afvigelse] = (),
) -> Kvoteberegning:
    """Compute region and municipal quotas for ``landstal`` (BEK nr. 550/2022 §§ 4-7, steps 1-5
    of the module docstring).

    Raises
    ------
    InputError
        For an invalid agreement or deviation, with every problem found; or for a landstal
        above :data:`SEQUENTIAL_MAX_LANDSTAL` with a sequential method.
    """
    if (too_many := sequential_limit(metode, landstal, "a landstal", "landstal")) is not None:
        raise InputError(too_many)
    noegle = beregn_noegle(grundlag, landstal)
    beregnet = apportion([k.fordelingstal for k in noegle.kommuner], landstal, metode)
    split = _Split(
        {k.kode: q for k, q in zip(noegle.kommuner, beregnet, strict=True)},
        {k.kode: Grundlag.BEREGNET for k in noegle.kommuner},
    )
    region_of = {k.kode: k.grundlag.kommune.region for k in noegle.kommuner}
    problems: list[Problem] = []
    region_overrides = _unique_overrides([a for a in afvigelser if a.gaelder_region], problems)
    _deviate_regions(noegle, region_overrides, region_of, metode, split, problems)
    _apply_agreements(aftaler, region_of, split, problems)
    _deviate_municipalities(
        _unique_overrides([a for a in afvigelser if not a.gaelder_region], problems),
        split,
        problems,
    )
    if problems:
        raise InputError(problems)

    kommuner = tuple(
        Kommunekvote(
            k, q0, split.kvoter[k.kode], split.basis[k.kode], split.reasons.get(k.kode, "")
        )
        for k, q0 in zip(noegle.kommuner, beregnet, strict=True)
    )
    regionskvoter = tuple(
        _region_quota(r, noegle, kommuner, region_overrides.get(r.kode))
        for r in sorted(set(region_of.values()))
    )
    total = sum(r.regionskvote for r in regionskvoter)
    advarsler: tuple[str, ...] = ()
    if total != landstal:
        advarsler = (
            f"The recorded deviations make the quotas sum to {total}, "
            f"{total - landstal:+d} against the landstal {landstal}.",
        )
    return Kvoteberegning(landstal, metode, grundlag, noegle, kommuner, regionskvoter, advarsler)


def _deviate_regions(
    noegle: Noegle,
    overrides: dict[int, Afvigelse],
    region_of: dict[int, Region],
    metode: Method,
    split: _Split,
    problems: list[Problem],
) -> None:
    """§ 4 stk. 6: a recorded region quota, re-split over its municipalities as § 7 does."""
    region_codes = {r.kode for r in region_of.values()}
    for afv in overrides.values():
        if afv.kode not in region_codes:
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
            split.set(k.kode, q, Grundlag.REGION_AFVIGELSE, afv.begrundelse)


def _apply_agreements(
    aftaler: Sequence[Aftale],
    region_of: dict[int, Region],
    split: _Split,
    problems: list[Problem],
) -> None:
    """§§ 5-6: a valid KKR agreement replaces its region's split."""
    totals: dict[Region, int] = {}
    for kode, q in split.kvoter.items():
        totals[region_of[kode]] = totals.get(region_of[kode], 0) + q
    for aftale in aftaler:
        problems.extend(_check_agreement(aftale, region_of, totals[aftale.region]))
        for kode, q in aftale.kvoter.items():
            split.set(kode, q, Grundlag.AFTALE)


def _deviate_municipalities(
    overrides: dict[int, Afvigelse], split: _Split, problems: list[Problem]
) -> None:
    """§ 7 stk. 6: a recorded municipal quota."""
    for afv in overrides.values():
        if afv.kode not in split.kvoter:
            problems.append(
                Problem(f"{afv.kode} is not a kommunekode", afv.kilde.source, afv.kilde.row, "kode")
            )
            continue
        split.set(afv.kode, afv.kvote, Grundlag.AFVIGELSE, afv.begrundelse)


def _region_quota(
    region: Region,
    noegle: Noegle,
    kommuner: tuple[Kommunekvote, ...],
    override: Afvigelse | None,
) -> Regionskvote:
    """§ 4 stk. 1: the exact Σ t_k of the region, and the sum of its municipal quotas.  The
    basis says when a § 7 stk. 6 deviation of one of them moved that sum (regression, scenario
    audit, stop 27: Syddanmark 150 of an exact 137.7 was labelled § 4 stk. 1)."""
    members = [q for q in kommuner if q.kommune.region == region]
    if override:
        basis = Grundlag.AFVIGELSE_REGION
    elif any(q.grundlag is Grundlag.AFVIGELSE for q in members):
        basis = Grundlag.BEREGNET_REGION_MED_AFVIGELSE
    else:
        basis = Grundlag.BEREGNET_REGION
    return Regionskvote(
        region=region,
        fordelingstal=sum(
            (k.fordelingstal for k in noegle.kommuner if k.grundlag.kommune.region == region),
            Fraction(0),
        ),
        regionskvote=sum(q.kommunekvote for q in members),
        grundlag=basis,
        begrundelse=override.begrundelse if override else "",
    )


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
                "quotas apply: leave the agreement out to compute them",
                aftale.source,
            )
        )
    total = sum(aftale.kvoter.values())
    if total != regionskvote:
        problems.append(
            Problem(
                f"the agreement for {region.navn} sums to {total}, but the region quota is "
                f"{regionskvote}; an agreement must sum to the region quota (§ 6), otherwise the "
                "§ 7 quotas apply: leave the agreement out to compute them",
                aftale.source,
                None,
                "kommunekvote",
            )
        )
    return problems
